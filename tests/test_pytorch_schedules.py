"""Learning rates of the generated training at chosen steps, for every schedule and warm-up chain.

The expected rates are written out here from each schedule's definition (docs/language.md),
independently of nncc/schedule.py; torch's own schedulers agree where they have the schedule.
The MLP trains on 64 samples in batches of 8 (8 steps per epoch) for 10 epochs (80 steps), lr 0.1.
"""
from __future__ import annotations

import csv
import math
import subprocess
import sys

import pytest
import torch
from pytorch_harness import load_module, write_project
from test_pytorch_train import mlp

from nncc.schedule import learning_rate

LR = 0.1
CASES: dict[str, tuple[str, dict[int, float]]] = {
    "fixed": ("fixed()", {0: LR, 79: LR}),
    "step_epochs": ("step(every=2, gamma=0.5)", {15: LR, 16: LR / 2, 32: LR / 4}),
    "step_steps": ('step(every=10, gamma=0.5, unit="step")', {9: LR, 10: LR / 2, 25: LR / 4}),
    "multi_step": ("multi_step(milestones=[3, 5], gamma=0.1)", {23: LR, 24: LR / 10, 40: LR / 100}),
    "fixed_step": ("fixed_step(steps=[0, 30, 60], values=[0.5, 0.2, 0.01])", {0: 0.5, 29: 0.5, 30: 0.2, 61: 0.01}),
    "exponential": ("exponential(gamma=0.9)", {0: LR, 5: LR * 0.9 ** 5}),
    "exponential_epochs": ('exponential(gamma=0.5, every=2, unit="epoch")', {15: LR, 16: LR / 2}),
    "inverse": ("inverse(gamma=0.01, power=0.75)", {0: LR, 10: LR * 1.1 ** -0.75}),
    "inverse_t": ("inverse_t(final_lr=20)", {10: LR / 1.5}),
    "linear": ("linear(final_lr=0.01, every=40)", {20: 0.055, 40: 0.01, 60: 0.01}),
    "cosine": ("cosine(min_lr=0.001)", {0: LR, 40: 0.0505, 80 - 1: 0.001 + 0.099 * (1 + math.cos(math.pi * 79 / 80)) / 2}),
    "cosine_epochs": ("cosine(epochs=5)", {20: LR / 2, 40: 0.0, 60: 0.0}),
    "poly": ("poly(power=2)", {40: LR / 4}),
    "warmup": ("warmup(steps=10, start_lr=0.01)", {0: 0.01, 5: 0.055, 10: LR, 50: LR}),
    "warmup_multi_step": ("\n    - warmup(epochs=2)\n    - multi_step(milestones=[3], gamma=0.1)",
                          {0: 0.0, 8: LR / 2, 16: LR, 39: LR, 40: LR / 10}),
    "warmup_cosine": ("\n    - warmup(steps=10)\n    - cosine()", {5: LR / 2, 10: LR, 45: LR / 2}),
    "warmup_step": ('\n    - warmup(steps=8)\n    - step(every=10, gamma=0.5, unit="step")', {17: LR, 18: LR / 2}),
    "warmup_poly": ("\n    - warmup(epochs=1)\n    - poly(power=1, epochs=4)", {24: LR / 2, 40: 0.0, 79: 0.0}),
}


def project(tmp_path, schedule: str):
    path = mlp(tmp_path, opt=f"sgd(lr={LR})", schedule=f"schedule: {schedule}", length="epochs: 10")
    write_project(path, tmp_path / "p", options={"workers": "0"})
    return tmp_path / "p"


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_learning_rate_at_chosen_steps(case, tmp_path):
    schedule, expected = CASES[case]
    p = project(tmp_path, schedule)
    model_mod = load_module(p, "model")
    train = load_module(p, "train")
    optimizer = train.make_optimizer(model_mod.Model())
    for step, want in expected.items():
        got = train.set_learning_rate(optimizer, step, 8, 80)
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-15), (step, got, want)
        assert all(g["lr"] == got for g in optimizer.param_groups)


@pytest.mark.parametrize("case,scheduler", [
    ("step_steps", lambda o: torch.optim.lr_scheduler.StepLR(o, 10, 0.5)),
    ("exponential", lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)),
    ("cosine", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 80, 0.001)),
    ("poly", lambda o: torch.optim.lr_scheduler.PolynomialLR(o, 80, 2.0)),
])
def test_torch_schedulers_agree(case, scheduler):
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=LR)
    sched = scheduler(opt)
    schedule = {"step_steps": {"name": "step", "every": 10, "gamma": 0.5, "unit": "step"},
                "exponential": {"name": "exponential", "gamma": 0.9, "every": 1, "unit": "step"},
                "cosine": {"name": "cosine", "min_lr": 0.001, "epochs": None, "steps": None},
                "poly": {"name": "poly", "power": 2.0, "epochs": None, "steps": None}}[case]
    for step in range(80):
        assert math.isclose(opt.param_groups[0]["lr"], learning_rate(step, LR, schedule, None, 8, 80),
                            rel_tol=1e-9, abs_tol=1e-12), step
        opt.step()
        sched.step()


def test_a_run_uses_the_languages_rate_at_every_step(tmp_path):
    """steps.csv of a real run (warm-up chain, 8 steps per epoch found from the data) against nncc.schedule."""
    p = project(tmp_path, CASES["warmup_multi_step"][0])
    out = subprocess.run([sys.executable, str(p / "train.py"), "--run-dir", str(tmp_path / "run"), "--threads", "1"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    with open(tmp_path / "run" / "steps.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 80
    warm = {"name": "warmup", "epochs": 2, "steps": None, "start_lr": 0.0}
    multi = {"name": "multi_step", "milestones": [3], "gamma": 0.1, "unit": "epoch"}
    for r in rows:
        assert float(r["lr"]) == learning_rate(int(r["step"]), LR, multi, warm, 8, 80), r
