"""What a `train` section means, defined once: data-set sizes, steps per epoch, and the
learning rate at every step (its formulas in nncc/schedule.py).

Targets only map these results to their own fields (LBANN counts some things in epochs,
SINGA everything in steps, the PyTorch target runs `lr_at` itself); none of them keeps a
second copy of a size table or a schedule formula. docs/language.md states the same
definitions in words.
"""
from __future__ import annotations

import math
from typing import Callable

from . import schedule as sched
from .train import Config, Stage, TrainConfig

# Samples in the named data sets, per role (train = the training split, test = the test split).
KNOWN_SAMPLES: dict[str, dict[str, int]] = {
    "mnist": {"train": 60_000, "test": 10_000},
    "cifar10": {"train": 50_000, "test": 10_000},
    "imagenet": {"train": 1_281_167, "test": 50_000},
}


def dataset_samples(cfg: TrainConfig, role: str = "train") -> int | None:
    """Samples one pass over `role`'s data reads, or None when nothing says.

    `train.dataset_size` (train role only), else `data.<role>.samples`, else the named format's
    size; then `fraction` of it is used and, for the train role, `validation_fraction` of that is
    held out. Rounded down, as a reader that takes a fraction of a list does.
    """
    src = cfg.data.get(role)
    given = cfg.get("dataset_size") if role == "train" else None
    if given is not None:
        return int(given)
    if src is None:
        return None
    n = src.fields.get("samples")
    if n is None:
        n = KNOWN_SAMPLES.get(src.fields.get("format") or "", {}).get(role)
    if n is None:
        return None
    n = n * float(src.fields.get("fraction") or 1.0)
    if role == "train":
        n *= 1.0 - float(src.fields.get("validation_fraction") or 0.0)
    return max(0, int(math.floor(n + 1e-9)))


def steps_per_epoch(cfg: TrainConfig) -> int | None:
    """Optimizer steps in one epoch: every sample once, the last mini-batch possibly partial."""
    n = dataset_samples(cfg, "train")
    return None if n is None else sched.steps_per_epoch(n, cfg.batch_size)


def total_steps(cfg: TrainConfig) -> int | None:
    """Steps of the whole run: `train.steps`, or `train.epochs` × steps per epoch."""
    if cfg.steps is not None:
        return cfg.steps
    spe = steps_per_epoch(cfg)
    if cfg.epochs is None or spe is None:
        return None
    return sched.total_steps(None, cfg.epochs, spe)


class UnknownEpochLength(ValueError):
    """A count in epochs was asked for in steps (or back) but the steps per epoch are unknown."""


def _counts_epochs(c: Config | None) -> bool:
    return c is not None and (c.get("unit") == "epoch" or c.get("epochs") is not None)


def _plain(c: Config | None) -> dict | None:
    return None if c is None else {"name": c.name, **c.args}


def schedule(cfg: TrainConfig) -> Callable[[int], float]:
    """The learning rate at each optimizer step (0-based) of a checked train section.

    The formulas are nncc/schedule.py's (standard library only, so the PyTorch target copies
    that file into the project it writes); this binds them to the section's numbers.
    """
    spe = steps_per_epoch(cfg)
    parts: list[Stage | None] = [*cfg.stages] or [None]  # without stages: one stretch, the section's settings
    counts = [_counts_epochs(st.schedule if st else cfg.schedule) or _counts_epochs(st.warmup if st else cfg.warmup)
              for st in parts]
    if spe is None and (any(counts) or cfg.steps is None):
        raise UnknownEpochLength("epoch")
    per_epoch = spe or 1
    total = sched.total_steps(cfg.steps, cfg.epochs, per_epoch)
    unit = "epoch" if cfg.stages and cfg.stages[0].epochs is not None else "step"
    lengths = sched.stage_lengths([st.length if st else None for st in parts], unit, per_epoch, total)
    settings = [(float(o.get("lr", 0.0)) if o is not None else 0.0, _plain(s), _plain(w)) for o, s, w in
                ((st.optimizer, st.schedule, st.warmup) if st else (cfg.optimizer, cfg.schedule, cfg.warmup)
                 for st in parts)]

    def rate(step: int) -> float:
        i, start = sched.stage_at(step, lengths)
        lr, plain, warm = settings[i]
        return sched.learning_rate(step - start, lr, plain, warm, per_epoch, lengths[i])
    return rate
