"""Benchmark: `nncc lint` on 1,000 model files, timed in the same run as `yamllint` on the same files.

    python bench/bench_lint.py [--files 1000] [--repeat 3] [--write]

The files are generated from samples/*.yaml (each copy renamed, with a comment
naming its variant). Both tools run as the user runs them: a fresh process
over the directory, output discarded, wall-clock time, best of --repeat runs.
nncc runs twice: on one process (-j 1), as yamllint does, and with its default
of one worker per CPU. --write puts the figures under "## lint" in bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import glob
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from results import markers, write_section  # bench/results.py

ROOT = Path(__file__).resolve().parents[1]
# as installed tools run: with their bytecode cached (pip compiles it for yamllint at install time; an
# editable nncc under PYTHONDONTWRITEBYTECODE=1 would recompile every module in every process)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def generate(out: Path, n: int) -> list[Path]:
    samples = sorted(glob.glob(str(ROOT / "samples" / "*.yaml")))
    if not samples:
        sys.exit("no samples/*.yaml to generate from")
    texts = [Path(s).read_text(encoding="utf-8") for s in samples]
    files = []
    for i in range(n):
        k = i % len(texts)
        stem = Path(samples[k]).stem
        text = re.sub(r"^model:\s*(\S+)", rf"model: \g<1>_v{i}", texts[k], count=1, flags=re.MULTILINE)
        text = f"# generated variant {i} of samples/{stem}.yaml\n" + text
        sub = out / f"group{i // 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        p = sub / f"{stem}_v{i}.yaml"
        p.write_text(text, encoding="utf-8")
        files.append(p)
    return files


def _child_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_once(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, all of its processes), exit code."""
    c = _child_cpu()
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, env=ENV)
    wall = time.perf_counter() - t
    if r.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.decode()[-2000:]}")
    return wall, _child_cpu() - c, r.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="write the lint section of bench/RESULTS.md")
    args = ap.parse_args()
    bindir = Path(sys.executable).parent
    nncc = [str(bindir / "nncc")] if (bindir / "nncc").exists() else [sys.executable, "-m", "nncc.cli"]
    yamllint = [str(bindir / "yamllint")] if (bindir / "yamllint").exists() else [sys.executable, "-m", "yamllint"]
    tmp = Path(tempfile.mkdtemp(prefix="nncc-bench-lint-"))
    try:
        files = generate(tmp / "models", args.files)
        size = sum(p.stat().st_size for p in files)
        # warm the page cache, the bytecode caches and nncc's parser-table cache once, outside the timing
        for warm in (nncc + ["lint", str(files[0])], yamllint + [str(files[0])]):
            subprocess.run(warm, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=ENV)
        tools = [("yamllint (default rules)", yamllint + ["-f", "parsable", "models"]),
                 ("nncc lint -j 1", nncc + ["lint", "-j", "1", "models"]),
                 (f"nncc lint (default: {_cpus()} workers)", nncc + ["lint", "models"])]
        runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name, _ in tools}
        for _ in range(args.repeat):  # interleaved, so a busy moment hits every tool alike
            for name, cmd in tools:
                runs[name].append(run_once(cmd, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines = [
        (f"`python bench/bench_lint.py --write` — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{args.files} model files generated from samples/*.yaml ({size / 1e6:.1f} MB, renamed copies of "
        f"{len(glob.glob(str(ROOT / 'samples' / '*.yaml')))} samples); each tool a fresh process over the "
        f"directory, output discarded; {args.repeat} interleaved runs; {platform.python_implementation()} "
        f"{platform.python_version()}, {_cpus()} CPUs (shared with other work)."),
        "",
        "| tool | wall s (best) | wall s (median) | ms / file (best) | CPU s (best) | exit |",
        "|------|--------------:|----------------:|-----------------:|-------------:|-----:|",
    ]
    for name, rs in runs.items():
        walls = [r[0] for r in rs]
        lines.append(f"| {name} | {min(walls):.2f} | {statistics.median(walls):.2f} | "
                     f"{min(walls) / args.files * 1e3:.2f} | {min(r[1] for r in rs):.2f} | {rs[-1][2]} |")
    y, one, par = (runs[name] for name, _ in tools)
    ratio = lambda a, b: statistics.median(x[0] / z[0] for x, z in zip(a, b))
    best = lambda a, b: min(x[0] for x in a) / min(z[0] for z in b)
    cpu = min(x[1] for x in one) / min(z[1] for z in y)
    goal = "met" if min(best(one, y), best(par, y)) <= 1 else "missed"
    lines += ["", (f"nncc / yamllint, wall clock: -j 1 {best(one, y):.2f} (median of paired runs "
              f"{ratio(one, y):.2f}); parallel {best(par, y):.2f} (paired {ratio(par, y):.2f}); CPU time, -j 1: "
              f"{cpu:.2f}. Goal (nncc no slower than yamllint): **{goal}**."),
              "",
              ("yamllint checks YAML style (line length, indentation, colons, ...); nncc parses every expression, "
              "elaborates the graph, infers every shape, and runs the W-rules. What made nncc fast enough: "
              "Lark's parser tables cached per user (process start 0.2 s → 0.01 s for the parser), and parse "
              "trees memoised by expression text within a process (model files repeat many expressions; "
              "these generated files repeat all of them, so this benchmark favours the memo — on distinct "
              "files nncc -j 1 spent about 15 ms of CPU per file before the memo). "
              "The parallel run only helps when the CPUs are free; on this shared machine they were not. Both tools run with their bytecode cached (PYTHONDONTWRITEBYTECODE unset), as installed tools do.")]
    report = "\n".join(lines)
    print(report)
    if args.write:
        start, end = markers("bench_lint")
        write_section(ROOT / "bench" / "RESULTS.md", "bench_lint", f"{start}\n## lint\n\n{report}\n{end}")


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


if __name__ == "__main__":
    main()
