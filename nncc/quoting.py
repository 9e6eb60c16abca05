"""Strings from model files on their way into generated text: one check or quoting rule per kind of output.

Every target passes each string that came from a model file or the command line
through this module before it reaches what it writes:

* **names** that become file names and job names (the model's name, `job_name`):
  `name_problem` — a strict pattern, and a length that leaves room for the longest
  suffix a target adds and for the temporary file name (nncc/output.py) under the
  255-byte limit of a file name on any host;
* **shell scripts** (launch scripts): `shell_word` quotes a value as one word, and
  `comment` makes text safe inside a `#` comment (one line, no control characters);
  the Jinja environment of `script_env` offers both as the filters `sh` and `comment`;
* **host names** (hostfiles): `host_problem`;
* **Python source** (the PyTorch project): `python_literal`, and `docstring` for text inside one;
* **prototext**: protobuf's text_format escapes string fields itself; comments above
  the message go through `comment`.
Option values are checked against their kind (`value_problem`, called by
nncc/target.py) before any target sees them.
"""
from __future__ import annotations

import math
import re
import shlex
from typing import Any

NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
WORD_PATTERN = re.compile(r"[A-Za-z0-9_.+-]+")         # job names, partitions, accounts, backends
PATH_PATTERN = re.compile(r"[A-Za-z0-9_./+-]+")         # an executable or a file a script names
HOST_PATTERN = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")
FILE_NAME_MAX = 255          # bytes in one file name (Linux, macOS, Windows)
SUFFIX_MAX = 32              # the longest suffix a target adds to the model's name (`_params.pb`, `.onnx.data`)
MAX_NAME = 128               # FILE_NAME_MAX - SUFFIX_MAX - output.TEMP_OVERHEAD, rounded down
MAX_TEXT = 4096              # any other string option
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def name_problem(s: str) -> str | None:
    """Why `s` cannot be a model or job name (it becomes a file name), or None."""
    if not NAME_PATTERN.fullmatch(s):
        return "a name starts with a letter or `_` and holds only letters, digits and `_.-`"
    if len(s) > MAX_NAME:
        return f"a name has at most {MAX_NAME} characters (it becomes a file name), this one {len(s)}"
    return None


def host_problem(s: str) -> str | None:
    if len(s) > 253 or not HOST_PATTERN.fullmatch(s):
        return f"`{printable(s)}` is not a host name (letters, digits, `.` and `-`) or an IP address"
    return None


def value_problem(kind: str, value: Any) -> str | None:
    """Why a target option's string of this kind is refused, or None.

    kinds: word (job names, queues), path (a file or executable), hosts (comma-separated
    host names), text (anything printable on one line)."""
    s = str(value)
    if len(s) > (MAX_NAME if kind == "word" else MAX_TEXT):
        return f"has at most {MAX_NAME if kind == 'word' else MAX_TEXT} characters, got {len(s)}"
    if _CONTROL.search(s):
        return "may not hold control characters (newlines, escapes)"
    if kind == "word" and s and not WORD_PATTERN.fullmatch(s):
        return "may only hold letters, digits and `_.+-`"
    if kind == "path" and s and not PATH_PATTERN.fullmatch(s):
        return "must be a plain path: letters, digits and `_./+-`"
    if kind == "hosts":
        return next((p for p in (host_problem(h.strip()) for h in s.split(",") if h.strip()) if p), None)
    return None


def printable(s: str, limit: int = 80) -> str:
    """`s` for a message or a comment: control characters escaped, long text cut."""
    out = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), s)
    return out if len(out) <= limit else out[:limit] + "…"


def shell_word(s: Any) -> str:
    """One shell word holding exactly `s` (POSIX single quotes)."""
    return shlex.quote(str(s))


def comment(s: Any) -> str:
    """Text for a `#` comment line of a script or a prototext: one line, control characters escaped."""
    return printable(str(s), limit=200)


def script_env(read: Any) -> Any:
    """A Jinja environment for scripts: `read(name)` gives a template's text; filters `sh` and `comment`."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FunctionLoader(read), keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["sh"] = shell_word
    env.filters["comment"] = comment
    return env


def python_literal(v: Any, indent: int = -1) -> str:
    """Generated Python source (the PyTorch project): a literal for a value of the IR or a setting.

    Numbers, strings, bools, None, lists, tuples and dicts; a string becomes a literal that holds
    exactly it, whatever it contains.

    With `indent` >= 0, a literal longer than a line is written one item a line (as ruff formats it).
    """
    flat = _py(v)
    if indent < 0 or len(flat) + indent <= 88 or not isinstance(v, (list, dict)) or not v:
        return flat
    pad = " " * (indent + 4)
    if isinstance(v, dict):
        items = [f"{pad}{_py(k)}: {python_literal(x, indent + 4)}," for k, x in v.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{python_literal(x, indent + 4)}," for x in v]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def _py(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_py(k)}: {_py(x)}" for k, x in v.items()) + "}"
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, float):
        return f'float("{v}")' if math.isinf(v) or math.isnan(v) else repr(v)
    if isinstance(v, str):
        import json  # (imported here: `nncc lint` loads this module and writes no literal)

        return json.dumps(v)  # a valid Python literal for any string: quotes, backslashes, newlines escaped
    if isinstance(v, (list, tuple)):
        items = [_py(x) for x in v]
        if isinstance(v, tuple):
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return "[" + ", ".join(items) + "]"
    return repr(v)


def docstring(s: Any) -> str:
    """Text inside a Python docstring: one line, control characters escaped, no backslash or quote left to end it."""
    return printable(str(s), limit=400).replace("\\", "\\\\").replace('"', "'")
