"""Structure: ops that move, join, split, pad or re-lay-out elements, and constants."""
from __future__ import annotations

from .. import codes
from ..ir import Dim, TensorType
from ..ops import Param, T, check_positive, no_flops, op
from ..shapes import ShapeError, dim_sum, norm_axis, per_sample, prod

SECTION = "structure"
BIG = 2 ** 62  # a slice bound meaning "to the end"


def _concat_eval(xs: list, a: dict) -> list:
    import numpy as np

    return [np.concatenate(xs, axis=a["axis"])]


def _split_eval(xs: list, a: dict) -> list:
    import numpy as np

    return list(np.split(xs[0], np.cumsum(a["sizes"])[:-1], axis=a["axis"]))


def _flatten_eval(xs: list, a: dict) -> list:
    import numpy as np

    x, ax = xs[0], a["axis"]
    return [x.reshape(int(np.prod(x.shape[:ax], dtype=np.int64)), -1)]


def _reshape_eval(xs: list, a: dict) -> list:
    x = xs[0]
    return [x.reshape([x.shape[i] if d == 0 else d for i, d in enumerate(a["shape"])])]


def _transpose_eval(xs: list, a: dict) -> list:
    return [xs[0].transpose(a["perm"])]


def _slice_eval(xs: list, a: dict) -> list:
    import numpy as np

    x = xs[0]
    idx = [slice(None)] * x.ndim
    for s, e, ax, st in zip(a["starts"], a["ends"], a["axes"], a["steps"]):
        idx[ax] = slice(s, e if abs(e) < BIG else None, st)
    r = x[tuple(idx)]
    return [np.squeeze(r, axis=tuple(a["squeeze"])) if a["squeeze"] else r]


@op("concat", [Param("xs", "tensors"), Param("axis", "int", 1)], traits=("pure", "data-movement", "exact"),
    eval=_concat_eval, flops=no_flops,
    section=SECTION, doc="join tensors along an axis")
def _concat(ins, a):
    if not ins:
        raise ShapeError("concat needs at least one tensor", 0)
    r = ins[0].rank
    ax = a["axis"] = norm_axis(a["axis"], r)
    for i, t in enumerate(ins):
        if t.rank != r:
            raise ShapeError(f"concat inputs must have the same rank: input 0 is {ins[0]}, input {i} is {t}", i)
        if t.dtype != ins[0].dtype:
            raise ShapeError(f"concat inputs must have the same dtype: {ins[0]} vs {t}", i, code=codes.DTYPE_MISMATCH)
        for d in range(r):
            if d != ax and t.shape[d] != ins[0].shape[d]:
                raise ShapeError(f"concat along axis {ax}: input {i} is {t} but input 0 is {ins[0]} "
                                 f"(dimension {d} differs)", i, "all dims except the concat axis must match")
    total = dim_sum(t.shape[ax] for t in ins)
    return [ins[0].with_shape((*ins[0].shape[:ax], total, *ins[0].shape[ax + 1:]))]


@op("split", [T(), Param("parts", "int_or_ints"), Param("axis", "int", 1)], traits=("pure", "data-movement", "exact"),
    eval=_split_eval, flops=no_flops, outputs="parts", section=SECTION,
    doc="split into n equal parts, or parts of the given sizes; returns several tensors")
def _split(ins, a):
    x = ins[0]
    ax = a["axis"] = norm_axis(a["axis"], x.rank)
    d = x.shape[ax]
    if "parts" not in a:  # already canonical
        return [x.with_shape((*x.shape[:ax], s, *x.shape[ax + 1:])) for s in a["sizes"]]
    parts = a.pop("parts")
    if isinstance(parts, int):
        check_positive("parts", parts)
        if not isinstance(d, int):
            raise ShapeError(f"cannot split symbolic dimension {d} into equal parts", "axis")
        if d % parts:
            raise ShapeError(f"dimension {ax} of {x} ({d}) does not split into {parts} equal parts", "parts",
                             "give a list of sizes instead", code=codes.BAD_VALUE)
        sizes = [d // parts] * parts
    else:
        sizes = list(parts)
        check_positive("parts", tuple(sizes))
        if isinstance(d, int) and sum(sizes) != d:
            raise ShapeError(f"split sizes {sizes} add up to {sum(sizes)}, but dimension {ax} is {d}", "parts",
                             code=codes.BAD_VALUE)
    a["sizes"] = tuple(sizes)
    return [x.with_shape((*x.shape[:ax], s, *x.shape[ax + 1:])) for s in sizes]


@op("flatten", [T(), Param("axis", "int", 1)], traits=("pure", "data-movement", "exact"), eval=_flatten_eval,
    flops=no_flops, section=SECTION,
    doc="collapse to 2-D: dims before axis, dims from axis on")
def _flatten(ins, a):
    x = ins[0]
    ax = a["axis"] = norm_axis(a["axis"], x.rank + 1) if x.rank else 0
    return [x.with_shape((prod(x.shape[:ax]), prod(x.shape[ax:])))]


@op("reshape", [T(), Param("shape", "ints")], traits=("pure", "data-movement", "exact"), eval=_reshape_eval, flops=no_flops,
    noop=lambda x, y, a: tuple(x.shape) == tuple(y.shape), section=SECTION, doc="new shape; 0 copies the input dim, -1 is inferred")
def _reshape(ins: list[TensorType], a: dict) -> list[TensorType]:
    x = ins[0]
    target = list(a["shape"])
    if target.count(-1) > 1:
        raise ShapeError("reshape allows at most one -1", "shape", code=codes.BAD_VALUE)
    out: list[Dim] = []
    for i, d in enumerate(target):
        if d == 0:
            if i >= x.rank:
                raise ShapeError(f"reshape: 0 at position {i} copies a dim the input {x} does not have", "shape")
            out.append(x.shape[i])
        elif d < -1:
            raise ShapeError(f"reshape: invalid dim {d}", "shape", code=codes.BAD_VALUE)
        else:
            out.append(d)
    in_syms = sorted(str(d) for d in x.shape if not isinstance(d, int))
    out_syms = sorted(str(d) for d in out if not isinstance(d, int))
    in_n = per_sample(x.shape)
    out_n = per_sample(tuple(d for d in out if d != -1))
    if -1 in out:
        rest = [s for s in in_syms]
        for s in out_syms:
            if s in rest:
                rest.remove(s)
        if in_n % out_n:
            raise ShapeError(f"cannot reshape {x} to {target}: {in_n} elements per sample do not divide by {out_n}",
                             "shape", code=codes.BAD_VALUE)
        ratio = in_n // out_n
        if not rest:
            fill: Dim = ratio
        elif len(rest) == 1 and ratio == 1:
            fill = rest[0]
        else:
            fill = "*".join([*rest, *([str(ratio)] if ratio != 1 else [])])
        out[out.index(-1)] = fill
    elif in_n != out_n or in_syms != out_syms:
        raise ShapeError(f"cannot reshape {x} ({in_n} elements per sample) to [{', '.join(map(str, out))}]", "shape",
                         code=codes.BAD_VALUE)
    a["shape"] = tuple(target)
    return [x.with_shape(out)]


@op("transpose", [T(), Param("perm", "ints")], traits=("pure", "data-movement", "exact"), eval=_transpose_eval, flops=no_flops,
    noop=lambda x, y, a: tuple(a["perm"]) == tuple(range(len(a["perm"]))), section=SECTION, doc="permute dims")
def _transpose(ins, a):
    x = ins[0]
    perm = list(a["perm"])
    if sorted(perm) != list(range(x.rank)):
        raise ShapeError(f"perm {perm} is not a permutation of the {x.rank} dims of {x}", "perm", code=codes.BAD_VALUE)
    a["perm"] = tuple(perm)
    return [x.with_shape(tuple(x.shape[p] for p in perm))]


@op("pad", [T(), Param("pads", "ints"), Param("value", "float", 0.0),
            Param("mode", "str", "constant", ("constant", "reflect", "edge"))],
    traits=("pure", "data-movement"), flops=no_flops, section=SECTION,
    doc="pad with begins then ends per dim (ONNX order), or [[b, e], ...] pairs; modes constant, reflect, edge")
def _pad(ins, a):
    x = ins[0]
    p = a["pads"]
    if p and isinstance(p[0], (list, tuple)):
        if len(p) != x.rank or any(len(q) != 2 for q in p):
            raise ShapeError(f"pad pairs must be one [begin, end] per dim ({x.rank})", "pads")
        p = [q[0] for q in p] + [q[1] for q in p]
    if len(p) != 2 * x.rank:
        raise ShapeError(f"pads needs {2 * x.rank} values for {x} (begins then ends), got {len(p)}", "pads")
    a["pads"] = tuple(p)
    out = []
    for i, d in enumerate(x.shape):
        extra = p[i] + p[x.rank + i]
        if not isinstance(d, int) and extra < 0:
            raise ShapeError(f"negative padding ({extra}) of symbolic dimension {i} (`{d}`) may leave it empty",
                             "pads", "crop symbolic dimensions with slice(), or pad them by 0 or more", code=codes.BAD_VALUE)
        out.append(d + extra if isinstance(d, int) else (d if extra == 0 else f"{d}+{extra}"))
        if isinstance(out[-1], int) and out[-1] <= 0:
            raise ShapeError(f"padding leaves dimension {i} empty", "pads", code=codes.BAD_VALUE)
        most = max(p[i], p[x.rank + i])
        if a["mode"] == "reflect" and most > 0 and isinstance(d, int) and \
                d + min(p[i], 0) + min(p[x.rank + i], 0) <= most:  # ONNX and onnxruntime (found by tests/fuzz)
            raise ShapeError(f"reflect padding of {most} needs dimension {i} to have more than {most} elements, "
                             f"it has {d}", "pads", "use mode=\"edge\" or \"constant\", or pad less", code=codes.BAD_VALUE)
    return [x.with_shape(out)]


@op("slice", [T(), Param("starts", "ints"), Param("ends", "ints"), Param("axes", "ints"), Param("steps", "ints"),
              Param("squeeze", "ints", ())],
    traits=("pure", "data-movement", "exact", "hidden"), eval=_slice_eval, flops=no_flops, section=SECTION, doc="what indexing `x[a:b, i]` makes; not called by name")
def _slice(ins, a):
    x = ins[0]
    out = list(x.shape)
    for s, e, ax, st in zip(a["starts"], a["ends"], a["axes"], a["steps"]):
        if ax >= x.rank:
            raise ShapeError(f"too many indices for {x}", 0)
        d = x.shape[ax]
        if st == 0:
            raise ShapeError("slice step cannot be zero", 0, code=codes.BAD_VALUE)
        if not isinstance(d, int):
            if s == 0 and e >= BIG and st == 1:
                continue
            raise ShapeError(f"cannot slice symbolic dimension {d} of {x}", 0)
        lo, hi, step = slice(s, e if e < BIG else None, st).indices(d)
        n = len(range(lo, hi, step))
        if n <= 0:
            raise ShapeError(f"slice {s}:{e} of dimension {ax} (size {d}) is empty", 0, code=codes.BAD_VALUE)
        out[ax] = n
    for ax in a["squeeze"]:
        out[ax] = None
    return [x.with_shape(tuple(d for d in out if d is not None))]


@op("constant", [Param("value", "any"), Param("dtype", "str", "f32")], traits=("pure", "constant", "hidden"),
    flops=no_flops, section=SECTION, doc="a constant tensor (numbers in tensor arithmetic become these)")
def _constant(ins, a):
    v = a["value"]
    if hasattr(v, "shape"):  # an array
        return [TensorType(a["dtype"], tuple(int(d) for d in v.shape))]
    shape = []  # a number or nested lists (rectangular: the elaborator builds them); numpy is not needed for this
    while isinstance(v, (list, tuple)):
        shape.append(len(v))
        if not v:
            break
        v = v[0]
    return [TensorType(a["dtype"], tuple(shape))]


LAYOUT_RANK = {"N": 1, "NC": 2, "CN": 2, "NCT": 3, "NTC": 3, "NCHW": 4, "NHWC": 4}


@op("reorder", [T(), Param("layout", "str")], traits=("pure", "data-movement", "hidden"), flops=no_flops,
    section=SECTION, doc="change a tensor's physical layout (made by the insert-layouts pass; not called by name); to a 2-D "
        "layout from a higher rank it also flattens [N, rest]")
def _reorder(ins, a):
    x = ins[0]
    lay = a["layout"]
    if lay not in LAYOUT_RANK:
        raise ShapeError(f"reorder: unknown layout {lay!r}", "layout")
    r = LAYOUT_RANK[lay]
    if r == x.rank:
        return [TensorType(x.dtype, x.shape, lay)]
    if r == 2 and x.rank > 2:
        return [TensorType(x.dtype, (x.shape[0], prod(x.shape[1:])), lay)]
    raise ShapeError(f"reorder cannot turn {x} into {lay}", 0)
