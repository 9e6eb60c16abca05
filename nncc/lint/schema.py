"""A JSON Schema (draft-07) of the model file, for editors (yaml-language-server) and CI.

It checks structure only — sections, which keys a mapping may hold, scalar vs
list vs mapping — not what the expressions inside the scalars mean; `nncc lint`
does that. It is generated from the same tables the compiler reads (sections,
train schemas, target options), so it cannot drift from them.
"""
from __future__ import annotations

import json
from typing import Any

DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_ID = "https://nncc.dev/schema/model-v1.json"

_EXPR = {"type": ["string", "number", "boolean"], "description": "an nncc expression"}
_NAME = {"pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"}
_KIND: dict[str, dict[str, Any]] = {
    "int": {"type": ["integer", "string"]},
    "float": {"type": ["number", "string"]},
    "bool": {"type": ["boolean", "string"]},
    "str": {"type": ["string", "number", "boolean"]},
    "ints": {"type": ["array", "integer", "string"], "items": {"type": ["integer", "string"]}},
    "floats": {"type": ["array", "number", "string"], "items": {"type": ["number", "string"]}},
    "list": {"type": ["array", "string"], "items": {"type": "string"}},
    "any": {},
}


def _field(f: Any, doc: str = "") -> dict[str, Any]:
    if f.kind == "choice":
        s: dict[str, Any] = {"enum": list(f.choices)}
    else:
        s = dict(_KIND.get(f.kind, {}))
    if doc or f.doc:
        s["description"] = doc or f.doc
    if f.default is not None and f.kind != "special":
        try:
            json.dumps(f.default)  # the "required" marker is not JSON: no default then
            s["default"] = f.default
        except TypeError:
            pass
    return s


def _obj(props: dict[str, Any], required: list[str] | None = None, extra: Any = False) -> dict[str, Any]:
    s: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": extra}
    if required:
        s["required"] = required
    return s


def _calls(table: dict[str, Any]) -> dict[str, Any]:
    names = "|".join(sorted(table, key=len, reverse=True))
    return {"type": "string", "pattern": rf"^\s*({names})\s*(\(.*\))?\s*$",
            "description": "one of: " + ", ".join(table)}


def train_schema() -> dict[str, Any]:
    from ..train import (
        CALLBACKS,
        DATA_FIELDS,
        DISTRIBUTED_FIELDS,
        OPTIMIZERS,
        SCHEDULES,
        TRAIN_FIELDS,
        TRANSFORMS,
        R,
    )

    def fields(schema: dict[str, Any]) -> dict[str, Any]:
        return {k: _field(f) for k, f in schema.items() if f.kind != "special"}

    data_props = fields(DATA_FIELDS)
    data_props["transforms"] = {"type": "array", "items": _calls(TRANSFORMS)}
    data_source = _obj(data_props, [k for k, f in DATA_FIELDS.items() if f.default is R])
    props = fields(TRAIN_FIELDS)
    props.update({
        "loss": {"oneOf": [_EXPR, {"type": "array", "items": _EXPR, "minItems": 1}],
                 "description": "a loss expression, e.g. cross_entropy(logits, label), or a list of them"},
        "metrics": {"oneOf": [_EXPR, {"type": "array", "items": _EXPR},
                              {"type": "object", "additionalProperties": _EXPR, "propertyNames": _NAME}]},
        "optimizer": _calls(OPTIMIZERS),
        "schedule": {"oneOf": [_calls(SCHEDULES), {"type": "array", "items": _calls(SCHEDULES), "minItems": 1,
                                                   "maxItems": 2}],
                     "description": "a schedule, or [warmup(...), schedule] (a warm-up, then a schedule counted "
                                    "from its end)"},
        "checkpoint": {"oneOf": [_calls({"checkpoint": CALLBACKS["checkpoint"]}),
                                 _obj(fields(CALLBACKS["checkpoint"]))],
                       "description": "checkpoint(every=…, …) or {every: …, dir: …, unit: …, after: …}"},
        "callbacks": {"oneOf": [_calls(CALLBACKS), {"type": "array", "items": _calls(CALLBACKS)}]},
        "data": _obj({r: data_source for r in ("train", "validate", "test")}),
        "distributed": _obj(fields(DISTRIBUTED_FIELDS)),
    })
    return _obj(props, [k for k, f in TRAIN_FIELDS.items() if f.default is R])


def targets_schema() -> dict[str, Any]:
    from .. import target as T

    props: dict[str, Any] = {}
    for name in T.available():
        t = T.get(name)
        if t is None:
            continue
        opts: dict[str, Any] = {}
        for o in t.options:
            s: dict[str, Any] = {"enum": list(o.choices)} if o.choices else dict(_KIND.get(o.kind, {}))
            if o.help:
                s["description"] = o.help
            opts[o.name] = s
        props[name] = {"oneOf": [_obj(opts), {"type": "null"}], "description": t.description}
    return _obj(props)


def model_schema() -> dict[str, Any]:
    from ..ir import DTYPES
    from ..model import LANGUAGE_VERSIONS

    dtype = "|".join(sorted(DTYPES, key=len, reverse=True))
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "nncc model file",
        "description": "A neural-network model for nncc (https://github.com/nncc/nncc); see docs/language.md.",
        "type": "object",
        "additionalProperties": False,
        "required": ["inputs", "graph", "outputs"],
        "properties": {
            "nncc": {"enum": [*LANGUAGE_VERSIONS, *map(str, LANGUAGE_VERSIONS)],
                     "description": "the language version the file is written in: 1"},
            "model": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_.-]*$", "description": "the model's name"},
            "doc": {"type": "string", "description": "what the model is"},
            "params": {"type": ["object", "null"], "additionalProperties": {**_EXPR, "type": [*_EXPR["type"], "null"]},
                       "propertyNames": _NAME,
                       "description": "compile-time constants: name: expression (override with -D name=value)"},
            "inputs": {"type": "object", "propertyNames": _NAME, "minProperties": 1,
                       "additionalProperties": {"type": "string",
                                                "pattern": rf"^\s*({dtype})\s*\[[^\]]*\]\s*$",
                                                "description": "a tensor type, e.g. f32[N, 3, 32, 32]"},
                       "description": "the model's inputs and their types"},
            "blocks": {"type": ["object", "null"],
                       "propertyNames": {"pattern": r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*\(.*\)\s*$"},
                       "additionalProperties": {"type": "object", "additionalProperties": _EXPR,
                                                "required": ["return"]},
                       "description": "reusable sub-graphs: `name(params): {line: expr, ..., return: expr}`"},
            "graph": {"type": "object", "minProperties": 1,
                      "propertyNames": {"pattern": r"^\s*[A-Za-z_][A-Za-z0-9_]*(\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*\s*$"},
                      "additionalProperties": _EXPR,
                      "description": "one `name: expression` line per layer, in order"},
            "outputs": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}],
                        "description": "the graph values the model returns"},
            "train": train_schema(),
            "targets": targets_schema(),
        },
    }
