"""SINGA's record files on LBANN: read by a module nncc writes for LBANN's Python data reader
(targets/lbann/pyreader.py), and the settings that came with them (test_steps, evaluation batch
sizes, fixed_step past the end, transposed tied weights)."""
from __future__ import annotations

import importlib.util
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from nncc.targets.lbann import rules
from test_lbann import ROOT, compile_text, diags, kind, line_of, model, parse

from nncc.driver import compile_model

# ---------------------------------------------------------------- SINGA's kvfile records, written here


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # int32 fields: a negative value is ten bytes, as protobuf writes it
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def record(shape: list[int], label: int, pixels: bytes | None = None, floats: list[float] | None = None,
           packed: bool = True) -> bytes:
    out = b"".join(_varint(1 << 3 | 0) + _varint(d) for d in shape) + _varint(2 << 3 | 0) + _varint(label)
    if pixels is not None:
        out += _varint(3 << 3 | 2) + _varint(len(pixels)) + pixels
    if floats is not None:
        body = struct.pack(f"<{len(floats)}f", *floats)
        if packed:
            out += _varint(4 << 3 | 2) + _varint(len(body)) + body
        else:
            out += b"".join(_varint(4 << 3 | 5) + struct.pack("<f", x) for x in floats)
    return out


def kvfile(path: Path, values: list[bytes], truncated: bytes = b"") -> None:
    """SINGA's KVFile: key length, key, value length, value; lengths as 8-byte little-endian size_t."""
    out = b""
    for i, v in enumerate(values):
        key = f"{i:05d}".encode()
        out += struct.pack("<Q", len(key)) + key + struct.pack("<Q", len(v)) + v
    path.write_bytes(out + truncated)


MODEL = """\
nncc: 1
model: m
inputs:
  image: f32[N, 2, 2, 2]
  label: i64[N]
graph:
  logits: image |> flatten |> linear(3)
outputs: [logits]
train:
  loss: cross_entropy(logits, label)
  metrics:
    accuracy: accuracy(logits, label)
  optimizer: sgd(lr=0.1)
  batch_size: 2
  steps: 10
  test_steps: 2
  data:
    train:
      format: record
      backend: kvfile
      path: {train}
      transforms:
        - mean_file("{mean}")
        - normalize(mean=[0, 1], std=[2, 4])
    test:
      format: record
      path: {test}
      batch_size: 1
"""


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def written(tmp_path):
    pix = [bytes(range(i, i + 8)) for i in range(0, 40, 8)]
    kvfile(tmp_path / "train.bin", [record([2, 2, 2], i, pixels=p) for i, p in enumerate(pix[:3])],
           truncated=struct.pack("<Q", 3) + b"abc")  # an incomplete last tuple: SINGA stops before it
    kvfile(tmp_path / "test.bin", [record([8], -1 - i, floats=[i + 0.5] * 8, packed=i % 2 == 0) for i in range(5)])
    kvfile(tmp_path / "mean.bin", [record([8], 0, floats=[1.0] * 8)])
    text = MODEL.format(train=tmp_path / "train.bin", test=tmp_path / "test.bin", mean=tmp_path / "mean.bin")
    files = compile_text(tmp_path, text)
    out = tmp_path / "out"
    out.mkdir()
    for name, data in files.items():
        (out / name).write_bytes(data)
    return files, out, pix, text


def test_records_are_read_by_a_python_reader_module(written):
    files, out, pix, _ = written
    assert list(files) == ["m.prototext", "m_data.py", "m.sh"]
    exp = parse(files["m.prototext"])
    assert [(r.name, r.role, r.python.module, r.python.sample_function) for r in exp.data_reader.reader] == [
        ("python", "train", "m_data", "train_sample"), ("python", "test", "m_data", "test_sample")]
    assert all(r.python.module_dir == "." and r.fraction_of_data_to_use == 1.0 and not r.absolute_sample_count
               for r in exp.data_reader.reader)
    assert b"LBANN_WITH_EMBEDDED_PYTHON" in files["m.prototext"].split(b"\n", 2)[1]
    mod = load(out / "m_data.py", "m_data_records")
    # train: 3 complete records of pixel bytes; (x - mean) then per-channel (x - [0, 1]) / [2, 4]; the label last
    assert mod.train_num_samples() == 3 and mod.train_sample_dims() == (9,)
    for i in range(3):
        x = np.frombuffer(pix[i], np.uint8).astype(np.float32).reshape(2, 2, 2) - 1.0
        x = (x - np.array([0, 1], np.float32).reshape(2, 1, 1)) / np.array([2, 4], np.float32).reshape(2, 1, 1)
        np.testing.assert_array_equal(mod.train_sample(i), np.append(x.reshape(-1), np.float32(i)))
    # test: float records, packed or not, negative labels; test_steps 2 x batch 1 = the first 2 records
    assert mod.test_num_samples() == 2
    np.testing.assert_array_equal(mod.test_sample(1), np.array([1.5] * 8 + [-2], np.float32))
    assert mod.test_sample(0).dtype == np.float32


def test_the_label_is_cut_off_the_samples_and_one_hot(written):
    exp = parse(written[0]["m.prototext"])
    by = {lay.name: lay for lay in exp.model.layer}
    assert [lay.name for lay in exp.model.layer if kind(lay) == "input"] == ["samples"]
    assert list(by["samples_slice"].slice.slice_points) == [0, 8, 9]
    assert list(by["image"].reshape.dims) == [2, 2, 2] and by["label"].one_hot.size == 3
    assert list(by["samples_slice"].children) == ["image", "label"]
    assert rules.check(exp) == []


def test_the_module_is_deterministic_and_clean_python(written, tmp_path):
    files, out, _, text = written
    assert compile_text(tmp_path, text) == files
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select", "E,W,F,B,I",
                        "--line-length", "120", str(out / "m_data.py")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_launch_script_takes_the_module_into_the_workspace(tmp_path, written):
    text = written[3].replace("  data:\n", "  distributed: {workspace: run}\n  data:\n")
    script = compile_text(tmp_path, text)["m.sh"].decode()
    assert "cp -- m.prototext m_data.py run/" in script


@pytest.mark.parametrize("change, marker, words", [
    (("      batch_size: 1\n", "      batch_size: 1\n      shuffle: true\n"), "shuffle: true", ["test_steps", "shuffle"]),
    (("        - normalize(mean=[0, 1], std=[2, 4])", "        - horizontal_flip()"), "horizontal_flip",
     ["horizontal_flip", "scale, normalize and mean_file"]),
    (("      backend: kvfile", "      backend: lmdb"), "backend: lmdb", ["kvfile"]),
    (("      format: record\n      path: {test}", "      format: mnist\n      path: {test}"), "format: record",
     ["Python reader", "built-in readers"]),
])
def test_what_the_record_reader_cannot_say_is_e510_at_its_line(tmp_path, change, marker, words):
    text = MODEL.replace(*change).format(train="t.bin", test="s.bin", mean="m.bin")
    [d] = [d for d in diags(tmp_path, text) if d.is_error]
    assert d.code == "E510" and d.span.line == line_of(text, marker), d
    for w in words:
        assert w in d.message, d.message


# ---------------------------------------------------------------- the samples that needed these

def test_cifar10_cnn_compiles_its_schedule_past_the_end_changes_nothing():
    exp = parse(compile_model(str(ROOT / "samples" / "cifar10_cnn.yaml"), "lbann").files["cifar10_cnn.prototext"])
    rates = [c for c in exp.model.callback if c.WhichOneof("callback_type").endswith("learning_rate")]
    assert rates == [] and exp.optimizer.sgd.learn_rate == pytest.approx(0.001)  # changes at 60000+ of 1000 steps
    assert rules.check(exp) == []


def test_autoencoder_decoders_read_the_encoders_weights_transposed():
    exp = parse(compile_model(str(ROOT / "samples" / "autoencoder.yaml"), "lbann").files["autoencoder.prototext"])
    fc = {lay.name: lay for lay in exp.model.layer if kind(lay) == "fully_connected"}
    assert {n for n, lay in fc.items() if lay.fully_connected.transpose} == {"dec4", "dec3", "dec2", "dec1"}
    assert [fc[n].weights[0] for n in ("dec4", "dec3", "dec2", "dec1")] == [
        "code.weight", "enc3.weight", "enc2.weight", "enc1.weight"]
    assert len(exp.model.weights) == 12  # four shared matrices, eight biases
    assert rules.check(exp) == []


# ---------------------------------------------------------------- test_steps on LBANN's own readers

def _with_test(test: str, extra: str = "  test_steps: 10") -> str:
    return model(extra=extra).replace("  data:\n", f"  data:\n    test: {{{test}}}\n")


@pytest.mark.parametrize("test, count", [
    ("format: mnist, path: data/mnist, batch_size: 100", 1000),   # 10 batches of the test role's own size
    ("format: mnist, path: data/mnist, batch_size: 2000", 10000),  # more than MNIST's 10,000 test images: all
    ("format: npz, path: t.npz, samples: 300", 300),
    ("format: npz, path: t.npz, samples: 3000, fraction: 0.1", 300),
])
def test_test_steps_become_the_test_readers_sample_count(tmp_path, test, count):
    exp = parse(compile_text(tmp_path, _with_test(test))["m.prototext"])
    r = next(r for r in exp.data_reader.reader if r.role == "test")
    assert (r.absolute_sample_count, r.fraction_of_data_to_use) == (count, 0.0)
    assert rules.check(exp) == []


def test_a_sample_count_alone_is_not_written_with_a_fraction(tmp_path):
    exp = parse(compile_text(tmp_path, _with_test("format: npz, path: t.npz, samples: 3000, fraction: 0.5", ""))[
        "m.prototext"])
    r = next(r for r in exp.data_reader.reader if r.role == "test")
    assert (r.absolute_sample_count, r.fraction_of_data_to_use) == (1500, 0.0)


@pytest.mark.parametrize("text, marker, words", [
    (_with_test("format: npz, path: t.npz"), "test_steps", ["unknown", "absolute_sample_count"]),
    (model(extra="  test_steps: 10"), "test_steps", ["no data.test"]),
    (_with_test("format: mnist, path: data/mnist").replace("      path: data/mnist\n",
                                                            "      path: data/mnist\n      batch_size: 32\n", 1),
     "batch_size: 32", ["data.train.batch_size", "one mini-batch size"]),
])
def test_what_test_steps_cannot_say_is_e510_at_its_line(tmp_path, text, marker, words):
    [d] = [d for d in diags(tmp_path, text) if d.is_error]
    assert d.code == "E510" and d.span.line == line_of(text, marker), d
    for w in words:
        assert w in d.message, d.message


def test_the_docs_list_every_sample():
    """docs/targets/lbann.md's table of samples says what the compile tests show, and counts them right."""
    import re

    from test_lbann import NOT_FOR_LBANN, SAMPLES

    doc = (ROOT / "docs" / "targets" / "lbann.md").read_text()
    section = doc.split("## The samples", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `([a-z0-9_]+)` \| (.*) \|$", section, re.M))
    stems = [Path(p).stem for p in SAMPLES]
    assert sorted(rows) == sorted(stems)
    for stem, says in rows.items():
        if stem in NOT_FOR_LBANN:
            assert says.startswith(NOT_FOR_LBANN[stem][0][:4]), (stem, says)
        else:
            assert says.startswith("compiles"), (stem, says)
    ok = len(stems) - len(NOT_FOR_LBANN)
    assert f"{ok} of the {len(stems)} samples in `samples/` compile for LBANN" in section
