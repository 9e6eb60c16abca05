"""`attention` on LBANN (targets/lbann/attention.py): the layers LBANN's frontend composes multi-head
attention from, run here by a small numpy reading of those layers (as LBANN's layer docs define
them) and compared with nncc's own definition of the op (nncc/opdefs/attention.py `evaluate`)."""
from __future__ import annotations

import numpy as np
import pytest
from lbann_numpy import run_layers
from nncc.targets.lbann import rules
from test_lbann import compile_text, diags, kind, line_of, parse

from nncc.opdefs.attention import PROJECTIONS, evaluate

MODEL = """\
nncc: 1
model: m
inputs:
  x: f32[N, 5, 8]
  pad: bool[N, 5]
  label: i64[N]
graph:
  a: attention(x, x, x, {heads}{mask})
  logits: a[:, 0:1, :] |> flatten |> linear(3)
outputs: [logits]
train:
  loss: cross_entropy(logits, label)
  optimizer: sgd(lr=0.1)
  batch_size: 2
  epochs: 1
  data:
    train: {{format: npz, path: d.npz}}
"""


@pytest.mark.parametrize("heads, masked", [(2, True), (4, False), (1, True)])
def test_attention_layers_compute_the_op(tmp_path, heads, masked):
    text = MODEL.format(heads=heads, mask=", key_padding_mask=pad" if masked else "")
    exp = parse(compile_text(tmp_path, text)["m.prototext"])
    assert rules.check(exp) == []
    rng = np.random.default_rng(heads)
    ws = {f"a.{p}_{r}": rng.normal(size=(8, 8) if r == "weight" else (8,)) for p in PROJECTIONS
          for r in ("weight", "bias")}
    x = rng.normal(size=(2, 5, 8))
    pad = np.array([[False, False, True, False, True], [False, True, True, True, True]])
    flat = [ws[f"a.{p}_{r}"] for p in PROJECTIONS for r in ("weight", "bias")]
    [want] = evaluate([x, x, x, *([pad] if masked else []), *flat], {"num_heads": heads, "causal": False, "bias": True})
    for i in range(2):
        got = run_layers(exp, {"x": x[i], "pad": pad[i].astype(float)}, ws, "a")
        np.testing.assert_allclose(got, want[i], rtol=1e-10, atol=1e-12)
    softmaxes = [lay for lay in exp.model.layer if kind(lay) == "channelwise_softmax"]
    assert len(softmaxes) == heads  # one per head, as the frontend's separate-heads form


def test_the_reading_of_the_layers_can_fail(tmp_path):
    exp = parse(compile_text(tmp_path, MODEL.format(heads=2, mask=", key_padding_mask=pad"))["m.prototext"])
    sel = next(lay for lay in exp.model.layer if lay.name.startswith("a_masked"))
    sel.parents.reverse()  # the mask and the scores swapped: the result must differ
    rng = np.random.default_rng(0)
    ws = {f"a.{p}_{r}": rng.normal(size=(8, 8) if r == "weight" else (8,)) for p in PROJECTIONS
          for r in ("weight", "bias")}
    x, pad = rng.normal(size=(5, 8)), np.array([0.0, 0.0, 1.0, 0.0, 1.0])
    flat = [ws[f"a.{p}_{r}"] for p in PROJECTIONS for r in ("weight", "bias")]
    [want] = evaluate([x[None], x[None], x[None], pad[None] > 0, *flat], {"num_heads": 2, "causal": False,
                                                                         "bias": True})
    got = run_layers(exp, {"x": x, "pad": pad}, ws, "a")
    assert not np.allclose(got, want[0])


def test_causal_attention_is_e501_at_its_argument(tmp_path):
    text = MODEL.format(heads=2, mask=", causal=true")
    [d] = [d for d in diags(tmp_path, text) if d.is_error]
    assert d.code == "E501" and "causal" in d.message and d.span.line == line_of(text, "causal=true")
