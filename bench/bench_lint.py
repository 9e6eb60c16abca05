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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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


def timed(cmd: list[str], repeat: int, cwd: Path) -> tuple[float, float, int]:
    """Best wall-clock seconds, best CPU seconds (user + system, all processes), exit code."""
    best = best_cpu = float("inf")
    rc = 0
    for _ in range(repeat):
        c = _child_cpu()
        t = time.perf_counter()
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, _child_cpu() - c)
        rc = r.returncode
        if rc not in (0, 1):
            sys.exit(f"{' '.join(cmd)} failed ({rc}): {r.stderr.decode()[-2000:]}")
    return best, best_cpu, rc


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
        # warm the page cache and nncc's parser-table cache once, outside the timing
        subprocess.run(nncc + ["lint", str(files[0])], cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False)
        rows = []
        t_y, c_y, rc_y = timed(yamllint + ["-f", "parsable", "models"], args.repeat, tmp)
        rows.append(("yamllint (default rules)", t_y, c_y, rc_y))
        t_1, c_1, rc_1 = timed(nncc + ["lint", "-j", "1", "models"], args.repeat, tmp)
        rows.append(("nncc lint -j 1", t_1, c_1, rc_1))
        t_n, c_n, rc_n = timed(nncc + ["lint", "models"], args.repeat, tmp)
        rows.append((f"nncc lint (default: {_cpus()} workers)", t_n, c_n, rc_n))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines = [
        f"{args.files} model files generated from samples/*.yaml ({size / 1e6:.1f} MB, "
        f"{len(glob.glob(str(ROOT / 'samples' / '*.yaml')))} samples), best of {args.repeat} runs, "
        f"wall clock, fresh process each run; {platform.python_implementation()} {platform.python_version()}, "
        f"{_cpus()} CPUs. Command: `python bench/bench_lint.py --write`.",
        "",
        "| tool | wall s | wall ms / file | CPU s | exit |",
        "|------|-------:|---------------:|------:|-----:|",
    ]
    for name, t, c, rc in rows:
        lines.append(f"| {name} | {t:.2f} | {t / args.files * 1e3:.2f} | {c:.2f} | {rc} |")
    lines += ["", f"Wall-clock ratios: nncc -j 1 / yamllint = {t_1 / t_y:.2f}; nncc (parallel) / yamllint = "
              f"{t_n / t_y:.2f} (below 1: nncc is faster). "
              "yamllint checks YAML style; nncc parses every expression, elaborates the graph, "
              "infers every shape and runs the W-rules."]
    report = "\n".join(lines)
    print(report)
    if args.write:
        write_section(ROOT / "bench" / "RESULTS.md", "lint", report)


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def write_section(path: Path, name: str, body: str) -> None:
    """Replace (or append) the `## name` section, leaving the other sections as they are."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    section = f"## {name}\n\n{body}\n"
    pat = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pat.search(text):
        text = pat.sub(lambda _: section + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
