"""LBANN rules for reductions, dims, learned tensors and one-hot vectors, named from the lowering table as
`tensors.<rule>`. LBANN layers see one sample at a time: axis 0 (the mini-batch) is never theirs."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from nncc.ir import Node

from .base import sanitize
from .refusals import refuse

if TYPE_CHECKING:
    from .emit import Emitter

MODES = {"sum": "sum", "mean": "sum", "max": "max", "min": "min"}  # mean: a sum, then scaled


def _reduce(em: Emitter, n: Node) -> None:
    """A whole sample: LBANN's reduction layer (sum, mean); some of its axes: multidim_reduction."""
    x = n.inputs[0]
    axes = [em.axis(n, ax, "axes") for ax in n.attrs["axes"]]  # refuses the mini-batch axis
    sample = em.static(n, tuple(x.ttype.shape[1:]), "dims")
    if n.op in ("sum", "mean") and len(axes) == len(sample):
        lay, p = em.layer(f"{n.name}_reduce", [em.x(x)], "reduction")
        p.mode = "average" if n.op == "mean" else "sum"
    else:
        lay, p = em.layer(f"{n.name}_reduce", [em.x(x)], "multidim_reduction")
        p.mode = MODES[n.op]
        p.axes.extend(axes)
        if n.op == "mean":
            count = math.prod(sample[a] for a in axes)
            lay = em.operator(f"{n.name}_mean", [lay.name], ("ScaleOperator", {"constant": 1.0 / count}))
    out, r = em.layer(n.name, [lay.name], "reshape")
    r.dims.extend(int(d) for d in n.output.ttype.shape[1:] or (1,))
    em.bind(n, out)


def _argmax(em: Emitter, n: Node) -> None:
    x = n.inputs[0]
    if x.ttype.rank != 2:
        raise refuse("argmax-shape",
                     f"`argmax` of {x.type} has no LBANN equivalent: LBANN's argmax takes one vector per "
                     "sample (target `lbann`)", n.span, "flatten the input first")
    em.axis(n, n.attrs["axis"], "axis")
    lay, _ = em.layer(n.name, [em.x(x)], "argmax")
    em.bind(n, lay)


def _expand(em: Emitter, n: Node) -> None:
    """Dims of 1 repeated: LBANN's tessellate layer, per sample."""
    x, out = n.inputs[0], n.output
    if out.ttype.rank != x.ttype.rank or out.ttype.shape[0] != x.ttype.shape[0]:
        raise refuse("moves-mini-batch",
                     f"`expand` from {x.type} to {out.type} adds or repeats the mini-batch dimension, which "
                     "LBANN cannot (target `lbann`)", n.span_of("shape"))
    lay, p = em.layer(n.name, [em.x(x)], "tessellate")
    p.dims.extend(em.static(n, tuple(out.ttype.shape[1:]), "dims"))
    em.bind(n, lay)


def _stack(em: Emitter, n: Node) -> None:
    """Each input reshaped with a dim of 1 at the axis, then concatenated along it."""
    ax = em.axis(n, n.attrs["axis"], "axis")
    parts = []
    for i, v in enumerate(n.inputs):
        dims = em.static(n, tuple(v.ttype.shape[1:]), "dims")
        lay, r = em.layer(f"{n.name}_{i}", [em.x(v)], "reshape")
        r.dims.extend([*dims[:ax], 1, *dims[ax:]])
        parts.append(lay.name)
    lay, c = em.layer(n.name, parts, "concatenation")
    c.axis = ax
    em.bind(n, lay)


def _one_hot(em: Emitter, n: Node) -> None:
    x = n.inputs[0]
    if x.ttype.rank != 1:
        raise refuse("one-hot-shape",
                     f"`one_hot` of {x.type} has no LBANN equivalent: LBANN's one_hot takes one index per "
                     "sample (target `lbann`)", n.span)
    lay, p = em.layer(n.name, [em.x(x)], "one_hot")
    p.size = n.attrs["classes"]
    em.bind(n, lay)


def _param(em: Emitter, n: Node) -> None:
    """LBANN's weights layer: the same tensor for every sample, so the param's first dim must be 1."""
    shape = list(n.attrs["shape"])
    if shape[0] != 1 or len(shape) < 2:
        raise refuse("param-shape",
                     f"`param` of shape {shape} has no LBANN equivalent: LBANN's weights layer gives every "
                     "sample the same tensor (target `lbann`)", n.span_of("shape"),
                     "give it a first dim of 1 ([1, ...]), the mini-batch dimension it broadcasts over")
    lay, p = em.layer(n.name, [], "weights_layer", em.weights_of(n, "weight"))
    p.dims.extend(shape[1:])
    em.bind(n, lay)


def _gather(em: Emitter, n: Node) -> None:
    """LBANN's gather picks, in each sample, the entries a 1-D index vector names (along `axis` of 1-D or 2-D
    data); the same for every sample is what nncc's gather does with constant indices, which become a frozen
    `weights_layer` (the indices as its values)."""
    import numpy as np

    x, idx = n.inputs
    ax = em.axis(n, n.attrs["axis"], "axis")
    src = idx.producer
    if src is None or src.op not in ("const", "constant") or idx.ttype.rank != 1:
        raise refuse("gather-indices",
                     f"`gather` by {idx.type} has no LBANN equivalent: LBANN's gather picks the same entries "
                     "in every sample by one index vector, so the indices must be a constant list "
                     "(target `lbann`)", n.span_of(1))
    if x.ttype.rank not in (2, 3):
        raise refuse("gather-shape",
                     f"`gather` of {x.type} has no LBANN equivalent: LBANN gathers from 1-D or 2-D samples "
                     "(target `lbann`)", n.span)
    size = x.ttype.shape[ax + 1]
    values = np.asarray(src.attrs["value"], dtype=np.int64).reshape(-1)
    if not isinstance(size, int) or ((values < -size) | (values >= size)).any():
        raise refuse("gather-range", f"`gather` indices {values.tolist()} out of the {size} entries along axis "
                     f"{n.attrs['axis']} (target `lbann`)", n.span_of(1))
    values = values % size  # nncc counts negative indices from the end; LBANN zeroes them
    name, i = f"{sanitize(n.name)}.indices", 1
    while name in em.wused:
        name, i = f"{sanitize(n.name)}.indices_{i}", i + 1
    em.wused.add(name)
    w = em.model.weights.add(name=name)
    w.initializer.value_initializer.values.extend(float(v) for v in values)  # exact below 2**24
    w.optimizer.no_optimizer.SetInParent()
    ind, ip = em.layer(f"{n.name}_indices", [], "weights_layer", [w.name])
    ip.dims.append(len(values))
    lay, p = em.layer(n.name, [em.x(x), ind.name], "gather")
    if x.ttype.rank == 3:
        p.axis.value = ax
    em.bind(n, lay)
