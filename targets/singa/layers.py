"""Layers, one rule per op of the lowering table (targets/singa/__init__.py), and the unrolling of
recurrent nets over their time steps."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from nncc import codes
from nncc.ir import Node, Value

from . import job_pb2 as pb
from .base import _clean
from .checkpoint import Blob

if TYPE_CHECKING:
    from .emit import Emitter


def _linear(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kInnerProduct)
    ly.innerproduct_conf.num_output = n.attrs["out_features"]
    if not n.attrs["bias"]:
        ly.innerproduct_conf.bias_term = False
    if n.inputs[0].type is not None and n.inputs[0].type.rank > 2 and not per_step(n.inputs[0]) and (
            n.inputs[0].producer is None or n.inputs[0].producer.op != "flatten"):
        E.err("SINGA's inner-product layer flattens its source to [N, features]; nncc's linear() on a "
              f"{n.inputs[0].type.rank}-D tensor works on the last dim only", n.span,
              "flatten the input first if that is what you mean")
    E.params(ly, n, ly.name)


def _conv(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kCudnnConv if E.gpu else pb.kConvolution if E.mshadow else pb.kCConvolution)
    a = n.attrs
    if a["groups"] != 1:
        E.err("SINGA v0.3 convolution has no groups", n.span_of("groups"))
    if tuple(a["dilation"]) != (1, 1):
        E.err("SINGA v0.3 convolution has no dilation", n.span_of("dilation"))
    if a["padding_mode"] != "zeros" and any(a["pads"]):
        E.err(f"SINGA v0.3 convolution pads with zeros, not padding_mode=\"{a['padding_mode']}\"",
              n.span_of("padding_mode"))
    if not a["bias"]:
        E.err("SINGA v0.3 convolution always has a bias", n.span_of("bias"), "drop bias=false")
    ly.convolution_conf.num_filters = a["out_channels"]
    E.spatial(n, ly.convolution_conf, "convolution")
    E.params(ly, n, ly.name)


def _pool(method_name: str) -> Callable[[Emitter, Node], None]:
    method = getattr(pb.PoolingProto, method_name)  # MAX | AVG

    def f(E: Emitter, n: Node) -> None:
        window = _whole_windows(E, n) if n.op not in ("max_pool2d", "avg_pool2d") else None
        ly = E.simple(n, pb.kCudnnPool if E.gpu else pb.kPooling if E.mshadow else pb.kCPooling)
        if n.op not in ("max_pool2d", "avg_pool2d"):
            ly.pooling_conf.pool = method
            if window is not None:
                E.spatial(n, ly.pooling_conf, "pooling", window)
            return
        if n.attrs["ceil_mode"]:
            E.err("SINGA pooling rounds the output size down; ceil_mode is not available", n.span_of("ceil_mode"))
        if any(d != 1 for d in n.attrs.get("dilation", (1,))):
            E.err("SINGA v0.3 pooling has no dilation", n.span_of("dilation"))
        if method == pb.PoolingProto.AVG and n.attrs.get("count_include_pad") and any(n.attrs["pads"]):
            E.err("SINGA average pooling does not count padding", n.span_of("count_include_pad"))
        ly.pooling_conf.pool = method
        E.spatial(n, ly.pooling_conf, "pooling")
    return f


def _whole_windows(E: Emitter, n: Node) -> tuple | None:
    """global_avg_pool and adaptive pools as one pooling window (kernel = stride, no padding) tiled over the
    input: exact where each output size divides the input's (PyTorch's bins are then such windows)."""
    size = n.inputs[0].ttype.shape[2:]
    out = n.attrs.get("output_size", (1,) * len(size))
    if len(size) != 2 or not all(isinstance(d, int) for d in size):
        E.err(f"SINGA pooling needs fixed 2-D spatial dims to size its window, got {n.inputs[0].type}", n.span)
        return None
    if any(d % o for d, o in zip(size, out)):
        E.err(f"adaptive pooling of {size[0]}x{size[1]} to {out[0]}x{out[1]} has windows of different sizes, and "
              "a SINGA pooling layer has one window size", n.span,
              "choose an output size that divides the input's, or pool with a fixed window")
        return None
    k = tuple(d // o for d, o in zip(size, out))
    return k, k, (0, 0, 0, 0)


def _lrn(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kCudnnLRN if E.gpu else pb.kLRN)
    c = ly.lrn_conf
    c.local_size = E.i32(n.attrs["size"], n.span, "lrn(size=…)")
    c.alpha = n.attrs["alpha"]
    c.beta = n.attrs["beta"]
    if n.attrs["k"] != 1.0:
        c.knorm = n.attrs["k"]


def _dropout(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kDropout)
    ly.dropout_conf.dropout_ratio = n.attrs["p"]


def _act(cpu_type: str, act_type: str) -> Callable[[Emitter, Node], None]:
    """A layer of type `cpu_type` on the CPU, kCudnnActivation of `act_type` on the GPU (names of job.proto)."""
    cpu, act = getattr(pb, cpu_type), getattr(pb, act_type)

    def f(E: Emitter, n: Node) -> None:
        if E.gpu and act is not None:
            ly = E.simple(n, pb.kCudnnActivation)
            ly.activation_conf.type = act
            x = n.inputs[0]
            if E.opts.get("inplace") and x.producer is not None and len(x.users) == 1:
                ly.share_src_blobs = True  # cuDNN's activation computes in place; no other layer reads the source
            return
        ly = E.simple(n, cpu)
        if cpu == pb.kActivation and act is not None:
            ly.activation_conf.type = act
    return f


def _stanh(E: Emitter, n: Node) -> None:
    if E.gpu:
        E.err("SINGA v0.3 has no scaled tanh on GPUs (kSTanh is CPU-only; cuDNN has no STANH)", n.span,
              "use tanh, or set targets.singa.device: cpu")
    E.simple(n, pb.kSTanh)


def _leaky(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kReLU)
    ly.relu_conf.negative_slope = n.attrs["alpha"]


def _softmax(E: Emitter, n: Node) -> None:
    x = n.inputs[0]
    if x.type is not None and n.attrs["axis"] != x.type.rank - 1:
        E.err("SINGA's softmax works over the last dim", n.span_of("axis"))
    E.simple(n, pb.kCudnnSoftmax if E.gpu else pb.kSoftmax)


def _argsort(E: Emitter, n: Node) -> None:
    """argmax → kArgSort (top 1): it ranks each sample's values as one [N, C] row, so the other dims must be 1."""
    x = n.inputs[0]
    if x.type is not None:
        ax = n.attrs["axis"] % x.type.rank
        if ax == 0 or any(d != 1 for i, d in enumerate(x.type.shape) if i not in (0, ax)):
            E.err(f"SINGA's kArgSort ranks all of a sample's values together; argmax over dim {ax} of {x.type} "
                  "ranks along one dim of several", n.span_of("axis") or n.span,
                  "take argmax of an [N, C] tensor, or of one whose other dims (but the batch) are 1")
    E.simple(n, pb.kArgSort)
    E.warn("on equal values SINGA's kArgSort takes the last index and argmax the first", n.span)


def _bn(E: Emitter, n: Node) -> None:
    if not E.gpu:
        E.err("SINGA v0.3 has batch normalisation only as the cuDNN layer (kCudnnBM)", n.span,
              "run on GPUs (train.distributed.gpus or targets.singa.device: gpu)")
    ly = E.simple(n, pb.kCudnnBM)
    ly.bm_conf.SetInParent()
    if abs(n.attrs["eps"] - CUDNN_BN_MIN_EPSILON) > 1e-12:
        E.err(f"SINGA v0.3's kCudnnBM always uses cuDNN's smallest epsilon, 1e-5 (its bm_conf has no eps); "
              f"eps={n.attrs['eps']:g} cannot be written", n.span_of("eps"), "write eps=1e-5")
    if n.attrs["momentum"] != 0:
        E.warn(f"SINGA v0.3's kCudnnBM keeps the last training batch's statistics (cuDNN's average factor 1, "
               f"momentum=0 in nncc's terms); momentum={n.attrs['momentum']:g} is not written (bm_conf has no "
               "field for it), so testing uses the last batch's mean and variance", n.span_of("momentum"),
               "write momentum=0 to say what SINGA does")
    E.params(ly, n, ly.name, learned_state=True)


def _concat(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kConcate)
    ly.concate_conf.concate_dim = n.attrs["axis"]
    ly.concate_conf.num_concates = len(n.inputs)


def _split(E: Emitter, n: Node) -> None:
    sizes = n.attrs["sizes"]
    if len(set(sizes)) != 1:
        E.err(f"SINGA slices into equal parts; sizes {list(sizes)} differ", n.span_of("parts"))
    ly = E.simple(n, pb.kSlice)
    ly.slice_conf.slice_dim = n.attrs["axis"]
    ly.slice_conf.num_slices = len(sizes)


def _one_hot(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kOneHot)
    ly.onehot_conf.vocab_size = n.attrs["classes"]


def _embedding(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kEmbedding)
    ly.embedding_conf.vocab_size = n.attrs["num_embeddings"]
    ly.embedding_conf.feature_dim = n.attrs["dim"]
    E.params(ly, n, ly.name)


def _fold(E: Emitter, n: Node) -> None:
    E.src[id(n.output)] = E.srcs(n)[0]


def _rbm(E: Emitter, n: Node) -> None:
    base = _clean(n.name)
    vis = E.layer_name(base + "_vis")
    hid = E.layer_name(base + "_hid")
    src = E.srcs(n)[0]
    v = E.add_layer(vis, pb.kRBMVis, [src, hid])
    v.rbm_conf.hdim = n.attrs["hidden"]
    if not n.attrs["bias"]:
        v.rbm_conf.bias_term = False
    E.params(v, n, base, roles=["weight", "vbias"])
    h = E.add_layer(hid, pb.kRBMHid, [vis])
    h.rbm_conf.hdim = n.attrs["hidden"]
    if not n.attrs["bias"]:
        h.rbm_conf.bias_term = False
    if n.attrs["gaussian"]:
        h.rbm_conf.gaussian = True
    w_name = v.param[0].name
    p = h.param.add()
    p.name = w_name + "_"
    E.param_names[p.name] = n.span
    p.share_from = w_name
    E.params(h, n, base, roles=["hbias"])
    E.src[id(n.output)] = hid


def _cross_entropy(E: Emitter, n: Node) -> None:
    logits, label = n.inputs
    if label.producer is not None or E.g.input_roles.get(label.name) != "label":
        E.err("SINGA's softmax loss reads the labels of its input layer; the target must be the label input",
              n.span_of(1))
    if label.type is not None and label.type.dtype.startswith("f"):
        E.err("SINGA's softmax loss takes class indices, not one-hot or soft targets", n.span_of(1))
    if logits.ttype.rank > 2 and not per_step(logits):
        E.err(f"SINGA's softmax loss reads scores [N, classes]; {logits.type} is no sequence of an unrolled gru",
              n.span_of(0))
    name = E.layer_name(n.name)
    cudnn = E.gpu and E.opts.get("cudnn_loss", True)
    ly = E.add_layer(name, pb.kCudnnSoftmaxLoss if cudnn else pb.kSoftmaxLoss, E.srcs(n, [logits]) + ["data"])
    ly.include.extend(E.phases("loss", []))
    scale = E.cfg.loss_scales.get(n.name)
    if scale is not None:
        if cudnn:
            E.err("SINGA's kCudnnSoftmaxLoss has no scale; a weighted loss needs kSoftmaxLoss", n.span,
                  "set targets.singa.cudnn_loss: false")
        ly.softmaxloss_conf.scale = scale
    if not cudnn and scale is None:  # the CPU loss also counts top-k hits (times its scale): a metric on the
        # same logits in the same phases folds in when the loss is not weighted
        topk = 1
        for name_m, m in E.g.metrics.items():
            if id(m) not in E.folded_metrics and m.inputs[0] is logits and m.inputs[1] is label and \
                    E.phases(name_m, None) in (None, list(ly.include)):
                topk = m.attrs.get("k", 1)
                E.folded_metrics.add(id(m))
                break
        ly.softmaxloss_conf.topk = topk
    E.src[id(n.output)] = name


def _mse(E: Emitter, n: Node) -> None:
    pred, target = n.inputs
    if any(m is n for m in E.g.metrics.values()):
        E.err("SINGA v0.3 measures accuracy only; a kEuclideanLoss layer would be a second loss, not a metric",
              n.span, code=codes.UNSUPPORTED_SETTING)
        return
    if E.g.input_roles.get(target.name) == "label" and target.producer is None:
        E.err("SINGA's euclidean loss compares with the sample of its input layer, not the label", n.span_of(1))
    name = E.layer_name(n.name)
    ly = E.add_layer(name, pb.kEuclideanLoss, E.srcs(n, [pred, target]))
    ly.include.extend(E.phases("loss", []))
    if n.name in E.cfg.loss_scales:
        E.err("SINGA's kEuclideanLoss has no scale; only its softmax loss weights its term", n.span)
    E.src[id(n.output)] = name


def _accuracy(E: Emitter, n: Node) -> None:
    if id(n) in E.folded_metrics:
        return
    k = n.attrs.get("k", 1)
    if k != 1:
        E.err("SINGA's accuracy layer counts top-1 only; top-k works through the CPU softmax loss's topk", n.span,
              "measure it on the logits of a cross_entropy loss, on the CPU (cuDNN's loss ignores topk)")
    metric = next((k for k, m in E.g.metrics.items() if m is n), "")
    phases = E.phases(metric, [pb.kTest])
    sm = E.add_layer(E.layer_name(n.name + "_softmax"), pb.kCudnnSoftmax if E.gpu else pb.kSoftmax,
                     E.srcs(n, [n.inputs[0]]))
    sm.include.extend(phases)
    name = E.layer_name(n.name)
    ly = E.add_layer(name, pb.kAccuracy, [sm.name, "data"])
    ly.include.extend(phases)
    E.src[id(n.output)] = name


CUDNN_BN_MIN_EPSILON = 1e-5  # cudnn.h: the epsilon kCudnnBM passes to cuDNN


# ---------------------------------------------------------------- recurrent (kGRU, unrolled for kBPTT)

GRU_PARAMS = (("weight", "hx"), ("recurrent_weight", "hh"), ("bias", "b"))  # conf.param order of kGRU
GRU_GATES = ("z", "r", "c")  # SINGA's update, reset and candidate gates: nncc's z, r, h blocks in order


def _gru(E: Emitter, n: Node) -> None:
    a = n.attrs
    for key, bad in (("bidirectional=true", a["bidirectional"]), (f"num_layers={a['num_layers']}", a["num_layers"] != 1)):
        if bad:
            E.err(f"`gru` with {key}: SINGA's kGRU is one forward layer (target `singa`)", n.span,
                  "stack gru calls (one layer each), or use the onnx or pytorch target", code=codes.UNSUPPORTED_OP)
            return
    ly = E.simple(n, pb.kGRU)
    ly.gru_conf.dim_hidden = a["hidden"]
    if a["bias"]:  # without: six params, no bias (v0.3's GRULayer counts its params; it never reads bias_term)
        E.warn("SINGA's kGRU has one bias per gate (z_b, r_b, c_b), added to the input product; nncc's gru also "
               "has the recurrent bias rb: its z and r blocks only duplicate b, but its candidate block sits "
               "inside the reset product, r ⊙ (h·Rhᵀ + rb_h), which SINGA's candidate r ⊙ (h·Rhᵀ) lacks; "
               "the job trains the GRU without rb", n.span, "bias=false expresses the same GRU in both")
    for role, suffix in GRU_PARAMS:
        w = n.weights.get(role)
        if w is None:
            continue
        if w.share is not None or id(w) in E.param_of:
            E.err(f"SINGA's kGRU cannot share `{w.name}` with another layer", n.span)
            continue
        E.param_of[id(w)] = f"{ly.name}_z_{suffix}"
        if w.init.kind == "xavier_uniform":
            E.warn(f"SINGA splits `{w.name}` into three [{a['hidden']}, …] params per gate, so its xavier "
                   f"bound uses the fans of one gate, not of the stacked [{3 * a['hidden']}, …] matrix", n.span)
        rb = n.weights.get("recurrent_bias") if role == "bias" else None  # its z and r blocks add to b's
        for g, gate in enumerate(GRU_GATES):
            p = ly.param.add()
            name, i = f"{ly.name}_{gate}_{suffix}", 2
            while name in E.param_names:
                name, i = f"{ly.name}_{gate}_{suffix}_{i}", i + 1
            E.param_names[name] = n.span
            p.name = name
            E.fill_param(p, w, n.span)
            E.blobs.append(Blob(name, w, "rows", (g, len(GRU_GATES)), rb if g < 2 else None))
    E.gru_nodes.append(n)


def per_step(v: Value) -> bool:
    """Whether `v` is a sequence [N, T, ...] computed step by step in the unrolled net: a gru's sequence, or
    what a layer computes from one at each step (keeping the time dim)."""
    p = v.producer
    if p is None:
        return False
    if p.op == "gru":
        return bool(p.attrs["return_sequences"])
    return v.ttype.rank >= 3 and any(per_step(x) for x in p.inputs)


def unroll(E: Emitter) -> None:
    """Unroll the net over the GRUs' time steps: net unroll_len T, per-step layers (the grus and what feeds
    them) read the input layer's step blob (kUnrollOneToAll); the rest runs once, on the last step."""
    grus = E.gru_nodes
    if not grus:
        return
    steps = {n.inputs[0].ttype.shape[1] for n in grus}
    T = next(iter(steps))
    if len(steps) != 1 or not isinstance(T, int):
        E.err(f"SINGA unrolls the whole net over one fixed number of steps; the grus read {sorted(map(str, steps))}",
              grus[0].span, code=codes.UNSUPPORTED_OP)
        return
    char_rnn = any(ly.type == pb.kCharRNN for ly in E.net.layer)
    if T == 1 and not char_rnn:  # one step a batch (a test job that feeds its output back): nothing to unroll
        return
    E.net.unroll_len = T
    region: set[str] = set()
    last: set[str] = set()
    todo = list(grus)
    seen: set[int] = set()
    while todo:
        n = todo.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        name = E.src.get(id(n.outputs[0]))
        if name is not None and name != "data":
            region.add(name)
        todo += [v.producer for v in n.inputs if v.producer is not None]
    for n in grus:
        if not n.attrs["return_sequences"]:
            last.add(E.src[id(n.outputs[0])])
    node_of: dict[str, Node] = {}
    for n in E.g.nodes:  # what runs at every step after the grus: sequences, and heads on them
        name = E.src.get(id(n.outputs[0]))
        if name is None:
            continue
        node_of.setdefault(name, n)
        if name != "data" and (per_step(n.outputs[0]) or (n.kind in ("loss", "metric") and per_step(n.inputs[0]))):
            region.add(name)
    layers = {ly.name: ly for ly in E.net.layer}
    if not char_rnn:
        E.err("SINGA's unrolled layers read step t of their input layer's blobs; kRecordInput and kCSVInput give "
              "one blob", E.tspan("data") or grus[0].span, "use format: text (kCharRNN) for a recurrent model")
    label = None
    for ly in list(E.net.layer):
        if ly.type == pb.kCharRNN:
            ly.unroll_len = 1
            continue
        inside = ly.name in region
        if not inside:
            ly.unroll_len = 1
        conn = [pb.kUnrollOneToOne] * len(ly.srclayers)
        node = node_of.get(ly.name)
        for i, s in enumerate(ly.srclayers):
            reads_label = node is not None and i < len(node.inputs) and E.g.input_roles.get(
                node.inputs[i].name) == "label" and node.inputs[i].producer is None
            if s == "data" and inside and reads_label and char_rnn:  # the label of each step: the next character
                if label is None:
                    label = E.add_layer(E.layer_name("label"), pb.kRNNLabel, ["data"])
                    label.unroll_conn_type.append(pb.kUnrollOneToAll)
                ly.srclayers[i] = label.name
            elif s == "data":
                if inside:
                    conn[i] = pb.kUnrollOneToAll
                elif char_rnn:  # the label of the window: the character after its last step
                    if label is None:
                        label = E.add_layer(E.layer_name("label"), pb.kRNNLabel, ["data"])
                        label.unroll_conn_type.append(pb.kUnrollOneToAll)
                    ly.srclayers[i] = label.name
                    conn[i] = pb.kUnrollFirstToLast
            elif s in region and not inside:
                if s in last:
                    conn[i] = pb.kUnrollFirstToLast
                else:
                    E.err(f"layer `{ly.name}` reads every step of `{s}`; SINGA's unrolled net has no layer that "
                          "gathers the steps", grus[0].span, "give the last gru return_sequences=false",
                          code=codes.UNSUPPORTED_OP)
        if any(c != pb.kUnrollOneToOne for c in conn):
            del ly.unroll_conn_type[:]
            ly.unroll_conn_type.extend(conn)
    del layers
