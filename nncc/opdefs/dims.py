"""Ops that add, drop, repeat or pick dims: squeeze, unsqueeze, expand, stack, gather, one_hot; and the
tensors a model holds itself: learned ones (`param`) and constant ones (`const`)."""
from __future__ import annotations

from typing import Any

from .. import codes
from ..ir import FLOAT_DTYPES, INT_DTYPES, Dim, Init, TensorType
from ..ops import Param, T, WeightSpec, no_flops, op
from ..shapes import ShapeError, norm_axis, per_sample
from .reduce import canonical_axes

SECTION = "dims and indexing"
MOVES = ("pure", "data-movement", "exact")


def _squeeze_eval(xs: list, a: dict) -> list:
    import numpy as np

    return [np.squeeze(xs[0], axis=a["axes"])]


def _unsqueeze_eval(xs: list, a: dict) -> list:
    import numpy as np

    return [np.expand_dims(xs[0], a["axes"])]


@op("squeeze", [T(), Param("axes", "int_or_ints", None)], traits=MOVES, eval=_squeeze_eval, flops=no_flops,
    section=SECTION, doc="drop dims of size 1: those in `axes`, or every static 1 when left out")
def _squeeze(ins, a):
    x = ins[0]
    if a["axes"] is None:
        a["axes"] = tuple(i for i, d in enumerate(x.shape) if d == 1)
    else:
        canonical_axes(a, x.rank)
        for ax in a["axes"]:
            if x.shape[ax] != 1:
                raise ShapeError(f"squeeze: dimension {ax} of {x} is {x.shape[ax]}, not 1", "axes",
                                 code=codes.BAD_VALUE)
    return [x.with_shape(d for i, d in enumerate(x.shape) if i not in a["axes"])]


@op("unsqueeze", [T(), Param("axes", "int_or_ints")], traits=MOVES, eval=_unsqueeze_eval, flops=no_flops,
    section=SECTION, doc="insert dims of size 1 at `axes` (positions in the result)")
def _unsqueeze(ins, a):
    x = ins[0]
    n = x.rank + (1 if isinstance(a["axes"], int) else len(a["axes"]))
    axes = canonical_axes(a, n)
    out: list[Dim] = []
    it = iter(x.shape)
    for i in range(n):
        out.append(1 if i in axes else next(it))
    return [x.with_shape(out)]


def _expand_eval(xs: list, a: dict) -> list:
    import numpy as np

    x = xs[0]
    lead = len(a["shape"]) - x.ndim
    shape = [x.shape[i - lead] if d == -1 else d for i, d in enumerate(a["shape"])]
    return [np.broadcast_to(x, shape).copy()]


@op("expand", [T(), Param("shape", "ints")], traits=MOVES, eval=_expand_eval, flops=no_flops, section=SECTION,
    doc="repeat dims of size 1 (and add leading dims) to `shape`, as broadcasting would; -1 keeps a dim")
def _expand(ins, a):
    x = ins[0]
    shape = list(a["shape"])
    lead = len(shape) - x.rank
    if lead < 0:
        raise ShapeError(f"expand: shape {shape} has fewer dims than {x}", "shape", code=codes.BAD_VALUE)
    out: list[Dim] = []
    for i, d in enumerate(shape):
        have: Dim = x.shape[i - lead] if i >= lead else 1
        if d == -1:
            if i < lead:
                raise ShapeError(f"expand: -1 at position {i} keeps a dim {x} does not have", "shape",
                                 code=codes.BAD_VALUE)
            out.append(have)
        elif d <= 0:
            raise ShapeError(f"expand: dims must be positive or -1, got {d}", "shape", code=codes.BAD_VALUE)
        elif have not in (1, d):
            raise ShapeError(f"expand: dimension {i - lead} of {x} is {have}; only a dim of 1 expands (to {d})",
                             "shape", code=codes.SHAPE_MISMATCH)
        else:
            out.append(d)
    a["shape"] = tuple(shape)
    return [x.with_shape(out)]


def _stack_eval(xs: list, a: dict) -> list:
    import numpy as np

    return [np.stack(xs, axis=a["axis"])]


@op("stack", [Param("xs", "tensors"), Param("axis", "int", 0)], traits=MOVES, eval=_stack_eval, flops=no_flops,
    section=SECTION, doc="join tensors of one shape along a new axis")
def _stack(ins, a):
    x0 = ins[0]
    for i, t in enumerate(ins):
        if t.dtype != x0.dtype:
            raise ShapeError(f"stack inputs must have one dtype: {x0} vs {t}", i, code=codes.DTYPE_MISMATCH)
        if tuple(t.shape) != tuple(x0.shape):
            raise ShapeError(f"stack inputs must have one shape: input 0 is {x0}, input {i} is {t}", i)
    ax = a["axis"] = norm_axis(a["axis"], x0.rank + 1)
    return [x0.with_shape((*x0.shape[:ax], len(ins), *x0.shape[ax:]))]


def _gather_eval(xs: list, a: dict) -> list:
    import numpy as np

    return [np.take(xs[0], xs[1].astype(np.int64), axis=a["axis"])]


@op("gather", [T(), T("indices"), Param("axis", "int", 0)], traits=MOVES, eval=_gather_eval, flops=no_flops,
    section=SECTION, doc="pick entries of x along `axis` by an integer tensor of indices (what `x[:, i]` with a "
                         "tensor i makes); the result has the indices' dims in place of that axis")
def _gather(ins, a):
    x, idx = ins
    if idx.dtype not in INT_DTYPES:
        raise ShapeError(f"gather: the indices must be an integer tensor, got {idx}", 1, code=codes.DTYPE_MISMATCH)
    ax = a["axis"] = norm_axis(a["axis"], x.rank)
    return [x.with_shape((*x.shape[:ax], *idx.shape, *x.shape[ax + 1:]))]


def _one_hot_eval(xs: list, a: dict) -> list:
    import numpy as np

    return [np.eye(a["classes"], dtype=np.float32)[xs[0].astype(np.int64)]]


@op("one_hot", [T(), Param("classes", "int")], traits=("pure", "exact"), eval=_one_hot_eval, flops=no_flops,
    section=SECTION, doc="integer class indices → f32 vectors of `classes` entries, 1 at the index (a new last dim)")
def _one_hot(ins, a):
    x = ins[0]
    if x.dtype not in INT_DTYPES:
        raise ShapeError(f"one_hot expects integer class indices, got {x}", 0, code=codes.DTYPE_MISMATCH)
    if a["classes"] <= 0:
        raise ShapeError(f"one_hot: classes must be positive, got {a['classes']}", "classes", code=codes.BAD_VALUE)
    return [TensorType("f32", (*x.shape, a["classes"]))]


# ------------------------------------------------------------------ tensors the model holds


def _static_shape(a: dict, what: str) -> tuple[int, ...]:
    shape = tuple(a["shape"])
    if not shape or any(not isinstance(d, int) or d <= 0 for d in shape):
        raise ShapeError(f"{what}: shape must be a non-empty list of positive integers, got {list(shape)}", "shape",
                         code=codes.BAD_VALUE)
    a["shape"] = shape
    return shape


@op("param", [Param("shape", "ints"), Param("init", "any", None), Param("dtype", "str", "f32", FLOAT_DTYPES)],
    weight_prefixes=("w",), flops=no_flops, section=SECTION,
    weights=lambda ins, a: [WeightSpec("weight", "w", tuple(a["shape"]),
                                       a["init"] if isinstance(a["init"], Init) else
                                       Init("gaussian", (("mean", 0.0), ("std", 0.02))), dtype=a["dtype"])],
    doc="a learned tensor of a fixed shape, named after its line (e.g. learned positions "
        "`pos: param([1, 16, 64], init=gaussian(std=0.02))`, added to a [N, 16, 64] sequence by broadcasting); "
        "init defaults to gaussian(std=0.02); w_lr=, w_wd= as for other weights")
def _param(ins, a):
    _static_shape(a, "param")
    if a["init"] is not None and not isinstance(a["init"], Init):
        raise ShapeError("param: init must be an initializer such as gaussian(std=0.02)", "init", code=codes.ARG_TYPE)
    return [TensorType(a["dtype"], a["shape"])]


def _rect(v: Any) -> tuple[int, ...] | None:
    """The shape of a rectangular nested list of numbers, or None."""
    if isinstance(v, bool) or isinstance(v, (int, float)):
        return ()
    if not isinstance(v, (list, tuple)) or not v:
        return None
    subs = {_rect(x) for x in v}
    if len(subs) != 1 or None in subs:
        return None
    (sub,) = subs
    return (len(v), *sub)  # type: ignore[misc]


@op("const", [Param("value", "any"), Param("dtype", "str", "f32", ("f16", "bf16", "f32", "f64", "i8", "i32", "i64",
                                                                  "bool"))],
    traits=("pure", "constant"), flops=no_flops, section=SECTION,
    doc="a constant tensor written in the model: a number or a nested list of numbers "
        "(`const([[1, 0], [0, 1]])`, `const(0.5, dtype=\"f64\")`)")
def _const(ins, a):
    v = a["value"]
    shape = _rect(v)
    if shape is None:
        raise ShapeError("const: value must be a number or a rectangular nested list of numbers", "value",
                         code=codes.BAD_VALUE)
    if isinstance(v, (list, tuple)) and per_sample((1, *shape)) > 1 << 20:
        raise ShapeError("const: more than 2^20 values; load large tensors as weights", "value", code=codes.BAD_VALUE)
    return [TensorType(a["dtype"], shape)]
