"""Convolution `padding_mode` (zeros, reflect, replicate, circular) and max-pool `dilation`: both targets
against torch, shape errors at the argument, and E501 on the targets whose layers have neither."""
from __future__ import annotations

import pytest
from onnx_harness import model_text, write_model
from op_harness import both_targets, error_at, refused

from nncc.driver import compile_model

IMG = {"x": "f32[N, 3, 9, 8]"}

CASES: dict[str, tuple] = {
    "reflect": (IMG, "y: conv2d(x, 4, 3, pad=1, padding_mode=\"reflect\")"),
    "replicate": (IMG, "y: conv2d(x, 4, 3, pad=2, padding_mode=\"replicate\", dilation=2)"),
    "circular": (IMG, "y: conv2d(x, 4, 3, pad=[1, 2], padding_mode=\"circular\")"),
    "circular_asymmetric": (IMG, "y: conv2d(x, 4, 4, pad=\"same\", padding_mode=\"circular\")"),
    "reflect_same_strided": (IMG, "y: conv2d(x, 2, 3, stride=2, pad=\"same\", padding_mode=\"reflect\")"),
    "replicate_1d": ({"x": "f32[N, 3, 10]"}, "y: conv1d(x, 4, 5, pad=2, padding_mode=\"replicate\")"),
    "circular_3d": ({"x": "f32[N, 2, 4, 5, 6]"}, "y: conv3d(x, 3, 3, pad=1, padding_mode=\"circular\")"),
    "reflect_grouped_relu": (IMG, "y: conv2d(x, 6, 3, pad=1, groups=3, padding_mode=\"reflect\") |> relu"),
    "zeros_default": (IMG, "y: conv2d(x, 4, 3, pad=1, padding_mode=\"zeros\")"),
    "maxpool_dilated": (IMG, "y: max_pool2d(x, 3, stride=1, dilation=2)"),
    "maxpool_dilated_padded": (IMG, "y: max_pool2d(x, 3, stride=2, pad=1, dilation=[2, 1])"),
    "maxpool_dilated_ceil": (IMG, "y: max_pool2d(x, 2, stride=2, dilation=2, ceil_mode=true)"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_matches_torch_on_onnx_and_pytorch(case, tmp_path):
    inputs, line = CASES[case]
    both_targets(tmp_path, inputs, line, ["y"], batch=2)


@pytest.mark.parametrize("line,caret,fragment,code", [
    ('y: conv2d(x, 4, 3, pad=8, padding_mode="reflect")', "8,", "at most 7", "E202"),
    ('y: conv2d(x, 4, 3, pad=10, padding_mode="circular")', "10,", "at most 9", "E202"),
    ('y: conv2d(x, 4, 3, padding_mode="mirror")', '"mirror"', "must be one of", "E305"),
    ("y: max_pool2d(x, 3, dilation=5)", "3, dilation", "does not fit", "E202"),
    ("y: max_pool2d(x, 3, dilation=0)", "0)", "dilation must be positive", "E202"),
])
def test_shape_errors_at_the_argument(line, caret, fragment, code, tmp_path):
    error_at(tmp_path, IMG, line, caret, fragment, code)


@pytest.mark.parametrize("target", ["lbann", "singa", "smaug"])
@pytest.mark.parametrize("line,arg", [('conv2d(x, 4, 3, pad=1, padding_mode="reflect")', '"reflect"'),
                                      ("max_pool2d(x, 3, stride=1, dilation=2)", "2)")])
def test_other_targets_refuse_at_the_argument(target, line, arg, tmp_path):
    refused(tmp_path, target, "f32[N, 3, 8, 8]", line, arg if target != "smaug" else None)


def test_zeros_mode_is_what_it_was(tmp_path):
    """padding_mode="zeros" (the default) changes nothing in the ONNX model."""
    a = write_model(tmp_path, model_text(IMG, "y: conv2d(x, 4, 3, pad=1)", ["y"]), "a")
    b = write_model(tmp_path, model_text(IMG, 'y: conv2d(x, 4, 3, pad=1, padding_mode="zeros")', ["y"]), "b")
    assert compile_model(a, "onnx").files == compile_model(b, "onnx").files
