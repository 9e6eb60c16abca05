"""Passes over the IR, and the manager that runs them (onnx-ir's pass infrastructure).

A pass has a name, the conditions it `requires` of the IR and those it `ensures`
(names of executable predicates in `nncc/passes/contracts.py`), and returns a
`PassResult`: whether it modified the graph and how many rewrites it made. The
manager can print the IR after a pass, disable passes by name, time each pass,
and under `verify_each` check every pass's contract: its requirements before it
runs (PreconditionError), then the IR's invariants (`verify`) and what it
ensures (PostconditionError). Passes change a graph only through the IR's edit
API (`nncc/ir.py`).
"""
from __future__ import annotations

import time
from collections.abc import Callable

from ..diagnostics import DiagnosticBag
from ..ir import Graph
from ..record import FrozenRecord, Record


class PassContext(Record):
    """What a pass may look at besides the graph: the target, options, where to report."""

    bag: DiagnosticBag
    target: object | None
    options: dict
    mode: str  # inference | training
    opt_level: int
    memo: dict  # caches that hold while one pass runs (cleared before each)
    __slots__ = ("bag", "target", "options", "mode", "opt_level", "memo")

    def __init__(self, bag: DiagnosticBag, target: object | None = None, options: dict | None = None,
                 mode: str = "inference", opt_level: int = 1, memo: dict | None = None) -> None:
        self.bag = bag
        self.target = target
        self.options = {} if options is None else options
        self.mode = mode
        self.opt_level = opt_level
        self.memo = {} if memo is None else memo


class PassResult(FrozenRecord):
    modified: bool
    rewrites: int  # what --pass-stats shows: nodes removed, patterns rewritten, conversions inserted
    __slots__ = ("modified", "rewrites")

    def __init__(self, modified: bool, rewrites: int = 0) -> None:
        self.modified = modified
        self.rewrites = rewrites


class Pass(Record):
    name: str
    run: Callable[[Graph, PassContext], PassResult]
    requires: tuple[str, ...]  # condition names (contracts.CONDITIONS), checked before it under verify_each
    ensures: tuple[str, ...]  # condition names, checked after it under verify_each
    doc: str
    required: bool  # cannot be disabled
    __slots__ = ("name", "run", "requires", "ensures", "doc", "required")

    def __init__(self, name: str, run: Callable[[Graph, PassContext], PassResult], requires: tuple[str, ...] = (),
                 ensures: tuple[str, ...] = (), doc: str = "", required: bool = False) -> None:
        self.name = name
        self.run = run
        self.requires = requires
        self.ensures = ensures
        self.doc = doc
        self.required = required


class PassStat(Record):
    name: str
    modified: bool
    seconds: float
    fired: int
    __slots__ = ("name", "modified", "seconds", "fired")

    def __init__(self, name: str, modified: bool, seconds: float, fired: int = 0) -> None:
        self.name = name
        self.modified = modified
        self.seconds = seconds
        self.fired = fired


PASSES: dict[str, Pass] = {}


def register(p: Pass) -> Pass:
    from .contracts import CONDITIONS

    unknown = [c for c in (*p.requires, *p.ensures) if c not in CONDITIONS]
    if unknown:
        raise ValueError(f"pass {p.name}: unknown condition(s) {', '.join(unknown)}")
    PASSES[p.name] = p
    return p


def changed(rewrites: int) -> PassResult:
    return PassResult(rewrites > 0, rewrites)


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
        if self.verify_each:
            from .contracts import check
            from .verify import verify

        for name in self.names:
            p = PASSES[name]
            if name in self.disabled and not p.required:
                continue
            if self.verify_each:
                check(p.requires, g, ctx, before=name)
            ctx.memo.clear()
            t0 = time.perf_counter()
            res = p.run(g, ctx)
            dt = time.perf_counter() - t0
            self.stats.append(PassStat(name, res.modified, dt, res.rewrites))
            ctx.bag.raise_if_errors()
            if self.verify_each:
                verify(g, after=name)
                check(p.ensures, g, ctx, after=name)
            if self.print_after_all or name in self.print_after:
                from ..printer import print_graph

                self.printer(f"; IR after {name}\n{print_graph(g)}")
        return g


def _load() -> None:
    from . import (  # noqa: F401  (registration)  # noqa: F401  (registration)
        dce,
        fold,
        fuse,
        infer_shapes,
        layouts,
        legalize,
        validate,
    )


_load()
