"""validate: target-independent checks that need the typed graph."""
from __future__ import annotations

from .. import codes
from ..ir import Graph
from . import Pass, PassContext, PassResult, register


def validate(g: Graph, ctx: PassContext) -> PassResult:
    for v in g.outputs:
        if v.type is not None and v.type.rank == 0 and v.producer is not None and v.producer.kind != "layer":
            ctx.bag.error(codes.BAD_OUTPUT, f"output `{v.name}` is a {v.producer.kind}; list it under train instead", v.span)
    for n in g.nodes:
        for v in n.outputs:
            if v.type is None:
                continue
            for d in v.type.shape:
                if isinstance(d, int) and d <= 0:
                    ctx.bag.error(codes.BAD_VALUE, f"{n.op} produces an empty dimension: {v.type}", n.span)
                    break
    return PassResult(False)


register(Pass("validate", validate, requires=("typed",), ensures=("typed",), required=True,
              doc="target-independent checks on the typed graph"))
