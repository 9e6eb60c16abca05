"""`attention` as the LBANN layers LBANN's own frontend composes multi-head attention from.

LBANN has no attention layer; its frontend (`lbann.modules.MultiheadAttention`, the
separate-heads form) projects the queries, keys and values with `channelwise_fully_connected`,
cuts each into heads with `slice`, and per head multiplies (`matmul`, keys transposed),
scales by 1/√(head size), adds the mask, normalises with `channelwise_softmax` and multiplies
by the values; the heads are joined (`concatenation`) and projected. nncc writes the same
layers, with the op's weights. A padding key is left out as nncc (and PyTorch) leave it out:
its score is replaced by −∞ (`SelectOperator` with the constant −∞ where the mask is 1), so its
weight is 0.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from nncc.ir import Node

from .refusals import refuse
from .layers import _float_or_double

if TYPE_CHECKING:
    from .emit import Emitter


def _project(em: Emitter, n: Node, which: str, parent: str) -> str:
    roles = [r for r in (f"{which}_weight", f"{which}_bias") if r in n.weights]
    name = n.name if which == "out" else f"{n.name}_{which}"  # the output projection is the op's value
    lay, fc = em.layer(name, [parent], "channelwise_fully_connected", em.weights_of(n, *roles))
    fc.output_channel_dims.append(n.output.ttype.shape[-1])
    fc.bias.value = bool(n.attrs["bias"])
    return str(lay.name)


def _heads(em: Emitter, n: Node, which: str, parent: str, heads: int, size: int) -> list[str]:
    """The projection cut into heads along the features (one `identity` per slice, as the frontend)."""
    sl, p = em.layer(f"{n.name}_{which}_heads", [parent], "slice")
    p.axis = 1
    p.slice_points.extend(range(0, heads * size + 1, size))
    return [str(em.layer(f"{n.name}_{which}{h}", [sl.name], "identity")[0].name) for h in range(heads)]


def _attention(em: Emitter, n: Node) -> None:
    q, k, v = n.inputs[:3]
    mask = n.inputs[3] if len(n.inputs) > 3 else None
    if n.attrs["causal"]:
        raise refuse("attention-causal", "attention(causal=true) has no LBANN equivalent: LBANN has no triangular mask "
                     "(target `lbann`)", n.span_of("causal"))
    lq, s = q.ttype.shape[1], k.ttype.shape[1]
    if mask is not None and not (isinstance(lq, int) and isinstance(s, int)):
        raise refuse("attention-mask-lengths",
                     f"attention with key_padding_mask over {q.type} and {k.type}: LBANN needs static "
                     "lengths to spread the mask over the scores (target `lbann`)", n.span)
    e, heads = n.output.ttype.shape[-1], n.attrs["num_heads"]
    size = e // heads
    proj = {w: _project(em, n, w, em.x(x)) for w, x in (("query", q), ("key", k), ("value", v))}
    qs, ks, vs = (_heads(em, n, w, proj[w], heads, size) for w in ("query", "key", "value"))
    if mask is not None:  # [S] per sample (1 at a padding key) spread over the [L, S] scores
        row, rp = em.layer(f"{n.name}_mask_row", [em.x(mask)], "reshape")
        rp.dims.extend([1, s])
        spread, tp = em.layer(f"{n.name}_mask", [row.name], "tessellate")
        tp.dims.extend([lq, s])
    outs = []
    for h in range(heads):
        mm, mp = em.layer(f"{n.name}_scores{h}", [qs[h], ks[h]], "matmul")
        mp.transpose_b = True
        last = em.operator(f"{n.name}_scaled{h}", [mm.name], ("ScaleOperator", {"constant": 1 / math.sqrt(size)}))
        if mask is not None:
            last = em.operator(f"{n.name}_masked{h}", [spread.name, last.name], ("SelectOperator", {
                "value": 1.0, "epsilon": 0.5, "constant_if_true": True, "value_if_true": -math.inf}))
        _float_or_double(em, n, "channelwise_softmax")
        sm, _ = em.layer(f"{n.name}_weights{h}", [last.name], "channelwise_softmax")  # per row: over the keys
        outs.append(em.layer(f"{n.name}_head{h}", [sm.name, vs[h]], "matmul")[0].name)
    cat, jp = em.layer(f"{n.name}_joined", outs, "concatenation")
    jp.axis = 1
    out = _project(em, n, "out", cat.name)
    em.src[id(n.output)] = out
