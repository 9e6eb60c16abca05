"""infer-shapes: give every value a full type and every weight its shape.

Runs each op's shape function in graph order. A broken rule becomes a diagnostic
at the span of the argument to blame; values downstream of an error are left
untyped and skipped, so independent errors elsewhere are still reported.
"""
from __future__ import annotations

from .. import codes
from ..diagnostics import Note
from ..ir import DTYPE_BYTES, FLOAT_DTYPES, Graph, Init, TensorType, Weight
from ..limits import LIMITS
from ..ops import REGISTRY
from ..shapes import ShapeError
from . import Pass, PassContext, PassResult, register

MAX_WEIGHT_ELEMENTS = 2 ** 34  # default of LIMITS["max_weight_elements"] (nncc/limits.py); see docs/security.md


def infer_shapes(g: Graph, ctx: PassContext) -> PassResult:
    for node in g.nodes:
        if any(v.type is None for v in node.inputs):
            continue  # downstream of an error already reported
        opdef = REGISTRY[node.op]
        ins = [v.type for v in node.inputs]
        attrs = node.attrs
        try:
            like = node.meta.get("like")  # a number in tensor arithmetic takes the other operand's dtype
            if like is not None and like.type is not None:
                attrs["dtype"] = like.type.dtype
            outs = opdef.shape(ins, attrs)  # type: ignore[arg-type]
        except ShapeError as e:
            _report(node, e, ctx)
            continue
        if not _sizes_ok(node, outs, ctx):
            continue  # outputs stay untyped: nothing downstream is sized from an overflowing dim
        for v, t in zip(node.outputs, outs):
            v.type = t
        if opdef.weights is not None and not node.weights:
            _make_weights(node, opdef, ins, ctx)  # type: ignore[arg-type]
    _total_weight_bytes(g, ctx)
    return PassResult(True)


def _sizes_ok(node, outs: list[TensorType], ctx: PassContext) -> bool:
    """Dims and element counts stay far below int64 overflow (and below anything allocatable)."""
    max_dim, max_el = LIMITS["max_dim"], LIMITS["max_tensor_elements"]
    for t in outs:
        n = 1
        for d in t.shape:
            if isinstance(d, int):
                if d > max_dim:
                    ctx.bag.error(codes.TOO_LARGE, f"{node.op}: output dimension {d:,} is above the limit of {max_dim:,}",
                                  node.span, "raise it with --limit max_dim=N if this is intended")
                    return False
                n *= d
        if n > max_el:
            ctx.bag.error(codes.TOO_LARGE, f"{node.op}: output {t} has {n:,} elements (per sample), above the limit of "
                          f"{max_el:,}", node.span, "raise it with --limit max_tensor_elements=N if intended")
            return False
    return True


def _total_weight_bytes(g: Graph, ctx: PassContext) -> None:
    """All weights together must fit: checked here, before any target allocates or draws one."""
    limit = LIMITS["max_weight_bytes"]
    total, biggest = 0, None
    for w in g.weights():
        if w.share is not None or not w.ttype.is_static:
            continue
        n = DTYPE_BYTES.get(w.ttype.dtype, 4) * w.ttype.numel()
        total += n
        if biggest is None or n > biggest[0]:
            biggest = (n, w)
    if total > limit and biggest is not None:
        n, w = biggest
        ctx.bag.error(codes.TOO_LARGE, f"the model's weights take {total:,} bytes, above the limit of {limit:,} "
                      f"(the largest, `{w.name}`, takes {n:,})", w.span,
                      "raise it with --max-weight-bytes N (e.g. 16G) if this model is real")


def _report(node, e: ShapeError, ctx: PassContext) -> None:
    span = node.span_of(e.where) if e.where is not None else node.span
    notes = []
    if isinstance(e.where, int) and e.where < len(node.inputs):
        v = node.inputs[e.where]
        if v.producer is not None and v.producer.span is not None:
            notes.append(Note(f"`{v.name}` is {v.type}, made by {v.producer.op}()", v.producer.span))
    ctx.bag.error(e.code, e.message, span, e.help, notes)


def _make_weights(node, opdef, ins: list[TensorType], ctx: PassContext) -> None:
    meta = getattr(node, "meta", {})
    wopts = meta.get("weight_opts", {})
    wpath = meta.get("wpath", node.name)  # the elaborator's stable path (nncc/wnames.py); nodes made later: theirs
    dtype = ins[0].dtype if ins and ins[0].dtype in FLOAT_DTYPES else "f32"
    for i, spec in enumerate(opdef.weights(ins, node.attrs)):
        if any(not isinstance(d, int) for d in spec.shape):
            ctx.bag.error(codes.SHAPE_MISMATCH, f"{node.op}: weight `{spec.role}` would have a symbolic shape "
                          f"{list(spec.shape)}", node.span, "the dims that size a weight must be known numbers")
            return
        n = 1
        for d in spec.shape:
            n *= d
        if n > LIMITS["max_weight_elements"]:
            ctx.bag.error(codes.TOO_LARGE, f"{node.op}: weight `{spec.role}` has {n:,} elements, above the limit of "
                          f"{LIMITS['max_weight_elements']:,}", node.span,
                          "raise it with --limit max_weight_elements=N if this is intended")
            return
        init = spec.init
        lr, wd = 1.0, 1.0
        share = None
        if f"{spec.prefix}_init" in wopts:
            init = wopts[f"{spec.prefix}_init"][0]
        if f"{spec.prefix}_lr" in wopts:
            lr = float(wopts[f"{spec.prefix}_lr"][0])
        if f"{spec.prefix}_wd" in wopts:
            wd = float(wopts[f"{spec.prefix}_wd"][0])
        if f"{spec.prefix}_share" in wopts:
            share = wopts[f"{spec.prefix}_share"]
        w = Weight(f"{wpath}.{spec.role}", TensorType(spec.dtype or dtype, spec.shape), spec.role,
                   init if isinstance(init, Init) else spec.init, lr, wd, None, node.where, spec.trainable)
        w.owner = node
        w.seq = (node.stamp, i)
        if "legacy" in meta and meta["legacy"] != wpath:
            w.legacy = f"{meta['legacy']}.{spec.role}"
        if share is not None:
            w = _resolve_share(node, spec, w, share, ctx) or w
        node.weights[spec.role] = w
    return


def _resolve_share(node, spec, w: Weight, share, ctx: PassContext) -> Weight | None:
    value, span = share
    other = value.producer
    if other is None or spec.role not in other.weights:
        ctx.bag.error(codes.ARG_TYPE, f"`{spec.prefix}_share`: `{value.name}` has no `{spec.role}` weight to share", span)
        return None
    src = other.weights[spec.role]
    if src.ttype.shape != w.ttype.shape and tuple(reversed(src.ttype.shape)) == w.ttype.shape:
        w.share = src  # tied transposed (autoencoder decoders); kept as its own weight, marked tied
        w.init = src.init
        return w
    if src.ttype.shape != w.ttype.shape:
        ctx.bag.error(codes.SHAPE_MISMATCH, f"cannot share `{src.name}` {src.type} as a weight of shape {list(w.ttype.shape)}", span)
        return None
    return src


register(Pass("infer-shapes", infer_shapes, ensures=("typed",), required=True,
              doc="types every value and shapes every weight; shape rules are checked here"))
