"""Lowering typed IR to an ONNX ModelProto (one table entry per op)."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from nncc import __version__
from nncc.protowire import length_delimited
from nncc.dtypes import TABLE as DTYPE_TABLE, numpy_type
from nncc.ir import Graph, Node, TensorType, Weight
from nncc.layergraph import layer_name
from nncc.output import Stream
from nncc.target import EmitContext

from . import LOWER, proto
from .layers import (  # noqa: F401  (the lowering table names these rules here)
    adaptive_pool,
    attention,
    group_norm,
    instance_norm,
    padded_input,
    rnn,
    upsample,
)

# nncc dtype -> TensorProto element type
ELEM = {n: proto.DATA_TYPE[d.onnx] for n, d in DTYPE_TABLE.items()}
TWO_GB = 2 ** 31


class _NumpyTypes(dict):
    """nncc dtype -> the numpy type of its arrays in an ONNX file: bf16 is ml_dtypes.bfloat16, imported only
    when a model has bf16 values."""

    def __missing__(self, dtype: str) -> type:
        if DTYPE_TABLE[dtype].onnx != "BFLOAT16":
            t: type = numpy_type(dtype)
        else:  # (ml_dtypes: a dependency of onnx and onnxruntime)
            import ml_dtypes

            t = ml_dtypes.bfloat16
        self[dtype] = t
        return t


NP = _NumpyTypes()


def elem_of(dt: np.dtype) -> int:
    """The TensorProto element type of a numpy array's dtype (float32 is FLOAT: bf16 arrays are bfloat16)."""
    if dt.name == "bfloat16":
        return ELEM["bf16"]
    for n in DTYPE_TABLE:
        if n != "bf16" and np.dtype(NP[n]) == dt:
            return ELEM[n]
    raise KeyError(f"no ONNX element type for numpy {dt}")


def value_info(name: str, t: TensorType) -> bytes:
    return proto.value_info(name, ELEM[t.dtype], [d if isinstance(d, int) else str(d) for d in t.shape])


class Lowering:
    def __init__(self, g: Graph, opset: int):
        self.g = g
        self.opset = opset
        self.node: Node | None = None  # the IR node being lowered
        self.nodes: list[bytes] = []  # NodeProtos, serialized (targets/onnx/proto.py)
        self.domains: set[str] = set()  # of the nodes that name one
        # (name, array), or (name, Draw) for a weight still lazy (nncc/weights.py): serialize streams it
        self.inits: list[tuple[str, Any]] = []
        self.init_names: set[str] = set()
        self.taken: set[str] = {v.name for v in g.values()}
        self.suffix: dict[str, int] = {}  # per base, the suffix after the last one taken: naming stays linear

    def fresh(self, base: str) -> str:
        """A name for a value the lowering adds: `base`, or `base_1`, ... if an IR value (a block's
        line named `matmul`, say) or another added value already has it. ONNX graphs are SSA."""
        name, i = base, self.suffix.get(base, 1)
        if name in self.taken or name in self.init_names:
            name = f"{base}_{i}"
            while name in self.taken or name in self.init_names:
                i += 1
                name = f"{base}_{i}"
            self.suffix[base] = i + 1
        self.taken.add(name)
        return name

    def const(self, name: str, arr: np.ndarray) -> str:
        if name not in self.init_names:
            arr = np.asarray(arr)
            if not arr.flags.c_contiguous:
                arr = arr.copy(order="C")  # (np.ascontiguousarray would turn a 0-d array into 1-d)
            self.inits.append((name, arr))
            self.init_names.add(name)
        return name

    def weight(self, n: Node, role: str) -> str:
        w = n.weights[role]
        src = w if w.share is None or w.share.ttype.shape != w.ttype.shape else w.share
        d = src.lazy
        if src._data is None and d is not None and d.dtype == np.dtype(NP[src.ttype.dtype]):
            if src.name not in self.init_names:
                self.inits.append((src.name, d))
                self.init_names.add(src.name)
            return src.name
        return self.const(src.name, _data(src))

    def add(self, op: str, ins: list[str], outs: list[str], name: str, **attrs) -> None:
        if self.node is not None and name == self.node.name:
            name = layer_name(self.node)  # a fused node is named for the line whose value it makes
        domain = attrs.pop("domain", None)
        if domain:
            self.domains.add(domain)
        self.nodes.append(proto.node(op, ins, outs, name, domain, **attrs))

    def lower(self) -> None:
        for n in self.g.nodes:
            fn = LOWER.get_rule(n.op)
            if fn is None:
                raise KeyError(n.op)
            self.node = n
            fn(self, n)


def _data(w: Weight) -> np.ndarray:
    """A weight's values in its IR dtype (weights.py keeps bf16 as float32)."""
    want = NP[w.ttype.dtype]
    return w.data if w.data.dtype == want else w.data.astype(want)


def _x(n: Node) -> list[str]:
    return [v.name for v in n.inputs]


def _out(n: Node) -> list[str]:
    return [v.name for v in n.outputs]


def _conv(L: Lowering, n: Node) -> None:
    x, pads = padded_input(L, n)
    ins = [x, L.weight(n, "weight")]
    if "bias" in n.weights:
        ins.append(L.weight(n, "bias"))
    a = n.attrs
    if a.get("activation"):  # fused by the ONNX option ort_fusions (nncc/passes/fold.py): onnxruntime's FusedConv
        if a.get("sum"):
            ins += [""] * (3 - len(ins)) + [n.inputs[1].name]
        act = a["activation"]
        extra = {"activation_params": [float(a["activation_attrs"].get("alpha", 0.01))]} if act == "leaky_relu" else {}
        L.add("FusedConv", ins, _out(n), n.name, domain="com.microsoft", activation=ORT_ACTIVATION[act],
              kernel_shape=list(a["kernel"]), strides=list(a["stride"]), pads=pads,
              dilations=list(a["dilation"]), group=a["groups"], **extra)
        return
    L.add("Conv", ins, _out(n), n.name, kernel_shape=list(a["kernel"]), strides=list(a["stride"]),
          pads=pads, dilations=list(a["dilation"]), group=a["groups"])


ORT_ACTIVATION = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "leaky_relu": "LeakyRelu"}


def _deconv(L: Lowering, n: Node) -> None:
    ins = [n.inputs[0].name, L.weight(n, "weight")]
    if "bias" in n.weights:
        ins.append(L.weight(n, "bias"))
    a = n.attrs
    L.add("ConvTranspose", ins, _out(n), n.name, kernel_shape=list(a["kernel"]), strides=list(a["stride"]),
          pads=list(a["pads"]), dilations=list(a["dilation"]), group=a["groups"],
          output_padding=list(a["output_pad"]))


def _pool(op: str) -> Callable[[Lowering, Node], None]:
    def f(L: Lowering, n: Node) -> None:
        a = n.attrs
        extra: dict[str, Any] = {"count_include_pad": int(a["count_include_pad"])} if op == "AveragePool" else {}
        if "dilation" in a:
            extra["dilations"] = list(a["dilation"])
        L.add(op, _x(n), _out(n), n.name, kernel_shape=list(a["kernel"]), strides=list(a["stride"]),
              pads=list(a["pads"]), ceil_mode=int(a["ceil_mode"]), **extra)
    return f


def _linear(L: Lowering, n: Node) -> None:
    x = n.inputs[0]
    if x.ttype.rank == 2:
        ins = [x.name, L.weight(n, "weight")]
        if "bias" in n.weights:
            ins.append(L.weight(n, "bias"))
        L.add("Gemm", ins, _out(n), n.name, transB=1)
        return
    w = n.weights["weight"]
    wt = L.const(w.name + ".T", np.ascontiguousarray(_data(w).T))
    if "bias" not in n.weights:
        L.add("MatMul", [x.name, wt], _out(n), n.name)
        return
    mid = L.fresh(n.name + "/matmul")
    L.add("MatMul", [x.name, wt], [mid], mid)
    L.add("Add", [mid, L.weight(n, "bias")], _out(n), n.name)


def _bn(L: Lowering, n: Node) -> None:
    ins = [n.inputs[0].name] + [L.weight(n, r) for r in ("scale", "bias", "mean", "var")]
    L.add("BatchNormalization", ins, _out(n), n.name, epsilon=n.attrs["eps"], momentum=n.attrs["momentum"])


def _ln(L: Lowering, n: Node) -> None:
    L.add("LayerNormalization", [n.inputs[0].name, L.weight(n, "scale"), L.weight(n, "bias")], _out(n), n.name,
          axis=-1, epsilon=n.attrs["eps"])


def _simple(op: str, **fixed) -> Callable[[Lowering, Node], None]:
    def f(L: Lowering, n: Node) -> None:
        attrs = {k: (n.attrs[v] if isinstance(v, str) else v) for k, v in fixed.items()}
        L.add(op, _x(n), _out(n), n.name, **attrs)
    return f


def _scalar(L: Lowering, n: Node, tag: str, value: float) -> str:
    dt = n.inputs[0].ttype.dtype
    return L.const(L.fresh(f"{n.name}/{tag}"), np.array(value, dtype=NP[dt]))


def _stanh(L: Lowering, n: Node) -> None:
    a = L.fresh(n.name + "/scaled_in")
    t = L.fresh(n.name + "/tanh")
    L.add("Mul", [n.inputs[0].name, _scalar(L, n, "two_thirds", 2.0 / 3.0)], [a], a)
    L.add("Tanh", [a], [t], t)
    L.add("Mul", [t, _scalar(L, n, "amplitude", 1.7159)], _out(n), n.name)


def _gelu(L: Lowering, n: Node) -> None:
    tanh = n.attrs.get("approximate") == "tanh"
    if L.opset >= 20:
        L.add("Gelu", _x(n), _out(n), n.name, **({"approximate": "tanh"} if tanh else {}))
        return
    x = n.inputs[0].name
    if tanh:
        _gelu_tanh(L, n, x)
        return
    d, e, p, h = (L.fresh(f"{n.name}/{s}") for s in ("div", "erf", "add", "x_times"))
    L.add("Div", [x, _scalar(L, n, "sqrt2", math.sqrt(2.0))], [d], d)
    L.add("Erf", [d], [e], e)
    L.add("Add", [e, _scalar(L, n, "one", 1.0)], [p], p)
    L.add("Mul", [x, p], [h], h)
    L.add("Mul", [h, _scalar(L, n, "half", 0.5)], _out(n), n.name)


def _gelu_tanh(L: Lowering, n: Node, x: str) -> None:
    """0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), before opset 20's Gelu(approximate="tanh")."""
    sq, cube, k, inner, s, t, p, h = (L.fresh(f"{n.name}/{tag}") for tag in (
        "square", "cube", "cube_scaled", "inner", "scaled", "tanh", "add", "x_times"))
    L.add("Mul", [x, x], [sq], sq)
    L.add("Mul", [sq, x], [cube], cube)
    L.add("Mul", [cube, _scalar(L, n, "coeff", 0.044715)], [k], k)
    L.add("Add", [x, k], [inner], inner)
    L.add("Mul", [inner, _scalar(L, n, "sqrt_2_over_pi", math.sqrt(2.0 / math.pi))], [s], s)
    L.add("Tanh", [s], [t], t)
    L.add("Add", [t, _scalar(L, n, "one", 1.0)], [p], p)
    L.add("Mul", [x, p], [h], h)
    L.add("Mul", [h, _scalar(L, n, "half", 0.5)], _out(n), n.name)


def _dropout(L: Lowering, n: Node) -> None:
    L.add("Dropout", [n.inputs[0].name, _scalar(L, n, "ratio", n.attrs["p"])], _out(n), n.name)


def _split(L: Lowering, n: Node) -> None:
    sizes = L.const(L.fresh(f"{n.name}/sizes"), np.array(n.attrs["sizes"], dtype=np.int64))
    L.add("Split", [n.inputs[0].name, sizes], _out(n), n.name, axis=n.attrs["axis"])


def _reshape(L: Lowering, n: Node) -> None:
    shape = L.const(L.fresh(f"{n.name}/shape"), np.array(n.attrs["shape"], dtype=np.int64))
    L.add("Reshape", [n.inputs[0].name, shape], _out(n), n.name)


def _pad(L: Lowering, n: Node) -> None:
    pads = L.const(L.fresh(f"{n.name}/pads"), np.array(n.attrs["pads"], dtype=np.int64))
    ins = [n.inputs[0].name, pads]
    if n.attrs["mode"] == "constant":
        ins.append(_scalar(L, n, "value", n.attrs["value"]))
    L.add("Pad", ins, _out(n), n.name, mode=n.attrs["mode"])


def _embedding(L: Lowering, n: Node) -> None:
    L.add("Gather", [L.weight(n, "weight"), n.inputs[0].name], _out(n), n.name, axis=0)


def _slice(L: Lowering, n: Node) -> None:
    a = n.attrs
    big = np.iinfo(np.int64).max
    ends = [e if abs(e) < 2 ** 62 else (big if e > 0 else -big) for e in a["ends"]]
    ins = [n.inputs[0].name]
    for key, vals in (("starts", a["starts"]), ("ends", ends), ("axes", a["axes"]), ("steps", a["steps"])):
        ins.append(L.const(L.fresh(f"{n.name}/{key}"), np.array(vals, dtype=np.int64)))
    if not a["squeeze"]:
        L.add("Slice", ins, _out(n), n.name)
        return
    mid = L.fresh(n.name + "/slice")
    L.add("Slice", ins, [mid], mid)
    axes = L.const(L.fresh(f"{n.name}/squeeze_axes"), np.array(a["squeeze"], dtype=np.int64))
    L.add("Squeeze", [mid, axes], _out(n), n.name)


def _constant(L: Lowering, n: Node) -> None:
    L.const(n.output.name, np.asarray(n.attrs["value"], dtype=NP[n.attrs["dtype"]]))


def _header(name: str, arr: Any) -> bytes:
    """The TensorProto of an initializer (an array, or a Draw) without its data."""
    return proto.tensor_header(name, arr.shape, elem_of(arr.dtype))


def build_skeleton(g: Graph, opset: int = 17, doc: str = "") -> tuple[bytes, list[tuple[str, Any]]]:
    """The serialized ModelProto without initializers, and the initializers as (name, array or Draw) in
    graph order."""
    L = Lowering(g, opset)
    L.lower()
    opsets = [("", opset)] + ([("com.microsoft", 1)] if "com.microsoft" in L.domains else [])
    model = proto.model(_IR_FOR_OPSET.get(opset, 9), ("nncc", __version__), g.name, L.nodes,
                        [value_info(v.name, v.ttype) for v in g.inputs],
                        [value_info(v.name, v.ttype) for v in g.outputs], doc, opsets)
    return model, L.inits


def _array(a: Any) -> np.ndarray:
    """An initializer's values: a Draw (a weight left lazy) is drawn here."""
    return a if isinstance(a, np.ndarray) else a.array()


def serialize(model: bytes, inits: list[tuple[str, Any]]) -> Stream:
    """Serialise with initializers appended on the wire, without copying any weight.

    Protobuf merges repeated occurrences of an embedded message field, so
    `model` + `ModelProto{graph: GraphProto{initializer: [...]}}` parses as one
    model whose graph has those initializers. Building TensorProtos with raw_data
    and serialising would copy every weight three times; here an array's bytes are
    written from where they are, and a lazy weight (a Draw) is drawn block by block as
    the file is written (nncc/output.py Stream), so the weights are never all in memory.
    """
    parts: list[Any] = []
    size = 0
    for name, arr in inits:
        head = _header(name, arr)
        if isinstance(arr, np.ndarray):
            raw: Any = np.ascontiguousarray(arr).reshape(-1).view(np.uint8).data if arr.size else b""
        else:
            raw = arr  # a Draw: nbytes known, values drawn when written
        nbytes = len(raw) if isinstance(raw, bytes) else raw.nbytes
        raw_prefix = length_delimited(9, nbytes)  # TensorProto.raw_data = 9
        tlen = len(head) + len(raw_prefix) + nbytes
        p = length_delimited(5, tlen) + head + raw_prefix  # GraphProto.initializer = 5
        parts += [p, raw]
        size += len(p) + nbytes
    return Stream([model, length_delimited(7, size), *parts])  # ModelProto.graph = 7


_IR_FOR_OPSET = {17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10}


def _externalize(skeleton: bytes, inits: list[tuple[str, Any]], data_name: str,
                 threshold: int) -> tuple[bytes, Stream]:
    """The model with its large initializers moved to one side file, in order, 64-byte aligned
    (deterministic); the side file. (Files of 2 GB and more only: this path uses the onnx package.)"""
    import onnx
    from onnx import TensorProto, numpy_helper

    model = onnx.ModelProto.FromString(skeleton)
    chunks: list[Any] = []
    offset = 0
    for name, arr in inits:
        t = model.graph.initializer.add()
        if arr.nbytes < threshold:
            t.CopyFrom(numpy_helper.from_array(_array(arr), name))
            continue
        t.ParseFromString(_header(name, arr))
        raw = np.ascontiguousarray(arr).reshape(-1).view(np.uint8).data if isinstance(arr, np.ndarray) else arr
        pad = (-offset) % 64
        if pad:
            chunks.append(b"\0" * pad)
            offset += pad
        del t.external_data[:]
        for k, v in (("location", data_name), ("offset", str(offset)), ("length", str(raw.nbytes))):
            e = t.external_data.add()
            e.key, e.value = k, v
        t.data_location = TensorProto.EXTERNAL
        chunks.append(raw)
        offset += raw.nbytes
    return model.SerializeToString(deterministic=True), Stream(chunks)


def emit(g: Graph, ctx: EmitContext) -> dict[str, bytes | Stream]:
    opset = int(ctx.options["opset"])  # 17..21, checked with the options (targets/onnx/__init__.py)
    model, inits = build_skeleton(g, opset, ctx.model.doc)
    name = f"{ctx.stem}.onnx"
    total = sum(a.nbytes for _, a in inits)
    mode = ctx.options["external_data"]
    if mode == "always" or (mode == "auto" and total > TWO_GB - 64 * 1024 * 1024):
        data_name = f"{ctx.stem}.onnx.data"
        main, side = _externalize(model, inits, data_name, int(ctx.options["external_threshold"]))
        return {name: main, data_name: side}
    return {name: serialize(model, inits)}
