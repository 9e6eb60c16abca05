"""The dtype table: every fact about the language's element types, one row per dtype.

Columns: the kind (float | int | bool), the size in bytes, the numpy type nncc keeps
arrays of it in (bf16 values are kept as float32, since numpy has no bfloat16), and
each target's name for it (ONNX `TensorProto.DataType`, SMAUG `DataType`, torch dtype; None
where the target has no such type). `nncc/ir.py`'s DTYPES, FLOAT_DTYPES, INT_DTYPES and
DTYPE_BYTES are views of this table; targets look their names up here.
"""
from __future__ import annotations

from typing import Any

from .record import FrozenRecord


class DType(FrozenRecord):
    name: str
    kind: str  # float | int | bool
    bytes: int
    numpy: str  # numpy type name of nncc's arrays of it
    onnx: str  # onnx.TensorProto.DataType name
    smaug: str | None  # SMAUG DataType name (SMAUG has no 8-bit integers or bfloat16)
    torch: str  # torch dtype attribute (the PyTorch target's generated code)
    __slots__ = ("name", "kind", "bytes", "numpy", "onnx", "smaug", "torch")

    def __init__(self, name: str, kind: str, bytes: int, numpy: str, onnx: str, smaug: str | None, torch: str) -> None:
        self.name = name
        self.kind = kind
        self.bytes = bytes
        self.numpy = numpy
        self.onnx = onnx
        self.smaug = smaug
        self.torch = torch


TABLE: dict[str, DType] = {d.name: d for d in (
    DType("f16", "float", 2, "float16", "FLOAT16", "Float16", "float16"),
    DType("bf16", "float", 2, "float32", "BFLOAT16", None, "bfloat16"),
    DType("f32", "float", 4, "float32", "FLOAT", "Float32", "float32"),
    DType("f64", "float", 8, "float64", "DOUBLE", "Float64", "float64"),
    DType("i8", "int", 1, "int8", "INT8", None, "int8"),
    DType("i32", "int", 4, "int32", "INT32", "Int32", "int32"),
    DType("i64", "int", 8, "int64", "INT64", "Int64", "int64"),
    DType("bool", "bool", 1, "bool_", "BOOL", "Bool", "bool"),
)}

DTYPES = tuple(TABLE)
FLOAT_DTYPES = tuple(n for n, d in TABLE.items() if d.kind == "float")
INT_DTYPES = tuple(n for n, d in TABLE.items() if d.kind == "int")
DTYPE_BYTES = {n: d.bytes for n, d in TABLE.items()}


def numpy_type(name: str) -> Any:
    """The numpy scalar type nncc keeps arrays of dtype `name` in (imports numpy)."""
    import numpy as np

    return getattr(np, TABLE[name].numpy)
