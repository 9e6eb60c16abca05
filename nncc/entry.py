"""The `nncc` executable's entry point, kept apart from nncc/cli.py so that start-up stays small.

`nncc --version` answers without importing click or the compiler, and a plain `nncc lint ...` runs
without click (nncc/lintcmd.py; anything it does not take goes to click). The imports run with
the cyclic garbage collector paused (imports create many objects and no garbage, so collections
during start-up are wasted work); the command then runs with the collector's first threshold
raised: a compile makes millions of long-lived objects (AST, IR, spans) and few cycles, and at
Python's default of 700 allocations the full collections this triggers grow with the heap — 40 %
of `nncc lint` on a 20,000-line model (bench/bench_written.py).
"""
from __future__ import annotations

import gc
import sys

from . import __version__


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"nncc, version {__version__}\n")  # what click's version_option prints
        return
    if sys.argv[1:2] == ["lint"]:
        gc.disable()
        try:
            from .lintcmd import fast_lint
        finally:
            _collect()
        if fast_lint(sys.argv[2:]):
            return
    gc.disable()
    try:
        from .cli import main as cli
    finally:
        _collect()
    cli()


def _collect() -> None:
    gc.set_threshold(GC_THRESHOLD, 50, 100)
    gc.enable()


GC_THRESHOLD = 100_000  # allocations between young collections (Python's default: 700)
