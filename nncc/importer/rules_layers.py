"""Lowering rules for layers: those with weights (convolution, linear, norms, embedding), activations,
tensor arithmetic and pooling, with torch's export idioms (MatMul + Add, the Erf form of GELU, ReLU6 as Clip)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .graph import ONode
from .lower import IDIOMS, Call, Lowering, Unsupported, one, registered, rule, runtime, takes


# ---------------------------------------------------------------- layers with weights

@rule("Conv")
def _conv(lo: Lowering, n: ONode) -> Call:
    x = runtime(lo, n)
    w = lo.const(n.inputs[1])
    if w is None:
        raise Unsupported("with weights computed at run time")
    b = lo.const(n.inputs[2]) if len(n.inputs) > 2 else None
    s = w.ndim - 2
    op = {1: "conv1d", 2: "conv2d", 3: "conv3d"}.get(s)
    if op is None:
        raise Unsupported(f"over {s} spatial dims")
    a = n.attrs
    kernel = list(a.get("kernel_shape", w.shape[2:]))
    kw: dict[str, Any] = {}
    stride, dil = list(a.get("strides", [1] * s)), list(a.get("dilations", [1] * s))
    auto = a.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if stride != [1] * s:
        kw["stride"] = one(stride)
    if auto in ("SAME_UPPER",):
        kw["pad"] = "same"
    elif auto == "NOTSET":
        pads = list(a.get("pads", [0] * 2 * s))
        if any(pads):
            kw["pad"] = one(pads[:s]) if pads[:s] == pads[s:] else pads
    elif auto != "VALID":
        raise Unsupported(f"with auto_pad={auto}")
    if dil != [1] * s:
        kw["dilation"] = one(dil)
    if a.get("group", 1) != 1:
        kw["groups"] = int(a["group"])
    if b is None:
        kw["bias"] = False
    ws = [w] + ([b] if b is not None else [])
    return Call(op, [x], n.outputs, [n], [int(w.shape[0]), one(kernel)], kw, ws)


@rule("Gemm")
def _gemm(lo: Lowering, n: ONode) -> Call:
    a = n.attrs
    if a.get("transA", 0) or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
        raise Unsupported("with transA, alpha or beta")
    x = runtime(lo, n)
    w = lo.const(n.inputs[1])
    if w is None:
        raise Unsupported("with weights computed at run time")
    w = w if a.get("transB", 0) else w.T
    b = lo.const(n.inputs[2]) if len(n.inputs) > 2 and n.inputs[2] else None
    if len(n.inputs) > 2 and n.inputs[2] and (b is None or b.shape != (w.shape[0],)):
        raise Unsupported("with a bias that is not one value per output")
    return _linear(n.outputs, [n], x, np.ascontiguousarray(w), b)


def _linear(outs: list[str], nodes: list[ONode], x: str, w: np.ndarray, b: np.ndarray | None) -> Call:
    return Call("linear", [x], outs, nodes, [int(w.shape[0])], {} if b is not None else {"bias": False},
                [w] + ([b] if b is not None else []))


@rule("MatMul")
def _matmul(lo: Lowering, n: ONode) -> Call:
    wa, wb = lo.const(n.inputs[0]), lo.const(n.inputs[1])
    if wa is None and wb is None:
        return Call("matmul", [n.inputs[0], n.inputs[1]], n.outputs, [n])
    if wb is None or wb.ndim != 2:
        raise Unsupported("with a constant left operand or a constant of rank other than 2")
    w = np.ascontiguousarray(wb.T)
    add = lo.only_user(n.outputs[0])
    if add is not None and add.op == "Add":
        other = add.inputs[1] if add.inputs[0] == n.outputs[0] else add.inputs[0]
        b = lo.const(other)
        if b is not None and b.shape == (w.shape[0],):
            return _linear(add.outputs, [n, add], n.inputs[0], w, b)
    return _linear(n.outputs, [n], n.inputs[0], w, None)


@rule("BatchNormalization")
def _bn(lo: Lowering, n: ONode) -> Call:
    x = runtime(lo, n)
    ws = [lo.const(i) for i in n.inputs[1:5]]
    if any(w is None for w in ws):
        raise Unsupported("with statistics computed at run time")
    kw = _eps(n, 1e-5)
    m = float(n.attrs.get("momentum", 0.9))
    if not math.isclose(m, 0.9, rel_tol=1e-6):
        kw["momentum"] = round(m, 6)
    return Call("batch_norm", [x], n.outputs[:1], [n], [], kw, ws)  # type: ignore[arg-type]


def _eps(n: ONode, default: float) -> dict[str, Any]:
    e = float(n.attrs.get("epsilon", default))
    return {} if math.isclose(e, default, rel_tol=1e-5) else {"eps": float(f"{e:.6g}")}


@rule("LayerNormalization")
def _ln(lo: Lowering, n: ONode) -> Call:
    x = runtime(lo, n)
    sh = lo.shape(x)
    if n.attrs.get("axis", -1) not in (-1, (len(sh) - 1) if sh else -1):
        raise Unsupported("over more than the last dim")
    scale = lo.const(n.inputs[1])
    bias = lo.const(n.inputs[2]) if len(n.inputs) > 2 and n.inputs[2] else None
    if scale is None or bias is None:
        raise Unsupported("without a constant scale and bias")
    return Call("layer_norm", [x], n.outputs[:1], [n], [], _eps(n, 1e-5), [scale, bias])


@rule("Gather")
def _gather(lo: Lowering, n: ONode) -> Call:
    table, idx = lo.const(n.inputs[0]), lo.const(n.inputs[1])
    if table is not None and idx is None:
        if table.ndim != 2 or n.attrs.get("axis", 0) != 0:
            raise Unsupported("of a constant that is not a 2-D table")
        return Call("embedding", [n.inputs[1]], n.outputs, [n], [int(table.shape[0]), int(table.shape[1])], {},
                    [table])
    if table is None and idx is not None and idx.ndim == 0:
        sh = lo.shape(n.inputs[0])
        ax = int(n.attrs.get("axis", 0)) % (len(sh) if sh else 1)
        return Call("[]", [n.inputs[0]], n.outputs, [n], index=", ".join([":"] * ax + [str(int(idx))]))
    raise Unsupported("with indices computed at run time")


# ---------------------------------------------------------------- activations and element-wise ops

SIMPLE = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Selu": "selu", "Gelu": "gelu"}
# ONNX ops whose nncc name other modules may register (asked from the registry when met)
MAYBE = {"Exp": ("exp",), "Log": ("log",), "Sqrt": ("sqrt",), "Abs": ("abs",), "Neg": ("neg",),
         "HardSwish": ("hardswish", "hard_swish"), "HardSigmoid": ("hard_sigmoid", "hardsigmoid"),
         "Softplus": ("softplus",), "Erf": ("erf",), "Reciprocal": ("reciprocal",), "Mish": ("mish",)}


@rule(*SIMPLE)
def _simple(lo: Lowering, n: ONode) -> Call:
    if n.op == "Gelu" and n.attrs.get("approximate", b"none") not in (b"none", "none"):
        raise Unsupported("with approximate=tanh")
    return Call(SIMPLE[n.op], [runtime(lo, n)], n.outputs, [n])


@rule(*MAYBE)
def _maybe(lo: Lowering, n: ONode) -> Call:
    name = registered(*MAYBE[n.op])
    if name is None:
        raise Unsupported()
    return Call(name, [runtime(lo, n)], n.outputs, [n])


@rule("LeakyRelu", "Elu")
def _alpha(lo: Lowering, n: ONode) -> Call:
    op, default = {"LeakyRelu": ("leaky_relu", 0.01), "Elu": ("elu", 1.0)}[n.op]
    al = float(n.attrs.get("alpha", default))
    kw = {} if math.isclose(al, default, rel_tol=1e-6) else {"alpha": float(f"{al:.6g}")}
    return Call(op, [runtime(lo, n)], n.outputs, [n], [], kw)


@rule("Softmax", "LogSoftmax")
def _softmax(lo: Lowering, n: ONode) -> Call:
    ax = int(n.attrs.get("axis", -1))
    return Call({"Softmax": "softmax", "LogSoftmax": "log_softmax"}[n.op], [runtime(lo, n)], n.outputs, [n], [],
                {} if ax == -1 else {"axis": ax})


@rule("Clip")
def _clip(lo: Lowering, n: ONode) -> Call:
    lo_v = lo.const(n.inputs[1]) if len(n.inputs) > 1 and n.inputs[1] else n.attrs.get("min")
    hi_v = lo.const(n.inputs[2]) if len(n.inputs) > 2 and n.inputs[2] else n.attrs.get("max")
    x = runtime(lo, n)
    lo_f = None if lo_v is None else float(np.asarray(lo_v))
    hi_f = None if hi_v is None else float(np.asarray(hi_v))
    if lo_f == 0.0 and hi_f == 6.0 and registered("relu6"):
        return Call("relu6", [x], n.outputs, [n])
    if lo_f == 0.0 and hi_f is None:
        return Call("relu", [x], n.outputs, [n])
    name = registered("clip")
    if name is not None and takes(name, "low", "high"):
        kw = {k: v for k, v in (("low", lo_f), ("high", hi_f)) if v is not None}
        return Call(name, [x], n.outputs, [n], [], kw)
    if lo_f == 0.0 and hi_f is not None and hi_f > 0:
        # min(max(x, 0), hi) as a block of ops every target has: relu(x) − relu(x − hi), exact for |x| ≤ 2·hi
        if hi_f == 6.0:
            lo.helpers["relu6"] = ["  relu6(x):  # ReLU6 (ONNX Clip(0, 6)); the op registry has no relu6",
                                   "    return: relu(x) - relu(x - 6.0)"]
            return Call("relu6", [x], n.outputs, [n])
        lo.helpers["clamp"] = ["  clamp(x, hi):  # ONNX Clip(0, hi); the op registry has no clip",
                               "    return: relu(x) - relu(x - hi)"]
        return Call("clamp", [x], n.outputs, [n], [hi_f])
    raise Unsupported(f"(min {lo_f}, max {hi_f})")


def _erf_gelu(lo: Lowering, erf: ONode) -> Call | None:
    """x · 0.5 · (1 + erf(x / √2)), as torch exports F.gelu before opset 20: one gelu."""
    pre = lo.producer.get(erf.inputs[0])
    if pre is None or pre.op not in ("Div", "Mul") or lo.only_user(pre.outputs[0]) is not erf:
        return None
    c = lo.const(pre.inputs[1])
    want = math.sqrt(2) if pre.op == "Div" else 1 / math.sqrt(2)
    if c is None or c.size != 1 or not math.isclose(float(c.reshape(-1)[0]), want, rel_tol=1e-5):
        return None
    x = pre.inputs[0]
    add = lo.only_user(erf.outputs[0])
    if add is None or add.op != "Add" or not _is_scalar(lo, _other(add, erf.outputs[0]), 1.0):
        return None
    m1 = lo.only_user(add.outputs[0])
    if m1 is None or m1.op != "Mul":
        return None
    other = _other(m1, add.outputs[0])
    if other == x:
        m2 = lo.only_user(m1.outputs[0])
        if m2 is not None and m2.op == "Mul" and _is_scalar(lo, _other(m2, m1.outputs[0]), 0.5):
            return Call("gelu", [x], m2.outputs, [pre, erf, add, m1, m2])
        return None
    half = lo.producer.get(other)
    if half is not None and half.op == "Mul" and x in half.inputs and _is_scalar(lo, _other(half, x), 0.5) \
            and lo.only_user(half.outputs[0]) is m1:
        return Call("gelu", [x], m1.outputs, [pre, erf, add, half, m1])
    return None


def _other(n: ONode, v: str) -> str:
    return n.inputs[1] if n.inputs[0] == v else n.inputs[0]


def _is_scalar(lo: Lowering, name: str, value: float) -> bool:
    c = lo.const(name)
    return c is not None and c.size == 1 and math.isclose(float(c.reshape(-1)[0]), value, rel_tol=1e-6)


@rule("Add", "Sub", "Mul", "Div")
def _arith(lo: Lowering, n: ONode) -> Call:
    sym = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/"}[n.op]
    a, b = lo.const(n.inputs[0]), lo.const(n.inputs[1])
    if a is None and b is None:
        return Call(sym, [n.inputs[0], n.inputs[1]], n.outputs, [n])
    c, x = (b, n.inputs[0]) if a is None else (a, n.inputs[1])
    assert c is not None
    if c.size != 1 or not np.issubdtype(c.dtype, np.floating):
        raise Unsupported("with a constant tensor operand (only numbers and layers' weights are constants "
                          "in the language)")
    v = c.reshape(-1)[0]
    # a float32 constant as its shortest repr (2.828427, not 2.8284270763397217): it reads back as the same float32
    num = float(str(v)) if c.dtype == np.float32 else float(v)
    return Call(sym, [x], n.outputs, [n], scalar=num, scalar_left=a is not None)


# ---------------------------------------------------------------- pooling

@rule("MaxPool", "AveragePool")
def _pool(lo: Lowering, n: ONode) -> Call:
    a = n.attrs
    k = list(a["kernel_shape"])
    if len(k) != 2 or len(n.outputs) > 1 and n.outputs[1]:
        raise Unsupported("other than 2-D, or with indices")
    if any(d != 1 for d in a.get("dilations", [1, 1])):
        raise Unsupported("with dilations")
    auto = a.get("auto_pad", b"NOTSET")
    if auto not in (b"NOTSET", "NOTSET"):
        raise Unsupported(f"with auto_pad={auto!r}")
    stride = list(a.get("strides", [1, 1]))
    kw: dict[str, Any] = {}
    if stride != k:
        kw["stride"] = one(stride)
    pads = list(a.get("pads", [0] * 4))
    if any(pads):
        kw["pad"] = one(pads[:2]) if pads[:2] == pads[2:] else pads
    if a.get("ceil_mode", 0):
        kw["ceil_mode"] = True
    op = "max_pool2d" if n.op == "MaxPool" else "avg_pool2d"
    if op == "avg_pool2d" and a.get("count_include_pad", 0):
        kw["count_include_pad"] = True
    return Call(op, [runtime(lo, n)], n.outputs[:1], [n], [one(k)], kw)


@rule("GlobalAveragePool")
def _gap(lo: Lowering, n: ONode) -> Call:
    return Call("global_avg_pool", [runtime(lo, n)], n.outputs, [n])


@rule("ReduceMean")
def _mean(lo: Lowering, n: ONode) -> Call:
    x = runtime(lo, n)
    sh = lo.shape(x)
    given = lo.const(n.inputs[1]) if len(n.inputs) > 1 else None
    ax = [int(v) for v in given.reshape(-1)] if given is not None else list(n.attrs.get("axes", []))
    if sh and sorted(v % len(sh) for v in ax) == list(range(2, len(sh))) and n.attrs.get("keepdims", 1):
        return Call("global_avg_pool", [x], n.outputs, [n])  # torch's x.mean((2, 3), keepdim=True)
    raise Unsupported("other than over all spatial dims with keepdims")


IDIOMS["Erf"] = _erf_gelu


def _gru(lo: Lowering, g: ONode) -> Call | None:
    """torch's batch-first nn.GRU: Transpose → GRU (zero initial state) → Squeeze → Transpose is one gru.

    ONNX's gate order (z, r, h) and linear_before_reset=1 are the language's, so the weights are the
    GRU's own: W[0], R[0], and B[0] split into the input and the recurrent bias.
    """
    a = g.attrs
    direction = a.get("direction", b"forward")
    if a.get("linear_before_reset", 0) != 1 or direction not in (b"forward", "forward") or \
            any(k in a for k in ("activations", "clip")):
        return None
    ins = g.inputs + [""] * (6 - len(g.inputs))
    w, r = lo.const(ins[1]), lo.const(ins[2])
    b = lo.const(ins[3]) if ins[3] else None
    if w is None or r is None or (ins[3] and b is None) or ins[4]:
        return None
    pre = lo.producer.get(ins[0])
    if pre is None or pre.op != "Transpose" or list(pre.attrs.get("perm", [])) != [1, 0, 2] or \
            lo.only_user(pre.outputs[0]) is not g:
        return None
    nodes = [pre, g]
    if ins[5]:
        zero = lo.producer.get(ins[5])
        fill = zero.attrs.get("value") if zero is not None else None
        if zero is None or zero.op != "ConstantOfShape" or lo.only_user(ins[5]) is not g or \
                (fill is not None and np.any(np.asarray(fill) != 0)):
            return None
        nodes.insert(0, zero)
    if len(g.outputs) > 1 and g.outputs[1] and lo.users.get(g.outputs[1]):
        return None
    sq = lo.only_user(g.outputs[0])
    axes = lo.const(sq.inputs[1]) if sq is not None and len(sq.inputs) > 1 else None
    if sq is None or sq.op != "Squeeze" or axes is None or [int(v) for v in axes.reshape(-1)] != [1]:
        return None
    post = lo.only_user(sq.outputs[0])
    if post is None or post.op != "Transpose" or list(post.attrs.get("perm", [])) != [1, 0, 2]:
        return None
    hidden = int(a["hidden_size"])
    ws = [w[0], r[0]] + ([b[0, :3 * hidden], b[0, 3 * hidden:]] if b is not None else [])
    return Call("gru", [pre.inputs[0]], post.outputs, nodes + [sq, post], [hidden],
                {} if b is not None else {"bias": False}, ws)


IDIOMS["GRU"] = _gru
