"""`lstm` as the LBANN layers LBANN's own frontend composes an LSTM cell from, unrolled over the sequence.

LBANN has no LSTM layer. Its frontend (`lbann.modules.LSTMCell`) writes each step from a
`fully_connected` layer giving all four gates' pre-activations, a `slice` into the gates, sigmoid and
tanh operators, and entry-wise multiplies and an add for the cell and the output; a model calls the
cell once per step, so the layers repeat over the (static) sequence length. nncc writes the same per
step, layer and direction, with two differences that keep the op's own weights, one for one:
* the frontend multiplies one matrix [4H, F+H] with the concatenation of the input and the state and
  adds one bias; nncc's lstm has an input weight w [4H, F] with bias b and a recurrent weight
  r [4H, H] with bias rb, so a step is `fully_connected(x_t; w, b)` plus `fully_connected(h; r, rb)`.
  Each weight keeps its own initializer (glorot's fan-in is F for w and H for r, as nncc's), and the
  two biases stay two, as nncc trains them;
* the frontend stacks the gates cell, forget, input, output; nncc stacks them input, output, forget,
  cell (ONNX's order), and the gates are sliced in nncc's order, so the rows of every weight mean what
  they mean in nncc (trained values move across tools unchanged).
The state starts at zero, as nncc's (a zero `constant` layer); the recurrent layer still reads it at
the first step, so rb is trained there as in nncc. A step of the input is one child of a `slice` over
the time axis (through `identity`, as the frontend, since a slice gives each child one piece).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from nncc.ir import Node
from nncc.limits import LIMITS
from nncc.opdefs.recurrent import directions, suffix

from .refusals import refuse

if TYPE_CHECKING:
    from .emit import Emitter

# Layers one step of one layer and direction writes (input identity, two fully_connected, the gates' sum,
# slice, three sigmoids, tanh, the cell's two products and sum, its tanh, the output product, and the join
# of the directions): the unrolled size is counted with this before anything is built.
LAYERS_PER_STEP = 16
SIGMOID: tuple[str, dict] = ("SigmoidOperator", {})
TANH: tuple[str, dict] = ("TanhOperator", {})
ADD: tuple[str, dict] = ("AddOperator", {})
MUL: tuple[str, dict] = ("MultiplyOperator", {})


def _check(n: Node, steps: int) -> None:
    work = steps * n.attrs["num_layers"] * directions(n.attrs) * LAYERS_PER_STEP
    if work > LIMITS["max_nodes"]:
        raise refuse("lstm-unrolled-size", f"`lstm` unrolled for LBANN over {steps} steps, {n.attrs['num_layers']} "
                     f"layer(s) and {directions(n.attrs)} direction(s) would write about {work:,} layers, more than "
                     f"the limit of {LIMITS['max_nodes']:,} (max_nodes; target `lbann`)", n.span,
                     "raise it with --max-nodes if this is intended, or shorten the sequence")


def _fc(em: Emitter, name: str, parent: str, n: Node, roles: tuple[str, str], width: int) -> str:
    lay, fc = em.layer(name, [parent], "fully_connected", em.weights_of(n, *roles))
    fc.num_neurons = width
    fc.has_bias = bool(n.attrs["bias"])
    # a weight tied transposed (`w_share` of a layer whose weight is [in, out]): LBANN reads it transposed
    fc.transpose = n.weights[roles[0]].share is not None
    return str(lay.name)


def _cell(em: Emitter, n: Node, s: str, tag: str, x: str, h: str, c: str) -> tuple[str, str]:
    """One step of the layer and direction whose weights end in `s`: the new output and cell state from the
    step's input and the previous state."""
    hidden = n.attrs["hidden"]
    gx = _fc(em, f"{tag}_x", x, n, (f"weight{s}", f"bias{s}"), 4 * hidden)
    gh = _fc(em, f"{tag}_h", h, n, (f"recurrent_weight{s}", f"recurrent_bias{s}"), 4 * hidden)
    pre = em.operator(f"{tag}_gates", [gx, gh], ADD).name
    sl, p = em.layer(f"{tag}_split", [pre], "slice")
    p.axis = 0
    p.slice_points.extend(range(0, 4 * hidden + 1, hidden))
    # the slice's children, in its order: input, output, forget gates and the candidate (nncc's i, o, f, c)
    i, o, f = (em.operator(f"{tag}_{g}", [sl.name], SIGMOID).name for g in ("in", "out", "forget"))
    cand = em.operator(f"{tag}_cand", [sl.name], TANH).name
    kept = em.operator(f"{tag}_kept", [f, c], MUL).name
    added = em.operator(f"{tag}_added", [i, cand], MUL).name
    cell = em.operator(f"{tag}_cell", [kept, added], ADD).name
    squashed = em.operator(f"{tag}_cell_tanh", [cell], TANH).name
    return em.operator(f"{tag}_out", [o, squashed], MUL).name, cell


def _lstm(em: Emitter, n: Node) -> None:
    x, a = n.inputs[0], n.attrs
    hidden, nd = a["hidden"], directions(a)
    steps, _ = em.static(n, tuple(x.ttype.shape[1:]), "sequence length and features")
    _check(n, steps)
    zero, zp = em.layer(f"{n.name}_zero", [], "constant")  # the initial output and cell state
    zp.value = 0.0
    zp.num_neurons.append(hidden)
    sl, sp = em.layer(f"{n.name}_steps", [em.x(x)], "slice")
    sp.axis = 0
    sp.slice_points.extend(range(steps + 1))
    seq = [str(em.layer(f"{n.name}_x{t}", [sl.name], "identity")[0].name) for t in range(steps)]
    lasts: list[str] = []
    for layer in range(a["num_layers"]):
        outs: list[list[str]] = []
        lasts = []
        for d in range(nd):
            s = suffix(layer, d == 1)
            h = c = str(zero.name)
            per = [""] * steps
            for t in (reversed(range(steps)) if d else range(steps)):
                h, c = _cell(em, n, s, f"{n.name}{s}_t{t}", seq[t], h, c)
                per[t] = h
            outs.append(per)
            lasts.append(h)  # backwards, the step at t = 0 (ONNX's Y_h)
        seq = outs[0] if nd == 1 else [_join(em, f"{n.name}{suffix(layer, False)}_y{t}", [o[t] for o in outs])
                                       for t in range(steps)]
    if a["return_sequences"]:
        flat = _join(em, f"{n.name}_seq", seq)
        lay, r = em.layer(n.name, [flat], "reshape")
        r.dims.extend([steps, nd * hidden])
        em.src[id(n.output)] = lay.name
    else:
        em.src[id(n.output)] = lasts[0] if nd == 1 else _join(em, n.name, lasts)


def _join(em: Emitter, name: str, parts: list[str]) -> str:
    """Per-sample vectors end to end (`concatenation` on axis 0), or the one part itself."""
    if len(parts) == 1:
        return parts[0]
    lay, p = em.layer(name, parts, "concatenation")
    p.axis = 0
    return str(lay.name)
