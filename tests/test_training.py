"""Training semantics are defined once (nncc/training.py) and every target follows them:
the learning rate at each step for every schedule and warm-up chain, and steps per epoch."""
from __future__ import annotations

import math

import pytest
from nncc.targets.singa import job_pb2 as pb
from test_singa import MLP, compile_text, job_of, tiny

from nncc import training
from nncc.driver import frontend

# MLP (tests/test_singa.py): 1,000 training samples at batch size 50, so 20 steps per epoch.
SPE = 20
LR = 0.1


def section(schedule: str, length: str = "steps: 400", data_extra: str = "", batch: int = 50):
    text = MLP.format(opt=f"sgd(lr={LR})", more=f"  {length}\n  schedule: {schedule}")
    text = text.replace("  batch_size: 50\n", f"  batch_size: {batch}\n")
    if data_extra:
        text = text.replace("      samples: 1000\n", f"      samples: 1000\n{data_extra}")
    return frontend("m.yaml", data=text.encode()).train


# Each schedule with the language's definition written out by hand, independently of training.py.
DEFINITIONS = [
    ("fixed()", lambda t: LR),
    ('step(every=2, gamma=0.5, unit="epoch")', lambda t: LR * 0.5 ** ((t // SPE) // 2)),
    ('step(every=30, gamma=0.5, unit="step")', lambda t: LR * 0.5 ** (t // 30)),
    ("multi_step(milestones=[1, 3], gamma=0.1)", lambda t: LR * 0.1 ** ((t // SPE >= 1) + (t // SPE >= 3))),
    ("fixed_step(steps=[0, 50, 120], values=[0.3, 0.2, 0.05])",
     lambda t: 0.3 if t < 50 else 0.2 if t < 120 else 0.05),
    ("exponential(gamma=0.9, every=7)", lambda t: LR * 0.9 ** (t // 7)),
    ("inverse(gamma=0.1, power=0.75)", lambda t: LR * (1 + 0.1 * t) ** -0.75),
    ("inverse_t(final_lr=50)", lambda t: LR / (1 + t / 50)),
    ("linear(final_lr=0.01, every=100)", lambda t: LR + (0.01 - LR) * min(t / 100, 1)),
    ("cosine(min_lr=0.001)", lambda t: 0.001 + (LR - 0.001) * (1 + math.cos(math.pi * t / 400)) / 2),
    ("cosine(steps=100)", lambda t: LR * (1 + math.cos(math.pi * min(t / 100, 1))) / 2),
    ("poly(power=2, epochs=5)", lambda t: LR * (1 - min(t / (5 * SPE), 1)) ** 2),
    ("warmup(steps=40, start_lr=0.02)", lambda t: 0.02 + (LR - 0.02) * t / 40 if t < 40 else LR),
    ("[warmup(epochs=2), cosine()]",
     lambda t: LR * t / 40 if t < 40 else LR * (1 + math.cos(math.pi * (t - 40) / 360)) / 2),
    ('\n    - warmup(steps=100, start_lr=0.01)\n    - multi_step(milestones=[50, 150], gamma=0.1, unit="step")',
     lambda t: 0.01 + (LR - 0.01) * t / 100 if t < 100 else LR * 0.1 ** ((t - 100 >= 50) + (t - 100 >= 150))),
    ("[warmup(steps=20), 'exponential(gamma=0.5, every=10)']",
     lambda t: LR * t / 20 if t < 20 else LR * 0.5 ** ((t - 20) // 10)),
]
STEPS = [0, 1, 7, 19, 20, 21, 39, 40, 41, 49, 50, 99, 100, 119, 120, 199, 200, 250, 399]


@pytest.mark.parametrize("sched,lr", DEFINITIONS, ids=[d[0].strip() for d in DEFINITIONS])
def test_learning_rate_at_each_step_is_the_languages(sched, lr):
    cfg = section(sched)
    f = training.schedule(cfg)
    for t in STEPS:
        assert f(t) == pytest.approx(lr(t), rel=1e-12, abs=1e-15), (sched, t)


def test_every_schedule_of_the_language_has_a_definition():
    from nncc.train import SCHEDULES

    written = {d[0].split("(")[0].strip("[\n -") for d in DEFINITIONS}
    assert set(SCHEDULES) <= written


def _singa_lr(conf, step: int) -> float:
    """SINGA v0.3's learning-rate generators (src/utils/updater.cc), as they compute it."""
    base = conf.base_lr
    if conf.type == pb.kFixed:
        return base
    if conf.type == pb.kStep:
        return base * conf.step_conf.gamma ** (step // conf.step_conf.change_freq)
    if conf.type == pb.kFixedStep:
        idx = 0
        steps = list(conf.fixedstep_conf.step)
        while idx < len(steps) - 1 and step >= steps[idx + 1]:
            idx += 1
        return conf.fixedstep_conf.step_lr[idx]
    if conf.type == pb.kInverse:
        return base * (1 + conf.inverse_conf.gamma * step) ** -conf.inverse_conf.pow
    if conf.type == pb.kInverseT:
        return base / (1 + step / conf.inverset_conf.final_lr)
    if conf.type == pb.kLinear:
        r = step / conf.linear_conf.change_freq
        return (1 - r) * base + r * conf.linear_conf.final_lr
    if conf.type == pb.kExponential:
        return base / 2 ** (step / conf.exponential_conf.change_freq)
    raise AssertionError(f"unknown SINGA schedule {conf.type}")


SINGA_SCHEDULES = [d for d in DEFINITIONS if not d[0].startswith(("cosine", "poly", "warmup", "[", "\n"))]


@pytest.mark.parametrize("sched,lr", SINGA_SCHEDULES, ids=[d[0] for d in SINGA_SCHEDULES])
def test_singa_job_follows_the_definition(sched, lr):
    """What SINGA computes from the job nncc writes equals the language's rate at every step
    SINGA runs (linear up to its `every`: SINGA's kLinear does not stop at final_lr)."""
    job = tiny(more=f"  steps: 400\n  schedule: {sched}")
    conf = job.updater.learning_rate
    f = training.schedule(section(sched))
    last = 100 if sched.startswith("linear") else 400
    for t in range(last):
        assert _singa_lr(conf, t) == pytest.approx(f(t), rel=1e-5), (sched, t)  # SINGA's fields are float32


@pytest.mark.parametrize("samples,fraction,vfrac,batch,spe", [
    (1000, None, None, 50, 20),
    (1050, None, None, 100, 11),  # the last mini-batch is partial and still a step
    (1000, 0.5, None, 50, 10),
    (1000, None, 0.2, 50, 16),
    (1000, 0.5, 0.1, 64, 8),  # 450 samples
])
def test_steps_per_epoch(samples, fraction, vfrac, batch, spe):
    extra = "".join(f"      {k}: {v}\n" for k, v in (("fraction", fraction), ("validation_fraction", vfrac)) if v)
    cfg = section("fixed()", data_extra=extra, batch=batch)
    cfg.data["train"].fields["samples"] = samples
    assert training.steps_per_epoch(cfg) == spe


def test_known_data_sets_and_dataset_size():
    cfg = section("fixed()")
    cfg.data["train"].fields.update(samples=None, format="mnist")
    assert training.dataset_samples(cfg) == 60_000 and training.steps_per_epoch(cfg) == 1200
    cfg.data["train"].fields["format"] = "csv"
    assert training.steps_per_epoch(cfg) is None
    cfg.settings["dataset_size"] = 1050
    assert training.steps_per_epoch(cfg) == 21


def test_epoch_counts_are_the_same_steps_on_every_target():
    """1,050 csv samples at batch 100 are 11 steps per epoch for SINGA and for LBANN alike."""
    text = MLP.format(opt="sgd(lr=0.1)", more="  epochs: 3").replace("      samples: 1000\n", "      samples: 1050\n")
    text = text.replace("  batch_size: 50\n", "  batch_size: 100\n")
    cfg = frontend("m.yaml", data=text.encode()).train
    assert training.total_steps(cfg) == 33
    assert job_of(compile_text(text).files).train_steps == 33


DATA_SHAPE = """\
nncc: 1
model: m
inputs:
  image: f32[N, 1, 28, 28]
  label: i64[N]
graph:
  logits: conv2d(image, 4, 3) |> flatten |> linear(10)
outputs: [logits]
train:
  loss: cross_entropy(logits, label)
  optimizer: sgd(lr=0.1)
  batch_size: 50
  steps: 10
  data:
    train: {format: record, path: train.bin, samples: 1000, shape: SHAPE}
"""


def test_a_data_roles_shape_must_be_the_inputs(tmp_path):
    """SINGA would fail its shape check on the cluster for [784] into an input of [1, 28, 28]; every
    target and lint refuse it at the line, with the shape to write."""
    from nncc.diagnostics import CompileError

    text = DATA_SHAPE.replace("SHAPE", "[784]")
    with pytest.raises(CompileError) as e:
        frontend("m.yaml", data=text.encode())
    [d] = e.value.diagnostics
    assert d.code == "E402" and "[1, 28, 28]" in d.message and "shape: [1, 28, 28]" in d.help
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "shape:" in t)
    assert (d.span.line, d.span.col) == (line, text.splitlines()[line - 1].index("[784]") + 1)
    frontend("m.yaml", data=DATA_SHAPE.replace("SHAPE", "[1, 28, 28]").encode())
