"""Recurrent ops: gru and lstm over batch-first sequences, stacked and bidirectional.

Both share one weight layout: for layer l and direction d, an input weight `weight{s}`
[gates·hidden, in], a recurrent weight `recurrent_weight{s}` [gates·hidden, hidden] and
biases `bias{s}`, `recurrent_bias{s}` [gates·hidden], where the suffix s is `_l{l}` for
layers after the first and `_reverse` for the backward direction (PyTorch's suffixes), so
a one-layer forward gru keeps the names it always had. Gates are stacked in ONNX order.
"""
from __future__ import annotations

from .. import codes
from ..ir import Init, TensorType
from ..limits import LIMITS
from ..ops import Param, T, WeightSpec, check_float, check_positive, check_rank, op
from ..shapes import ShapeError
from .dense import SECTION

GATES = {"gru": 3, "lstm": 4}


def suffix(layer: int, reverse: bool) -> str:
    """The role suffix of a layer's weights in one direction: "", "_reverse", "_l1", "_l1_reverse", ..."""
    return ("" if layer == 0 else f"_l{layer}") + ("_reverse" if reverse else "")


def directions(a: dict) -> int:
    return 2 if a["bidirectional"] else 1


PARAMS = [T(), Param("hidden", "int"), Param("bias", "bool", True), Param("return_sequences", "bool", True),
          Param("num_layers", "int", 1), Param("bidirectional", "bool", False)]


def _weights(kind: str):
    def weights(ins: list[TensorType], a: dict) -> list[WeightSpec]:
        h, g, nd = a["hidden"], GATES[kind], directions(a)
        k = 1.0 / h ** 0.5  # PyTorch's default for every recurrent weight: uniform(±1/sqrt(hidden))
        init = Init("uniform", (("low", -k), ("high", k)))
        out = []
        for layer in range(a["num_layers"]):
            fin = ins[0].shape[-1] if layer == 0 else nd * h
            for d in range(nd):
                s = suffix(layer, d == 1)
                out += [WeightSpec(f"weight{s}", "w", (g * h, fin), init),
                        WeightSpec(f"recurrent_weight{s}", "r", (g * h, h), init)]
                if a["bias"]:
                    out += [WeightSpec(f"bias{s}", "b", (g * h,), init),
                            WeightSpec(f"recurrent_bias{s}", "rb", (g * h,), init)]
        return out
    return weights


def _flops(kind: str):
    # gate arithmetic per hidden unit and step: gru two sigmoids, a tanh, the reset product and the
    # interpolation (about 8); lstm three sigmoids, two tanh and the cell update (about 12)
    arith = {"gru": 8, "lstm": 12}[kind]

    def flops(ins: list[TensorType], outs: list[TensorType], a: dict) -> int:
        t, f, h, g, nd = ins[0].shape[1], ins[0].shape[2], a["hidden"], GATES[kind], directions(a)
        if not (isinstance(t, int) and isinstance(f, int)):
            return 0
        total = 0
        for layer in range(a["num_layers"]):
            fin = f if layer == 0 else nd * h
            total += nd * t * (2 * g * h * (fin + h) + (2 * g * h if a["bias"] else 0) + arith * h)
        return total
    return flops


def _gru_step(x, h, state, w):
    import numpy as np

    gx, gh = x @ w[0].T + w[2], h @ w[1].T + w[3]
    hd = h.shape[1]
    z = 1 / (1 + np.exp(-(gx[:, :hd] + gh[:, :hd])))
    r = 1 / (1 + np.exp(-(gx[:, hd:2 * hd] + gh[:, hd:2 * hd])))
    cand = np.tanh(gx[:, 2 * hd:] + r * gh[:, 2 * hd:])
    return (1 - z) * cand + z * h, state


def _lstm_step(x, h, c, w):
    import numpy as np

    gates = x @ w[0].T + w[2] + h @ w[1].T + w[3]
    i, o, f, cand = np.split(gates, 4, axis=1)  # ONNX order: input, output, forget, cell

    def sig(v):
        return 1 / (1 + np.exp(-v))

    c = sig(f) * c + sig(i) * np.tanh(cand)
    return sig(o) * np.tanh(c), c


def _eval(kind: str):
    """numpy evaluation from the inputs then the weights in the order `weights` gives them."""
    step = _gru_step if kind == "gru" else _lstm_step
    per = 4  # weights per layer and direction, biases zero when the op has none

    def run(xs: list, a: dict) -> list:
        import numpy as np

        x, ws = xs[0], list(xs[1:])
        h_dim, nd = a["hidden"], directions(a)
        lasts: list = []
        for _layer in range(a["num_layers"]):
            seqs, lasts = [], []
            for d in range(nd):
                w = ws[:per if a["bias"] else 2]
                del ws[:len(w)]
                if not a["bias"]:
                    zero = np.zeros(w[0].shape[0], x.dtype)
                    w = [*w, zero, zero]
                h = np.zeros((x.shape[0], h_dim), x.dtype)
                c = np.zeros_like(h)
                out = [h] * x.shape[1]
                for t in (reversed(range(x.shape[1])) if d else range(x.shape[1])):
                    h, c = step(x[:, t], h, c, w)
                    out[t] = h
                seqs.append(np.stack(out, axis=1))
                lasts.append(h)
            x = np.concatenate(seqs, axis=2)
        return [x if a["return_sequences"] else np.concatenate(lasts, axis=1)]
    return run


def _shape(kind: str):
    def shape(ins: list[TensorType], a: dict) -> list[TensorType]:
        x = ins[0]
        check_rank(x, 3, kind, "N, T, features", help="a sequence of vectors, batch first; reshape or embed the input")
        check_float(x, kind)
        check_positive("hidden", a["hidden"])
        check_positive("num_layers", a["num_layers"])
        if a["num_layers"] > LIMITS["max_repeat"]:  # stacked layers are a repeat: bounded before their weights are made
            raise ShapeError(f"num_layers {a['num_layers']} is above the limit of {LIMITS['max_repeat']} (max_repeat)",
                             "num_layers", "raise it with --max-repeat if this is intended", code=codes.TOO_LARGE)
        if not isinstance(x.shape[2], int):
            raise ShapeError(f"{kind} needs a fixed feature size (the last dim) to size its weights, got {x}", 0)
        width = directions(a) * a["hidden"]
        return [x.with_shape((x.shape[0], x.shape[1], width) if a["return_sequences"] else (x.shape[0], width))]
    return shape


_COMMON_DOC = (
    "over a batch-first sequence [N, T, F] → [N, T, D·hidden] (the last step [N, D·hidden] when "
    "return_sequences=false; D = 2 when bidirectional, forward then backward, the backward direction's last "
    "step being the one at t = 0, as ONNX's Y_h), from a zero initial state; num_layers stacks layers, each "
    "reading the previous one's sequence. For layer l and direction d: input weight w [G·hidden, in], "
    "recurrent weight r [G·hidden, hidden], biases b and rb [G·hidden], roles suffixed `_l<l>` after the "
    "first layer and `_reverse` backwards (weight_l1_reverse); every weight defaults to uniform(±1/√hidden)")

op("gru", PARAMS, weight_prefixes=("w", "r", "b", "rb"), weights=_weights("gru"), flops=_flops("gru"),
   eval=_eval("gru"), section=SECTION,
   doc="gated recurrent unit " + _COMMON_DOC.replace("G·", "3·") + "; gates stacked in ONNX order z, r, h; "
       "h̃ = tanh(x·Whᵀ + bh + r ⊙ (hₜ₋₁·Rhᵀ + rbh)) (ONNX linear_before_reset=1, PyTorch's GRU, whose blocks "
       "are r, z, n)")(_shape("gru"))

op("lstm", PARAMS, weight_prefixes=("w", "r", "b", "rb"), weights=_weights("lstm"), flops=_flops("lstm"),
   eval=_eval("lstm"), section=SECTION,
   doc="long short-term memory " + _COMMON_DOC.replace("G·", "4·") + "; gates stacked in ONNX order i, o, f, c "
       "(PyTorch's LSTM stacks i, f, g, o); c = f ⊙ cₜ₋₁ + i ⊙ c̃, h = o ⊙ tanh(c), no peepholes")(_shape("lstm"))
