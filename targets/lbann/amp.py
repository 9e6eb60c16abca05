"""`-O amp=true`: automatic mixed precision as LBANN's frontend writes it (`lbann.util.amp.enable_amp`,
what `applications/vision/lenet.py --amp` and `resnet.py --amp` run).

The frontend gives the layers that compute in half precision well (convolutions, fully connected,
embedding, matmul) FP16, the inputs, losses, softmaxes and layer norm FLOAT, and every other layer
the widest type of its parents; every weights entry FLOAT, and a layer that keeps weights of its own
(batch norm's running statistics) gets them written out in FLOAT. `model.amp.enabled` turns on
LBANN's loss scaling. tests/test_lbann_frontend.py compares the result with the frontend's.
"""
from __future__ import annotations

from . import lbann_pb2 as pb

FP16_KINDS = frozenset({"convolution", "deconvolution", "fully_connected", "channelwise_fully_connected",
                        "embedding", "matmul"})
FLOAT_KINDS = frozenset({"input", "cross_entropy", "mean_squared_error", "mean_absolute_error", "l1_norm",
                         "l2_norm2", "softmax", "log_softmax", "channelwise_softmax", "layer_norm"})
# weights the frontend adds where a layer has fewer: (initial value, trained?) per position
BATCH_NORM_WEIGHTS = ((1.0, True), (0.0, True), (0.0, False), (1.0, False))
WIDTH = {pb.FP16: 0, pb.FLOAT: 1, pb.DOUBLE: 2}


def apply(exp: pb.LbannPB) -> None:
    m = exp.model
    by = {lay.name: lay for lay in m.layer}
    done: set[str] = set()
    pending = list(m.layer)
    while pending:  # parents first: a layer without a type of its own takes the widest of theirs
        ready = [lay for lay in pending if all(p in done for p in lay.parents)] or pending[:1]
        for lay in ready:
            kind = lay.WhichOneof("layer_type")
            if kind in FP16_KINDS:
                lay.datatype = pb.FP16
            elif kind in FLOAT_KINDS or not lay.parents:
                lay.datatype = pb.FLOAT
            else:
                lay.datatype = max((by[p].datatype for p in lay.parents), key=lambda d: WIDTH.get(d, 1))
            if kind == "operator_layer":
                for op in lay.operator_layer.ops:
                    op.input_datatype = op.output_datatype = lay.datatype
            if kind == "batch_normalization":
                for i, (value, trained) in enumerate(BATCH_NORM_WEIGHTS[len(lay.weights):], len(lay.weights)):
                    w = m.weights.add(name=f"{lay.name}_w{i}")
                    w.initializer.constant_initializer.SetInParent()
                    if value:
                        w.initializer.constant_initializer.value = value
                    if not trained:
                        w.optimizer.no_optimizer.SetInParent()
                    lay.weights.append(w.name)
            done.add(lay.name)
            pending.remove(lay)
    for w in m.weights:
        w.datatype = pb.FLOAT
    m.amp.enabled = True
