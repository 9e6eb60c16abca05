"""Protobuf text format, written fast: the same text as `text_format.MessageToString(msg)`.

protobuf's printer spends most of its time in per-field bookkeeping; at 50,000
layers it dominated compile time (bench/bench_scale.py). This one walks the same
`ListFields()` with a writer per field type chosen once per field descriptor, and
hands the messages it does not format itself (`google.protobuf.Any`, maps,
extensions) to protobuf's printer. `tests/test_textproto.py` checks that both give
byte-identical text on every target's output for every sample.
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

from google.protobuf import descriptor, text_encoding, text_format
from google.protobuf.internal import type_checkers

FD = descriptor.FieldDescriptor
Writer = Callable[[list[str], Any, int], None]
_WRITERS: dict[Any, Writer] = {}
# protobuf's default (True since 4.x: non-ASCII text unescaped), so both printers agree on every version
AS_UTF8: bool = inspect.signature(text_format.MessageToString).parameters["as_utf8"].default


class _Unsupported(Exception):
    pass


def message_to_string(msg: Any) -> str:
    out: list[str] = []
    try:
        _message(out, msg, 0)
    except _Unsupported:
        return text_format.MessageToString(msg)
    return "".join(out)


def _message(out: list[str], msg: Any, indent: int) -> None:
    if msg.DESCRIPTOR.full_name == "google.protobuf.Any":
        out.append(text_format.MessageToString(msg, indent=indent))
        return
    for field, value in msg.ListFields():
        w = _WRITERS.get(field)
        if w is None:
            w = _WRITERS[field] = _writer(field)
        if field.is_repeated:
            for v in value:
                w(out, v, indent)
        else:
            w(out, value, indent)


def _writer(field: Any) -> Writer:
    if field.is_extension or (field.message_type is not None and field.message_type.GetOptions().map_entry) \
            or field.type == FD.TYPE_GROUP:
        raise _Unsupported(field.full_name)
    head = field.name + (": " if field.cpp_type != FD.CPPTYPE_MESSAGE else " ")
    cpp = field.cpp_type
    if cpp == FD.CPPTYPE_MESSAGE:
        def w(out: list[str], v: Any, indent: int) -> None:
            pad = " " * indent
            out.append(f"{pad}{head}{{\n")
            _message(out, v, indent + 2)
            out.append(f"{pad}}}\n")
        return w
    if cpp == FD.CPPTYPE_ENUM:
        names = {v.number: v.name for v in field.enum_type.values}
        return lambda out, v, indent: out.append(f"{' ' * indent}{head}{names.get(v, v)}\n")
    if cpp == FD.CPPTYPE_STRING:
        utf8 = AS_UTF8 and field.type != FD.TYPE_BYTES  # binary data is always escaped

        def s(out: list[str], v: Any, indent: int) -> None:
            raw = v.encode("utf-8") if isinstance(v, str) and not AS_UTF8 else v
            out.append(f'{" " * indent}{head}"{text_encoding.CEscape(raw, utf8)}"\n')
        return s
    if cpp == FD.CPPTYPE_BOOL:
        return lambda out, v, indent: out.append(f"{' ' * indent}{head}{'true' if v else 'false'}\n")
    if cpp == FD.CPPTYPE_FLOAT:
        def f(out: list[str], v: Any, indent: int) -> None:
            text = str(v) if math.isnan(v) else str(type_checkers.ToShortestFloat(v))
            out.append(f"{' ' * indent}{head}{text}\n")
        return f
    return lambda out, v, indent: out.append(f"{' ' * indent}{head}{v}\n")
