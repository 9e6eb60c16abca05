"""The `lstm` op, and `gru` stacked and bidirectional: both targets against torch.nn.LSTM/GRU (the torch
reference is those modules), the registry's numpy eval against them, weights, shape errors, and E501 where
a target has no recurrent layer of that form."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch_ref
from onnx_harness import model_text, write_model
from op_harness import both_targets, error_at
from test_gru import _singa_model

from nncc.diagnostics import CompileError
from nncc.driver import compile_model, frontend
from nncc.ops import REGISTRY

SEQ = {"x": "f32[N, 6, 5]"}

CASES: dict[str, tuple] = {
    "lstm": (SEQ, "y: lstm(x, 4)"),
    "lstm_last": (SEQ, "y: lstm(x, 4, return_sequences=false)"),
    "lstm_no_bias": (SEQ, "y: lstm(x, 3, bias=false)"),
    "lstm_bidirectional": (SEQ, "y: lstm(x, 4, bidirectional=true)"),
    "lstm_bidirectional_last": (SEQ, "y: lstm(x, 4, bidirectional=true, return_sequences=false)"),
    "lstm_stacked": (SEQ, "y: lstm(x, 4, num_layers=3)"),
    "lstm_stacked_bidirectional_last": (SEQ, "y: lstm(x, 3, num_layers=2, bidirectional=true, "
                                             "return_sequences=false) |> linear(2)"),
    "lstm_embedded": ({"t": "i64[N, 7]"}, "y: t |> embedding(11, 5) |> lstm(6, num_layers=2) |> linear(11)"),
    "lstm_no_bias_stacked_bidirectional": (SEQ, "y: lstm(x, 3, bias=false, num_layers=2, bidirectional=true)"),
    "gru_bidirectional": (SEQ, "y: gru(x, 4, bidirectional=true)"),
    "gru_stacked_last": (SEQ, "y: gru(x, 4, num_layers=2, return_sequences=false)"),
    "gru_stacked_bidirectional": (SEQ, "y: gru(x, 3, num_layers=3, bidirectional=true, bias=false)"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_matches_torch_on_onnx_and_pytorch(case, tmp_path):
    inputs, line = CASES[case]
    both_targets(tmp_path, inputs, line, ["y"], batch=3)


def _graph(tmp_path, line: str, inputs=SEQ):
    return frontend(write_model(tmp_path, model_text(inputs, line, ["y"]))).graph


@pytest.mark.parametrize("op", ["lstm", "gru"])
@pytest.mark.parametrize("form", ["", ", bidirectional=true", ", num_layers=2, return_sequences=false",
                                  ", num_layers=2, bidirectional=true, bias=false"])
def test_registry_eval_matches_torch(op, form, tmp_path):
    """The numpy eval (inputs, then the weights in the registry's order) against torch.nn.LSTM/GRU."""
    g = _graph(tmp_path, f"y: {op}(x, 4{form})")
    n = next(n for n in g.nodes if n.op == op)
    arrays = {k: v.astype(np.float64) for k, v in torch_ref.random_weights(g, seed=5).items()}
    x = torch_ref.random_inputs(g, 3)["x"].astype(np.float64)
    got = REGISTRY[op].eval([x, *(arrays[w.name] for w in n.weights.values())], n.attrs)[0]
    want = torch_ref.run(g, {"x": x}, arrays)["y"]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_lstm_weights_names_shapes_and_defaults(tmp_path):
    g = _graph(tmp_path, "y: lstm(x, 4, num_layers=2, bidirectional=true)")
    n = next(n for n in g.nodes if n.op == "lstm")
    shapes = {r: tuple(w.type.shape) for r, w in n.weights.items()}
    want = {}
    for s, fin in (("", 5), ("_reverse", 5), ("_l1", 8), ("_l1_reverse", 8)):
        want.update({f"weight{s}": (16, fin), f"recurrent_weight{s}": (16, 4), f"bias{s}": (16,),
                     f"recurrent_bias{s}": (16,)})
    assert shapes == want
    assert all(w.name == f"y.{r}" for r, w in n.weights.items())
    for w in n.weights.values():
        assert w.init.kind == "uniform" and w.init.arg("high") == pytest.approx(0.5)
    assert g.outputs[0].type.shape[1:] == (6, 8)


def test_weight_settings_reach_every_layer_and_direction(tmp_path):
    g = _graph(tmp_path, "y: lstm(x, 4, num_layers=2, bidirectional=true, w_lr=2, rb_init=constant(0))")
    n = next(n for n in g.nodes if n.op == "lstm")
    assert [w.lr_mult for r, w in n.weights.items() if r.startswith("weight")] == [2.0] * 4
    assert {w.init.kind for r, w in n.weights.items() if r.startswith("recurrent_bias")} == {"constant"}


def test_one_onnx_node_per_layer(tmp_path):
    path = write_model(tmp_path, model_text(SEQ, "y: lstm(x, 4, num_layers=3, bidirectional=true)", ["y"]))
    model = onnx.load_from_string(compile_model(path, "onnx").files["t.onnx"])
    onnx.checker.check_model(model, full_check=True)
    nodes = [n for n in model.graph.node if n.op_type == "LSTM"]
    assert len(nodes) == 3
    assert all({a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}["direction"] == b"bidirectional"
               for n in nodes)


def test_flops_count_every_layer_and_direction(tmp_path):
    one = _graph(tmp_path, "y: lstm(x, 4)").nodes[-1]
    two = _graph(tmp_path, "y: lstm(x, 4, bidirectional=true)").nodes[-1]
    flops = REGISTRY["lstm"].flops
    assert flops is not None
    f1 = flops([one.inputs[0].ttype], [one.output.ttype], one.attrs)
    assert f1 == 6 * (2 * 16 * (5 + 4) + 2 * 16 + 12 * 4)
    assert flops([two.inputs[0].ttype], [two.output.ttype], two.attrs) == 2 * f1


@pytest.mark.parametrize("op", ["lstm", "gru"])
@pytest.mark.parametrize("inputs,line,caret,fragment,code", [
    ({"x": "f32[N, 5]"}, "y: OP(x, 4)", "x, 4", "3-D input [N, T, features]", "E201"),
    ({"x": "i64[N, 6, 5]"}, "y: OP(x, 4)", "x, 4", "floating-point", "E203"),
    (SEQ, "y: OP(x, 0)", "0)", "hidden must be positive", "E202"),
    (SEQ, "y: OP(x, 4, num_layers=0)", "0)", "num_layers must be positive", "E202"),
    ({"x": "f32[N, 6, F]"}, "y: OP(x, 4)", "x, 4", "fixed feature size", "E201"),
])
def test_shape_errors_at_the_argument(op, inputs, line, caret, fragment, code, tmp_path):
    error_at(tmp_path, inputs, line.replace("OP", op), caret, fragment, code)


@pytest.mark.parametrize("target,line,fragment", [
    ("singa", "lstm(e, 6, return_sequences=false)", "lstm"),
    ("lbann", "gru(e, 6, return_sequences=false, bidirectional=true)", "bidirectional"),
    ("singa", "gru(e, 6, return_sequences=false, bidirectional=true)", "bidirectional"),
    ("singa", "gru(e, 6, return_sequences=false, num_layers=2)", "num_layers"),
])
def test_targets_without_the_form_say_e501_at_the_line(target, line, fragment, tmp_path):
    path = write_model(tmp_path, _singa_model(f"o: {line} |> linear(20)"))
    with pytest.raises(CompileError) as e:
        compile_model(path, target)
    d = next((d for d in e.value.diagnostics if d.code == "E501"), None)
    assert d is not None and fragment in d.message, [(d.code, d.message) for d in e.value.diagnostics]
    assert d.span is not None and d.span.line == 6, d.span  # the line `o: ...`
