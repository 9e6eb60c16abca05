"""`lstm` on SMAUG, unrolled over time as SMAUG's frontend unrolls its LSTM layer (smaug/python/ops/recurrent.py).

SMAUG has no recurrent op. Its frontend's LSTM class splits the [N, T, C] (NTC) input into T steps
(`<layer>:unstack:split`, then a `<layer>:unstack:squeeze` Reshape per step) and, for each step t,
writes `<layer>:step<t>:mm_f` (x·W), `mm_u` (h·U), `add_z`, a four-way `split` of the gates,
`sigmoid_i`, `sigmoid_f`, `mul_f` (f·c), `act0` (tanh of the cell input), `mul_i`, `add_c`,
`sigmoid_o`, `act1` and `mul_h`, all prefixed `<layer>:step<t>:` but `mm_u` and `split`, which its
frontend leaves unscoped. Both weights are Data nodes once per layer; on the Reference back end,
whose inner products read weights as CN, each use reorders them (a Reorder per step). The zero
initial states are Data nodes whose tensors are `<layer>:/h` and `<layer>:/c`. A layer's steps feed
the next layer directly; the steps are joined into one [N, T, H] tensor (`expand_dims` Reshapes and
a `concat`) only where something else reads the sequence.

nncc's lstm stacks its gates i, o, f, c (ONNX order); SMAUG's split reads i, f, c, o, so the
weights' row blocks are permuted when they are stored. SMAUG's LSTM has no bias: a bias is added to
z (`add_b`). A bidirectional layer runs the backward direction over the reversed steps and
concatenates each time step's two outputs (`<layer>:concat`), as nncc's lstm (and ONNX, PyTorch)
define it; SMAUG's BidirectionalLSTM pairs the forward step t with the backward direction's t-th
step instead, which is another function.
"""
from __future__ import annotations

import numpy as np

from nncc.ir import Node, Value
from nncc.layergraph import Unsupported

from . import graph_pb2 as pb
from .emit import Emitter, Ref
from .params import encode

# nncc's gate blocks are i, o, f, c; SMAUG's split reads i, f, c, o
GATE_ORDER = (0, 2, 3, 1)


def _gates(w: np.ndarray) -> np.ndarray:
    """Row blocks of a [4·hidden, ...] weight (or [4·hidden] bias) from nncc's gate order into SMAUG's."""
    blocks = np.split(np.asarray(w, dtype=np.float32), 4, axis=0)
    return np.concatenate([blocks[i] for i in GATE_ORDER], axis=0)


def _suffix(layer: int, reverse: bool) -> str:
    return ("" if layer == 0 else f"_l{layer}") + ("_reverse" if reverse else "")


class _Layer:
    """One direction of one layer: its weights' Data nodes (made at their first use) and the step loop."""

    def __init__(self, E: Emitter, n: Node, layer: int, reverse: bool, prefix: str):
        self.E, self.n, self.prefix = E, n, prefix
        s = _suffix(layer, reverse)
        self.hidden = int(n.attrs["hidden"])
        self.kernel = _gates(n.weights[f"weight{s}"].data)
        self.recurrent = _gates(n.weights[f"recurrent_weight{s}"].data)
        self.bias = None
        if n.attrs.get("bias", True):
            self.bias = _gates(n.weights[f"bias{s}"].data) + _gates(n.weights[f"recurrent_bias{s}"].data)
        self.refs: dict[str, Ref] = {}

    def weight(self, key: str, arr: np.ndarray) -> Ref:
        """The weight's Data node (NC, stored out × in), made once; a Reorder per use where the back end wants CN."""
        E = self.E
        r = self.refs.get(key)
        if r is None:
            r = self.refs[key] = E.data(arr, "NC", E.ftype)
        return E.reorder(r, "CN") if E.inner_product_weights == "CN" else r

    def state(self, key: str, batch: int) -> Ref:
        """A zero initial state (h or c), a Data node whose tensor is `<layer>:/<key>` as in SMAUG's frontend."""
        E = self.E
        r, tname = E.data_node([batch, self.hidden], "NC", E.ftype, tensor=f"{self.prefix}/{key}")
        E.params.append(encode(tname, np.zeros((batch, self.hidden), np.float32), E.ftype, E.align))
        return r

    def mat_mul(self, x: Ref, w: Ref, name: str) -> Ref:
        dims = [x.dims[0], w.dims[0] if w.layout == "NC" else w.dims[1]]
        return self.E.add_node("mat_mul", "InnerProduct", [x, w], [(dims, "NC")], pb.Params(), name=name)[0]

    def run(self, steps: list[Ref]) -> list[Ref]:
        """The outputs h of each step, in the order of `steps`."""
        E, p, hid = self.E, self.prefix, self.hidden
        h: Ref | None = None
        c: Ref | None = None
        out = []
        for t, x in enumerate(steps):
            pfx = f"{p}step{t}:"
            z = self.mat_mul(x, self.weight("kernel", self.kernel), E.unique(pfx + "mm_f"))
            # Data nodes in the frontend's order: on Reference U's Reorder (and so its Data node) comes before
            # the product, which then makes h's; on SMV the product makes its inputs' Data nodes, h then U
            if E.inner_product_weights == "CN":
                u = self.weight("recurrent", self.recurrent)
                h = h or self.state("h", x.dims[0])
            else:
                h = h or self.state("h", x.dims[0])
                u = self.weight("recurrent", self.recurrent)
            z = E.eltwise("EltwiseAdd", "add", z, self.mat_mul(h, u, E.unique("mm_u")), self.n, E.unique(pfx + "add_z"))
            if self.bias is not None:  # an activation-like [1, 4·hidden] NC tensor: never reordered
                b = self.refs.get("bias") or self.refs.setdefault("bias", E.data(self.bias.reshape(1, -1), "NC", E.ftype))
                z = E.eltwise("EltwiseAdd", "add", z, b, self.n, E.unique(pfx + "add_b"))
            params = pb.Params()
            params.split_params.split_axis = 1
            zi, zf, zc, zo = E.add_node("split", "Split", [z], [([z.dims[0], hid], "NC")] * 4, params)
            i = E.add_node("sigmoid", "Sigmoid", [zi], [(zi.dims, "NC")], name=E.unique(pfx + "sigmoid_i"))[0]
            f = E.add_node("sigmoid", "Sigmoid", [zf], [(zf.dims, "NC")], name=E.unique(pfx + "sigmoid_f"))[0]
            if c is None:
                c = self.state("c", x.dims[0])
            fc = E.eltwise("EltwiseMul", "mul", f, c, self.n, E.unique(pfx + "mul_f"))
            g = E.add_node("tanh", "Tanh", [zc], [(zc.dims, "NC")], name=E.unique(pfx + "act0"))[0]
            ig = E.eltwise("EltwiseMul", "mul", i, g, self.n, E.unique(pfx + "mul_i"))
            c = E.eltwise("EltwiseAdd", "add", fc, ig, self.n, E.unique(pfx + "add_c"))
            o = E.add_node("sigmoid", "Sigmoid", [zo], [(zo.dims, "NC")], name=E.unique(pfx + "sigmoid_o"))[0]
            tc = E.add_node("tanh", "Tanh", [c], [(c.dims, "NC")], name=E.unique(pfx + "act1"))[0]
            h = E.eltwise("EltwiseMul", "mul", o, tc, self.n, E.unique(pfx + "mul_h"))
            out.append(h)
        return out


def unstack(E: Emitter, v: Value, prefix: str) -> list[Ref]:
    """The steps of a sequence [N, T, C]: a layer's own steps, or a Split along T and a Reshape per step."""
    if id(v) in E.sequences:
        return E.sequences[id(v)][0]
    x = E.ref(v)
    n, t, c = x.dims
    params = pb.Params()
    params.split_params.split_axis = 1
    parts = E.add_node("split", "Split", [x], [([n, 1, c], x.layout)] * t, params, name=E.unique(f"{prefix}unstack:split"))
    return [E.add_node("reshape", "Reshape", [r], [([n, c], "NC")], name=E.unique(f"{prefix}unstack:squeeze"))[0]
            for r in parts]


def stack(E: Emitter, steps: list[Ref], prefix: str) -> Ref:
    """Steps [N, H] joined into a sequence [N, T, H] (NTC), as SMAUG's frontend concatenates an LSTM's outputs."""
    rows = [E.add_node("reshape", "Reshape", [s], [([s.dims[0], 1, s.dims[1]], "NCT")],
                       name=E.unique(f"{prefix}expand_dims"))[0] for s in steps]
    params = pb.Params()
    params.concat_params.concat_axis = 1
    n, _, h = rows[0].dims
    return E.add_node("concat", "Concat", rows, [([n, len(rows), h], "NCT")], params, name=E.unique(f"{prefix}concat"))[0]


def _lstm(E: Emitter, n: Node) -> None:
    a = n.attrs
    name = E.label(n) or "lstm"
    x = n.inputs[0]
    if x.ttype.rank != 3:  # pragma: no cover - the op's shape function requires [N, T, C]
        raise Unsupported(f"lstm of {x.type}")
    bidi = bool(a.get("bidirectional"))
    steps = unstack(E, x, f"{name}:")
    lasts: list[Ref] = []
    for layer in range(int(a.get("num_layers", 1))):
        lname = name if layer == 0 else f"{name}_l{layer}"
        if not bidi:
            steps = _Layer(E, n, layer, False, f"{lname}:").run(steps)
            lasts = [steps[-1]]
            continue
        fwd = _Layer(E, n, layer, False, f"{lname}:fwd_lstm:").run(steps)
        bwd = _Layer(E, n, layer, True, f"{lname}:bwd_lstm:").run(steps[::-1])[::-1]  # bwd[t]: time t
        params = pb.Params()
        params.concat_params.concat_axis = 1
        steps = [E.add_node("concat", "Concat", [f, b], [([f.dims[0], f.dims[1] + b.dims[1]], "NC")], params,
                            name=E.unique(f"{lname}:concat"))[0] for f, b in zip(fwd, bwd)]
        lasts = [fwd[-1], bwd[0]]  # the backward direction ends at t = 0
    out = n.outputs[0]
    if a.get("return_sequences", True):
        E.sequences[id(out)] = (steps, f"{name}:")
        return
    if len(lasts) == 1:
        E.bind(n, lasts)
        return
    params = pb.Params()
    params.concat_params.concat_axis = 1
    dims = [lasts[0].dims[0], lasts[0].dims[1] + lasts[1].dims[1]]
    E.bind(n, E.add_node("concat", "Concat", lasts, [(dims, "NC")], params, name=E.unique(f"{name}:concat")))
