"""--weights arrays are read block by block (nncc/npzfile.py, nncc/wfiles.py): no single read of a big
stored .npz member is larger than READ_BLOCK, the values are the file's, and a corrupt byte in the
middle of a member is still caught by its CRC-32 (combined over the blocks). Bytes are counted,
not timed; bench/bench_weights_memory.py measures the peak memory of a VGG-16-sized file."""
from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

from nncc.diagnostics import CompileError
from nncc.driver import compile_model
from nncc.npzfile import READ_BLOCK

MODEL = """\
nncc: 1
model: wide
inputs:
  x: f32[N, 1024]
graph:
  y: linear(x, 2048)
outputs: [y]
"""


@pytest.fixture
def files(tmp_path):
    p = tmp_path / "wide.yaml"
    p.write_text(MODEL)
    rng = np.random.default_rng(0)
    arrays = {"y.weight": rng.standard_normal((2048, 1024)).astype(np.float32),
              "y.bias": rng.standard_normal(2048).astype(np.float32)}
    np.savez(tmp_path / "w.npz", **arrays)
    return str(p), str(tmp_path / "w.npz"), arrays


def test_a_big_member_is_read_in_blocks(files, monkeypatch):
    model, npz, arrays = files
    reads: list[int] = []
    real = os.preadv

    def counting(fd, bufs, offset):
        reads.append(sum(memoryview(b).nbytes for b in bufs))
        return real(fd, bufs, offset)

    monkeypatch.setattr(os, "preadv", counting)
    res = compile_model(model, "onnx", weights=npz)
    import onnx
    from onnx import numpy_helper

    inits = {t.name: numpy_helper.to_array(t) for t in onnx.load_from_string(res.files["wide.onnx"]).graph.initializer}
    np.testing.assert_array_equal(inits["y.weight"], arrays["y.weight"])
    big = arrays["y.weight"].nbytes
    assert max(reads) <= READ_BLOCK < big
    assert sum(reads) >= big and len(reads) >= big // READ_BLOCK


def test_a_corrupt_block_fails_its_crc(files, tmp_path):
    model, npz, arrays = files
    with zipfile.ZipFile(npz) as z:
        info = z.getinfo("y.weight.npy")
    data = bytearray(open(npz, "rb").read())
    data[info.header_offset + info.file_size // 2] ^= 0xFF  # a byte inside the data, mid-member
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(CompileError) as e:
        compile_model(model, "onnx", weights=str(bad)).files
    assert "CRC-32" in str(e.value) and "y.weight" in str(e.value)
