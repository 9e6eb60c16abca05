"""Benchmark: what a user waits for on small work — `nncc --version`, `nncc --help` and `nncc lint`
of one sample beside `yamllint` of the same file, whole processes, in the same run (issue 22).

    python bench/bench_startup.py [--repeat 15] [--no-write] [--in-place] [--lbann-frontend "COMMAND"]

What an installed user runs: this checkout is installed the ordinary way (a wheel, not editable) into a
fresh virtual environment that sees this one's packages (click, PyYAML, yamllint) through a path
entry, and `nncc`, `yamllint` and `python` are that environment's — an editable install, as in a
development checkout, makes every Python process of its environment import its finder (pathlib,
urllib.parse, ipaddress: ~5 ms) at start-up; --in-place measures this environment as it is instead.
Each command runs as a fresh process (bench/proc.py), interleaved with the others, --repeat
times after a warm-up round, in a temporary folder holding a copy of samples/lenet5.yaml (as a
user lints a model in a project of their own); figures are medians of CPU seconds (user + system; the machine
is shared, so wall time mostly measures the other work) with wall time beside them. The
interpreter's own start (`python -c pass`, with this environment's site-packages) is measured
too: it is the floor every Python tool pays. Also timed: ResNet-50 → LBANN (`nncc compile -t
lbann` of a copy of samples/resnet50.yaml), against LBANN's own Python frontend writing the same
experiment: with --lbann-frontend, a command line that runs it (LBANN is not a dependency of nncc;
tests/data/lbann/README.md says how its references were made, with `applications/vision/resnet.py`'s
defaults and `lbann.proto.save_prototext`), timed in the same rounds; without, the figure recorded
from such a run (LBANN_FRONTEND). Goals: `nncc lint` ≤ 1.0 × yamllint, `--version` ≤ 0.05 s,
ResNet-50 → LBANN ≤ 1.0 × LBANN's frontend.
"""
from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from proc import cpus, interleaved, med, tool  # bench/proc.py
from results import markers, write_section  # bench/results.py

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "lenet5.yaml"
RESNET50 = ROOT / "samples" / "resnet50.yaml"
# LBANN's own Python frontend (LLNL/lbann 04c297bdd, protobuf 5.29) writing ResNet-50's experiment, whole
# process, CPU seconds: the median of a run of this benchmark with --lbann-frontend (the date is the run's)
LBANN_FRONTEND = (0.176, "2026-12-01")


def installed(where: Path) -> Path:
    """A fresh virtual environment in `where` with this checkout installed from a wheel and this
    environment's site-packages on its path (their .pth files, the editable finder among them, are not
    run); its bin/ has `nncc` and `yamllint` as pip writes console scripts. Returns its interpreter."""
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "this-environment.pth").write_text("".join(p + "\n" for p in sys.path if p.endswith("site-packages")))
    src = where / "src"  # what the wheel is built from, copied: a build leaves build/ and *.egg-info behind
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("nncc", "targets", "grammars", "templates"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                    "--target", str(site), str(src)], check=True, stdout=subprocess.DEVNULL)
    python = venv / "bin" / "python"
    for name in ("nncc", "yamllint"):  # this environment's script, pointed at the new interpreter
        body = Path(tool(name)[0]).read_text().split("\n", 1)[1]
        (venv / "bin" / name).write_text(f"#!{python}\n{body}")
        (venv / "bin" / name).chmod(0o755)
    return python


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--no-write", action="store_true", help="print the section only")
    ap.add_argument("--in-place", action="store_true",
                    help="time this environment's nncc (an editable install) instead of an installed copy")
    ap.add_argument("--lbann-frontend", metavar="COMMAND",
                    help="a command that runs LBANN's frontend writing ResNet-50's experiment, timed alongside")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nncc-bench-startup-"))  # a folder of the user's, outside this repository
    python = Path(sys.executable) if args.in_place else installed(tmp)
    nncc, yamllint = [str(python.parent / "nncc")], [str(python.parent / "yamllint")]
    shutil.copy(SAMPLE, tmp / SAMPLE.name)
    shutil.copy(RESNET50, tmp / RESNET50.name)
    cmds = {
        "python -c pass (interpreter start)": [str(python), "-c", "pass"],
        # where the time goes: the libraries nncc's commands import (click, PyYAML; a plain lint, no click)
        "python -c 'import click'": [str(python), "-c", "import click"],
        "python -c 'import yaml'": [str(python), "-c", "import yaml"],
        "nncc --version": nncc + ["--version"],
        "nncc --help": nncc + ["--help"],
        "yamllint lenet5.yaml": yamllint + [SAMPLE.name],
        "nncc lint lenet5.yaml": nncc + ["lint", SAMPLE.name],
        "nncc compile resnet50.yaml -t lbann": nncc + ["compile", RESNET50.name, "-t", "lbann", "-o", "lbann/",
                                                       "--force"],
    }
    if args.lbann_frontend:
        cmds["LBANN's frontend, ResNet-50"] = shlex.split(args.lbann_frontend)
    try:
        runs = interleaved(cmds, args.repeat, tmp, ok=(0, 1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines = [
        (f"`python bench/bench_startup.py` — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
         f"{platform.machine()}, {cpus()} CPUs (shared with other work; load average {os.getloadavg()[0]:.1f} "
         f"at the end), {platform.python_implementation()} {platform.python_version()}; each command a fresh "
         f"process, {args.repeat} interleaved rounds after a warm-up round; medians. "
         + ("This environment's executables (an editable install: its finder is imported by every process)."
            if args.in_place else "nncc installed from a wheel (not editable) into a fresh virtual environment, "
            "as a user installs it; yamllint and the interpreter run from the same environment.")),
        "",
        "| command | CPU s (median) | wall s (median) |",
        "|---|---:|---:|",
    ]
    for name, rs in runs.items():
        lines.append(f"| `{name}` | {med(rs, 1):.3f} | {med(rs, 0):.3f} |")
    lint, yl, ver = runs["nncc lint lenet5.yaml"], runs["yamllint lenet5.yaml"], runs["nncc --version"]
    ratio_cpu, ratio_wall = med(lint, 1) / med(yl, 1), med(lint, 0) / med(yl, 0)
    lines += ["", (f"`nncc lint` / `yamllint`, one sample, whole process: **{ratio_cpu:.2f}** CPU "
                   f"({ratio_wall:.2f} wall); goal ≤ 1.0: **{'met' if ratio_cpu <= 1.0 else 'missed'}**. "
                   f"`nncc --version`: **{med(ver, 1):.3f} s** CPU ({med(ver, 0):.3f} s wall); goal ≤ 0.05 s: "
                   f"**{'met' if med(ver, 1) <= 0.05 else 'missed'}** on CPU time, "
                   f"{'met' if med(ver, 0) <= 0.05 else 'missed'} on wall time.")]
    base = med(runs["python -c pass (interpreter start)"], 1)
    lib = {m: med(runs[f"python -c 'import {m}'"], 1) - base for m in ("click", "yaml")}
    lines += ["", (f"Where the time goes (CPU, from the rows above): the interpreter {base:.3f} s; importing PyYAML "
                   f"{lib['yaml']:.3f} s (nncc and yamllint both import it) and click {lib['click']:.3f} s (every nncc "
                   f"command but a plain `nncc lint`, which runs without it), each on its own with the standard modules "
                   f"it brings; what is left for `nncc lint`'s own modules and its work on the file: "
                   f"{med(lint, 1) - base - lib['yaml']:.3f} s, against yamllint's "
                   f"{med(yl, 1) - base - lib['yaml']:.3f} s for its own modules and work.")]
    lb = runs["nncc compile resnet50.yaml -t lbann"]
    fe = runs.get("LBANN's frontend, ResNet-50")
    fe_s, how = (med(fe, 1), "measured in this run") if fe else (
        LBANN_FRONTEND[0], f"as measured by this benchmark with --lbann-frontend on {LBANN_FRONTEND[1]}")
    ratio = med(lb, 1) / fe_s
    # the frontend's process runs more than one thread (its CPU time can exceed its wall time): wall beside CPU
    wall = f", {med(lb, 0) / med(fe, 0):.2f} on wall time ({med(fe, 0):.3f} s)" if fe else ""
    lines += ["", (f"ResNet-50 → LBANN prototext and launch script, whole `nncc compile`: **{med(lb, 1):.3f} s** CPU "
                   f"({med(lb, 0):.3f} s wall); LBANN's own Python frontend writing the same experiment's prototext "
                   f"(LLNL/lbann 04c297bdd, `applications/vision/resnet.py` defaults, `lbann.proto.save_prototext`), "
                   f"whole process: {fe_s:.3f} s CPU, {how}; nncc / frontend **{ratio:.2f}** on CPU time{wall}; goal ≤ 1.0: "
                   f"**{'met' if ratio <= 1.0 else 'missed'}** (CPU).")]
    report = "\n".join(lines)
    print(report)
    if not args.no_write:
        start, end = markers("bench_startup")
        write_section(ROOT / "bench" / "RESULTS.md", "bench_startup",
                      f"{start}\n## Start-up and one file: nncc vs yamllint, whole processes\n\n{report}\n{end}")


if __name__ == "__main__":
    main()
