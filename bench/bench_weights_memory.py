"""Benchmark: peak memory of `nncc compile -t onnx --weights FILE` for a VGG-16-sized model.

samples/vgg16.yaml has 138 M weights (553 MB as float32). Its drawn weights are saved as an
.npz (numpy.savez, stored members) and as a PyTorch state_dict; then `nncc compile` runs as
its own process, with each file and without one (weights drawn), and its peak resident set
(VmHWM) is read. Arrays read block by block (nncc/npzfile.py, nncc/wfiles.py) keep the peak
far below the file's size; a reader that loads each array whole holds the biggest (411 MB,
the first linear layer) at least.

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


def peak_kb(out: Path, *args: str) -> int:
    r = subprocess.run([sys.executable, "-c", NNCC_MAIN, "compile", str(SAMPLE), "-o", str(out), *args],
                       check=True, capture_output=True, text=True)
    return int(r.stdout.split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    import numpy as np

    from nncc.driver import compile_model

    with tempfile.TemporaryDirectory() as d:
        res = compile_model(str(SAMPLE), "onnx")
        arrays = {w.name: np.asarray(w.data) for w in res.frontend.graph.weights() if w.share is None}
        del res
        total = sum(a.nbytes for a in arrays.values())
        biggest = max(a.nbytes for a in arrays.values())
        npz = Path(d) / "vgg16.npz"
        np.savez(npz, **arrays)
        rows = [("drawn (no --weights)", peak_kb(Path(d) / "a.onnx")),
                (".npz (numpy.savez)", peak_kb(Path(d) / "b.onnx", "--weights", str(npz)))]
        try:
            import torch

            pt = Path(d) / "vgg16.pt"
            torch.save({k: torch.from_numpy(v) for k, v in arrays.items()}, pt)
            rows.append((".pt state_dict (mmap)", peak_kb(Path(d) / "c.onnx", "--weights", str(pt))))
        except ImportError:
            pass
        del arrays
    lines = [START, "## bench_weights_memory: peak memory of `--weights` (VGG-16, 138 M weights)", "",
             f"`nncc compile samples/vgg16.yaml -t onnx` as its own process; weights {total / 2**20:.0f} MiB, "
             f"the biggest array {biggest / 2**20:.0f} MiB. Peak resident set (VmHWM):", "",
             "| weights | peak MiB |", "|---|---|"]
    lines += [f"| {what} | {kb / 1024:.0f} |" for what, kb in rows]
    lines += ["", f"CPU count {os.cpu_count()}; run with `python bench/bench_weights_memory.py`.", END]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(HERE / "RESULTS.md", "bench_weights_memory", text)


if __name__ == "__main__":
    main()
