"""The expression AST produced from the grammar. Every node knows where it came from."""
from __future__ import annotations

from typing import Any, Iterator

from .diagnostics import Span
from .record import Plain


class Pos(Plain):
    """A range inside one YAML scalar; turned into a file span only when needed."""

    scalar: Any  # source.YScalar
    start: int
    end: int
    __slots__ = ("scalar", "start", "end")

    def __init__(self, scalar: Any, start: int, end: int) -> None:
        self.scalar = scalar
        self.start = start
        self.end = end

    @property
    def span(self) -> Span:
        return self.scalar.sub_span(self.start, self.end)

    def __repr__(self) -> str:
        return f"Pos({self.start}:{self.end})"

    @property
    def text(self) -> str:
        return self.scalar.value[self.start:self.end]


class Expr(Plain):
    pos: Pos
    __slots__ = ("pos",)

    def __init__(self, pos: Pos) -> None:
        self.pos = pos

    @property
    def span(self) -> Span:
        return self.pos.span


class Name(Expr):
    id: str
    __slots__ = ("id",)

    def __init__(self, pos: Pos, id: str) -> None:
        self.pos = pos
        self.id = id


class Const(Expr):
    value: Any  # int | float | str | bool | None
    __slots__ = ("value",)

    def __init__(self, pos: Pos, value: Any) -> None:
        self.pos = pos
        self.value = value


class ListExpr(Expr):
    items: list[Expr]
    __slots__ = ("items",)

    def __init__(self, pos: Pos, items: list[Expr]) -> None:
        self.pos = pos
        self.items = items


class TupleExpr(Expr):
    items: list[Expr]
    __slots__ = ("items",)

    def __init__(self, pos: Pos, items: list[Expr]) -> None:
        self.pos = pos
        self.items = items


class Kwarg(Plain):
    name: str
    value: Expr
    pos: Pos
    __slots__ = ("name", "value", "pos")

    def __init__(self, name: str, value: Expr, pos: Pos) -> None:
        self.name = name
        self.value = value
        self.pos = pos


class Call(Expr):
    func: Expr
    args: list[Expr]
    kwargs: list[Kwarg]
    piped: bool  # the first argument came from `|>`
    __slots__ = ("func", "args", "kwargs", "piped")

    def __init__(self, pos: Pos, func: Expr, args: list[Expr], kwargs: list[Kwarg], piped: bool = False) -> None:
        self.pos = pos
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.piped = piped


class BinOp(Expr):
    op: str  # + - * / // % ** == != < <= > >= and or
    left: Expr
    right: Expr
    __slots__ = ("op", "left", "right")

    def __init__(self, pos: Pos, op: str, left: Expr, right: Expr) -> None:
        self.pos = pos
        self.op = op
        self.left = left
        self.right = right


class Unary(Expr):
    op: str  # - + not
    operand: Expr
    __slots__ = ("op", "operand")

    def __init__(self, pos: Pos, op: str, operand: Expr) -> None:
        self.pos = pos
        self.op = op
        self.operand = operand


class IfExp(Expr):
    cond: Expr
    then: Expr
    orelse: Expr
    __slots__ = ("cond", "then", "orelse")

    def __init__(self, pos: Pos, cond: Expr, then: Expr, orelse: Expr) -> None:
        self.pos = pos
        self.cond = cond
        self.then = then
        self.orelse = orelse


class Slice(Expr):
    lower: Expr | None
    upper: Expr | None
    step: Expr | None
    __slots__ = ("lower", "upper", "step")

    def __init__(self, pos: Pos, lower: Expr | None, upper: Expr | None, step: Expr | None) -> None:
        self.pos = pos
        self.lower = lower
        self.upper = upper
        self.step = step


class Index(Expr):
    value: Expr
    subs: list[Expr]
    __slots__ = ("value", "subs")

    def __init__(self, pos: Pos, value: Expr, subs: list[Expr]) -> None:
        self.pos = pos
        self.value = value
        self.subs = subs


class TensorTypeExpr(Expr):
    dtype: str
    dims: list[Expr]
    __slots__ = ("dtype", "dims")

    def __init__(self, pos: Pos, dtype: str, dims: list[Expr]) -> None:
        self.pos = pos
        self.dtype = dtype
        self.dims = dims


class SigParam(Plain):
    name: str
    default: Expr | None
    pos: Pos
    __slots__ = ("name", "default", "pos")

    def __init__(self, name: str, default: Expr | None, pos: Pos) -> None:
        self.name = name
        self.default = default
        self.pos = pos


class Signature(Expr):
    name: str
    params: list[SigParam]
    __slots__ = ("name", "params")

    def __init__(self, pos: Pos, name: str, params: list[SigParam] | None = None) -> None:
        self.pos = pos
        self.name = name
        self.params = [] if params is None else params


class Targets(Expr):
    names: list[str]
    name_pos: list[Pos]
    __slots__ = ("names", "name_pos")

    def __init__(self, pos: Pos, names: list[str], name_pos: list[Pos]) -> None:
        self.pos = pos
        self.names = names
        self.name_pos = name_pos


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
        for f in x.FIELDS:
            v = getattr(x, f)
            if isinstance(v, (Expr, Kwarg)):
                todo.append(v)
            elif isinstance(v, list):
                todo.extend(v)
