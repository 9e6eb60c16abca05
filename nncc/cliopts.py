"""A command's options as data, without click: nncc/cliutil.py builds click's parameters from a table of
`Opt`, and `parse` reads a plain command line with the same table, so that `nncc lint` can run without
importing click (nncc/entry.py; click's import is a third of lint's start-up, issue 22).

`parse` follows click's parser for what it accepts (options before, between or after the arguments;
`--opt=value`, `--opt value`, `-j4`, `-qv`; `--` ends the options; the last of a repeated option wins)
and answers None for everything else — help, an unknown option, a value click would refuse — so the
caller hands that command line to click, which reports it as it always has.
"""
from __future__ import annotations

import os
import stat
from typing import Any, Callable

FLAG, VALUE, ONCE, MULTIPLE, ARGS, VERBOSITY = "flag", "value", "once", "multiple", "args", "verbosity"


class Opt:
    """One parameter of a command. `kind`: FLAG (on/off), VALUE (the last given wins), ONCE (a value that may
    be given once), MULTIPLE (every value, in order), ARGS (the positional paths), VERBOSITY (-q/-v: flags,
    one at most, that set nncc.cmdline's verbosity instead of reaching the command). A value is a string unless it has
    `choices`, `bounds` (an integer in [lo, hi]), `file` ("any": a path that is not a directory; "existing":
    one that exists and is readable) or `convert` (str → value, ValueError when it is not one)."""

    __slots__ = ("decls", "dest", "kind", "default", "help", "metavar", "choices", "bounds", "file", "convert")

    def __init__(self, *decls: str, dest: str, kind: str = VALUE, default: Any = None, help: str = "",
                 metavar: str | None = None, choices: tuple[str, ...] | None = None,
                 bounds: tuple[int, int] | None = None, file: str | None = None,
                 convert: Callable[[str], Any] | None = None) -> None:
        self.decls, self.dest, self.kind, self.default, self.help = decls, dest, kind, default, help
        self.metavar, self.choices, self.bounds, self.file, self.convert = metavar, choices, bounds, file, convert

    def __repr__(self) -> str:
        return f"Opt({', '.join(self.decls) or self.dest})"


VERBOSITY_OPTIONS = (
    Opt("-q", "--quiet", dest="quiet", kind=VERBOSITY, help="print only diagnostics: no progress, no `wrote` lines"),
    Opt("-v", "--verbose", dest="verbose", kind=VERBOSITY, help="say more: each file, pass and option"),
)


def parse(opts: tuple[Opt, ...], argv: list[str]) -> dict[str, Any] | None:
    """The parameters click passes for `argv` ({dest: value}; VERBOSITY options as booleans), or None when
    click should read this command line itself."""
    names = {d: o for o in opts for d in o.decls}
    given: dict[str, list[str]] = {}
    args: list[str] = []
    i, only_args = 0, False
    while i < len(argv):
        a = argv[i]
        i += 1
        if only_args or a == "-" or not a.startswith("-"):
            args.append(a)
            continue
        if a == "--":
            only_args = True
            continue
        if a in ("-h", "--help"):
            return None
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            o = names.get(name)
            if o is None:
                return None
            if o.kind in (FLAG, VERBOSITY):
                if eq:
                    return None
                given.setdefault(o.dest, []).append("")
                continue
            if not eq:
                if i == len(argv):
                    return None
                value, i = argv[i], i + 1
            given.setdefault(o.dest, []).append(value)
            continue
        for k in range(1, len(a)):  # -q, -qv, -j4, -j 4, -DNAME=VALUE
            o = names.get("-" + a[k])
            if o is None:
                return None
            if o.kind in (FLAG, VERBOSITY):
                given.setdefault(o.dest, []).append("")
                continue
            value = a[k + 1:]
            if not value:
                if i == len(argv):
                    return None
                value, i = argv[i], i + 1
            given.setdefault(o.dest, []).append(value)
            break
    out: dict[str, Any] = {}
    for o in opts:
        vals = given.get(o.dest, [])
        if o.kind == ARGS:
            out[o.dest] = tuple(args)
        elif o.kind in (FLAG, VERBOSITY):
            out[o.dest] = bool(vals)
        elif not vals:
            out[o.dest] = () if o.kind == MULTIPLE else o.default
        elif o.kind == ONCE and len(vals) > 1:
            return None
        else:
            conv = [_convert(o, v) for v in vals]
            if any(c is _REFUSED for c in conv):
                return None
            out[o.dest] = tuple(conv) if o.kind == MULTIPLE else conv[-1]
    if args and not any(o.kind == ARGS for o in opts):
        return None
    if sum(out[o.dest] for o in opts if o.kind == VERBOSITY) > 1:  # -q and -v: click's callbacks refuse the pair
        return None
    return out


_REFUSED = object()


def _convert(o: Opt, value: str) -> Any:
    """What click's type makes of `value`, or _REFUSED where click would report it (or might)."""
    if o.choices is not None:
        return value if value in o.choices else _REFUSED
    if o.bounds is not None:
        lo, hi = o.bounds
        return int(value) if value.isascii() and value.isdigit() and lo <= int(value) <= hi else _REFUSED
    if o.file is not None:
        try:
            st = os.stat(value)
        except OSError:
            return _REFUSED if o.file == "existing" else value
        return value if not stat.S_ISDIR(st.st_mode) and os.access(value, os.R_OK) else _REFUSED
    if o.convert is not None:
        try:
            return o.convert(value)
        except ValueError:
            return _REFUSED
    return value
