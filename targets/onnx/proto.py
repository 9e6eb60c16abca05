"""The part of onnx.proto that nncc writes, encoded straight onto protobuf's wire format.

Importing the `onnx` package costs more than a ResNet's lowering (it loads its C++ checker, its
operator schemas and importlib.metadata), and writing a model needs none of that: a model is a
handful of messages whose field numbers are fixed by onnx.proto. Each function here returns the
bytes of one message, fields in field-number order as protobuf writes them, each set field
written as `onnx.helper`'s make_* functions set it (proto2: a field that is set is written even
when it holds its default; repeated numbers unpacked). tests/test_onnx_proto.py checks the bytes
against the onnx package's on every sample and for every kind of attribute.
"""
from __future__ import annotations

import numbers
import struct
from collections.abc import Iterable, Sequence

from nncc.protowire import length_delimited, varint

# TensorProto.DataType, the values nncc's dtypes use (names as in onnx.proto)
DATA_TYPE = {"FLOAT": 1, "INT8": 3, "INT32": 6, "INT64": 7, "BOOL": 9, "FLOAT16": 10, "DOUBLE": 11, "BFLOAT16": 16}
# AttributeProto.AttributeType
FLOAT, INT, STRING, FLOATS, INTS, STRINGS = 1, 2, 3, 6, 7, 8


def _int(field: int, v: int) -> bytes:
    return varint(field << 3) + varint(v & 0xFFFF_FFFF_FFFF_FFFF)  # int64: a negative is 10 bytes


def _float(field: int, v: float) -> bytes:
    return varint(field << 3 | 5) + struct.pack("<f", v)


def _bytes(field: int, b: bytes) -> bytes:
    return length_delimited(field, len(b)) + b


def _str(field: int, s: str) -> bytes:
    return _bytes(field, s.encode("utf-8"))


def _each(field: int, items: Iterable[bytes]) -> bytes:
    return b"".join(_bytes(field, b) for b in items)


def attribute(name: str, value: object) -> bytes:
    """AttributeProto as `helper.make_attribute` makes it from a number, a string or a list of one kind."""
    out = _str(1, name)  # name = 1
    if isinstance(value, numbers.Integral):
        return out + _int(3, int(value)) + _int(20, INT)  # i = 3, type = 20
    if isinstance(value, numbers.Real):
        return out + _float(2, float(value)) + _int(20, FLOAT)  # f = 2
    if isinstance(value, str):
        return out + _str(4, value) + _int(20, STRING)  # s = 4
    items = list(value)  # type: ignore[call-overload]
    if items and all(isinstance(v, numbers.Integral) for v in items):
        return out + b"".join(_int(8, int(v)) for v in items) + _int(20, INTS)  # ints = 8
    if items and all(isinstance(v, numbers.Real) for v in items):
        return out + b"".join(_float(7, float(v)) for v in items) + _int(20, FLOATS)  # floats = 7
    if items and all(isinstance(v, str) for v in items):
        return out + _each(9, (v.encode("utf-8") for v in items)) + _int(20, STRINGS)  # strings = 9
    raise TypeError(f"attribute {name!r}: {value!r} is not a number, a string or a non-empty list of one kind")


def node(op_type: str, inputs: Sequence[str], outputs: Sequence[str], name: str, domain: str | None = None,
         **attrs: object) -> bytes:
    """NodeProto as `helper.make_node` makes it: attributes sorted by name, None ones left out."""
    out = _each(1, (s.encode("utf-8") for s in inputs)) + _each(2, (s.encode("utf-8") for s in outputs))
    if name:
        out += _str(3, name)
    out += _str(4, op_type)
    out += _each(5, (attribute(k, v) for k, v in sorted(attrs.items()) if v is not None))
    if domain is not None:
        out += _str(7, domain)
    return out


def value_info(name: str, elem_type: int, dims: Sequence[int | str]) -> bytes:
    """ValueInfoProto of a tensor: TypeProto.tensor_type {elem_type, shape {dim: dim_value | dim_param}}."""
    shape = _each(1, (_int(1, d) if isinstance(d, int) else _str(2, d) for d in dims))
    tensor = _int(1, elem_type) + _bytes(2, shape)
    return _str(1, name) + _bytes(2, _bytes(1, tensor))


def tensor_header(name: str, dims: Sequence[int], data_type: int) -> bytes:
    """TensorProto without its data: dims = 1, data_type = 2, name = 8 (raw_data = 9 follows on the wire)."""
    return b"".join(_int(1, d) for d in dims) + _int(2, data_type) + _str(8, name)


def model(ir_version: int, producer: tuple[str, str], graph_name: str, nodes: Sequence[bytes],
          inputs: Sequence[bytes], outputs: Sequence[bytes], doc: str, opsets: Sequence[tuple[str, int]]) -> bytes:
    """ModelProto as `helper.make_model(helper.make_graph(...))` makes it, without initializers."""
    graph = _each(1, nodes) + _str(2, graph_name) + (_str(10, doc) if doc else b"") + _each(11, inputs) \
        + _each(12, outputs)
    opset_import = _each(8, (_str(1, d) + _int(2, v) for d, v in opsets))
    return _int(1, ir_version) + _str(2, producer[0]) + _str(3, producer[1]) + _bytes(7, graph) + opset_import
