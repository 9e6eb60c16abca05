"""The IR verifier (like LLVM's): run after every pass with --verify-each."""
from __future__ import annotations

from ..ir import Graph


class VerifyError(Exception):
    pass


def verify(g: Graph, after: str = "") -> None:
    where = f" after {after}" if after else ""
    defined: set[int] = {id(v) for v in g.inputs}
    names: set[str] = set()
    for n in g.nodes:
        if n.name in names:
            raise VerifyError(f"duplicate node name {n.name}{where}")
        names.add(n.name)
        for v in n.inputs:
            if id(v) not in defined:
                raise VerifyError(f"{n.name} uses {v.name} before it is defined (dangling value){where}")
            if v.type is None:
                raise VerifyError(f"{n.name} input {v.name} has no type{where}")
        for w in n.weights.values():
            if w.type is None or not w.type.is_static:
                raise VerifyError(f"weight {w.name} has no static type{where}")
        for v in n.outputs:
            if v.producer is not n:
                raise VerifyError(f"{v.name} does not point back at its producer {n.name}{where}")
            if v.type is None:
                raise VerifyError(f"{v.name} has no type{where}")
            defined.add(id(v))
    for v in g.outputs:
        if id(v) not in defined:
            raise VerifyError(f"output {v.name} is not produced by the graph{where}")
