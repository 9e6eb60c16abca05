"""Resource limits: how much a model file may make nncc read, build and allocate.

One table for the whole compiler; every check reads it when it runs, so a change
takes effect for the next compile. Exceeding a limit is a diagnostic (E005, E006,
E105), reported before the work it guards is done. See docs/security.md.

Ways to change a limit, later ones winning:
  * the environment: NNCC_LIMITS="max_nodes=500000,max_repeat=100000"
  * the command line: --max-nodes, --max-repeat, --max-weight-bytes, --max-file-bytes,
    or --limit NAME=VALUE for any name below (several allowed)
  * from Python: nncc.limits.configure(max_nodes=500_000), or the `override(...)`
    context manager (restores the old values afterwards)
Values are integers; `_` separators and the suffixes K, M, G (powers of 1024) are accepted.
"""
from __future__ import annotations

import contextlib
import os
from typing import Iterator

from .cliopts import MULTIPLE, Opt

DEFAULTS: dict[str, int] = {
    # reading the file (nncc/source.py)
    "max_file_bytes": 10 * 1024 * 1024,   # E006: size of a model file
    "max_yaml_nodes": 200_000,            # E005: YAML nodes that aliases add (alias/anchor bombs; a file's own
                                          # nodes are bounded by max_file_bytes)
    "max_depth": 64,                      # E005: YAML nesting (maps and lists inside each other)
    "max_scalar_chars": 100_000,          # E005: one YAML scalar (a string, an expression)
    "max_yaml_chars": 16 * 1024 * 1024,   # E005: characters of all scalars, aliases expanded
    # expressions (nncc/syntax.py, nncc/elaborate.py)
    "max_expr_depth": 200,                # E105: nesting inside one expression (brackets, operators)
    "max_int_bits": 4096,                 # E310: size of a compile-time integer (2**4096 ≈ 1e1233)
    "max_list": 100_000,                  # E005: length of a compile-time list or string
    # elaboration (nncc/elaborate.py)
    "max_nodes": 100_000,                 # E005: graph nodes that blocks and repeat make (lines written out
                                          # are bounded by max_file_bytes)
    "max_repeat": 10_000,                 # E005: one repeat count (and the layers lstm/gru stack)
    "max_call_depth": 64,                 # E308: blocks calling blocks
    "max_diagnostics": 100,               # errors reported per file; the rest are counted ("and K more")
    "max_steps": 2_000_000,               # E005: expressions evaluated, block calls included (2^40 calls of 1 KB)
    # shapes and weights (nncc/passes/infer_shapes.py, nncc/weights.py)
    "max_dim": 2 ** 40,                   # E005: one dimension of any tensor
    "max_tensor_elements": 2 ** 50,       # E005: elements of one tensor (per sample when N is symbolic)
    "max_weight_elements": 2 ** 34,       # E005: elements of one weight
    "max_weight_bytes": 4 * 1024 ** 3,    # E005: all weights of the model together (and of a --weights file)
}

LIMITS: dict[str, int] = dict(DEFAULTS)

ENV_VAR = "NNCC_LIMITS"
_SUFFIX = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4}


def parse_value(text: str) -> int:
    """'4G' → 4294967296, '100_000' → 100000; ValueError for anything else or a value < 1."""
    t = text.strip().replace("_", "").lower()
    if t.endswith("b") and len(t) > 1 and t[-2] in _SUFFIX:
        t = t[:-1]
    mult = 1
    if t and t[-1] in _SUFFIX:
        mult, t = _SUFFIX[t[-1]], t[:-1]
    if not t.isdigit() or len(t) > 30:
        raise ValueError(f"expected a positive integer (K/M/G suffixes allowed), got {text!r}")
    v = int(t) * mult
    if v < 1:
        raise ValueError(f"a limit must be at least 1, got {text!r}")
    return v


def configure(**values: int) -> None:
    """Set limits by name; KeyError for an unknown name, ValueError for a value < 1."""
    for k, v in values.items():
        if k not in DEFAULTS:
            raise KeyError(f"unknown limit {k!r}; limits: {', '.join(DEFAULTS)}")
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"limit {k} must be a positive integer, got {v!r}")
    LIMITS.update(values)


def reset() -> None:
    LIMITS.clear()
    LIMITS.update(DEFAULTS)


@contextlib.contextmanager
def override(**values: int) -> Iterator[dict[str, int]]:
    old = dict(LIMITS)
    try:
        configure(**values)
        yield LIMITS
    finally:
        LIMITS.clear()
        LIMITS.update(old)


def parse_assignments(text: str, source: str = ENV_VAR) -> dict[str, int]:
    """'a=1,b=2K' → {'a': 1, 'b': 2048}; ValueError naming the bad entry."""
    out: dict[str, int] = {}
    for item in text.replace(";", ",").split(","):
        if not item.strip():
            continue
        k, sep, v = item.partition("=")
        k = k.strip().replace("-", "_")
        if not sep:
            raise ValueError(f"{source}: expected NAME=VALUE, got {item.strip()!r}")
        if k not in DEFAULTS:
            raise ValueError(f"{source}: unknown limit {k!r}; limits: {', '.join(DEFAULTS)}")
        try:
            out[k] = parse_value(v)
        except ValueError as e:
            raise ValueError(f"{source}: {k}: {e}") from None
    return out


ENV_ERROR: str | None = None


def apply_env() -> None:
    """Apply NNCC_LIMITS; a malformed value is kept in ENV_ERROR (the CLI reports it) and ignored."""
    global ENV_ERROR
    ENV_ERROR = None
    text = os.environ.get(ENV_VAR)
    if not text:
        return
    try:
        LIMITS.update(parse_assignments(text))
    except ValueError as e:
        ENV_ERROR = str(e)


apply_env()


# the command line's limit options (nncc/cliopts.py), taken by apply_options
OPTIONS = (
    Opt("--max-nodes", dest="max_nodes", convert=parse_value, metavar="N",
        help=f"most graph nodes after expansion [{DEFAULTS['max_nodes']}]"),
    Opt("--max-repeat", dest="max_repeat", convert=parse_value, metavar="N",
        help=f"largest repeat count [{DEFAULTS['max_repeat']}]"),
    Opt("--max-weight-bytes", dest="max_weight_bytes", convert=parse_value, metavar="N",
        help=f"total size of all weights, e.g. 16G [{DEFAULTS['max_weight_bytes']}]"),
    Opt("--max-file-bytes", dest="max_file_bytes", convert=parse_value, metavar="N",
        help=f"largest model file read [{DEFAULTS['max_file_bytes']}]"),
    Opt("--limit", dest="limit_pairs", kind=MULTIPLE, metavar="NAME=VALUE",
        help="set a resource limit (see docs/security.md); also NNCC_LIMITS=NAME=VALUE,..."),
)


def apply_options(params: dict) -> None:
    """Take the limit options out of a command's parameters and apply them; the values in effect go to the
    environment too, for worker processes (lint -j). BadCommandLine for a bad --limit or NNCC_LIMITS."""
    from .cmdline import BadCommandLine

    chosen = {o.dest: params.pop(o.dest) for o in OPTIONS}
    pairs = chosen.pop("limit_pairs") or ()
    if ENV_ERROR:
        raise BadCommandLine(ENV_ERROR)
    try:
        extra = parse_assignments(",".join(pairs), "--limit") if pairs else {}
    except ValueError as e:
        raise BadCommandLine(str(e)) from None
    extra.update({k: v for k, v in chosen.items() if v is not None})
    configure(**extra)
    changed = {k: v for k, v in LIMITS.items() if v != DEFAULTS[k]}
    if changed:
        os.environ[ENV_VAR] = ",".join(f"{k}={v}" for k, v in changed.items())
