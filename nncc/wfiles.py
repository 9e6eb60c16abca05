"""Weights files in the formats people have them: `.npz`, `.safetensors`, a PyTorch state_dict
(`.pt`/`.pth`) and the initializers of an `.onnx` model.

`open_weights(path)` gives the file's arrays in the file's order, each read when it is needed and,
where the format keeps it as plain bytes at a known offset, block by block (so a big array is
never whole in memory while the ONNX writer streams it). No format runs code from the file:
.npz without pickle, PyTorch with `torch.load(weights_only=True)` (torch is imported only for
such a file), safetensors and ONNX as data.
"""
from __future__ import annotations

import json
import math
import os
import stat
from typing import Any

import numpy as np

from . import codes
from .diagnostics import CompileError, Diagnostic
from .npzfile import _FILE_ERRORS, READ_BLOCK, load_npz

FORMATS = {".npz": "npz", ".safetensors": "safetensors", ".pt": "torch", ".pth": "torch", ".bin": "torch",
           ".onnx": "onnx"}

# safetensors dtype -> numpy; BF16 is read as its 16 bits and widened to float32
_ST_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
              "I8": "i1", "U8": "u1", "BOOL": "?"}


def bad(msg: str, help: str | None = None) -> CompileError:
    return CompileError([Diagnostic(codes.BAD_WEIGHTS, msg, None, help)])


class FileArray:
    """One array of a weights file: shape and dtype now, values when read (`array`, or `block(k)`)."""

    def __init__(self, name: str, shape: tuple[int, ...], file_dtype: Any, dtype: Any = None, bf16: bool = False):
        self.name, self.shape = name, tuple(int(d) for d in shape)
        self.file_dtype = np.dtype(file_dtype)
        self.bf16 = bf16
        self.dtype = np.dtype(dtype if dtype is not None else (np.float32 if bf16 else self.file_dtype))
        self.size = math.prod(self.shape)
        self.nbytes = self.size * self.dtype.itemsize

    def astype(self, dtype: Any) -> "FileArray":
        import copy

        other = copy.copy(self)
        other.dtype = np.dtype(dtype)
        other.nbytes = other.size * other.dtype.itemsize
        return other

    @property
    def per_block(self) -> int:
        return max(1, READ_BLOCK // self.file_dtype.itemsize)

    @property
    def nblocks(self) -> int:
        return max(1, -(-self.size // self.per_block))

    def read(self, lo: int, hi: int) -> np.ndarray:
        """Values lo..hi (flat) in the file's dtype."""
        raise NotImplementedError

    def block(self, k: int) -> np.ndarray:
        lo = k * self.per_block
        a = self.read(lo, min(self.size, lo + self.per_block))
        if self.bf16:
            a = (a.astype(np.uint32) << 16).view(np.float32)
        return a.astype(self.dtype, copy=False)

    def array(self) -> np.ndarray:
        out = np.empty(self.size, self.dtype)
        for k in range(self.nblocks):
            b = self.block(k)
            out[k * self.per_block:k * self.per_block + b.size] = b
        return out.reshape(self.shape)


class RangeArray(FileArray):
    """Raw little-endian values at a byte offset of a file (safetensors, ONNX external data)."""

    def __init__(self, path: str, offset: int, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.path, self.offset = path, offset

    def read(self, lo: int, hi: int) -> np.ndarray:
        n = (hi - lo) * self.file_dtype.itemsize
        with open(self.path, "rb") as f:
            f.seek(self.offset + lo * self.file_dtype.itemsize)
            data = f.read(n)
        if len(data) != n:
            raise bad(f"cannot read array `{self.name}` from `{self.path}`: the file ends early")
        return np.frombuffer(data, self.file_dtype)


class MemArray(FileArray):
    """Values already in memory (an ONNX initializer stored in the model, a PyTorch tensor)."""

    def __init__(self, values: Any, name: str, shape: tuple[int, ...], file_dtype: Any, **kw: Any):
        super().__init__(name, shape, file_dtype, **kw)
        self.values = values  # numpy array or torch tensor, flat reads through `read`

    def read(self, lo: int, hi: int) -> np.ndarray:
        v = self.values.reshape(-1)[lo:hi]
        return v.numpy() if hasattr(v, "numpy") else np.asarray(v)


class WeightsFile:
    """A weights file's arrays, in the file's order, by the file's names; `unread`: the names of
    the arrays that were not asked for (an .npz opened for some names never reads the others)."""

    def __init__(self, path: str, kind: str, arrays: dict[str, Any], unread: list[str] | None = None):
        self.path, self.kind, self.arrays, self.unread = path, kind, arrays, unread or []


def open_weights(path: str, names: set[str] | None = None) -> WeightsFile:
    """The arrays of a weights file, by its suffix (E503 for a file that cannot be read as one).
    `names`: an .npz reads the headers of those members only (the model's names, when they are all
    there, so members a model does not use are never decompressed)."""
    kind = FORMATS.get(os.path.splitext(path)[1].lower())
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise bad(f"weights file `{path}` is not a regular file")
    except FileNotFoundError:
        raise bad(f"weights file `{path}` does not exist") from None
    if kind is None:
        with open(path, "rb") as f:
            kind = "npz" if f.read(2) == b"PK" else None
    if kind is None:
        raise bad(f"weights file `{path}`: nncc reads .npz, .safetensors, .pt/.pth (a PyTorch state_dict) and "
                  ".onnx", "rename the file to say its format")
    if kind == "npz":
        arrays, unread = load_npz(path, lazy=True, names=names)
        return WeightsFile(path, kind, arrays, unread)
    try:
        return WeightsFile(path, kind, {"safetensors": _safetensors, "torch": _torch, "onnx": _onnx}[kind](path))
    except CompileError:
        raise
    except _FILE_ERRORS as e:
        raise bad(f"cannot read weights file `{path}` as {kind}: {type(e).__name__}: {e}") from None


def _safetensors(path: str) -> dict[str, Any]:
    """A bounded reader of the safetensors layout: an 8-byte little-endian header length, a JSON
    header {name: {dtype, shape, data_offsets: [begin, end]}}, then the data."""
    from .limits import LIMITS

    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise bad(f"weights file `{path}` is too short for safetensors")
        n = int.from_bytes(head, "little")
        if n > min(size - 8, 100 << 20):
            raise bad(f"weights file `{path}`: its safetensors header says {n:,} bytes, the file holds {size - 8:,}")
        header = json.loads(f.read(n))
    if not isinstance(header, dict):
        raise bad(f"weights file `{path}`: the safetensors header is not a JSON object")
    out: dict[str, Any] = {}
    total = 0
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(e, dict) or e.get("dtype") not in _ST_DTYPES or not isinstance(e.get("shape"), list) \
                or not isinstance(e.get("data_offsets"), list) or len(e["data_offsets"]) != 2:
            raise bad(f"weights file `{path}`: array `{name}` has no dtype, shape and data_offsets nncc reads")
        shape = tuple(e["shape"])
        if not all(isinstance(d, int) and d >= 0 for d in shape):
            raise bad(f"weights file `{path}`: array `{name}` has shape {list(shape)}")
        begin, end = e["data_offsets"]
        dt = np.dtype(_ST_DTYPES[e["dtype"]])
        if not (isinstance(begin, int) and isinstance(end, int)) or end - begin != math.prod(shape) * dt.itemsize \
                or begin < 0 or 8 + n + end > size:
            raise bad(f"weights file `{path}`: array `{name}`'s data_offsets do not fit its shape or the file")
        total += end - begin
        if total > LIMITS["max_weight_bytes"]:
            raise bad(f"weights file `{path}` holds more than {LIMITS['max_weight_bytes']:,} bytes of arrays")
        out[name] = RangeArray(path, 8 + n + begin, name, shape, dt, bf16=e["dtype"] == "BF16")
    return out


def _torch(path: str) -> dict[str, Any]:
    """A state_dict saved with torch.save, loaded with weights_only=True (no code from the file),
    memory-mapped where torch can (its zip format), so arrays are read as they are needed."""
    import torch  # only for a PyTorch file

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except RuntimeError:  # the legacy (non-zip) format cannot be mapped
        obj = torch.load(path, map_location="cpu", weights_only=True)
    out: dict[str, Any] = {}

    def walk(prefix: str, v: Any) -> None:
        if isinstance(v, torch.Tensor):
            t = v.detach()
            bf16 = t.dtype == torch.bfloat16
            if bf16:
                t = t.view(torch.int16)
            fdt = np.dtype("<u2") if bf16 else torch.empty(0, dtype=t.dtype).numpy().dtype
            out[prefix] = MemArray(t, prefix, tuple(t.shape), fdt, bf16=bf16)
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(f"{prefix}.{k}" if prefix else str(k), x)

    # a checkpoint that holds the state_dict under one key ({"state_dict": …}, {"model": …}) is unwrapped
    if isinstance(obj, dict):
        for key in ("state_dict", "model_state_dict", "model"):
            if isinstance(obj.get(key), dict) and not any(isinstance(v, torch.Tensor) for v in obj.values()):
                obj = obj[key]
                break
    walk("", obj)
    if not out:
        raise bad(f"weights file `{path}` holds no tensors", "save the model's state_dict: "
                  "torch.save(model.state_dict(), path)")
    return out


def _onnx(path: str) -> dict[str, Any]:
    """The initializers of an ONNX model, in the graph's order; external data is read from its file
    (which must sit in the model's directory) at its offset."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(path, load_external_data=False)
    base = os.path.dirname(os.path.abspath(path))
    out: dict[str, Any] = {}
    for t in m.graph.initializer:
        shape = tuple(int(d) for d in t.dims)
        if t.data_location == onnx.TensorProto.EXTERNAL:
            info = {e.key: e.value for e in t.external_data}
            loc = os.path.abspath(os.path.join(base, info.get("location", "")))
            if os.path.dirname(loc) != base:
                raise bad(f"weights file `{path}`: initializer `{t.name}` points outside the model's directory")
            dt = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(t.data_type)).newbyteorder("<")
            off = int(info.get("offset", 0))
            if off + math.prod(shape) * dt.itemsize > os.path.getsize(loc):
                raise bad(f"weights file `{path}`: initializer `{t.name}` runs past the end of `{loc}`")
            out[t.name] = RangeArray(loc, off, t.name, shape, dt)
        else:
            a = numpy_helper.to_array(t)
            out[t.name] = MemArray(a, t.name, shape, a.dtype)
    return out
