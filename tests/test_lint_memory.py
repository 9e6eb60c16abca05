"""Linting many files keeps one file's garbage at a time: each file's IR is collected once it is linted."""
from __future__ import annotations

import gc
from pathlib import Path

from nncc import ir
from nncc.entry import GC_THRESHOLD
from nncc.lint import LintConfig
from nncc.lint.runner import run

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "samples").glob("*.yaml"))


def _graphs() -> int:
    return sum(isinstance(o, ir.Graph) for o in gc.get_objects())


def test_each_files_ir_is_freed_after_it_is_linted():
    files = [(str(p), True) for p in SAMPLES[:6]]
    old = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, 50, 100)  # as `nncc` runs (nncc/entry.py)
    try:
        gc.collect()
        assert _graphs() == 0
        results = run(files, LintConfig(), jobs=1)
        assert len(results) == len(files) and not any(r.skipped for r in results)
        assert _graphs() == 0  # no graph is left for a later collection to find
    finally:
        gc.set_threshold(*old)
