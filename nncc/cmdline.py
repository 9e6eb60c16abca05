"""What every nncc command shares, without click: the exit codes, verbosity, printing, reporting
diagnostics, `guard` (how a command ends) and the helpers that read options' values.

Kept apart from click (nncc/cliutil.py holds the click side) so that `nncc lint` can run without
importing it (nncc/lintcmd.py). The exit-code table lives here once; `nncc --help` and
docs/diagnostics.md are made from it, and `guard` maps every way a command can end onto it.
"""
from __future__ import annotations

import functools
import os
import sys
from typing import Any, Callable, Iterable

from . import codes
from .diagnostics import CompileError, Diagnostic, Sources, UsageError, more_line, render_json, render_text

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "success: nothing wrong (warnings are allowed unless --strict)"),
    (EXIT_INPUT, "errors in the input: diagnostics were printed (or warnings, with --strict)"),
    (EXIT_USAGE, "the command cannot run as given: an unknown command, option, target, -O option, pass or "
                 "config key; a repeated or ignored flag; a missing or unreadable file; no model files found; "
                 "an output refused (E601-E603) or not writable"),
    (EXIT_INTERNAL, "an internal error: a bug in nncc (NNCC_DEBUG=1 shows the traceback)"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C); nothing half-written is left"),
)
EXITS = "\b\nExit codes:\n" + "\n".join(f"  {c:<4} {m}" for c, m in EXIT_CODES)  # a command's help epilog


class BadCommandLine(Exception):
    """The command cannot run as given (exit 2). Under click, `guard` turns it into click's UsageError (or
    BadParameter, naming `param`), which prints the command's usage line; elsewhere it reaches the caller:
    nncc/lintcmd.py then hands the command line to click, which reports it the same way."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message, self.param = message, param

    def for_click(self) -> Exception:
        import click

        return click.BadParameter(self.message, param_hint=self.param) if self.param else click.UsageError(self.message)


# ---------------------------------------------------------------- verbosity and printing

_VERBOSITY = {"level": 0}  # -1 quiet, 0 normal, 1 verbose


def verbosity() -> int:
    return _VERBOSITY["level"]


def set_verbosity(quiet: bool, verbose: bool) -> None:
    if quiet and verbose:
        raise BadCommandLine("-q and -v contradict each other; give one")
    _VERBOSITY["level"] = -1 if quiet else 1 if verbose else 0


def echo(message: str = "", err: bool = False, color: bool | None = None, file: Any = None, nl: bool = True) -> None:
    """A line on standard output (or `err`or, or `file`), as click.echo writes a string: escape sequences
    dropped unless `color` (or, when color is None, unless the stream is a terminal), flushed."""
    stream = file or (sys.stderr if err else sys.stdout)
    if stream is None:
        return
    text = message + "\n" if nl else message
    if "\x1b" in text and not (color if color is not None else _isatty(stream)):
        import re

        text = re.sub(r"\033\[[0-?]*[ -/]*[@-~]", "", text)
    try:
        stream.write(text)
    except UnicodeEncodeError:  # a stream that cannot show the text (an ASCII locale): its bytes as UTF-8
        stream.flush()
        stream.buffer.write(text.encode("utf-8", "replace"))
    stream.flush()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except Exception:
        return False


def note(msg: str) -> None:
    """A line about the work (not a diagnostic): on stderr, not with -q."""
    if verbosity() >= 0:
        echo(msg, err=True)


def detail(msg: str) -> None:
    """A line shown only with -v."""
    if verbosity() > 0:
        echo(msg, err=True)


# ---------------------------------------------------------------- reporting

STDIN_SOURCES: dict[str, str] = {}  # sources read from standard input, by the name diagnostics give them


def sources_of(paths: Iterable[str]) -> Sources:
    """The files diagnostics point into (standard input's text included), each read once, bounded."""
    from . import source

    return source.sources_of(paths, STDIN_SOURCES)


def unique(ds: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Each diagnostic once: a block used n times reports its problem once, not n times."""
    seen: set[tuple] = set()
    out = []
    for d in ds:
        s = d.span
        key = (d.code, d.message, (s.file, s.line, s.col) if s is not None else None)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def report(ds: list[Diagnostic], fmt: str = "text", stream: Any = None, more: int = 0,
           stopped: bool = False) -> None:
    """Diagnostics, each once, then `more` (errors left out past max_diagnostics) and the counts."""
    stream = stream or sys.stderr
    ds = unique(ds)
    if fmt == "json":
        echo(render_json(ds), file=stream)
        return
    from .limits import LIMITS

    color = stream.isatty() and os.environ.get("NO_COLOR") is None
    # warnings are shown up to max_diagnostics too (errors past it were only counted): 120,000 unused
    # params written out would otherwise print 120,000 excerpts of the line they share
    shown = [d for d in ds if d.is_error] + [d for d in ds if not d.is_error][:LIMITS["max_diagnostics"]]
    hidden = len(ds) - len(shown)
    keep = {id(d) for d in shown}
    srcs = sources_of(d.span.file for d in shown if d.span is not None)
    for d in ds:
        if id(d) in keep:
            echo(render_text(d, srcs, color=color) + "\n", file=stream)
    if more or stopped:
        echo(more_line(more, stopped), file=stream)
    if hidden:
        echo(f"... and {hidden} more warning{'s' if hidden != 1 else ''} (the limit is max_diagnostics; "
             "raise it with --limit max_diagnostics=N)", file=stream)
    n_err = sum(1 for d in ds if d.is_error) + more
    n_warn = sum(1 for d in ds if d.severity == "warning")
    parts = [f"{n} {what}{'s' if n != 1 else ''}" for n, what in ((n_err, "error"), (n_warn, "warning")) if n]
    if parts:
        echo(", ".join(parts), file=stream)


def guard(fn: Callable) -> Callable:
    """Map how a command ends onto the exit-code table; never show a traceback."""
    @functools.wraps(fn)
    def wrapper(*a: Any, **kw: Any) -> Any:
        try:
            return fn(*a, **kw)
        except BadCommandLine as e:
            click = sys.modules.get("click")
            if click is None or click.get_current_context(silent=True) is None:
                raise
            raise e.for_click() from None
        except UsageError as e:
            report(e.diagnostics, kw.get("fmt") or "text")
            sys.exit(EXIT_USAGE)
        except CompileError as e:
            report(e.diagnostics, kw.get("fmt") or "text", more=e.more, stopped=e.stopped)
            sys.exit(EXIT_INPUT)
        except (SystemExit, KeyboardInterrupt):
            raise
        except OSError as e:
            where = f"{e.filename}: " if getattr(e, "filename", None) else ""
            echo(f"error: {where}{e.strerror or e}", err=True)
            sys.exit(EXIT_USAGE)
        except RecursionError:
            echo(f"error[{codes.TOO_LARGE}]: the model nests too deeply to compile", err=True)
            sys.exit(EXIT_INPUT)
        except MemoryError:
            echo(f"error[{codes.TOO_LARGE}]: out of memory while compiling this model", err=True)
            sys.exit(EXIT_INPUT)
        except Exception as e:
            click = sys.modules.get("click")  # click's own exceptions are click's to report
            if click is not None and isinstance(e, (click.ClickException, click.exceptions.Exit)):
                raise
            from .placement import Refused  # (imported here: `nncc lint` places no files)

            if isinstance(e, Refused):  # an output refused: a usage error
                report([Diagnostic(e.code, e.message, None, e.help)])
                sys.exit(EXIT_USAGE)
            # an internal compiler error: never show a traceback to users
            if os.environ.get("NNCC_DEBUG"):
                raise
            echo(f"internal error: {type(e).__name__}: {e}\n"
                 "this is a bug in nncc; set NNCC_DEBUG=1 for a traceback and report it", err=True)
            sys.exit(EXIT_INTERNAL)
    return wrapper


def interrupted() -> None:
    """Ctrl-C: exit 130 (the shell's convention), not a traceback."""
    echo("\ninterrupted", err=True)
    sys.exit(EXIT_INTERRUPTED)


# ---------------------------------------------------------------- option values

def defines(items: tuple[str, ...], flag: str = "-D") -> dict[str, str]:
    out = {}
    for it in items:
        k, sep, v = it.partition("=")
        if not sep or not k.strip():
            raise BadCommandLine(f"{flag} expects NAME=VALUE, got {it!r}")
        if k.strip() in out:
            raise BadCommandLine(f"{flag} {k.strip()} given twice; give it once")
        out[k.strip()] = v.strip()
    return out


def stdin_model(path: str) -> tuple[str, bytes | None]:
    """`-` reads the model from standard input; diagnostics name it <stdin>."""
    if path != "-":
        if not os.path.lexists(path):  # a link to nothing is E007 at the file, like any file nncc cannot read
            raise BadCommandLine(f"no such file: {path}", "FILE")
        if os.path.isdir(path):
            raise BadCommandLine(f"{path} is a directory; give a model file", "FILE")
        return path, None
    from .limits import LIMITS

    data = sys.stdin.buffer.read(LIMITS["max_file_bytes"] + 1)
    STDIN_SOURCES["<stdin>"] = data.decode("utf-8", errors="replace")
    return "<stdin>", data
