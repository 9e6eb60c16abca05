"""The IR verifier (like LLVM's): run after every pass with --verify-each.

It checks the IR's structural invariants (`Graph.lint()`: order, use-lists,
definitions, producers, names) and that every value is typed (the `typed`
condition): what every pass after infer-shapes must leave behind.
"""
from __future__ import annotations

from ..ir import Graph, IRError
from .contracts import untyped


class VerifyError(Exception):
    pass


def verify(g: Graph, after: str = "") -> None:
    where = f" after {after}" if after else ""
    try:
        g.lint()
    except IRError as e:
        raise VerifyError(f"{e}{where}") from None
    problem = untyped(g)
    if problem is not None:
        raise VerifyError(f"{problem}{where}")
