"""Benchmark: `nncc lint` on 1,000 model files, timed in the same run as `yamllint` on the same files.

    python bench/bench_lint.py [--files 1000] [--repeat 3] [--write]

The files are generated from samples/*.yaml (each copy's model and layers renamed, so
no expression recurs between files, with a comment naming its variant). Both tools run
as the user runs them: a fresh process over the directory, output discarded; CPU and
wall time, medians of --repeat interleaved runs (bench/proc.py).
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
import sys
import tempfile
import time
from pathlib import Path

import yaml
from proc import cpus, interleaved, med, tool  # bench/proc.py
from results import markers, write_section  # bench/results.py

ROOT = Path(__file__).resolve().parents[1]


def _renamed(text: str, i: int) -> str:
    """The model with every layer name given the suffix `_v{i}`, where it is defined (a `graph:` key) and
    wherever it is used after that (graph lines, outputs, train), so each copy's expressions differ and
    nothing one file parses recurs in another."""
    doc = yaml.safe_load(text)
    names = {n.strip() for key in (doc.get("graph") or {}) for n in str(key).split(",")}
    names -= set(doc.get("params") or {}) | set(doc.get("inputs") or {})
    if not names:
        return text
    head, sep, tail = text.partition("\ngraph:")
    word = re.compile(r"(?<![\w.])(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")(?![\w=(])")
    return head + sep + word.sub(rf"\g<1>_v{i}", tail)


def generate(out: Path, n: int) -> list[Path]:
    samples = sorted(glob.glob(str(ROOT / "samples" / "*.yaml")))
    if not samples:
        sys.exit("no samples/*.yaml to generate from")
    texts = [Path(s).read_text(encoding="utf-8") for s in samples]
    files = []
    for i in range(n):
        k = i % len(texts)
        stem = Path(samples[k]).stem
        text = re.sub(r"^model:\s*(\S+)", rf"model: \g<1>_v{i}", _renamed(texts[k], i), count=1, flags=re.MULTILINE)
        text = f"# generated variant {i} of samples/{stem}.yaml\n" + text
        sub = out / f"group{i // 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        p = sub / f"{stem}_v{i}.yaml"
        p.write_text(text, encoding="utf-8")
        files.append(p)
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="write the lint section of bench/RESULTS.md")
    args = ap.parse_args()
    nncc, yamllint = tool("nncc"), tool("yamllint")
    tmp = Path(tempfile.mkdtemp(prefix="nncc-bench-lint-"))
    try:
        files = generate(tmp / "models", args.files)
        size = sum(p.stat().st_size for p in files)
        cmds = {"yamllint (default rules)": yamllint + ["-f", "parsable", "models"],
                "nncc lint -j 1": nncc + ["lint", "-j", "1", "models"],
                f"nncc lint (default: {cpus()} workers)": nncc + ["lint", "models"]}
        runs = interleaved(cmds, args.repeat, tmp, ok=(0, 1))  # after a warm-up round (page and bytecode caches)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines = [
        (f"`python bench/bench_lint.py --write` — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
         f"{args.files} model files generated from the {len(glob.glob(str(ROOT / 'samples' / '*.yaml')))} "
         f"samples ({size / 1e6:.1f} MB), every layer renamed per file so that no expression recurs from one "
         f"file to another; each tool a fresh process over the directory, output discarded; {args.repeat} "
         f"interleaved runs after a warm-up round, medians; {platform.python_implementation()} "
         f"{platform.python_version()}, {cpus()} CPUs (shared with other work; load average "
         f"{os.getloadavg()[0]:.1f} at the end)."),
        "",
        "| tool | CPU s (median) | wall s (median) | CPU ms / file | exit |",
        "|------|---------------:|----------------:|--------------:|-----:|",
    ]
    for name, rs in runs.items():
        lines.append(f"| {name} | {med(rs, 1):.2f} | {med(rs, 0):.2f} | {med(rs, 1) / args.files * 1e3:.2f} | "
                     f"{rs[-1][2]} |")
    y, one, par = runs.values()
    cpu, wall = med(one, 1) / med(y, 1), med(one, 0) / med(y, 0)
    lines += ["", (f"nncc lint -j 1 / yamllint: **{cpu:.2f}** CPU ({wall:.2f} wall; parallel "
                   f"{med(par, 0) / med(y, 0):.2f} wall). Goal ≤ 0.6 CPU: **{'met' if cpu <= 0.6 else 'missed'}**."),
              "",
              ("yamllint checks YAML style (line length, indentation, colons, ...); nncc parses every expression, "
               "elaborates the graph, infers every shape, and runs the W-rules. nncc keeps no memo of parses "
               "between files (or within one): every expression of every file is lexed and parsed, by the LALR "
               "tables generated from grammars/expr.lark (nncc/exprparse.py). The parallel run only helps when "
               "the CPUs are free; on this shared machine they were not. Both tools run with their bytecode "
               "cached (PYTHONDONTWRITEBYTECODE unset), as installed tools do.")]
    report = "\n".join(lines)
    print(report)
    if args.write:
        start, end = markers("bench_lint")
        write_section(ROOT / "bench" / "RESULTS.md", "bench_lint", f"{start}\n## lint\n\n{report}\n{end}")


if __name__ == "__main__":
    main()
