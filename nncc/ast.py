"""The expression AST produced from the grammar. Every node knows where it came from."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from .diagnostics import Span


@dataclass(eq=False, slots=True)
class Pos:
    """A range inside one YAML scalar; turned into a file span only when needed."""

    scalar: Any  # source.YScalar
    start: int
    end: int

    @property
    def span(self) -> Span:
        return self.scalar.sub_span(self.start, self.end)

    def __repr__(self) -> str:
        return f"Pos({self.start}:{self.end})"

    @property
    def text(self) -> str:
        return self.scalar.value[self.start:self.end]


@dataclass(eq=False)
class Expr:
    pos: Pos

    @property
    def span(self) -> Span:
        return self.pos.span


@dataclass(eq=False)
class Name(Expr):
    id: str


@dataclass(eq=False)
class Const(Expr):
    value: Any  # int | float | str | bool | None


@dataclass(eq=False)
class ListExpr(Expr):
    items: list[Expr]


@dataclass(eq=False)
class TupleExpr(Expr):
    items: list[Expr]


@dataclass(eq=False)
class Kwarg:
    name: str
    value: Expr
    pos: Pos


@dataclass(eq=False)
class Call(Expr):
    func: Expr
    args: list[Expr]
    kwargs: list[Kwarg]
    piped: bool = False  # the first argument came from `|>`


@dataclass(eq=False)
class BinOp(Expr):
    op: str  # + - * / // % ** == != < <= > >= and or
    left: Expr
    right: Expr


@dataclass(eq=False)
class Unary(Expr):
    op: str  # - + not
    operand: Expr


@dataclass(eq=False)
class IfExp(Expr):
    cond: Expr
    then: Expr
    orelse: Expr


@dataclass(eq=False)
class Slice(Expr):
    lower: Expr | None
    upper: Expr | None
    step: Expr | None


@dataclass(eq=False)
class Index(Expr):
    value: Expr
    subs: list[Expr]


@dataclass(eq=False)
class TensorTypeExpr(Expr):
    dtype: str
    dims: list[Expr]


@dataclass(eq=False)
class SigParam:
    name: str
    default: Expr | None
    pos: Pos


@dataclass(eq=False)
class Signature(Expr):
    name: str
    params: list[SigParam] = field(default_factory=list)


@dataclass(eq=False)
class Targets(Expr):
    names: list[str]
    name_pos: list[Pos]


def walk(roots: list[Any]) -> Iterator[Expr]:
    """Every expression under `roots` (through keyword arguments and lists), depth first."""
    todo = list(roots)
    while todo:
        x = todo.pop()
        if isinstance(x, Kwarg):
            todo.append(x.value)
            continue
        if not isinstance(x, Expr):
            continue
        yield x
        for v in vars(x).values():
            if isinstance(v, (Expr, Kwarg)):
                todo.append(v)
            elif isinstance(v, list):
                todo.extend(v)
