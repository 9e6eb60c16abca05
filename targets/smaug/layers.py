"""SMAUG's lowering rules: one function per IR op, named in the lowering table (`LOWER` in __init__.py).

Each writes the SMAUG node(s) of one IR node through the Emitter (emit.py) and binds the node's outputs
to the tensors it made; the node that makes a line's value is named after the line (`Emitter.label`).
"""
from __future__ import annotations

import math

import numpy as np

from nncc.ir import Node, Value
from nncc.layergraph import Unsupported
from nncc.passes.layouts import PERMS, RANK, physical_axis, to_layout

from . import graph_pb2 as pb
from .emit import ACT, BASE, Emitter, Ref, _int32, act_params
from .params import NP
from .recurrent import _lstm  # noqa: F401  (the lowering table names it here)


def _conv(E: Emitter, n: Node) -> None:
    a = n.attrs
    if any(d != 1 for d in a["dilation"]):
        raise Unsupported("SMAUG convolutions have no dilation", help="use dilation=1")
    if a["padding_mode"] != "zeros" and any(a["pads"]):
        raise Unsupported(f"SMAUG pads with zeros, not padding_mode=\"{a['padding_mode']}\"")
    x = E.ref(n.inputs[0])
    c_in = n.inputs[0].ttype.shape[1]
    if a["groups"] == 1:
        op, base = "Convolution3d", "conv"
    elif a["groups"] == c_in == a["out_channels"]:
        op, base = "ConvolutionDepthwise", "depthwise_conv"
    else:
        raise Unsupported(f"groups={a['groups']}: SMAUG has ordinary (groups=1) and depthwise "
                          "(groups = in = out channels) convolutions only")
    k, pads = a["kernel"], a["pads"]
    same = [(math.ceil((kk - 1) / 2), (kk - 1) // 2) for kk in k]
    have = [(pads[i], pads[2 + i]) for i in range(2)]
    params = pb.Params()
    written_same = n.meta.get("written", {}).get("pad") == "same"
    if all(p == (0, 0) for p in have) and not (written_same and have == same):
        params.conv_params.padding = pb.ValidPadding
    elif have == same:  # also a 1x1 `pad="same"`: zero pads either way, and SMAUG picks its kernel by the type
        params.conv_params.padding = pb.SamePadding
    else:
        x = E.padding(x, [(0, 0), (0, 0), *have])
        params.conv_params.padding = pb.ValidPadding
    params.conv_params.stride.extend(_int32(a["stride"], "stride"))
    E.fused(n, params)
    if op == "ConvolutionDepthwise":
        w = n.weights["weight"]
        wl = n.meta.get("weight_layouts", {}).get("weight")
        stored = wl.stored if wl else "NCHW"
        dw = w.data.reshape((1, w.data.shape[0], *w.data.shape[2:]))
        wref = E.weight(n, "weight", to_layout(dw, stored), stored)
        if wl and wl.converts:
            wref = E.reorder(wref, wl.wanted)
    else:
        wref = E.weight(n, "weight")
    biased = "bias" in n.weights
    r = E.add_node(base, op, [x, wref], [E.out(n)], params, name=None if biased else E.label(n))[0]
    if biased:
        r = E.add_bias(n, r)
    E.bind(n, [r])


def _nonnegative(v: Value) -> bool:
    p = v.producer
    if p is None:
        return False
    if p.op in ("relu", "sigmoid") or p.attrs.get("activation") in ("relu", "sigmoid"):
        return True
    return p.op in ("max_pool2d", "dropout", "identity") and _nonnegative(p.inputs[0])


def _pool(E: Emitter, n: Node) -> None:
    a = n.attrs
    x = E.ref(n.inputs[0])
    avg = n.op not in ("max_pool2d", "adaptive_max_pool2d")
    if n.op == "global_avg_pool":
        k = tuple(E.concrete(n.inputs[0].ttype.shape[2:]))
        st, pads = k, (0,) * 4
    elif n.op.startswith("adaptive_"):  # equal windows side by side when each output size divides its input's
        size, out = E.concrete(n.inputs[0].ttype.shape[2:]), a["output_size"]
        if any(s % o for s, o in zip(size, out)):
            raise Unsupported(f"adaptive pooling of {size[0]}x{size[1]} to {out[0]}x{out[1]} has windows of "
                              "different sizes, and a SMAUG pool has one window size",
                              help="choose an output size that divides the input's, or pool with a fixed window")
        k = tuple(s // o for s, o in zip(size, out))
        st, pads = k, (0,) * 4
    else:
        k, st, pads = a["kernel"], a["stride"], a["pads"]
    if any(d != 1 for d in a.get("dilation", (1,))):
        raise Unsupported("SMAUG pools have no dilation", help="use dilation=1")
    if any(pads):
        if avg and not a.get("count_include_pad", False):
            raise Unsupported("SMAUG pools have no padding; an explicit Padding would be counted in the average",
                              help="use count_include_pad=true, or no padding")
        if not avg and not _nonnegative(n.inputs[0]):
            raise Unsupported("SMAUG pools have no padding, and zero padding changes a max pool of negative values",
                              help="pool the output of a ReLU, or use no padding")
        x = E.padding(x, [(0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])])
    params = pb.Params()
    params.pool_params.stride.extend(_int32(st, "stride"))
    params.pool_params.pool_size.extend(k)
    out = E.out(n)
    lay = x.layout
    rows, cols = (x.dims[2], x.dims[3]) if lay == "NCHW" else (x.dims[1], x.dims[2])
    want = [(rows - k[0]) // st[0] + 1, (cols - k[1]) // st[1] + 1]
    got = [out[0][2], out[0][3]] if lay == "NCHW" else [out[0][1], out[0][2]]
    if want != got:
        raise Unsupported(f"SMAUG computes a {want[0]}x{want[1]} output here, the model {got[0]}x{got[1]} "
                          "(ceil_mode?)", help="use ceil_mode=false")
    r = E.add_node("avg_pool" if avg else "max_pool", "AveragePooling" if avg else "MaxPooling", [x], [out], params,
                   name=E.label(n))
    E.bind(n, r)


def _linear(E: Emitter, n: Node) -> None:
    if n.inputs[0].ttype.rank != 2:
        raise Unsupported(f"SMAUG's InnerProduct takes a 2-D input, got {n.inputs[0].type}",
                          help="flatten the input first")
    x = E.ref(n.inputs[0])
    params = pb.Params()
    E.fused(n, params)
    biased = "bias" in n.weights
    r = E.add_node("mat_mul", "InnerProduct", [x, E.weight(n, "weight")], [E.out(n)], params,
                   name=None if biased else E.label(n))[0]
    if biased:
        r = E.add_bias(n, r)
    E.bind(n, [r])


def _batch_norm(E: Emitter, n: Node) -> None:
    if n.inputs[0].ttype.rank not in (2, 4):
        raise Unsupported(f"SMAUG's BatchNorm takes a 2-D or 4-D input, got {n.inputs[0].type}")
    x = E.ref(n.inputs[0])
    eps = float(n.attrs.get("eps", 1e-5))
    ws = {}
    for role in ("mean", "var", "scale", "bias"):
        d = np.asarray(n.weights[role].data, dtype=np.float32)
        if role == "var":  # SMAUG takes 1/sqrt(var + eps), precomputed
            d = 1.0 / np.sqrt(d + eps)
        ws[role] = E.weight(n, role, d.reshape(1, -1), "NC")
    params = pb.Params()
    E.fused(n, params)
    r = E.add_node("batch_norm", "BatchNorm", [x, ws["mean"], ws["var"], ws["scale"], ws["bias"]], [E.out(n)],
                   params, name=E.label(n))
    E.bind(n, r)


def _activation(E: Emitter, n: Node) -> None:
    x = E.ref(n.inputs[0])
    op = ACT[n.op]
    if n.op == "softmax" and (n.inputs[0].ttype.rank != 2 or n.attrs.get("axis", -1) not in (1, -1)):
        raise Unsupported("SMAUG's Softmax works on a 2-D [N, C] input along C", help="flatten first")
    params = None
    if n.op in ("leaky_relu", "elu", "selu") or op == "HardTanh":
        params = pb.Params()
        params.act_params.CopyFrom(act_params(n.op, n.attrs, fused=False))
    E.bind(n, E.add_node(BASE[op], op, [x], [E.out(n)], params, name=E.label(n)))


def _operands(E: Emitter, n: Node) -> tuple[Ref, Ref]:
    """The two operands' refs; a number in tensor arithmetic as a Data node shaped as the other."""
    x, y = n.inputs
    if id(x) in E.scalars and id(y) not in E.scalars:
        b = E.ref(y)
        return E.scalar(x, b), b
    a = E.ref(x)
    return a, E.scalar(y, a) if id(y) in E.scalars else E.ref(y)


def _binary(E: Emitter, n: Node) -> None:
    op, base = ("EltwiseAdd", "add") if n.op == "add" else ("EltwiseMul", "mul")
    E.bind(n, [E.eltwise(op, base, *_operands(E, n), n, E.label(n))])


COMPARE = {"less": "Less", "less_equal": "LessEqual", "greater": "Greater", "greater_equal": "GreaterEqual"}


def _compare(E: Emitter, n: Node) -> None:
    """SMAUG's comparison ops: a Bool tensor, the operands broadcast as its element-wise ops'."""
    E.bind(n, [E.eltwise(COMPARE[n.op], n.op, *_operands(E, n), n, E.label(n), dtype="Bool")])


def _concat(E: Emitter, n: Node) -> None:
    xs = [E.ref(v) for v in n.inputs]
    v0 = n.inputs[0]
    params = pb.Params()
    params.concat_params.concat_axis = physical_axis(n.attrs["axis"], E.layout_of(v0), v0.ttype.rank)
    E.bind(n, E.add_node("concat", "Concat", xs, [E.out(n)], params, name=E.label(n)))


def _split(E: Emitter, n: Node) -> None:
    x = E.ref(n.inputs[0])
    v0 = n.inputs[0]
    if len(n.outputs) == 1:
        E.bind(n, [x])
        return
    params = pb.Params()
    params.split_params.split_axis = physical_axis(n.attrs["axis"], E.layout_of(v0), v0.ttype.rank)
    E.bind(n, E.add_node("split", "Split", [x], [E.out(n, i) for i in range(len(n.outputs))], params))


# SMAUG's frontend writes squeeze and expand_dims as Reshape nodes of those names
RESHAPES = {"reshape": "reshape", "squeeze": "squeeze", "unsqueeze": "expand_dims"}


def _reshape(E: Emitter, n: Node) -> None:
    x = E.ref(n.inputs[0])
    out = E.out(n)
    if out[1] not in PERMS:
        raise Unsupported(f"SMAUG has no layout for a {n.outputs[0].ttype.rank}-D tensor")
    E.bind(n, E.add_node(RESHAPES[n.op], "Reshape", [x], [out], name=E.label(n)))


def _stack(E: Emitter, n: Node) -> None:
    """Tensors joined along a new axis: each expanded there (a Reshape), then a Concat."""
    out_dims, lay = E.out(n)
    if lay not in PERMS:
        raise Unsupported(f"SMAUG has no layout for a {n.outputs[0].ttype.rank}-D tensor")
    axis = n.attrs["axis"] % len(out_dims)
    one = [1 if i == axis else d for i, d in enumerate(out_dims)]
    parts = [E.add_node("expand_dims", "Reshape", [E.ref(v)], [(one, lay)])[0] for v in n.inputs]
    params = pb.Params()
    params.concat_params.concat_axis = physical_axis(axis, lay, len(out_dims))
    E.bind(n, E.add_node("concat", "Concat", parts, [(out_dims, lay)], params, name=E.label(n)))


def _flatten(E: Emitter, n: Node) -> None:
    x = E.ref(n.inputs[0])
    if n.inputs[0].ttype.rank <= 2 and n.outputs[0].ttype.shape == n.inputs[0].ttype.shape:
        E.bind(n, [x])
        return
    raise Unsupported(f"flatten(axis={n.attrs.get('axis')}) of {n.inputs[0].type}: SMAUG flattens [N, rest] only")


def _reorder(E: Emitter, n: Node) -> None:
    x = E.ref(n.inputs[0])
    lay = n.attrs["layout"]
    if len(x.dims) == 3 and RANK[lay] == 2:  # SMAUG flattens 4-D only; a 3-D tensor is reshaped
        E.bind(n, E.add_node("reshape", "Reshape", [x], [E.out(n)], name=E.label(n)))
        return
    E.bind(n, [E.reorder(x, lay, E.label(n))])


def _pad(E: Emitter, n: Node) -> None:
    a = n.attrs
    if a.get("mode", "constant") != "constant" or float(a.get("value", 0.0)) != 0.0:
        raise Unsupported("SMAUG's Padding pads with zeros only", help='use mode="constant", value=0')
    x = E.ref(n.inputs[0])
    r = n.inputs[0].ttype.rank
    p = a["pads"]
    E.bind(n, [E.padding(x, [(p[d], p[r + d]) for d in range(r)], E.label(n))])


def _alias(E: Emitter, n: Node) -> None:
    E.bind(n, [E.ref(n.inputs[0])])


def _constant(E: Emitter, n: Node) -> None:
    v = n.outputs[0]
    dt = E.dtype(v.ttype.dtype)
    value: np.ndarray = np.asarray(n.attrs["value"], dtype=NP[dt])
    lay = E.layout_of(v)
    if lay not in PERMS:  # a number in tensor arithmetic (x * 0): a Data node shaped as the other operand's
        E.scalars[id(v)] = (value, dt)
        return
    arr: np.ndarray = np.broadcast_to(value, E.concrete(v.ttype.shape))
    E.bind(n, [E.data(to_layout(arr, lay), lay, dt, E.label(n))])
