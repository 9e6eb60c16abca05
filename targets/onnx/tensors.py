"""ONNX rules for reductions, dims and indexing, learned tensors and matmul's transposes, named from the
lowering table as `tensors.<rule>`."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nncc.ir import Node

from .emit import Lowering, _out, _x


def _ints(L: Lowering, n: Node, tag: str, values) -> str:
    return L.const(L.fresh(f"{n.name}/{tag}"), np.array(list(values), dtype=np.int64))


def _reduce(op: str) -> Callable[[Lowering, Node], None]:
    """ReduceSum takes its axes as an input from opset 13, the others from opset 18 (an attribute before)."""
    def f(L: Lowering, n: Node) -> None:
        axes, keep = list(n.attrs["axes"]), int(n.attrs["keepdims"])
        if op == "ReduceSum" or L.opset >= 18:
            L.add(op, [n.inputs[0].name, _ints(L, n, "axes", axes)], _out(n), n.name, keepdims=keep)
        else:
            L.add(op, _x(n), _out(n), n.name, axes=axes, keepdims=keep)
    return f


def _argmax(L: Lowering, n: Node) -> None:
    L.add("ArgMax", _x(n), _out(n), n.name, axis=n.attrs["axis"], keepdims=int(n.attrs["keepdims"]))


def _squeeze(L: Lowering, n: Node) -> None:
    if not n.attrs["axes"]:
        L.add("Identity", _x(n), _out(n), n.name)
        return
    L.add("Squeeze", [n.inputs[0].name, _ints(L, n, "axes", n.attrs["axes"])], _out(n), n.name)


def _unsqueeze(L: Lowering, n: Node) -> None:
    L.add("Unsqueeze", [n.inputs[0].name, _ints(L, n, "axes", n.attrs["axes"])], _out(n), n.name)


def _expand(L: Lowering, n: Node) -> None:
    """ONNX Expand broadcasts both ways, so a kept dim (-1) is a 1 in its shape."""
    shape = [1 if d == -1 else d for d in n.attrs["shape"]]
    L.add("Expand", [n.inputs[0].name, _ints(L, n, "shape", shape)], _out(n), n.name)


def _stack(L: Lowering, n: Node) -> None:
    axes = _ints(L, n, "axes", [n.attrs["axis"]])
    parts = []
    for i, v in enumerate(n.inputs):
        u = L.fresh(f"{n.name}/unsqueezed_{i}")
        L.add("Unsqueeze", [v.name, axes], [u], u)
        parts.append(u)
    L.add("Concat", parts, _out(n), n.name, axis=n.attrs["axis"])


def _gather(L: Lowering, n: Node) -> None:
    L.add("Gather", _x(n), _out(n), n.name, axis=n.attrs["axis"])


def _one_hot(L: Lowering, n: Node) -> None:
    depth = _ints(L, n, "depth", [n.attrs["classes"]])
    values = L.const(L.fresh(f"{n.name}/values"), np.array([0.0, 1.0], dtype=np.float32))
    L.add("OneHot", [n.inputs[0].name, depth, values], _out(n), n.name, axis=-1)


def _param(L: Lowering, n: Node) -> None:
    L.add("Identity", [L.weight(n, "weight")], _out(n), n.name)


def _matmul(L: Lowering, n: Node) -> None:
    ins = []
    for v, flag in zip(n.inputs, ("transpose_a", "transpose_b")):
        if not n.attrs.get(flag):
            ins.append(v.name)
            continue
        r = v.ttype.rank
        t = L.fresh(f"{n.name}/{flag.rpartition('_')[2]}_transposed")
        L.add("Transpose", [v.name], [t], t, perm=[*range(r - 2), r - 1, r - 2])
        ins.append(t)
    L.add("MatMul", ins, _out(n), n.name)
