"""Dense and recurrent ops: linear, matmul, embedding, gru, and the RBM of energy models."""
from __future__ import annotations

from .. import codes
from ..ir import INT_DTYPES, Dim, Init, TensorType
from ..ops import Param, T, WeightSpec, check_float, check_positive, check_rank, no_flops, op
from ..shapes import ShapeError, broadcast, per_sample

SECTION = "dense and recurrent"


def _zeros(role: str, prefix: str, n: Dim) -> WeightSpec:
    return WeightSpec(role, prefix, (n,), Init("constant", (("value", 0.0),)))


def _linear_weights(ins: list[TensorType], a: dict) -> list[WeightSpec]:
    return [WeightSpec("weight", "w", (a["out_features"], ins[0].shape[-1]), Init("he_normal")),
            *([_zeros("bias", "b", a["out_features"])] if a["bias"] else [])]


def _linear_flops(ins: list[TensorType], outs: list[TensorType], a: dict) -> int:
    if not isinstance(ins[0].shape[-1], int):
        return 0
    return (2 * per_sample(ins[0].shape) + (1 if a["bias"] else 0)) * a["out_features"]


@op("linear", [T(), Param("out_features", "int"), Param("bias", "bool", True)], weight_prefixes=("w", "b"),
    weights=_linear_weights, flops=_linear_flops, channel_axis=-1, section=SECTION,
    doc="fully connected over the last dim: y = x·Wᵀ + b, weight [out, in]")
def _linear(ins, a):
    x = ins[0]
    if x.rank < 1:
        raise ShapeError(f"linear expects at least a 1-D input, got {x}", 0)
    check_float(x, "linear")
    check_positive("out_features", a["out_features"])
    return [x.with_shape((*x.shape[:-1], a["out_features"]))]


def _matmul_eval(xs: list, a: dict) -> list:
    import numpy as np

    x, y = (np.swapaxes(t, -1, -2) if a.get(flag) else t for t, flag in zip(xs, ("transpose_a", "transpose_b")))
    return [np.matmul(x, y)]


def _t(t: TensorType, flag: bool) -> TensorType:
    """`t` with its last two dims swapped when `flag`."""
    return t.with_shape((*t.shape[:-2], t.shape[-1], t.shape[-2])) if flag else t


@op("matmul", [T("a"), T("b"), Param("transpose_a", "bool", False), Param("transpose_b", "bool", False)],
    eval=_matmul_eval, section=SECTION,
    flops=lambda ins, outs, a: 2 * per_sample(outs[0].shape) * (
        _t(ins[0], a["transpose_a"]).shape[-1] if isinstance(_t(ins[0], a["transpose_a"]).shape[-1], int) else 1),
    doc="matrix product with NumPy batching rules; transpose_a / transpose_b swap the last two dims of an operand "
        "first (`matmul(q, k, transpose_b=true)` is q·kᵀ)")
def _matmul(ins, a):
    for i, t in enumerate(ins):
        if t.rank < 2:
            raise ShapeError(f"matmul expects tensors of rank ≥ 2, got {t}", i)
        check_float(t, "matmul", i)
    x, y = _t(ins[0], a["transpose_a"]), _t(ins[1], a["transpose_b"])
    if x.shape[-1] != y.shape[-2] and isinstance(x.shape[-1], int) and isinstance(y.shape[-2], int):
        flags = "".join(f", {f}=true" for f in ("transpose_a", "transpose_b") if a[f])
        raise ShapeError(f"matmul inner dims differ: {ins[0]} · {ins[1]}{flags} ({x.shape[-1]} vs {y.shape[-2]})", 1)
    batch = broadcast(x.shape[:-2], y.shape[:-2])
    return [x.with_shape((*batch, x.shape[-2], y.shape[-1]))]


@op("embedding", [T(), Param("num_embeddings", "int"), Param("dim", "int")], weight_prefixes=("w",),
    weights=lambda ins, a: [WeightSpec("weight", "w", (a["num_embeddings"], a["dim"]),
                                       Init("gaussian", (("mean", 0.0), ("std", 1.0))))],
    flops=no_flops, section=SECTION, doc="look up rows of a [num, dim] table by integer index")
def _embedding(ins, a):
    x = ins[0]
    if x.dtype not in INT_DTYPES:
        raise ShapeError(f"embedding expects integer indices, got {x}", 0, code=codes.DTYPE_MISMATCH)
    check_positive("num_embeddings", a["num_embeddings"])
    check_positive("dim", a["dim"])
    return [TensorType("f32", (*x.shape, a["dim"]))]


def _gru_flops(ins: list[TensorType], outs: list[TensorType], a: dict) -> int:
    x = ins[0]
    t, f, h = x.shape[1], x.shape[2], a["hidden"]
    if not (isinstance(t, int) and isinstance(f, int)):
        return 0
    # per step: input and recurrent products (3H rows each), both biases, and the gate arithmetic
    # (two sigmoids, one tanh, the reset product and the interpolation: about 8 per hidden unit)
    return t * (2 * 3 * h * (f + h) + (6 * h if a["bias"] else 0) + 8 * h)


def _gru_weights(ins: list[TensorType], a: dict) -> list[WeightSpec]:
    h = a["hidden"]
    k = 1.0 / h ** 0.5  # PyTorch's default for every GRU weight: uniform(±1/sqrt(hidden))
    init = Init("uniform", (("low", -k), ("high", k)))
    return [WeightSpec("weight", "w", (3 * h, ins[0].shape[-1]), init),
            WeightSpec("recurrent_weight", "r", (3 * h, h), init),
            *([WeightSpec("bias", "b", (3 * h,), init),
               WeightSpec("recurrent_bias", "rb", (3 * h,), init)] if a["bias"] else [])]


@op("gru", [T(), Param("hidden", "int"), Param("bias", "bool", True), Param("return_sequences", "bool", True)],
    weight_prefixes=("w", "r", "b", "rb"), weights=_gru_weights, flops=_gru_flops, section=SECTION,
    doc="gated recurrent unit over a batch-first sequence [N, T, F] → [N, T, hidden] (the last step [N, hidden] "
        "when return_sequences=false), from a zero initial state; gates stacked in ONNX order z, r, h; weights "
        "`.weight` [3·hidden, F], `.recurrent_weight` [3·hidden, hidden], `.bias` and `.recurrent_bias` "
        "[3·hidden], set with the prefixes w, r, b and rb (`r_init=…`); "
        "h̃ = tanh(x·Whᵀ + bh + r ⊙ (hₜ₋₁·Rhᵀ + rbh)) (ONNX linear_before_reset=1, PyTorch's GRU, whose "
        "blocks are "
        "r, z, n); every weight defaults to uniform(±1/√hidden)")
def _gru(ins, a):
    x = ins[0]
    check_rank(x, 3, "gru", "N, T, features", help="a sequence of vectors, batch first; reshape or embed the input")
    check_float(x, "gru")
    check_positive("hidden", a["hidden"])
    if not isinstance(x.shape[2], int):
        raise ShapeError(f"gru needs a fixed feature size (the last dim) to size its weights, got {x}", 0)
    out = (x.shape[0], x.shape[1], a["hidden"]) if a["return_sequences"] else (x.shape[0], a["hidden"])
    return [x.with_shape(out)]


def _rbm_weights(ins: list[TensorType], a: dict) -> list[WeightSpec]:
    visible = ins[0].shape[-1]
    return [WeightSpec("weight", "w", (a["hidden"], visible), Init("gaussian", (("mean", 0.0), ("std", 0.01)))),
            *([_zeros("vbias", "vb", visible), _zeros("hbias", "hb", a["hidden"])] if a["bias"] else [])]


@op("rbm", [T(), Param("hidden", "int"), Param("gaussian", "bool", False), Param("bias", "bool", True)],
    weight_prefixes=("w", "vb", "hb"), weights=_rbm_weights, section="energy models",
    flops=lambda ins, outs, a: 2 * per_sample(ins[0].shape) * a["hidden"],
    doc="restricted Boltzmann machine over [N, visible]: weight [hidden, visible], visible bias vb, hidden "
        "bias hb; the value is the hidden activation sigmoid(x·Wᵀ + hb) (x·Wᵀ + hb when gaussian); trained "
        "with contrastive divergence (train.algorithm: cd)")
def _rbm(ins, a):
    x = ins[0]
    check_rank(x, 2, "rbm", "N, visible", help="flatten the input first" if x.rank > 2 else None)
    check_float(x, "rbm")
    check_positive("hidden", a["hidden"])
    return [x.with_shape((x.shape[0], a["hidden"]))]
