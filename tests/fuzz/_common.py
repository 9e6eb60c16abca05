"""The property every fuzz test checks: nncc answers with output or diagnostics, nothing else."""
from __future__ import annotations

import re

import yaml

from nncc.diagnostics import CompileError
from nncc.driver import compile_model, frontend

from .conftest import cpu_seconds, record, timed

_CODE = re.compile(r"^[EW]\d{3}$")


def run(test: str, text: str | bytes, *, target: str | None = "onnx", defines: dict[str, str] | None = None,
        name: str = "fuzz.yaml", options: dict[str, str] | None = None):
    """Compile (or, with target=None, run the front end on) `text`, with the target's `options` (-O).

    Returns the Result/Frontend, or None when nncc reported diagnostics. Any other exception
    (RecursionError, KeyError, ValueError from a back end, ...) propagates: that is a bug.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    t0 = cpu_seconds()
    try:
        if target is None:
            out = frontend(name, defines, data)
        else:
            out = compile_model(name, target, defines=defines, data=data, options=options)
    except CompileError as e:
        timed(test, cpu_seconds() - t0, data)
        assert e.diagnostics, "CompileError without diagnostics"
        for d in e.diagnostics:
            assert _CODE.match(d.code), d
            assert d.message and "Traceback" not in d.message, d
            assert d.code != "E999", d  # E999 is an internal error reported as a diagnostic
        record(test, "diag", [d.code for d in e.diagnostics if d.is_error])
        return None
    timed(test, cpu_seconds() - t0, data)
    record(test, "ok")
    return out


# libyaml's loader and dumper (the pure-Python ones were half of the cost of making an input)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load_yaml(text: str | bytes):
    return yaml.load(text, Loader=_LOADER)


def dump_yaml(doc, **kw) -> str:
    return yaml.dump(doc, Dumper=_DUMPER, **kw)
