"""Per-sample normalisation over groups of channels: group_norm and instance_norm (PyTorch's GroupNorm,
InstanceNormNd without running statistics)."""
from __future__ import annotations

from .. import codes
from ..ir import Init, TensorType
from ..ops import Param, T, WeightSpec, check_float, check_positive, elementwise_flops, op, same_type
from ..shapes import ShapeError
from .elementwise import NORM


def _affine(ins: list[TensorType], a: dict) -> list[WeightSpec]:
    c = ins[0].shape[1]
    return [WeightSpec("scale", "w", (c,), Init("constant", (("value", 1.0),))),
            WeightSpec("bias", "b", (c,), Init("constant", (("value", 0.0),)))] if a["affine"] else []


def normalize(x, groups: int, eps: float, scale=None, bias=None):
    """numpy: each sample's channels in `groups` groups, each normalised over its channels and positions by
    the biased variance, then scaled and shifted per channel."""
    import numpy as np

    n, c = x.shape[:2]
    g = x.reshape(n, groups, -1)
    y = ((g - g.mean(axis=2, keepdims=True)) / np.sqrt(g.var(axis=2, keepdims=True) + eps)).reshape(x.shape)
    if scale is not None:
        per = (1, c) + (1,) * (x.ndim - 2)
        y = y * scale.reshape(per) + bias.reshape(per)
    return y.astype(x.dtype)


def _check(x: TensorType, name: str, eps: float) -> None:
    if x.rank < 3:
        raise ShapeError(f"{name} expects an input [N, C, *spatial] with at least one spatial dim, got {x}", 0)
    check_float(x, name)
    if not isinstance(x.shape[1], int):
        raise ShapeError(f"{name} needs a fixed channel count (dim 1) to size its weights, got {x}", 0)
    if eps <= 0:
        raise ShapeError(f"eps must be positive, got {eps}", "eps", code=codes.BAD_VALUE)


@op("group_norm", [T(), Param("groups", "int"), Param("eps", "float", 1e-5), Param("affine", "bool", True)],
    weight_prefixes=("w", "b"), weights=_affine, flops=elementwise_flops(7), section=NORM,
    eval=lambda xs, a: [normalize(xs[0], a["groups"], a["eps"], *xs[1:])],
    doc="group normalisation of [N, C, *spatial]: the C channels in `groups` groups, each normalised per sample "
        "over its channels and positions (biased variance + eps), then per-channel scale and bias when affine "
        "(PyTorch's GroupNorm)")
def _group_norm(ins, a):
    x = ins[0]
    _check(x, "group_norm", a["eps"])
    check_positive("groups", a["groups"])
    if x.shape[1] % a["groups"]:
        raise ShapeError(f"channels ({x.shape[1]}) are not divisible by groups ({a['groups']})", "groups",
                         code=codes.BAD_VALUE)
    return same_type(ins, a)


@op("instance_norm", [T(), Param("eps", "float", 1e-5), Param("affine", "bool", False)],
    weight_prefixes=("w", "b"), weights=_affine, flops=elementwise_flops(7), section=NORM,
    eval=lambda xs, a: [normalize(xs[0], xs[0].shape[1], a["eps"], *xs[1:])],
    doc="instance normalisation of [N, C, *spatial]: each channel of each sample normalised over its positions "
        "(biased variance + eps), then per-channel scale and bias when affine (PyTorch's InstanceNorm1d/2d/3d "
        "with track_running_stats=false, whose affine also defaults to false)")
def _instance_norm(ins, a):
    _check(ins[0], "instance_norm", a["eps"])
    return same_type(ins, a)
