"""legalize: the IR is legal for the target: every op is one it can write (run once, before emit).

The driver appends it to every target's pipeline. An op the target cannot write
is E501 at the node's span, naming the op, the target and what it supports. (The
target's lowering table is its capability table: `Target.supports`.)
"""
from __future__ import annotations

from .. import codes
from ..diagnostics import DiagnosticBag
from ..ir import Graph, Node
from ..target import Target
from . import Pass, PassContext, PassResult, register
from .contracts import condition


def _illegal(g: Graph, t: Target | None) -> list[Node]:
    return [] if t is None else [n for n in g.nodes if not t.supports(n.op)]


def check_target_ops(g: Graph, t: Target | None, bag: DiagnosticBag) -> None:
    for n in _illegal(g, t):
        assert t is not None
        bag.error(codes.UNSUPPORTED_OP, f"target `{t.name}` has no equivalent of `{n.op}`", n.span,
                  f"ops `{t.name}` supports: {', '.join(t.supported())}")


def legalize(g: Graph, ctx: PassContext) -> PassResult:
    check_target_ops(g, ctx.target if isinstance(ctx.target, Target) else None, ctx.bag)
    return PassResult(False)


@condition("legal")
def legal(g: Graph, ctx: PassContext) -> str | None:
    bad = _illegal(g, ctx.target if isinstance(ctx.target, Target) else None)
    return f"{bad[0].name} ({bad[0].op}) is not in the target's lowering table" if bad else None


register(Pass("legalize", legalize, requires=("typed",), ensures=("legal",), required=True,
              doc="every op is one the target can write (E501 otherwise); runs once, last, before emit"))
