"""Training heads: losses and metrics (kept by training targets, dropped from inference models)."""
from __future__ import annotations

from ..ir import INT_DTYPES, TensorType
from ..ops import Param, T, check_float, check_positive, elementwise_flops, op
from ..shapes import ShapeError, per_sample

SECTION = "losses and metrics"


def _class_target(ins, what: str) -> None:
    logits, label = ins
    if logits.rank < 2:
        raise ShapeError(f"{what} expects scores [N, classes] (or [N, T, classes], one set per step), got {logits}",
                         0)
    check_float(logits, what)
    if label.dtype in INT_DTYPES:
        if tuple(label.shape) != tuple(logits.shape[:-1]):
            want = "[" + ", ".join(map(str, logits.shape[:-1])) + "]"
            raise ShapeError(f"{what} expects class indices {want} for scores {logits}, got {label}", 1)
    elif label.shape != logits.shape:
        raise ShapeError(f"{what}: one-hot labels must match the scores {logits}, got {label}", 1)


@op("cross_entropy", [T("logits"), T("label")], kind="loss", section=SECTION,
    flops=lambda ins, outs, a: 6 * per_sample(ins[0].shape),
    doc="softmax cross entropy of logits against class indices or one-hot/probability targets")
def _ce(ins, a):
    _class_target(ins, "cross_entropy")
    return [TensorType("f32", ())]


def _regression(ins, what: str) -> list:
    if ins[0].shape != ins[1].shape:
        raise ShapeError(f"{what} needs equal shapes, got {ins[0]} and {ins[1]}", 1)
    check_float(ins[0], what)
    return [TensorType("f32", ())]


@op("mse", [T("pred"), T("target")], kind="loss", section=SECTION, flops=elementwise_flops(3),
    doc="mean squared error (a loss, or a metric)")
def _mse(ins, a):
    return _regression(ins, "mse")


@op("mae", [T("pred"), T("target")], kind="loss", section=SECTION, flops=elementwise_flops(2),
    doc="mean absolute error (a loss, or a metric)")
def _mae(ins, a):
    return _regression(ins, "mae")


@op("bce", [T("logits"), T("target")], kind="loss", section=SECTION, flops=elementwise_flops(5),
    doc="binary cross entropy on logits (sigmoid applied inside)")
def _bce(ins, a):
    if ins[0].shape != ins[1].shape:
        raise ShapeError(f"bce needs equal shapes, got {ins[0]} and {ins[1]}", 1)
    check_float(ins[0], "bce")
    return [TensorType("f32", ())]


@op("accuracy", [T("logits"), T("label")], kind="metric", section=SECTION, flops=elementwise_flops(),
    doc="top-1 accuracy in percent")
def _acc(ins, a):
    _class_target(ins, "accuracy")
    return [TensorType("f32", ())]


@op("top_k_accuracy", [T("logits"), T("label"), Param("k", "int", 5)], kind="metric", section=SECTION,
    flops=elementwise_flops(),
    doc="top-k accuracy in percent")
def _topk(ins, a):
    _class_target(ins, "top_k_accuracy")
    check_positive("k", a["k"])
    return [TensorType("f32", ())]
