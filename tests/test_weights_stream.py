"""Drawn weights: block streams, the Box-Muller sampler, and ONNX files written without holding the weights.

* A weight's values are blocks of BLOCK values, each from its own stream: the whole array,
  the blocks one by one, the threaded eager draw and the streamed file agree bit for bit.
* The samplers draw what the initializers say (mean, standard deviation, bounds, the
  normal's shape).
* An ONNX compile streams its weights: the written file equals the in-memory bytes and
  an eager compile's bytes, external data included, and a 230 MB ResNet-152 compiles in a
  fraction of its size in memory. `--weights` arrays (stored or compressed .npz, Fortran
  order, other float types) are read as the file is written; a member corrupt past its
  header is E503 with the old output kept.
* `--fsync` flushes before the rename, starting the disk writes while the file is written.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from click.testing import CliRunner
from onnx import numpy_helper

from nncc import target as targets_mod
from nncc.cli import main
from nncc.driver import compile_model, place
from nncc.ir import Init, TensorType, Weight
from nncc.output import Stream, as_bytes, write_files
from nncc.weights import BLOCK, Draw, _draw_all, fill_normal, materialize

ROOT = Path(__file__).resolve().parent.parent
RESNET = ROOT / "samples" / "resnet50.yaml"


def weight(name: str, shape: tuple[int, ...], kind: str, dtype: str = "f32", **args) -> Weight:
    return Weight(name, TensorType(dtype, shape), "weight", Init(kind, tuple(args.items())))


def test_blocks_make_the_array_bit_for_bit():
    w = weight("big/conv.weight", (2 * BLOCK + 7, 3), "he_normal")  # several blocks, an odd last one
    d = Draw(w, seed=5)
    a = d.array().reshape(-1)
    blocks = [d.block(k) for k in range(d.nblocks)]
    assert d.nblocks == math.ceil(a.size / BLOCK) == 7
    assert [b.size for b in blocks[:-1]] == [BLOCK] * 6
    assert np.array_equal(np.concatenate(blocks), a)
    assert np.array_equal(Draw(w, seed=5).array().reshape(-1), a)  # rerun: same bits
    assert not np.array_equal(Draw(w, seed=6).array().reshape(-1)[:100], a[:100])  # another seed: others


def test_threaded_eager_draw_equals_lazy_draw():
    ws = [weight(f"l{i}.weight", (BLOCK // 3 + i, 9), k) for i, k in
          enumerate(["he_normal", "xavier_uniform", "gaussian", "uniform", "lecun_normal", "he_uniform"])]
    ws.append(weight("c.bias", (1000,), "constant", value=0.25))
    ws.append(weight("h.weight", (600, 700), "he_normal", dtype="f16"))
    assert sum(w.type.numel() for w in ws) >= 1 << 20  # big enough to take the threaded path
    _draw_all(ws, 3)
    for w in ws:
        lazy = Draw(w, 3).array()
        assert w.data.dtype == lazy.dtype and w.data.shape == lazy.shape
        assert np.array_equal(w.data, lazy), w.name


def test_lazy_weight_draws_when_read():
    w = weight("x.weight", (64, 32), "xavier_normal")

    class G:
        def weights(self):
            return [w]

    materialize(G(), seed=1, lazy=True)
    assert w._data is None and w.lazy is not None and w.has_values
    a = w.data  # reading draws
    assert w._data is a and np.array_equal(a, Draw(w, 1).array())
    w.data = np.zeros((64, 32), np.float32)  # setting replaces the draw
    assert w.lazy is None and not w.data.any()


@pytest.mark.parametrize("kind, args, mean, std", [
    ("he_normal", {}, 0.0, math.sqrt(2 / 512)),
    ("xavier_normal", {}, 0.0, math.sqrt(2 / (512 + 400))),
    ("gaussian", {"mean": 0.5, "std": 0.02}, 0.5, 0.02),
])
def test_normal_initializers_have_their_moments_and_shape(kind, args, mean, std):
    a = Draw(weight("n.weight", (400, 512, 3), kind, **args), 0).array().astype(np.float64).reshape(-1)
    if kind != "gaussian":
        std /= math.sqrt(3)  # fans include the receptive field (3)
    assert abs(a.mean() - mean) < 4 * std / math.sqrt(a.size)
    assert abs(a.std() / std - 1) < 0.01
    z = (a - mean) / std
    # a normal: 68.27 % within one sigma, 95.45 % within two, kurtosis 3, and the Box-Muller bound
    assert abs(np.mean(np.abs(z) < 1) - 0.6827) < 0.003
    assert abs(np.mean(np.abs(z) < 2) - 0.9545) < 0.002
    assert abs(np.mean(z ** 4) - 3) < 0.05
    assert np.abs(z).max() <= math.sqrt(2 * math.log(2 ** 24)) + 1e-3


def test_fill_normal_odd_lengths_and_tiny_blocks():
    rng = np.random.default_rng(0)
    for n in (0, 1, 2, 3, 17):
        out = np.full(n, np.nan, np.float32)
        fill_normal(rng, out)
        assert np.isfinite(out).all()


@pytest.mark.parametrize("kind, args, lo, hi", [
    ("uniform", {"low": -0.3, "high": 0.1}, -0.3, 0.1),
    ("he_uniform", {}, -math.sqrt(6 / 200), math.sqrt(6 / 200)),
])
def test_uniform_initializers_stay_in_bounds(kind, args, lo, hi):
    a = Draw(weight("u.weight", (300, 200), kind, **args), 0).array()
    assert a.min() >= np.float32(lo) - 1e-6 and a.max() <= np.float32(hi) + 1e-6
    assert abs(a.mean() - (lo + hi) / 2) < 0.01 * (hi - lo)
    assert a.min() < lo + 0.01 * (hi - lo) and a.max() > hi - 0.01 * (hi - lo)


# ------------------------------------------------------------------ streamed ONNX output

def _eager(monkeypatch):
    onnx_t = targets_mod.get("onnx")
    monkeypatch.setattr(onnx_t, "streams_weights", False)


def test_streamed_onnx_equals_eager_and_written_file(tmp_path, monkeypatch):
    res = compile_model(str(RESNET), "onnx", defines={"stages": "[1, 1, 1, 1]"})
    out = res.outputs["resnet50.onnx"]
    assert isinstance(out, Stream) and len(out) == len(res.files["resnet50.onnx"])
    write_files(place(res.outputs, str(tmp_path) + "/"))
    streamed = (tmp_path / "resnet50.onnx").read_bytes()
    assert streamed == res.files["resnet50.onnx"]
    _eager(monkeypatch)
    eager = compile_model(str(RESNET), "onnx", defines={"stages": "[1, 1, 1, 1]"})
    assert isinstance(eager.outputs["resnet50.onnx"], bytes) or \
        not any(isinstance(p, Draw) for p in eager.outputs["resnet50.onnx"].parts)
    assert as_bytes(eager.outputs["resnet50.onnx"]) == streamed
    m = onnx.load_from_string(streamed)
    fc = next(t for t in m.graph.initializer if t.name == "logits.weight")
    w = next(w for w in eager.frontend.graph.weights() if w.name == "logits.weight")
    assert np.array_equal(numpy_helper.to_array(fc), w.data)


def test_streamed_external_data_equals_eager(tmp_path, monkeypatch):
    opts = {"external_data": "always", "external_threshold": "4096"}
    lazy = compile_model(str(RESNET), "onnx", defines={"stages": "[1, 1, 1, 1]"}, options=opts)
    assert isinstance(lazy.outputs["resnet50.onnx.data"], Stream)
    write_files(place(lazy.outputs, str(tmp_path / "a") + "/"))
    _eager(monkeypatch)
    eager = compile_model(str(RESNET), "onnx", defines={"stages": "[1, 1, 1, 1]"}, options=opts)
    write_files(place(eager.outputs, str(tmp_path / "b") + "/"))
    for name in ("resnet50.onnx", "resnet50.onnx.data"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    m = onnx.load(str(tmp_path / "a" / "resnet50.onnx"))  # loads the side file
    got = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    for w in eager.frontend.graph.weights():
        if w.name in got:
            assert np.array_equal(got[w.name], w.data), w.name


def test_fsync_flag(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd))
    monkeypatch.delenv("NNCC_FSYNC", raising=False)
    model = str(ROOT / "samples" / "lenet5.yaml")
    r = CliRunner().invoke(main, ["compile", model, "-o", str(tmp_path / "a.onnx")])
    assert r.exit_code == 0 and calls == []
    r = CliRunner().invoke(main, ["compile", model, "-o", str(tmp_path / "b.onnx"), "--fsync"])
    assert r.exit_code == 0 and len(calls) == 1
    assert (tmp_path / "a.onnx").read_bytes() == (tmp_path / "b.onnx").read_bytes()


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="posix_fadvise")
def test_fsync_starts_disk_writes_while_writing(tmp_path, monkeypatch):
    """With fsync, writeback of each 8 MB is started as the stream is written, in order, covering
    the file; the flush at the end then waits for the rest only. Without fsync nothing of the kind."""
    calls = []
    real = os.posix_fadvise
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, off, n, adv: (calls.append((off, n, adv)),
                                                                      real(fd, off, n, adv))[1])
    d = Draw(weight("w", (5 * 2 ** 20 + 3,), "he_normal"), 0)  # 20 MB
    write_files({str(tmp_path / "a"): Stream([b"head", d])}, fsync=True)
    assert len(calls) == 2 and all(a == os.POSIX_FADV_DONTNEED for *_, a in calls)
    assert calls[0][0] == 0 and calls[1][0] == calls[0][1] and calls[0][1] >= 8 << 20
    assert (tmp_path / "a").read_bytes() == b"head" + d.array().tobytes()
    calls.clear()
    write_files({str(tmp_path / "b"): Stream([b"head", d])}, fsync=False)
    assert calls == [] and (tmp_path / "b").read_bytes() == (tmp_path / "a").read_bytes()


# VmHWM is this process's own high-water mark; getrusage's ru_maxrss would carry over the RSS of the
# process that forked it (Linux keeps it across exec), here the whole test session's
PEAK = """
import json, sys
from nncc.cli import main
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"code": code, "peak_kb": hwm}))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads VmHWM from /proc (Linux)")
def test_resnet152_compiles_in_a_fraction_of_its_size_in_memory(tmp_path):
    """The weights are drawn block by block as the file is written, never all in memory."""
    out = tmp_path / "r152.onnx"
    r = subprocess.run([sys.executable, "-c", PEAK, "compile", str(RESNET), "-D", "stages=[3, 8, 36, 3]",
                        "-o", str(out)], capture_output=True, text=True, timeout=300)
    info = json.loads(r.stdout.strip().splitlines()[-1])
    size = out.stat().st_size
    assert info["code"] in (0, None) and size > 220 * 2 ** 20, r.stderr
    # imports (numpy, onnx, protobuf) take ~55 MB; holding the weights once would add 230 MB
    assert info["peak_kb"] * 1024 < 0.6 * size, info


# ------------------------------------------------------------------ --weights files, read as written

def _save(path: Path, arrays: dict, compressed: bool = False) -> str:
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    return str(path)


def _resnet_arrays() -> dict[str, np.ndarray]:
    res = compile_model(str(RESNET), "onnx", defines={"stages": "[1, 1, 1, 1]"})
    return {w.name: w.data for w in res.frontend.graph.weights() if w.share is None}


@pytest.mark.parametrize("compressed", [False, True])
def test_weights_file_is_read_as_the_file_is_written(tmp_path, monkeypatch, compressed):
    arrays = _resnet_arrays()
    arrays["logits.weight"] = np.asfortranarray(arrays["logits.weight"])  # a Fortran-order member
    arrays["stem/conv2d.weight"] = arrays["stem/conv2d.weight"].astype(np.float64)  # converted to f32
    npz = _save(tmp_path / "w.npz", arrays, compressed)
    lazy = compile_model(str(RESNET), "onnx", defines={"stages": "[1, 1, 1, 1]"}, weights=npz)
    assert any(type(p).__name__ == "NpzArray" for p in lazy.outputs["resnet50.onnx"].parts)
    write_files(place(lazy.outputs, str(tmp_path / "a.onnx")))
    _eager(monkeypatch)
    eager = compile_model(str(RESNET), "onnx", defines={"stages": "[1, 1, 1, 1]"}, weights=npz)
    assert (tmp_path / "a.onnx").read_bytes() == as_bytes(eager.outputs["resnet50.onnx"])
    got = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(tmp_path / "a.onnx")).graph.initializer}
    for k, a in arrays.items():
        if k in got:
            assert np.array_equal(got[k], a.astype(np.float32)), k


def test_weights_file_corrupt_past_its_headers_is_E503_and_keeps_old_output(tmp_path):
    arrays = _resnet_arrays()
    npz = tmp_path / "w.npz"
    _save(npz, arrays)
    raw = bytearray(npz.read_bytes())
    i = raw.index(b"logits.weight.npy") + 4096  # inside that member's data, past its .npy header
    raw[i] ^= 0xFF
    npz.write_bytes(bytes(raw))
    out = tmp_path / "o.onnx"
    out.write_bytes(b"keep")
    r = subprocess.run([sys.executable, "-m", "nncc.cli", "compile", str(RESNET), "-D", "stages=[1, 1, 1, 1]",
                        "--weights", str(npz), "-o", str(out), "--force"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "E503" in r.stderr and "logits.weight" in r.stderr and "CRC" in r.stderr
    assert out.read_bytes() == b"keep"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
