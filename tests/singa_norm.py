"""Normalising SINGA JobProto messages so that two jobs compare by structure, not by names or order.

Layer names become their position in a deterministic topological order (data
layers stay `data`, ordered by phase); param names become `<layer>.p<i>` and
`share_from` follows the renaming.
"""
from __future__ import annotations

from google.protobuf import text_format
from nncc.targets.singa import job_pb2 as pb


def _key(layer) -> str:
    c = pb.LayerProto()
    c.CopyFrom(layer)
    c.ClearField("name")
    c.ClearField("srclayers")
    for p in c.param:
        p.ClearField("name")
        p.ClearField("share_from")
    return text_format.MessageToString(c, as_one_line=True)


def normalise(job: pb.JobProto) -> pb.JobProto:
    job2 = pb.JobProto()
    job2.CopyFrom(job)
    layers = list(job2.neuralnet.layer)
    data = sorted((ly for ly in layers if ly.name == "data"), key=lambda ly: list(ly.include))
    rest = [ly for ly in layers if ly.name != "data"]
    names = {"data": "data"}
    order = []
    pending = list(rest)
    while pending:  # Kahn's order; ties (and cycles, e.g. RBM layers) broken by layer contents
        ready = [ly for ly in pending if all(s in names or s == ly.name for s in ly.srclayers)]
        if not ready:
            ready = pending
        ready.sort(key=lambda ly: (_key(ly), [names.get(s, "") for s in ly.srclayers]))
        ly = ready[0]
        names[ly.name] = f"L{len(order)}"
        order.append(ly)
        pending.remove(ly)
    pnames = {}
    for ly in data + order:
        for i, p in enumerate(ly.param):
            pnames[p.name] = f"{names[ly.name]}.p{i}"
    out_layers = []
    for ly in data + order:
        c = pb.LayerProto()
        c.CopyFrom(ly)
        c.name = names[ly.name]
        del c.srclayers[:]
        c.srclayers.extend(names.get(s, s) for s in ly.srclayers)
        for p in c.param:
            p.name = pnames[p.name]
            if p.HasField("share_from"):
                p.share_from = pnames.get(p.share_from, p.share_from)
        out_layers.append(c)
    del job2.neuralnet.layer[:]
    job2.neuralnet.layer.extend(out_layers)
    return job2
