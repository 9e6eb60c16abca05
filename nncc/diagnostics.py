"""One Diagnostic type for every user-facing error and warning, and its renderers.

A diagnostic carries a stable code (a constant of `nncc.codes`, whose catalogue
docs/diagnostics.md and docs/rules.md are generated from), a one-line message, a
span in a source file, and an optional `help` line and notes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from .codes import CATALOGUE


@dataclass(frozen=True)
class Span:
    """A range in a source file; lines and columns are 1-based, `end_col` exclusive."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass
class Note:
    message: str
    span: Span | None = None


@dataclass
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    help: str | None = None
    severity: str = ""  # error | warning | note; "" takes the code's own
    notes: list[Note] = field(default_factory=list)

    def __post_init__(self) -> None:
        entry = CATALOGUE.get(self.code)
        if entry is None:
            raise ValueError(f"diagnostic code {self.code!r} is not in the catalogue (nncc/codes.py)")
        self.severity = self.severity or entry.severity
        if self.severity not in (entry.severity, "note"):
            raise ValueError(f"{self.code} is {entry.severity}, not {self.severity}")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict:
        d: dict = {"code": self.code, "severity": self.severity, "message": self.message}
        if self.span is not None:
            s = self.span
            d.update(file=s.file, line=s.line, col=s.col, end_line=s.end_line, end_col=s.end_col)
        if self.help:
            d["help"] = self.help
        if self.notes:
            d["notes"] = [
                {"message": n.message, **({"file": n.span.file, "line": n.span.line, "col": n.span.col} if n.span else {})}
                for n in self.notes
            ]
        return d


class CompileError(Exception):
    """Raised to abandon a compile; carries every diagnostic found so far."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(f"{d.code}: {d.message}" for d in self.diagnostics))


class DiagnosticBag:
    """Collects diagnostics so independent errors can be reported in one run."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, d: Diagnostic | None) -> Diagnostic | None:
        if d is not None:  # None stands for an error already reported upstream
            self.items.append(d)
        return d

    def error(self, code: str, message: str, span: Span | None = None, help: str | None = None,
              notes: list[Note] | None = None) -> Diagnostic:
        return self.add(Diagnostic(code, message, span, help, "error", notes or []))

    def warning(self, code: str, message: str, span: Span | None = None, help: str | None = None) -> Diagnostic:
        return self.add(Diagnostic(code, message, span, help, "warning"))

    def extend(self, ds: Iterable[Diagnostic | None]) -> None:
        self.items.extend(d for d in ds if d is not None)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)

    def raise_if_errors(self) -> None:
        if self.has_errors:
            raise CompileError(self.items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


# ---------------------------------------------------------------- rendering

_COLORS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "note": "\x1b[1;36m", "help": "\x1b[1;32m",
           "bold": "\x1b[1m", "blue": "\x1b[1;34m", "reset": "\x1b[0m"}


def render_text(d: Diagnostic, sources: dict[str, str] | None = None, color: bool = False) -> str:
    """rustc-style rendering: header, source line, caret under the span, help."""
    def c(name: str, s: str) -> str:
        return f"{_COLORS[name]}{s}{_COLORS['reset']}" if color else s

    sources = sources or {}
    head = f"{c(d.severity, f'{d.severity}[{d.code}]')}: {c('bold', d.message)}"
    out = [f"{d.span}: {head}" if d.span else head]
    if d.span is not None:
        out.extend(_snippet(d.span, sources.get(d.span.file), c))
    for n in d.notes:
        where = f" ({n.span})" if n.span else ""
        out.append(f"   = note: {n.message}{where}")
    if d.help:
        out.append(f"   = {c('help', 'help')}: {d.help}")
    return "\n".join(out)


def _snippet(span: Span, text: str | None, c) -> list[str]:
    if text is None:
        return []
    lines = text.splitlines()
    if not 1 <= span.line <= len(lines):
        return []
    src = lines[span.line - 1].expandtabs(1)
    width = len(str(span.line))
    pad = " " * width
    start = max(span.col - 1, 0)
    if span.end_line == span.line:
        end = max(span.end_col - 1, start + 1)
    else:
        end = max(len(src), start + 1)
    end = min(end, max(len(src), start + 1))
    return [
        f"{pad} {c('blue', '|')}",
        f"{c('blue', str(span.line))} {c('blue', '|')} {src}",
        f"{pad} {c('blue', '|')} {' ' * start}{c('error', '^' * (end - start))}",
    ]


def render_json(ds: list[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in ds], indent=2, sort_keys=True)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate by edit distance, if it is close enough to be a typo."""
    import difflib

    cands = sorted(set(candidates))
    best = difflib.get_close_matches(name, cands, n=1, cutoff=0.6)
    if best:
        return best[0]
    low = {cand.lower(): cand for cand in cands}
    return low.get(name.lower())
