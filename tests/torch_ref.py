"""An independent reference: run an nncc IR graph node by node with torch.nn.functional.

This is the oracle the ONNX target is checked against (tests/test_onnx_numerics.py).
It knows nothing of the ONNX lowering, so a wrong lowering (a swapped pad order, a
missing transpose, an attribute with the wrong meaning) shows up as a numeric
mismatch. Nor does it read the attributes nncc normalised: each op is built from
its call *as the user wrote it* (`node.meta["written"]`, the call's arguments,
defaults from the op's signature) with the documented meaning worked out here
(`"same"` padding, per-dim lists, negative axes, split parts), so a bug in nncc's
normalisation shows up too (tests/test_oracle_mutation.py applies one).
Nodes the language makes from syntax (`a + b`, indexing, numbers) have no call;
their attributes are read as they are.

Float tensors are computed in float64 by default, so the reference's own rounding
error is negligible next to onnxruntime's float32 result.

Helpers: `random_weights(g)` draws non-trivial values for every weight (batch-norm
statistics included), `save_npz`, `random_inputs(g, n)`, and `close(actual, ref)`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from nncc.dtypes import DTYPES, FLOAT_DTYPES, INT_DTYPES, numpy_type
from nncc.ir import Graph, Node, Weight
from nncc.ops import REGISTRY

BIG = 2 ** 62  # the IR's "to the end" slice bound

TORCH_INT = {"i8": torch.int8, "i32": torch.int32, "i64": torch.int64, "bool": torch.bool}
NP_DTYPE = {n: numpy_type(n) for n in DTYPES}

# ---------------------------------------------------------------- tolerance
#
# A result `a` (onnxruntime, float32) matches the reference `b` (float64) when
#     |a - b| <= RTOL * |b| + ATOL * max(1, max|b|)
# RTOL = 1e-4 is the acceptance criterion (1e-4 relative error). The absolute
# term exists because relative error is ill-posed where the result is near zero
# after cancellation: a dot product of K float32 terms carries an absolute error of
# order sqrt(K) * 2^-24 * |terms|, whatever the size of the sum. 1e-5 of the
# output's own scale (at least 1) is ten times tighter than the relative bound
# at the output's largest values, so it cannot hide a wrong lowering (those give
# errors of the order of the values themselves).
RTOL = 1e-4
ATOL = 1e-5


def close(actual: np.ndarray, ref: np.ndarray, rtol: float = RTOL, atol: float = ATOL) -> tuple[bool, str]:
    """(ok, message) for `actual` against the reference `ref`, with the rule above."""
    a = np.asarray(actual)
    b = np.asarray(ref)
    if a.shape != b.shape:
        return False, f"shape {a.shape} != reference shape {b.shape}"
    if b.dtype.kind not in "fc":
        ok = bool(np.array_equal(a, b))
        return ok, "" if ok else "integer outputs differ"
    a64 = a.astype(np.float64)
    b64 = b.astype(np.float64)
    if not np.all(np.isfinite(b64)):
        return False, "reference has non-finite values (test inputs too large?)"
    scale = max(1.0, float(np.max(np.abs(b64)))) if b64.size else 1.0
    err = np.abs(a64 - b64)
    bound = rtol * np.abs(b64) + atol * scale
    ok = bool(np.all(err <= bound))
    if ok:
        return True, ""
    i = np.unravel_index(int(np.argmax(err - bound)), err.shape)
    return False, (f"max |a-b| = {err.max():.3g} (scale {scale:.3g}); worst at {tuple(int(x) for x in i)}: "
                   f"{a64[i]!r} vs reference {b64[i]!r}; {int(np.sum(err > bound))}/{err.size} elements off")


# ---------------------------------------------------------------- weights and inputs

def weight_data(w: Weight, arrays: dict[str, np.ndarray] | None) -> np.ndarray:
    """A weight's values: from `arrays` by name (tied weights via their source), else `w.data`."""
    if arrays is None:
        if w.data is None:
            raise ValueError(f"weight {w.name} has no data: materialize the graph or pass arrays")
        return np.asarray(w.data)
    if w.share is not None:
        src = arrays[w.share.name]
        return src.T if tuple(src.shape) != tuple(w.type.shape) else src
    return arrays[w.name]


def own_weights(g: Graph) -> list[Weight]:
    """The weights a --weights file must hold (tied ones come from their source)."""
    return [w for w in g.weights() if w.share is None]


def random_weights(g: Graph, seed: int = 0) -> dict[str, np.ndarray]:
    """Non-trivial values for every weight of `g`, by role, so nothing is an identity.

    Batch-norm statistics are random (mean ~ N(0, 0.1), var ~ U(0.5, 1.5)), as are
    scales (U(0.5, 1.5)) and biases (N(0, 0.1)); other weights are N(0, 1/fan_in), which
    keeps activations of order 1 through deep stacks.
    """
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for w in own_weights(g):
        shape = tuple(int(d) for d in w.type.shape)
        dt = NP_DTYPE[w.type.dtype]
        if w.role in ("var", "scale"):
            a = rng.uniform(0.5, 1.5, shape)
        elif w.role in ("mean", "bias"):
            a = rng.normal(0.0, 0.1, shape)
        elif w.owner is not None and w.owner.op == "embedding":
            a = rng.normal(0.0, 1.0, shape)
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
            if w.owner is not None and w.owner.op == "conv_transpose2d":
                fan_in = shape[0] * int(np.prod(shape[2:])) // max(1, w.owner.attrs.get("groups", 1))
            a = rng.normal(0.0, 1.0 / np.sqrt(max(fan_in, 1)), shape)
        out[w.name] = a.astype(dt)
    return out


def save_npz(path: str, arrays: dict[str, np.ndarray]) -> None:
    np.savez(path, **arrays)


def random_inputs(g: Graph, batch: int = 2, seed: int = 1, dims: dict[str, int] | None = None,
                  high: dict[str, int] | None = None) -> dict[str, np.ndarray]:
    """Random feeds for the graph inputs; symbolic dims take `dims[name]` (default: batch).

    Integer inputs are indices drawn below `high[input]`, or below the smallest
    embedding table they index (found in the graph), or below 2.
    """
    rng = np.random.default_rng(seed)
    dims = dict(dims or {})
    limits: dict[str, int] = {}
    for n in g.nodes:
        if n.op == "embedding" and n.inputs:
            nm = n.inputs[0].name
            limits[nm] = min(limits.get(nm, 1 << 62), int(n.attrs["num_embeddings"]))
    limits.update(high or {})
    # a key padding mask (true: padding) pads the end of each sequence, leaving at least one real key
    # (a row with every key masked has no softmax: NaN in torch and onnxruntime alike)
    masks = {n.inputs[3].name for n in g.nodes if n.op == "attention" and len(n.inputs) == 4}
    feeds = {}
    for v in g.inputs:
        shape = tuple(d if isinstance(d, int) else dims.get(str(d), batch) for d in v.type.shape)
        dt = NP_DTYPE[v.type.dtype]
        if v.type.dtype in INT_DTYPES:
            feeds[v.name] = rng.integers(0, limits.get(v.name, 2), shape).astype(dt)
        elif v.type.dtype == "bool" and v.name in masks:
            lengths = rng.integers(1, shape[-1] + 1, shape[:-1])
            feeds[v.name] = np.arange(shape[-1]) >= lengths[..., None]
        elif v.type.dtype == "bool":
            feeds[v.name] = rng.random(shape) < 0.5
        else:
            feeds[v.name] = rng.standard_normal(shape).astype(dt)
    return feeds


# ---------------------------------------------------------------- the interpreter

def _torch_pad_order(pads: tuple[int, ...]) -> list[int]:
    """ONNX order (begin_0.., end_0..) over the last k dims -> F.pad's (last dim first, begin, end)."""
    k = len(pads) // 2
    out: list[int] = []
    for i in reversed(range(k)):
        out += [pads[i], pads[k + i]]
    return out


def surface(n: Node) -> dict[str, Any]:
    """The call's attributes as written, defaults filled from the op's signature (nothing normalised)."""
    written = n.meta.get("written")
    if written is None:
        return dict(n.attrs)
    a = {p.name: p.default for p in REGISTRY[n.op].params if p.kind not in ("tensor", "tensors") and not p.required}
    a.update(written)
    return a


def _per_dim(v: Any, s: int) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, (list, tuple)) else (int(v),) * s


def _padding(pad: Any, sizes: tuple[int, ...], k: tuple[int, ...], st: tuple[int, ...],
             dl: tuple[int, ...]) -> tuple[int, ...]:
    """`pad` as the language documents it, in ONNX order (begins..., ends...).

    "same": the output has ceil(in / stride) elements; the total padding that needs
    is split with the odd element at the end (ONNX SAME_UPPER, TensorFlow "SAME").
    """
    s = len(k)
    if pad == "valid":
        return (0,) * (2 * s)
    if pad == "same":
        begins, ends = [], []
        for i in range(s):
            out = -(-sizes[i] // st[i])
            total = max((out - 1) * st[i] + dl[i] * (k[i] - 1) + 1 - sizes[i], 0)
            begins.append(total // 2)
            ends.append(total - total // 2)
        return tuple(begins + ends)
    if isinstance(pad, int):
        return (pad,) * (2 * s)
    pad = tuple(pad)
    return pad * 2 if len(pad) == s else pad


def _window(x, a: dict[str, Any], s: int, dilation: bool = True):
    """kernel, stride, dilation, pads of a windowed op, from its surface attributes."""
    k = _per_dim(a["kernel"], s)
    st = _per_dim(a["stride"] if a["stride"] is not None else k, s)
    dl = _per_dim(a["dilation"], s) if dilation else (1,) * s
    return k, st, dl, _padding(a["pad"], tuple(x.shape[2:]), k, st, dl)


def _conv(x, w, b, a, s: int):
    _, st, dl, pads = _window(x, a, s)
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[s]
    if a.get("padding_mode", "zeros") != "zeros":  # torch.nn.ConvNd's padding_mode pads with F.pad first
        return fn(F.pad(x, _torch_pad_order(pads), mode=a["padding_mode"]), w, b, stride=st, dilation=dl,
                  groups=a["groups"])
    if pads[:s] == pads[s:]:
        return fn(x, w, b, stride=st, padding=pads[:s], dilation=dl, groups=a["groups"])
    x = F.pad(x, _torch_pad_order(pads))
    return fn(x, w, b, stride=st, padding=0, dilation=dl, groups=a["groups"])


def _conv_transpose(x, w, b, a):
    _, st, dl, pads = _window(x, a, 2)
    op_ = _per_dim(a["output_pad"], 2)
    if pads[:2] == pads[2:] and all(o < max(s, d) for o, s, d in zip(op_, st, dl)):
        return F.conv_transpose2d(x, w, b, stride=st, padding=pads[:2], output_padding=op_, groups=a["groups"],
                                  dilation=dl)
    # general case, from the definition: full transposed conv, extend by output_pad, crop pads
    y = F.conv_transpose2d(x, w, None, stride=st, padding=0, groups=a["groups"], dilation=dl)
    y = F.pad(y, [0, op_[1], 0, op_[0]])
    y = y[:, :, pads[0]:y.shape[2] - pads[2], pads[1]:y.shape[3] - pads[3]]
    return y if b is None else y + b.view(1, -1, 1, 1)


def _pool(x, a, kind: str):
    k, st, dl, pads = _window(x, a, 2, dilation=kind == "max")
    ceil = bool(a["ceil_mode"])
    if kind == "max":
        if pads[:2] == pads[2:]:
            return F.max_pool2d(x, k, st, padding=pads[:2], dilation=dl, ceil_mode=ceil)
        x = F.pad(x, _torch_pad_order(pads), value=float("-inf"))
        return F.max_pool2d(x, k, st, dilation=dl, ceil_mode=ceil)
    cip = bool(a["count_include_pad"])
    if pads[:2] == pads[2:]:
        return F.avg_pool2d(x, k, st, padding=pads[:2], ceil_mode=ceil, count_include_pad=cip)
    # asymmetric: sum over the zero-padded input, divided by the count of (real or pad) cells
    xp = F.pad(x, _torch_pad_order(pads))
    ones = F.pad(torch.ones_like(x[:1, :1]), _torch_pad_order(pads), value=1.0 if cip else 0.0)
    s = F.avg_pool2d(xp, k, st, ceil_mode=ceil, count_include_pad=True)
    c = F.avg_pool2d(ones, k, st, ceil_mode=ceil, count_include_pad=True)
    return s / c


def _split_sizes(x, a) -> list[int]:
    parts = a["parts"] if "parts" in a else a["sizes"]
    if isinstance(parts, int):
        return [x.shape[a["axis"]] // parts] * parts
    return list(parts)


def _reshape(x, shape):
    out = [x.shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return x.reshape(out)


def _slice(x, a):
    for s, e, ax, st in zip(a["starts"], a["ends"], a["axes"], a["steps"]):
        d = x.shape[ax]
        e = None if e >= BIG else (None if e <= -BIG else e)
        idx = list(range(*slice(s, e, st).indices(d)))
        x = torch.index_select(x, ax, torch.tensor(idx, dtype=torch.long))
    for ax in sorted(a["squeeze"], reverse=True):
        x = x.squeeze(ax)
    return x


def _pad(x, a):
    pads = tuple(a["pads"])
    r = x.dim()
    if pads and isinstance(pads[0], (list, tuple)):  # [[begin, end], ...] per dim
        pads = tuple(p[0] for p in pads) + tuple(p[1] for p in pads)
    mode = a["mode"]
    if mode == "constant":
        return F.pad(x, _torch_pad_order(pads), value=float(a["value"]))
    tmode = {"reflect": "reflect", "edge": "replicate"}[mode]
    # torch pads the last 1..3 dims in these modes; find the innermost dims that pad
    lead = next((i for i in range(r) if pads[i] or pads[r + i]), r)
    k = r - lead
    sub = pads[lead:r] + pads[r + lead:]
    # torch wants a batch and channel dim in front of the padded ones
    shape = x.shape
    y = x.reshape((-1, 1, *shape[lead:])) if lead > 0 else x.reshape((1, 1, *shape))
    y = F.pad(y, _torch_pad_order(sub), mode=tmode)
    return y.reshape((*shape[:lead], *y.shape[2:])) if k else x


def _rnn(x, W: dict[str, Any], a, kind: str):
    """torch.nn.GRU / torch.nn.LSTM (batch first, zero initial state) with nncc's weights.

    nncc stacks gates in ONNX order (gru z, r, h; lstm i, o, f, c); torch's are r, z, n and i, f, g, o.
    Roles: weight, recurrent_weight, bias, recurrent_bias, suffixed _l<k> after the first layer and
    _reverse backwards; torch's weight_ih_l<k>[_reverse], weight_hh_..., bias_ih_..., bias_hh_....
    """
    h, layers, bidir = a["hidden"], a["num_layers"], bool(a["bidirectional"])
    order = {"gru": [1, 0, 2], "lstm": [0, 2, 3, 1]}[kind]
    cls = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[kind]
    m = cls(x.shape[2], h, num_layers=layers, bias=bool(a["bias"]), batch_first=True, bidirectional=bidir)
    m = m.to(x.dtype)
    ours = {"weight": "weight_ih", "recurrent_weight": "weight_hh", "bias": "bias_ih", "recurrent_bias": "bias_hh"}
    for k in range(layers):
        for d in range(2 if bidir else 1):
            s = ("" if k == 0 else f"_l{k}") + ("_reverse" if d else "")
            for role, theirs in ours.items():
                if role + s in W:
                    blocks = W[role + s].split(h)
                    getattr(m, f"{theirs}_l{k}" + ("_reverse" if d else "")).copy_(torch.cat([blocks[i] for i in order]))
    y, state = m(x)
    if a["return_sequences"]:
        return y
    hn = state[0] if kind == "lstm" else state
    return torch.cat(list(hn[-(2 if bidir else 1):]), dim=1)


def _attention(ins: list, W: dict[str, Any], a):
    """torch.nn.MultiheadAttention(batch_first=True) with nncc's per-projection weights."""
    q, k, v = ins[:3]
    e = q.shape[2]
    m = torch.nn.MultiheadAttention(e, a["num_heads"], bias=bool(a["bias"]), batch_first=True,
                                    kdim=k.shape[2], vdim=v.shape[2]).to(q.dtype)
    if m._qkv_same_embed_dim:
        m.in_proj_weight.copy_(torch.cat([W["query_weight"], W["key_weight"], W["value_weight"]]))
    else:
        for p in ("q", "k", "v"):
            getattr(m, f"{p}_proj_weight").copy_(W[{"q": "query", "k": "key", "v": "value"}[p] + "_weight"])
    if a["bias"]:
        m.in_proj_bias.copy_(torch.cat([W["query_bias"], W["key_bias"], W["value_bias"]]))
        m.out_proj.bias.copy_(W["out_bias"])
    m.out_proj.weight.copy_(W["out_weight"])
    causal = torch.triu(torch.ones(q.shape[1], k.shape[1], dtype=torch.bool), 1) if a["causal"] else None
    mask = ins[3] if len(ins) == 4 else None
    return m.eval()(q, k, v, key_padding_mask=mask, attn_mask=causal, need_weights=False)[0]


def _one(n: Node, ins: list, W: dict[str, Any]) -> list:
    a = surface(n)
    op = n.op
    x = ins[0] if ins else None
    if op in ("conv1d", "conv2d", "conv3d"):
        return [_conv(x, W["weight"], W.get("bias"), a, int(op[4]))]
    if op == "conv_transpose2d":
        return [_conv_transpose(x, W["weight"], W.get("bias"), a)]
    if op == "max_pool2d":
        return [_pool(x, a, "max")]
    if op == "avg_pool2d":
        return [_pool(x, a, "avg")]
    if op in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
        fn = F.adaptive_avg_pool2d if op == "adaptive_avg_pool2d" else F.adaptive_max_pool2d
        return [fn(x, a["output_size"])]
    if op == "upsample":
        return [F.interpolate(x, size=a["size"], scale_factor=a["scale"], mode=a["mode"],
                              align_corners=a["align_corners"] if a["mode"] == "bilinear" else None)]
    if op == "group_norm":
        return [F.group_norm(x, a["groups"], W.get("scale"), W.get("bias"), a["eps"])]
    if op == "instance_norm":
        return [F.instance_norm(x, weight=W.get("scale"), bias=W.get("bias"), eps=a["eps"])]
    if op == "attention":
        return [_attention(ins, W, a)]
    if op == "global_avg_pool":
        return [x.mean(dim=tuple(range(2, x.dim())), keepdim=True)]
    if op == "linear":
        return [F.linear(x, W["weight"], W.get("bias"))]
    if op == "matmul":
        a0, b0 = (t.transpose(-2, -1) if a.get(f) else t for t, f in zip(ins, ("transpose_a", "transpose_b")))
        return [torch.matmul(a0, b0)]
    if op in ("mean", "sum", "max", "min"):
        dims = tuple(range(x.dim())) if a["axes"] is None else _per_dim(a["axes"], 1)
        fn = {"mean": torch.mean, "sum": torch.sum, "max": torch.amax, "min": torch.amin}[op]
        return [fn(x, dim=dims, keepdim=a["keepdims"])]
    if op == "argmax":
        return [torch.argmax(x, dim=a["axis"], keepdim=a["keepdims"])]
    if op == "squeeze":
        return [x.squeeze() if a["axes"] is None else x.squeeze(_per_dim(a["axes"], 1))]
    if op == "unsqueeze":
        for ax in sorted(d % (x.dim() + len(_per_dim(a["axes"], 1))) for d in _per_dim(a["axes"], 1)):
            x = x.unsqueeze(ax)
        return [x]
    if op == "expand":
        return [x.expand(*a["shape"])]
    if op == "stack":
        return [torch.stack(ins, dim=a["axis"])]
    if op == "gather":
        return [torch.index_select(x, a["axis"], ins[1].reshape(-1).long()).reshape(
            *x.shape[:a["axis"] % x.dim()], *ins[1].shape, *x.shape[a["axis"] % x.dim() + 1:])]
    if op == "one_hot":
        return [F.one_hot(x.long(), a["classes"]).to(torch.float64)]
    if op == "param":
        return [W["weight"]]
    if op == "batch_norm":
        return [F.batch_norm(x, W["mean"], W["var"], W["scale"], W["bias"], training=False, eps=a["eps"])]
    if op == "layer_norm":
        return [F.layer_norm(x, (x.shape[-1],), W["scale"], W["bias"], eps=a["eps"])]
    if op == "lrn":
        return [F.local_response_norm(x, a["size"], alpha=a["alpha"], beta=a["beta"], k=a["k"])]
    if op in ("dropout", "identity"):
        return [x]
    simple = {"relu": F.relu, "selu": F.selu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
              "relu6": F.relu6, "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish, "silu": F.silu,
              "mish": F.mish, "softplus": F.softplus}
    if op in simple:
        return [simple[op](x)]
    if op == "gelu":
        return [F.gelu(x, approximate=a["approximate"])]
    if op == "clip":
        return [torch.clamp(x, min=a["low"], max=a["high"])]
    if op == "hardtanh":
        return [F.hardtanh(x, a["low"], a["high"])]
    if op == "leaky_relu":
        return [F.leaky_relu(x, a["alpha"])]
    if op == "elu":
        return [F.elu(x, a["alpha"])]
    if op == "stanh":
        return [1.7159 * torch.tanh(x * (2.0 / 3.0))]
    if op == "softmax":
        return [F.softmax(x, dim=a["axis"])]
    if op == "log_softmax":
        return [F.log_softmax(x, dim=a["axis"])]
    math = {"exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "abs": torch.abs, "pow": torch.pow,
            "maximum": torch.maximum, "minimum": torch.minimum, "less": torch.lt, "less_equal": torch.le,
            "greater": torch.gt, "greater_equal": torch.ge, "equal": torch.eq, "not_equal": torch.ne,
            "where": torch.where}
    if op in math:
        return [math[op](*ins)]
    if op in ("add", "sub", "mul", "div"):
        f = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}[op]
        return [f(ins[0], ins[1])]
    if op == "concat":
        return [torch.cat(ins, dim=a["axis"])]
    if op == "split":
        return list(torch.split(x, _split_sizes(x, a), dim=a["axis"]))
    if op == "flatten":
        ax = a["axis"] + x.dim() if a["axis"] < 0 else a["axis"]
        lead = int(np.prod(x.shape[:ax])) if ax else 1
        return [x.reshape(lead, -1)]
    if op == "reshape":
        return [_reshape(x, a["shape"])]
    if op == "transpose":
        return [x.permute(*a["perm"])]
    if op == "pad":
        return [_pad(x, a)]
    if op == "embedding":
        return [F.embedding(x.long(), W["weight"])]
    if op == "slice":
        return [_slice(x, a)]
    if op in ("gru", "lstm"):
        return [_rnn(x, W, a, op)]
    raise NotImplementedError(f"torch reference has no rule for op `{op}`")


def run(g: Graph, feeds: dict[str, np.ndarray], arrays: dict[str, np.ndarray] | None = None,
        float_dtype: torch.dtype = torch.float64, outputs: list[str] | None = None,
        keep_all: bool = False) -> dict[str, np.ndarray]:
    """Evaluate `g` on `feeds`; weights from `arrays` (by name) or from each weight's `data`.

    Returns the graph outputs by name (or every value with keep_all=True). Nodes of kind
    loss/metric are skipped: they are training heads, not part of an inference model.
    """
    def to_t(arr: np.ndarray, dtype: str) -> torch.Tensor:
        t = torch.from_numpy(np.ascontiguousarray(arr))
        return t.to(float_dtype) if dtype in FLOAT_DTYPES else t.to(TORCH_INT[dtype])

    env: dict[str, torch.Tensor] = {}
    for v in g.inputs:
        env[v.name] = to_t(feeds[v.name], v.type.dtype)
    with torch.no_grad():
        for n in g.nodes:
            if n.kind != "layer":
                continue
            if n.op in ("constant", "const"):
                dt = n.attrs["dtype"]
                env[n.output.name] = to_t(np.asarray(n.attrs["value"], dtype=NP_DTYPE[dt]), dt)
                continue
            ins = [env[v.name] for v in n.inputs]
            W = {r: to_t(weight_data(w, arrays), w.type.dtype) for r, w in n.weights.items()}
            outs = _one(n, ins, W)
            assert len(outs) == len(n.outputs), (n, len(outs))
            for v, t in zip(n.outputs, outs):
                env[v.name] = t
    names = [v.name for v in g.values()] if keep_all else (outputs or [v.name for v in g.outputs])
    return {k: env[k].numpy() for k in names if k in env}
