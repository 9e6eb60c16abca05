"""Timing whole processes as a user runs them: wall seconds and CPU seconds (user + system of the
process and its children, from getrusage), commands interleaved so a busy moment hits each alike.

The machine these benchmarks run on is shared, so CPU time is the steadier figure; both are kept.
Processes run with their bytecode cached (PYTHONDONTWRITEBYTECODE unset), as installed tools do.
"""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _child_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_once(cmd: list[str], cwd: Path | None = None, ok: tuple[int, ...] = (0,)) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and exit code of one run of `cmd`, its output discarded."""
    c, t = _child_cpu(), time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, env=ENV)
    wall = time.perf_counter() - t
    if r.returncode not in ok:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.decode()[-2000:]}")
    return wall, _child_cpu() - c, r.returncode


def interleaved(cmds: dict[str, list[str]], repeat: int, cwd: Path | None = None,
                ok: tuple[int, ...] = (0,), warm: bool = True) -> dict[str, list[tuple[float, float, int]]]:
    """Each command `repeat` times, in rounds (one run of each per round); a warm-up round first (page and
    bytecode caches) unless `warm` is false."""
    for cmd in cmds.values() if warm else ():
        run_once(cmd, cwd, ok)
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in cmds}
    for _ in range(repeat):
        for name, cmd in cmds.items():
            runs[name].append(run_once(cmd, cwd, ok))
    return runs


def med(runs: list[tuple[float, float, int]], i: int) -> float:
    """Median of field i (0 wall, 1 CPU) over the runs."""
    return statistics.median(r[i] for r in runs)


def tool(name: str) -> list[str]:
    """An executable of this environment (bin/NAME next to the interpreter), else `python -m NAME`."""
    bindir = Path(sys.executable).parent
    return [str(bindir / name)] if (bindir / name).exists() else [sys.executable, "-m", name]


def cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
