"""Benchmark: peak memory of `nncc compile -t onnx --weights FILE` for VGG-16-BN.

samples/vgg16.yaml with a batch norm after each convolution (the model of issue 19: 138 M
weights, 528 MiB as float32, the biggest array 392 MiB). Its drawn weights are saved as an
.npz (numpy.savez, stored members); then `nncc compile` runs as its own process at
--opt-level 1 and 2 (2 folds each batch norm into its convolution: derived weights), with
the file and without one (weights drawn), and its peak resident set (VmHWM) is read.
Arrays read block by block (nncc/npzfile.py) and folded weights computed as the file is
written (nncc/weights.py Derived) keep the peak far below the weights' size.

    python bench/bench_weights_memory.py            # writes bench/RESULTS.md
    python bench/bench_weights_memory.py --no-write
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_export import NNCC_MAIN  # bench/bench_export.py: the CLI in a process that prints its peak
from results import markers, write_section  # bench/results.py

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "samples" / "vgg16.yaml"
START, END = markers("bench_weights_memory")


def peak_kb(d: Path, model: Path, *args: str) -> int:
    out = d / "out.onnx"
    if out.exists():
        out.unlink()
    r = subprocess.run([sys.executable, "-c", NNCC_MAIN, "compile", str(model), "-o", str(out), "--force", *args],
                       check=True, capture_output=True, text=True, cwd=d)  # cwd: no nncc/ to shadow the installed one
    return int(r.stdout.split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    import numpy as np

    from nncc.driver import frontend
    from nncc.weights import materialize

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        model = d / "vgg16bn.yaml"
        model.write_text(SAMPLE.read_text().replace("b_init=constant(0)) |> relu\n",
                                                    "b_init=constant(0)) |> batch_norm |> relu\n"))
        g = frontend(str(model)).graph
        materialize(g, 0)
        arrays = {w.name: np.asarray(w.data) for w in g.weights() if w.share is None}
        total, biggest = sum(a.nbytes for a in arrays.values()), max(a.nbytes for a in arrays.values())
        np.savez(d / "w.npz", **arrays)
        del arrays, g
        rows = [(level, peak_kb(d, model, "--opt-level", level), peak_kb(d, model, "--opt-level", level,
                                                                         "--weights", str(d / "w.npz")))
                for level in ("1", "2")]
    lines = [START, "## bench_weights_memory: peak memory of `--weights` (VGG-16-BN)", "",
             f"`nncc compile` of samples/vgg16.yaml with a batch norm after each convolution, to ONNX, as its "
             f"own process; weights {total / 2**20:.0f} MiB, the biggest array {biggest / 2**20:.0f} MiB. Peak "
             "resident set (VmHWM), MiB:", "",
             "| --opt-level | weights drawn | --weights w.npz |", "|---|---|---|"]
    lines += [f"| {level} | {a / 1024:.0f} | {b / 1024:.0f} |" for level, a, b in rows]
    lines += ["", f"CPU count {os.cpu_count()}; `python bench/bench_weights_memory.py`.", END]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(HERE / "RESULTS.md", "bench_weights_memory", text)


if __name__ == "__main__":
    main()
