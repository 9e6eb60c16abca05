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
    c.rnn_dummy_conf.ClearField("dynamic_srclayer")
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
        if c.rnn_dummy_conf.dynamic_srclayer:  # the layer a fed-back input reads from the step before
            c.rnn_dummy_conf.dynamic_srclayer = names.get(c.rnn_dummy_conf.dynamic_srclayer,
                                                          c.rnn_dummy_conf.dynamic_srclayer)
        for p in c.param:
            p.name = pnames[p.name]
            if p.HasField("share_from"):
                p.share_from = pnames.get(p.share_from, p.share_from)
        out_layers.append(c)
    del job2.neuralnet.layer[:]
    job2.neuralnet.layer.extend(out_layers)
    return job2


def strip_defaults(msg) -> None:
    """Clear every field set to its schema default, and sub-messages left empty: SINGA reads an unset field
    as its default, so `mean: 0.0` and no `mean` are the same job."""
    for fd, value in list(msg.ListFields()):
        if fd.type == fd.TYPE_MESSAGE:
            items = value if fd.is_repeated else [value]
            for sub in items:
                strip_defaults(sub)
            if not fd.is_repeated and not value.ListFields():
                msg.ClearField(fd.name)
        elif not fd.is_repeated and value == fd.default_value:
            msg.ClearField(fd.name)


def loaded_params(job, ref) -> None:
    """Params that `ref` writes without `init` in a job that loads `checkpoint_path`: SINGA restores them from
    the checkpoint by name, so their initializer in `job` has no effect; cleared in both."""
    if not ref.checkpoint_path:
        return
    bare = {(i, j) for i, ly in enumerate(ref.neuralnet.layer) for j, p in enumerate(ly.param)
            if not p.HasField("init") and not p.HasField("share_from")}
    for i, j in bare:
        if i < len(job.neuralnet.layer) and j < len(job.neuralnet.layer[i].param):
            job.neuralnet.layer[i].param[j].ClearField("init")


SINKS = {pb.kSoftmaxLoss, pb.kCudnnSoftmaxLoss, pb.kEuclideanLoss, pb.kAccuracy, pb.kCSVOutput, pb.kRecordOutput,
         pb.kCharRNNOutput, pb.kRBMHid, pb.kRBMVis}


def effective(job) -> None:
    """The job as SINGA runs it: a layer without `partition_dim` takes the net's (NeuralNet's setup), layers
    whose output nothing reads are dropped, and fields set to their defaults are cleared. A job without
    train_steps trains nothing and runs with `singa -test` (Driver::Test), which reads no `gpu`."""
    if not job.HasField("train_steps"):
        job.ClearField("gpu")
    net = job.neuralnet
    for ly in net.layer:
        if not ly.HasField("partition_dim"):
            ly.partition_dim = net.partition_dim
    net.ClearField("partition_dim")
    read = {s for ly in net.layer for s in ly.srclayers}
    dead = [ly for ly in net.layer if ly.name not in read and ly.type not in SINKS]
    while dead:  # a layer nothing reads, not a loss or an output, has no effect
        for ly in dead:
            net.layer.remove(ly)
        read = {s for ly in net.layer for s in ly.srclayers}
        dead = [ly for ly in net.layer if ly.name not in read and ly.type not in SINKS]
    strip_defaults(job)
