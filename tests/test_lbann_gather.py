"""`gather` on LBANN: constant indices as a frozen weights layer read by LBANN's gather layer, which
picks the same entries in every sample (as nncc's gather does with a constant index list)."""
from __future__ import annotations

import numpy as np
import pytest
from nncc.targets.lbann import rules
from test_lbann import compile_text, diags, kind, line_of, parse

from nncc.ops import REGISTRY

MODEL = """\
nncc: 1
model: m
inputs:
  x: f32[N, 6, 4]
  i: i64[3]
  label: i64[N]
graph:
  g: {expr}
  logits: g |> flatten |> linear(3)
outputs: [logits]
train:
  loss: cross_entropy(logits, label)
  optimizer: sgd(lr=0.1)
  batch_size: 2
  epochs: 1
  data:
    train: {{format: npz, path: d.npz}}
"""


def lbann_gather(x: np.ndarray, ind: np.ndarray, axis: int | None) -> np.ndarray:
    """LBANN's gather on one sample (src/proto/layers.proto): y[i] = x[ind[i]] for 1-D data,
    along `axis` for 2-D data; an index out of range gives 0."""
    ind = ind.astype(np.int64)
    ok = (ind >= 0) & (ind < x.shape[axis or 0])
    y = np.take(x, np.where(ok, ind, 0), axis=axis or 0)
    shape = [1] * x.ndim
    shape[axis or 0] = len(ind)
    return np.where(ok.reshape(shape), y, 0.0)


@pytest.mark.parametrize("expr, axis", [
    ('gather(x, const([5, 0, -1], dtype="i64"), axis=1)', 1),
    ('gather(x, const([3, 3], dtype="i64"), axis=2)', 2),
    ('gather(flatten(x), const([23, 0, -24], dtype="i64"), axis=1)', 1),
])
def test_gather_by_constant_indices_picks_what_nncc_picks(tmp_path, expr, axis):
    exp = parse(compile_text(tmp_path, MODEL.format(expr=expr))["m.prototext"])
    assert rules.check(exp) == []
    by = {lay.name: lay for lay in exp.model.layer}
    g = by["g"]
    assert kind(g) == "gather"
    ind_layer = by[g.parents[1]]
    (wname,) = ind_layer.weights
    (w,) = [w for w in exp.model.weights if w.name == wname]
    assert w.optimizer.HasField("no_optimizer")
    ind = np.array(w.initializer.value_initializer.values)
    x = np.random.default_rng(0).normal(size=(2, 6, 4))
    flat = "flatten" in expr
    xs = x.reshape(2, -1) if flat else x
    values = [int(v) for v in expr.split("[", 1)[1].split("]", 1)[0].split(",")]
    [want] = REGISTRY["gather"].eval([xs, np.array(values)], {"axis": axis})
    lbann_axis = g.gather.axis.value if g.gather.HasField("axis") else None
    for s in range(2):
        np.testing.assert_array_equal(lbann_gather(xs[s], ind, lbann_axis), want[s])


@pytest.mark.parametrize("expr, marker, words", [
    ("gather(x, i, axis=1)", "i, axis", ["same entries in every sample"]),
    ('gather(x, const([6], dtype="i64"), axis=1)', "const(", ["out of the 6 entries"]),
])
def test_what_lbanns_gather_cannot_pick_is_e501_at_the_line(tmp_path, expr, marker, words):
    text = MODEL.format(expr=expr)
    errs = [d for d in diags(tmp_path, text) if d.is_error]
    assert errs and errs[0].code == "E501" and errs[0].span.line == line_of(text, "g: gather"), errs
    for w in words:
        assert w in errs[0].message, errs[0].message
