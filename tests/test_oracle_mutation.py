"""The numeric oracle is independent of nncc's normalisation: a normalisation mutant fails the numeric tests.

The mutant swaps SAME_UPPER for SAME_LOWER (the odd element of "same" padding goes
at the beginning instead of the end) where nncc normalises `pad="same"` into
`pads`. The ONNX model then pads on the wrong side; the torch reference works out
"same" from the call as written (tests/torch_ref.py), so the numeric tests of
tests/test_onnx_numerics.py must fail. An oracle that read the normalised `pads`
would agree with the mutant and pass.
"""
from __future__ import annotations

import pytest
from onnx_harness import assert_match, model_text, onnx_vs_torch, write_model
from test_onnx_numerics import CASES

import nncc.ops

# the "same" cases whose padding is odd in some dim (SAME_UPPER and SAME_LOWER differ there)
ASYMMETRIC = ["conv1d_same_stride2", "conv2d_same_stride1", "conv2d_same_stride2", "conv3d_same_dilation",
              "max_pool_same"]


def _same_lower(size, k, stride, dilation=1):
    begin, end = _SAME_UPPER(size, k, stride, dilation)
    return end, begin


_SAME_UPPER = nncc.ops.same_pads


def _run(case: str, tmp_path):
    inputs, graph, outputs, *rest = CASES[case]
    tmp_path.mkdir()
    path = write_model(tmp_path, model_text(inputs, graph, outputs))
    return onnx_vs_torch(path, tmp_path, options=rest[0] if rest else None)


def test_the_cases_are_same_padding_cases():
    assert all('pad="same"' in CASES[c][1] for c in ASYMMETRIC)
    assert set(ASYMMETRIC) <= set(CASES)


@pytest.mark.parametrize("case", ASYMMETRIC)
def test_same_padding_mutant_fails_the_numeric_test(case, tmp_path, monkeypatch):
    assert_match(_run(case, tmp_path / "real"))  # the real normalisation passes
    monkeypatch.setattr(nncc.ops, "same_pads", _same_lower)
    with pytest.raises(AssertionError, match="differs from the torch reference"):
        assert_match(_run(case, tmp_path / "mutant"))


def test_the_mutant_is_where_nncc_normalises(tmp_path, monkeypatch):
    """Under the mutant the IR's pads are SAME_LOWER's, while the call as written still says "same"."""
    from nncc.driver import frontend

    path = write_model(tmp_path, model_text({"x": "f32[N, 1, 4, 4]"}, 'y: conv2d(x, 1, 2, pad="same")', ["y"]))
    assert next(n for n in frontend(path).graph.nodes if n.op == "conv2d").attrs["pads"] == (0, 0, 1, 1)
    monkeypatch.setattr(nncc.ops, "same_pads", _same_lower)
    conv = next(n for n in frontend(path).graph.nodes if n.op == "conv2d")
    assert conv.attrs["pads"] == (1, 1, 0, 0) and conv.meta["written"]["pad"] == "same"
