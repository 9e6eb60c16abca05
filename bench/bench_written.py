"""Benchmark: a 50,000-layer model written out line by line, compiled under the default limits
to every target, each as a whole `nncc compile` process (issue 22).

    python bench/bench_written.py [--layers 50000] [--repeat 1] [--no-write]

The model is what a person (or a generator) writes without blocks or repeat: one layer
per line, `l{i}: linear(l{i-1}, 16)` and `l{i}: relu(l{i-1})` in turn, a training head
for the targets that train. Nothing is raised: the default limits count what blocks,
repeat and YAML aliases expand (nncc/limits.py), not the lines a file spells out. Figures
are medians of CPU seconds (user + system) of the process, wall time beside them; the
goal is every target within 15 s.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from proc import cpus, interleaved, med, tool  # bench/proc.py
from results import markers, write_section  # bench/results.py

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("onnx", "lbann", "singa", "smaug", "pytorch")
GOAL_S = 15.0


def written_model(layers: int) -> str:
    lines = ["nncc: 1", f"model: written{layers}", "inputs:", "  x: f32[N, 16]", "  label: i64[N]", "graph:"]
    prev = "x"
    for i in range(layers):
        lines.append(f"  l{i}: linear({prev}, 16)" if i % 2 == 0 else f"  l{i}: relu({prev})")
        prev = f"l{i}"
    lines += [f"  out: linear({prev}, 4)", "outputs: [out]", "train:", "  loss: cross_entropy(out, label)",
              "  optimizer: sgd(lr=0.1)", "  batch_size: 8", "  steps: 10", "  data:",
              "    train: {format: csv, path: data.csv}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--targets", nargs="+", default=list(TARGETS), choices=TARGETS)
    ap.add_argument("--no-write", action="store_true", help="print the section only")
    args = ap.parse_args()
    nncc = tool("nncc")
    tmp = Path(tempfile.mkdtemp(prefix="nncc-bench-written-"))
    try:
        model = tmp / "model.yaml"
        model.write_text(written_model(args.layers), encoding="utf-8")
        size = model.stat().st_size
        cmds = {t: nncc + ["compile", str(model), "-t", t, "-o", str(tmp / t) + "/", "--force"]
                for t in args.targets}
        cmds["lint"] = nncc + ["lint", str(model)]
        interleaved({"start": nncc + ["--help"]}, 1, tmp)  # bytecode and page caches warm; each compile is long
        runs = interleaved(cmds, args.repeat, tmp, warm=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines = [
        (f"`python bench/bench_written.py` — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
         f"{platform.machine()}, {cpus()} CPUs (shared with other work; load average {os.getloadavg()[0]:.1f} at "
         f"the end), {platform.python_implementation()} {platform.python_version()}; a {args.layers:,}-layer model "
         f"written out one layer per line ({size / 1e6:.1f} MB), default limits; each command a fresh process, "
         f"{args.repeat} run(s), medians."),
        "",
        "| command | CPU s | wall s | goal ≤ 15 s (CPU) |",
        "|---|---:|---:|---|",
    ]
    for name, rs in runs.items():
        what = f"nncc compile -t {name}" if name != "lint" else "nncc lint"
        lines.append(f"| `{what}` | {med(rs, 1):.2f} | {med(rs, 0):.2f} | "
                     f"{'met' if med(rs, 1) <= GOAL_S else '**missed**'} |")
    met = sum(med(rs, 1) <= GOAL_S for rs in runs.values())
    lines += ["", f"Within 15 s of CPU: {met} of {len(runs)}. Wall time is the shared machine's (other work ran "
              "beside it); the goal is judged on CPU time."]
    report = "\n".join(lines)
    print(report)
    if not args.no_write:
        start, end = markers("bench_written")
        write_section(ROOT / "bench" / "RESULTS.md", "bench_written",
                      f"{start}\n## A 50,000-layer model written out, every target, default limits\n\n{report}\n{end}")


if __name__ == "__main__":
    main()
