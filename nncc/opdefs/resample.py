"""Resampling over [N, C, H, W]: adaptive pooling to any output size, and upsampling (nearest, bilinear)."""
from __future__ import annotations

from .. import codes
from ..ir import TensorType
from ..ops import Param, T, canonical_spatial, check_float, check_rank, op
from ..shapes import ShapeError, per_sample
from .conv import SECTION


def bins(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive pooling windows: output i reads [floor(i·size/out), ceil((i+1)·size/out))."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _static_hw(x: TensorType, name: str) -> tuple[int, int]:
    h, w = x.shape[2], x.shape[3]
    if not (isinstance(h, int) and isinstance(w, int)):
        raise ShapeError(f"{name} needs fixed spatial dims (H, W) to place its windows, got {x}", 0)
    return h, w


def _adaptive(kind: str) -> None:
    name = f"adaptive_{kind}_pool2d"

    def shape(ins: list[TensorType], a: dict) -> list[TensorType]:
        x = ins[0]
        check_rank(x, 4, name, "N, C, H, W")
        check_float(x, name)
        _static_hw(x, name)
        oh, ow = canonical_spatial(a, "output_size", 2)
        return [x.with_shape((x.shape[0], x.shape[1], oh, ow))]

    def flops(ins: list[TensorType], outs: list[TensorType], a: dict) -> int:
        h, w = ins[0].shape[2], ins[0].shape[3]
        oh, ow = a["output_size"]
        window = (-(-h // oh) + 1) * (-(-w // ow) + 1) if isinstance(h, int) and isinstance(w, int) else 1
        return per_sample(outs[0].shape) * window

    def evaluate(xs: list, a: dict) -> list:
        import numpy as np

        x = xs[0]
        reduce = np.mean if kind == "avg" else np.max
        rows = [reduce(x[:, :, b:e], axis=2, keepdims=True) for b, e in bins(x.shape[2], a["output_size"][0])]
        y = np.concatenate(rows, axis=2)
        cols = [reduce(y[:, :, :, b:e], axis=3, keepdims=True) for b, e in bins(x.shape[3], a["output_size"][1])]
        return [np.concatenate(cols, axis=3).astype(x.dtype)]

    op(name, [T(), Param("output_size", "spatial")], traits=("pure", "exact") if kind == "max" else ("pure",),
       eval=evaluate, flops=flops, section=SECTION,
       doc=f"{kind} pooling of [N, C, H, W] to [N, C, *output_size] (an int or [h, w]), whatever H and W: output "
       "row i pools input rows [⌊i·H/h⌋, ⌈(i+1)·H/h⌉), as PyTorch's adaptive pooling (columns alike)")(shape)


_adaptive("avg")
_adaptive("max")

MODES = ("nearest", "bilinear")


def _upsample_eval(xs: list, a: dict) -> list:
    import numpy as np

    x = xs[0]
    (h, w), (oh, ow) = x.shape[2:], a["size"]
    if a["mode"] == "nearest":  # source index floor(dst · in / out), PyTorch's "nearest"
        return [x[:, :, (np.arange(oh) * h // oh)][:, :, :, (np.arange(ow) * w // ow)]]

    def taps(size: int, out: int):
        if a["align_corners"]:
            src = np.arange(out) * ((size - 1) / (out - 1) if out > 1 else 0.0)
        else:
            src = np.maximum((np.arange(out) + 0.5) * (size / out) - 0.5, 0.0)
        lo = np.minimum(np.floor(src).astype(np.int64), size - 1)
        hi = np.minimum(lo + 1, size - 1)
        return lo, hi, (src - lo).astype(x.dtype)

    (r0, r1, fr), (c0, c1, fc) = taps(h, oh), taps(w, ow)
    rows = x[:, :, r0] * (1 - fr)[:, None] + x[:, :, r1] * fr[:, None]
    return [(rows[:, :, :, c0] * (1 - fc) + rows[:, :, :, c1] * fc).astype(x.dtype)]


@op("upsample", [T(), Param("scale", "spatial", None), Param("size", "spatial", None),
                 Param("mode", "str", "nearest", MODES), Param("align_corners", "bool", False)],
    eval=_upsample_eval, flops=lambda ins, outs, a: per_sample(outs[0].shape) * (4 if a["mode"] == "bilinear" else 0),
    section=SECTION,
    doc="resize [N, C, H, W] to `size` [h, w], or by an integer `scale` per dim, as PyTorch's F.interpolate: "
        "nearest takes source pixel ⌊dst·in/out⌋; bilinear interpolates the 4 neighbours, with pixel centres "
        "aligned (align_corners=false) or the corner pixels (true); also called `interpolate`")
def _upsample(ins, a):
    x = ins[0]
    check_rank(x, 4, "upsample", "N, C, H, W")
    check_float(x, "upsample")
    h, w = _static_hw(x, "upsample")
    if (a["scale"] is None) == (a["size"] is None):
        raise ShapeError("upsample takes either `scale` or `size`, " + ("not both" if a["scale"] else "got neither"),
                         "size" if a["size"] is not None else "scale", code=codes.BAD_VALUE)
    if a["align_corners"] and a["mode"] == "nearest":
        raise ShapeError("align_corners is for mode=\"bilinear\"; nearest has no corners to align", "align_corners",
                         code=codes.BAD_VALUE)
    if a["scale"] is not None:
        s = canonical_spatial(a, "scale", 2)
        a["size"], a["scale"] = (h * s[0], w * s[1]), None
    else:
        canonical_spatial(a, "size", 2)
    return [x.with_shape((x.shape[0], x.shape[1], *a["size"]))]
