"""ONNX rules for the activations built from bounds and products (clip, hard*, silu, mish, softplus),
named from the lowering table as `elementwise.<rule>`."""
from __future__ import annotations

from nncc.ir import Node

from .emit import Lowering, _out, _scalar, _x


def _clip(L: Lowering, n: Node) -> None:
    """clip, hardtanh and relu6 (their IR holds `low` and `high`); an absent bound is an absent input."""
    ins = [n.inputs[0].name]
    for tag in ("low", "high"):
        v = n.attrs[tag]
        ins.append("" if v is None else _scalar(L, n, tag, v))
    while ins[-1] == "":
        ins.pop()
    L.add("Clip", ins, _out(n), n.name)


def _hardsigmoid(L: Lowering, n: Node) -> None:
    L.add("HardSigmoid", _x(n), _out(n), n.name, alpha=1.0 / 6.0, beta=0.5)


def _times(L: Lowering, n: Node, op: str, **attrs) -> None:
    """x · op(x): silu (Sigmoid), and the chain of mish before opset 18 (Softplus, Tanh)."""
    x = n.inputs[0].name
    steps = [op] if op != "Mish" else ["Softplus", "Tanh"]
    prev = x
    for s in steps:
        out = L.fresh(f"{n.name}/{s.lower()}")
        L.add(s, [prev], [out], out, **attrs)
        prev = out
    L.add("Mul", [x, prev], _out(n), n.name)


def _silu(L: Lowering, n: Node) -> None:
    _times(L, n, "Sigmoid")


def _mish(L: Lowering, n: Node) -> None:
    if L.opset >= 18:
        L.add("Mish", _x(n), _out(n), n.name)
        return
    _times(L, n, "Mish")


def _not_equal(L: Lowering, n: Node) -> None:
    eq = L.fresh(f"{n.name}/equal")
    L.add("Equal", _x(n), [eq], eq)
    L.add("Not", [eq], _out(n), n.name)
