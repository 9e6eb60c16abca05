"""--weights from where people have them (docs/weights.md): a PyTorch state_dict paired by structure
gives torch's outputs; .safetensors, ONNX initializers and a map file load; --weights-partial draws
a new head; `nncc weights` lists names and writes a mapped file; E503 suggests arrays by shape."""
from __future__ import annotations

import json
import struct
import subprocess
import sys

import numpy as np
import pytest
from onnx_harness import session

from nncc.diagnostics import CompileError
from nncc.driver import compile_model, frontend
from nncc.npzfile import npz_bytes

torch = pytest.importorskip("torch")

MODEL = """\
nncc: 1
model: small
params: {classes: 10}
inputs:
  image: f32[N, 3, 12, 12]
graph:
  c1: conv2d(image, 8, 3, pad=1, bias=false) |> batch_norm |> relu |> max_pool2d(2)
  c2: conv2d(c1, 16, 3, pad=1) |> relu |> global_avg_pool |> flatten
  h: linear(c2, 32) |> relu
  fc: linear(h, classes)
outputs: [fc]
"""
NNCC = [sys.executable, "-m", "nncc.cli"]


class Small(torch.nn.Module):
    """The same network as MODEL, written the PyTorch way: its state_dict names are torch's."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, padding=1, bias=False), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
            torch.nn.MaxPool2d(2), torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
        self.classifier = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def _torch_model(seed: int = 0) -> Small:
    torch.manual_seed(seed)
    m = Small()
    with torch.no_grad():  # batch-norm statistics that are not the identity
        bn = m.features[1]
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.2, 0.2)
    return m.eval()


@pytest.fixture
def model(tmp_path):
    p = tmp_path / "small.yaml"
    p.write_text(MODEL)
    return str(p)


def _run(res, tmp_path, x: np.ndarray) -> np.ndarray:
    out = tmp_path / "m.onnx"
    out.write_bytes(res.files["small.onnx"])
    return session(str(out)).run(None, {"image": x})[0]


@pytest.mark.parametrize("opt_level", [0, 2])
def test_torch_state_dict_by_structure_equals_torch(model, tmp_path, opt_level):
    tm = _torch_model()
    pt = tmp_path / "small.pt"
    torch.save(tm.state_dict(), pt)
    res = compile_model(model, "onnx", weights=str(pt), opt_level=opt_level)
    assert res.loaded.by == "structure"
    assert res.loaded.pairs["c1/conv2d.weight"] == "features.0.weight"
    assert res.loaded.pairs["c1/batch_norm.var"] == "features.1.running_var"
    assert res.loaded.pairs["fc.bias"] == "classifier.2.bias"
    assert res.loaded.unused == ["features.1.num_batches_tracked"]
    x = np.random.default_rng(1).standard_normal((2, 3, 12, 12)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(_run(res, tmp_path, x), want, rtol=1e-4, atol=1e-5)


def _safetensors(path, arrays: dict[str, np.ndarray]) -> None:
    """The safetensors layout, written by hand from its specification."""
    header, data, off = {}, b"", 0
    for name, a in arrays.items():
        b = np.ascontiguousarray(a, "<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        data, off = data + b, off + len(b)
    h = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(h)) + h + data)


def _arrays(model: str, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {w.name: rng.standard_normal(w.ttype.shape).astype(np.float32) if not w.name.endswith(".var")
            else rng.uniform(0.5, 2, w.ttype.shape).astype(np.float32) for w in frontend(model).graph.weights()}


def test_safetensors_npz_and_onnx_initializers_load_the_same(model, tmp_path):
    arrays = _arrays(model, 0)
    (tmp_path / "w.npz").write_bytes(npz_bytes(arrays))
    _safetensors(tmp_path / "w.safetensors", arrays)
    x = np.random.default_rng(2).standard_normal((2, 3, 12, 12)).astype(np.float32)
    from_npz = compile_model(model, "onnx", weights=str(tmp_path / "w.npz"), opt_level=0)
    (tmp_path / "src.onnx").write_bytes(from_npz.files["small.onnx"])
    want = _run(from_npz, tmp_path, x)
    for f in ("w.safetensors", "src.onnx"):
        res = compile_model(model, "onnx", weights=str(tmp_path / f))
        assert res.loaded.by == "names" and len(res.loaded.pairs) == len(arrays), f
        np.testing.assert_array_equal(_run(res, tmp_path, x), want)


def test_map_file_renames(model, tmp_path):
    arrays = _arrays(model, 0)
    renamed = {f"net.{i}": a for i, a in enumerate(arrays.values())}
    np.savez(tmp_path / "w.npz", **renamed)
    (tmp_path / "map.yaml").write_text("".join(f"net.{i}: {n}\n" for i, n in enumerate(arrays)))
    res = compile_model(model, "onnx", weights=str(tmp_path / "w.npz"), weights_map=str(tmp_path / "map.yaml"))
    assert res.loaded.by == "map"
    got = {w.name: w.data for w in frontend(model).graph.weights()}
    assert set(got) == set(arrays)


def test_partial_loads_a_10_class_file_into_a_100_class_model(model, tmp_path):
    arrays = _arrays(model, 0)  # the 10-class model's weights
    np.savez(tmp_path / "pre.npz", **arrays)
    with pytest.raises(CompileError) as ei:
        compile_model(model, "onnx", defines={"classes": "100"}, weights=str(tmp_path / "pre.npz"))
    d = ei.value.diagnostics[0]
    assert d.message == "array `fc.weight` has shape [10, 32], the model needs [100, 32]"
    assert "--weights-partial" in (d.help or "")
    r = subprocess.run([*NNCC, "compile", model, "-D", "classes=100", "--weights", str(tmp_path / "pre.npz"),
                        "--weights-partial", "--opt-level", "0", "-o", str(tmp_path / "ft.onnx")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    loaded = next(ln for ln in r.stderr.splitlines() if "loaded:" in ln)
    drawn = next(ln for ln in r.stderr.splitlines() if "drawn from their initializers:" in ln)
    assert "c1/conv2d.weight" in loaded and "h.bias" in loaded and "fc." not in loaded
    assert drawn.split(":", 1)[1].strip() == "fc.weight, fc.bias"
    import onnx
    from onnx import numpy_helper

    inits = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(tmp_path / "ft.onnx")).graph.initializer}
    np.testing.assert_array_equal(inits["h.weight"], arrays["h.weight"])
    assert inits["fc.weight"].shape == (100, 32) and inits["fc.bias"].shape == (100,)


def test_weights_command_lists_and_writes_the_mapped_file(model, tmp_path):
    r = subprocess.run([*NNCC, "weights", model, "--format", "json"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["weights"]
    first = rows[0]
    assert first == {"name": "c1/conv2d.weight", "shape": [8, 3, 3, 3], "dtype": "f32", "init": "he_normal()",
                     "op": "conv2d", "line": first["line"], "trainable": True}
    assert first["line"].endswith(":7:7")
    tm = _torch_model()
    torch.save(tm.state_dict(), tmp_path / "small.pt")
    out = tmp_path / "mapped.npz"
    r = subprocess.run([*NNCC, "weights", model, "--from", str(tmp_path / "small.pt"), "--write", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("paired by structure")
    assert "features.1.running_mean" in next(ln for ln in r.stdout.splitlines() if ln.startswith("c1/batch_norm.mean"))
    saved = np.load(out)
    np.testing.assert_array_equal(saved["fc.weight"], tm.classifier[2].weight.detach().numpy())
    assert sorted(saved.files) == sorted(w["name"] for w in rows)


def test_e503_suggests_by_shape_not_only_spelling(model, tmp_path):
    arrays = _arrays(model, 0)
    arrays["conv1.weight"] = arrays.pop("c1/conv2d.weight")  # a torch-like name of the same shape
    arrays["c1/conv2d.weigh"] = np.zeros((3, 3), np.float32)  # spelt close, shaped otherwise
    np.savez(tmp_path / "w.npz", **arrays)
    with pytest.raises(CompileError) as ei:
        compile_model(model, "onnx", weights=str(tmp_path / "w.npz"))
    d = next(d for d in ei.value.diagnostics if "`c1/conv2d.weight`" in d.message)
    assert d.help == "arrays of its shape that no weight took: `conv1.weight`"
