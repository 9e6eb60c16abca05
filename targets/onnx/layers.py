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
