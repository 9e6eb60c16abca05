"""The ops of issue 21 ("the ops real models need"): diagnostics at the character that causes them,
and what the targets beside ONNX and PyTorch write for them (LBANN operator layers, SMAUG nodes,
E501 at the op's line where a target has no form). Numbers against torch are in
tests/test_onnx_numerics.py (ONNX, OPS_21) and tests/test_pytorch_model.py (PyTorch, against both onnxruntime and
the torch reference).
"""
from __future__ import annotations

import pytest
from google.protobuf import text_format
from onnx_harness import where

from nncc.diagnostics import CompileError
from nncc.driver import compile_model, frontend
from nncc.targets.lbann import lbann_pb2

INPUTS = {"x": "f32[N, 4, 6, 6]", "v": "f32[N, 6]", "i": "i64[N, 6]", "m": "f32[5, 3]"}


def model(line: str) -> str:
    ins = "\n".join(f"  {k}: {t}" for k, t in INPUTS.items())
    return f"nncc: 1\nmodel: m\ninputs:\n{ins}\ngraph:\n  {line}\noutputs: [y]\n"


# graph line -> (code, the text the caret must point at)
ERRORS: dict[str, tuple[str, str]] = {
    "y: clip(i, low=0.0)": ("E203", "i, low"),
    "y: clip(x, low=2.0, high=1.0)": ("E202", "1.0"),
    "y: clip(x)": ("E202", "clip(x)"),
    "y: x |> hardtanh(low=1.5)": ("E202", "x |> hardtanh"),  # high is the default: the call
    "y: relu6(i)": ("E203", "i)"),
    "y: relu6(x, 2.0)": ("E304", "2.0"),
    "y: hardswish(i)": ("E203", "i)"),
    "y: silu(i)": ("E203", "i)"),
    "y: swish(x, low=1.0)": ("E306", "low"),
    "y: mish(i)": ("E203", "i)"),
    "y: softplus(i)": ("E203", "i)"),
    "y: hardsigmoid(i)": ("E203", "i)"),
    'y: gelu(x, approximate="fast")': ("E305", '"fast"'),
    # element-wise math
    "y: exp(i)": ("E203", "i)"),
    "y: i |> log": ("E203", "i |> log"),
    "y: sqrt(x, 2)": ("E304", "2)"),
    "y: abs(x > 0)": ("E203", "x > 0"),
    "y: pow(x, i)": ("E203", "i)"),
    "y: max(x, v)": ("E201", "v)"),
    "y: minimum(x, i)": ("E203", "i)"),
    "y: x < i": ("E203", "i\n"),
    "y: x >= v": ("E201", "v\n"),
    "y: not_equal(x, v)": ("E201", "v)"),
    "y: greater_equal(i > 0, i > 1)": ("E203", "i > 0"),
    "y: less(x, x, x)": ("E304", "x)"),
    "y: where(x, x, x)": ("E203", "x, x, x"),
    "y: where(x > 0, x, i)": ("E203", "i)"),
    "y: where(v > 0, x, x)": ("E201", "x, x)"),
    "y: where(x > 0, 1.0, 0.0)": ("E305", "1.0"),
    "y: x // 2": ("E315", "x // 2"),
    # reductions, dims and indexing
    "y: mean(i, axes=1)": ("E203", "i, axes"),
    "y: sum(x, axes=[1, 5])": ("E201", "[1, 5]"),
    "y: max(x, axes=[1, -3])": ("E202", "[1, -3]"),
    "y: min(x, axes=[])": ("E305", "[]"),
    "y: mean(x, axes=1.5)": ("E305", "1.5"),
    "y: argmax(x, axis=4)": ("E201", "4)"),
    "y: squeeze(x, axes=1)": ("E202", "1)"),
    "y: unsqueeze(x, 5)": ("E201", "5)"),
    "y: expand(x, [-1, 3, 6, 6])": ("E201", "[-1, 3, 6, 6]"),
    "y: expand(x, [-1, 4])": ("E202", "[-1, 4]"),
    "y: stack([x, v])": ("E201", "v]"),
    "y: gather(x, v)": ("E203", "v)"),
    "y: one_hot(x, 3)": ("E203", "x, 3"),
    "y: one_hot(i, 0)": ("E202", "0)"),
    "y: matmul(x, m)": ("E201", "m)"),
    "y: matmul(x, m, transpose_b=true)": ("E201", "m, transpose_b"),
    "y: param([2, 0])": ("E202", "[2, 0]"),
    "y: param([2, 3], init=2)": ("E305", "2)"),
    "y: const([[1, 2], [3]])": ("E202", "[[1, 2], [3]]"),
    "y: x[0:2, i]": ("E305", "0:2"),
    "y: x[:, v]": ("E203", "v]"),
}


@pytest.mark.parametrize("line", list(ERRORS), ids=list(ERRORS))
def test_diagnostic_at_the_character(tmp_path, line):
    code, caret = ERRORS[line]
    text = model(line)
    p = tmp_path / "m.yaml"
    p.write_text(text)
    with pytest.raises(CompileError) as e:
        frontend(str(p))
    d = e.value.diagnostics[0]
    assert d.code == code, d.message
    assert (d.span.line, d.span.col) == where(text, caret), (d.message, d.span)


LBANN_MODEL = """\
nncc: 1
model: m
inputs:
  image: f32[N, 1, 28, 28]
  label: i64[N]
graph:
  c: conv2d(image, 4, 3, pad=1)
  a: c |> {act}
  logits: a |> flatten |> linear(10)
outputs: [logits]
train:
  loss: cross_entropy(logits, label)
  optimizer: sgd(lr=0.1)
  batch_size: 64
  epochs: 1
  data:
    train: {{format: mnist, path: data/mnist}}
"""

# activation -> the operators LBANN layers hold, in order from the convolution to the activation's value
LBANN_OPS = {
    "relu6": ["ClampOperator"],
    "clip(low=-1.0)": ["ClampOperator"],
    "hardtanh": ["ClampOperator"],
    "hardsigmoid": ["ScaleOperator", "AddConstantOperator", "ClampOperator"],
    "hardswish": ["ScaleOperator", "AddConstantOperator", "ClampOperator", "MultiplyOperator"],
    "silu": ["SigmoidOperator", "MultiplyOperator"],
    "mish": ["SoftplusOperator", "TanhOperator", "MultiplyOperator"],
    "softplus": ["SoftplusOperator"],
    "gelu": ["ScaleOperator", "ErfOperator", "AddConstantOperator", "MultiplyOperator", "ScaleOperator"],
    'gelu(approximate="tanh")': ["GeluOperator"],
}


def _lbann(tmp_path, act: str) -> lbann_pb2.LbannPB:
    p = tmp_path / "m.yaml"
    p.write_text(LBANN_MODEL.format(act=act))
    res = compile_model(str(p), "lbann")
    return text_format.Parse(res.files["m.prototext"].decode(), lbann_pb2.LbannPB())


def _operator(lay) -> str:
    return lay.operator_layer.ops[0].parameters.type_url.rpartition(".")[2]


@pytest.mark.parametrize("act", list(LBANN_OPS))
def test_lbann_operator_layers(tmp_path, act):
    exp = _lbann(tmp_path, act)
    ops = [lay for lay in exp.model.layer if lay.HasField("operator_layer")]
    assert [_operator(lay) for lay in ops] == LBANN_OPS[act]
    fc = next(lay for lay in exp.model.layer if lay.HasField("fully_connected"))
    assert ops[-1].name in fc.parents
    if act == "relu6":
        clamp = lbann_pb2.ClampOperator()
        ops[0].operator_layer.ops[0].parameters.Unpack(clamp)
        assert (clamp.min, clamp.max) == (0.0, 6.0)
    times = [lay for lay in ops if lay.operator_layer.ops[0].parameters.Is(lbann_pb2.MultiplyOperator.DESCRIPTOR)]
    if times:
        conv = next(lay for lay in exp.model.layer if lay.HasField("convolution"))
        i = ops.index(times[0])
        assert list(times[0].parents) == [conv.name, ops[i - 1].name]  # x times f(x)


def _lbann_operator(name: str, params, x):
    """An LBANN entry-wise operator in numpy, as src/operators/math/unary.cpp and binary.cpp compute it."""
    import math

    import numpy as np

    if name == "GeluOperator":  # the tanh approximation, BERT's coefficients
        return 0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))
    if name == "ErfOperator":
        return np.vectorize(math.erf)(x)
    msg = getattr(lbann_pb2, name)()
    params.Unpack(msg)
    return x * msg.constant if name == "ScaleOperator" else x + msg.constant


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_lbann_gelu_computes_nncc_gelu(tmp_path, approximate):
    import numpy as np

    from nncc.ops import REGISTRY

    exp = _lbann(tmp_path, f'gelu(approximate="{approximate}")')
    ops = [lay for lay in exp.model.layer if lay.HasField("operator_layer")]
    x = np.linspace(-4, 4, 81)
    y = x
    for lay in ops:
        name, params = _operator(lay), lay.operator_layer.ops[0].parameters
        y = x * y if name == "MultiplyOperator" else _lbann_operator(name, params, y)
    [want] = REGISTRY["gelu"].eval([x], {"approximate": approximate})
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-15)


SMAUG_MODEL = """\
nncc: 1
model: m
inputs:
  x: f32[N, 3, 8, 8]
graph:
  y: conv2d(x, 4, 3, pad=1, bias=false) |> {act}
outputs: [y]
"""


@pytest.mark.parametrize("act, bounds", [("relu6", (0.0, 6.0)), ("hardtanh(low=-2.0, high=0.5)", (-2.0, 0.5)),
                                         ("clip(high=3.0)", (-3.4028234663852886e38, 3.0))])
def test_smaug_hard_tanh_fused_into_the_convolution(tmp_path, act, bounds):
    from nncc.targets.smaug import graph_pb2

    p = tmp_path / "m.yaml"
    p.write_text(SMAUG_MODEL.format(act=act))
    res = compile_model(str(p), "smaug")
    g = text_format.Parse(res.files["m_topo.pbtxt"].decode(), graph_pb2.GraphProto())
    (conv,) = [n for n in g.nodes if n.op == graph_pb2.Convolution3d]
    act_p = conv.params.act_params
    assert act_p.activation == graph_pb2.HardTanh
    assert (act_p.hard_tanh_params.min, act_p.hard_tanh_params.max) == pytest.approx(bounds)
    assert not [n for n in g.nodes if n.op == graph_pb2.HardTanh]


@pytest.mark.parametrize("target, act", [("smaug", "silu"), ("smaug", "mish"), ("smaug", "hardswish"),
                                         ("singa", "relu6"), ("singa", "silu"), ("singa", "softplus")])
def test_targets_without_the_op_say_e501_at_its_line(tmp_path, target, act):
    text = SMAUG_MODEL.format(act=act) if target == "smaug" else LBANN_MODEL.format(act=act)
    p = tmp_path / "m.yaml"
    p.write_text(text)
    with pytest.raises(CompileError) as e:
        compile_model(str(p), target)
    d = next(d for d in e.value.diagnostics if d.code == "E501")
    assert f"`{act}`" in d.message and d.span.line == where(text, act)[0]


MATH = """\
  e: exp(c) + log(abs(c) + 1.0) + sqrt(abs(c))
  b: max(c, 0.0) + min(e, c) + c ** e + c ** 2
  m: where(c > 0, e, b) + where(0.5 < c, c, e)
  logits: m |> flatten |> linear(10)
"""


def test_lbann_element_wise_math(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text(LBANN_MODEL.format(act="relu").replace("  logits: a |> flatten |> linear(10)\n", MATH))
    res = compile_model(str(p), "lbann")
    exp = text_format.Parse(res.files["m.prototext"].decode(), lbann_pb2.LbannPB())
    ops = [_operator(lay) for lay in exp.model.layer if lay.HasField("operator_layer")]
    for name, count in (("ExpOperator", 1), ("LogOperator", 1), ("SqrtOperator", 1), ("AbsOperator", 2),
                        ("MaxConstantOperator", 1), ("MinOperator", 1), ("PowOperator", 2),
                        ("GreaterConstantOperator", 2), ("SelectOperator", 2)):
        assert ops.count(name) == count, (name, ops)
    select = lbann_pb2.SelectOperator()
    sel = next(lay for lay in exp.model.layer if lay.HasField("operator_layer") and _operator(lay) == "SelectOperator")
    sel.operator_layer.ops[0].parameters.Unpack(select)
    assert (select.value, select.epsilon) == (1.0, 0.5) and len(sel.parents) == 3
    (two,) = [lay for lay in exp.model.layer if lay.HasField("constant")]  # c ** 2: the exponent as a layer
    assert two.constant.value == 2.0 and list(two.constant.num_neurons) == [4, 28, 28]


@pytest.mark.parametrize("target, act", [("smaug", "exp"), ("smaug", "minimum(1.0)"), ("singa", "pow(2.0)"),
                                         ("singa", "maximum(0.0)"), ("smaug", "unsqueeze(1) |> squeeze(1)"),
                                         ("singa", "mean(axes=1, keepdims=true)")])
def test_math_without_a_form_is_e501(tmp_path, target, act):
    text = LBANN_MODEL.format(act=act)
    p = tmp_path / "m.yaml"
    p.write_text(text)
    with pytest.raises(CompileError) as e:
        compile_model(str(p), target)
    line = where(text, "a: c")[0]
    assert any(d.code == "E501" and d.span.line == line for d in e.value.diagnostics), e.value.diagnostics


REDUCE = """\
  r: mean(c, axes=[2, 3]) + sum(c, axes=[2, 3]) + max(c, axes=[2, 3]) + min(c, axes=[2, 3])
  s: mean(c, axes=[1, 2, 3]) + sum(c, axes=[1, 2, 3])
  pos: param([1, 4], init=gaussian(std=0.02))
  st: stack([r, pos + r], axis=1) |> flatten
  logits: concat([st, unsqueeze(s, 1)], axis=1) |> linear(10)
"""


def test_lbann_reductions_stack_and_weights_layer(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text(LBANN_MODEL.format(act="relu").replace("  logits: a |> flatten |> linear(10)\n", REDUCE))
    try:
        res = compile_model(str(p), "lbann")
    except CompileError as e:
        raise AssertionError(e.diagnostics) from None
    exp = text_format.Parse(res.files["m.prototext"].decode(), lbann_pb2.LbannPB())
    kinds = [lay.WhichOneof("layer_type") for lay in exp.model.layer]
    assert kinds.count("multidim_reduction") == 4 and kinds.count("reduction") == 2, kinds
    modes = sorted(lay.multidim_reduction.mode for lay in exp.model.layer if lay.HasField("multidim_reduction"))
    assert modes == ["max", "min", "sum", "sum"]
    assert sorted(lay.reduction.mode for lay in exp.model.layer if lay.HasField("reduction")) == ["average", "sum"]
    (w,) = [lay for lay in exp.model.layer if lay.HasField("weights_layer")]
    assert list(w.weights_layer.dims) == [4] and len(w.weights) == 1


def test_smaug_comparisons_give_bool_tensors(tmp_path):
    from nncc.targets.smaug import graph_pb2

    p = tmp_path / "m.yaml"
    p.write_text("nncc: 1\nmodel: m\ninputs:\n  x: f32[N, 3, 8, 8]\n  y: f32[N, 3, 8, 8]\ngraph:\n"
                 "  a: conv2d(x, 3, 3, pad=1)\n  p: a < y\n  q: y >= a\noutputs: [p, q]\n")
    g = text_format.Parse(compile_model(str(p), "smaug").files["m_topo.pbtxt"].decode(), graph_pb2.GraphProto())
    ops = {n.op: n for n in g.nodes}
    for op in (graph_pb2.Less, graph_pb2.GreaterEqual):
        (out,) = ops[op].output_tensors
        assert out.data_type == graph_pb2.Bool and len(ops[op].parents) == 2
