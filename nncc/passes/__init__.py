"""Passes over the IR, and the manager that runs them (onnx-ir's PassBase shape).

A pass has a name, what it `requires` of the IR and what it `ensures`, and returns
whether it `modified` the graph. The manager can print the IR after a pass,
disable passes by name, verify the IR after every pass, and time each pass.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from ..diagnostics import DiagnosticBag
from ..ir import Graph


@dataclass
class PassContext:
    """What a pass may look at besides the graph: the target, options, where to report."""

    bag: DiagnosticBag
    target: object | None = None
    options: dict = field(default_factory=dict)
    mode: str = "inference"  # inference | training
    opt_level: int = 1


@dataclass
class Pass:
    name: str
    run: Callable[[Graph, PassContext], bool]
    requires: tuple[str, ...] = ()
    ensures: tuple[str, ...] = ()
    doc: str = ""
    required: bool = False  # cannot be disabled


@dataclass
class PassStat:
    name: str
    modified: bool
    seconds: float
    fired: int = 0


PASSES: dict[str, Pass] = {}


def register(p: Pass) -> Pass:
    PASSES[p.name] = p
    return p


class PassManager:
    def __init__(self, names: list[str], *, disabled: set[str] | None = None, print_after: set[str] | None = None,
                 print_after_all: bool = False, verify_each: bool = False,
                 printer: Callable[[str], None] | None = None):
        self.names = names
        self.disabled = disabled or set()
        self.print_after = print_after or set()
        self.print_after_all = print_after_all
        self.verify_each = verify_each
        self.printer = printer or (lambda s: None)
        self.stats: list[PassStat] = []

    def run(self, g: Graph, ctx: PassContext) -> Graph:
        from ..printer import print_graph
        from .verify import verify

        state: set[str] = set()
        for name in self.names:
            p = PASSES[name]
            if name in self.disabled and not p.required:
                continue
            t0 = time.perf_counter()
            fired_before = ctx.options.get("_fired", {}).get(name, 0)
            modified = p.run(g, ctx)
            dt = time.perf_counter() - t0
            fired = ctx.options.get("_fired", {}).get(name, 0) - fired_before
            self.stats.append(PassStat(name, bool(modified), dt, fired))
            ctx.bag.raise_if_errors()
            state.update(p.ensures)
            if self.verify_each:
                verify(g, after=name)
            if self.print_after_all or name in self.print_after:
                self.printer(f"; IR after {name}\n{print_graph(g)}")
        return g


def fired(ctx: PassContext, name: str, n: int = 1) -> None:
    """Count rewrites for --pass-stats."""
    d = ctx.options.setdefault("_fired", {})
    d[name] = d.get(name, 0) + n


def _load() -> None:
    from . import dce, infer_shapes, validate  # noqa: F401  (registration)
    from . import fuse, layouts  # noqa: F401  (registration)
    from . import fold  # noqa: F401  (registration: fold-constants, cse, optimisation patterns)


_load()
