"""The PyTorch project trains: ruff-clean code, losses that fall, resume, the loop back to ONNX, `nncc train`."""
from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from onnx_harness import SAMPLES, SHRINK, sample_id, session
from pytorch_harness import load_module, write_project

from nncc.driver import compile_model, frontend

ROOT = Path(__file__).resolve().parent.parent
TRAINED = [p for p in SAMPLES if (fe := frontend(p, SHRINK.get(sample_id(p)))).train is not None and fe.graph.losses]


def steps_csv(run: Path) -> list[dict[str, str]]:
    with open(run / "steps.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_every_sample_project_passes_ruff(tmp_path):
    for path in SAMPLES:
        write_project(path, tmp_path / sample_id(path), defines=SHRINK.get(sample_id(path)))
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
                          str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("path", TRAINED, ids=sample_id)
def test_a_few_steps_lower_the_loss(path, tmp_path):
    """The generated optimizer on one batch of synthetic data: the train-mode loss falls in 8 steps."""
    write_project(path, tmp_path, defines=SHRINK.get(sample_id(path)), options={"workers": "0"})
    model_mod = load_module(tmp_path, "model")
    train = load_module(tmp_path, "train")
    data, heads, config = sys.modules["data"], sys.modules["heads"], sys.modules["config"]
    torch.manual_seed(0)
    model = model_mod.Model()
    model_mod.load_weights(model, str(tmp_path / "init.npz"))
    optimizer = train.make_optimizer(model)
    for group in optimizer.param_groups:  # a tenth of the rate: batches of 4 are noisy
        group["lr"] = config.STAGES[0]["optimizer"]["lr"] * group["lr_mult"] / 10
    batch = {k: torch.from_numpy(v) for k, v in data.dummy(4, 0).items()}

    def loss() -> torch.Tensor:
        torch.manual_seed(1)  # the same dropout masks each time
        return heads.loss({**batch, **model(*[batch[k] for k in model_mod.INPUTS])})

    with torch.no_grad():
        before = loss().item()
    for _ in range(8):
        optimizer.zero_grad()
        loss().backward()
        optimizer.step()
    with torch.no_grad():
        after = loss().item()
    assert after < before, (before, after)


MLP = """\
nncc: 1
model: mlp
inputs:
  x: f32[N, 8]
  y: i64[N]
graph:
  h: linear(x, 16) |> relu |> dropout(0.2)
  logits: linear(h, 3)
outputs: [logits]
train:
  loss: cross_entropy(logits, y)
  metrics: {accuracy: "accuracy(logits, y)"}
  optimizer: OPT
  SCHEDULE
  batch_size: 8
  LENGTH
  seed: 7
  data:
    train: {format: npz, path: DATA/train.npz, shuffle: true}
    test: {format: npz, path: DATA/test.npz}
  CHECKPOINT
"""


def mlp(tmp_path: Path, opt: str = "sgd(lr=0.1, momentum=0.9)", schedule: str = "", length: str = "epochs: 3",
        checkpoint: str = "", n: int = 64, extra: str = "", dropout: bool = True) -> str:
    """A small classifier on separable synthetic data (npz files under tmp_path/data)."""
    d = tmp_path / "data"
    d.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    centers = rng.normal(0, 3, (3, 8))
    for name, count in (("train", n), ("test", 48)):
        y = rng.integers(0, 3, count)
        x = (centers[y] + rng.normal(0, 1, (count, 8))).astype(np.float32)
        np.savez(d / f"{name}.npz", x=x, y=y)
    text = (MLP.replace(" |> dropout(0.2)", " |> dropout(0.2)" if dropout else "").replace("OPT", opt).replace("SCHEDULE", schedule).replace("LENGTH", length)
            .replace("CHECKPOINT", checkpoint).replace("DATA", str(d)))
    p = tmp_path / "mlp.yaml"
    p.write_text(text + extra)
    return str(p)


def run_train(project: Path, run: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(project / "train.py"), "--run-dir", str(run), "--threads", "1",
                           *args], capture_output=True, text=True, timeout=300)


def test_cpu_run_is_bit_reproducible(tmp_path):
    path = mlp(tmp_path)
    write_project(path, tmp_path / "p", options={"workers": "0"})
    a = run_train(tmp_path / "p", tmp_path / "a")
    b = run_train(tmp_path / "p", tmp_path / "b")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert steps_csv(tmp_path / "a") == steps_csv(tmp_path / "b")
    assert (tmp_path / "a" / "trained.npz").read_bytes() == (tmp_path / "b" / "trained.npz").read_bytes()
    losses = [float(r["loss"]) for r in steps_csv(tmp_path / "a")]
    assert len(losses) == 24 and np.mean(losses[-4:]) < np.mean(losses[:4])
    with open(tmp_path / "a" / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"] and "accuracy" in rows[0]


def test_killed_run_resumes_with_the_same_losses(tmp_path):
    """SIGKILL mid-epoch (after the checkpoint of step 5), start again: steps.csv equals an uninterrupted run's."""
    path = mlp(tmp_path, n=96, length="epochs: 4", checkpoint="checkpoint: {every: 5, unit: step}")
    project = tmp_path / "p"
    write_project(path, project, options={"workers": "1"})
    whole = run_train(project, tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr
    run = tmp_path / "killed"
    cmd = [sys.executable, str(project / "train.py"), "--run-dir", str(run), "--threads", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    marker = run / "checkpoint" / "step-00000005.npz"
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert marker.exists()
    again = run_train(project, run)
    assert again.returncode == 0, again.stderr
    assert "resuming at step" in again.stdout
    assert steps_csv(run) == steps_csv(tmp_path / "whole")
    assert (run / "trained.npz").read_bytes() == (tmp_path / "whole" / "trained.npz").read_bytes()


def test_loop_closes_through_onnx(tmp_path):
    """Train 1 epoch -> trained.npz -> nncc compile -t onnx --weights -> onnxruntime accuracy = torch's."""
    path = mlp(tmp_path, length="epochs: 1")
    write_project(path, tmp_path / "p", options={"workers": "0"})
    r = run_train(tmp_path / "p", tmp_path / "run")
    assert r.returncode == 0, r.stderr
    ev = subprocess.run([sys.executable, str(tmp_path / "p" / "evaluate.py"), "--weights",
                         str(tmp_path / "run" / "trained.npz")], capture_output=True, text=True, check=True)
    torch_acc = float(eval(ev.stdout)["accuracy"])  # noqa: S307 - the project's own JSON line
    res = compile_model(path, "onnx", weights=str(tmp_path / "run" / "trained.npz"))
    sess = session(res.files["mlp.onnx"])
    test = np.load(tmp_path / "data" / "test.npz")
    logits = sess.run(None, {"x": test["x"]})[0]
    onnx_acc = float((logits.argmax(1) == test["y"]).mean() * 100)
    assert abs(onnx_acc - torch_acc) < 1e-9, (onnx_acc, torch_acc)
    assert torch_acc > 50


def test_nncc_train_streams_and_returns_the_runs_exit_code(tmp_path):
    path = mlp(tmp_path, length="epochs: 1")
    run = tmp_path / "run"
    out = subprocess.run([sys.executable, "-m", "nncc.cli", "train", path, "-o", str(run), "--threads", "1"],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "samples/s" in out.stdout and "ETA" in out.stdout and (run / "trained.npz").exists()
    np.load(tmp_path / "data" / "train.npz")  # the data is untouched
    os.remove(tmp_path / "data" / "train.npz")
    out = subprocess.run([sys.executable, "-m", "nncc.cli", "train", path, "-o", str(run), "--no-resume"],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode != 0 and "train.npz" in out.stderr


def test_two_gloo_processes_follow_one_process(tmp_path):
    """torchrun, 2 CPU processes (gloo), global batch 8 = 2 x 4: the loss curve of 1 process within 1e-5."""
    path = mlp(tmp_path, length="epochs: 2", checkpoint="checkpoint: {every: 1}", dropout=False)
    write_project(path, tmp_path / "p", options={"workers": "0"})
    one = run_train(tmp_path / "p", tmp_path / "one")
    assert one.returncode == 0, one.stderr
    two = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                          str(tmp_path / "p" / "train.py"), "--run-dir", str(tmp_path / "two"), "--threads", "1"],
                         capture_output=True, text=True, timeout=300)
    assert two.returncode == 0, two.stderr[-3000:]
    a, b = steps_csv(tmp_path / "one"), steps_csv(tmp_path / "two")
    assert len(a) == len(b) == 16
    for x, y in zip(a, b):
        assert x["lr"] == y["lr"] and abs(float(x["loss"]) - float(y["loss"])) <= 1e-5 * max(1.0, abs(float(x["loss"])))
    assert sorted(os.listdir(tmp_path / "two" / "checkpoint")) == sorted(os.listdir(tmp_path / "one" / "checkpoint"))
    assert two.stdout.count("wrote ") == 1  # rank 0 alone writes
    wa, wb = np.load(tmp_path / "one" / "trained.npz"), np.load(tmp_path / "two" / "trained.npz")
    for k in wa.files:
        assert np.allclose(wa[k], wb[k], rtol=1e-5, atol=1e-6), k


def test_bf16_clipping_and_early_stopping_run(tmp_path):
    """precision: bf16 (autocast on CPU), clip_norm and early stopping on the test accuracy."""
    extra = ("  precision: bf16\n  clip_norm: 0.5\n  test_every: 1\n"
             "  callbacks: ['early_stopping(metric=\"accuracy\", patience=0)']\n")
    path = mlp(tmp_path, opt="sgd(lr=0.0)", length="epochs: 5", extra=extra)
    write_project(path, tmp_path / "p", options={"workers": "0"})
    r = run_train(tmp_path / "p", tmp_path / "run")
    assert r.returncode == 0, r.stderr
    assert "early stopping" in r.stdout  # lr 0: the accuracy cannot improve after the first epoch
    with open(tmp_path / "run" / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 and "test_accuracy" in rows[0]
    config = (tmp_path / "p" / "config.py").read_text()
    assert 'PRECISION = "bf16"' in config and "CLIP_NORM = 0.5" in config


def test_settings_other_training_targets_lack_are_e510(tmp_path):
    from nncc.diagnostics import CompileError

    path = mlp(tmp_path, extra="  clip_norm: 1.0\n")
    for target in ("singa",):  # LBANN clips the global norm too (clip_gradient_norm: tests/test_lbann_features.py)
        with pytest.raises(CompileError) as e:
            compile_model(path, target)
        assert any(d.code == "E510" and "clip_norm" in d.message for d in e.value.diagnostics), target


def test_summary_callback_writes_tensorboard_events(tmp_path):
    """callbacks: [summary(dir, every)]: the loss and rate every N steps and each epoch's row, as TensorBoard reads them."""
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    path = mlp(tmp_path, length="epochs: 2", extra="  callbacks: ['summary(dir=\"tb\", every=3)']\n")
    write_project(path, tmp_path / "p", options={"workers": "0"})
    r = run_train(tmp_path / "p", tmp_path / "run")
    assert r.returncode == 0, r.stderr
    assert list((tmp_path / "run" / "tb").glob("events.out.tfevents.*"))
    events = EventAccumulator(str(tmp_path / "run" / "tb"))
    events.Reload()
    losses = {int(r["step"]): float(r["loss"]) for r in steps_csv(tmp_path / "run")}
    board = events.Scalars("train/loss")
    assert [e.step for e in board] == list(range(0, 16, 3))
    assert all(abs(e.value - losses[e.step]) <= 1e-6 * max(1.0, abs(e.value)) for e in board)
    assert [e.step for e in events.Scalars("epoch/accuracy")] == [8, 16]


def test_summary_without_tensorboard_says_so_and_trains_on(tmp_path):
    fake = tmp_path / "site" / "tensorboard"  # a tensorboard that cannot be imported, first on the path
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('not installed')\n")
    path = mlp(tmp_path, length="epochs: 1", extra="  callbacks: ['summary(dir=\"tb\")']\n")
    write_project(path, tmp_path / "p", options={"workers": "0"})
    r = subprocess.run([sys.executable, str(tmp_path / "p" / "train.py"), "--run-dir", str(tmp_path / "run"),
                        "--threads", "1"], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(tmp_path / "site")})
    assert r.returncode == 0, r.stderr
    assert "pip install tensorboard" in r.stderr and (tmp_path / "run" / "trained.npz").exists()
    assert not (tmp_path / "run" / "tb").exists()
