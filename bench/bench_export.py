"""Benchmark: ResNet-50 and ResNet-152 with weights to ONNX, nncc vs torch.onnx.export.

Both sides, in the same run, write the same architecture (torchvision's ResNet v1.5,
224x224, symbolic batch, opset 18) with all its weights to a .onnx file on disk:

* nncc: `compile_model(samples/resnet50.yaml)` + writing the file, in this process
  (what the CLI does after start-up); ResNet-152 is the same sample with
  `-D stages=[3, 8, 36, 3]`. Also timed: the `nncc compile` command as a
  separate process (interpreter start, imports, everything), and the write with
  `--fsync` (flushed to disk before the rename; torch does not flush).
* memory: the peak resident set (VmHWM) of an `nncc compile` process and of a
  process that builds the torch model and exports it.
* torch: `torch.onnx.export` of the plain torch.nn model in bench/torch_models.py
  (already built, weights initialised), TorchScript exporter (`dynamo=False`; the
  dynamo exporter needs onnxscript, which is not installed).

Each figure is the best of --repeat runs, nncc and torch interleaved so machine load
affects both alike. The goal (issue 2, acceptance 6) is nncc <= 0.2 x torch.

    python bench/bench_export.py                  # both models, 3 runs, writes bench/RESULTS.md
    python bench/bench_export.py --models resnet50 --repeat 1 --no-write
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from results import markers, write_section  # bench/results.py

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

SAMPLE = ROOT / "samples" / "resnet50.yaml"
DEFINES = {"resnet50": {}, "resnet152": {"stages": "[3, 8, 36, 3]"}}
OPSET = 18
START, END = markers("bench_export")
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # bytecode cached, as installed


def nncc_inprocess(name: str, out: Path, weights: str | None = None, fsync: bool = False) -> tuple[float, int, int]:
    """Seconds for compile + write; file size; trainable parameter count."""
    from nncc.driver import compile_model, place
    from nncc.output import write_files

    t0 = time.perf_counter()
    res = compile_model(str(SAMPLE), "onnx", defines=DEFINES[name], options={"opset": str(OPSET)},
                        weights=weights)
    files = place(res.outputs, str(out))
    write_files(files, fsync=fsync)
    dt = time.perf_counter() - t0
    params = sum(int(w.type.numel()) for w in res.frontend.graph.weights() if w.trainable)
    return dt, sum(len(b) for b in files.values()), params


# the process's own peak RSS (Linux); getrusage's ru_maxrss would carry over this bench's RSS across exec
HWM = ("def hwm():\n"
       "    try:\n"
       "        return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
       "    except OSError:\n"
       "        return 0\n")
NNCC_MAIN = HWM + ("import sys\nfrom nncc.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n"
                   "    assert not e.code, e.code\nprint('peak_kb', hwm())\n")
TORCH_MAIN = HWM + ("import sys, warnings, torch\nsys.path.insert(0, sys.argv[1])\nfrom torch_models import resnet\n"
                    "torch.manual_seed(0)\nm = resnet(sys.argv[2]).eval()\nwarnings.simplefilter('ignore')\n"
                    "torch.onnx.export(m, (torch.randn(1, 3, 224, 224),), sys.argv[3], dynamo=False, "
                    "opset_version=int(sys.argv[4]), input_names=['image'], output_names=['logits'], "
                    "dynamic_axes={'image': {0: 'N'}, 'logits': {0: 'N'}})\nprint('peak_kb', hwm())\n")


# The floor of nncc's own method, as a process: import numpy and nncc's Box-Muller (nncc/weights.py),
# draw as many float32 values as the model has trainable parameters, a stream per block of BLOCK as
# nncc seeds them, and write them and the rest of the file's bytes (zeros) to disk
FLOOR_MAIN = ("import sys\nimport numpy as np\nfrom nncc.weights import BLOCK, fill_normal\n"
              "n, size, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]\nbuf = np.empty(BLOCK, np.float32)\n"
              "with open(out, 'wb') as f:\n    for k in range(-(-n // BLOCK)):\n        m = min(BLOCK, n - k * BLOCK)\n"
              "        fill_normal(np.random.default_rng([0, 0, k]), buf[:m])\n        f.write(buf[:m].tobytes())\n"
              "    f.write(bytes(size - 4 * n))\n")


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def nncc_cli(name: str, out: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds of the whole `nncc compile` process, and its peak RSS in KiB."""
    cmd = [sys.executable, "-c", NNCC_MAIN, "compile", str(SAMPLE), "-o", str(out), "-O", f"opset={OPSET}"]
    for k, v in DEFINES[name].items():
        cmd += ["-D", f"{k}={v}"]
    c0, t0 = _cpu(), time.perf_counter()
    r = subprocess.run(cmd, check=True, capture_output=True, text=True, env=ENV)
    return time.perf_counter() - t0, _cpu() - c0, int(r.stdout.split()[-1])


def floor(params: int, size: int, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of the floor process (FLOOR_MAIN) for `params` values in a file of `size` bytes."""
    c0, t0 = _cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-c", FLOOR_MAIN, str(params), str(size), str(out)], check=True, env=ENV)
    return time.perf_counter() - t0, _cpu() - c0


def torch_peak(name: str, out: Path) -> int:
    """Peak RSS in KiB of a process that builds the torch model and exports it."""
    r = subprocess.run([sys.executable, "-c", TORCH_MAIN, str(HERE), name, str(out), str(OPSET)], check=True,
                       capture_output=True, text=True)
    return int(r.stdout.split()[-1])


def save_weights(name: str, path: Path) -> str:
    """The weights nncc draws (seed 0), as an .npz for `--weights` (not timed)."""
    import numpy as np

    from nncc.driver import compile_model

    res = compile_model(str(SAMPLE), "onnx", defines=DEFINES[name])
    np.savez(path, **{w.name: w.data for w in res.frontend.graph.weights() if w.share is None})
    return str(path)


def torch_export(model, out: Path) -> tuple[float, int]:
    import torch

    x = torch.randn(1, 3, 224, 224)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), str(out), dynamo=False, opset_version=OPSET, input_names=["image"],
                          output_names=["logits"], dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}})
    dt = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in out.parent.iterdir() if p.name.startswith(out.name))
    return dt, size


def check_same_model(nncc_path: Path, torch_path: Path) -> str:
    """Both files load in onnxruntime and map [2, 3, 224, 224] to [2, 1000]."""
    import numpy as np
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    x = np.random.default_rng(0).standard_normal((2, 3, 224, 224)).astype(np.float32)
    shapes = []
    for p in (nncc_path, torch_path):
        s = ort.InferenceSession(str(p), so, providers=["CPUExecutionProvider"])
        shapes.append(s.run(None, {s.get_inputs()[0].name: x})[0].shape)
    assert shapes[0] == shapes[1] == (2, 1000), shapes
    return "both run in onnxruntime: [2, 3, 224, 224] -> [2, 1000]"


def bench(name: str, repeat: int, tmp: Path) -> dict:
    import torch
    from torch_models import param_count, resnet

    torch.manual_seed(0)
    d = tmp / name
    d.mkdir()
    n_in, n_cli, t_exp, t_build, n_npz, n_sync, peaks = [], [], [], [], [], [], []
    cli_cpu, floor_wall, floor_cpu = [], [], []
    npz = save_weights(name, d / "weights.npz")
    size_n = size_t = params_n = 0
    for i in range(repeat):
        dt, size_n, params_n = nncc_inprocess(name, d / f"nncc{i}.onnx")
        n_in.append(dt)
        t0 = time.perf_counter()
        model = resnet(name).eval()  # builds the modules and draws the weights, as nncc does
        t_build.append(time.perf_counter() - t0)
        dt, size_t = torch_export(model, d / f"torch{i}.onnx")
        t_exp.append(dt)
        dt, cpu, peak = nncc_cli(name, d / f"cli{i}.onnx")
        n_cli.append(dt)
        cli_cpu.append(cpu)
        peaks.append(peak)
        dt, cpu = floor(params_n, size_n, d / f"floor{i}.bin")
        floor_wall.append(dt)
        floor_cpu.append(cpu)
        n_npz.append(nncc_inprocess(name, d / f"npz{i}.onnx", npz)[0])
        n_sync.append(nncc_inprocess(name, d / f"sync{i}.onnx", fsync=True)[0])
        if i < repeat - 1:
            for p in d.iterdir():
                if not p.name.endswith(("0.onnx", ".npz")):
                    p.unlink()
    same = (d / "nncc0.onnx").read_bytes() == (d / "cli0.onnx").read_bytes() == (d / "sync0.onnx").read_bytes()
    peak_torch = torch_peak(name, d / "peak.onnx")
    check = check_same_model(d / "nncc0.onnx", d / "torch0.onnx")
    params_t = param_count(model)
    r = {
        "name": name, "repeat": repeat,
        "nncc_s": min(n_in), "nncc_med_s": statistics.median(n_in),
        "cli_s": min(n_cli), "cli_med_s": statistics.median(n_cli), "cli_cpu_s": statistics.median(cli_cpu),
        "floor_s": statistics.median(floor_wall), "floor_cpu_s": statistics.median(floor_cpu),
        "torch_s": min(t_exp), "torch_med_s": statistics.median(t_exp),
        "torch_all_s": min(b + e for b, e in zip(t_build, t_exp)),
        "npz_s": min(n_npz), "sync_s": min(n_sync),
        "peak_nncc_mb": max(peaks) / 1024, "peak_torch_mb": peak_torch / 1024,
        "nncc_mb": size_n / 2 ** 20, "torch_mb": size_t / 2 ** 20,
        "params_nncc": params_n, "params_torch": params_t, "cli_equals_library": same, "check": check,
    }
    r["ratio"] = r["nncc_s"] / r["torch_s"]
    r["ratio_cli"] = r["cli_s"] / r["torch_s"]
    r["ratio_all"] = r["nncc_s"] / r["torch_all_s"]
    r["ratio_npz"] = r["npz_s"] / r["torch_s"]
    r["ratio_sync"] = r["sync_s"] / r["torch_s"]
    r["ratio_peak"] = r["peak_nncc_mb"] / r["peak_torch_mb"]
    r["ratio_paired"] = statistics.median(a / b for a, b in zip(n_in, t_exp))
    r["floor_ratio_cpu"] = r["cli_cpu_s"] / r["floor_cpu_s"]
    r["floor_ratio_wall"] = r["cli_med_s"] / r["floor_s"]
    return r


def render(results: list[dict]) -> str:
    import onnx
    import torch

    import nncc

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [START, "## ResNet-50 / ResNet-152 to ONNX with weights: nncc vs torch.onnx.export", "",
             (f"`python bench/bench_export.py` — {now}; {platform.machine()}, {os.cpu_count()} CPUs "
              f"(shared), Python {platform.python_version()}, nncc {nncc.__version__}, torch {torch.__version__} "
              f"(TorchScript exporter, `dynamo=False`), onnx {onnx.__version__}; opset {OPSET}, 224x224, "
              f"symbolic batch; best of {results[0]['repeat']} runs, interleaved; load average "
              f"{os.getloadavg()[0]:.1f} at the end."), "",
             ("| model | params (nncc / torch) | file MB (nncc / torch) | nncc compile+write s | `nncc compile` "
              "process s | torch.onnx.export s | torch build+export s | **nncc / export** | same, median of "
              "paired runs | CLI / export | nncc / (build+export) | nncc `--weights` s | nncc `--weights` / export | "
              "nncc `--fsync` s | `--fsync` / export | peak RSS MB, `nncc compile` / torch build+export | goal ≤ 0.2 |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        ok = "met" if r["ratio"] <= 0.2 else "**missed**"
        lines.append(f"| {r['name']} | {r['params_nncc']:,} / {r['params_torch']:,} | {r['nncc_mb']:.1f} / "
                     f"{r['torch_mb']:.1f} | {r['nncc_s']:.2f} (median {r['nncc_med_s']:.2f}) | {r['cli_s']:.2f} "
                     f"(median {r['cli_med_s']:.2f}) | {r['torch_s']:.2f} (median {r['torch_med_s']:.2f}) | "
                     f"{r['torch_all_s']:.2f} | **{r['ratio']:.3f}** | {r['ratio_paired']:.3f} | "
                     f"{r['ratio_cli']:.3f} | {r['ratio_all']:.3f} | {r['npz_s']:.2f} | {r['ratio_npz']:.3f} | "
                     f"{r['sync_s']:.2f} | {r['ratio_sync']:.3f} | {r['peak_nncc_mb']:.0f} / {r['peak_torch_mb']:.0f} "
                     f"(**{r['ratio_peak']:.2f}**) | {ok} |")
    lines += ["", "**Whole process against the floor** (medians of CPU seconds, user + system; wall beside them): "
              "`nncc compile` as a user runs it, and the floor of nncc's own method as a process (import numpy and "
              "nncc's Box-Muller, draw as many float32 values as the model has parameters, a stream per block "
              "as nncc seeds them, write them and the rest of the file's bytes), in the same run, interleaved. "
              "Goal: `nncc compile` ≤ 1.5 × the floor.", "",
              "| model | `nncc compile` CPU s (wall) | floor CPU s (wall) | **compile / floor, CPU** | same, wall | goal ≤ 1.5 |",
              "|---|---|---|---|---|---|"]
    for r in results:
        ok = "met" if r["floor_ratio_cpu"] <= 1.5 else "**missed**"
        lines.append(f"| {r['name']} | {r['cli_cpu_s']:.2f} ({r['cli_med_s']:.2f}) | {r['floor_cpu_s']:.2f} "
                     f"({r['floor_s']:.2f}) | **{r['floor_ratio_cpu']:.2f}** | {r['floor_ratio_wall']:.2f} | {ok} |")
    checks = "; ".join(f"{r['name']}: {r['check']}" + ("" if r["cli_equals_library"] else
                                                         " (CLI and library files DIFFER)") for r in results)
    lines += ["", "Notes:", "",
              ("* nncc: `compile_model` on `samples/resnet50.yaml` (ResNet-152: `-D stages=[3, 8, 36, 3]`), weights "
               "drawn from the sample's initializers (seed 0) block by block as the file is written, file renamed "
               "into place atomically (not flushed to disk, as torch does not flush either; the `--fsync` columns "
               "flush it before the rename); the CLI column is the whole `nncc compile` process (interpreter start "
               "and imports included)."),
              ("* peak RSS: the high-water mark (VmHWM) of an `nncc compile` process, and of a process that imports "
               "torch, builds the model (its weights) and exports it."),
              ("* torch: `torch.onnx.export` of bench/torch_models.py's plain torch.nn ResNet (torchvision layout), "
               "model already built (the *build+export* column adds building it, which draws its weights as nncc "
               "does); torch's import is not counted. The goal is judged on **nncc / export** (best against best); "
               "the paired column is the median over runs of nncc's time over the torch export right after it, "
               "which is steadier when other work shares the machine."),
              ("* nncc `--weights`: the same compile with the weights read from an .npz (as torch's model already "
               "holds its weights) instead of drawn from the initializers."),
              f"* {checks}",
              END]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["resnet50", "resnet152"], choices=list(DEFINES))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="nncc-bench-") as tmp:
        for name in args.models:
            r = bench(name, args.repeat, Path(tmp))
            print(f"{name}: nncc {r['nncc_s']:.2f}s (CLI {r['cli_s']:.2f}s), torch {r['torch_s']:.2f}s, "
                  f"ratio {r['ratio']:.3f} (CLI {r['ratio_cli']:.3f})", flush=True)
            results.append(r)
    section = render(results)
    print(section)
    if not args.no_write:
        write_section(Path(args.out), "bench_export", section)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
