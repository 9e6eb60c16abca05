"""Reductions over axes: mean, sum, max and min (keepdims), and argmax.

`sum`, `max` and `min` are also built-in functions of compile-time numbers (`sum([1, 2])`, `max(a, b)`);
of one tensor they are these ops, and `max`/`min` of two values the element-wise maximum/minimum
(nncc/opdefs/mathops.py). The axes are given by keyword: `mean(x, axes=[2, 3], keepdims=true)`.
"""
from __future__ import annotations

from .. import codes
from ..ir import TensorType
from ..ops import EvalFn, Param, T, check_float, check_numeric, op
from ..shapes import ShapeError, norm_axis, per_sample

SECTION = "reductions"


def canonical_axes(a: dict, rank: int, key: str = "axes") -> tuple[int, ...]:
    """`axes` (an int, a list, or none for every axis) as a sorted tuple of non-negative axes."""
    v = a[key]
    axes = tuple(range(rank)) if v is None else (v,) if isinstance(v, int) else tuple(v)
    out = tuple(sorted(norm_axis(ax, rank, key) for ax in axes)) if rank else ()
    if len(set(out)) != len(out):
        raise ShapeError(f"{key} {list(axes)} names an axis twice", key, code=codes.BAD_VALUE)
    if v is not None and not out and rank:
        raise ShapeError(f"{key} is empty; leave it out to reduce every axis", key, code=codes.BAD_VALUE)
    a[key] = out
    return out


def _reduce_eval(fn: str) -> EvalFn:
    def ev(xs: list, a: dict) -> list:
        import numpy as np

        x = xs[0]
        return [np.asarray(getattr(np, fn)(x, axis=a["axes"], keepdims=a["keepdims"])).astype(x.dtype)]
    return ev


def _reduction(name: str, fn: str, doc: str, floats: bool) -> None:
    def shape(ins: list[TensorType], a: dict) -> list[TensorType]:
        x = ins[0]
        (check_float if floats else check_numeric)(x, name)
        axes = canonical_axes(a, x.rank)
        keep = a["keepdims"]
        out = [1 if i in axes else d for i, d in enumerate(x.shape)] if keep else \
            [d for i, d in enumerate(x.shape) if i not in axes]
        return [x.with_shape(out)]

    op(name, [T(), Param("axes", "int_or_ints", None), Param("keepdims", "bool", False)],
       traits=("pure",) + (("exact",) if fn in ("amax", "amin") else ()), eval=_reduce_eval(fn),
       flops=lambda ins, outs, a: per_sample(ins[0].shape), section=SECTION, doc=doc)(shape)


_reduction("mean", "mean", "the mean over `axes` (every axis when left out), keeping them as 1s with keepdims=true",
           True)
_reduction("sum", "sum", "the sum over `axes` (every axis when left out); `sum` of a list of numbers is evaluated "
           "while compiling", False)
_reduction("max", "amax", "the largest element over `axes` (every axis when left out); `max(a, b)` of two values "
           "is the element-wise maximum", False)
_reduction("min", "amin", "the smallest element over `axes` (every axis when left out); `min(a, b)` of two values "
           "is the element-wise minimum", False)


def _argmax_eval(xs: list, a: dict) -> list:
    import numpy as np

    r = np.argmax(xs[0], axis=a["axis"])
    return [np.expand_dims(r, a["axis"]).astype(np.int64) if a["keepdims"] else r.astype(np.int64)]


@op("argmax", [T(), Param("axis", "int", -1), Param("keepdims", "bool", False)], traits=("pure", "exact"),
    eval=_argmax_eval, flops=lambda ins, outs, a: per_sample(ins[0].shape), section=SECTION,
    doc="the index (i64) of the largest element along `axis` (the first of equal ones)")
def _argmax(ins, a):
    x = ins[0]
    if x.rank < 1:
        raise ShapeError(f"argmax needs at least a 1-D input, got {x}", 0)
    check_numeric(x, "argmax")
    ax = a["axis"] = norm_axis(a["axis"], x.rank)
    out = [1 if i == ax else d for i, d in enumerate(x.shape)] if a["keepdims"] else \
        [d for i, d in enumerate(x.shape) if i != ax]
    return [TensorType("i64", tuple(out))]
