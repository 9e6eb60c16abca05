"""Layers, one rule per op of the lowering table (targets/lbann/__init__.py)."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from nncc.ir import Init, Node, TensorType, Value, Weight
from nncc.opdefs.recurrent import suffix

from . import lbann_pb2 as pb
from .refusals import refuse

if TYPE_CHECKING:
    from .emit import Emitter


# -------------------------------------------------------------------- layers, one function per op

def _conv(kind: str) -> Callable[[Emitter, Node], None]:
    def f(em: Emitter, n: Node) -> None:
        a = n.attrs
        s = len(a["kernel"])
        pads = list(a["pads"])
        if a.get("padding_mode", "zeros") != "zeros" and any(pads):
            raise refuse("conv-padding-mode",
                         f"`{n.op}(padding_mode=\"{a['padding_mode']}\")`: LBANN's convolution pads with zeros "
                         "(target `lbann`)", n.span_of("padding_mode"))
        if pads[:s] != pads[s:]:
            raise refuse("asymmetric-padding",
                         f"`{n.op}` with asymmetric padding {pads} has no LBANN equivalent (target `lbann`)",
                         n.span_of("pad"), "LBANN pads both sides of a dimension equally")
        lay, c = em.layer(n.name, [em.x(n.inputs[0])], kind, em.weights_of(n, "weight", "bias"))
        c.num_dims = s
        c.out_channels = a["out_channels"]
        c.kernel_size.extend(a["kernel"])
        c.stride.extend(a["stride"])
        c.padding.extend(pads[:s])
        if kind == "deconvolution":
            c.output_padding.extend(a["output_pad"])
        c.groups.value = a["groups"]
        c.has_bias.value = bool(a["bias"])
        c.dilation.extend(a["dilation"])
        em.src[id(n.output)] = lay.name
    return f


def _pool(mode: str) -> Callable[[Emitter, Node], None]:
    def f(em: Emitter, n: Node) -> None:
        a = n.attrs
        if a["ceil_mode"]:
            raise refuse("pool-ceil-mode", f"`{n.op}(ceil_mode=true)` has no LBANN equivalent (target `lbann`)",
                         n.span_of("ceil_mode"))
        if any(d != 1 for d in a.get("dilation", (1,))):
            raise refuse("pool-dilation",
                         f"`{n.op}` with dilation {list(a['dilation'])} has no LBANN equivalent (target `lbann`)",
                         n.span_of("dilation"))
        k, st, pads = list(a["kernel"]), list(a["stride"]), list(a["pads"])
        if pads[:2] != pads[2:]:
            raise refuse("asymmetric-padding",
                         f"`{n.op}` with asymmetric padding {pads} has no LBANN equivalent (target `lbann`)",
                         n.span_of("pad"))
        m = mode
        if mode == "average" and not a.get("count_include_pad", False) and any(pads):
            m = "average_no_pad"
        pool(em, n.name, em.x(n.inputs[0]), m, k, st, pads[:2], n.output)
    return f


def pool(em: Emitter, name: str, parent: str, mode: str, k: list, st: list, pads: list, out: Value) -> None:
    lay, p = em.layer(name, [parent], "pooling")
    p.pool_mode = mode
    p.num_dims = len(k)
    if len(set(k)) == 1 and len(set(st)) == 1 and len(set(pads)) == 1:
        p.pool_dims_i, p.pool_strides_i = k[0], st[0]
        if pads[0]:
            p.pool_pads_i = pads[0]
    else:
        p.has_vectors = True
        p.pool_dims.extend(k)
        p.pool_strides.extend(st)
        p.pool_pads.extend(pads)
    em.src[id(out)] = lay.name


def _gap(em: Emitter, n: Node) -> None:
    dims = em.static(n, tuple(n.inputs[0].ttype.shape[2:]), "spatial dims")
    if len(dims) != 2:
        raise refuse("global-pool-dims", f"`global_avg_pool` over {len(dims)} spatial dims has no LBANN equivalent "
                     f"(target `lbann`)", n.span)
    users = [m for m in em.g.nodes if n.output in m.inputs]
    if users and n.output not in em.g.outputs and all(m.op in ("flatten", "linear") for m in users):
        # [C] per sample, as LBANN's ResNets write it; flatten and fully_connected read it as [C, 1, 1]
        lay, _ = em.layer(n.name, [em.x(n.inputs[0])], "channelwise_mean")
        em.src[id(n.output)] = lay.name
        return
    pool(em, n.name, em.x(n.inputs[0]), "average", dims, dims, [0, 0], n.output)


def _linear(em: Emitter, n: Node) -> None:
    x = n.inputs[0]
    r = x.ttype.rank
    ws = em.weights_of(n, "weight", "bias")
    tied = n.weights["weight"].share is not None  # tied transposed (`w_share` of a mirror layer)
    parent = em.x(x)
    if r == 2:
        lay, fc = em.layer(n.name, [parent], "fully_connected", ws)
        fc.num_neurons = n.attrs["out_features"]
        fc.has_bias = bool(n.attrs["bias"])
        fc.transpose = tied  # LBANN then shapes the weights [in, out]: the tied layer's [out, in] read transposed
        em.src[id(n.output)] = lay.name
        return
    if r < 2:
        raise refuse("linear-no-features",
                     "`linear` of a tensor without a feature dim has no LBANN equivalent (target `lbann`)",
                     n.span)
    # [N, ..., in]: the same affine map over every leading position (LBANN's channelwise_fully_connected)
    lead = x.ttype.shape[1:-1]
    if r > 3:
        rows = em.static(n, tuple(lead), "leading dims")
        rl, rs = em.layer(f"{n.name}_rows", [parent], "reshape")
        rs.dims.extend([math.prod(rows), em.static(n, (x.ttype.shape[-1],), "feature dim")[0]])
        parent = rl.name
    lay, fc = em.layer(n.name if r == 3 else f"{n.name}_fc", [parent], "channelwise_fully_connected", ws)
    fc.output_channel_dims.append(n.attrs["out_features"])
    fc.bias.value = bool(n.attrs["bias"])
    if tied:
        fc.transpose.value = True
    if r > 3:
        back, bs = em.layer(n.name, [lay.name], "reshape")
        bs.dims.extend([*em.static(n, tuple(lead), "leading dims"), n.attrs["out_features"]])
        lay = back
    em.src[id(n.output)] = lay.name


def _matmul(em: Emitter, n: Node) -> None:
    a, b = n.inputs
    if a.ttype.shape[:-2] != b.ttype.shape[:-2] or a.ttype.rank not in (3, 4):
        raise refuse("matmul-shapes", f"`matmul` of {a.type} and {b.type} has no LBANN equivalent: LBANN multiplies "
                     f"per-sample matrices or equal-sized batches of them (target `lbann`)", n.span)
    lay, mm = em.layer(n.name, [em.x(a), em.x(b)], "matmul")
    mm.transpose_a, mm.transpose_b = bool(n.attrs.get("transpose_a")), bool(n.attrs.get("transpose_b"))
    em.src[id(n.output)] = lay.name


def _bn(em: Emitter, n: Node) -> None:
    # LBANN keeps the running mean and variance itself; with --weights they are its 3rd and 4th weights (given
    # values, no optimizer), as LBANN's frontend writes them under amp
    roles = ("scale", "bias", "mean", "var") if em.ctx.weights_path is not None else ("scale", "bias")
    lay, bn = em.layer(n.name, [em.x(n.inputs[0])], "batch_normalization", em.weights_of(n, *roles))
    if n.attrs["momentum"] == 0:
        raise refuse("batch-norm-momentum-0",
                     "batch_norm(momentum=0): LBANN reads a decay of 0 as its default, 0.9, so the running "
                     "statistics cannot follow the last batch alone (target `lbann`)", n.span_of("momentum"),
                     "give a momentum above 0, e.g. 1e-6")
    bn.decay = float(n.attrs["momentum"])
    bn.epsilon = float(n.attrs["eps"])
    em.src[id(n.output)] = lay.name


def _float_or_double(em: Emitter, n: Node, layer: str) -> None:
    if em.dtype == pb.FP16:
        raise refuse("fp16-layer", f"LBANN's {layer} layer exists in float and double only, not fp16 (target `lbann`)",
                     n.span, "use -O data_type=float with -O amp=true for mixed precision")


def _ln(em: Emitter, n: Node) -> None:
    _float_or_double(em, n, "layer_norm")
    lay, ln = em.layer(n.name, [em.x(n.inputs[0])], "layer_norm", em.weights_of(n, "scale", "bias"))
    ln.epsilon.value = float(n.attrs["eps"])
    ln.scale = True
    ln.bias = True
    if n.inputs[0].ttype.rank > 2:
        ln.start_dim = n.inputs[0].ttype.rank - 2  # normalise over the last dim only
    em.src[id(n.output)] = lay.name


def _lrn(em: Emitter, n: Node) -> None:
    lay, p = em.layer(n.name, [em.x(n.inputs[0])], "local_response_normalization")
    p.window_width = n.attrs["size"]
    p.lrn_alpha = float(n.attrs["alpha"])
    p.lrn_beta = float(n.attrs["beta"])
    p.lrn_k = float(n.attrs["k"])
    em.src[id(n.output)] = lay.name


def _dropout(em: Emitter, n: Node) -> None:
    lay, p = em.layer(n.name, [em.x(n.inputs[0])], "dropout")
    p.keep_prob = 1.0 - float(n.attrs["p"])
    em.src[id(n.output)] = lay.name


def _plain(kind: str, **fields: str) -> Callable[[Emitter, Node], None]:
    def f(em: Emitter, n: Node) -> None:
        lay, p = em.layer(n.name, [em.x(v) for v in n.inputs], kind)
        for field, attr in fields.items():
            setattr(p, field, n.attrs[attr])
        em.src[id(n.output)] = lay.name
    return f


def _op(*ops: tuple[str, dict]) -> Callable[[Emitter, Node], None]:
    def f(em: Emitter, n: Node) -> None:
        em.bind(n, em.operator(n.name, [em.x(v) for v in n.inputs], *ops))
    return f


def _softmax(kind: str) -> Callable[[Emitter, Node], None]:
    def f(em: Emitter, n: Node) -> None:
        x = n.inputs[0]
        ax = n.attrs["axis"]
        if ax == 0:
            em.axis(n, 0, "axis")
        if x.ttype.rank == 2:
            lay, _ = em.layer(n.name, [em.x(x)], kind)
        elif kind == "softmax":
            _float_or_double(em, n, "channelwise_softmax")
            lay, p = em.layer(n.name, [em.x(x)], "channelwise_softmax")
            p.dim = ax - 1
            p.single_dim_mode = True
        else:
            raise refuse("log-softmax-axis",
                         f"`log_softmax` over one axis of {x.type} has no LBANN equivalent (target `lbann`)",
                         n.span, "LBANN's log_softmax covers the whole sample; flatten first")
        em.src[id(n.output)] = lay.name
    return f


BINARY = {"add": "AddOperator", "sub": "SubtractOperator", "mul": "MultiplyOperator", "div": "DivideOperator"}


def _binary(em: Emitter, n: Node) -> None:
    a, b = n.inputs
    ca, cb = em.const_value(a), em.const_value(b)
    x = em.x
    if ca is not None and cb is not None:
        raise refuse("two-constants", f"`{n.op}` of two constants should have been folded (target `lbann`)", n.span)
    if cb is not None:
        c = cb
        ops = {"add": ("AddConstantOperator", {"constant": c}), "sub": ("SubtractConstantOperator", {"constant": c}),
               "mul": ("ScaleOperator", {"constant": c}),
               "div": ("ScaleOperator", {"constant": 1.0 / c}) if c else None}[n.op]
        if ops is None:
            raise refuse("divide-by-zero", "division by the constant 0 (target `lbann`)", n.span)
        if not em.same_shape(a, n.output):
            raise refuse("broadcast", f"`{n.op}` broadcasting {a.type} to {n.output.type} has no LBANN equivalent "
                         f"(target `lbann`)", n.span)
        em.src[id(n.output)] = em.operator(n.name, [x(a)], ops).name
        return
    if ca is not None:
        c = ca
        chain: list[tuple[str, dict]] = {
            "add": [("AddConstantOperator", {"constant": c})],
            "sub": [("ConstantSubtractOperator", {"constant": c})],
            "mul": [("ScaleOperator", {"constant": c})],
            "div": [("ReciprocalOperator", {}), ("ScaleOperator", {"constant": c})]}[n.op]
        if not em.same_shape(b, n.output):
            raise refuse("broadcast", f"`{n.op}` broadcasting {b.type} to {n.output.type} has no LBANN equivalent "
                         f"(target `lbann`)", n.span)
        em.src[id(n.output)] = em.operator(n.name, [x(b)], *chain).name
        return
    if not em.same_shape(a, b):
        raise refuse("broadcast",
                     f"`{n.op}` of {a.type} and {b.type} broadcasts, which LBANN's entry-wise layers do not "
                     f"(target `lbann`)", n.span, "give both operands the same shape")
    em.src[id(n.output)] = em.operator(n.name, [x(a), x(b)], (BINARY[n.op], {})).name


def _constant(em: Emitter, n: Node) -> None:
    users = [m for m in em.g.nodes if n.output in m.inputs]
    from .elementwise import TAKES_SCALAR

    if users and all(m.op in BINARY or m.op in TAKES_SCALAR for m in users) and em.const_value(n.output) is not None:
        return  # folded into the users' *ConstantOperator
    if users and all(m.op == "gather" and m.inputs[1] is n.output for m in users):
        return  # indices: the gather writes them as its weights layer (tensors._gather)
    c = em.const_value(n.output)
    if c is None or not n.output.ttype.shape:
        raise refuse("constant-values",
                     "a constant tensor with different values has no LBANN layer (target `lbann`)", n.span)
    lay, p = em.layer(n.name, [], "constant")
    p.value = c
    p.num_neurons.extend(int(d) for d in n.output.ttype.shape)
    em.src[id(n.output)] = lay.name


def _concat(em: Emitter, n: Node) -> None:
    ax = em.axis(n, n.attrs["axis"], "axis")
    lay, p = em.layer(n.name, [em.x(v) for v in n.inputs], "concatenation")
    p.axis = ax
    em.src[id(n.output)] = lay.name


def _split(em: Emitter, n: Node) -> None:
    ax = em.axis(n, n.attrs["axis"], "axis")
    sizes = list(n.attrs["sizes"])
    lay, p = em.layer(n.name, [em.x(n.inputs[0])], "slice")
    p.axis = ax
    p.slice_points.extend([0] + [sum(sizes[:i + 1]) for i in range(len(sizes))])
    # output i of an LBANN slice goes to child i: one identity per output, which may fan out
    for v in n.outputs:
        ident, _ = em.layer(v.name, [lay.name], "identity")
        em.src[id(v)] = ident.name


def _slice(em: Emitter, n: Node) -> None:
    a = n.attrs
    x = n.inputs[0]
    parent = em.x(x)
    shape = list(x.ttype.shape)
    items = list(zip(a["starts"], a["ends"], a["axes"], a["steps"]))
    last = None
    for i, (s, e, ax, st) in enumerate(items):
        d = shape[ax]
        if ax == 0:
            if s == 0 and e >= 2 ** 62 and st == 1:
                continue
            em.axis(n, 0, "axis")
        if st != 1:
            raise refuse("slice-step", f"slicing with step {st} has no LBANN equivalent (target `lbann`)", n.span)
        lo, hi, _ = slice(s, e if e < 2 ** 62 else None, 1).indices(d)
        alone = len(items) == 1 and not a["squeeze"] and em.readers(n.output) <= 1
        lay, p = em.layer(n.name if alone else f"{n.name}_slice{i}", [parent], "slice")
        p.axis = ax - 1
        p.slice_points.extend([lo, hi])
        shape[ax] = hi - lo
        parent = last = lay.name
    # A slice layer has one child per slice; a slice read by several layers fans out through identity.
    if a["squeeze"] or last is None or em.readers(n.output) > 1:
        lay, p = em.layer(n.name, [parent], "reshape" if a["squeeze"] else "identity")
        if a["squeeze"]:
            p.dims.extend(em.static(n, tuple(n.output.ttype.shape[1:]), "dims"))
        last = lay.name
    em.src[id(n.output)] = last


def _reshape(em: Emitter, n: Node) -> None:
    x, out = n.inputs[0], n.output
    users = [m for m in em.g.nodes if out in m.inputs]
    if n.op == "flatten" and out.ttype.rank == 2 and users and all(
            m.op == "linear" and m.inputs[0] is out for m in users) and out not in em.g.outputs:
        em.src[id(out)] = em.x(x)  # LBANN's fully_connected flattens its input itself
        return
    if out.ttype.rank == 0 or out.ttype.shape[0] != x.ttype.shape[0]:
        raise refuse("moves-mini-batch",
                     f"`{n.op}` from {x.type} to {out.type} moves the mini-batch dimension, which LBANN "
                     f"cannot (target `lbann`)", n.span, "keep dim 0 and reshape the rest")
    lay, p = em.layer(n.name, [em.x(x)], "reshape")
    dims = list(out.ttype.shape[1:])
    sym = [i for i, d in enumerate(dims) if not isinstance(d, int)]
    if len(sym) > 1:
        raise refuse("reshape-infer", f"`{n.op}` to {out.type}: LBANN infers at most one dim (target `lbann`)", n.span)
    p.dims.extend(-1 if i in sym else int(d) for i, d in enumerate(dims))
    em.src[id(out)] = lay.name


def _transpose(em: Emitter, n: Node) -> None:
    perm = list(n.attrs["perm"])
    if perm[0] != 0:
        raise refuse("moves-mini-batch",
                     f"`transpose` with perm {perm} moves the mini-batch dimension, which LBANN cannot "
                     f"(target `lbann`)", n.span_of("perm"))
    lay, p = em.layer(n.name, [em.x(n.inputs[0])], "permute")
    p.axes.extend(q - 1 for q in perm[1:])
    em.src[id(n.output)] = lay.name


def _embedding(em: Emitter, n: Node) -> None:
    lay, p = em.layer(n.name, [em.x(n.inputs[0])], "embedding", em.weights_of(n, "weight"))
    p.num_embeddings = n.attrs["num_embeddings"]
    p.embedding_dim = n.attrs["dim"]
    em.src[id(n.output)] = lay.name


# LBANN's gru layer (upstream src/layers/learning/gru.cpp; cuDNN on GPU, oneDNN on CPU) computes PyTorch's GRU,
# i.e. nncc's (linear_before_reset, two biases). It differs from nncc in three ways handled here:
# * parents: the sequence [T, F] per sample and an initial state [num_layers, H]; nncc starts from zeros, so a
#   zero `constant` layer [1, H] is the second parent;
# * output: always the whole sequence [T, H]; return_sequences=false keeps the last step with slice + reshape;
# * weights: exactly four per layer, in this order: ih_matrix [3H, F], hh_matrix [3H, H], ih_bias [3H],
#   hh_bias [3H], with the gate blocks stacked r, z, n (reset, update, new), while nncc stacks z, r, h (ONNX).
#   The initializers nncc maps draw each entry independently or from the matrix dims (fan-in F or H, fan-out 3H,
#   the same for both orders), so the blocks are not reordered there; given values (--weights, initial.py) are
#   written with LBANN rows [0:H] from nncc rows [H:2H] and vice versa.
#   Weights tied (`share`) to a non-gru op would mean different things per row block, so that is an error.
#   bias=false: LBANN still needs the two bias weights; they are zero constants without an optimizer (frozen).
def _gru(em: Emitter, n: Node) -> None:
    x, out, h = n.inputs[0], n.output, n.attrs["hidden"]
    t, f = em.static(n, tuple(x.ttype.shape[1:]), "sequence length and features")
    for w in n.weights.values():
        src = w.share if w.share is not None else w
        tied = [(m, v) for m in em.g.nodes for v in m.weights.values()
                if (v.share if v.share is not None else v) is src]
        if src.role != w.role or any(m.op != "gru" or v.role != w.role for m, v in tied):
            raise refuse("gru-tied",
                         f"`gru` weight `{w.name}` is tied to `{src.name}`, which is not the same gru weight: "
                         f"LBANN stacks the gates r, z, n where nncc stacks z, r, h (target `lbann`)", w.span)
    if n.attrs["bidirectional"]:
        raise refuse("gru-bidirectional",
                     "`gru` with bidirectional=true: LBANN's gru layer runs forward only (target `lbann`)",
                     n.span, "run a second gru over the reversed sequence, or use the onnx or pytorch target")
    prev = em.x(x)
    for k in range(n.attrs["num_layers"]):  # one LBANN gru layer per layer, each with its own weights
        s = suffix(k, False)
        ws = em.weights_of(n, *(role + s for role in ("weight", "recurrent_weight", "bias", "recurrent_bias")))
        if not n.attrs["bias"]:
            for role in ("bias", "recurrent_bias"):
                zero = Weight(f"{n.name}.{role}{s}", TensorType(x.ttype.dtype, (3 * h,)), role + s,
                              Init("constant", (("value", 0.0),)), trainable=False)
                ws.append(em.weight(zero))
        h0, c = em.layer(f"{n.name}{s}_h0", [], "constant")
        c.value = 0.0
        c.num_neurons.extend([1, h])  # num_layers x hidden_size
        final = k == n.attrs["num_layers"] - 1
        name = n.name if final and n.attrs["return_sequences"] else f"{n.name}{s}_seq"
        lay, p = em.layer(name, [prev, h0.name], "gru", ws)
        p.hidden_size = h
        p.num_layers.value = 1
        prev = lay.name
    if not n.attrs["return_sequences"]:
        last, sl = em.layer(f"{n.name}_last", [lay.name], "slice")
        sl.axis = 0
        sl.slice_points.extend([t - 1, t])
        lay, r = em.layer(n.name, [last.name], "reshape")
        r.dims.append(h)
    em.src[id(out)] = lay.name


def _class_head(kind: str) -> Callable[[Emitter, Node], None]:
    def f(em: Emitter, n: Node) -> None:
        logits, label = n.inputs
        if label.producer is not None or em.g.input_roles.get(label.name) != "label":
            raise refuse("head-label", f"`{n.op}` against `{label.name}`: LBANN compares with the labels its data "
                         f"reader delivers, so the target must be an input (target `lbann`)", n.span_of(1))
        if logits.ttype.rank > 2:
            raise refuse("head-per-step", f"`{n.op}` on scores {logits.type}: LBANN's {kind} layer reads one class "
                         "distribution per sample, and its readers give one label per sample (target `lbann`)",
                         n.span)
        lay, p = em.layer(n.name, [em.softmax(logits), em.x(label)], kind)
        if kind == "top_k_categorical_accuracy":
            p.k = n.attrs["k"]
        em.src[id(n.output)] = lay.name
    return f


def _regression(kind: str) -> Callable[[Emitter, Node], None]:
    def f(em: Emitter, n: Node) -> None:
        lay, _ = em.layer(n.name, [em.x(v) for v in n.inputs], kind)
        em.src[id(n.output)] = lay.name
    return f


def _bce(em: Emitter, n: Node) -> None:
    per_entry = em.operator(f"{n.name}_entries", [em.x(v) for v in n.inputs],
                            ("SigmoidBinaryCrossEntropyOperator", {}))
    lay, p = em.layer(n.name, [per_entry.name], "reduction")
    p.mode = "mean"
    em.src[id(n.output)] = lay.name


def _adaptive_pool(mode: str) -> Callable[[Emitter, Node], None]:
    """LBANN's pooling when the output size divides the input's (equal, disjoint windows)."""
    def f(em: Emitter, n: Node) -> None:
        (h, w), (oh, ow) = em.static(n, tuple(n.inputs[0].ttype.shape[2:]), "spatial dims"), n.attrs["output_size"]
        if h % oh or w % ow:
            raise refuse("adaptive-pool-windows",
                         f"`{n.op}` from {h}x{w} to {oh}x{ow}: LBANN's pooling has one window size, and these "
                         "windows differ (target `lbann`)", n.span_of("output_size"),
                         "choose an output size that divides the input's")
        k = [h // oh, w // ow]
        pool(em, n.name, em.x(n.inputs[0]), mode, k, k, [0, 0], n.output)
    return f


def _upsample(em: Emitter, n: Node) -> None:
    """LBANN's upsample layer: nearest by an integer factor per dim."""
    a = n.attrs
    h, w = em.static(n, tuple(n.inputs[0].ttype.shape[2:]), "spatial dims")
    oh, ow = a["size"]
    if a["mode"] != "nearest" or oh % h or ow % w:
        raise refuse("upsample-factor",
                     f"`upsample` to {oh}x{ow} ({a['mode']}): LBANN's upsample layer repeats pixels by an "
                     "integer factor (target `lbann`)", n.span, "use mode=\"nearest\" with an integer scale")
    lay, u = em.layer(n.name, [em.x(n.inputs[0])], "upsample")
    u.upsample_mode = "nearest"
    u.num_dims = 2
    if oh // h == ow // w:
        u.scale_factors_i = oh // h
    else:
        u.has_vectors = True
        u.scale_factors.extend([oh // h, ow // w])
    em.src[id(n.output)] = lay.name


def _instance_norm(em: Emitter, n: Node) -> None:
    if n.weights:
        raise refuse("instance-norm-affine",
                     "`instance_norm(affine=true)`: LBANN's instance_norm layer has no scale and bias "
                     "(target `lbann`)", n.span_of("affine"), "use affine=false, then a scale and a shift")
    lay, p = em.layer(n.name, [em.x(n.inputs[0])], "instance_norm")
    p.epsilon.value = n.attrs["eps"]
    em.src[id(n.output)] = lay.name
