"""Output files are replaced atomically, and --weights files are checked before use.

* A compiler killed with SIGKILL in the middle of writing (fault injection with
  NNCC_TEST_CRASH_AFTER_BYTES, and a real kill of a big compile) leaves the old
  output intact and nothing partial under the final name.
* A failure while writing keeps every old file and leaves no temporaries.
* `--weights` files: missing, extra, mis-shaped and mis-typed arrays are each named
  in E503; pickled object arrays are refused; oversized archives are E005 before
  their data is read.
"""
from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
import zipfile
from unittest import mock

import numpy as np
import pytest

from nncc.diagnostics import CompileError
from nncc.driver import compile_model
from nncc.output import write_files

TINY = """\
nncc: 1
model: tiny
inputs:
  x: f32[N, 4]
graph:
  h: linear(x, 3) |> relu
  y: linear(h, 2)
outputs: [y]
"""

NNCC = [sys.executable, "-m", "nncc.cli"]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("NNCC_TEST_CRASH_AFTER_BYTES", None)
    env.update(extra)
    return env


@pytest.fixture
def tiny(tmp_path):
    p = tmp_path / "tiny.yaml"
    p.write_text(TINY)
    return p


def _leftovers(d) -> list[str]:
    return sorted(n for n in os.listdir(d) if n.endswith(".tmp"))


# ------------------------------------------------------------------ atomic output

def test_sigkill_during_write_keeps_old_output(tiny, tmp_path):
    out = tmp_path / "out.onnx"
    old = b"OLD OUTPUT, must survive"
    out.write_bytes(old)
    # --force: the old file was not written by nncc (placement refuses to replace such a file without it)
    r = subprocess.run([*NNCC, "compile", str(tiny), "-o", str(out), "--force"], capture_output=True, timeout=120,
                       env=_env(NNCC_TEST_CRASH_AFTER_BYTES="10"))
    assert r.returncode == -signal.SIGKILL, r.stderr.decode()
    assert out.read_bytes() == old  # the old file, untouched
    # the partial data is only ever in a temporary next to it (a later run does not reuse it)
    temps = _leftovers(tmp_path)
    assert temps and all(n.startswith(".out.onnx.") for n in temps)
    assert all(os.path.getsize(tmp_path / n) == 10 for n in temps)
    # and a normal run then replaces the old file with a complete one, and removes the dead run's temporary
    r = subprocess.run([*NNCC, "compile", str(tiny), "-o", str(out), "--force"], capture_output=True, timeout=120,
                       env=_env())
    assert r.returncode == 0, r.stderr.decode()
    import onnx

    onnx.checker.check_model(onnx.load(str(out)))
    assert _leftovers(tmp_path) == []


def test_only_stale_temporaries_of_this_host_are_removed(tmp_path):
    from nncc import output

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = output._host()
    names = {
        "dead": f".m.onnx.{host}.{dead.pid}.abcd1234.tmp",  # its process is gone: removed
        "live": f".m.onnx.{host}.{os.getppid()}.abcd1234.tmp",  # a running process is writing it
        "other host": f".m.onnx.elsewhere.{dead.pid}.abcd1234.tmp",  # another machine's, on a shared disk
        "other file": f".n.onnx.{host}.{dead.pid}.abcd1234.tmp",  # next to another output
        "not ours": f".m.onnx.{host}.{dead.pid}.abcd1234.bak",
    }
    for n in names.values():
        (tmp_path / n).write_bytes(b"partial")
    write_files({str(tmp_path / "m.onnx"): b"new"})
    left = set(os.listdir(tmp_path))
    assert names["dead"] not in left
    assert {names[k] for k in ("live", "other host", "other file", "not ours")} <= left
    assert (tmp_path / "m.onnx").read_bytes() == b"new"


def test_sigkill_of_a_big_compile_mid_write(tmp_path):
    """A real kill (no fault injection): wait until the temporary appears, then SIGKILL."""
    model = tmp_path / "big.yaml"
    model.write_text(TINY.replace("linear(x, 3)", "linear(x, 4096) |> linear(4096) |> linear(4096)"))
    out = tmp_path / "big.onnx"
    old = b"OLD" * 1000
    out.write_bytes(old)
    outcomes = set()
    for _ in range(3):
        p = subprocess.Popen([*NNCC, "compile", str(model), "-o", str(out), "--force"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=_env())
        deadline = time.monotonic() + 120
        while p.poll() is None and time.monotonic() < deadline and not _leftovers(tmp_path):
            time.sleep(0.0005)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
        data = out.read_bytes()
        if data == old:
            outcomes.add("old")
        else:  # the rename happened before the kill: then the file is complete
            import onnx

            onnx.checker.check_model(onnx.load(str(out)))
            outcomes.add("new")
            out.write_bytes(old)
        for n in _leftovers(tmp_path):
            os.unlink(tmp_path / n)
    assert outcomes  # each run ended with the old file or a complete new one, never a partial one


def test_failure_while_writing_keeps_all_old_files(tmp_path, monkeypatch):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"old a")
    b.write_bytes(b"old b")
    real_replace = os.replace
    calls = []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        write_files({str(a): b"new a" * 100, str(b): b"new b" * 100}, fsync=True)
    assert os.replace is real_replace
    assert a.read_bytes() == b"old a" and b.read_bytes() == b"old b"
    assert _leftovers(tmp_path) == []


class _FailingBlocks:
    """A lazy part (as a weight's Draw is) whose third block fails while the stream is written."""
    nbytes = 3 * 1024

    @property
    def nblocks(self) -> int:
        return 3

    def block(self, k: int) -> np.ndarray:
        if k == 2:
            raise MemoryError("drawing failed")
        return np.full(1024, k, np.uint8)


@pytest.mark.parametrize("workers", [None, 2])
def test_failure_inside_a_stream_keeps_all_old_files(tmp_path, monkeypatch, workers):
    from nncc import output

    a, b = tmp_path / "a.onnx", tmp_path / "b.txt"
    a.write_bytes(b"old a")
    b.write_bytes(b"old b")
    s = output.Stream([b"head", _FailingBlocks(), b"tail"])
    if workers:
        real = output.Stream.chunks
        monkeypatch.setattr(output.Stream, "chunks", lambda self: real(self, workers))
    with pytest.raises(MemoryError):
        write_files({str(b): b"new b", str(a): s})
    assert a.read_bytes() == b"old a" and b.read_bytes() == b"old b"
    assert _leftovers(tmp_path) == []


def test_fsync_is_asked_for(tmp_path, monkeypatch):
    """Without --fsync (or NNCC_FSYNC=1) files are renamed into place without a flush; with it, each is flushed."""
    calls = []
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd))
    monkeypatch.delenv("NNCC_FSYNC", raising=False)
    write_files({str(tmp_path / "a"): b"a", str(tmp_path / "b"): b"b"})
    assert calls == []
    write_files({str(tmp_path / "a"): b"a", str(tmp_path / "b"): b"b"}, fsync=True)
    assert len(calls) == 2
    monkeypatch.setenv("NNCC_FSYNC", "1")
    write_files({str(tmp_path / "a"): b"a"})
    assert len(calls) == 3


def test_write_files_replaces_and_keeps_mode(tmp_path):
    p = tmp_path / "run.sh"
    write_files({str(p): b"#!/bin/sh\necho hi\n", str(tmp_path / "sub" / "x.txt"): b"x"})
    assert p.read_bytes().startswith(b"#!") and os.stat(p).st_mode & 0o111
    assert (tmp_path / "sub" / "x.txt").read_bytes() == b"x"
    assert _leftovers(tmp_path) == []


def test_cli_failure_leaves_old_output(tiny, tmp_path):
    """A compile that fails with diagnostics does not touch the output."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.replace("linear(h, 2)", "linear(h, 0)"))
    out = tmp_path / "o.onnx"
    out.write_bytes(b"keep")
    r = subprocess.run([*NNCC, "compile", str(bad), "-o", str(out)], capture_output=True, timeout=120, env=_env())
    assert r.returncode == 1 and b"Traceback" not in r.stderr
    assert out.read_bytes() == b"keep" and _leftovers(tmp_path) == []


# ------------------------------------------------------------------ --weights files

def _good_arrays() -> dict[str, np.ndarray]:
    return {"h.weight": np.zeros((3, 4), np.float32), "h.bias": np.zeros(3, np.float32),
            "y.weight": np.ones((2, 3), np.float32), "y.bias": np.ones(2, np.float32)}


def _codes_msgs(exc: CompileError) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in exc.diagnostics]


def test_weights_good(tiny, tmp_path):
    w = tmp_path / "w.npz"
    np.savez(w, **_good_arrays())
    res = compile_model(str(tiny), "onnx", weights=str(w))
    assert res.files


def test_weights_missing_extra_shape_dtype_named(tiny, tmp_path):
    arrays = _good_arrays()
    del arrays["y.bias"]                                    # missing
    arrays["z.weight"] = np.zeros(1, np.float32)            # extra
    arrays["y.weight"] = np.zeros((3, 2), np.float32)       # wrong shape
    arrays["h.bias"] = np.zeros(3, np.int64)         # wrong dtype
    w = tmp_path / "w.npz"
    np.savez(w, **arrays)
    with pytest.raises(CompileError) as ei:
        compile_model(str(tiny), "onnx", weights=str(w))
    got = _codes_msgs(ei.value)
    assert all(c == "E503" for c, _ in got)
    text = "\n".join(m for _, m in got)
    assert "no array for `y.bias`" in text
    assert "that the model does not use: `z.weight`" in text
    assert "`y.weight` has shape [3, 2], the model needs [2, 3]" in text
    assert "`h.bias` has dtype int64, the model needs f32" in text


def test_weights_pickled_object_array_refused(tiny, tmp_path):
    arrays = _good_arrays()
    w = tmp_path / "w.npz"
    obj = np.empty(1, dtype=object)
    obj[0] = {"payload": "would run code when unpickled"}
    arrays["y.bias"] = obj
    np.savez(w, **arrays)
    with pytest.raises(CompileError) as ei:
        compile_model(str(tiny), "onnx", weights=str(w))
    (code, msg), = _codes_msgs(ei.value)
    assert code == "E503" and "pickle" in msg


def test_weights_pickle_file_refused_without_unpickling(tiny, tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    w = tmp_path / "w.npz"
    w.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(CompileError) as ei:
        compile_model(str(tiny), "onnx", weights=str(w))
    assert [c for c, _ in _codes_msgs(ei.value)] == ["E503"]
    assert not marker.exists()


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04garbage", b"\x93NUMPY not a zip"])
def test_weights_unreadable(tiny, tmp_path, content):
    w = tmp_path / "w.npz"
    w.write_bytes(content)
    with pytest.raises(CompileError) as ei:
        compile_model(str(tiny), "onnx", weights=str(w))
    assert [c for c, _ in _codes_msgs(ei.value)] == ["E503"]


def test_weights_missing_file(tiny, tmp_path):
    with pytest.raises(CompileError) as ei:
        compile_model(str(tiny), "onnx", weights=str(tmp_path / "nope.npz"))
    assert [c for c, _ in _codes_msgs(ei.value)] == ["E503"]


def test_weights_zip_bomb_refused_from_headers(tiny, tmp_path):
    """A compressed array that would expand to 8 GiB is refused from its header, before decompression."""
    w = tmp_path / "w.npz"
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1, np.float32))
    header["shape"] = (2 ** 31,)
    with zipfile.ZipFile(w, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("y.weight.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, header)
            chunk = bytes(1 << 20)
            for _ in range(64):  # only 64 MiB of zeros are really written: a truncated bomb is enough
                f.write(chunk)
    inflated = 0
    real_read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        nonlocal inflated
        data = real_read(self, n)
        inflated += len(data)
        return data

    with mock.patch.object(zipfile.ZipExtFile, "read", counting_read), pytest.raises(CompileError) as ei:
        compile_model(str(tiny), "onnx", weights=str(w))
    assert inflated < 1 << 20  # the 64 MiB behind the header are never decompressed
    assert [c for c, _ in _codes_msgs(ei.value)] == ["E005"]


def test_weights_via_cli(tiny, tmp_path):
    w = tmp_path / "w.npz"
    arrays = _good_arrays()
    del arrays["h.weight"]
    np.savez(w, **arrays)
    r = subprocess.run([*NNCC, "compile", str(tiny), "--weights", str(w), "-o", str(tmp_path / "o.onnx")],
                       capture_output=True, timeout=120, env=_env())
    assert r.returncode == 1 and b"E503" in r.stderr and b"h.weight" in r.stderr
    assert b"Traceback" not in r.stderr
