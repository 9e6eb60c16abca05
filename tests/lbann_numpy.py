"""A small numpy reading of LBANN layers, as LBANN's layer documentation defines them, for the tests that
check a lowering computes what nncc's definition of an op computes (attention, lstm). One sample at a
time, as LBANN's layers see it; only the kinds those lowerings write are read, anything else fails."""
from __future__ import annotations

import numpy as np
from nncc.targets.lbann import lbann_pb2 as pb

UNARY = {"SigmoidOperator": lambda x: 1 / (1 + np.exp(-x)), "TanhOperator": np.tanh}
BINARY = {"AddOperator": np.add, "MultiplyOperator": np.multiply}


def kind(lay: pb.Layer) -> str:
    return str(lay.WhichOneof("layer_type"))


def _operator(lay: pb.Layer, xs: list[np.ndarray]) -> np.ndarray:
    (op,) = lay.operator_layer.ops
    name = op.parameters.type_url.rsplit(".", 1)[-1]
    if name in UNARY:
        return UNARY[name](xs[0])
    if name in BINARY:
        a, b = xs
        assert a.shape == b.shape, (lay.name, a.shape, b.shape)  # LBANN's entry-wise layers do not broadcast
        return BINARY[name](a, b)
    if name == "ScaleOperator":
        s = pb.ScaleOperator()
        op.parameters.Unpack(s)
        return xs[0] * s.constant
    if name == "SelectOperator":
        sel = pb.SelectOperator()
        assert op.parameters.Unpack(sel) and sel.constant_if_true and not sel.constant_if_false
        return np.where(np.abs(xs[0] - sel.value) < sel.epsilon, sel.value_if_true, xs[1])
    raise AssertionError(f"operator {name} is not read here")


def run_layers(exp: pb.LbannPB, values: dict[str, np.ndarray], weights: dict[str, np.ndarray],
               want: str) -> np.ndarray:
    """One sample through the layers `want` depends on; `values` gives the layers read from outside."""
    by = {lay.name: lay for lay in exp.model.layer}
    done = dict(values)

    def out(name: str, child: str) -> np.ndarray:
        lay = by[name]
        if kind(lay) == "slice":  # a slice's i-th child reads its i-th piece
            pts = list(lay.slice.slice_points)
            i = list(lay.children).index(child)
            return np.take(get(name), range(pts[i], pts[i + 1]), axis=lay.slice.axis)
        return get(name)

    def get(name: str) -> np.ndarray:
        if name not in done:
            lay = by[name]
            xs = [out(p, name) for p in lay.parents]
            k = kind(lay)
            ws = [weights[n] for n in lay.weights]
            if k == "channelwise_fully_connected":
                w, b = ws
                done[name] = xs[0] @ w.T + b
            elif k == "fully_connected":  # flattens its input; [num_neurons] out
                assert lay.fully_connected.has_bias == (len(ws) == 2)
                y = (ws[0].T if lay.fully_connected.transpose else ws[0]) @ xs[0].reshape(-1)
                assert y.shape == (lay.fully_connected.num_neurons,)
                done[name] = y + ws[1] if len(ws) == 2 else y
            elif k == "constant":
                done[name] = np.full(list(lay.constant.num_neurons), lay.constant.value)
            elif k in ("slice", "identity"):
                done[name] = xs[0]
            elif k == "matmul":
                a, b = xs
                done[name] = (a.T if lay.matmul.transpose_a else a) @ (b.T if lay.matmul.transpose_b else b)
            elif k == "reshape":
                done[name] = xs[0].reshape(list(lay.reshape.dims))
            elif k == "tessellate":
                dims = list(lay.tessellate.dims)
                done[name] = np.tile(xs[0], [d // s for d, s in zip(dims, xs[0].shape)])
            elif k == "concatenation":
                done[name] = np.concatenate(xs, axis=lay.concatenation.axis)
            elif k == "channelwise_softmax":  # default: each slice along dim 0, over the other dims
                z = np.exp(xs[0] - xs[0].max(axis=1, keepdims=True))
                done[name] = z / z.sum(axis=1, keepdims=True)
            elif k == "operator_layer":
                done[name] = _operator(lay, xs)
            else:
                raise AssertionError(f"layer kind {k} is not read here")
        return done[name]

    return get(want)
