"""dce: remove nodes and inputs that no root (output, or loss/metric for training) needs."""
from __future__ import annotations

from ..ir import Graph, Value
from . import Pass, PassContext, fired, register


def dce(g: Graph, ctx: PassContext) -> bool:
    roots: list[Value] = list(g.outputs)
    if ctx.mode == "training":
        for n in g.losses:
            roots.extend(n.outputs)
        for n in g.metrics.values():
            roots.extend(n.outputs)
    live: set[int] = set()
    stack = [v.producer for v in roots if v.producer is not None]
    while stack:
        n = stack.pop()
        if id(n) in live:
            continue
        live.add(id(n))
        stack.extend(v.producer for v in n.inputs if v.producer is not None)
    before = len(g.nodes)
    g.nodes = [n for n in g.nodes if id(n) in live]
    used = {id(v) for n in g.nodes for v in n.inputs} | {id(v) for v in roots}
    n_in = len(g.inputs)
    g.inputs = [v for v in g.inputs if id(v) in used]
    removed = before - len(g.nodes) + n_in - len(g.inputs)
    if removed:
        fired(ctx, "dce", removed)
    return removed > 0


register(Pass("dce", dce, requires=("typed",), ensures=("no-dead-code",),
              doc="drops nodes and inputs that no output (or, when training, no loss or metric) needs"))
