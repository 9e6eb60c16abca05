"""The back-end schemas in targets/*/ and their generated modules.

* Every reference file written by a real back end (shared/reference/) must
  parse into our message types. ``text_format.Parse`` rejects unknown fields
  and enum values, so this checks that our schemas cover what the back ends
  really write.
* The committed ``*_pb2.py`` and ``*_pb2.pyi`` must be what tools/gen_protos.py
  produces from the committed ``.proto`` files.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from google.protobuf import text_format
from nncc.targets.lbann import lbann_pb2
from nncc.targets.singa import job_pb2
from nncc.targets.smaug import graph_pb2

REPO = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"

needs_reference = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"reference files not found at {REFERENCE}"
)


def _reference_files(subdir: str, pattern: str) -> list[Path]:
    d = REFERENCE / subdir
    return sorted(d.glob(pattern)) if d.is_dir() else []


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def _parse(path: Path, message_type):
    msg = text_format.Parse(path.read_text(encoding="utf-8"), message_type())
    # Re-printing and re-parsing gives the same message, and the binary
    # form (what SINGA and SMAUG may also read) can be produced.
    again = text_format.Parse(text_format.MessageToString(msg), message_type())
    assert again == msg
    assert message_type.FromString(msg.SerializeToString()) == msg
    return msg


# ---------------------------------------------------------------------------
# LBANN
# ---------------------------------------------------------------------------

LBANN_FILES = _reference_files("lbann", "*.prototext")


@needs_reference
@pytest.mark.parametrize("path", LBANN_FILES, ids=_ids(LBANN_FILES))
def test_lbann_reference_parses(path: Path) -> None:
    _parse(path, lbann_pb2.LbannPB)


@needs_reference
def test_lbann_lenet_contents() -> None:
    path = REFERENCE / "lbann" / "lenet.prototext"
    if not path.exists():
        pytest.skip("lenet.prototext not present")
    pb = _parse(path, lbann_pb2.LbannPB)
    model = pb.model
    kinds = [layer.WhichOneof("layer_type") for layer in model.layer]
    assert kinds.count("convolution") == 2
    assert kinds.count("pooling") == 2
    assert kinds.count("fully_connected") == 3
    assert kinds.count("relu") == 4
    assert kinds.count("input") == 2
    assert {"softmax", "cross_entropy", "categorical_accuracy"} <= set(kinds)

    conv = next(lay.convolution for lay in model.layer if lay.HasField("convolution"))
    assert conv.out_channels == 6
    assert list(conv.kernel_size) == [5, 5]
    assert conv.HasField("has_bias") and conv.has_bias.value is True
    assert conv.groups.value == 1

    inits = {w.initializer.WhichOneof("initializer_type") for w in model.weights}
    assert inits == {"he_normal_initializer", "constant_initializer"}
    assert model.num_epochs == 20
    assert model.metric[0].layer_metric.unit == "%"
    assert [c.WhichOneof("callback_type") for c in model.callback] == ["print", "timer"]
    assert pb.optimizer.sgd.learn_rate == pytest.approx(0.01)
    assert pb.optimizer.sgd.momentum == pytest.approx(0.9)
    assert pb.trainer.mini_batch_size == 64


def test_lbann_operator_layer_any_roundtrip() -> None:
    """Entrywise ops are Operator messages packed into google.protobuf.Any."""
    layer = lbann_pb2.Layer(name="act", parents=["fc"])
    op = layer.operator_layer.ops.add(
        input_datatype=lbann_pb2.FLOAT, output_datatype=lbann_pb2.FLOAT
    )
    op.parameters.Pack(lbann_pb2.SigmoidOperator())
    text = text_format.MessageToString(layer)
    assert "[type.googleapis.com/lbann_data.SigmoidOperator]" in text
    back = text_format.Parse(text, lbann_pb2.Layer())
    assert back == layer
    assert back.operator_layer.ops[0].parameters.Is(
        lbann_pb2.SigmoidOperator.DESCRIPTOR
    )


# ---------------------------------------------------------------------------
# SINGA
# ---------------------------------------------------------------------------

SINGA_FILES = _reference_files("singa", "*.conf")


@needs_reference
@pytest.mark.parametrize("path", SINGA_FILES, ids=_ids(SINGA_FILES))
def test_singa_reference_parses(path: Path) -> None:
    job = _parse(path, job_pb2.JobProto)
    assert job.IsInitialized()
    assert job.train_one_batch.alg == job_pb2.kBP
    assert job.updater.type == job_pb2.kSGD
    assert job.neuralnet.layer[-1].type == job_pb2.kSoftmaxLoss


@needs_reference
def test_singa_reference_contents() -> None:
    mlp = REFERENCE / "singa" / "mnist-mlp.job.conf"
    cnn = REFERENCE / "singa" / "cifar10-convnet.job.conf"
    if not (mlp.exists() and cnn.exists()):
        pytest.skip("SINGA reference files not present")

    job = _parse(mlp, job_pb2.JobProto)
    types = [layer.type for layer in job.neuralnet.layer]
    assert types.count(job_pb2.kInnerProduct) == 6
    assert types.count(job_pb2.kSTanh) == 5
    assert job.updater.learning_rate.type == job_pb2.kStep
    assert job.updater.learning_rate.step_conf.change_freq == 60
    assert job.neuralnet.layer[0].include == [job_pb2.kTrain]
    init = job.neuralnet.layer[2].param[0].init
    assert init.type == job_pb2.kUniform
    assert (init.low, init.high) == (pytest.approx(-0.05), pytest.approx(0.05))

    job = _parse(cnn, job_pb2.JobProto)
    lr = job.updater.learning_rate
    assert lr.type == job_pb2.kFixedStep
    assert list(lr.fixedstep_conf.step) == [0, 60000, 65000]
    pools = [lay.pooling_conf.pool for lay in job.neuralnet.layer if lay.type == job_pb2.kCPooling]
    assert pools == [
        job_pb2.PoolingProto.MAX,
        job_pb2.PoolingProto.AVG,
        job_pb2.PoolingProto.AVG,
    ]
    ip1 = next(lay for lay in job.neuralnet.layer if lay.name == "ip1")
    assert ip1.param[0].wd_scale == 250
    assert ip1.param[1].lr_scale == 2.0
    assert job.cluster.workspace == "examples/cifar10"


# ---------------------------------------------------------------------------
# SMAUG
# ---------------------------------------------------------------------------

SMAUG_FILES = _reference_files("smaug", "*_topo.pbtxt")


@needs_reference
@pytest.mark.parametrize("path", SMAUG_FILES, ids=_ids(SMAUG_FILES))
def test_smaug_reference_parses(path: Path) -> None:
    graph = _parse(path, graph_pb2.GraphProto)
    assert graph.nodes
    smv = "_smv_" in path.name
    assert graph.backend == ("SMV" if smv else "Reference")
    names = {node.name for node in graph.nodes}
    for node in graph.nodes:
        assert len(node.parents) == len(node.src_tensors_indices)
        assert set(node.parents) <= names
        for tensor in [*node.input_tensors, *node.output_tensors]:
            if smv:
                assert tensor.data_type == graph_pb2.Float16
                assert tensor.shape.alignment == 8
            else:
                assert tensor.data_type == graph_pb2.Float32
                assert tensor.shape.alignment == 0
    fused = [n.params.act_params.activation for n in graph.nodes if n.params.HasField("act_params")]
    # each model of the collection fuses its own activation (the CIFAR-100 one is the ELU network)
    assert (graph_pb2.ELU if path.name.startswith("elu_") else graph_pb2.ReLU) in fused


# ---------------------------------------------------------------------------
# Generated code
# ---------------------------------------------------------------------------

PB2_MODULES = {
    "lbann": lbann_pb2,
    "singa": job_pb2,
    "smaug": graph_pb2,
}


@pytest.mark.parametrize("target", sorted(PB2_MODULES))
def test_pb2_next_to_its_proto(target: str) -> None:
    module = PB2_MODULES[target]
    path = Path(module.__file__).resolve()
    assert path.with_name(path.name.replace("_pb2.py", ".proto")).is_file()
    assert module.DESCRIPTOR.name == f"nncc/targets/{target}/{path.name[:-len('_pb2.py')]}.proto"
    # One self-contained file per target: only well-known types imported.
    for dep in module.DESCRIPTOR.dependencies:
        assert dep.name.startswith("google/protobuf/")


_VERSION_RE = re.compile(r"^# Protobuf Python Version: (\S+)$", re.MULTILINE)


def test_generated_modules_up_to_date() -> None:
    pytest.importorskip("grpc_tools.protoc")
    spec = importlib.util.spec_from_file_location(
        "_nncc_gen_protos", REPO / "tools" / "gen_protos.py"
    )
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)

    regenerated = gen.generate()
    assert {p.parent.name for p in regenerated} == {"lbann", "singa", "smaug"}
    for path, text in regenerated.items():
        assert path.exists(), f"{path} not generated; run tools/gen_protos.py"
        committed = path.read_text(encoding="utf-8")
        old_v = _VERSION_RE.search(committed)
        new_v = _VERSION_RE.search(text)
        if old_v and new_v and old_v.group(1) != new_v.group(1):
            pytest.skip(
                f"installed grpcio-tools generates protobuf {new_v.group(1)} code; "
                f"committed modules are {old_v.group(1)}"
            )
        assert committed == text, (
            f"{path.relative_to(REPO)} is stale; run tools/gen_protos.py"
        )
