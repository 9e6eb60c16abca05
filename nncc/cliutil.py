"""The click side of nncc's command line: the `nncc` group, and click's parameters built from the option
tables of nncc/cliopts.py (the same tables a plain `nncc lint` is read with, without click).

What commands share without click (exit codes, reporting, `guard`) is nncc/cmdline.py.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Iterable

import click

from . import limits
from .cliopts import ARGS, FLAG, MULTIPLE, ONCE, VERBOSITY, VERBOSITY_OPTIONS, Opt
from .cmdline import BadCommandLine, interrupted, set_verbosity
from .diagnostics import did_you_mean


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
            interrupted()

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


def params(opts: Iterable[Opt]) -> Callable:
    """Decorator: click's parameters for a table of Opt, in the table's order."""
    def deco(f: Callable) -> Callable:
        for o in reversed(tuple(opts)):
            f = _param(o)(f)
        return f
    return deco


def _param(o: Opt) -> Callable:
    if o.kind == ARGS:
        return click.argument(o.dest, nargs=-1, type=click.Path(), metavar=o.metavar)
    if o.kind == VERBOSITY:
        return click.option(*o.decls, is_flag=True, expose_value=False, callback=_verbosity, help=o.help)
    if o.kind == FLAG:
        return click.option(*o.decls, o.dest, is_flag=True, help=o.help)
    kw: dict[str, Any] = {"metavar": o.metavar, "help": o.help}
    if o.choices is not None:
        kw["type"] = click.Choice(o.choices)
    elif o.bounds is not None:
        kw["type"] = click.IntRange(*o.bounds)
    elif o.file is not None:
        kw["type"] = click.Path(dir_okay=False, exists=o.file == "existing")
    elif o.convert is not None:
        kw["callback"] = functools.partial(_convert, o.convert)
    if o.kind == ONCE:
        return once(*o.decls, o.dest, default=o.default, **kw)
    return click.option(*o.decls, o.dest, multiple=o.kind == MULTIPLE, default=o.default, **kw)


def _convert(convert: Callable[[str], Any], ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value is None:
        return None
    try:
        return convert(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def _verbosity(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    ctx.meta[f"nncc.{param.name}"] = value
    try:
        set_verbosity(bool(ctx.meta.get("nncc.quiet")), bool(ctx.meta.get("nncc.verbose")))
    except BadCommandLine as e:
        raise e.for_click() from None
    return value


verbosity_options = params(VERBOSITY_OPTIONS)


def limit_options(f: Callable) -> Callable:
    """Decorator: the resource-limit options (nncc/limits.py OPTIONS), applied before the command runs."""
    @functools.wraps(f)
    def wrapper(*a: Any, **kw: Any) -> Any:
        try:
            limits.apply_options(kw)
        except BadCommandLine as e:
            raise e.for_click() from None
        return f(*a, **kw)
    return params(limits.OPTIONS)(wrapper)


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
