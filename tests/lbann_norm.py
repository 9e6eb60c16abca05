"""Normalising LBANN experiments (LbannPB) so that two compare by structure, not by names or order.

Layers get names by a deterministic topological order (ties broken by their contents), weights by the
first layer that uses them; every reference to a layer or weights follows the renaming. What LBANN
reads the same whichever way it is written is written one way: `data_layout: "data_parallel"` is the
default layout, the model's and metrics' names are names, and lists whose order LBANN does not use
(weights, callbacks, the weights of an L2 term) are sorted.
"""
from __future__ import annotations

from google.protobuf import text_format
from nncc.targets.lbann import lbann_pb2 as pb


def _content(layer: pb.Layer) -> str:
    c = pb.Layer()
    c.CopyFrom(layer)
    for f in ("name", "parents", "children", "weights"):
        c.ClearField(f)
    return text_format.MessageToString(c, as_one_line=True)


def _layer_order(layers: list[pb.Layer]) -> dict[str, str]:
    by_name = {ly.name: ly for ly in layers}
    names: dict[str, str] = {}
    pending = list(layers)
    while pending:  # Kahn's order, the ready layer with the smallest (contents, parents) first
        ready = [ly for ly in pending if all(p in names for p in ly.parents)] or pending
        ready.sort(key=lambda ly: (_content(ly), [names.get(p, "") for p in ly.parents]))
        ly = ready[0]
        names[ly.name] = f"L{len(names)}"
        pending.remove(ly)
    assert len(names) == len(by_name), "two layers share a name"
    return names


def _defaults(layer: pb.Layer) -> None:
    """What LBANN's builders read an unset field as, written out: batch norm's decay 0.9, epsilon 1e-5 and
    local statistics (group size 1); an operator's datatype FLOAT, the default type of a float build."""
    kind = layer.WhichOneof("layer_type")
    if kind == "batch_normalization":
        bn = layer.batch_normalization
        bn.decay = bn.decay or 0.9
        bn.epsilon = bn.epsilon or 1e-5
        bn.statistics_group_size = bn.statistics_group_size or 1
    elif kind == "operator_layer":
        for op in layer.operator_layer.ops:
            op.input_datatype = op.input_datatype or pb.FLOAT
            op.output_datatype = op.output_datatype or pb.FLOAT


def normalise(exp: pb.LbannPB) -> pb.LbannPB:
    out = pb.LbannPB()
    out.CopyFrom(exp)
    m = out.model
    m.ClearField("name")
    names = _layer_order(list(m.layer))
    wnames: dict[str, str] = {}
    layers = sorted(m.layer, key=lambda ly: int(names[ly.name][1:]))
    for ly in layers:
        for i, w in enumerate(ly.weights):
            wnames.setdefault(w, f"{names[ly.name]}.w{i}")
    new_layers = []
    for ly in layers:
        c = pb.Layer()
        c.CopyFrom(ly)
        c.name = names[ly.name]
        for f in ("parents", "children", "weights"):
            vals = [(wnames if f == "weights" else names)[v] for v in getattr(ly, f)]
            c.ClearField(f)
            getattr(c, f).extend(vals)
        if c.data_layout == "data_parallel":
            c.ClearField("data_layout")
        _defaults(c)
        new_layers.append(c)
    m.ClearField("layer")
    m.layer.extend(new_layers)
    weights = []
    for w in m.weights:
        c = pb.Weights()
        c.CopyFrom(w)
        c.name = wnames.get(w.name, "unused:" + w.name)
        weights.append(c)
    m.ClearField("weights")
    m.weights.extend(sorted(weights, key=lambda w: w.name))
    for t in m.objective_function.layer_term:
        t.layer = names[t.layer]
    for t in m.objective_function.l2_weight_regularization:
        ws = sorted(wnames[w] for w in t.weights)
        t.ClearField("weights")
        t.weights.extend(ws)
    for met in m.metric:
        met.layer_metric.layer = names[met.layer_metric.layer]
        met.layer_metric.ClearField("name")
    cbs = sorted((text_format.MessageToString(cb, as_one_line=True), cb) for cb in m.callback)
    cb_msgs = [cb for _, cb in cbs]
    m.ClearField("callback")
    m.callback.extend(cb_msgs)
    return out


def text(exp: pb.LbannPB) -> str:
    return text_format.MessageToString(normalise(exp))
