"""dce: remove nodes and inputs that no root (output, or loss/metric for training) needs."""
from __future__ import annotations

from ..ir import Graph
from . import Pass, PassContext, PassResult, changed, register
from .contracts import live_nodes, roots


def dce(g: Graph, ctx: PassContext) -> PassResult:
    live = live_nodes(g, ctx.mode)
    removed = 0
    for n in reversed(g.nodes):  # users before producers: each dead node has no users left when erased
        if n not in live:
            g.erase(n)
            removed += 1
    needed = set(map(id, roots(g, ctx.mode)))
    for v in g.inputs:
        if not v.users and id(v) not in needed:
            g.remove_input(v)
            removed += 1
    return changed(removed)


register(Pass("dce", dce, requires=("typed",), ensures=("typed", "no-dead-code"),
              doc="drops nodes and inputs that no output (or, when training, no loss or metric) needs"))
