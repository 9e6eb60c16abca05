"""Benchmark: MobileNetV2 written with `relu6` in onnxruntime, nncc's file vs torch's own (issue 21).

Both files hold the same network with the same weights: torchvision's MobileNetV2 (width
1.0, bench/torch_models.py, built locally, nothing downloaded), exported by
`torch.onnx.export` (TorchScript exporter, opset 18), and samples/mobilenet_v2.yaml compiled
by nncc with the torch model's weights (`--weights`, batch-norm statistics made non-trivial).
The script checks that their outputs agree, then times both in onnxruntime (CPU, one
thread, batch 1, 224×224) with its graph optimisations on and off, interleaved, in the same
run (bench/bench_opt.py's `latency`). The goal is nncc / torch ≤ 1.10 with optimisations on.

For comparison it also times what users wrote before `relu6` existed, `relu(x) - relu(x - 6)`
(issue 21: exact, but onnxruntime cannot fuse it into the convolutions).

    python bench/bench_mobilenet.py             # a few seconds; writes its section of bench/RESULTS.md
    python bench/bench_mobilenet.py --rounds 3 --no-write
"""
from __future__ import annotations

import datetime
import os
import platform
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from results import markers, rounds_main  # bench/results.py

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_opt import check_same, latency  # noqa: E402  (bench/bench_opt.py, found through HERE)

SAMPLE = ROOT / "samples" / "mobilenet_v2.yaml"
OPSET = 18
GOAL = 1.10
START, END = markers("bench_mobilenet")
# the workaround of issue 21, as a block the sample's `relu6` calls are replaced by
BY_RELU = "  relu6_by_relu(x):\n    return: relu(x) - relu(x - 6)\n"


def torch_mobilenet(tmp: Path) -> tuple[Path, str]:
    """The torch MobileNetV2 exported to ONNX, and an .npz of its weights under nncc's names."""
    import torch
    from torch_models import MobileNetV2

    from nncc.driver import compile_model

    torch.manual_seed(0)
    model = MobileNetV2().eval()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):  # non-trivial statistics, as a trained model has
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
    out = tmp / "torch.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(1, 3, 224, 224),), str(out), dynamo=False, opset_version=OPSET,
                          input_names=["image"], output_names=["logits"],
                          dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}})
    # the sample lists its weights in torchvision's state_dict order (checked by shape here)
    ws = compile_model(str(SAMPLE), "onnx", emit=False).frontend.graph.weights()
    sd = [(k, v) for k, v in model.state_dict().items() if "num_batches_tracked" not in k]
    assert len(ws) == len(sd), (len(ws), len(sd))
    arrays = {}
    for w, (k, v) in zip(ws, sd):
        assert tuple(w.type.shape) == tuple(v.shape), (w.name, k)
        arrays[w.name] = v.numpy().astype(np.float32)
    npz = tmp / "mobilenet_v2.weights.npz"
    np.savez(npz, **arrays)
    return out, str(npz)


def nncc_onnx(path: Path, weights: str, **opts: str) -> bytes:
    from nncc.driver import compile_model

    res = compile_model(str(path), "onnx", options={"opset": str(OPSET), **opts}, weights=weights)
    return res.files[f"{res.frontend.model.name}.onnx"]


def by_relu(tmp: Path) -> Path:
    """The sample with every `relu6` written as relu(x) - relu(x - 6)."""
    text = SAMPLE.read_text().replace("|> relu6", "|> relu6_by_relu").replace("blocks:\n", "blocks:\n" + BY_RELU)
    p = tmp / "mobilenet_v2.yaml"
    p.write_text(text)
    return p


def run(rounds: int, iters: int) -> dict:
    import onnx

    with tempfile.TemporaryDirectory(prefix="nncc-bench-mobilenet-") as d:
        tmp = Path(d)
        torch_path, npz = torch_mobilenet(tmp)
        models = {"nncc": nncc_onnx(SAMPLE, npz), "nncc L2": nncc_onnx(SAMPLE, npz, opt_level="2"),
                  "nncc relu(x) - relu(x - 6)": nncc_onnx(by_relu(tmp), npz), "torch": str(torch_path)}
        counts = {k: len(onnx.load_from_string(v).graph.node) if isinstance(v, bytes) else
                  len(onnx.load(v).graph.node) for k, v in models.items()}
        same = check_same(models)
        lat = latency(models, rounds, iters)
    return {"latency": lat, "same": same, "counts": counts, "rounds": rounds, "iters": iters}


def render(r: dict) -> str:
    import onnxruntime as ort
    import torch

    import nncc

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lat = r["latency"]
    ratio = lat["on"]["nncc"]["ratio"]
    lines = [START, "## MobileNetV2 with relu6 in onnxruntime: nncc vs torch's own file (issue 21)", "",
             (f"`python bench/bench_mobilenet.py` — {now}; {platform.machine()}, {os.cpu_count()} CPUs (shared), "
              f"Python {platform.python_version()}, nncc {nncc.__version__}, onnxruntime {ort.__version__}, torch "
              f"{torch.__version__} (TorchScript exporter); opset {OPSET}; CPU, one thread, batch 1, 224×224; median "
              f"ms per run over {r['rounds']} interleaved rounds of {r['iters']} runs; ratio = median over rounds of "
              f"model / torch in the same round; load average {os.getloadavg()[0]:.1f} at the end."), "",
             "| model | ONNX nodes | ORT_ENABLE_ALL ms | ratio vs torch | ORT_DISABLE_ALL ms | ratio vs torch | "
             "output vs torch |", "|---|---|---|---|---|---|---|"]
    for k in lat["on"]:
        same = "—" if k == "torch" else f"{r['same'][k]:.1e} rel"
        lines.append(f"| {k} | {r['counts'][k]} | {lat['on'][k]['median_ms']:.1f} | {lat['on'][k]['ratio']:.3f} | "
                     f"{lat['off'][k]['median_ms']:.1f} | {lat['off'][k]['ratio']:.3f} | {same} |")
    lines += ["", (f"Goal (nncc's default file / torch ≤ {GOAL:.2f}, ORT optimisations on): "
                   f"**{'met' if ratio <= GOAL else 'missed'}** ({ratio:.3f})."), "", "Notes:", "",
              ("* nncc: samples/mobilenet_v2.yaml at the default `--opt-level 1` (batch norm kept; onnxruntime folds "
               "it) and at level 2 (folded by nncc), weights from the torch model by `--weights`. *output vs torch*: "
               "the largest difference of the logits over the largest logit (ORT optimisations off)."),
              ("* `relu(x) - relu(x - 6)`: the sample with each `relu6` written as that block, what issue 21 found "
               "users doing; onnxruntime fuses `Clip` (relu6) into the convolution before it, not this subtraction."),
              END]
    return "\n".join(lines) + "\n"


def main() -> None:
    rounds_main("bench_mobilenet", __doc__, run, render, rounds=5)


if __name__ == "__main__":
    main()
