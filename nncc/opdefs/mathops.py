"""Element-wise math on tensors: exp, log, sqrt, abs, pow, maximum, minimum, comparisons and where.

The same names work on compile-time numbers (`exp(2.0)`, `max(a, b)`, `n ** 2`, `a < b` evaluate
while compiling, nncc/evalcore.py); on a tensor they become these ops.
"""
from __future__ import annotations

from .. import codes
from ..ir import TensorType
from ..ops import EvalFn, T, check_float, check_numeric, elementwise_flops, op, same_type
from ..shapes import ShapeError, broadcast

SECTION = "element-wise math"


def _numpy(ufunc: str) -> EvalFn:
    def ev(xs: list, a: dict) -> list:
        import numpy as np

        return [getattr(np, ufunc)(*xs)]
    return ev


def _unary(name: str, ufunc: str, doc: str, floats: bool = True, exact: bool = False) -> None:
    def shape(ins: list[TensorType], a: dict) -> list[TensorType]:
        x = ins[0]
        (check_float if floats else check_numeric)(x, name)
        return same_type(ins, a)

    op(name, [T()], traits=("pure", "elementwise") + (("exact",) if exact else ()), eval=_numpy(ufunc),
       flops=elementwise_flops(), section=SECTION, doc=doc)(shape)


def _same_dtype(name: str, ins: list[TensorType], first: int = 0) -> None:
    a, b = ins[first], ins[first + 1]
    if a.dtype != b.dtype:
        raise ShapeError(f"`{name}` needs operands of one dtype, got {a} and {b}", first + 1,
                         code=codes.DTYPE_MISMATCH)


def _binary(name: str, ufunc: str, doc: str, *, compare: bool = False, commutative: bool = False) -> None:
    def shape(ins: list[TensorType], a: dict) -> list[TensorType]:
        x, y = ins
        _same_dtype(name, ins)
        if x.dtype == "bool" and not (compare and name in ("equal", "not_equal")):
            raise ShapeError(f"`{name}` needs numeric operands, got {x}", 0, code=codes.DTYPE_MISMATCH)
        out = broadcast(x.shape, y.shape)
        return [TensorType("bool", out) if compare else x.with_shape(out)]

    traits = ("pure", "elementwise", "exact") + (("commutative",) if commutative else ())
    op(name, [T("a"), T("b")], traits=traits, eval=_numpy(ufunc), flops=elementwise_flops(), section=SECTION,
       doc=doc)(shape)


_unary("exp", "exp", "eˣ; `exp(2.0)` of a number is evaluated while compiling")
_unary("log", "log", "natural logarithm (−inf at 0, NaN below)")
_unary("sqrt", "sqrt", "square root (NaN below 0)")
_unary("abs", "abs", "|x|, of a float or integer tensor", floats=False, exact=True)
_binary("pow", "power", "a raised to b, with broadcasting; also written `a ** b`")
_binary("maximum", "maximum", "the larger of a and b, with broadcasting; also written `max(a, b)`", commutative=True)
_binary("minimum", "minimum", "the smaller of a and b, with broadcasting; also written `min(a, b)`", commutative=True)
for _name, _sym, _ufunc in (("less", "<", "less"), ("less_equal", "<=", "less_equal"), ("greater", ">", "greater"),
                            ("greater_equal", ">=", "greater_equal"), ("equal", "==", "equal"),
                            ("not_equal", "!=", "not_equal")):
    _binary(_name, _ufunc, f"a {_sym} b element-wise, a bool tensor; also written `a {_sym} b`", compare=True,
            commutative=_name in ("equal", "not_equal"))


def _where_eval(xs: list, a: dict) -> list:
    import numpy as np

    return [np.where(*xs)]


@op("where", [T("cond"), T("a"), T("b")], traits=("pure", "elementwise", "exact"), eval=_where_eval,
    flops=elementwise_flops(), section=SECTION,
    doc="a where cond is true, else b (cond a bool tensor, e.g. `x > 0`), with broadcasting; a number for a or "
        "b becomes a constant of the other's dtype")
def _where(ins, a):
    c, x, y = ins
    if c.dtype != "bool":
        raise ShapeError(f"where: the condition must be a bool tensor, got {c}", 0,
                         "compare to make one: where(x > 0, x, 0.0)", code=codes.DTYPE_MISMATCH)
    _same_dtype("where", ins, 1)
    try:
        out = broadcast(c.shape, x.shape)
    except ShapeError as e:
        raise ShapeError(e.message, 1, e.help) from None
    try:
        out = broadcast(out, y.shape)
    except ShapeError as e:
        raise ShapeError(e.message, 2, e.help) from None
    return [x.with_shape(out)]
