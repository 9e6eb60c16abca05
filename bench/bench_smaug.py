"""SMAUG's params file at disk speed (issue 18): ResNet-50 and VGG-16 on the SMV back end.

For each model, in the same run and interleaved:

* nncc: `compile_model` of the sample with `-O backend=SMV`, weights drawn from the sample's
  initializers, both files placed and written atomically (`write_files`), as `nncc compile` does;
* the physical floor: numpy drawing the same number of random float32 values (standard normal,
  in the same blocks of 2**18) and writing the same number of bytes to a file in the same folder;
* peak RSS: the high-water mark (VmHWM) of the process that compiles and writes (imports included).

Goals: nncc ≤ 1.5× the floor, and peak RSS ≤ 150 MB, for both models.

    python bench/bench_smaug.py            # prints the table
    python bench/bench_smaug.py --write    # and rewrites its section of bench/RESULTS.md
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from results import markers, write_section  # noqa: E402

MODELS = ("resnet50", "vgg16")
START, END = markers("bench_smaug")
GOAL_RATIO, GOAL_MB = 1.5, 150

# Each measurement runs in a fresh process, timed from after its imports (as `nncc compile` is once it has
# started), so nothing is cached from an earlier run; the process reports its own peak RSS (VmHWM).
PEAK = "next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))"
NNCC_RUN = f"""
import json, os, sys, time
from nncc.driver import compile_model, place
from nncc.output import write_files
import nncc.targets.smaug.emit
w0, c0 = time.perf_counter(), time.process_time()
res = compile_model(sys.argv[1], "smaug", options={{"backend": "SMV"}})
files = place(res.outputs, sys.argv[2] + "/")
write_files(files, fsync=False)
wall, cpu = time.perf_counter() - w0, time.process_time() - c0
drawn = sum(int(w.ttype.numel()) for w in res.frontend.graph.weights() if w.share is None)
print(json.dumps([wall, cpu, sum(os.path.getsize(p) for p in files), drawn, {PEAK}]))
"""
FLOOR_RUN = f"""
import json, os, sys, time
import numpy as np
BLOCK = 1 << 18  # nncc.weights.BLOCK
values, nbytes, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
w0, c0 = time.perf_counter(), time.process_time()
rng = np.random.default_rng(0)
blocks = -(-values // BLOCK)
left = nbytes
with open(path, "wb") as f:
    for k in range(blocks):
        x = rng.standard_normal(min(BLOCK, values - k * BLOCK), dtype=np.float32)
        share = left if k == blocks - 1 else min(left, nbytes // blocks)
        buf = x.view(np.uint8)
        while share > 0:  # this block's share of the file's bytes, from the values just drawn
            n = min(share, buf.size)
            f.write(buf[:n])
            share -= n
            left -= n
wall, cpu = time.perf_counter() - w0, time.process_time() - c0
os.unlink(path)
print(json.dumps([wall, cpu, {PEAK}]))
"""


def run(script: str, *args: str) -> list:
    r = subprocess.run([sys.executable, "-c", script, *args], check=True, capture_output=True, text=True)
    return json.loads(r.stdout.splitlines()[-1])


def nncc(name: str, out: Path) -> tuple[float, float, int, int, int]:
    """Wall and CPU seconds of compile + write; bytes written; values drawn; peak RSS in KiB."""
    wall, cpu, nbytes, drawn, peak = run(NNCC_RUN, str(ROOT / "samples" / f"{name}.yaml"), str(out))
    return wall, cpu, nbytes, drawn, peak


def floor(values: int, nbytes: int, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds to draw `values` random float32 with numpy and write `nbytes` bytes."""
    wall, cpu, _ = run(FLOOR_RUN, str(values), str(nbytes), str(out / "floor.bin"))
    return wall, cpu


def bench(name: str, repeat: int, tmp: Path) -> dict:
    runs, peaks = [], []
    for _ in range(repeat):  # interleaved: nncc, then the floor for the same sizes
        wall, cpu, nbytes, drawn, peak = nncc(name, tmp)
        fwall, fcpu = floor(drawn, nbytes, tmp)
        runs.append((wall, cpu, fwall, fcpu))
        peaks.append(peak)
    rss = max(peaks)
    best = [min(r[i] for r in runs) for i in range(4)]
    return {"name": name, "bytes": nbytes, "drawn": drawn, "wall": best[0], "cpu": best[1], "fwall": best[2],
            "fcpu": best[3], "ratio": best[0] / best[2], "cpu_ratio": best[1] / best[3],
            "paired": statistics.median(r[0] / r[2] for r in runs), "rss_mb": rss / 1024}


def render(results: list[dict], repeat: int) -> str:
    import numpy as np

    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [START, "## SMAUG params file: ResNet-50 and VGG-16 on SMV, nncc vs the physical floor (issue 18)", "",
             f"`python bench/bench_smaug.py --write` — {when}; {platform.machine()}, {os.cpu_count()} CPUs "
             f"(shared), Python {platform.python_version()}, numpy {np.__version__}; best of {repeat} interleaved "
             f"runs; load average {load:.1f} at the end.", "",
             "| model | values drawn | files MB | nncc s (wall / CPU) | floor s (wall / CPU) | **nncc / floor** "
             "(wall) | same, median of paired runs | CPU / CPU | peak RSS MB | goal ≤ 1.5×, ≤ 150 MB |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        met = r["ratio"] <= GOAL_RATIO and r["rss_mb"] <= GOAL_MB
        lines.append(f"| {r['name']} | {r['drawn']:,} | {r['bytes'] / 1e6:.1f} | {r['wall']:.2f} / {r['cpu']:.2f} | "
                     f"{r['fwall']:.2f} / {r['fcpu']:.2f} | **{r['ratio']:.2f}** | {r['paired']:.2f} | "
                     f"{r['cpu_ratio']:.2f} | {r['rss_mb']:.0f} | {'met' if met else 'NOT met'} |")
    lines += ["", "Notes:", "",
              "* nncc: `compile_model(samples/<model>.yaml, \"smaug\", options={\"backend\": \"SMV\"})`, both files "
              "placed and written atomically (not flushed to disk), weights drawn from the sample's initializers "
              "(seed 0) block by block as the params file is written; the topology is written too.",
              "* floor: `numpy.random.default_rng().standard_normal(dtype=float32)` for as many values as nncc draws, "
              "in blocks of 2**18, and a file of as many bytes as nncc writes, written from those values.",
              "* CPU seconds count every thread of the process (nncc draws and encodes blocks in up to 4 threads "
              "while the file is written; the floor is numpy's single thread).",
              "* Each run is a fresh process timed from after its imports; peak RSS is the highest VmHWM of nncc's "
              "processes (imports included).",
              "* SMAUG's own frontend (harvard-acc/smaug smaug/python, Python 3.8, protobuf 3.12.4), measured once "
              "on this machine with /usr/bin/time (interpreter and imports included): ResNet-50 (the collection's "
              "models/imagenet-resnet/resnet_network.py, SMV, 225x225, 23.5 M values) 2.61 s CPU, 275 MB peak RSS; "
              "VGG-16 (config D, ImageNet 224x224, SMV, float16 data, as samples/vgg16.yaml) 15.1 s CPU, 5.7 GB peak "
              "RSS. Its params file holds protobuf's own varints; nncc's holds the 5-byte form (docs/targets/smaug.md).",
              END]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="rewrite this benchmark's section of bench/RESULTS.md")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT) as d:
        results = [bench(m, args.repeat, Path(d)) for m in MODELS]
    text = render(results, args.repeat)
    print(text)
    if args.write:
        write_section(HERE / "RESULTS.md", "bench_smaug", text)


if __name__ == "__main__":
    main()
