"""Pass contracts that run: each condition a pass `requires` or `ensures` is a predicate.

A predicate takes the graph and the pass context and returns None when the
condition holds, or a sentence saying where it does not. The pass manager checks
a pass's `requires` before it and its `ensures` after it under `verify_each`
(`--verify-each`, and the tests), raising PreconditionError or
PostconditionError: a broken contract is a compiler bug, not a user error.

Conditions: `typed` and `no-dead-code` here; `laid-out` (nncc/passes/layouts.py)
and `legal` (nncc/passes/legalize.py) next to the passes that establish them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ..ir import Graph, Node, Value

if TYPE_CHECKING:
    from . import PassContext

Predicate = Callable[[Graph, "PassContext"], "str | None"]
CONDITIONS: dict[str, Predicate] = {}


class PreconditionError(Exception):
    pass


class PostconditionError(Exception):
    pass


def condition(name: str) -> Callable[[Predicate], Predicate]:
    def deco(fn: Predicate) -> Predicate:
        CONDITIONS[name] = fn
        return fn
    return deco


def check(names: Iterable[str], g: Graph, ctx: PassContext, *, before: str = "", after: str = "") -> None:
    for name in names:
        problem = CONDITIONS[name](g, ctx)
        if problem is not None:
            if before:
                raise PreconditionError(f"{before} requires `{name}`: {problem}")
            raise PostconditionError(f"{after} should ensure `{name}`: {problem}")


@condition("typed")
def typed(g: Graph, ctx: PassContext) -> str | None:
    return untyped(g)


def untyped(g: Graph) -> str | None:
    """The first value without a full type (dtype and shape), or weight without a static one."""
    for v in g.inputs:
        if v.type is None:
            return f"input {v.name} has no type"
    for n in g.nodes:
        for w in n.weights.values():
            if w.type is None or not w.type.is_static:
                return f"weight {w.name} has no static type"
        for v in n.outputs:
            if v.type is None:
                return f"{v.name} has no type"
    return None


def roots(g: Graph, mode: str) -> list[Value]:
    """What a compiled graph must compute: its outputs, and when training its losses and metrics."""
    out: list[Value] = list(g.outputs)
    if mode == "training":
        for n in [*g.losses, *g.metrics.values()]:
            out.extend(n.outputs)
    return out


def live_nodes(g: Graph, mode: str) -> set[Node]:
    """The nodes some root needs (one walk up the producers: O(nodes + uses))."""
    live: set[Node] = set()
    stack = [v.producer for v in roots(g, mode) if v.producer is not None]
    while stack:
        n = stack.pop()
        if n in live or n.graph is not g:
            continue
        live.add(n)
        stack.extend(v.producer for v in n.inputs if v.producer is not None)
    return live


@condition("no-dead-code")
def no_dead_code(g: Graph, ctx: PassContext) -> str | None:
    """Every node is needed by a root, and every graph input is read or is itself a root."""
    live = live_nodes(g, ctx.mode)
    for n in g.nodes:
        if n not in live:
            return f"{n.name} ({n.op}) computes nothing that is needed"
    needed = set(map(id, roots(g, ctx.mode)))
    for v in g.inputs:
        if not v.users and id(v) not in needed:
            return f"input {v.name} is not used"
    return None
