"""Adaptive pooling to any output size and `upsample`/`interpolate`: both targets against torch (F.adaptive_*,
F.interpolate), the registry's numpy eval against torch, shape errors at the argument, and the other targets."""
from __future__ import annotations

import numpy as np
import pytest
import torch_ref
from onnx_harness import model_text, write_model
from op_harness import both_targets, error_at, refused, train_model

from nncc.driver import compile_model, frontend
from nncc.ops import REGISTRY

IMG = {"x": "f32[N, 3, 7, 10]"}

CASES: dict[str, tuple] = {
    "adaptive_avg_uneven": (IMG, "y: adaptive_avg_pool2d(x, [3, 4])"),
    "adaptive_avg_even": (IMG, "y: adaptive_avg_pool2d(x, [7, 5])"),
    "adaptive_avg_one": (IMG, "y: adaptive_avg_pool2d(x, 1) |> flatten |> linear(2)"),
    "adaptive_avg_upward": ({"x": "f32[N, 2, 3, 3]"}, "y: adaptive_avg_pool2d(x, 5)"),
    "adaptive_max_uneven": (IMG, "y: adaptive_max_pool2d(x, [4, 3])"),
    "adaptive_max_even": (IMG, "y: adaptive_max_pool2d(x, [1, 2])"),
    "nearest_scale": (IMG, "y: upsample(x, 2)"),
    "nearest_scale_per_dim": (IMG, "y: upsample(x, [3, 1])"),
    "nearest_size": (IMG, "y: upsample(x, size=[11, 13])"),
    "nearest_down": (IMG, "y: interpolate(x, size=[4, 6])"),
    "bilinear_scale": (IMG, 'y: upsample(x, 2, mode="bilinear")'),
    "bilinear_size": (IMG, 'y: upsample(x, size=[9, 17], mode="bilinear")'),
    "bilinear_align_corners": (IMG, 'y: upsample(x, size=[12, 15], mode="bilinear", align_corners=true)'),
    "bilinear_down_align": (IMG, 'y: interpolate(x, size=[3, 4], mode="bilinear", align_corners=true)'),
    "bilinear_to_one": (IMG, 'y: upsample(x, size=[1, 1], mode="bilinear", align_corners=true)'),
    "unet_step": (IMG, 'u: upsample(x, 2, mode="bilinear")\nd: max_pool2d(u, 2)\ny: concat([d, x], axis=1)'),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_matches_torch_on_onnx_and_pytorch(case, tmp_path):
    inputs, line = CASES[case]
    both_targets(tmp_path, inputs, line, ["y"])


@pytest.mark.parametrize("case", [c for c, (_, line) in CASES.items() if "|>" not in line and "\n" not in line])
def test_registry_eval_matches_torch(case, tmp_path):
    inputs, line = CASES[case]
    g = frontend(write_model(tmp_path, model_text(inputs, line, ["y"]))).graph
    feeds = {k: v.astype(np.float64) for k, v in torch_ref.random_inputs(g, 2).items()}
    n = g.nodes[0]
    got = REGISTRY[n.op].eval([feeds["x"]], n.attrs)[0]
    np.testing.assert_allclose(got, torch_ref.run(g, feeds, keep_all=True)[n.output.name], rtol=1e-12, atol=1e-12)


def test_upsample_canonical_form_is_the_size(tmp_path):
    g = frontend(write_model(tmp_path, model_text(IMG, "y: upsample(x, [2, 3])", ["y"]))).graph
    assert g.nodes[0].attrs["size"] == (14, 30) and g.nodes[0].attrs["scale"] is None
    assert tuple(g.outputs[0].type.shape) == ("N", 3, 14, 30)


@pytest.mark.parametrize("line,caret,fragment,code", [
    ("y: upsample(x)", "upsample(x)", "either `scale` or `size`", "E202"),
    ("y: upsample(x, 2, size=[3, 3])", "[3, 3]", "not both", "E202"),
    ('y: upsample(x, 2, align_corners=true)', "true", "align_corners is for", "E202"),
    ("y: upsample(x, 0)", "0)", "scale must be positive", "E202"),
    ('y: upsample(x, 2, mode="cubic")', '"cubic"', "must be one of", "E305"),
    ("y: adaptive_avg_pool2d(x, [2, 0])", "[2, 0]", "output_size must be positive", "E202"),
    ("y: adaptive_max_pool2d(x, [1, 2, 3])", "[1, 2, 3]", "list of 2 ints", "E201"),
])
def test_shape_errors_at_the_argument(line, caret, fragment, code, tmp_path):
    error_at(tmp_path, IMG, line, caret, fragment, code)


@pytest.mark.parametrize("line", ["y: upsample(x, 2)", "y: adaptive_avg_pool2d(x, 2)"])
def test_symbolic_spatial_dims_are_refused_at_the_input(line, tmp_path):
    error_at(tmp_path, {"x": "f32[N, 3, H, W]"}, line, "x,", "fixed spatial dims")


@pytest.mark.parametrize("line", ["y: upsample(x, 2, w_init=gaussian(std=0.1))"])
def test_upsample_has_no_weights(line, tmp_path):
    error_at(tmp_path, IMG, line, "w_init", "has no argument", "E306")


@pytest.mark.parametrize("target,line", [
    ("lbann", 'upsample(x, size=[12, 12])'), ("lbann", 'upsample(x, 2, mode="bilinear")'),
    ("lbann", "adaptive_avg_pool2d(x, 3)"), ("singa", "upsample(x, 2)"), ("singa", "adaptive_max_pool2d(x, 3)"),
    ("smaug", "upsample(x, 2)"), ("smaug", "adaptive_avg_pool2d(x, 3)"),
])
def test_other_targets_say_e501_at_the_line(target, line, tmp_path):
    refused(tmp_path, target, "f32[N, 3, 8, 8]", line)


@pytest.mark.parametrize("line,kind", [("upsample(x, 2)", "upsample"), ("adaptive_max_pool2d(x, 4)", "pooling"),
                                       ("adaptive_avg_pool2d(x, [2, 4])", "pooling")])
def test_lbann_layers(line, kind, tmp_path):
    """nearest upsampling by an integer factor is LBANN's upsample layer; adaptive pooling whose window
    divides the input is its pooling layer."""
    from google.protobuf import text_format

    from nncc.targets.lbann import lbann_pb2 as pb

    path = write_model(tmp_path, train_model("f32[N, 3, 8, 8]", line))
    exp = text_format.Parse(compile_model(path, "lbann").files["m.prototext"].decode(), pb.LbannPB())
    lay = next(lay for lay in exp.model.layer if lay.name == "c")
    assert lay.WhichOneof("layer_type") == kind
    if kind == "upsample":
        assert (lay.upsample.upsample_mode, lay.upsample.num_dims, lay.upsample.scale_factors_i) == ("nearest", 2, 2)
    else:
        assert lay.pooling.pool_mode == ("max" if "max" in line else "average")
