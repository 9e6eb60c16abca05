"""One Diagnostic type for every user-facing error and warning, and its renderers.

A diagnostic carries a stable code (a constant of `nncc.codes`, whose catalogue
docs/diagnostics.md and docs/rules.md are generated from), a one-line message, a
span in a source file, and an optional `help` line and notes.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Protocol, Union, overload

from .codes import CATALOGUE
from .record import FrozenRecord, Record


class Span(FrozenRecord):
    """A range in a source file; lines and columns are 1-based, `end_col` exclusive."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int
    __slots__ = ("file", "line", "col", "end_line", "end_col")

    def __init__(self, file: str, line: int, col: int, end_line: int, end_col: int) -> None:
        self.file = file
        self.line = line
        self.col = col
        self.end_line = end_line
        self.end_col = end_col

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class HasSpan(Protocol):
    """A place whose file span is worked out only when asked (ast.Pos: where an argument was written;
    most are never shown, and mapping each to a line and column cost lint 15 % of its time)."""

    @property
    def span(self) -> Span: ...


SpanLike = Union[Span, HasSpan]


@overload
def resolved(s: SpanLike) -> Span: ...
@overload
def resolved(s: SpanLike | None) -> Span | None: ...
def resolved(s: SpanLike | None) -> Span | None:
    return s if s is None or isinstance(s, Span) else s.span


class Note(Record):
    message: str
    span: Span | None
    __slots__ = ("message", "span")

    def __init__(self, message: str, span: Span | None = None) -> None:
        self.message = message
        self.span = span


class Diagnostic(Record):
    code: str
    message: str
    span: Span | None
    help: str | None
    severity: str  # error | warning | note; "" takes the code's own
    notes: list[Note]
    __slots__ = ("code", "message", "span", "help", "severity", "notes")

    def __init__(self, code: str, message: str, span: Span | None = None, help: str | None = None, severity: str = "",
                 notes: list[Note] | None = None) -> None:
        self.code = code
        self.message = message
        self.span = span
        self.help = help
        self.severity = severity
        self.notes = [] if notes is None else notes
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
    """Raised to abandon a compile; carries the diagnostics found so far, and how many more
    errors were left out past the limit of max_diagnostics."""

    def __init__(self, diagnostics: Iterable[Diagnostic], more: int = 0, stopped: bool = False):
        self.diagnostics = list(diagnostics)
        self.more = more
        self.stopped = stopped  # the front end stopped looking once max_diagnostics errors were found
        super().__init__("\n".join(f"{d.code}: {d.message}" for d in self.diagnostics))


class UsageError(CompileError):
    """Diagnostics about the command line (an unknown target, a bad -O) rather than the model: exit 2."""


class DiagnosticBag:
    """Collects diagnostics so independent errors can be reported in one run; past
    LIMITS["max_diagnostics"] errors it only counts them (`more`), and `full` tells the
    front end to stop looking for more."""

    def __init__(self) -> None:
        from .limits import LIMITS

        self.items: list[Diagnostic] = []
        self.errors = 0
        self.more = 0
        self.stopped = False
        self.limit = LIMITS["max_diagnostics"]

    def add(self, d: Diagnostic | None) -> Diagnostic | None:
        if d is None:  # None stands for an error already reported upstream
            return d
        if d.is_error:
            if self.errors >= self.limit:
                self.more += 1
                return d
            self.errors += 1
        self.items.append(d)
        return d

    @property
    def full(self) -> bool:
        """Whether the bag holds max_diagnostics errors; a caller that stops looking says `stopped`."""
        self.stopped = self.stopped or self.errors >= self.limit
        return self.errors >= self.limit

    def error(self, code: str, message: str, span: Span | None = None, help: str | None = None,
              notes: list[Note] | None = None) -> Diagnostic:
        d = Diagnostic(code, message, span, help, "error", notes or [])
        self.add(d)
        return d

    def warning(self, code: str, message: str, span: Span | None = None, help: str | None = None) -> Diagnostic:
        d = Diagnostic(code, message, span, help, "warning")
        self.add(d)
        return d

    def extend(self, ds: Iterable[Diagnostic | None]) -> None:
        for d in ds:
            self.add(d)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)

    def raise_if_errors(self) -> None:
        if self.has_errors:
            raise CompileError(self.items, self.more, self.stopped)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


# ---------------------------------------------------------------- rendering

_COLORS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "note": "\x1b[1;36m", "help": "\x1b[1;32m",
           "bold": "\x1b[1m", "blue": "\x1b[1;34m", "reset": "\x1b[0m"}


class Sources:
    """Source texts for excerpts, each split into lines once, however many diagnostics it has.

    A line longer than EXCERPT_WIDTH is shown as a window around the span."""

    def __init__(self, texts: dict[str, str] | None = None):
        self.texts = dict(texts or {})
        self._starts: dict[str, list[int]] = {}

    def line(self, path: str, n: int) -> str | None:
        text = self.texts.get(path)
        if text is None:
            return None
        starts = self._starts.get(path)
        if starts is None:
            starts, i = [0], text.find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = text.find("\n", i + 1)
            self._starts[path] = starts
        if not 1 <= n <= len(starts) or (n == len(starts) and starts[-1] == len(text) and n > 1):
            return None
        end = starts[n] - 1 if n < len(starts) else len(text)
        return text[starts[n - 1]:end].rstrip("\r")


EXCERPT_WIDTH = 160
_CONTROL = str.maketrans({9: "→", **{i: "\ufffd" for i in [*range(9), *range(10, 0x20), *range(0x7f, 0xa0)]}})


def clean(s: str) -> str:
    """Text for a terminal: control characters (escape sequences, carriage returns) escaped."""
    if s.isprintable():
        return s
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii") for ch in s)


def render_text(d: Diagnostic, sources: Sources | dict[str, str] | None = None, color: bool = False) -> str:
    """rustc-style rendering: header, source line, caret under the span, help."""
    def c(name: str, s: str) -> str:
        return f"{_COLORS[name]}{s}{_COLORS['reset']}" if color else s

    src = sources if isinstance(sources, Sources) else Sources(sources)
    head = f"{c(d.severity, f'{d.severity}[{d.code}]')}: {c('bold', clean(d.message))}"
    out = [f"{clean(str(d.span))}: {head}" if d.span else head]
    if d.span is not None:
        out.extend(_snippet(d.span, src.line(d.span.file, d.span.line), c))
    for n in d.notes:
        where = f" ({clean(str(n.span))})" if n.span else ""
        out.append(f"   = note: {clean(n.message)}{where}")
    if d.help:
        out.append(f"   = {c('help', 'help')}: {clean(d.help)}")
    return "\n".join(out)


def more_line(more: int, stopped: bool = False) -> str:
    """The line that stands for the errors left out past max_diagnostics ("" when none were)."""
    if not more and not stopped:
        return ""
    what = f"... and {more} more error{'s' if more != 1 else ''}" if more else "..."
    rest = "; the rest of the file was not checked" if stopped else ""
    return f"{what}{rest} (the limit is max_diagnostics; raise it with --limit max_diagnostics=N)"


def _snippet(span: Span, line: str | None, c) -> list[str]:
    if line is None:
        return []
    start = max(span.col - 1, 0)
    end = max(span.end_col - 1, start + 1) if span.end_line == span.line else max(len(line), start + 1)
    end = min(end, max(len(line), start + 1))
    if len(line) > EXCERPT_WIDTH:  # a window around the span, marked with … where it cuts
        lo = max(0, min(start - EXCERPT_WIDTH // 4, len(line) - EXCERPT_WIDTH))
        hi = lo + EXCERPT_WIDTH
        line = ("…" if lo else "") + line[lo:hi] + ("…" if hi < len(line) else "")
        shift = lo - (1 if lo else 0)
        start, end = start - shift, min(end, hi) - shift
    src = line.translate(_CONTROL)  # a tab shown as →, control characters as �: one column each, the caret aligned
    pad = " " * len(str(span.line))
    return [
        f"{pad} {c('blue', '|')}",
        f"{c('blue', str(span.line))} {c('blue', '|')} {src}",
        f"{pad} {c('blue', '|')} {' ' * start}{c('error', '^' * max(1, end - start))}",
    ]


def render_json(ds: list[Diagnostic]) -> str:
    import json

    return json.dumps([d.to_dict() for d in ds], indent=2, sort_keys=True)


SUGGEST_FROM = 1000  # candidates a suggestion considers (the first ones, in the order given)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate by edit distance, if it is close enough to be a typo.

    Bounded: a name longer than 64 characters gets no suggestion, and only the first
    SUGGEST_FROM candidates of a length that could match are compared."""
    import difflib
    import itertools

    if len(name) > 64:
        return None
    n = len(name)
    near = (c for c in candidates if isinstance(c, str) and 0.6 * (n + len(c)) <= 2 * min(n, len(c)) or
            isinstance(c, str) and c.lower() == name.lower())
    cands = sorted(set(itertools.islice(near, SUGGEST_FROM)))
    best = difflib.get_close_matches(name, cands, n=1, cutoff=0.6)
    if best:
        return best[0]
    low = {cand.lower(): cand for cand in cands}
    return low.get(name.lower())
