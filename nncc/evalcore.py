"""Compile-time values of the model language: scopes, evaluation errors, built-ins, initializers,
and the limits every compile-time value is held to (used by elaborate.py and calls.py)."""
from __future__ import annotations

import math
import operator
from typing import Any, Callable

from . import codes
from .diagnostics import (
    Diagnostic,
    Note,
    Span,
    SpanLike,
    resolved,
)
from .ir import Init, Value
from .limits import LIMITS  # noqa: E402  (max_nodes, max_repeat, max_call_depth, max_list, max_int_bits)
from .record import FrozenRecord, Record


class EvalError(Exception):
    def __init__(self, code: str, message: str, span: SpanLike | None, help: str | None = None,
                 notes: list[Note] | None = None):
        super().__init__(message)
        self.diag = Diagnostic(code, message, resolved(span), help, notes=notes or [])


class Callable_(FrozenRecord):
    """A block or op used as a value (for repeat)."""

    kind: str  # block | op
    name: str
    __slots__ = ("kind", "name")

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name

    def __str__(self) -> str:
        return f"<{self.kind} {self.name}>"


class Bound(Record):
    """A call bound to an op's parameters: tensors, attributes and weight settings."""

    inputs: list[Value]
    attrs: dict[str, Any]
    weight_opts: dict[str, Any]
    spans: dict[str, SpanLike]
    written: dict[str, Any]  # the attributes as the call gave them: no defaults, not normalised
    __slots__ = ("inputs", "attrs", "weight_opts", "spans", "written")

    def __init__(self, inputs: list[Value], attrs: dict[str, Any], weight_opts: dict[str, Any],
                 spans: dict[str, SpanLike], written: dict[str, Any]) -> None:
        self.inputs = inputs
        self.attrs = attrs
        self.weight_opts = weight_opts
        self.spans = spans
        self.written = written


INITIALIZERS: dict[str, tuple[tuple[str, Any], ...]] = {
    "constant": (("value", 0.0),),
    "uniform": (("low", -0.05), ("high", 0.05)),
    "gaussian": (("mean", 0.0), ("std", 1.0)),
    "he_normal": (), "he_uniform": (), "xavier_normal": (), "xavier_uniform": (),
    "lecun_normal": (), "lecun_uniform": (), "zeros": (), "ones": (),
}
INIT_ALIASES = {"normal": "gaussian", "kaiming_normal": "he_normal", "kaiming_uniform": "he_uniform",
                "glorot_normal": "xavier_normal", "glorot_uniform": "xavier_uniform"}

_BUILTINS: dict[str, Callable[..., Any]] = {
    "min": min, "max": max, "abs": abs, "int": int, "float": float, "round": round, "len": len,
    "sqrt": math.sqrt, "log": math.log, "exp": math.exp, "floor": math.floor, "ceil": math.ceil,
    "range": lambda *a: list(range(*a)), "sum": sum, "str": str,
}

_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "==": operator.eq,
    "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
# operators and built-in functions on tensors: the op each becomes (on numbers they evaluate while compiling)
_TENSOR_OPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "<": "less", "<=": "less_equal",
               ">": "greater", ">=": "greater_equal", "==": "equal", "!=": "not_equal"}
_TENSOR_BUILTINS = {"max": "maximum", "min": "minimum"}  # of two values; with one tensor, the reductions


def _kind(v: Any) -> str:
    if isinstance(v, Value):
        return "a tensor"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if v is None:
        return "none"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, tuple):
        return f"{len(v)} values"
    if isinstance(v, Init):
        return "an initializer"
    if isinstance(v, Callable_):
        return f"the {v.kind} `{v.name}`"
    return type(v).__name__


class Scope:
    """Names visible while evaluating: a chain of dicts, plus what is defined later (for E302)."""

    def __init__(self, names: dict[str, Any], parent: "Scope | None" = None, later: dict[str, SpanLike] | None = None,
                 defs: dict[str, SpanLike] | None = None):
        self.names = names
        self.parent = parent
        self.later = later or {}
        self.defs = defs if defs is not None else {}

    def get(self, name: str) -> tuple[bool, Any]:
        s: Scope | None = self
        while s is not None:
            if name in s.names:
                return True, s.names[name]
            s = s.parent
        return False, None

    def all_names(self) -> list[str]:
        out: list[str] = []
        s: Scope | None = self
        while s is not None:
            out.extend(s.names)
            s = s.parent
        return out


def _outside_int64(v: Any, depth: int = 0) -> bool:
    if isinstance(v, int) and not isinstance(v, bool):
        return not -2 ** 62 <= v <= 2 ** 62
    if isinstance(v, (list, tuple)) and depth < 8:
        return any(_outside_int64(x, depth + 1) for x in v)
    return False


def _check_size(v: Any, span: Span) -> Any:
    """Compile-time values stay small: integers of at most max_int_bits, lists and strings of max_list."""
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > LIMITS["max_int_bits"]:
        raise EvalError(codes.ARITH_ERROR, f"integer with more than {LIMITS['max_int_bits']} bits", span,
                        "compile-time integers are limited (--limit max_int_bits=N)")
    if isinstance(v, (list, str, tuple)) and len(v) > LIMITS["max_list"]:
        raise EvalError(codes.TOO_LARGE, f"{_kind(v)} of {len(v)} items; the limit is {LIMITS['max_list']}", span,
                        "raise it with --limit max_list=N if this is intended")
    return v


def _check_builtin_args(fname: str, args: list, span: Span) -> None:
    """Refuse built-in calls whose work or result would be huge, before making them."""
    if fname == "range":
        if not all(isinstance(a, int) for a in args) or not 1 <= len(args) <= 3:
            return  # range() raises its own TypeError
        r = range(*args) if (args[-1] != 0 or len(args) < 3) else None
        if r is not None and len(r) > LIMITS["max_list"]:
            raise EvalError(codes.TOO_LARGE, f"range of {len(r)} items; the limit is {LIMITS['max_list']}", span)
    elif fname == "sum":
        items = args[0] if args else []
        if isinstance(items, (list, tuple)) and not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) for x in [*items, *args[1:]]):
            raise EvalError(codes.ARG_TYPE, "sum() adds numbers", span)
    elif fname == "round" and len(args) == 2 and isinstance(args[1], int) and abs(args[1]) > 1024:
        raise EvalError(codes.ARITH_ERROR, f"round(): {args[1]} digits is too many", span)


class _Poison:
    """Stands for a value whose definition failed, so its uses are not reported again."""


class _PoisonError(EvalError):
    def __init__(self) -> None:
        Exception.__init__(self, "poisoned")
        self.diag = None  # type: ignore[assignment]
