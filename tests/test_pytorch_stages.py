"""`train.stages` in the PyTorch project: each stage's rate, frozen weights that stay put, resume across stages."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
from pytorch_harness import write_project
from test_pytorch_train import mlp, run_train, steps_csv

from nncc import training
from nncc.driver import frontend

# 96 samples in batches of 8: 12 steps an epoch; the head alone for 2 epochs (steps 0-23), then all for 2
STAGES = """  dataset_size: 96
  stages:
    - {name: head, epochs: 2, freeze: [h], optimizer: "adam(lr=0.01)"}
    - {name: all, epochs: 2, schedule: cosine()}
"""


def staged(tmp_path):
    path = mlp(tmp_path, n=96, length="", checkpoint="checkpoint: {every: 1}", extra=STAGES)
    write_project(path, tmp_path / "p", options={"workers": "0"})
    return path, tmp_path / "p"


def test_each_stage_runs_its_optimizer_and_schedule_with_its_weights_frozen(tmp_path):
    path, project = staged(tmp_path)
    r = run_train(project, tmp_path / "run")
    assert r.returncode == 0, r.stderr
    assert "stage all from step 24" in r.stdout
    rows = steps_csv(tmp_path / "run")
    rate = training.schedule(frontend(path).train)
    assert len(rows) == 48 and [float(x["lr"]) for x in rows] == [rate(s) for s in range(48)]
    assert float(rows[0]["lr"]) == 0.01 and float(rows[24]["lr"]) == 0.1
    init = np.load(project / "init.npz")
    after_head = np.load(tmp_path / "run" / "checkpoint" / "step-00000024.npz")
    end = np.load(tmp_path / "run" / "trained.npz")
    for k in ("h.weight", "h.bias"):
        assert np.array_equal(after_head[k], init[k]), k  # frozen in the first stage
        assert not np.array_equal(end[k], init[k]), k  # trained in the second
    assert not np.array_equal(after_head["logits.weight"], init["logits.weight"])


def test_a_run_stopped_at_and_after_the_stage_boundary_continues_as_one_run(tmp_path):
    """Stopped at step 24 (the boundary: the saved optimizer is the first stage's, the second starts fresh),
    then at 36 (inside the second stage: its optimizer state is restored); the losses equal one whole run."""
    _, project = staged(tmp_path)
    whole = run_train(project, tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr
    run = tmp_path / "parts"
    first = run_train(project, run, "--steps", "24")
    second = run_train(project, run, "--steps", "36")
    last = run_train(project, run)
    assert first.returncode == second.returncode == last.returncode == 0, first.stderr + second.stderr + last.stderr
    assert "resuming at step 24" in second.stdout and "stage all from step 24" not in second.stdout
    assert "resuming at step 36" in last.stdout
    assert steps_csv(run) == steps_csv(tmp_path / "whole")
    assert (run / "trained.npz").read_bytes() == (tmp_path / "whole" / "trained.npz").read_bytes()


def test_two_gloo_processes_follow_one_process_across_stages(tmp_path):
    """At the stage boundary each process freezes, builds its optimizer and DDP again: the curves stay equal."""
    extra = STAGES.replace("epochs: 2", "epochs: 1")
    path = mlp(tmp_path, n=96, length="", extra=extra, dropout=False)
    write_project(path, tmp_path / "p", options={"workers": "0"})
    one = run_train(tmp_path / "p", tmp_path / "one")
    two = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                          str(tmp_path / "p" / "train.py"), "--run-dir", str(tmp_path / "two"), "--threads", "1"],
                         capture_output=True, text=True, timeout=300)
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr[-3000:]
    a, b = steps_csv(tmp_path / "one"), steps_csv(tmp_path / "two")
    assert len(a) == len(b) == 24 and [x["lr"] for x in a] == [y["lr"] for y in b]
    assert all(abs(float(x["loss"]) - float(y["loss"])) <= 1e-5 * max(1.0, abs(float(x["loss"]))) for x, y in zip(a, b))
