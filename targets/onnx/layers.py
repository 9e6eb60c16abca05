"""ONNX rules for the recurrent, attention, resizing and normalisation ops (the table names them in emit.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from nncc.ir import Node
from nncc.opdefs.recurrent import directions, suffix

if TYPE_CHECKING:
    from .emit import Lowering


def ints(L: "Lowering", n: Node, tag: str, values: list[int]) -> str:
    return L.const(L.fresh(f"{n.name}/{tag}"), np.array(values, dtype=np.int64))


def step(L: "Lowering", n: Node, op: str, ins: list[str], tag: str, **attrs) -> str:
    """One node with one fresh output named `<node>/<tag>`; returns that output."""
    out = L.fresh(f"{n.name}/{tag}")
    L.add(op, ins, [out], out, **attrs)
    return out


def rnn(op: str) -> Callable[["Lowering", Node], None]:
    """ONNX GRU or LSTM, one node per layer. nncc's weights are ONNX's (gates in ONNX order) per direction, so
    each is unsqueezed to [1, ...] and the directions concatenated, the two biases joined. The sequence runs
    time-major (onnxruntime's CPU kernels reject batch-first layout=1): Y [T, D, N, H] becomes the next layer's
    [T, N, D·H]; Y_h [D, N, H] the last step [N, D·H]."""
    def lower(L: "Lowering", n: Node) -> None:
        a = n.attrs
        h, nd, seq = a["hidden"], directions(a), a["return_sequences"]
        extra: dict[str, Any] = {"linear_before_reset": 1} if op == "GRU" else {}
        if nd == 2:
            extra["direction"] = "bidirectional"

        def stacked(role: str, layer: int) -> str:
            parts = [step(L, n, "Unsqueeze", [L.weight(n, role + suffix(layer, d == 1)), ints(L, n, "axes", [0])],
                          f"{role}{suffix(layer, d == 1)}_1") for d in range(nd)]
            return parts[0] if nd == 1 else step(L, n, "Concat", parts, f"{role}{suffix(layer, False)}_dirs", axis=0)

        x = step(L, n, "Transpose", [n.inputs[0].name], "time_major", perm=[1, 0, 2])
        for layer in range(a["num_layers"]):
            last = layer == a["num_layers"] - 1
            ins = [x, stacked("weight", layer), stacked("recurrent_weight", layer)]
            if a["bias"]:  # B [D, 2·G·H]: the input bias then the recurrent bias, per direction
                ins.append(_biases(L, n, layer, nd))
            tag = f"l{layer}"
            if last and not seq:
                yh = L.fresh(f"{n.name}/{tag}/Y_h")
                L.add(op, ins, ["", yh], L.fresh(f"{n.name}/{tag}/{op.lower()}"), hidden_size=h, **extra)
                by_batch = step(L, n, "Transpose", [yh], f"{tag}/Y_h_batch_major", perm=[1, 0, 2])
                L.add("Reshape", [by_batch, ints(L, n, "shape", [0, nd * h])], [n.output.name], n.name)
                return
            y = L.fresh(f"{n.name}/{tag}/Y")
            L.add(op, ins, [y], L.fresh(f"{n.name}/{tag}/{op.lower()}"), hidden_size=h, **extra)
            tnh = step(L, n, "Transpose", [y], f"{tag}/Y_tnd", perm=[0, 2, 1, 3])
            x = step(L, n, "Reshape", [tnh, ints(L, n, "shape", [0, 0, nd * h])], f"{tag}/out")
        L.add("Transpose", [x], [n.output.name], n.name, perm=[1, 0, 2])
    return lower


def _biases(L: "Lowering", n: Node, layer: int, nd: int) -> str:
    rows = []
    for d in range(nd):
        s = suffix(layer, d == 1)
        cat = step(L, n, "Concat", [L.weight(n, "bias" + s), L.weight(n, "recurrent_bias" + s)], f"bias{s}_cat", axis=0)
        rows.append(step(L, n, "Unsqueeze", [cat, ints(L, n, "axes", [0])], f"bias{s}_1"))
    return rows[0] if nd == 1 else step(L, n, "Concat", rows, f"bias{suffix(layer, False)}_dirs", axis=0)


def padded_input(L: "Lowering", n: Node) -> tuple[str, list[int]]:
    """A convolution's input and the pads its Conv node takes: with padding_mode other than zeros the input
    is padded first (Pad reflect or edge; circular as slices of both ends concatenated, any opset) and the
    Conv pads nothing."""
    a, x = n.attrs, n.inputs[0].name
    pads, mode = list(a["pads"]), a.get("padding_mode", "zeros")
    if mode == "zeros" or not any(pads):
        return x, pads
    s = len(pads) // 2
    if mode != "circular":
        full = [0, 0, *pads[:s], 0, 0, *pads[s:]]
        return step(L, n, "Pad", [x, ints(L, n, "pads", full)], "padded",
                    mode={"reflect": "reflect", "replicate": "edge"}[mode]), [0] * (2 * s)
    for i in range(s):
        b, e, ax = pads[i], pads[s + i], 2 + i
        parts = []
        if b:
            parts.append(step(L, n, "Slice", [x, ints(L, n, "starts", [-b]), ints(L, n, "ends", [2 ** 62]),
                                              ints(L, n, "axes", [ax])], f"wrap_begin{i}"))
        parts.append(x)
        if e:
            parts.append(step(L, n, "Slice", [x, ints(L, n, "starts", [0]), ints(L, n, "ends", [e]),
                                              ints(L, n, "axes", [ax])], f"wrap_end{i}"))
        if len(parts) > 1:
            x = step(L, n, "Concat", parts, f"wrapped{i}", axis=ax)
    return x, [0] * (2 * s)


def adaptive_pool(pool: str, reduce: str) -> Callable[["Lowering", Node], None]:
    """`pool` (AveragePool, MaxPool) when each output cell reads an equal, disjoint window (the size divides);
    else separable: `reduce` over each window of rows, concatenated, then of columns (PyTorch's windows)."""
    from nncc.opdefs.resample import bins

    def lower(L: "Lowering", n: Node) -> None:
        x = n.inputs[0]
        (h, w), (oh, ow) = x.ttype.shape[2:], n.attrs["output_size"]
        assert isinstance(h, int) and isinstance(w, int)  # the shape rule requires it
        if h % oh == 0 and w % ow == 0:
            k = [h // oh, w // ow]
            L.add(pool, [x.name], [n.output.name], n.name, kernel_shape=k, strides=k)
            return
        y = x.name
        for ax, size, out in ((2, h, oh), (3, w, ow)):
            parts = []
            for i, (b, e) in enumerate(bins(size, out)):
                cut = step(L, n, "Slice", [y, ints(L, n, "starts", [b]), ints(L, n, "ends", [e]),
                                           ints(L, n, "axes", [ax])], f"window{ax}_{i}")
                parts.append(_reduce(L, n, reduce, cut, ax, f"pooled{ax}_{i}"))
            final = ax == 3
            if final:
                L.add("Concat", parts, [n.output.name], n.name, axis=ax)
            else:
                y = step(L, n, "Concat", parts, f"rows{ax}", axis=ax)
    return lower


def _reduce(L: "Lowering", n: Node, op: str, x: str, axis: int, tag: str) -> str:
    """Reduce over one axis, kept: axes as an attribute before opset 18, as an input from 18 on."""
    if L.opset >= 18:
        return step(L, n, op, [x, ints(L, n, "axes", [axis])], tag, keepdims=1)
    return step(L, n, op, [x], tag, axes=[axis], keepdims=1)


def upsample(L: "Lowering", n: Node) -> None:
    """Nearest by integer factors as a broadcast (ONNX's shape inference keeps the batch dim's name); else
    Resize by integer scales, or to the output's H, W (sizes: the input's N, C then H, W): nearest as PyTorch's
    (asymmetric coordinates, floor), bilinear with pytorch_half_pixel or align_corners coordinates."""
    a = n.attrs
    (h, w), (oh, ow) = n.inputs[0].ttype.shape[2:], a["size"]
    assert isinstance(h, int) and isinstance(w, int)  # the shape rule requires it
    if a["mode"] == "nearest" and oh % h == 0 and ow % w == 0:  # each pixel repeated: a broadcast, no Resize
        split = step(L, n, "Reshape", [n.inputs[0].name, ints(L, n, "split", [0, 0, h, 1, w, 1])], "pixels")
        reps = step(L, n, "Expand", [split, ints(L, n, "repeats", [1, 1, 1, oh // h, 1, ow // w])], "repeated")
        L.add("Reshape", [reps, ints(L, n, "joined", [0, 0, oh, ow])], [n.output.name], n.name)
        return
    if oh % h == 0 and ow % w == 0:  # integer factors: exact as floats
        ins = ["", L.const(L.fresh(f"{n.name}/scales"), np.array([1, 1, oh // h, ow // w], dtype=np.float32))]
    else:
        shape = step(L, n, "Shape", [n.inputs[0].name], "shape")
        nc = step(L, n, "Slice", [shape, ints(L, n, "starts", [0]), ints(L, n, "ends", [2])], "batch_channels")
        ins = ["", "", step(L, n, "Concat", [nc, ints(L, n, "hw", [oh, ow])], "sizes", axis=0)]
    if a["mode"] == "nearest":
        attrs = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    else:
        attrs = {"mode": "linear",
                 "coordinate_transformation_mode": "align_corners" if a["align_corners"] else "pytorch_half_pixel"}
    L.add("Resize", [n.inputs[0].name, *ins], [n.output.name], n.name, **attrs)


def _const_like(L: "Lowering", n: Node, tag: str, value: np.ndarray) -> str:
    from .emit import NP

    return L.const(L.fresh(f"{n.name}/{tag}"), value.astype(NP[n.inputs[0].ttype.dtype]))


def _per_channel(L: "Lowering", n: Node, role: str) -> str:
    """A [C] weight as [C, 1, ...] to broadcast over the spatial dims."""
    axes = list(range(1, n.inputs[0].ttype.rank - 1))
    return step(L, n, "Unsqueeze", [L.weight(n, role), ints(L, n, f"{role}_axes", axes)], f"{role}_per_channel")


def instance_norm(L: "Lowering", n: Node) -> None:
    c = n.inputs[0].ttype.shape[1]
    assert isinstance(c, int)
    affine = ([L.weight(n, "scale"), L.weight(n, "bias")] if n.weights else
              [_const_like(L, n, "ones", np.ones(c)), _const_like(L, n, "zeros", np.zeros(c))])
    L.add("InstanceNormalization", [n.inputs[0].name, *affine], [n.output.name], n.name, epsilon=n.attrs["eps"])


def group_norm(L: "Lowering", n: Node) -> None:
    """InstanceNormalization over [N, groups, rest] (opset-stable, where GroupNormalization's scale changed
    meaning in opset 21), back to the input's shape, then the per-channel scale and bias."""
    x, g = n.inputs[0].name, n.attrs["groups"]
    grouped = step(L, n, "Reshape", [x, ints(L, n, "grouped", [0, g, -1])], "grouped")
    y = step(L, n, "InstanceNormalization", [grouped, _const_like(L, n, "ones", np.ones(g)),
                                             _const_like(L, n, "zeros", np.zeros(g))], "normalized",
             epsilon=n.attrs["eps"])
    shape = step(L, n, "Shape", [x], "shape")
    if not n.weights:
        L.add("Reshape", [y, shape], [n.output.name], n.name)
        return
    y = step(L, n, "Reshape", [y, shape], "ungrouped")
    y = step(L, n, "Mul", [y, _per_channel(L, n, "scale")], "scaled")
    L.add("Add", [y, _per_channel(L, n, "bias")], [n.output.name], n.name)


def attention(L: "Lowering", n: Node) -> None:
    """Projections as MatMul by the transposed weight (+ bias), heads by Reshape/Transpose, masked scores
    (Where with -inf, as PyTorch), Softmax, the weighted values joined and projected."""
    a = n.attrs
    q, k, v = (i.name for i in n.inputs[:3])
    e, h = n.inputs[0].ttype.shape[2], a["num_heads"]
    assert isinstance(e, int)
    d = e // h

    def project(x: str, p: str) -> str:
        wt = step(L, n, "Transpose", [L.weight(n, f"{p}_weight")], f"{p}_weight_t", perm=[1, 0])
        y = step(L, n, "MatMul", [x, wt], f"{p}_matmul")
        return step(L, n, "Add", [y, L.weight(n, f"{p}_bias")], f"{p}_proj") if a["bias"] else y

    def heads(x: str, p: str, perm: list[int]) -> str:
        split = step(L, n, "Reshape", [project(x, p), ints(L, n, "heads", [0, 0, h, d])], f"{p}_split")
        return step(L, n, "Transpose", [split], f"{p}_heads", perm=perm)

    scores = step(L, n, "MatMul", [heads(q, "query", [0, 2, 1, 3]), heads(k, "key", [0, 2, 3, 1])], "qk")
    scores = step(L, n, "Mul", [scores, _const_like(L, n, "scale", np.array(1.0 / np.sqrt(d)))], "scores")
    ninf = _const_like(L, n, "ninf", np.array(-np.inf))
    if a["causal"]:
        lq, s = int(n.inputs[0].ttype.shape[1]), int(n.inputs[1].ttype.shape[1])  # fixed: the shape rule
        above = L.const(L.fresh(f"{n.name}/causal"), np.triu(np.ones((lq, s), dtype=np.bool_), 1))
        scores = step(L, n, "Where", [above, ninf, scores], "causal_scores")
    if len(n.inputs) == 4:
        pad = step(L, n, "Unsqueeze", [n.inputs[3].name, ints(L, n, "mask_axes", [1, 2])], "padding")
        scores = step(L, n, "Where", [pad, ninf, scores], "masked_scores")
    probs = step(L, n, "Softmax", [scores], "weights", axis=-1)
    ctx = step(L, n, "MatMul", [probs, heads(v, "value", [0, 2, 1, 3])], "context")
    ctx = step(L, n, "Transpose", [ctx], "context_t", perm=[0, 2, 1, 3])
    joined = step(L, n, "Reshape", [ctx, ints(L, n, "joined", [0, 0, e])], "joined")
    wt = step(L, n, "Transpose", [L.weight(n, "out_weight")], "out_weight_t", perm=[1, 0])
    if not a["bias"]:
        L.add("MatMul", [joined, wt], [n.output.name], n.name)
        return
    y = step(L, n, "MatMul", [joined, wt], "out_matmul")
    L.add("Add", [y, L.weight(n, "out_bias")], [n.output.name], n.name)
