"""The `attention` op (`multi_head_attention`): both targets against torch.nn.MultiheadAttention(batch_first=True)
(the torch reference is that module), with key padding masks and causal masks; the registry's numpy eval;
weights per projection; shape errors at the argument; E501 on the targets without attention."""
from __future__ import annotations

import numpy as np
import pytest
import torch_ref
from onnx_harness import model_text, write_model
from op_harness import both_targets, error_at, refused

from nncc.driver import frontend
from nncc.ops import REGISTRY

SEQ = {"x": "f32[N, 5, 8]"}
MASKED = {"x": "f32[N, 5, 8]", "pad": "bool[N, 5]"}
CROSS = {"x": "f32[N, 4, 8]", "m": "f32[N, 6, 3]", "v": "f32[N, 6, 5]"}

CASES: dict[str, tuple] = {
    "self": (SEQ, "y: attention(x, x, x, 2)"),
    "one_head": (SEQ, "y: attention(x, x, x, 1)"),
    "heads_of_one": (SEQ, "y: multi_head_attention(x, x, x, 8)"),
    "no_bias": (SEQ, "y: attention(x, x, x, 4, bias=false)"),
    "causal": (SEQ, "y: attention(x, x, x, 2, causal=true)"),
    "key_padding": (MASKED, "y: attention(x, x, x, 2, key_padding_mask=pad)"),
    "key_padding_causal": (MASKED, "y: attention(x, x, x, 4, key_padding_mask=pad, causal=true)"),
    "cross_other_dims": (CROSS, "y: attention(x, m, v, 2)"),
    "cross_causal": (CROSS, "y: attention(x, m, v, 4, causal=true, bias=false)"),
    "encoder_block": (SEQ, "a: x + attention(x, x, x, 2)\nb: layer_norm(a)\ny: b + linear(b, 8)"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_matches_torch_on_onnx_and_pytorch(case, tmp_path):
    inputs, line = CASES[case]
    both_targets(tmp_path, inputs, line, ["y"], batch=3)


def test_random_masks_pad_the_end_and_keep_a_key(tmp_path):
    g = frontend(write_model(tmp_path, model_text(MASKED, CASES["key_padding"][1], ["y"]))).graph
    pad = torch_ref.random_inputs(g, 64)["pad"]
    assert pad.any() and not pad[:, 0].any() and (np.diff(pad.astype(int), axis=1) >= 0).all()


@pytest.mark.parametrize("case", [c for c, (_, line) in CASES.items() if "\n" not in line])
def test_registry_eval_matches_torch(case, tmp_path):
    inputs, line = CASES[case]
    g = frontend(write_model(tmp_path, model_text(inputs, line, ["y"]))).graph
    n = g.nodes[0]
    arrays = {k: v.astype(np.float64) for k, v in torch_ref.random_weights(g, seed=4).items()}
    feeds = {k: (v.astype(np.float64) if v.dtype != np.bool_ else v) for k, v in torch_ref.random_inputs(g, 3).items()}
    xs = [feeds[v.name] for v in n.inputs] + [arrays[w.name] for w in n.weights.values()]
    got = REGISTRY["attention"].eval(xs, n.attrs)[0]
    np.testing.assert_allclose(got, torch_ref.run(g, feeds, arrays)["y"], rtol=1e-10, atol=1e-12)


def test_weights_per_projection(tmp_path):
    g = frontend(write_model(tmp_path, model_text(CROSS, "y: attention(x, m, v, 2, w_init=gaussian(std=0.1))",
                                                  ["y"]))).graph
    n = g.nodes[0]
    assert {r: tuple(w.type.shape) for r, w in n.weights.items()} == {
        "query_weight": (8, 8), "query_bias": (8,), "key_weight": (8, 3), "key_bias": (8,),
        "value_weight": (8, 5), "value_bias": (8,), "out_weight": (8, 8), "out_bias": (8,)}
    assert {w.init.kind for r, w in n.weights.items() if r.endswith("weight")} == {"gaussian"}
    assert all(w.name == f"y.{r}" for r, w in n.weights.items())


def test_default_init_is_pytorchs(tmp_path):
    n = frontend(write_model(tmp_path, model_text(SEQ, "y: attention(x, x, x, 2)", ["y"]))).graph.nodes[0]
    assert n.weights["query_weight"].init.arg("high") == pytest.approx((6 / 32) ** 0.5)  # xavier over [3E, E]
    assert n.weights["out_weight"].init.arg("high") == pytest.approx(8 ** -0.5)
    assert n.weights["out_bias"].init.kind == "constant"


@pytest.mark.parametrize("inputs,line,caret,fragment,code", [
    (SEQ, "y: attention(x, x, x, 3)", "3)", "not divisible by num_heads", "E202"),
    (SEQ, "y: attention(x, x, x, 0)", "0)", "num_heads must be positive", "E202"),
    ({"x": "f32[N, 8]"}, "y: attention(x, x, x, 2)", "x, x, x", "3-D input", "E201"),
    (CROSS, "y: attention(x, m, x, 2)", "x, 2", "same length", "E201"),
    (MASKED, "y: attention(x, x, x, 2, key_padding_mask=x)", "x)", "key_padding_mask must be bool", "E203"),
    ({"x": "f32[N, 5, 8]", "pad": "bool[N, 4]"}, "y: attention(x, x, x, 2, key_padding_mask=pad)", "pad)",
     "key_padding_mask must be bool [N, 5]", "E201"),
    ({"x": "f32[N, T, 8]"}, "y: attention(x, x, x, 2, causal=true)", "true", "fixed sequence lengths", "E201"),
    ({"x": "i64[N, 5, 8]"}, "y: attention(x, x, x, 2)", "x, x, x", "floating-point", "E203"),
])
def test_shape_errors_at_the_argument(inputs, line, caret, fragment, code, tmp_path):
    error_at(tmp_path, inputs, line, caret, fragment, code)


def test_symbolic_sequence_length_without_causal(tmp_path):
    both_targets(tmp_path, {"x": "f32[N, T, 8]"}, "y: attention(x, x, x, 2)", ["y"])


@pytest.mark.parametrize("target", ["singa", "smaug"])  # lbann: tests/test_lbann_attention.py
def test_other_targets_say_e501_at_the_line(target, tmp_path):
    refused(tmp_path, target, "f32[N, 5, 8]", "attention(x, x, x, 2)", fragment="attention")
