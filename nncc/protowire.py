"""Protobuf wire-format pieces for writing large byte payloads without copying them into messages.

Targets that write big tensors (ONNX initializers, SMAUG's params file) build the
small message parts with protobuf and append the raw bytes themselves.
"""
from __future__ import annotations


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def length_delimited(field_number: int, payload_len: int) -> bytes:
    """The key and length that precede a length-delimited field (wire type 2) of `payload_len` bytes."""
    return varint((field_number << 3) | 2) + varint(payload_len)
