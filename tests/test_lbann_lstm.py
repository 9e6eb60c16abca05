"""`lstm` on LBANN (targets/lbann/lstm.py): the layers LBANN's frontend composes an LSTM cell from, unrolled
over the sequence, run here by a numpy reading of those layers (tests/lbann_numpy.py) and compared with
nncc's own evaluation of the op (its registry entry's `eval`), for stacked, bidirectional, bias-free and
sequence-returning forms."""
from __future__ import annotations

import numpy as np
import pytest
from lbann_numpy import run_layers
from nncc.targets.lbann import rules
from test_lbann import compile_text, diags, line_of, parse

from nncc import limits
from nncc.ir import TensorType
from nncc.ops import lookup

MODEL = """\
nncc: 1
model: m
inputs:
  x: f32[N, {steps}, 3]
  label: i64[N]
graph:
  r: lstm(x, 5, num_layers={layers}, bidirectional={bi}, return_sequences={seq}, bias={bias}{extra})
  logits: r |> flatten |> linear(3)
outputs: [logits]
train:
  loss: cross_entropy(logits, label)
  optimizer: sgd(lr=0.1)
  batch_size: 2
  epochs: 1
  algorithm: bptt
  data:
    train: {{format: npz, path: d.npz}}
"""
FORMS = [(4, 1, False, False, True), (4, 2, False, True, True), (3, 2, True, False, False),
         (4, 1, True, True, True), (2, 3, False, False, True), (1, 1, False, True, True)]


def attrs(layers: int, bi: bool, seq: bool, bias: bool) -> dict:
    return {"hidden": 5, "bias": bias, "return_sequences": seq, "num_layers": layers, "bidirectional": bi}


def compiled(tmp_path, steps: int, layers: int, bi: bool, seq: bool, bias: bool, extra: str = ""):
    text = MODEL.format(steps=steps, layers=layers, bi=str(bi).lower(), seq=str(seq).lower(),
                        bias=str(bias).lower(), extra=extra)
    return parse(compile_text(tmp_path, text)["m.prototext"])


def the_lstm(exp) -> str:
    """The layer that gives r: the parent of the logits' fully_connected (flatten is LBANN's own there)."""
    [fc] = [lay for lay in exp.model.layer if lay.name == "logits"]
    return str(fc.parents[0])


def weights_for(steps: int, a: dict, rng) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    """Random values for every weight of the op, by LBANN weights name, and in the order `eval` reads them."""
    specs = lookup("lstm").weights([TensorType("f32", (2, steps, 3))], a)
    values = [rng.normal(size=s.shape) for s in specs]
    return {f"r.{s.role}": v for s, v in zip(specs, values)}, values


@pytest.mark.parametrize("steps, layers, bi, seq, bias", FORMS)
def test_lstm_layers_compute_the_op(tmp_path, steps, layers, bi, seq, bias):
    exp = compiled(tmp_path, steps, layers, bi, seq, bias)
    assert rules.check(exp) == []
    a = attrs(layers, bi, seq, bias)
    rng = np.random.default_rng(steps * 10 + layers)
    ws, flat = weights_for(steps, a, rng)
    assert {w.name for w in exp.model.weights} >= set(ws)  # the op's weights, one for one, under their names
    x = rng.normal(size=(2, steps, 3))
    [want] = lookup("lstm").eval([x, *flat], a)
    for i in range(2):
        got = run_layers(exp, {"x": x[i]}, ws, the_lstm(exp))
        np.testing.assert_allclose(got, want[i], rtol=1e-10, atol=1e-12)


def test_the_weights_keep_their_initializers(tmp_path):
    exp = compiled(tmp_path, 4, 2, False, False, True,
                   ", w_init=xavier_uniform(), r_init=uniform(low=-0.2, high=0.2), b_init=constant(value=1)")
    inits = {w.name: w.initializer.WhichOneof("initializer_type") for w in exp.model.weights}
    for s in ("", "_l1"):
        assert inits[f"r.weight{s}"] == "glorot_uniform_initializer"
        assert inits[f"r.recurrent_weight{s}"] == "uniform_initializer"
        assert inits[f"r.bias{s}"] == "constant_initializer"
    [rw] = [w for w in exp.model.weights if w.name == "r.recurrent_weight"]
    assert (rw.initializer.uniform_initializer.min, rw.initializer.uniform_initializer.max) == (-0.2, 0.2)
    # glorot reads fan-in and fan-out from the layer: w [20, 3] is read by fully_connected layers over the input
    users = {lay.fully_connected.num_neurons for lay in exp.model.layer if "r.weight" in lay.weights}
    assert users == {20}


def test_a_weight_tied_transposed_is_read_transposed(tmp_path):
    text = MODEL.format(steps=3, layers=1, bi="false", seq="false", bias="true", extra=", w_share=dec")
    text = text.replace("  r: lstm", "  dec: x[:, 0, :] |> linear(20) |> linear(3)\n  r: lstm")  # dec's w [3, 20]
    text = text.replace("outputs: [logits]", "outputs: [logits, dec]")
    exp = parse(compile_text(tmp_path, text)["m.prototext"])
    assert rules.check(exp) == []
    users = [lay for lay in exp.model.layer if "dec_linear_1.weight" in lay.weights]
    assert [lay.fully_connected.transpose for lay in users] == [False, True, True, True]  # dec, then 3 steps
    rng = np.random.default_rng(3)
    a = attrs(1, False, False, True)
    ws, flat = weights_for(3, a, rng)
    ws["dec_linear_1.weight"] = flat[0].T.copy()  # dec's [3, 20] is the lstm's w [20, 3] read transposed
    x = rng.normal(size=(1, 3, 3))
    [want] = lookup("lstm").eval([x, *flat], a)
    np.testing.assert_allclose(run_layers(exp, {"x": x[0]}, ws, the_lstm(exp)), want[0], rtol=1e-10)


def test_the_reading_of_the_layers_can_fail(tmp_path):
    exp = compiled(tmp_path, 3, 1, False, False, True)
    split = next(lay for lay in exp.model.layer if lay.name.endswith("_split"))
    split.children[0], split.children[1] = split.children[1], split.children[0]  # input and output gates swapped
    a = attrs(1, False, False, True)
    rng = np.random.default_rng(0)
    ws, flat = weights_for(3, a, rng)
    x = rng.normal(size=(1, 3, 3))
    [want] = lookup("lstm").eval([x, *flat], a)
    assert not np.allclose(run_layers(exp, {"x": x[0]}, ws, the_lstm(exp)), want[0])


def test_the_unrolling_is_bounded_before_it_is_built(tmp_path):
    text = MODEL.format(steps=50, layers=2, bi="true", seq="false", bias="true", extra="")
    with limits.override(max_nodes=3000):  # 50 steps × 2 layers × 2 directions × 16 layers = 3,200
        [d] = [d for d in diags(tmp_path, text) if d.is_error]
    assert d.code == "E005" and "max_nodes" in d.message and d.span.line == line_of(text, "lstm(")
    with limits.override(max_nodes=3200):
        compile_text(tmp_path, text)


def test_the_lstm_lm_sample_compiles_and_passes_the_start_up_rules():
    from collections import Counter

    from nncc.driver import compile_model

    from test_lbann import ROOT, kind

    res = compile_model(str(ROOT / "samples" / "lstm_lm.yaml"), "lbann")
    exp = parse(res.files["lstm_lm.prototext"])
    assert rules.check(exp) == []
    kinds = Counter(kind(lay) for lay in exp.model.layer if lay.name.startswith("rnn"))
    # 35 steps x 2 layers: two fully_connected, a slice and 10 operators each; the input's slice and 35 identities
    assert kinds == {"fully_connected": 140, "slice": 71, "operator_layer": 700, "identity": 35, "constant": 1}
    assert len(exp.model.layer) == 958  # docs/targets/lbann.md, LSTM
    assert sorted(w.name for w in exp.model.weights if w.name.startswith("rnn")) == sorted(
        f"rnn.{r}{s}" for r in ("weight", "recurrent_weight", "bias", "recurrent_bias") for s in ("", "_l1"))
