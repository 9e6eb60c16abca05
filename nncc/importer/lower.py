"""ONNX nodes → calls of the language's ops, one `Call` per layer.

A table maps each ONNX op to a function that reads the node (and, for the idioms of torch's
exporter, its neighbours: MatMul + Add is a linear layer, the Erf form of GELU is one gelu) and
returns a Call. Ops whose nncc counterpart another module may register (relu6, clip, exp, …)
are mapped only when the op registry has them: the registry is asked, never assumed.
Every ONNX node becomes part of a Call or is reported as unsupported (`Unsupported`); none is
dropped silently (Dropout and Identity become aliases of their input, which is what they compute).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .. import ops as ops_mod
from .graph import OGraph, ONode


@dataclass
class Call:
    op: str                   # an nncc op name, or "+ - * /" for tensor arithmetic, "[]" for indexing
    inputs: list[str]         # run-time tensor inputs (ONNX value names), in the op's order
    outputs: list[str]
    nodes: list[ONode]        # the ONNX nodes it stands for
    args: list[Any] = field(default_factory=list)        # positional attributes after the tensors
    kwargs: dict[str, Any] = field(default_factory=dict)
    weights: list[np.ndarray] = field(default_factory=list)  # in the op's weight order
    scalar: float | None = None   # `x * 0.5`: the number, with `scalar_left` for `0.5 - x`
    scalar_left: bool = False
    index: str = ""               # the text inside `x[…]`

    @property
    def binary(self) -> bool:
        return self.op in ("+", "-", "*", "/")


class Unsupported(Exception):
    """The node (or this form of it) has no equivalent in the language; `what` says which form."""

    def __init__(self, what: str = ""):
        super().__init__(what)
        self.what = what


def registered(*names: str) -> str | None:
    """The first of `names` the op registry has (ops other modules may add)."""
    for n in names:
        if ops_mod.lookup(n) is not None and not ops_mod.REGISTRY[ops_mod.ALIASES.get(n, n)].hidden:
            return n
    return None


def takes(op: str, *params: str) -> bool:
    o = ops_mod.lookup(op)
    return o is not None and all(any(p.name == q for p in o.params) for q in params)


class Lowering:
    """Walks the folded graph in order; `calls` in graph order, `unsupported` per node."""

    def __init__(self, og: OGraph):
        self.g = og
        self.users = og.users()
        self.producer = {o: n for n in og.nodes for o in n.outputs}
        self.done: set[int] = set()
        self.alias: dict[str, str] = {}
        self.calls: list[Call] = []
        self.unsupported: list[tuple[ONode, str]] = []
        self.helpers: dict[str, list[str]] = {}  # blocks the calls use in place of ops the registry lacks

    # ---------------------------------------------------------------- helpers
    def const(self, name: str) -> np.ndarray | None:
        return self.g.consts.get(name) if name else None

    def real(self, name: str) -> str:
        while name in self.alias:
            name = self.alias[name]
        return name

    def only_user(self, value: str) -> ONode | None:
        us = self.users.get(value, [])
        if len(us) != 1 or value in self.g.outputs:
            return None
        return us[0]

    def shape(self, name: str) -> tuple | None:
        return self.g.shapes.get(self.real(name)) or self.g.shapes.get(name)

    def run(self) -> None:
        found: dict[int, Call] = {}  # idioms that start before their anchor (the Erf of GELU), by first node
        for n in self.g.nodes:
            if n.op in IDIOMS and n.index not in self.done:
                g = IDIOMS[n.op](self, n)
                if g is not None:
                    found[g.nodes[0].index] = g
                    self.done.update(x.index for x in g.nodes)
        for n in self.g.nodes:
            c: Call | None
            if n.index in found:
                c = found[n.index]
            elif n.index in self.done:
                continue
            else:
                fn = TABLE.get(n.op)
                try:
                    if fn is None:
                        raise Unsupported()
                    c = fn(self, n)
                except Unsupported as e:
                    self.unsupported.append((n, e.what))
                    continue
            if c is None:
                continue
            c.inputs = [self.real(i) for i in c.inputs]
            self.done.update(x.index for x in c.nodes)
            self.calls.append(c)


Rule = Callable[[Lowering, ONode], Call | None]
TABLE: dict[str, Rule] = {}
# idioms found before the walk, by the op of the node they are anchored on: they may start before it
IDIOMS: dict[str, Callable[[Lowering, ONode], Call | None]] = {}


def rule(*onnx_ops: str) -> Callable[[Rule], Rule]:
    def deco(fn: Rule) -> Rule:
        for o in onnx_ops:
            TABLE[o] = fn
        return fn
    return deco


def runtime(lo: Lowering, n: ONode, i: int = 0) -> str:
    """The node's i-th input, which must be computed at run time (not a constant)."""
    name = n.inputs[i] if i < len(n.inputs) else ""
    if not name or lo.const(name) is not None:
        raise Unsupported("with a constant where a tensor is computed")
    return name


def one(v: list[int]) -> int | list[int]:
    """One number for equal values per dim, the list otherwise."""
    return int(v[0]) if len(set(v)) == 1 else [int(x) for x in v]


from . import rules_layers, rules_structure  # noqa: E402,F401  (register the rules; they import the above)
