"""Hostile `--weights` files (nncc/weights.py load_npz): every size comes from the zip central
directory and the .npy headers and is checked before any member is decompressed; members
the model does not use are never read; compression other than stored/deflate, encryption,
negative dimensions and every zip/zlib/numpy failure are E503 at the file; many members give
one bounded diagnostic. Work is counted (bytes inflated, diagnostics), not timed; the
subprocess cases run under the corpus's CPU and memory budget (tests/test_hostile.py).
"""
from __future__ import annotations

import io
import os
import struct
import zipfile
from unittest import mock

import numpy as np
import pytest

from nncc.diagnostics import CompileError
from nncc.driver import compile_model
from nncc.npzfile import load_npz
from test_atomic import TINY, _good_arrays
from test_hostile import _check, run_hostile


@pytest.fixture
def tiny(tmp_path):
    p = tmp_path / "tiny.yaml"
    p.write_text(TINY)
    return p


def _npy(a: np.ndarray) -> bytes:
    f = io.BytesIO()
    np.lib.format.write_array(f, a, allow_pickle=False)
    return f.getvalue()


def _npz(path, members: dict[str, bytes], method: dict[str, int] | None = None) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name + ".npy"), data, compress_type=(method or {}).get(name,
                                                                                                zipfile.ZIP_STORED))


def _good_members() -> dict[str, bytes]:
    return {k: _npy(v) for k, v in _good_arrays().items()}


class Inflated:
    """Counts the bytes zipfile hands out, per member."""

    def __init__(self):
        self.by_member: dict[str, int] = {}
        self.real = zipfile.ZipExtFile.read

    def __enter__(self):
        counter = self

        def read(ext, n=-1):
            data = counter.real(ext, n)
            counter.by_member[ext.name] = counter.by_member.get(ext.name, 0) + len(data)
            return data

        self.patch = mock.patch.object(zipfile.ZipExtFile, "read", read)
        self.patch.__enter__()
        return self

    def __exit__(self, *exc):
        self.patch.__exit__(*exc)


def _codes(e: CompileError) -> list[str]:
    return [d.code for d in e.diagnostics]


def _compile(tiny, w, target="onnx"):
    with pytest.raises(CompileError) as ei:
        compile_model(str(tiny), target, weights=str(w))
    return ei.value


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_other_compression_is_refused_before_decompressing(tiny, tmp_path, method):
    """A small bzip2 or xz member that expands to 16 MB: refused from the central directory."""
    members = _good_members()
    members["y.weight"] = np.lib.format.magic(1, 0) + b"x" * (16 << 20)
    w = tmp_path / "w.npz"
    _npz(w, members, {"y.weight": method})
    assert os.path.getsize(w) < 1 << 16
    with Inflated() as n:
        e = _compile(tiny, w)
    assert _codes(e) == ["E503"] and f"method {method}" in e.diagnostics[0].message
    assert sum(n.by_member.values()) == 0


def test_negative_dimension_is_refused(tiny, tmp_path):
    members = _good_members()
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1, np.float32))
    header["shape"] = (2, -3)
    f = io.BytesIO()
    np.lib.format.write_array_header_1_0(f, header)
    members["y.weight"] = f.getvalue()
    w = tmp_path / "w.npz"
    _npz(w, members)
    e = _compile(tiny, w)
    assert _codes(e) == ["E503"] and "negative dimension" in e.diagnostics[0].message


def test_unused_members_are_never_read(tiny, tmp_path):
    members = _good_members()
    members["unused"] = _npy(np.zeros(4 << 20, np.uint8))
    w = tmp_path / "w.npz"
    _npz(w, members, {"unused": zipfile.ZIP_DEFLATED})
    with Inflated() as n:
        e = _compile(tiny, w)
    assert n.by_member.get("unused.npy", 0) == 0
    assert _codes(e) == ["E503"] and "does not use: `unused`" in e.diagnostics[0].message


def test_many_members_give_one_diagnostic(tiny, tmp_path):
    members = _good_members()
    small = _npy(np.zeros(1, np.uint8))
    members.update({f"extra{i}": small for i in range(20_000)})
    w = tmp_path / "w.npz"
    _npz(w, members)
    e = _compile(tiny, w)
    assert len(e.diagnostics) == 1 and "20,000 arrays that the model does not use" in e.diagnostics[0].message
    assert "and 19,990 more" in e.diagnostics[0].message


def _patched(w, find: bytes, offset: int, value: bytes) -> None:
    data = bytearray(w.read_bytes())
    i = data.rfind(find)  # the central directory entry (after the local headers)
    data[i + offset:i + offset + len(value)] = value
    w.write_bytes(bytes(data))


def test_unknown_method_and_encryption_from_the_directory(tiny, tmp_path):
    for what, offset, value, words in [("method", 10, struct.pack("<H", 99), "method 99"),
                                       ("encrypted", 8, struct.pack("<H", 1), "encrypted")]:
        w = tmp_path / f"{what}.npz"
        _npz(w, _good_members())
        _patched(w, b"PK\x01\x02", offset, value)
        e = _compile(tiny, w)
        assert _codes(e) == ["E503"] and words in e.diagnostics[0].message, e.diagnostics[0].message


@pytest.mark.parametrize("lazy", [False, True])
def test_corrupt_deflate_stream_is_e503(tmp_path, lazy):
    w = tmp_path / "w.npz"
    np.savez_compressed(w, a=np.arange(100_000, dtype=np.float32))
    data = bytearray(w.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 64] = os.urandom(64)
    w.write_bytes(bytes(data))
    with pytest.raises(CompileError) as ei:
        arrays, _ = load_npz(str(w), lazy=lazy, names={"a"})
        arrays["a"].array() if lazy else None
    assert _codes(ei.value) == ["E503"] and str(w) in ei.value.diagnostics[0].message


def test_truncated_and_not_a_file(tiny, tmp_path):
    w = tmp_path / "w.npz"
    np.savez(w, **_good_arrays())
    w.write_bytes(w.read_bytes()[:-100])
    assert _codes(_compile(tiny, w)) == ["E503"]
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    e = _compile(tiny, fifo)  # never opened for a blocking read
    assert _codes(e) == ["E503"] and "not a regular file" in e.diagnostics[0].message


def test_bomb_in_a_child_within_budget(tiny, tmp_path):
    """A bzip2 bomb (300 bytes that expand to 128 MB), end to end in a capped child: exit 1, E503,
    within the corpus's CPU and memory budget."""
    members = _good_members()
    members["y.weight"] = np.lib.format.magic(1, 0) + b"\0" * (2 << 30 >> 4)
    w = tmp_path / "w.npz"
    _npz(w, members, {"y.weight": zipfile.ZIP_BZIP2})
    _check(run_hostile(str(tiny), ["--weights", str(w)], out_dir=str(tmp_path)), "E503")
