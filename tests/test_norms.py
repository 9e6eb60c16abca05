"""`group_norm` and `instance_norm`: both targets against torch (F.group_norm, F.instance_norm), the registry's
numpy eval, weights, shape errors at the argument, and the other targets."""
from __future__ import annotations

import numpy as np
import pytest
import torch_ref
from onnx_harness import model_text, write_model
from op_harness import both_targets, error_at, refused, train_model

from nncc.driver import compile_model, frontend
from nncc.ops import REGISTRY

IMG = {"x": "f32[N, 6, 5, 4]"}

CASES: dict[str, tuple] = {
    "group_norm": (IMG, "y: group_norm(x, 3)"),
    "group_norm_one_group": (IMG, "y: group_norm(x, 1, eps=1e-3)"),
    "group_norm_per_channel": (IMG, "y: group_norm(x, 6)"),
    "group_norm_plain": (IMG, "y: group_norm(x, 2, affine=false)"),
    "group_norm_1d": ({"x": "f32[N, 4, 9]"}, "y: group_norm(x, 2)"),
    "group_norm_3d": ({"x": "f32[N, 4, 3, 2, 5]"}, "y: group_norm(x, 4)"),
    "group_norm_after_conv": (IMG, "y: conv2d(x, 8, 3, pad=1) |> group_norm(4) |> relu"),
    "instance_norm": (IMG, "y: instance_norm(x)"),
    "instance_norm_affine": (IMG, "y: instance_norm(x, eps=1e-4, affine=true)"),
    "instance_norm_1d": ({"x": "f32[N, 3, 11]"}, "y: instance_norm(x, affine=true)"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_matches_torch_on_onnx_and_pytorch(case, tmp_path):
    inputs, line = CASES[case]
    both_targets(tmp_path, inputs, line, ["y"])


@pytest.mark.parametrize("case", [c for c, (_, line) in CASES.items() if "|>" not in line])
def test_registry_eval_matches_torch(case, tmp_path):
    inputs, line = CASES[case]
    g = frontend(write_model(tmp_path, model_text(inputs, line, ["y"]))).graph
    n = g.nodes[0]
    arrays = {k: v.astype(np.float64) for k, v in torch_ref.random_weights(g, seed=2).items()}
    x = torch_ref.random_inputs(g, 3)["x"].astype(np.float64)
    got = REGISTRY[n.op].eval([x, *(arrays[w.name] for w in n.weights.values())], n.attrs)[0]
    np.testing.assert_allclose(got, torch_ref.run(g, {"x": x}, arrays)["y"], rtol=1e-10, atol=1e-12)


def test_weights_are_scale_and_bias_per_channel(tmp_path):
    g = frontend(write_model(tmp_path, model_text(IMG, "a: group_norm(x, 2)\ny: instance_norm(a, affine=true)",
                                                  ["y"]))).graph
    for n in g.nodes:
        assert {r: tuple(w.type.shape) for r, w in n.weights.items()} == {"scale": (6,), "bias": (6,)}
        assert n.weights["scale"].init.arg("value") == 1.0 and n.weights["bias"].init.arg("value") == 0.0


@pytest.mark.parametrize("inputs,line,caret,fragment,code", [
    (IMG, "y: group_norm(x, 4)", "4)", "not divisible by groups", "E202"),
    (IMG, "y: group_norm(x, 0)", "0)", "groups must be positive", "E202"),
    (IMG, "y: group_norm(x, 2, eps=0.0)", "0.0", "eps must be positive", "E202"),
    ({"x": "f32[N, 6]"}, "y: group_norm(x, 2)", "x,", "at least one spatial dim", "E201"),
    ({"x": "f32[N, C, 5]"}, "y: instance_norm(x)", "x)", "fixed channel count", "E201"),
    ({"x": "i64[N, 6, 5]"}, "y: instance_norm(x)", "x)", "floating-point", "E203"),
])
def test_shape_errors_at_the_argument(inputs, line, caret, fragment, code, tmp_path):
    error_at(tmp_path, inputs, line, caret, fragment, code)


@pytest.mark.parametrize("target,line,arg", [
    ("lbann", "group_norm(x, 2)", "group_norm"), ("lbann", "instance_norm(x, affine=true)", "true"),
    ("singa", "group_norm(x, 2)", "group_norm"), ("singa", "instance_norm(x)", "instance_norm"),
    ("smaug", "group_norm(x, 2)", "group_norm"), ("smaug", "instance_norm(x)", "instance_norm"),
])
def test_other_targets_say_e501(target, line, arg, tmp_path):
    refused(tmp_path, target, "f32[N, 4, 8, 8]", line, arg)


def test_lbann_instance_norm_layer(tmp_path):
    from google.protobuf import text_format

    from nncc.targets.lbann import lbann_pb2 as pb

    path = write_model(tmp_path, train_model("f32[N, 4, 8, 8]", "instance_norm(x, eps=1e-3)"))
    exp = text_format.Parse(compile_model(path, "lbann").files["m.prototext"].decode(), pb.LbannPB())
    lay = next(lay for lay in exp.model.layer if lay.name == "c")
    assert lay.WhichOneof("layer_type") == "instance_norm" and lay.instance_norm.epsilon.value == 1e-3
