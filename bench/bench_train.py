"""Training throughput of the generated PyTorch loop against a hand-written one (issue 14).

ResNet-20 (samples/resnet20.yaml) on CIFAR-shaped synthetic data, batch 128, on the CPU:

* hand-written: the idiomatic loop (`for x, y in batches: loss = F.cross_entropy(model(x), y);
  opt.zero_grad(); loss.backward(); opt.step()`) over tensors in memory, same model class,
  same optimizer settings;
* generated: `train.py` of the project nncc writes, reading the CIFAR-10 binary files through
  data.py (shuffling, the sample's transforms, DataLoader workers);
* generated, in memory: the same train.py on `--dummy` arrays (no file reading).

The generated loop runs in this process (`train.main`), S1 and S1 + N steps, and its figure is
the difference, so building the model, reading the files, starting workers and the final test
pass cancel out. Time is measured as wall clock and as CPU time (this process's threads and the
data workers', which are its children): on a machine shared with other work, CPU time per step
is the steadier figure. The kinds of run are interleaved, round after round; the table gives the
median over rounds. Goals: generated / hand-written throughput >= 0.95, and files / in-memory
step time <= 1.05.

    python bench/bench_train.py [--steps 20] [--rounds 2] [--threads 2] [--workers 1]
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BATCH = 128


def write_cifar(folder: Path, images: int) -> None:
    """CIFAR-10 binary batches of random pixels: records of 1 label byte and 3072 pixel bytes."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    per = images // 5
    for name, n in [*((f"data_batch_{i}.bin", per) for i in range(1, 6)), ("test_batch.bin", 256)]:
        rec = rng.integers(0, 256, (n, 3073), dtype=np.uint8)
        rec[:, 0] %= 10
        rec.tofile(folder / name)


def clocks() -> tuple[float, float]:
    """(wall, CPU) now; CPU counts every thread of this process and its children that have ended."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), time.process_time() + kids.ru_utime + kids.ru_stime


def since(start: tuple[float, float]) -> tuple[float, float]:
    now = clocks()
    return now[0] - start[0], now[1] - start[1]


def load_train(project: Path) -> ModuleType:
    """The project's train.py, imported here with its own modules (config, data, model, ...)."""
    sys.path.insert(0, str(project))
    return importlib.import_module("train")


def generated(train: ModuleType, work: Path, steps: int, threads: int, dummy: int | None) -> tuple[float, float]:
    args = ["--run-dir", str(work / "run"), "--no-resume", "--steps", str(steps), "--threads", str(threads)]
    if dummy:
        args += ["--dummy", str(dummy)]
    start = clocks()
    with contextlib.redirect_stdout(io.StringIO()):
        assert train.main(args) == 0
    return since(start)


def hand_written(model_class: type, steps: int, threads: int) -> tuple[float, float]:
    """(wall, CPU) seconds per step of the idiomatic loop over in-memory tensors (after 3 warm-up steps)."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    model = model_class()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(steps + 3, BATCH, 3, 32, 32, generator=gen)
    y = torch.randint(0, 10, (steps + 3, BATCH), generator=gen)
    model.train()
    start = clocks()
    for i in range(steps + 3):
        if i == 3:
            start = clocks()
        loss = F.cross_entropy(model(x[i])["logits"], y[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    wall, cpu = since(start)
    return wall / steps, cpu / steps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20, help="steps measured in each run")
    ap.add_argument("--rounds", type=int, default=2, help="interleaved rounds of the three kinds of run")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1)
    a = ap.parse_args()
    from nncc.driver import compile_model
    from nncc.output import write_files

    rows: dict[str, list[tuple[float, float]]] = {"hand": [], "files": [], "memory": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        s1, s2 = 3, 3 + a.steps
        write_cifar(work / "data" / "cifar10", BATCH * (s2 + 8))
        res = compile_model(str(ROOT / "samples" / "resnet20.yaml"), "pytorch",
                            options={"workers": str(a.workers)})
        project = work / "project"
        write_files({str(project / k): v for k, v in res.outputs.items()})
        os.chdir(work)  # data/cifar10 is relative to the run's directory
        train = load_train(project)
        model_class = sys.modules["model"].Model
        for r in range(a.rounds):
            rows["hand"].append(hand_written(model_class, a.steps, a.threads))
            for kind, dummy in (("files", None), ("memory", BATCH * (s2 + 1))):
                short = generated(train, work, s1, a.threads, dummy)
                long = generated(train, work, s2, a.threads, dummy)
                rows[kind].append(((long[0] - short[0]) / a.steps, (long[1] - short[1]) / a.steps))
            done = ", ".join(f"{k} {v[-1][1] * 1e3:.0f}" for k, v in rows.items())
            print(f"round {r + 1}: CPU ms/step {done}", file=sys.stderr, flush=True)  # kept if a run is cut short
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in rows.items()}
    load = os.getloadavg()[0]
    print(f"ResNet-20, batch {BATCH}, {a.threads} threads, {a.workers} data worker(s), {a.steps} steps a run, "
          f"{a.rounds} rounds; {platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f} at the end")
    print("| run | wall ms/step | CPU ms/step | samples/s (wall) | per round, CPU ms/step |")
    print("|---|---:|---:|---:|---|")
    names = {"hand": "hand-written loop, tensors in memory", "files": "generated train.py, CIFAR-10 files",
             "memory": "generated train.py, arrays in memory (--dummy)"}
    for k, (w, c) in med.items():
        per = ", ".join(f"{cpu * 1e3:.0f}" for _, cpu in rows[k])
        print(f"| {names[k]} | {w * 1e3:.0f} | {c * 1e3:.0f} | {BATCH / w:.1f} | {per} |")
    print(f"generated / hand-written throughput: CPU {med['hand'][1] / med['files'][1]:.3f}, "
          f"wall {med['hand'][0] / med['files'][0]:.3f} (goal >= 0.95)")
    print(f"files / in-memory step time: CPU {med['files'][1] / med['memory'][1]:.3f}, "
          f"wall {med['files'][0] / med['memory'][0]:.3f} (goal <= 1.05)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    raise SystemExit(main())
