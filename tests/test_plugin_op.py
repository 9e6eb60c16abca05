"""Adding an op from outside the package takes one registry entry and one lowering entry per target.

tests/plugin_shrink.py registers `hardshrink` with public API only (docs/adding-an-op.md);
here a model using it compiles for ONNX (and runs in onnxruntime) and for LBANN, a
target without a rule for it says E501, and the committed docs do not change.
"""
from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest
from google.protobuf import text_format

from nncc import gendocs
from nncc.diagnostics import CompileError
from nncc.driver import compile_model
from nncc.ops import lookup
from nncc.targets.lbann import lbann_pb2

MODEL = """\
nncc: 1
model: m
inputs:
  x: f32[N, 3, 5]
graph:
  y: hardshrink(x, lambd=0.25) |> relu
outputs: [y]
"""

LBANN_MODEL = """\
nncc: 1
model: m
inputs:
  image: f32[N, 1, 28, 28]
  label: i64[N]
graph:
  c: conv2d(image, 4, 3, pad=1) |> hardshrink(lambd=0.75)
  logits: c |> flatten |> linear(10)
outputs: [logits]
train:
  loss: cross_entropy(logits, label)
  optimizer: sgd(lr=0.1)
  batch_size: 64
  epochs: 1
  data:
    train:
      format: mnist
      path: data/mnist
"""


@pytest.fixture
def plugin():
    sys.modules.pop("plugin_shrink", None)
    mod = importlib.import_module("plugin_shrink")
    yield mod
    mod.uninstall()
    sys.modules.pop("plugin_shrink", None)


def _write(tmp_path, text: str) -> str:
    p = tmp_path / "m.yaml"
    p.write_text(text)
    return str(p)


def test_plugin_op_compiles_for_onnx_and_runs_in_onnxruntime(plugin, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    res = compile_model(_write(tmp_path, MODEL), "onnx")
    data = res.files["m.onnx"]
    model = bytes(data) if isinstance(data, (bytes, bytearray)) else b"".join(bytes(c) for c in data.chunks())
    import onnx

    assert [n.op_type for n in onnx.load_from_string(model).graph.node] == ["Shrink", "Relu"]
    x = np.random.default_rng(0).standard_normal((2, 3, 5)).astype(np.float32)
    (y,) = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"x": x})
    assert np.array_equal(y, np.maximum(np.where(np.abs(x) > 0.25, x, 0), 0))


def test_plugin_op_compiles_for_lbann(plugin, tmp_path):
    res = compile_model(_write(tmp_path, LBANN_MODEL), "lbann")
    exp = text_format.Parse(res.files["m.prototext"].decode(), lbann_pb2.LbannPB())
    def of(kind):
        return [lay for lay in exp.model.layer if lay.HasField("operator_layer")
                and lay.operator_layer.ops[0].parameters.Is(getattr(lbann_pb2, kind).DESCRIPTOR)]

    (above,), (times,) = of("GreaterConstantOperator"), of("MultiplyOperator")
    params = lbann_pb2.GreaterConstantOperator()
    above.operator_layer.ops[0].parameters.Unpack(params)
    assert params.constant == 0.75
    conv = next(lay for lay in exp.model.layer if lay.HasField("convolution"))
    (absolute,) = of("AbsOperator")
    assert list(absolute.parents) == [conv.name] and list(above.parents) == [absolute.name]
    assert list(times.parents) == [conv.name, above.name]  # x times the mask |x| > lambd
    fc = next(lay for lay in exp.model.layer if lay.HasField("fully_connected"))
    assert times.name in fc.parents  # the linear layer reads the product (flatten is folded)


@pytest.mark.parametrize("target", ["smaug", "singa"])
def test_a_target_without_a_rule_says_e501(plugin, tmp_path, target):
    text = MODEL if target == "smaug" else LBANN_MODEL
    with pytest.raises(CompileError) as e:
        compile_model(_write(tmp_path, text), target)
    assert any(d.code == "E501" and "`hardshrink`" in d.message for d in e.value.diagnostics)


def test_plugin_checks_its_attributes(plugin, tmp_path):
    with pytest.raises(CompileError) as e:
        compile_model(_write(tmp_path, MODEL.replace("lambd=0.25", "lambd=-2.0")), "onnx")
    (d,) = e.value.diagnostics
    assert d.code == "E202" and "lambd must not be negative, got -2.0" in d.message


def test_plugin_ops_stay_out_of_the_committed_docs(plugin):
    assert lookup("hardshrink") is not None
    assert gendocs.stale() == []


def test_without_the_plugin_the_op_is_unknown(tmp_path):
    assert lookup("hardshrink") is None
    with pytest.raises(CompileError) as e:
        compile_model(_write(tmp_path, MODEL), "onnx")
    assert e.value.diagnostics[0].code == "E303"
