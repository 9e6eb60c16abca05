"""Multi-head attention as one op, PyTorch's nn.MultiheadAttention (batch_first) with a weight per projection."""
from __future__ import annotations

from .. import codes
from ..ir import FLOAT_DTYPES, Init, TensorType
from ..ops import Param, T, WeightSpec, check_float, check_positive, check_rank, op
from ..shapes import ShapeError
from .dense import SECTION

PROJECTIONS = ("query", "key", "value", "out")


def _weights(ins: list[TensorType], a: dict) -> list[WeightSpec]:
    e = ins[0].shape[-1]
    assert isinstance(e, int)  # the shape rule requires it
    qkv = (6.0 / (e + 3 * e)) ** 0.5  # PyTorch's xavier_uniform over the stacked [3E, E] input projection
    out = []
    for i, p in enumerate(PROJECTIONS):
        fan_in = ins[min(i, 2)].shape[-1] if p != "out" else e
        bound = qkv if p != "out" else 1.0 / e ** 0.5  # out: nn.Linear's default bound
        out.append(WeightSpec(f"{p}_weight", "w", (e, fan_in), Init("uniform", (("low", -bound), ("high", bound)))))
        if a["bias"]:
            out.append(WeightSpec(f"{p}_bias", "b", (e,), Init("constant", (("value", 0.0),))))
    return out


def _flops(ins: list[TensorType], outs: list[TensorType], a: dict) -> int:
    dims = (*ins[0].shape[1:], *ins[1].shape[1:], ins[2].shape[-1])
    if not all(isinstance(d, int) for d in dims):
        return 0
    lq, e, s, kd, vd = (int(d) for d in dims)
    proj = 2 * e * (lq * e + s * kd + s * vd + lq * e)
    return proj + 4 * lq * s * e + 5 * a["num_heads"] * lq * s


def evaluate(xs: list, a: dict) -> list:
    """numpy: inputs (query, key, value[, key_padding_mask]) then the weights in `_weights` order."""
    import numpy as np

    masked = len(xs) > 3 and xs[3].dtype == np.bool_
    q, k, v = xs[:3]
    ws = list(xs[4:] if masked else xs[3:])
    proj = {}
    for p in PROJECTIONS:
        w = ws.pop(0)
        proj[p] = (w, ws.pop(0) if a["bias"] else np.zeros(w.shape[0], w.dtype))
    n, lq, e = q.shape
    h = a["num_heads"]
    d = e // h

    def heads(x, p):
        w, b = proj[p]
        return (x @ w.T + b).reshape(n, x.shape[1], h, d).transpose(0, 2, 1, 3)

    scores = heads(q, "query") @ heads(k, "key").transpose(0, 1, 3, 2) / np.sqrt(d)
    if a["causal"]:
        scores = np.where(np.triu(np.ones((lq, k.shape[1]), bool), 1), -np.inf, scores)
    if masked:
        scores = np.where(xs[3][:, None, None, :], -np.inf, scores)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    ctx = (weights @ heads(v, "value")).transpose(0, 2, 1, 3).reshape(n, lq, e)
    w, b = proj["out"]
    return [(ctx @ w.T + b).astype(q.dtype)]


@op("attention", [T("query"), T("key"), T("value"), Param("num_heads", "int"),
                  Param("key_padding_mask", "tensor", None), Param("causal", "bool", False),
                  Param("bias", "bool", True)],
    weight_prefixes=("w", "b"), weights=_weights, flops=_flops, eval=evaluate, section=SECTION,
    doc="multi-head attention over batch-first sequences, PyTorch's nn.MultiheadAttention(batch_first=True): "
        "query [N, L, E], key [N, S, Ek], value [N, S, Ev] → [N, L, E]; each projected (query_weight [E, E], "
        "key_weight [E, Ek], value_weight [E, Ev], biases query_bias, key_bias, value_bias [E]), split into "
        "num_heads heads of E/num_heads, softmax(q·kᵀ/√(E/num_heads))·v, joined and projected by out_weight "
        "[E, E] and out_bias. key_padding_mask: bool [N, S], true where a key is padding (left out); causal: "
        "query i attends to keys j ≤ i. Self-attention: attention(x, x, x, heads). Also called "
        "`multi_head_attention`")
def _attention(ins, a):
    q, k, v = ins[:3]
    for i, (t, what) in enumerate(((q, "query"), (k, "key"), (v, "value"))):
        check_rank(t, 3, f"attention {what}", "N, length, features", where=i)
        check_float(t, "attention", i)
        if not isinstance(t.shape[2], int):
            raise ShapeError(f"attention needs a fixed feature size of the {what} to size its weights, got {t}", i)
    e, h = q.shape[2], a["num_heads"]
    check_positive("num_heads", h)
    if e % h:
        raise ShapeError(f"the query's features ({e}) are not divisible by num_heads ({h})", "num_heads",
                         code=codes.BAD_VALUE)
    if k.shape[1] != v.shape[1] and all(isinstance(d, int) for d in (k.shape[1], v.shape[1])):
        raise ShapeError(f"key and value must have the same length, got {k} and {v}", 2)
    a.pop("key_padding_mask", None)  # given: the fourth input; not given: none
    if len(ins) == 4:
        m = ins[3]
        if m.dtype != "bool" or m.rank != 2 or (isinstance(m.shape[1], int) and isinstance(k.shape[1], int)
                                                and m.shape[1] != k.shape[1]):
            raise ShapeError(f"key_padding_mask must be bool [N, {k.shape[1]}] (true: a padding key), got {m}", 3,
                             code=codes.DTYPE_MISMATCH if m.dtype in FLOAT_DTYPES else codes.SHAPE_MISMATCH)
    if a["causal"] and not (isinstance(q.shape[1], int) and isinstance(k.shape[1], int)):
        raise ShapeError(f"causal attention needs fixed sequence lengths for its mask, got {q} and {k}", "causal")
    return [q.with_shape(q.shape)]
