"""Training arithmetic of the language: steps per epoch, training length and the learning rate at a step.

This is the one definition. Targets that compute the rate themselves map their
fields onto it; the PyTorch target copies this file verbatim into the project it
writes (`schedule.py` there), so a run and the compiler cannot disagree. Hence
the module uses the standard library only and takes plain values: a schedule is
a dict `{"name": "step", "every": 30, "gamma": 0.1, "unit": "epoch"}` as
`nncc.train.Config` holds it.

Positions count from 0: `learning_rate(s, ...)` is the rate of the update made
at optimizer step `s` (0-based), and epoch `e` holds steps
`e * steps_per_epoch ... (e + 1) * steps_per_epoch - 1`.

Stages (`train.stages`) follow one another; a stage is trained as a train section of
its own would be, so its schedule counts from the stage's first step and lasts its
length: the rate at step `s` is `learning_rate(s - start, stage's lr, stage's
schedule, stage's warm-up, per_epoch, stage's length)`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

Schedule = Mapping[str, Any]


def steps_per_epoch(samples: int, batch_size: int) -> int:
    """Updates in one pass over `samples` examples: the last batch may be short, never dropped."""
    return max(1, math.ceil(samples / max(1, batch_size)))


def total_steps(steps: int | None, epochs: int | None, per_epoch: int) -> int:
    """The length of training in steps: `train.steps`, or `train.epochs` whole epochs."""
    if steps is not None:
        return int(steps)
    return int(epochs or 1) * per_epoch


def warmup_steps(warmup: Schedule | None, per_epoch: int) -> int:
    """A warm-up's length in steps (`epochs=` counts whole epochs)."""
    if warmup is None:
        return 0
    if warmup.get("epochs") is not None:
        return int(warmup["epochs"]) * per_epoch
    return int(warmup.get("steps") or 0)


def _length(s: Schedule, per_epoch: int, rest: int) -> int:
    """The decay length of cosine and poly in steps; without `epochs`/`steps`, the rest of training."""
    if s.get("steps") is not None:
        return max(1, int(s["steps"]))
    if s.get("epochs") is not None:
        return max(1, int(s["epochs"]) * per_epoch)
    return max(1, rest)


def _rate(s: Schedule | None, lr: float, t: int, per_epoch: int, rest: int) -> float:
    """Schedule `s` at step `t` counted from its own start; `rest` steps of training remain from there."""
    if s is None or s["name"] == "fixed":
        return lr
    name = s["name"]
    pos = t // per_epoch if s.get("unit") == "epoch" else t
    if name == "step":
        return lr * s["gamma"] ** (pos // s["every"])
    if name == "exponential":
        return lr * s["gamma"] ** (pos // s.get("every", 1))
    if name == "multi_step":
        return lr * s["gamma"] ** sum(1 for m in s["milestones"] if pos >= m)
    if name == "fixed_step":
        out = lr
        for at, value in zip(s["steps"], s["values"]):
            if t >= at:
                out = value
        return out
    if name == "inverse":
        return lr * (1.0 + s["gamma"] * t) ** (-s["power"])
    if name == "inverse_t":
        return lr / (1.0 + t / s["final_lr"])
    if name == "linear":
        r = min(t / s["every"], 1.0)
        return (1.0 - r) * lr + r * s["final_lr"]
    if name == "cosine":
        n = _length(s, per_epoch, rest)
        low = s.get("min_lr") or 0.0
        return low + (lr - low) * 0.5 * (1.0 + math.cos(math.pi * min(t, n) / n))
    if name == "poly":
        n = _length(s, per_epoch, rest)
        return lr * (1.0 - min(t, n) / n) ** s.get("power", 1.0)
    if name == "warmup":
        return _warm(s, lr, t, per_epoch)
    raise ValueError(f"unknown schedule {name!r}")


def _warm(w: Schedule, lr: float, t: int, per_epoch: int) -> float:
    n = max(1, warmup_steps(w, per_epoch))
    start = w.get("start_lr") or 0.0
    return start + (lr - start) * min(t, n) / n


def learning_rate(step: int, lr: float, schedule: Schedule | None, warmup: Schedule | None,
                  per_epoch: int, total: int) -> float:
    """The rate at optimizer step `step` (0-based) for base rate `lr`.

    `[warmup, s]`: linear from `start_lr` to `lr` over the warm-up, then `s`
    counted from the warm-up's end (its epochs, milestones and length too).
    """
    if warmup is not None:
        w = warmup_steps(warmup, per_epoch)
        if step < w:
            return _warm(warmup, lr, step, per_epoch)
        return _rate(schedule, lr, step - w, per_epoch, total - w)
    return _rate(schedule, lr, step, per_epoch, total)


def stage_lengths(lengths: Sequence[int | None], unit: str, per_epoch: int, total: int) -> list[int]:
    """Each stage's length in steps (`unit` "epoch" or "step"); a stage without one lasts to the end of training."""
    out: list[int] = []
    for n in lengths:
        out.append(max(0, total - sum(out)) if n is None else n * per_epoch if unit == "epoch" else n)
    return out


def stage_at(step: int, lengths: Sequence[int]) -> tuple[int, int]:
    """(index, first step) of the stage that holds `step`; past the last stage's end, the last stage."""
    start = 0
    for i, n in enumerate(lengths[:-1]):
        if step < start + n:
            return i, start
        start += n
    return len(lengths) - 1, start
