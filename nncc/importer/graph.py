"""Read an ONNX model into a small graph for the importer, with its shape arithmetic folded.

Exporters compute shapes at run time where the batch is dynamic (torch's `x.view(x.size(0), -1)`
becomes Shape → Gather → Unsqueeze → Concat → Reshape). Every value here is either a run-time
tensor or a constant; a constant may hold symbolic dims (`Sym`), so such chains fold to a constant
shape such as [N, -1] and the Reshape that reads it becomes `reshape([0, -1])`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .. import codes
from ..diagnostics import CompileError, Diagnostic

MIN_OPSET = 13


@dataclass(frozen=True)
class Sym:
    """A symbolic dimension (the dynamic batch) inside a folded shape, or arithmetic on one (`N*4`).

    numpy's object arrays apply these operators element by element, so shape arithmetic such as
    torch's `bsz * num_heads` folds too; what it computes is only ever written as reshape's -1.
    """
    name: str

    def __repr__(self) -> str:
        return self.name

    def _op(self, sym: str, other: object, left: bool = False) -> "Sym":
        o = other.name if isinstance(other, Sym) else str(other)
        return Sym(f"({o}{sym}{self.name})" if left else f"({self.name}{sym}{o})")

    def __add__(self, o: object) -> "Sym":
        return self._op("+", o)

    def __radd__(self, o: object) -> "Sym":
        return self._op("+", o, True)

    def __sub__(self, o: object) -> "Sym":
        return self._op("-", o)

    def __rsub__(self, o: object) -> "Sym":
        return self._op("-", o, True)

    def __mul__(self, o: object) -> "Sym":
        return self._op("*", o)

    def __rmul__(self, o: object) -> "Sym":
        return self._op("*", o, True)

    def __floordiv__(self, o: object) -> "Sym":
        return self._op("//", o)

    def __rfloordiv__(self, o: object) -> "Sym":
        return self._op("//", o, True)

    def __mod__(self, o: object) -> "Sym":
        return self._op("%", o)

    def __rmod__(self, o: object) -> "Sym":
        return self._op("%", o, True)


Dim = int | str  # an int, or a symbolic dim's name as the model file writes it


@dataclass
class ONode:
    index: int          # position in the ONNX graph, for diagnostics
    name: str
    op: str
    inputs: list[str]   # "" for an omitted optional input
    outputs: list[str]
    attrs: dict[str, Any]

    @property
    def where(self) -> str:
        return f"node #{self.index}" + (f" `{self.name}`" if self.name else "")


@dataclass
class OGraph:
    name: str
    opset: int
    inputs: dict[str, tuple[str, tuple[Dim, ...]]]  # name -> (nncc dtype, shape)
    outputs: list[str]
    nodes: list[ONode]
    consts: dict[str, np.ndarray]                    # initializers, Constant nodes and folded values
    shapes: dict[str, tuple[Dim, ...]] = field(default_factory=dict)  # inferred shapes of run-time values
    initializers: set[str] = field(default_factory=set)

    def users(self) -> dict[str, list[ONode]]:
        u: dict[str, list[ONode]] = {}
        for n in self.nodes:
            for i in n.inputs:
                if i:
                    u.setdefault(i, []).append(n)
        return u


ELEM_DTYPE = {onnx.TensorProto.FLOAT: "f32", onnx.TensorProto.DOUBLE: "f64", onnx.TensorProto.FLOAT16: "f16",
              onnx.TensorProto.BFLOAT16: "bf16", onnx.TensorProto.INT64: "i64", onnx.TensorProto.INT32: "i32",
              onnx.TensorProto.INT8: "i8", onnx.TensorProto.BOOL: "bool"}


def bad_file(path: str, msg: str, help: str | None = None) -> CompileError:
    return CompileError([Diagnostic(codes.BAD_IMPORT, f"{path}: {msg}", None, help)])


def _dims(t: onnx.TypeProto, batch: dict[str, str]) -> tuple[Dim, ...] | None:
    if not t.HasField("tensor_type") or not t.tensor_type.HasField("shape"):
        return None
    out: list[Dim] = []
    for d in t.tensor_type.shape.dim:
        if d.HasField("dim_value"):
            out.append(int(d.dim_value))
        else:
            key = d.dim_param or "?"
            out.append(batch.setdefault(key, "N" if not batch else f"D{len(batch)}"))
    return tuple(out)


def load(path: str) -> OGraph:
    """Read, check and shape-infer `path`; fold constants and shape arithmetic."""
    try:
        model = onnx.load(path)
    except Exception as e:  # onnx raises DecodeError, OSError, ValueError...
        raise bad_file(path, f"not a readable ONNX model ({type(e).__name__}: {e})") from None
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if opset < MIN_OPSET:
        raise bad_file(path, f"opset {opset}; nncc import reads opset {MIN_OPSET} and later",
                       "export again with opset_version=17 (torch.onnx.export) or convert with "
                       "onnx.version_converter")
    try:
        model = onnx.shape_inference.infer_shapes(model)
    except Exception as e:
        raise bad_file(path, f"ONNX shape inference failed: {e}") from None
    og = _read(path, model, opset)
    fold(og)
    return og


def _read(path: str, model: onnx.ModelProto, opset: int) -> OGraph:
    g = model.graph
    batch: dict[str, str] = {}
    consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    inputs: dict[str, tuple[str, tuple[Dim, ...]]] = {}
    for v in g.input:
        if v.name in consts:
            continue
        shape = _dims(v.type, batch)
        if shape is None:
            raise bad_file(path, f"input `{v.name}` has no shape")
        elem = v.type.tensor_type.elem_type
        if elem not in ELEM_DTYPE:
            raise bad_file(path, f"input `{v.name}` has an element type nncc lacks ({elem})")
        inputs[v.name] = (ELEM_DTYPE[elem], shape)
    shapes: dict[str, tuple[Dim, ...]] = {k: s for k, (_, s) in inputs.items()}
    for v in list(g.value_info) + list(g.output):
        s = _dims(v.type, batch)
        if s is not None:
            shapes[v.name] = s
    nodes = []
    for i, n in enumerate(g.node):
        if n.domain not in ("", "ai.onnx"):
            nodes.append(ONode(i, n.name, f"{n.domain}.{n.op_type}", list(n.input), list(n.output), {}))
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        if "value" in attrs and isinstance(attrs["value"], onnx.TensorProto):
            attrs["value"] = numpy_helper.to_array(attrs["value"])
        nodes.append(ONode(i, n.name, n.op_type, list(n.input), list(n.output), attrs))
    return OGraph(g.name or "model", opset, inputs, [o.name for o in g.output], nodes, consts, shapes,
                  set(consts))


def pin_shape(have: tuple[Dim, ...] | None, want: list) -> list[int] | None:
    """A folded shape (ints and symbols) as Reshape's ints: a symbol is the input's dim there (0), or -1."""
    out: list[int] = []
    for i, d in enumerate(want):
        if isinstance(d, Sym):
            out.append(0 if have is not None and i < len(have) and have[i] == d.name else -1)
        else:
            out.append(int(d))
    return out if out.count(-1) <= 1 else None


# ---------------------------------------------------------------- folding

def _ints(a: Any) -> list[int]:
    return [int(x) for x in np.asarray(a).reshape(-1)]


def _shape_of(og: OGraph, name: str) -> np.ndarray | None:
    s = og.shapes.get(name)
    if s is None:
        return None
    return np.array([Sym(d) if isinstance(d, str) else d for d in s], dtype=object)


def _plain(a: object) -> np.ndarray:
    """An object array without symbols back to int64 (a bare element back to a 0-d array)."""
    if not isinstance(a, np.ndarray):
        a = np.array(a, dtype=object if isinstance(a, Sym) else None)
    if a.dtype == object and not any(isinstance(x, Sym) for x in a.reshape(-1)):
        return a.astype(np.int64)
    return a


def _eval(og: OGraph, n: ONode, xs: list[Any]) -> list[Any] | None:
    """The node's outputs when computable now (constants in, or a Shape of a known shape); else None."""
    op, a = n.op, n.attrs
    if op == "Constant":
        if "value" in a:
            return [np.asarray(a["value"])]
        for k, dt in (("value_float", np.float32), ("value_int", np.int64), ("value_floats", np.float32),
                      ("value_ints", np.int64)):
            if k in a:
                return [np.asarray(a[k], dtype=dt)]
        return None
    if op == "Shape":
        s = _shape_of(og, n.inputs[0]) if xs[0] is None else np.array(xs[0].shape, dtype=np.int64)
        if s is None:
            return None
        return [_plain(s[a.get("start", 0):a.get("end", len(s))])]
    if any(x is None for x, name in zip(xs, n.inputs) if name):
        return None
    if op == "Identity":
        return [xs[0]]
    if op == "Gather":
        return [_plain(np.take(xs[0], np.asarray(xs[1]).astype(np.int64), axis=a.get("axis", 0)))]
    if op == "Unsqueeze":
        r = xs[0]
        axes = _ints(xs[1]) if len(xs) > 1 else list(a.get("axes", []))
        for ax in sorted(x % (np.ndim(r) + len(axes)) for x in axes):
            r = np.expand_dims(r, ax)
        return [r]
    if op == "Squeeze":
        sq: Any = _ints(xs[1]) if len(xs) > 1 and xs[1] is not None else a.get("axes")
        return [np.squeeze(xs[0], axis=tuple(sq) if sq else None)]
    if op == "Concat":
        return [_plain(np.concatenate([np.asarray(x).reshape(-1) if np.ndim(x) == 0 else x for x in xs],
                                      axis=a.get("axis", 0)))]
    if op == "Cast":
        x = xs[0]
        assert x is not None
        if x.dtype == object:
            return [x]
        return [x.astype(helper.tensor_dtype_to_np_dtype(a["to"]))]
    if op == "Reshape":
        return [np.reshape(xs[0], _ints(xs[1]))]
    if op == "ConstantOfShape":
        v = a.get("value")
        fill = np.asarray(v).reshape(-1)[0] if v is not None else np.float32(0)
        return [np.full(_ints(xs[0]), fill, dtype=np.asarray(fill).dtype)]
    if op == "Range":
        return [np.arange(xs[0], xs[1], xs[2])]
    if op == "Slice":
        x = xs[0]
        assert x is not None
        starts, ends = _ints(xs[1]), _ints(xs[2])
        axes = _ints(xs[3]) if len(xs) > 3 and xs[3] is not None else list(range(len(starts)))
        steps = _ints(xs[4]) if len(xs) > 4 and xs[4] is not None else [1] * len(starts)
        idx = [slice(None)] * x.ndim
        for lo_, hi_, dim, st in zip(starts, ends, axes, steps):
            idx[dim] = slice(lo_, hi_, st)
        return [x[tuple(idx)]]
    binary = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide, "Mod": np.mod}
    if op in binary:
        x, y = xs[0], xs[1]
        if x.dtype == object or y.dtype == object:  # shape arithmetic with a symbolic dim
            if op == "Div":
                return [_plain(np.floor_divide(x, y))]
            return [_plain(binary[op](x, y))]
        if op in ("Div", "Mod") and np.issubdtype(x.dtype, np.integer):
            return [x // y if op == "Div" else x % y]
        return [binary[op](x, y).astype(np.result_type(x, y))]
    if op == "Equal" and x_plain(xs):
        return [np.equal(xs[0], xs[1])]
    if op == "Sqrt" and x_plain(xs):
        return [np.sqrt(xs[0])]
    if op == "Transpose":
        return [np.transpose(xs[0], a.get("perm"))]
    if op == "Where":
        return [np.where(*xs)]
    if op == "Expand":
        x = xs[0]
        assert x is not None
        return [x * np.ones(_ints(xs[1]), dtype=x.dtype)]
    return None


def x_plain(xs: list[Any]) -> bool:
    """Every input is a constant without symbols."""
    return all(x is not None and x.dtype != object for x in xs)


def fold(og: OGraph) -> None:
    """Replace every node computable now by constants, in one pass in graph order."""
    keep: list[ONode] = []
    for n in og.nodes:
        xs = [og.consts.get(i) if i else None for i in n.inputs]
        try:
            r = _eval(og, n, xs)
        except (ValueError, IndexError, TypeError):
            r = None
        if r is None:
            keep.append(n)
            continue
        for name, v in zip(n.outputs, r):
            og.consts[name] = np.asarray(v)
    og.nodes = keep
