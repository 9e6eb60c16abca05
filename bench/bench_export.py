"""Benchmark: ResNet-50 and ResNet-152 with weights to ONNX, nncc vs torch.onnx.export.

Both sides, in the same run, write the same architecture (torchvision's ResNet v1.5,
224x224, symbolic batch, opset 18) with all its weights to a .onnx file on disk:

* nncc: `compile_model(samples/resnet50.yaml)` + writing the file, in this process
  (what the CLI does after start-up); ResNet-152 is the same sample with
  `-D stages=[3, 8, 36, 3]`. Also timed: the `nncc compile` command as a
  separate process (interpreter start, imports, everything).
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


def nncc_inprocess(name: str, out: Path, weights: str | None = None) -> tuple[float, int, int]:
    """Seconds for compile + write; file size; trainable parameter count."""
    from nncc.driver import compile_model, place
    from nncc.output import write_files

    t0 = time.perf_counter()
    res = compile_model(str(SAMPLE), "onnx", defines=DEFINES[name], options={"opset": str(OPSET)},
                        weights=weights)
    files = place(res.outputs, str(out))
    write_files(files)
    dt = time.perf_counter() - t0
    params = sum(int(w.type.numel()) for w in res.frontend.graph.weights() if w.trainable)
    return dt, sum(len(b) for b in files.values()), params


def nncc_cli(name: str, out: Path) -> float:
    exe = Path(sys.executable).parent / "nncc"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from nncc.cli import main; main()"]
    cmd += ["compile", str(SAMPLE), "-o", str(out), "-O", f"opset={OPSET}"]
    for k, v in DEFINES[name].items():
        cmd += ["-D", f"{k}={v}"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


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
    n_in, n_cli, t_exp, t_build, n_npz = [], [], [], [], []
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
        n_cli.append(nncc_cli(name, d / f"cli{i}.onnx"))
        n_npz.append(nncc_inprocess(name, d / f"npz{i}.onnx", npz)[0])
        if i < repeat - 1:
            for p in d.iterdir():
                if not p.name.endswith(("0.onnx", ".npz")):
                    p.unlink()
    same = (d / "nncc0.onnx").read_bytes() == (d / "cli0.onnx").read_bytes()
    check = check_same_model(d / "nncc0.onnx", d / "torch0.onnx")
    params_t = param_count(model)
    r = {
        "name": name, "repeat": repeat,
        "nncc_s": min(n_in), "nncc_med_s": statistics.median(n_in),
        "cli_s": min(n_cli), "cli_med_s": statistics.median(n_cli),
        "torch_s": min(t_exp), "torch_med_s": statistics.median(t_exp),
        "torch_all_s": min(b + e for b, e in zip(t_build, t_exp)),
        "npz_s": min(n_npz),
        "nncc_mb": size_n / 2 ** 20, "torch_mb": size_t / 2 ** 20,
        "params_nncc": params_n, "params_torch": params_t, "cli_equals_library": same, "check": check,
    }
    r["ratio"] = r["nncc_s"] / r["torch_s"]
    r["ratio_cli"] = r["cli_s"] / r["torch_s"]
    r["ratio_all"] = r["nncc_s"] / r["torch_all_s"]
    r["ratio_npz"] = r["npz_s"] / r["torch_s"]
    r["ratio_paired"] = statistics.median(a / b for a, b in zip(n_in, t_exp))
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
              "goal ≤ 0.2 |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        ok = "met" if r["ratio"] <= 0.2 else "**missed**"
        lines.append(f"| {r['name']} | {r['params_nncc']:,} / {r['params_torch']:,} | {r['nncc_mb']:.1f} / "
                     f"{r['torch_mb']:.1f} | {r['nncc_s']:.2f} (median {r['nncc_med_s']:.2f}) | {r['cli_s']:.2f} "
                     f"(median {r['cli_med_s']:.2f}) | {r['torch_s']:.2f} (median {r['torch_med_s']:.2f}) | "
                     f"{r['torch_all_s']:.2f} | **{r['ratio']:.3f}** | {r['ratio_paired']:.3f} | "
                     f"{r['ratio_cli']:.3f} | {r['ratio_all']:.3f} | {r['npz_s']:.2f} | {r['ratio_npz']:.3f} | "
                     f"{ok} |")
    checks = "; ".join(f"{r['name']}: {r['check']}" + ("" if r["cli_equals_library"] else
                                                         " (CLI and library files DIFFER)") for r in results)
    lines += ["", "Notes:", "",
              ("* nncc: `compile_model` on `samples/resnet50.yaml` (ResNet-152: `-D stages=[3, 8, 36, 3]`), weights "
               "drawn from the sample's initializers (seed 0), file written atomically; the CLI column is the whole "
               "`nncc compile` process (interpreter start and imports included)."),
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
