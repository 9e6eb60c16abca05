"""nncc.textproto writes exactly what protobuf's text_format writes (the targets' text files depend on it)."""
from __future__ import annotations

import glob
from pathlib import Path

import pytest
from google.protobuf import text_format

from nncc import target as targets_mod
from nncc.diagnostics import CompileError
from nncc.driver import compile_model
from nncc.textproto import message_to_string

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(glob.glob(str(ROOT / "samples" / "*.yaml")))
SHRINK = {"vgg16": {"size": "32"}, "resnet50": {"size": "32"}, "transformer": {"seq": "16", "vocab": "50"}}


def _proto(target: str):
    if target == "lbann":
        from nncc.targets.lbann import lbann_pb2
        return lbann_pb2.LbannPB, ".prototext"
    if target == "singa":
        from nncc.targets.singa import job_pb2
        return job_pb2.JobProto, ".conf"
    from nncc.targets.smaug import graph_pb2
    return graph_pb2.GraphProto, "_topo.pbtxt"


@pytest.mark.parametrize("target", ["lbann", "singa", "smaug"])
def test_same_text_as_text_format_on_every_sample(target):
    if targets_mod.get(target) is None:
        pytest.skip(f"target {target} not installed")
    cls, suffix = _proto(target)
    checked = 0
    for path in SAMPLES:
        try:
            res = compile_model(path, target, defines=SHRINK.get(Path(path).stem))
        except CompileError:
            continue  # a sample this target cannot express
        (name, data), = [(k, v) for k, v in res.files.items() if k.endswith(suffix)]
        text = data.decode()
        body = "".join(ln + "\n" for ln in text.splitlines() if not ln.startswith("#"))
        msg = text_format.Parse(body, cls())
        assert message_to_string(msg) == text_format.MessageToString(msg) == body, name
        checked += 1
    assert checked >= 3


def test_edge_values():
    from nncc.targets.lbann import lbann_pb2
    from nncc.targets.singa import job_pb2

    job = job_pb2.JobProto(name='quote " back \\ nl \n tab \t é ✓ \x01')
    job.train_one_batch.alg = 1
    up = job.updater
    for v in (0.1, 1e-8, float("inf"), float("-inf"), float("nan"), 3.0, -0.0):
        up.momentum = v
        assert message_to_string(job) == text_format.MessageToString(job)
    exp = text_format.Parse(_first_prototext(), lbann_pb2.LbannPB())  # holds google.protobuf.Any operators
    assert message_to_string(exp) == text_format.MessageToString(exp)


def _first_prototext() -> str:
    res = compile_model(str(ROOT / "samples" / "lenet5.yaml"), "lbann")
    text = next(v for k, v in res.files.items() if k.endswith(".prototext")).decode()
    return "".join(ln + "\n" for ln in text.splitlines() if not ln.startswith("#"))
