"""What every nncc command shares: the exit codes, reporting, option checks and suggestions.

The exit-code table lives here once; `nncc --help` and docs/diagnostics.md are made from it,
and `guard` maps every way a command can end onto it.
"""
from __future__ import annotations

import functools
import os
import sys
from typing import Any, Callable, Iterable

import click

from . import codes
from .diagnostics import (CompileError, Diagnostic, Sources, UsageError, did_you_mean, more_line, render_json,
                          render_text)

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


# ---------------------------------------------------------------- verbosity

_VERBOSITY = {"level": 0}  # -1 quiet, 0 normal, 1 verbose


def verbosity() -> int:
    return _VERBOSITY["level"]


def set_verbosity(quiet: bool, verbose: bool) -> None:
    if quiet and verbose:
        raise click.UsageError("-q and -v contradict each other; give one")
    _VERBOSITY["level"] = -1 if quiet else 1 if verbose else 0


def verbosity_options(f: Callable) -> Callable:
    def cb(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
        ctx.meta[f"nncc.{param.name}"] = value
        set_verbosity(bool(ctx.meta.get("nncc.quiet")), bool(ctx.meta.get("nncc.verbose")))
        return value

    f = click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=cb,
                     help="say more: each file, pass and option")(f)
    return click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=cb,
                        help="print only diagnostics: no progress, no `wrote` lines")(f)


def note(msg: str) -> None:
    """A line about the work (not a diagnostic): on stderr, not with -q."""
    if verbosity() >= 0:
        click.echo(msg, err=True)


def detail(msg: str) -> None:
    """A line shown only with -v."""
    if verbosity() > 0:
        click.echo(msg, err=True)


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
        click.echo(render_json(ds), file=stream)
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
            click.echo(render_text(d, srcs, color=color) + "\n", file=stream)
    if more or stopped:
        click.echo(more_line(more, stopped), file=stream)
    if hidden:
        click.echo(f"... and {hidden} more warning{'s' if hidden != 1 else ''} (the limit is max_diagnostics; "
                   "raise it with --limit max_diagnostics=N)", file=stream)
    n_err = sum(1 for d in ds if d.is_error) + more
    n_warn = sum(1 for d in ds if d.severity == "warning")
    parts = [f"{n} {what}{'s' if n != 1 else ''}" for n, what in ((n_err, "error"), (n_warn, "warning")) if n]
    if parts:
        click.echo(", ".join(parts), file=stream)


def guard(fn: Callable) -> Callable:
    """Map how a command ends onto the exit-code table; never show a traceback."""
    @functools.wraps(fn)
    def wrapper(*a: Any, **kw: Any) -> Any:
        try:
            return fn(*a, **kw)
        except UsageError as e:
            report(e.diagnostics, kw.get("fmt") or "text")
            sys.exit(EXIT_USAGE)
        except CompileError as e:
            report(e.diagnostics, kw.get("fmt") or "text", more=e.more, stopped=e.stopped)
            sys.exit(EXIT_INPUT)
        except (click.ClickException, click.exceptions.Exit, SystemExit, KeyboardInterrupt):
            raise
        except OSError as e:
            where = f"{e.filename}: " if getattr(e, "filename", None) else ""
            click.echo(f"error: {where}{e.strerror or e}", err=True)
            sys.exit(EXIT_USAGE)
        except RecursionError:
            click.echo(f"error[{codes.TOO_LARGE}]: the model nests too deeply to compile", err=True)
            sys.exit(EXIT_INPUT)
        except MemoryError:
            click.echo(f"error[{codes.TOO_LARGE}]: out of memory while compiling this model", err=True)
            sys.exit(EXIT_INPUT)
        except Exception as e:
            from .placement import Refused  # (imported here: `nncc lint` places no files)

            if isinstance(e, Refused):  # an output refused: a usage error
                report([Diagnostic(e.code, e.message, None, e.help)])
                sys.exit(EXIT_USAGE)
            # an internal compiler error: never show a traceback to users
            if os.environ.get("NNCC_DEBUG"):
                raise
            click.echo(f"internal error: {type(e).__name__}: {e}\n"
                       "this is a bug in nncc; set NNCC_DEBUG=1 for a traceback and report it", err=True)
            sys.exit(EXIT_INTERNAL)
    return wrapper


class Group(click.Group):
    """The `nncc` group: Ctrl-C exits 130 (the shell's convention), not click's `Aborted!` and 1,
    and a mistyped command gets a suggestion. Its commands are `lazy`, {name: "module:function"},
    each module imported when its command runs (or `--help` lists them), so that a command pays only
    for its own imports."""

    def __init__(self, *a: Any, lazy: dict[str, str] | None = None, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> Any:
        if name not in self.commands and name in self.lazy:
            import importlib

            module, _, attr = self.lazy[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            guess = did_you_mean(name, self.list_commands(ctx))
            ctx.fail(f"no such command {name!r}" + (f"; did you mean {guess!r}?" if guess else
                                                     f"; commands: {', '.join(self.list_commands(ctx))}"))
        return super().resolve_command(ctx, args)


# ---------------------------------------------------------------- options

def once(*decls: str, default: Any = None, **kw: Any) -> Callable:
    """An option that may be given once: `-t onnx -t lbann` is an error, not the last one silently."""
    def cb(ctx: click.Context, param: click.Parameter, value: tuple) -> Any:
        if len(value) > 1:
            raise click.BadParameter(f"given {len(value)} times ({', '.join(map(str, value))}); give it once",
                                     ctx, param)
        return value[0] if value else default
    return click.option(*decls, multiple=True, callback=cb, **kw)


def suggest(kind: str, name: str, known: Iterable[str]) -> str:
    known = list(known)
    starts = [k for k in known if k.lower().startswith(name.lower())]
    if 1 < len(starts) <= 6:
        return f"unknown {kind} {name!r}; did you mean one of {', '.join(map(repr, starts))}?"
    guess = starts[0] if starts else did_you_mean(name, known)
    return f"unknown {kind} {name!r}" + (f"; did you mean {guess!r}?" if guess else f"; {kind}s: {', '.join(known)}")


def target_name(name: str | None) -> str | None:
    """Check a target name (`-t`), case-insensitively; a usage error suggests the nearest."""
    from . import target as T

    if name is None:
        return None
    for n in (name, name.lower()):
        if n in T.BUILTIN and T.get(n) is not None:  # without listing every target: that imports them all
            return n                                 # and scans the installed packages' entry points
    known = T.available()
    if name in known:
        return name
    if name.lower() in known:
        return name.lower()
    raise click.BadParameter(suggest("target", name, known), param_hint="'-t' / '--target'")


def defines(items: tuple[str, ...], flag: str = "-D") -> dict[str, str]:
    out = {}
    for it in items:
        k, sep, v = it.partition("=")
        if not sep or not k.strip():
            raise click.UsageError(f"{flag} expects NAME=VALUE, got {it!r}")
        if k.strip() in out:
            raise click.UsageError(f"{flag} {k.strip()} given twice; give it once")
        out[k.strip()] = v.strip()
    return out


def stdin_model(path: str) -> tuple[str, bytes | None]:
    """`-` reads the model from standard input; diagnostics name it <stdin>."""
    if path != "-":
        if not os.path.lexists(path):  # a link to nothing is E007 at the file, like any file nncc cannot read
            raise click.BadParameter(f"no such file: {path}", param_hint="FILE")
        if os.path.isdir(path):
            raise click.BadParameter(f"{path} is a directory; give a model file", param_hint="FILE")
        return path, None
    from .limits import LIMITS

    data = sys.stdin.buffer.read(LIMITS["max_file_bytes"] + 1)
    STDIN_SOURCES["<stdin>"] = data.decode("utf-8", errors="replace")
    return "<stdin>", data


def check_passes(disable: tuple[str, ...], print_after: tuple[str, ...], pipeline: list[str],
                 target: str | None) -> None:
    """Every pass named must exist, run in this compile, and (for --disable-pass) be optional."""
    from .passes import PASSES

    for flag, names in (("--disable-pass", disable), ("--print-after", print_after)):
        for n in names:
            if n not in PASSES:
                raise click.BadParameter(suggest("pass", n, sorted(PASSES)), param_hint=flag)
            if n not in pipeline:
                where = f"for target {target}" if target else "without -t (only the common passes run)"
                raise click.BadParameter(f"pass {n!r} does not run {where}; passes that run: {', '.join(pipeline)}",
                                         param_hint=flag)
            if flag == "--disable-pass" and PASSES[n].required:
                raise click.BadParameter(f"pass {n!r} is required and cannot be disabled", param_hint=flag)


def pipeline_of(target: str | None) -> list[str]:
    from . import target as T
    from .driver import COMMON_PASSES, target_pipeline

    t = T.get(target) if target else None
    return list(COMMON_PASSES) + (target_pipeline(t) if t is not None else [])
