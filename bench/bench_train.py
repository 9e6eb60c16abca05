"""Training throughput of the generated PyTorch loop against a hand-written one (issue 14).

ResNet-20 (samples/resnet20.yaml) on CIFAR-shaped synthetic data, batch 128, on the CPU:

* hand-written: the idiomatic loop (`for x, y in batches: loss = F.cross_entropy(model(x), y);
  opt.zero_grad(); loss.backward(); opt.step()`) over tensors in memory, same model class,
  same optimizer settings;
* generated: `train.py` of the project nncc writes, reading the CIFAR-10 binary files through
  data.py (shuffling, the sample's transforms, DataLoader workers);
* generated, in memory: the same train.py on `--dummy` arrays (no file reading).

Each generated figure is the difference of two runs (S2 and S1 steps), so process start-up,
imports and the final test pass cancel out. Goals: generated / hand-written >= 0.95, and
files / in-memory step time <= 1.05.

    python bench/bench_train.py [--steps 20] [--threads 2] [--workers 1]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def write_cifar(folder: Path, images: int) -> None:
    """CIFAR-10 binary batches of random pixels: records of 1 label byte and 3072 pixel bytes."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    per = images // 5
    for name, n in [*((f"data_batch_{i}.bin", per) for i in range(1, 6)), ("test_batch.bin", 256)]:
        rec = rng.integers(0, 256, (n, 3073), dtype=np.uint8)
        rec[:, 0] %= 10
        rec.tofile(folder / name)


def generated(project: Path, cwd: Path, steps: int, threads: int, dummy: int | None) -> float:
    args = [sys.executable, str(project / "train.py"), "--run-dir", str(cwd / "run"), "--no-resume",
            "--steps", str(steps), "--threads", str(threads)]
    if dummy:
        args += ["--dummy", str(dummy)]
    t = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def hand_written(project: Path, steps: int, threads: int) -> float:
    """Seconds per step of the idiomatic loop over in-memory tensors (after 3 warm-up steps)."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    spec = importlib.util.spec_from_file_location("bench_model", project / "model.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = mod.Model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(steps + 3, 128, 3, 32, 32, generator=gen)
    y = torch.randint(0, 10, (steps + 3, 128), generator=gen)
    model.train()
    t = 0.0
    for i in range(steps + 3):
        if i == 3:
            t = time.perf_counter()
        loss = F.cross_entropy(model(x[i])["logits"], y[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return (time.perf_counter() - t) / steps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1)
    a = ap.parse_args()
    from nncc.driver import compile_model
    from nncc.output import write_files

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_cifar(work / "data" / "cifar10", 128 * (a.steps * 2 + 8))
        res = compile_model(str(ROOT / "samples" / "resnet20.yaml"), "pytorch",
                            options={"workers": str(a.workers)})
        project = work / "project"
        write_files({str(project / k): v for k, v in res.outputs.items()})
        s1, s2 = 3, 3 + a.steps
        files = (generated(project, work, s2, a.threads, None) - generated(project, work, s1, a.threads, None)) / a.steps
        memory = (generated(project, work, s2, a.threads, 128 * (s2 + 1))
                  - generated(project, work, s1, a.threads, 128 * (s2 + 1))) / a.steps
        hand = hand_written(project, a.steps, a.threads)
    print(f"ResNet-20, batch 128, {a.threads} threads, {a.workers} data worker(s), {a.steps} steps measured")
    print(f"  hand-written loop, tensors in memory : {hand * 1e3:8.1f} ms/step  {128 / hand:7.1f} samples/s")
    print(f"  generated train.py, CIFAR-10 files   : {files * 1e3:8.1f} ms/step  {128 / files:7.1f} samples/s")
    print(f"  generated train.py, arrays in memory : {memory * 1e3:8.1f} ms/step  {128 / memory:7.1f} samples/s")
    print(f"  generated / hand-written throughput  : {hand / files:.3f}   (goal >= 0.95)")
    print(f"  files / in-memory step time          : {files / memory:.3f}   (goal <= 1.05)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    raise SystemExit(main())
