"""The params file: a TensorDataArray of the Data nodes' values, written straight from numpy in
protobuf's wire format (packed fields), streamed block by block, and read back.

Float16 values go two to an int32 in `half_data` (as SMAUG's frontend packs them), and those int32s
are written as 5-byte varints: the low 32 bits in five 7-bit groups, whatever the value. Protobuf's
own encoder writes the same int32s in 1 to 5 bytes, or 10 for a negative one (sign-extended to 64
bits); every protobuf parser reads a varint of up to 10 bytes and keeps an int32 field's low 32 bits,
so it reads the same values from either form (tests decode both with protobuf's C and C++ parsers).
The fixed width is what makes the file cheap: the bytes of each value are a few numpy operations,
and each tensor's size is known before its values are drawn, so a weight is drawn, laid out,
converted and encoded one block at a time while the file is written (nncc/output.py Stream), and
the weights are never all in memory.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Callable, Union

import numpy as np

from nncc.output import Stream
from nncc.protowire import length_delimited
from nncc.weights import BLOCK, Draw

from . import graph_pb2 as pb

if TYPE_CHECKING:
    from .inputs import InputData

# SMAUG DataType -> numpy
NP = {"Float16": np.float16, "Float32": np.float32, "Float64": np.float64, "Int32": np.int32,
      "Int64": np.int64, "Bool": np.bool_}

# TensorData field numbers and wire encodings, per data type
_FIELDS = {"Float16": (2, "half"), "Float32": (3, "<f4"), "Float64": (4, "<f8"), "Int32": (5, "varint"),
           "Int64": (6, "varint"), "Bool": (7, "varint")}
HALF_BYTES = 5  # bytes per int32 of half_data (two float16 values)


def _varints(a: np.ndarray) -> bytes:
    """Protobuf's own varints of int64/int32/bool values (negatives sign-extended to 64 bits): the
    integer fields, which hold inputs and constants, never weights, so they are small."""
    u = a.astype(np.int64).view(np.uint64)
    groups = [((u >> np.uint64(7 * k)) & np.uint64(0x7F)).astype(np.uint8) for k in range(10)]
    length = np.ones(u.shape, np.int64)
    for k in range(1, 10):
        length += (u >> np.uint64(7 * k)) != 0
    m = np.stack(groups, axis=1)
    cols = np.arange(10)
    m[cols < (length - 1)[:, None]] |= 0x80
    return m[cols < length[:, None]].tobytes()


# one encoded int32 of half_data: bytes 0-3 (each 7 bits and a continuation bit) as one little-endian
# word, then byte 4 (the top 4 bits)
_HALF = np.dtype([("low", "<u4"), ("top", "u1")])


def encode_half(h: np.ndarray) -> np.ndarray:
    """float16 values (an even number) -> the 5-byte varints of their int32 pairs, as uint8[n/2, 5].

    The first four bytes are computed together in uint32 arithmetic (7-bit groups spread to the byte
    boundaries, continuation bits set) and stored as one field of a packed 5-byte record, the fifth as
    the other: two stores per value instead of five byte-strided ones.
    """
    u = h.view(np.uint32)
    t = np.empty_like(u)
    low = np.bitwise_and(u, 0x7F)
    for shift, mask in ((1, 0x7F00), (2, 0x7F0000), (3, 0x7F000000)):  # bits 7-13, 14-20, 21-27
        np.left_shift(u, shift, out=t)
        np.bitwise_and(t, mask, out=t)
        np.bitwise_or(low, t, out=low)
    np.bitwise_or(low, 0x80808080, out=low)
    out = np.empty(u.size, _HALF)
    out["low"] = low
    np.right_shift(u, 28, out=t)  # bits 28-31
    out["top"] = t
    return out.view(np.uint8).reshape(-1, HALF_BYTES)


def padded(arr: np.ndarray, dtype: str, alignment: int) -> np.ndarray:
    """The values as SMAUG's frontend stores them: last dim zero-padded to a multiple of the alignment."""
    arr = np.asarray(arr, dtype=NP[dtype])
    if alignment and arr.ndim and arr.shape[-1] % alignment:
        pad = [(0, 0)] * (arr.ndim - 1) + [(0, alignment - arr.shape[-1] % alignment)]
        arr = np.pad(arr, pad, "constant")
    return np.ascontiguousarray(arr)


def padded_dims(dims: list[int] | tuple[int, ...], alignment: int) -> list[int]:
    out = list(dims)
    if alignment and out and out[-1] % alignment:
        out[-1] += alignment - out[-1] % alignment
    return out


def _payload(flat: np.ndarray, dtype: str) -> bytes | np.ndarray:
    enc = _FIELDS[dtype][1]
    if enc == "half":
        return encode_half(flat)
    if enc == "varint":
        return _varints(flat)
    return flat.astype(enc, copy=False)


def _payload_size(count: int, dtype: str) -> int | None:
    """The payload's size from the number of values (None for protobuf's own varints, which depend on them)."""
    enc = _FIELDS[dtype][1]
    if enc == "half":
        return HALF_BYTES * (count // 2)
    return None if enc == "varint" else count * np.dtype(enc).itemsize


def _head(name: str, dtype: str, payload: int) -> bytes:
    """The TensorDataArray entry up to the payload: its key and length, the name, the payload's key and length."""
    td = pb.TensorData(name=name).SerializeToString()
    if payload:
        td += length_delimited(_FIELDS[dtype][0], payload)
    return length_delimited(1, len(td) + payload) + td


def encode(name: str, arr: np.ndarray, dtype: str, alignment: int) -> bytes:
    """One TensorDataArray entry for a value held in memory: last dim padded to the alignment,
    float16 packed two to an int32 (a zero added to an odd count)."""
    flat = padded(arr, dtype, alignment).reshape(-1)
    if dtype == "Float16" and flat.size % 2:
        flat = np.append(flat, np.float16(0))
    body = _payload(flat, dtype)
    raw = body if isinstance(body, bytes) else body.tobytes()
    return _head(name, dtype, len(raw)) + raw


class Rows:
    """The rows (first-axis slices) of a weight's values in nncc's canonical order, as float32.

    From a Draw they are drawn one random block at a time; a block that two row ranges share is
    drawn once and kept until both have read it (row ranges may be asked for in any order, from
    several threads). Any other source is read as an array.
    """

    def __init__(self, draw: Draw | None = None, array: np.ndarray | None = None):
        self.draw, self.array = draw, array
        src = draw if draw is not None else array
        assert src is not None
        self.shape = tuple(int(d) for d in src.shape)
        self.row = int(np.prod(self.shape[1:])) if len(self.shape) > 1 else 1
        self._blocks: dict[int, np.ndarray] = {}
        self._uses: dict[int, int] = {}
        self._lock = threading.Lock()

    def chunks(self) -> list[tuple[int, int]]:
        """Row ranges of about one random block each: the rows that start in block k."""
        n = self.shape[0]
        if self.draw is None or self.draw.kind == "constant":
            step = max(1, BLOCK // max(self.row, 1))
            return [(r, min(n, r + step)) for r in range(0, n, step)]
        out = []
        for k in range(self.draw.nblocks):
            r0, r1 = -(-k * BLOCK // self.row), min(n, -(-(k + 1) * BLOCK // self.row))
            if r1 > r0:
                out.append((r0, r1))
        for r0, r1 in out:  # how many row ranges read each block
            for j in range(r0 * self.row // BLOCK, (r1 * self.row - 1) // BLOCK + 1):
                self._uses[j] = self._uses.get(j, 0) + 1
        return out

    def _block(self, j: int) -> np.ndarray:
        assert self.draw is not None
        with self._lock:
            b = self._blocks.get(j)
        if b is None:
            b = np.empty(min(BLOCK, self.draw.size - j * BLOCK), np.float32)
            self.draw.fill(j, b)
        with self._lock:
            self._uses[j] -= 1
            if self._uses[j]:
                self._blocks[j] = b
            else:
                self._blocks.pop(j, None)
        return b

    def rows(self, r0: int, r1: int) -> np.ndarray:
        if self.draw is None:
            assert self.array is not None
            return self.array[r0:r1]
        shape = (r1 - r0, *self.shape[1:])
        if self.draw.kind == "constant":
            return np.full(shape, self.draw.shift, np.float32)
        a, b = r0 * self.row, r1 * self.row
        parts = []
        for j in range(a // BLOCK, (b - 1) // BLOCK + 1):
            blk = self._block(j)
            parts.append(blk[max(a - j * BLOCK, 0):min(b - j * BLOCK, blk.size)])
        flat = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return flat.reshape(shape)


class Payload:
    """A weight's payload in the params file, made block by block as it is written (nncc/output.py Lazy).

    `store` turns canonical rows into the stored layout (transposes, feature order); each row's last
    dim is padded to the alignment, so a block of whole rows holds an even number of float16 values.
    """

    def __init__(self, rows: Rows, store: Callable[[np.ndarray], np.ndarray], stored_dims: list[int],
                 dtype: str, alignment: int):
        self.src, self.store, self.dtype, self.alignment = rows, store, dtype, alignment
        self.ranges = rows.chunks()
        count = int(np.prod(padded_dims(stored_dims, alignment)))
        size = _payload_size(count, dtype)
        assert size is not None
        self.nbytes = size

    @property
    def nblocks(self) -> int:
        return len(self.ranges)

    def block(self, k: int) -> np.ndarray:
        r0, r1 = self.ranges[k]
        arr = padded(self.store(self.src.rows(r0, r1)), self.dtype, self.alignment)
        body = _payload(arr.reshape(-1), self.dtype)
        assert isinstance(body, np.ndarray)
        return body


def streamable(dims: list[int], dtype: str, alignment: int) -> bool:
    """Whether a value of these stored dims can be written block by block: rows of floats, of an even
    number of values (padded) where they are float16, which go two to an int32."""
    if dtype not in ("Float16", "Float32", "Float64") or len(dims) < 2:
        return False
    return dtype != "Float16" or int(np.prod(padded_dims(dims, alignment)[1:])) % 2 == 0


Part = Union[bytes, "Payload", "InputData"]  # of the params file: bytes, or a payload made as it is written


def entry(name: str, payload: Payload | InputData) -> list[Part]:
    """The parts of one streamed TensorDataArray entry: its head, then the payload as it is made."""
    return [_head(name, payload.dtype, payload.nbytes), payload]


def params_file(parts: list[Part]) -> Stream:
    """The TensorDataArray: the entries' parts in order (bytes, and payloads drawn as they are written)."""
    return Stream(list(parts))


def decode(td: pb.TensorData, tensor: pb.TensorProto) -> np.ndarray:
    """The values of a Data node's tensor in the topology's dims (padding dropped)."""
    dims = list(tensor.shape.dims)
    dtype = pb.DataType.Name(tensor.data_type)
    full = padded_dims(dims, tensor.shape.alignment)
    n = int(np.prod(full)) if full else 1
    if dtype == "Float16":
        arr = np.array(td.half_data, dtype=np.int32).view(np.float16)[:n]
    else:
        field = {"Float32": "float_data", "Float64": "double_data", "Int32": "int_data", "Int64": "int64_data",
                 "Bool": "bool_data"}[dtype]
        arr = np.array(getattr(td, field), dtype=NP[dtype])
    if arr.size != n:
        raise ValueError(f"{td.name}: {arr.size} values for padded dims {full}")
    arr = arr.reshape(full)
    return arr[tuple(slice(0, d) for d in dims)]
