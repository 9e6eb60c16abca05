"""A small numpy reading of LBANN layers, as LBANN's layer documentation defines them, for the tests that
check a lowering computes what nncc's definition of an op computes (attention, lstm, and the layers whose
weights --weights fills). One sample at a time, as LBANN's layers see it; only the kinds those lowerings
write are read, anything else fails."""
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


def _conv2d(lay: pb.Layer, xs: list[np.ndarray], ws: list[np.ndarray]) -> np.ndarray:
    """LBANN's convolution (2-D, one group): its kernel is one column of out × in × kh × kw (get_kernel_dims)."""
    c = lay.convolution
    x = xs[0]
    (kh, kw), (sh, sw), (ph, pw), o = c.kernel_size, c.stride, c.padding, c.out_channels
    assert c.groups.value in (0, 1) and list(c.dilation) in ([], [1, 1])
    k = ws[0].reshape(o, x.shape[0], kh, kw)
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    oh, ow = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    y = np.empty((o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, i, j] = np.tensordot(k, xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw], axes=3)
    return y + ws[1].reshape(o, 1, 1) if len(ws) > 1 else y


def _batch_norm(lay: pb.Layer, xs: list[np.ndarray], ws: list[np.ndarray]) -> np.ndarray:
    """LBANN's batch normalization as it evaluates (running statistics: its 3rd and 4th weights)."""
    scale, bias, mean, var = ws
    per = (-1,) + (1,) * (xs[0].ndim - 1)
    eps = lay.batch_normalization.epsilon
    return (xs[0] - mean.reshape(per)) / np.sqrt(var.reshape(per) + eps) * scale.reshape(per) + bias.reshape(per)


def _embedding(lay: pb.Layer, xs: list[np.ndarray], ws: list[np.ndarray]) -> np.ndarray:
    """LBANN's embedding: a matrix [dim, num_embeddings], column i the vector of index i."""
    (e,) = ws
    assert e.shape == (lay.embedding.embedding_dim, lay.embedding.num_embeddings)
    return e[:, xs[0].astype(int)].T


def _gru(lay: pb.Layer, xs: list[np.ndarray], ws: list[np.ndarray]) -> np.ndarray:
    """LBANN's gru (PyTorch's GRU): weights [3H, F], [3H, H], [3H], [3H] with the gate blocks r, z, n."""
    x, h0 = xs
    w_ih, w_hh, b_ih, b_hh = ws
    hd = lay.gru.hidden_size
    assert w_ih.shape == (3 * hd, x.shape[1]) and w_hh.shape == (3 * hd, hd)
    h, out = h0.reshape(-1), []
    for t in range(x.shape[0]):
        gi, gh = w_ih @ x[t] + b_ih, w_hh @ h + b_hh
        r = 1 / (1 + np.exp(-(gi[:hd] + gh[:hd])))
        z = 1 / (1 + np.exp(-(gi[hd:2 * hd] + gh[hd:2 * hd])))
        n = np.tanh(gi[2 * hd:] + r * gh[2 * hd:])
        h = (1 - z) * n + z * h
        out.append(h)
    return np.stack(out)


def _layer_norm(lay: pb.Layer, xs: list[np.ndarray], ws: list[np.ndarray]) -> np.ndarray:
    """LBANN's layer norm from `start_dim` on, with per-entry scale and bias (columns)."""
    x, start = xs[0], lay.layer_norm.start_dim
    axes = tuple(range(start, x.ndim))
    eps = lay.layer_norm.epsilon.value
    y = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    shape = x.shape[start:]
    return y * ws[0].reshape(shape) + ws[1].reshape(shape)


def _weights_layer(lay: pb.Layer, xs: list[np.ndarray], ws: list[np.ndarray]) -> np.ndarray:
    return ws[0].reshape(list(lay.weights_layer.dims))


LEARNED = {"convolution": _conv2d, "batch_normalization": _batch_norm, "embedding": _embedding, "gru": _gru,
           "layer_norm": _layer_norm, "weights_layer": _weights_layer,
           "relu": lambda lay, xs, ws: np.maximum(xs[0], 0)}


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
            elif k in LEARNED:
                done[name] = LEARNED[k](lay, xs, ws)
            else:
                raise AssertionError(f"layer kind {k} is not read here")
        return done[name]

    return get(want)
