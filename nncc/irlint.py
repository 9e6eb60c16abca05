"""`Graph.lint()`: the IR's structural invariants, checked in one O(nodes + uses) walk.

* the node list is consistent (links, membership, count);
* node names are unique, and so are value names;
* every input of a node is defined before it (a graph input, or an output of an
  earlier node that is still in the graph): topological order;
* every output points back at its producer, at its index;
* use-lists are exact: a node is among the users of each value it reads, and every
  recorded user is in the graph and reads the value;
* graph inputs have no producer, graph outputs are defined, the output index agrees.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ir import Graph, Node, Value


def lint(g: Graph) -> None:
    from .ir import IRError

    pos = _walk(g)
    inputs = {id(v) for v in g._inputs}
    values: set[str] = set()
    for v in g._inputs:
        if v.producer is not None:
            raise IRError(f"graph input {v.name} has a producer ({v.producer.name})")
        _name(v, values)
    names: set[str] = set()
    for i, n in enumerate(g.nodes):
        if n.name in names:
            raise IRError(f"duplicate node name {n.name}")
        names.add(n.name)
        for v in n.inputs:
            _defined(g, v, i, pos, inputs, f"{n.name} reads {v.name}")
            if n not in v.users:
                raise IRError(f"use-list of {v.name} misses its user {n.name}")
        for k, v in enumerate(n.outputs):
            if v.producer is not n or v.index != k:
                raise IRError(f"{v.name} does not point back at its producer {n.name} (output {k})")
            _name(v, values)
    for v in [*g._inputs, *(o for n in g.nodes for o in n.outputs)]:
        _users_exact(g, v)
    count: dict[int, int] = {}
    for v in g._outputs:
        _defined(g, v, len(pos), pos, inputs, f"graph output {v.name}")
        count[id(v)] = count.get(id(v), 0) + 1
    if count != {id(v): k for v, k in g._out_count.items()}:
        raise IRError("the graph's output index disagrees with its outputs")


def _walk(g: Graph) -> dict[int, int]:
    from .ir import IRError

    pos: dict[int, int] = {}
    root = g._root
    n = root._next
    while n is not root:
        if n.graph is not g or n._next._prev is not n:
            raise IRError(f"the node list is broken at {n.name}")
        if id(n) in pos:
            raise IRError(f"{n.name} is in the node list twice")
        pos[id(n)] = len(pos)
        n = n._next
    if len(pos) != g._len:
        raise IRError(f"the graph counts {g._len} nodes but holds {len(pos)}")
    return pos


def _name(v: Value, seen: set[str]) -> None:
    from .ir import IRError

    if v.name in seen:
        raise IRError(f"duplicate value name {v.name}")
    seen.add(v.name)


def _defined(g: Graph, v: Value, at: int, pos: dict[int, int], inputs: set[int], what: str) -> None:
    from .ir import IRError

    p: Node | None = v.producer
    if p is None:
        if id(v) not in inputs:
            raise IRError(f"{what}, which nothing defines")
    elif p.graph is not g:
        raise IRError(f"{what}, whose producer {p.name} is not in the graph (dangling value)")
    elif pos[id(p)] >= at:
        raise IRError(f"{what} before {p.name} defines it (not in topological order)")


def _users_exact(g: Graph, v: Value) -> None:
    from .ir import IRError

    for u in v.users:
        if u.graph is not g or not any(x is v for x in u.inputs):
            raise IRError(f"use-list of {v.name} names {u.name}, which does not read it")
