"""The params file: a TensorDataArray of the Data nodes' values, written straight from numpy in
protobuf's wire format (packed fields), and read back."""
from __future__ import annotations

import numpy as np

from nncc.protowire import length_delimited, varint

from . import graph_pb2 as pb

# SMAUG DataType -> numpy
NP = {"Float16": np.float16, "Float32": np.float32, "Float64": np.float64, "Int32": np.int32,
      "Int64": np.int64, "Bool": np.bool_}


def _varints(a: np.ndarray, chunk: int = 1 << 20) -> bytes:
    """Protobuf varints of int32/int64 values (negatives sign-extended to 64 bits), vectorised."""
    parts = []
    for start in range(0, a.size, chunk):
        u = a[start:start + chunk].astype(np.int64).view(np.uint64)
        cols = []
        live = np.ones(u.shape, dtype=bool)
        for k in range(10):
            rest = u >> np.uint64(7 * (k + 1))
            more = rest != 0
            cols.append((((u >> np.uint64(7 * k)) & np.uint64(0x7F)) | np.where(more, 0x80, 0).astype(np.uint64))
                        .astype(np.uint8))
            cols.append(live)
            live = live & more
        b = np.stack(cols[0::2], axis=1)
        m = np.stack(cols[1::2], axis=1)
        parts.append(b[m].tobytes())
    return b"".join(parts)


# TensorData field numbers and wire encodings, per data type
_FIELDS = {"Float16": (2, "varint"), "Float32": (3, "<f4"), "Float64": (4, "<f8"), "Int32": (5, "varint"),
           "Int64": (6, "varint"), "Bool": (7, "varint")}


def padded(arr: np.ndarray, dtype: str, alignment: int) -> np.ndarray:
    """The values as SMAUG's frontend stores them: last dim zero-padded to a multiple of the alignment."""
    arr = np.asarray(arr, dtype=NP[dtype])
    if alignment and arr.ndim and arr.shape[-1] % alignment:
        pad = [(0, 0)] * (arr.ndim - 1) + [(0, alignment - arr.shape[-1] % alignment)]
        arr = np.pad(arr, pad, "constant")
    return np.ascontiguousarray(arr)


def encode(name: str, arr: np.ndarray, dtype: str, alignment: int) -> bytes:
    """One serialised TensorData: last dim padded to the alignment, float16 packed two per int32.

    Written straight from numpy (the wire format of packed repeated fields) rather than through
    protobuf's Python lists, which costs seconds per hundred million values.
    """
    flat = padded(arr, dtype, alignment).reshape(-1)
    if dtype == "Float16" and flat.size % 2:
        flat = np.append(flat, np.float16(0))
    field, enc = _FIELDS[dtype]
    if dtype == "Float16":
        payload = _varints(flat.view(np.int32))
    elif enc == "varint":
        payload = _varints(flat.astype(np.int64))
    else:
        payload = flat.astype(enc).tobytes()
    head = pb.TensorData(name=name).SerializeToString()
    if flat.size:
        head += length_delimited(field, len(payload))
    return head + payload


def params_file(tensors: list[bytes]) -> bytes:
    """A TensorDataArray of already-serialised TensorData messages (field 1, length-delimited)."""
    return b"".join(b"\x0a" + varint(len(t)) + t for t in tensors)


def decode(td: pb.TensorData, tensor: pb.TensorProto) -> np.ndarray:
    """The inverse of `encode` for a Data node's tensor: values in the topology's dims (padding dropped)."""
    dims = list(tensor.shape.dims)
    dtype = pb.DataType.Name(tensor.data_type)
    align = tensor.shape.alignment
    padded = list(dims)
    if align and dims and dims[-1] % align:
        padded[-1] += align - dims[-1] % align
    n = int(np.prod(padded)) if padded else 1
    if dtype == "Float16":
        arr = np.array(td.half_data, dtype=np.int32).view(np.float16)[:n]
    else:
        field = {"Float32": "float_data", "Float64": "double_data", "Int32": "int_data", "Int64": "int64_data",
                 "Bool": "bool_data"}[dtype]
        arr = np.array(getattr(td, field), dtype=NP[dtype])
    if arr.size != n:
        raise ValueError(f"{td.name}: {arr.size} values for padded dims {padded}")
    arr = arr.reshape(padded)
    return arr[tuple(slice(0, d) for d in dims)]
