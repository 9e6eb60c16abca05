"""Weight names stay put (docs/language.md, "Weight names"; nncc/wnames.py): a model is edited in
each way that changes no weight — weightless ops added or removed, a repeat count changed, the
other branch of a block chosen — and no other weight's name moves. nncc 0.1 names still load (W503)."""
from __future__ import annotations

import numpy as np
import pytest

from nncc.driver import compile_model, frontend

BASE = """\
nncc: 1
model: names
params: {n: 3, stride: 2}
inputs:
  image: f32[N, 3, 16, 16]
blocks:
  basic(x, ch, stride=1):
    a: conv2d(x, ch, 3, stride=stride, pad=1, bias=false) |> batch_norm |> relu
    b: conv2d(a, ch, 3, pad=1, bias=false) |> batch_norm
    skip: x if stride == 1 else conv2d(x, ch, 1, stride=stride, bias=false) |> batch_norm
    return: relu(b + skip)
  head(x, k):
    return: x |> global_avg_pool |> flatten |> linear(k)
graph:
  stem: conv2d(image, 8, 3, pad=1) |> batch_norm |> relu
  s1: stem |> repeat(n, basic, ch=8)
  s2: s1 |> basic(8 * stride, stride=stride) |> repeat(n - 1, basic, ch=8 * stride)
  twice: s2 |> conv2d(16, 3, pad=1) |> conv2d(16, 3, pad=1)
  logits: head(twice, 10)
outputs: [logits]
"""


def names(tmp_path, text: str, **defines: str) -> list[str]:
    p = tmp_path / "m.yaml"
    p.write_text(text)
    return [w.name for w in frontend(str(p), defines).graph.weights()]


def test_the_names_are_the_documented_ones(tmp_path):
    got = names(tmp_path, BASE)
    for n in ["stem/conv2d.weight", "stem/conv2d.bias", "stem/batch_norm.scale", "stem/batch_norm.var",
              "s1/0/a/conv2d.weight", "s1/2/b/batch_norm.scale", "s2/basic/skip/conv2d.weight",
              "s2/basic_1/1/a/conv2d.weight", "twice/conv2d.weight", "twice/conv2d_1.weight", "logits.weight"]:
        assert n in got, n
    assert len(got) == len(set(got))


@pytest.mark.parametrize("old, new", [
    ("|> batch_norm\n    skip", "|> batch_norm |> relu\n    skip"),           # an activation after the last op
    ("|> batch_norm |> relu\n    b", "|> batch_norm\n    b"),                 # one removed
    ("pad=1) |> batch_norm |> relu\n  s1", "pad=1) |> dropout(0.1) |> batch_norm |> relu |> identity\n  s1"),
    ("|> flatten |> linear(k)", "|> flatten |> dropout(0.5) |> linear(k) |> relu"),
    ("|> conv2d(16, 3, pad=1) |> conv2d", "|> conv2d(16, 3, pad=1) |> relu |> conv2d"),
    ("return: relu(b + skip)", "return: b + skip"),
])
def test_weightless_edits_rename_nothing(tmp_path, old, new):
    assert old in BASE
    assert names(tmp_path, BASE.replace(old, new)) == names(tmp_path, BASE)


def test_a_repeat_count_renames_no_other_weight(tmp_path):
    short, long = names(tmp_path, BASE, n="2"), names(tmp_path, BASE, n="3")
    assert set(short) < set(long)
    added = set(long) - set(short)
    assert added and all(a.startswith(("s1/2/", "s2/basic_1/1/")) for a in added)


def test_a_branch_of_a_block_renames_no_other_weight(tmp_path):
    plain, down = names(tmp_path, BASE, stride="1"), names(tmp_path, BASE, stride="2")
    assert set(plain) < set(down)
    assert all(a.startswith("s2/basic/skip/") for a in set(down) - set(plain))


def test_gru_weights_have_the_documented_names(tmp_path):
    text = """\
nncc: 1
model: g
inputs:
  x: f32[N, 5, 4]
graph:
  h: gru(x, 6)
outputs: [h]
"""
    assert names(tmp_path, text) == ["h.weight", "h.recurrent_weight", "h.bias", "h.recurrent_bias"]


def test_nncc_01_names_load_with_w503(tmp_path):
    """A file named the nncc 0.1 way (the last op of a line took the line's name) still loads."""
    p = tmp_path / "m.yaml"
    p.write_text("nncc: 1\nmodel: m\ninputs:\n  x: f32[N, 4]\ngraph:\n  h: linear(x, 3) |> relu\n"
                 "  b: linear(h, 2) |> batch_norm\noutputs: [b]\n")
    old = {"h/linear.weight": np.ones((3, 4), np.float32), "h/linear.bias": np.ones(3, np.float32),
           "b/linear.weight": np.ones((2, 3), np.float32), "b/linear.bias": np.ones(2, np.float32),
           "b.scale": np.ones(2, np.float32), "b.bias": np.zeros(2, np.float32),
           "b.mean": np.zeros(2, np.float32), "b.var": np.ones(2, np.float32)}
    np.savez(tmp_path / "old.npz", **old)
    res = compile_model(str(p), "onnx", weights=str(tmp_path / "old.npz"), opt_level=0)
    w503 = [d for d in res.frontend.warnings if d.code == "W503"]
    assert len(w503) == 6 and "`h/linear.weight` has the nncc 0.1 name of `h.weight`" in w503[0].message
    got = {w.name: w.data for w in res.frontend.graph.weights()}
    np.testing.assert_array_equal(got["b/batch_norm.scale"], old["b.scale"])
