"""`nncc import`: torch models exported to ONNX come back as model files that compute what torch does.

For ResNet-18, MobileNetV2, VGG-11, a Transformer encoder and a GRU classifier (tests/import_models.py, random weights
with a fixed seed): torch.onnx.export → `nncc import -o m.yaml --weights-out m.npz` → `nncc compile -t onnx
--weights m.npz` → onnxruntime equals torch within 1e-4 of the output's scale; the imported model
compiles for SMAUG and LBANN, or each op they lack is named in an E501.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from click.testing import CliRunner
from onnx import TensorProto, helper

import import_models as M
from nncc import target as targets_mod
from nncc.cli import main
from nncc.diagnostics import CompileError
from nncc.driver import compile_model, frontend
from nncc.importer import import_onnx
from nncc.npzfile import npz_bytes

IMAGE = (2, 3, 32, 32)


def _models() -> dict:
    g = torch.Generator().manual_seed(1)
    image = (torch.randn(*IMAGE, generator=g),)
    tokens = (torch.randint(0, 100, (2, 16), generator=g), torch.arange(16).repeat(2, 1))
    return {"resnet18": (M.ResNet18, image, ["image"]), "mobilenet_v2": (M.MobileNetV2, image, ["image"]),
            "vgg11": (M.VGG11, image, ["image"]),
            "transformer": (M.TransformerEncoder, tokens, ["tokens", "positions"]),
            "gru": (M.GRUClassifier, (torch.randint(0, 50, (2, 10), generator=g),), ["tokens"])}


MODELS = _models()


@pytest.fixture(scope="module", params=sorted(MODELS))
def imported(request, tmp_path_factory) -> dict:
    """Export, then import through the command line: the model file, its weights and torch's output."""
    name = request.param
    cls, args, names = MODELS[name]
    tmp = tmp_path_factory.mktemp(name)
    model = M.randomize(cls(), seed=0)
    with torch.no_grad():
        ref = model(*args).numpy()
    M.export(model, args, tmp / f"{name}.onnx", names)
    r = CliRunner().invoke(main, ["import", str(tmp / f"{name}.onnx"), "-o", str(tmp / f"{name}.yaml"),
                                  "--weights-out", str(tmp / f"{name}.npz")])
    assert r.exit_code == 0, r.output
    feeds = {n: a.numpy() for n, a in zip(names, args)}
    return {"name": name, "dir": tmp, "yaml": tmp / f"{name}.yaml", "npz": tmp / f"{name}.npz", "ref": ref,
            "feeds": feeds}


def test_round_trip_equals_torch(imported):
    """nncc compile -t onnx --weights: onnxruntime's output equals torch's within 1e-4 (relative to its scale)."""
    res = compile_model(str(imported["yaml"]), "onnx", weights=str(imported["npz"]))
    (content,) = [c for n, c in res.files.items() if n.endswith(".onnx")]
    sess = ort.InferenceSession(content, providers=["CPUExecutionProvider"])
    (out,) = sess.run(None, imported["feeds"])
    ref = imported["ref"]
    assert out.shape == ref.shape
    err = float(np.max(np.abs(out - ref)))
    assert err <= 1e-4 * float(np.max(np.abs(ref))), f"{imported['name']}: max error {err:.3g}"


def test_model_file_reads_as_written(imported):
    """One line per layer; the model file is the language's own (it lints and its shapes check on re-reading)."""
    text = imported["yaml"].read_text()
    fe = frontend(str(imported["yaml"]))
    assert fe.graph.nodes
    graph = text.split("\ngraph:\n")[1].split("\noutputs:")[0]
    for line in graph.splitlines():
        body = line.split(": ", 1)[1]
        layers = [op for op in ("conv2d(", "linear(", "embedding(", "layer_norm(") if op in body]
        assert body.count("conv2d(") + body.count("linear(") <= 1, f"two layers on one line: {line}"
        assert len(layers) <= 1, line
    if imported["name"] not in ("vgg11", "gru"):  # repeated sub-graphs (residual blocks, encoder layers) are blocks
        blocks = [b.split("(")[0].strip() for b in text.split("\nblocks:\n")[1].split("\ngraph:")[0].splitlines()
                  if b.startswith("  ") and not b.startswith("    ")]
        uses = {b: len(re.findall(rf"\b{b}\(|\|> {b}\b|repeat\((\d+), {b}\b", text)) for b in blocks}
        assert blocks and all(n >= 2 for n in uses.values()), (uses, text)


def _with_train(text: str) -> str:
    """The imported model with a label and a train section (LBANN trains what it runs)."""
    out = text.split("outputs: [")[1].split("]")[0]
    train = (f"train: {{loss: \"cross_entropy({out}, label)\", optimizer: \"sgd(lr=0.01)\", batch_size: 8, "
             "epochs: 1, data: {train: {format: npz, path: data/train.npz, samples: 64}}}\n")
    return text.replace("inputs:\n", "inputs:\n  label: i64[N]\n", 1) + train


@pytest.mark.parametrize("target", ["smaug", "lbann"])
def test_compiles_for_target_or_names_missing_ops(imported, target, tmp_path):
    """The imported model compiles for the target, or each op it lacks is an E501 that names it."""
    t = targets_mod.get(target)
    assert t is not None
    path = tmp_path / "m.yaml"
    path.write_text(_with_train(imported["yaml"].read_text()) if t.needs_train else imported["yaml"].read_text())
    used = {n.op for n in frontend(str(path)).graph.nodes}
    lacking = {op for op in used if not t.supports(op)}
    try:
        compile_model(str(path), target)
    except CompileError as e:
        assert {d.code for d in e.diagnostics} <= {"E501"}, [d.message for d in e.diagnostics]
        named = {op for op in lacking if any(f"`{op}`" in d.message or f" {op} " in d.message or d.message.startswith(op)
                                             for d in e.diagnostics)}
        assert lacking and named == lacking, ([d.message for d in e.diagnostics], lacking)
        return
    assert not lacking, f"{target} compiled a model with ops it lacks: {lacking}"


def test_weights_named_as_the_compiler_names_them(imported):
    """--weights-out holds exactly the compiled model's weights, under its names and shapes."""
    fe = frontend(str(imported["yaml"]))
    want = {w.name: tuple(w.ttype.shape) for w in fe.graph.weights()}
    with np.load(imported["npz"]) as z:
        got = {k: z[k].shape for k in z.files}
    assert got == want


# ---------------------------------------------------------------- idioms and diagnostics on small graphs

def _onnx(tmp_path: Path, nodes: list, inits: list, inputs: list, outputs: list, opset: int = 17) -> str:
    g = helper.make_graph(nodes, "g", inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    p = tmp_path / "g.onnx"
    onnx.save(m, str(p))
    return str(p)


def _t(name: str, arr: np.ndarray) -> TensorProto:
    return onnx.numpy_helper.from_array(arr, name)


def test_unsupported_ops_listed_with_count_and_position(tmp_path):
    """Ops the language lacks are E520s naming the op, its count and each node; nothing is written."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 8])
    nodes = [helper.make_node("Relu", ["x"], ["a"], name="r0"), helper.make_node("Sin", ["a"], ["b"], name="s1"),
             helper.make_node("Cos", ["b"], ["c"], name="c2"), helper.make_node("Sin", ["c"], ["y"], name="s3")]
    p = _onnx(tmp_path, nodes, [], [x], [y])
    r = CliRunner().invoke(main, ["import", p, "-o", str(tmp_path / "m.yaml")])
    assert r.exit_code == 1
    assert "error[E520]" in r.output and "`Sin`" in r.output and "(2 nodes: first at node #1 `s1`)" in r.output
    assert "Sin at node #3 `s3`" in r.output and "`Cos`" in r.output and "(1 node: first at node #2 `c2`)" in r.output
    assert not (tmp_path / "m.yaml").exists()


def test_old_opset_and_garbage_are_e521(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx file at all")
    with pytest.raises(CompileError) as e:
        import_onnx(str(bad))
    assert e.value.diagnostics[0].code == "E521"
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    p = _onnx(tmp_path, [helper.make_node("Relu", ["x"], ["y"])], [], [x], [y], opset=11)
    with pytest.raises(CompileError) as e:
        import_onnx(p)
    assert e.value.diagnostics[0].code == "E521" and "opset 11" in e.value.diagnostics[0].message


def test_gemm_without_transb_and_matmul_add_are_linear(tmp_path):
    """Gemm(transB=0) and MatMul + Add with constant weights become linear layers with [out, in] weights."""
    rng = np.random.default_rng(0)
    w1, b1 = rng.standard_normal((6, 5)).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    w2, b2 = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 6])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"]), helper.make_node("MatMul", ["h", "w2"], ["m"]),
             helper.make_node("Add", ["m", "b2"], ["y"])]
    p = _onnx(tmp_path, nodes, [_t("w1", w1), _t("b1", b1), _t("w2", w2), _t("b2", b2)], [x], [y])
    r = import_onnx(p)
    assert r.text.count("linear(") == 2
    got = {a.shape: a for a in r.weights.values()}
    want = {a.shape: a for a in (w1.T, b1, w2.T, b2)}
    assert got.keys() == want.keys() and all(np.array_equal(got[k], want[k]) for k in want)


def test_batch_norm_kept_when_not_folded(tmp_path):
    """Exported without constant folding, Conv + BatchNormalization import as conv2d and batch_norm; same output."""
    torch.manual_seed(3)
    m = M.randomize(torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1, bias=False), torch.nn.BatchNorm2d(8),
                                        torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8 * 6 * 6, 4)), seed=3)
    x = torch.randn(2, 3, 6, 6)
    torch.onnx.export(m, (x,), str(tmp_path / "bn.onnx"), input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}}, opset_version=17, dynamo=False, do_constant_folding=False)
    r = import_onnx(str(tmp_path / "bn.onnx"), str(tmp_path / "bn.yaml"))
    assert "batch_norm" in r.text and "conv2d(image, 8, 3, pad=1, bias=false) |> batch_norm |> relu" in r.text
    (tmp_path / "bn.yaml").write_text(r.text)
    (tmp_path / "bn.npz").write_bytes(npz_bytes(r.weights))
    res = compile_model(str(tmp_path / "bn.yaml"), "onnx", weights=str(tmp_path / "bn.npz"))
    (content,) = res.files.values()
    (out,) = ort.InferenceSession(content, providers=["CPUExecutionProvider"]).run(None, {"image": x.numpy()})
    with torch.no_grad():
        ref = m(x).numpy()
    assert float(np.max(np.abs(out - ref))) <= 1e-4 * float(np.max(np.abs(ref)))


class _Tokens(torch.nn.Module):
    """`x.reshape(b * s, d)`: shape arithmetic on the dynamic batch, folded to reshape([-1, 8]); and Clip(0, 3)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, s, d = x.size(0), x.size(1), x.size(2)
        return torch.clamp(self.fc(x.reshape(b * s, d)), 0.0, 3.0)


def test_symbolic_shape_arithmetic_and_clip_round_trip(tmp_path):
    torch.manual_seed(4)
    m, x = _Tokens().eval(), torch.randn(3, 5, 8) * 3
    torch.onnx.export(m, (x,), str(tmp_path / "t.onnx"), input_names=["x"], dynamic_axes={"x": {0: "batch"}},
                      opset_version=17, dynamo=False)
    r = import_onnx(str(tmp_path / "t.onnx"), str(tmp_path / "t.yaml"))
    assert "reshape(x, [-1, 8])" in r.text and "|> clip(low=0.0, high=3.0)" in r.text  # the language's clip
    (tmp_path / "t.yaml").write_text(r.text)
    (tmp_path / "t.npz").write_bytes(npz_bytes(r.weights))
    (content,) = compile_model(str(tmp_path / "t.yaml"), "onnx", weights=str(tmp_path / "t.npz")).files.values()
    (out,) = ort.InferenceSession(content, providers=["CPUExecutionProvider"]).run(None, {"x": x.numpy()})
    with torch.no_grad():
        ref = m(x).numpy()
    assert float(ref.max()) == 3.0 and float(np.max(np.abs(out - ref))) <= 1e-5


def test_cli_refuses_to_write_over_its_input(tmp_path):
    """`-o` naming the ONNX file is E602 and `--weights-out` equal to `-o` a usage error; nothing is written."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])
    p = _onnx(tmp_path, [helper.make_node("Relu", ["x"], ["y"])], [], [x], [y])
    before = Path(p).read_bytes()
    r = CliRunner().invoke(main, ["import", p, "-o", p])
    assert r.exit_code == 2 and "E602" in r.output and Path(p).read_bytes() == before
    out = str(tmp_path / "m.yaml")
    r = CliRunner().invoke(main, ["import", p, "-o", out, "--weights-out", out])
    assert r.exit_code == 2 and "must differ from -o" in r.output and not Path(out).exists()
    r = CliRunner().invoke(main, ["import", p, "-o", out])
    assert r.exit_code == 0 and "relu(x)" in Path(out).read_text()


def test_clip_becomes_relu6_or_clip(tmp_path):
    """Clip(0, 6) is the language's relu6 and any other Clip its clip(low=, high=) (issue 21's ops)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])
    consts = [_t(k, np.array(v, np.float32)) for k, v in (("zero", 0.0), ("six", 6.0), ("lo", -0.5), ("hi", 2.0))]
    nodes = [helper.make_node("Clip", ["x", "zero", "six"], ["a"]), helper.make_node("Clip", ["a", "lo", "hi"], ["b"]),
             helper.make_node("Clip", ["b", "", "hi"], ["y"])]
    r = import_onnx(_onnx(tmp_path, nodes, consts, [x], [y]))
    assert "relu6" in r.text and "clip(low=-0.5, high=2.0)" in r.text and "clip(high=2.0)" in r.text, r.text
