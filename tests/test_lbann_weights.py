"""`--weights` on LBANN (targets/lbann/initial.py): each weights entry becomes a .npy file that LBANN's
numpy_initializer loads. The files are read here as LBANN's fill reads them (a matrix of one column
takes the values in order; a wider one needs a 2-D C-order array of exactly [Height, Width]), the
layers run on those matrices by a numpy reading of LBANN's layers (tests/lbann_numpy.py), and the
result is compared with nncc's definition of each op on the given weights in nncc's own layout."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lbann_numpy import run_layers
from nncc.targets.lbann import rules
from test_lbann import parse

from nncc import codes
from nncc.diagnostics import CompileError
from nncc.driver import compile_model
from nncc.ir import TensorType
from nncc.ops import lookup
from nncc.output import as_bytes

HEAD = """\
nncc: 1
model: m
inputs:
  x: {x}
  label: i64[N]
graph:
{graph}
outputs: [logits]
train:
  loss: cross_entropy(logits, label)
  optimizer: sgd(lr=0.1)
  batch_size: 2
  epochs: 1
  data:
    train: {{format: npz, path: d.npz}}
"""


def compiled(tmp_path: Path, x: str, graph: str, arrays: dict[str, np.ndarray], **options: str):
    """The experiment, and each weights entry's matrix as LBANN's numpy_initializer fills it."""
    src = tmp_path / "m.yaml"
    src.write_text(HEAD.format(x=x, graph=graph))
    np.savez(tmp_path / "w.npz", **arrays)
    files = compile_model(str(src), "lbann", options=options, weights=str(tmp_path / "w.npz")).files
    exp = parse(as_bytes(files["m.prototext"]))
    assert rules.check(exp) == []
    matrices = {}
    for w in exp.model.weights:
        if w.initializer.WhichOneof("initializer_type") != "numpy_initializer":
            continue
        path = w.initializer.numpy_initializer.file
        assert path == f"m_weights/{w.name}.npy"
        out = tmp_path / path
        out.parent.mkdir(exist_ok=True)
        out.write_bytes(as_bytes(files[path]))
        matrices[w.name] = lbann_fill(out)
    return exp, matrices, files


def lbann_fill(path: Path) -> np.ndarray:
    """numpy_initializer::fill: float32 or float64 in C order; a 2-D array wider than one column is the
    matrix (its dims are checked against the layer's where the layer reads it), anything else one column
    of the values in file order."""
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        assert version == (1, 0)
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    assert not fortran and dtype in (np.dtype("<f4"), np.dtype("<f8"))
    a = np.load(path)
    return a if a.ndim == 2 and a.shape[1] > 1 else a.reshape(-1)


def rand(rng, *shape: int) -> np.ndarray:
    return rng.normal(size=shape).astype(np.float32)


def test_conv_batch_norm_linear(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {"c.weight": rand(rng, 4, 3, 3, 2), "c.bias": rand(rng, 4), "b.scale": rand(rng, 4),
              "b.bias": rand(rng, 4), "b.mean": rand(rng, 4), "b.var": rng.uniform(0.5, 2, 4).astype(np.float32),
              "logits.weight": rand(rng, 3, 4 * 5 * 7), "logits.bias": rand(rng, 3)}
    graph = ("  c: conv2d(x, 4, [3, 2], stride=[1, 2], pad=1)\n  b: batch_norm(c, eps=0.001)\n"
             "  logits: b |> relu |> flatten |> linear(3)")
    exp, m, _ = compiled(tmp_path, "f32[N, 3, 5, 12]", graph, arrays)
    [bn] = [lay for lay in exp.model.layer if lay.name == "b"]
    assert list(bn.weights) == ["b.scale", "b.bias", "b.mean", "b.var"]  # LBANN's order; the statistics frozen
    frozen = {w.name for w in exp.model.weights if w.optimizer.HasField("no_optimizer")}
    assert frozen == {"b.mean", "b.var"}
    x = rng.normal(size=(3, 5, 12))
    # nncc's definitions, on the arrays as given: conv2d [O, C, kh, kw] cross-correlation, batch_norm per channel
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    conv = np.stack([np.stack([[np.sum(arrays["c.weight"][o] * xp[:, i:i + 3, 2 * j:2 * j + 2])
                                for j in range(7)] for i in range(5)]) + arrays["c.bias"][o] for o in range(4)])
    per = (4, 1, 1)
    norm = ((conv - arrays["b.mean"].reshape(per)) / np.sqrt(arrays["b.var"].reshape(per) + 0.001)
            * arrays["b.scale"].reshape(per) + arrays["b.bias"].reshape(per))
    logits = arrays["logits.weight"] @ np.maximum(norm, 0).reshape(-1) + arrays["logits.bias"]
    for layer, want in (("c", conv), ("b", norm), ("logits", logits)):
        got = run_layers(exp, {"x": x}, m, layer)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layers, seq", [(1, False), (2, True)])
def test_embedding_gru(tmp_path, layers, seq):
    rng = np.random.default_rng(layers)
    a = {"hidden": 4, "bias": True, "return_sequences": seq, "num_layers": layers, "bidirectional": False}
    specs = lookup("gru").weights([TensorType("f32", (2, 5, 3))], a)
    gru = {f"r.{s.role}": rand(rng, *s.shape) for s in specs}
    width = 4 * 5 if seq else 4
    arrays = {"e.weight": rand(rng, 7, 3), **gru, "logits.weight": rand(rng, 3, width), "logits.bias": rand(rng, 3)}
    graph = (f"  e: embedding(x, 7, 3)\n  r: gru(e, 4, num_layers={layers}, return_sequences={str(seq).lower()})\n"
             "  logits: r |> flatten |> linear(3)")
    exp, m, _ = compiled(tmp_path, "i64[N, 5]", graph, arrays)
    assert m["e.weight"].shape == (3, 7)  # LBANN's embedding matrix is [dim, num_embeddings]
    idx = np.array([[0, 6, 2, 2, 5], [3, 1, 4, 0, 6]])
    for i in range(2):
        emb = arrays["e.weight"][idx[i]]
        [want] = lookup("gru").eval([emb[None], *(gru[f"r.{s.role}"] for s in specs)], a)
        np.testing.assert_allclose(run_layers(exp, {"x": idx[i].astype(float)}, m, "e"), emb, rtol=1e-6)
        got = run_layers(exp, {"x": idx[i].astype(float)}, m, "r")
        np.testing.assert_allclose(got, want[0], rtol=1e-5, atol=1e-6)


def test_lstm_and_transposed_tie(tmp_path):
    """The lstm's fully_connected layers and a decoder tied transposed to an encoder (`transpose: true`)."""
    rng = np.random.default_rng(5)
    a = {"hidden": 3, "bias": True, "return_sequences": False, "num_layers": 1, "bidirectional": True}
    specs = lookup("lstm").weights([TensorType("f32", (2, 4, 2))], a)
    lstm = {f"r.{s.role}": rand(rng, *s.shape) for s in specs}
    arrays = {**lstm, "h.weight": rand(rng, 5, 6), "h.bias": rand(rng, 5), "d.bias": rand(rng, 6),
              "logits.weight": rand(rng, 3, 6), "logits.bias": rand(rng, 3)}
    graph = ("  r: lstm(x, 3, bidirectional=true, return_sequences=false)\n  h: linear(r, 5)\n"
             "  d: linear(h, 6, w_share=h)\n  logits: linear(d, 3)")
    exp, m, _ = compiled(tmp_path, "f32[N, 4, 2]", graph, arrays)
    x = rng.normal(size=(4, 2))
    [want] = lookup("lstm").eval([x[None], *(lstm[f"r.{s.role}"] for s in specs)], a)
    [fc] = [lay for lay in exp.model.layer if lay.name == "h"]
    np.testing.assert_allclose(run_layers(exp, {"x": x}, m, fc.parents[0]), want[0], rtol=1e-5, atol=1e-6)
    h = arrays["h.weight"] @ want[0] + arrays["h.bias"]
    d = arrays["h.weight"].T @ h + arrays["d.bias"]
    np.testing.assert_allclose(run_layers(exp, {"x": x}, m, "d"), d, rtol=1e-5, atol=1e-5)
    assert "d.weight" not in m  # one entry, one file, read transposed by the decoder


def test_attention_layer_norm_param(tmp_path):
    rng = np.random.default_rng(7)
    a = {"num_heads": 2, "bias": True, "causal": False}
    specs = lookup("attention").weights([TensorType("f32", (2, 3, 4))] * 3, a)
    att = {f"s.{s.role}": rand(rng, *s.shape) for s in specs}
    arrays = {"p.weight": rand(rng, 1, 3, 4), **att, "n.scale": rand(rng, 4), "n.bias": rand(rng, 4),
              "logits.weight": rand(rng, 3, 12), "logits.bias": rand(rng, 3)}
    graph = ("  p: param([1, 3, 4])\n  y: x + p\n  s: attention(y, y, y, num_heads=2)\n  n: layer_norm(s)\n"
             "  logits: n |> flatten |> linear(3)")
    exp, m, _ = compiled(tmp_path, "f32[N, 3, 4]", graph, arrays)
    x = rng.normal(size=(3, 4))
    y = x + arrays["p.weight"][0]
    [s] = lookup("attention").eval([y[None]] * 3 + [att[f"s.{s.role}"] for s in specs], a)
    s = s[0]
    norm = (s - s.mean(-1, keepdims=True)) / np.sqrt(s.var(-1, keepdims=True) + 1e-5)
    norm = norm * arrays["n.scale"] + arrays["n.bias"]
    np.testing.assert_allclose(run_layers(exp, {"x": x}, m, "p"), arrays["p.weight"][0], rtol=1e-6)
    np.testing.assert_allclose(run_layers(exp, {"x": x, "y": y}, m, "s"), s, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(run_layers(exp, {"s": s}, m, "n"), norm, rtol=1e-5, atol=1e-5)


def refused(tmp_path: Path, x: str, graph: str, arrays: dict[str, np.ndarray], **options: str) -> list:
    src = tmp_path / "m.yaml"
    src.write_text(HEAD.format(x=x, graph=graph))
    np.savez(tmp_path / "w.npz", **arrays)
    with pytest.raises(CompileError) as e:
        compile_model(str(src), "lbann", options=options, weights=str(tmp_path / "w.npz"))
    return e.value.diagnostics


def test_a_weight_two_layers_read_in_different_layouts_is_e510_at_its_line(tmp_path):
    rng = np.random.default_rng(0)
    graph = "  e: embedding(x, 7, 3)\n  h: e[:, 0, :]\n  logits: linear(h, 7, w_share=e)"
    d = refused(tmp_path, "i64[N, 5]", graph, {"e.weight": rand(rng, 7, 3), "logits.bias": rand(rng, 7)})
    assert [x.code for x in d] == [codes.UNSUPPORTED_SETTING]
    assert "as as-is and as transposed" in d[0].message and d[0].span.line == 7


def test_a_grouped_deconvolution_is_e510_at_its_line(tmp_path):
    rng = np.random.default_rng(0)
    graph = "  c: conv_transpose2d(x, 4, 3, groups=2)\n  logits: c |> flatten |> linear(3)"
    d = refused(tmp_path, "f32[N, 2, 4, 4]", graph, {"c.weight": rand(rng, 2, 2, 3, 3), "c.bias": rand(rng, 4),
                                                       "logits.weight": rand(rng, 3, 144), "logits.bias": rand(rng, 3)})
    assert [x.code for x in d] == [codes.UNSUPPORTED_SETTING]
    assert "grouped deconvolution" in d[0].message and d[0].span.line == 7


def test_double_weights_are_float64_files_and_amp_float32(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"logits.weight": rand(rng, 3, 4), "logits.bias": rand(rng, 3)}
    graph = "  logits: linear(x, 3)"
    exp, m, files = compiled(tmp_path, "f32[N, 4]", graph, arrays, data_type="double")
    assert {a.dtype for a in m.values()} == {np.dtype("<f8")}
    np.testing.assert_array_equal(m["logits.weight"], arrays["logits.weight"])
    exp, m, files = compiled(tmp_path, "f32[N, 4]", graph, arrays, amp="true")
    assert {a.dtype for a in m.values()} == {np.dtype("<f4")}


def test_the_prototext_names_the_build_option_and_the_workspace_gets_the_files(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"logits.weight": rand(rng, 3, 4), "logits.bias": rand(rng, 3)}
    text = HEAD.format(x="f32[N, 4]", graph="  logits: linear(x, 3)") + "  distributed: {workspace: /scratch/run}\n"
    (tmp_path / "m.yaml").write_text(text)
    np.savez(tmp_path / "w.npz", **arrays)
    files = compile_model(str(tmp_path / "m.yaml"), "lbann", weights=str(tmp_path / "w.npz")).files
    assert "LBANN_WITH_CNPY" in as_bytes(files["m.prototext"]).decode().splitlines()[1]
    assert "cp -R -- m.prototext m_weights /scratch/run/" in as_bytes(files["m.sh"]).decode()
    without = compile_model(str(tmp_path / "m.yaml"), "lbann").files  # without --weights: the initializers
    assert set(without) == {"m.prototext", "m.sh"} and b"numpy_initializer" not in as_bytes(without["m.prototext"])


def test_the_files_are_bounded_by_max_weight_bytes(tmp_path):
    from nncc import limits

    rng = np.random.default_rng(0)
    arrays = {"logits.weight": rand(rng, 3, 4), "logits.bias": rand(rng, 3)}
    with limits.override(max_weight_bytes=100):  # 60 bytes given, 120 written as double
        d = refused(tmp_path, "f32[N, 4]", "  logits: linear(x, 3)", arrays, data_type="double")
    assert [x.code for x in d] == [codes.TOO_LARGE]


def test_a_file_that_is_no_weights_file_is_an_error_not_ignored(tmp_path):
    (tmp_path / "m.yaml").write_text(HEAD.format(x="f32[N, 4]", graph="  logits: linear(x, 3)"))
    (tmp_path / "w.npz").write_text("root:x:0:0:root:/root:/bin/bash\n")
    with pytest.raises(CompileError) as e:
        compile_model(str(tmp_path / "m.yaml"), "lbann", weights=str(tmp_path / "w.npz"))
    assert {d.code for d in e.value.diagnostics} == {codes.BAD_WEIGHTS}
