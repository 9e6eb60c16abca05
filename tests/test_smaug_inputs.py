"""SMAUG's graph-input data is streamed block by block (targets/smaug/inputs.py): the same bytes as
the whole draw it replaced, in every layout, padding and block split, with memory bounded by a block."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from nncc.driver import compile_model
from nncc.passes.layouts import to_layout
from nncc.targets.smaug.inputs import generator_at
from nncc.targets.smaug.params import encode

from test_weights_stream import PEAK


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        b = data[pos]
        n, shift, pos = n | (b & 0x7F) << shift, shift + 7, pos + 1
        if b < 0x80:
            return n, pos


def _entries(data: bytes) -> dict[str, bytes]:
    """The TensorDataArray's entries (each whole, key and length included) by tensor name."""
    out, pos = {}, 0
    while pos < len(data):
        start = pos
        assert data[pos] == 0x0A
        n, pos = read_varint(data, pos + 1)
        body = data[pos:pos + n]
        pos += n
        assert body[0] == 0x0A  # TensorData.name comes first
        k, p = read_varint(body, 1)
        out[body[p:p + k].decode()] = data[start:pos]
    return out


def _whole(shapes: list[tuple[str, str, list[int]]], seed: int, backend: str) -> dict[str, bytes]:
    """The entries as nncc drew them before they were streamed: each float input whole, in order."""
    ftype, align = ("Float32", 0) if backend == "Reference" else ("Float16", 8)
    rng = np.random.default_rng([seed, 0x5A4A])
    out = {}
    for name, kind, shape in shapes:
        layout = {4: "NHWC", 2: "NC", 1: "N"}[len(shape)]  # both back ends take images as NHWC
        if kind == "f32":
            arr, dt = rng.random(shape, dtype=np.float32), ftype
        else:
            arr, dt = np.zeros(shape, np.int64), "Int64"
        out[f"{name}/input0"] = encode(f"{name}/input0", to_layout(arr, layout), dt, align)
    return out


CASES = [  # (input dims after N, batch): one block; whole samples over several blocks; samples larger than
    # a block (NHWC in rows of the image); odd row lengths and odd totals (float16 packs pairs)
    ([3, 5, 7], 2), ([3, 33, 37], 300), ([5, 301, 250], 2), ([1001], 701), ([], 600_001), ([1, 523, 509], 3)]


@pytest.mark.parametrize("backend", ["Reference", "SMV"])
@pytest.mark.parametrize("dims,batch", CASES)
def test_streamed_input_data_is_the_whole_draw(tmp_path, backend, dims, batch):
    p = tmp_path / "m.yaml"
    x = "f32[" + ", ".join(["N"] + [str(d) for d in dims]) + "]"
    p.write_text(f"nncc: 1\ninputs: {{x: '{x}', y: 'f32[N, 3]', z: 'i64[N, 3]'}}\n"
                 "graph: {a: 'relu(x)', b: 'relu(y)', c: 'z + z'}\noutputs: [a, b, c]\n")
    res = compile_model(str(p), "smaug", options={"backend": backend, "batch": str(batch)}, seed=5)
    stream = res.outputs["m_params.pb"]
    assert sum(not isinstance(part, bytes) for part in stream.parts) >= 2  # x and y drawn as written
    got = _entries(res.files["m_params.pb"])
    want = _whole([("x", "f32", [batch, *dims]), ("y", "f32", [batch, 3]), ("z", "i64", [batch, 3])], 5, backend)
    for name, entry in want.items():
        assert got[name] == entry, name


@pytest.mark.parametrize("kept", [0, 1])
@pytest.mark.parametrize("start", [0, 1, 2, 7, 1000])
def test_generator_at_any_value_continues_the_whole_draw(kept, start):
    rng = np.random.default_rng([3, 0x5A4A])
    rng.random(kept, dtype=np.float32)  # a kept half of a 64-bit output, or none
    state = rng.bit_generator.state
    whole = rng.random(1200, dtype=np.float32)
    assert (generator_at(state, start).random(200, dtype=np.float32) == whole[start:start + 200]).all()


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads VmHWM from /proc (Linux)")
def test_a_large_batch_of_input_data_is_written_in_bounded_memory(tmp_path):
    """256 MB of input data (the whole draw held it about three times over) in a child process."""
    p = tmp_path / "big.yaml"
    p.write_text("nncc: 1\ninputs: {x: 'f32[N, 1024]'}\ngraph: {y: 'relu(x)'}\noutputs: [y]\n")
    r = subprocess.run([sys.executable, "-c", PEAK, "compile", "-t", "smaug", "-O", "batch=65536", str(p),
                        "-o", str(tmp_path / "out")], capture_output=True, text=True, timeout=600)
    info = json.loads(r.stdout.strip().splitlines()[-1])
    size = (tmp_path / "out" / "big_params.pb").stat().st_size
    assert info["code"] in (0, None) and size > 256 * 2 ** 20, r.stderr
    assert info["peak_kb"] * 1024 < 0.5 * size, info  # imports take ~60 MB; the data once would add 256 MB
