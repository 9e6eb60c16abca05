"""A warm-up on LBANN. nncc's warm-up raises the rate at every step (nncc/schedule.py). LBANN does that only in
its cosine decay callback; its linear_growth_learning_rate, which LBANN's frontend writes for `--warmup`
(tests/test_lbann_frontend.py, resnet50_warmup), raises it once per epoch. A warm-up alone (or before `fixed()`)
is written as the cosine callback with lr_max = lr_min and is exact at every step; before drops it is the
frontend's staircase, with W502 at the warm-up saying what LBANN will do.

The LBANN rates below are read from src/callbacks/learning_rate.cpp: the callbacks set the rate when back
propagation ends, before the update, from the count of steps already taken; the epoch callbacks at an
epoch's end, after the epoch count has gone up."""
from __future__ import annotations

import math

import pytest
from test_schedules import LINE, callbacks, lbann, text

from nncc import training
from nncc.driver import frontend

SPE = 600  # text(): MNIST's 60000 samples at batch size 100


def cosine_rate(c, step: int) -> float:
    """LBANN's cosine_decay_learning_rate at a step (warm-up, decay, then lr_min)."""
    if step >= c.warmup_steps + c.decay_steps:
        return c.lr_min
    if step >= c.warmup_steps:
        ratio = (step - c.warmup_steps) / c.decay_steps
        return c.lr_min + (c.lr_max - c.lr_min) * 0.5 * (1 + math.cos(math.pi * ratio))
    return c.initial_warmup_learning_rate + step / c.warmup_steps * (c.lr_max - c.initial_warmup_learning_rate)


def growth_rate(g, base: float, epoch: int) -> float:
    """LBANN's linear_growth_learning_rate through an epoch: set at the end of the one before it."""
    return base + (g.target - base) / g.num_epochs * min(epoch, g.num_epochs)


def nncc_rates(tmp_path, schedule: str, **kw):
    p = tmp_path / "m.yaml"
    p.write_text(text(schedule, **kw))
    return training.schedule(frontend(str(p)).train)


@pytest.mark.parametrize("schedule", ["warmup(epochs=2, start_lr=0.01)", "warmup(steps=750)",
                                      '["warmup(epochs=1)", fixed()]', '["warmup(steps=1000, start_lr=0.02)", fixed()]'])
def test_a_warmup_alone_ramps_at_every_step_as_nncc_does(tmp_path, schedule):
    exp, warns = lbann(tmp_path, schedule)
    assert warns == [] and callbacks(exp, "linear_growth_learning_rate") == []
    (c,) = callbacks(exp, "cosine_decay_learning_rate")
    assert c.weights == "" and c.lr_max == c.lr_min
    rate = nncc_rates(tmp_path, schedule)
    for step in range(10 * SPE):
        assert math.isclose(cosine_rate(c, step), rate(step), rel_tol=1e-6, abs_tol=1e-9), step


def test_a_warmup_alone_with_multipliers_ramps_each_group(tmp_path):
    exp, warns = lbann(tmp_path, "warmup(epochs=1, start_lr=0.01)", mult=", b_lr=2")
    cs = sorted(callbacks(exp, "cosine_decay_learning_rate"), key=lambda c: c.lr_max)
    assert warns == [] and len(cs) == 2 and all(c.weights for c in cs)
    assert [(round(c.initial_warmup_learning_rate, 6), round(c.lr_max, 6), c.warmup_steps) for c in cs] == \
        [(0.01, 0.1, SPE), (0.02, 0.2, SPE)]


def test_a_warmup_before_drops_is_the_frontends_staircase_with_w502_at_the_warmup(tmp_path):
    schedule = "\n    - warmup(epochs=2, start_lr=0.01)\n    - multi_step(milestones=[3], gamma=0.5)"
    exp, warns = lbann(tmp_path, schedule)
    (g,) = callbacks(exp, "linear_growth_learning_rate")
    assert [w.code for w in warns] == ["W502"]
    w = warns[0]
    assert (w.span.line, w.span.col) == (LINE + 1, 7)  # `warmup(` on the list's first line
    assert "once per epoch" in w.message and "every step" in w.message and "multi_step() changes" in w.message
    assert "0.01 + k/2 × (0.1 − 0.01)" in w.message and "frontend" in (w.help or "")
    # what the message says is what LBANN does: through warm-up epoch k, the rate nncc has at the epoch's start
    rate = nncc_rates(tmp_path, schedule)
    base = exp.optimizer.sgd.learn_rate
    for k in range(2):
        said = 0.01 + k / 2 * (0.1 - 0.01)
        assert math.isclose(growth_rate(g, base, k), said, rel_tol=1e-6)
        assert math.isclose(rate(k * SPE), said, rel_tol=1e-6)
        assert rate(k * SPE + SPE - 1) > said  # nncc has climbed within the epoch; LBANN has not


def test_a_warmup_in_epochs_of_unknown_size_is_the_staircase_with_w502(tmp_path):
    t = text("warmup(epochs=2)").replace("format: mnist\n      path: data/mnist", "format: npz\n      path: d.npz")
    p = tmp_path / "m.yaml"
    p.write_text(t)
    from nncc.driver import compile_model

    res = compile_model(str(p), "lbann")
    warns = res.frontend.warnings
    assert [w.code for w in warns] == ["W502"] and "unknown" in warns[0].message
    assert warns[0].help == "give train.dataset_size"
    assert warns[0].span.line == t.splitlines().index("  schedule: warmup(epochs=2)") + 1
    assert b"linear_growth_learning_rate" in res.files["m.prototext"]
