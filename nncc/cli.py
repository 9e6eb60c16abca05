"""The `nncc` command line: a thin click layer over nncc.driver.

Exit codes: 0 success; 1 errors in the input (diagnostics printed); 2 usage
errors (bad options, missing files) and internal errors.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterable

import click

from . import __version__, codes
from .diagnostics import CompileError, Diagnostic, Sources, more_line, render_json, render_text
from .limits import click_options as _limit_options

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


def sources_of(paths: Iterable[str]) -> Sources:
    """The files diagnostics point into, each read once the bounded way (nncc.source.read_source)."""
    from .source import read_source

    out = Sources()
    for p in dict.fromkeys(paths):
        try:
            out.texts[p] = read_source(p).decode("utf-8", errors="replace")
        except CompileError:
            pass  # the diagnostic says why; it is shown without an excerpt
    return out


def report(ds: list[Diagnostic], fmt: str = "text", stream=None, more: int = 0, stopped: bool = False) -> None:
    stream = stream or sys.stderr
    if fmt == "json":
        click.echo(render_json(ds), file=stream)
        return
    color = stream.isatty() and os.environ.get("NO_COLOR") is None
    srcs = sources_of(d.span.file for d in ds if d.span is not None)
    for d in ds:
        click.echo(render_text(d, srcs, color=color) + "\n", file=stream)
    if more or stopped:
        click.echo(more_line(more, stopped), file=stream)
    n_err = sum(1 for d in ds if d.is_error) + more
    n_warn = sum(1 for d in ds if d.severity == "warning")
    if n_err or n_warn:
        parts = []
        if n_err:
            parts.append(f"{n_err} error{'s' if n_err != 1 else ''}")
        if n_warn:
            parts.append(f"{n_warn} warning{'s' if n_warn != 1 else ''}")
        click.echo(", ".join(parts), file=stream)


def _defines(items: tuple[str, ...], flag: str = "-D") -> dict[str, str]:
    out = {}
    for it in items:
        k, sep, v = it.partition("=")
        if not sep or not k.strip():
            raise click.UsageError(f"{flag} expects NAME=VALUE, got {it!r}")
        out[k.strip()] = v.strip()
    return out


def _guard(fn):
    """Turn CompileError into diagnostics + exit 1, and any bug into a short message + exit 2."""
    import functools

    @functools.wraps(fn)
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except CompileError as e:
            report(e.diagnostics, kw.get("fmt", "text") or "text", more=e.more, stopped=e.stopped)
            sys.exit(EXIT_INPUT)
        except (click.ClickException, click.exceptions.Exit, SystemExit, KeyboardInterrupt):
            raise
        except OSError as e:
            click.echo(f"error: {e.strerror or e}: {getattr(e, 'filename', '') or ''}", err=True)
            sys.exit(EXIT_USAGE)
        except RecursionError:
            click.echo(f"error[{codes.TOO_LARGE}]: the model nests too deeply to compile", err=True)
            sys.exit(EXIT_INPUT)
        except MemoryError:
            click.echo(f"error[{codes.TOO_LARGE}]: out of memory while compiling this model", err=True)
            sys.exit(EXIT_INPUT)
        except Exception as e:  # an internal compiler error: never show a traceback to users
            if os.environ.get("NNCC_DEBUG"):
                raise
            click.echo(f"internal error: {type(e).__name__}: {e}\n"
                       "this is a bug in nncc; set NNCC_DEBUG=1 for a traceback and report it", err=True)
            sys.exit(EXIT_USAGE)
    return wrapper


def _pass_options(f):
    f = click.option("--disable-pass", "disable", multiple=True, metavar="PASS", help="skip a pass")(f)
    f = click.option("--print-after", multiple=True, metavar="PASS", help="print the IR after PASS")(f)
    f = click.option("--print-after-all", is_flag=True, help="print the IR after every pass")(f)
    f = click.option("--verify-each", is_flag=True, help="verify the IR after every pass")(f)
    return f


def _check_passes(names: tuple[str, ...]) -> None:
    from .passes import PASSES

    for n in names:
        if n not in PASSES:
            raise click.UsageError(f"unknown pass {n!r}; passes: {', '.join(sorted(PASSES))}")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="nncc")
def main() -> None:
    """nncc — compile neural-network models written in YAML to ONNX, LBANN, SINGA and SMAUG.

    \b
    Exit codes: 0 ok, 1 errors in the input, 2 usage or internal error.
    """


@main.command("compile")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-t", "--target", default="onnx", show_default=True, help="back end (see `nncc targets`)")
@click.option("-o", "--output", metavar="PATH", help="output file, or a directory ending in /")
@click.option("-D", "defines", multiple=True, metavar="NAME=VALUE", help="override a param")
@click.option("-O", "topts", multiple=True, metavar="KEY=VALUE", help="set a target option")
@click.option("--seed", type=click.IntRange(0, 2 ** 32 - 1), default=0, show_default=True,
              help="seed for drawing weights from their initializers (0 to 2^32-1)")
@click.option("--weights", type=click.Path(dir_okay=False), help="load weights from an .npz instead")
@click.option("--opt-level", type=click.IntRange(0, 2), default=None, help="0 none, 1 structural, 2 numeric")
@click.option("--pass-stats", is_flag=True, help="show how often each pass fired and its time")
@click.option("--fsync", is_flag=True, default=None,
              help="flush the files to disk before renaming them into place (also NNCC_FSYNC=1)")
@_pass_options
@_limit_options
@_guard
def compile_cmd(file: str, target: str, output: str | None, defines: tuple[str, ...], topts: tuple[str, ...],
                seed: int, weights: str | None, opt_level: int | None, pass_stats: bool, fsync: bool | None,
                disable: tuple[str, ...], print_after: tuple[str, ...], print_after_all: bool,
                verify_each: bool) -> None:
    """Compile FILE for a target and write its files."""
    from .driver import compile_model, place
    from .output import write_files

    _check_passes(disable + print_after)
    if not os.path.lexists(file):  # a link to nothing is E007 at the file, like any file nncc cannot read
        raise click.UsageError(f"no such file: {file}")
    res = compile_model(file, target, defines=_defines(defines), seed=seed, weights=weights,
                        options=_defines(topts, "-O"), disable=set(disable), print_after=set(print_after),
                        print_after_all=print_after_all, verify_each=verify_each, opt_level=opt_level,
                        printer=lambda s: click.echo(s, err=True), stem=_output_stem(output))
    if res.frontend.warnings:
        report(res.frontend.warnings)
    files = place(res.outputs, output)
    write_files(files, fsync=fsync or None)
    for path in files:
        click.echo(f"wrote {path}", err=True)
    if pass_stats:
        click.echo(f"{'pass':<20} {'fired':>6} {'changed':>8} {'ms':>9}", err=True)
        for s in res.stats:
            click.echo(f"{s.name:<20} {s.fired:>6} {'yes' if s.modified else 'no':>8} {s.seconds * 1e3:>9.2f}",
                       err=True)


def _output_stem(output: str | None) -> str | None:
    """`-o DIR/FILE.ext` names the files FILE.*; a folder (or no -o) keeps the model's name."""
    if output is None or output.endswith(("/", os.sep)) or os.path.isdir(output):
        return None
    return os.path.splitext(os.path.basename(output))[0] or None


def _lint_options(f):
    f = click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
                     help="worker processes (default: one per CPU, when there are enough files)")(f)
    f = click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                     help="config file (default: .nncc.toml or pyproject.toml [tool.nncc], searched upwards)")(f)
    f = click.option("--output-file", type=click.Path(dir_okay=False), default=None,
                     help="write the report to a file instead of standard output")(f)
    f = click.option("--ignore", default=None, metavar="CODES", help="comma-separated codes or prefixes to drop")(f)
    f = click.option("--select", default=None, metavar="CODES",
                     help="comma-separated codes or prefixes to report (default: all)")(f)
    f = click.option("--strict", is_flag=True, help="warnings fail too (exit 1)")(f)
    f = click.option("--models-only", is_flag=True,
                     help="skip YAML files without a top-level `nncc:` or `graph:` key even when named "
                     "(for pre-commit)")(f)
    f = click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
                     show_default=True, help="text for people, json, sarif (code scanning), github (annotations)")(f)
    f = click.option("-D", "defines", multiple=True, metavar="NAME=VALUE", help="override a param")(f)
    f = click.argument("paths", nargs=-1, type=click.Path())(f)
    return f


def _run_lint(paths: tuple[str, ...], defines: tuple[str, ...], fmt: str, strict: bool, models_only: bool,
              select: str | None, ignore: str | None, output_file: str | None, config_path: str | None,
              jobs: int | None, fix: bool = False, targets: tuple[str, ...] | None = None) -> None:
    from .lint import config as C
    from .lint.report import render
    from .lint.runner import discover, run

    try:
        cfg = C.load(config_path) if config_path else C.discover()
        if select is not None:
            cfg.select = C._codes(select.split(","), "--select", "command line")
        if ignore is not None:
            cfg.ignore = cfg.ignore + C._codes(ignore.split(","), "--ignore", "command line")
    except C.ConfigError as e:
        raise click.UsageError(str(e)) from None
    except OSError as e:
        raise click.UsageError(f"cannot read config: {e}") from None
    try:
        files = discover(paths or (".",), cfg)
        if models_only:
            files = [(p, False) for p, _ in files]
    except FileNotFoundError as e:
        raise click.UsageError(f"no such file or directory: {e.filename}") from None
    results = [r for r in run(files, cfg, _defines(defines), targets=targets, fix=fix, jobs=jobs) if not r.skipped]
    stream = open(output_file, "w", encoding="utf-8") if output_file else sys.stdout
    try:
        color = fmt == "text" and stream.isatty() and os.environ.get("NO_COLOR") is None
        text = render(results, fmt, color)
        if text:
            click.echo(text, file=stream, color=color)
    finally:
        if output_file:
            stream.close()
    diags = [f.diag for r in results for f in r.findings]
    if any(d.code == codes.INTERNAL_ERROR for d in diags):
        sys.exit(EXIT_USAGE)
    failed = any(d.is_error or (strict and d.severity == "warning") for d in diags)
    sys.exit(EXIT_INPUT if failed else EXIT_OK)


@main.command()
@_lint_options
@click.option("--fix", is_flag=True, help="apply the safe fixes, keeping comments and key order")
@_limit_options
def lint(paths: tuple[str, ...], defines: tuple[str, ...], fmt: str, strict: bool, models_only: bool,
         select: str | None, ignore: str | None, output_file: str | None, config_path: str | None,
         jobs: int | None, fix: bool) -> None:
    """Check model files (and directories of them): syntax, names, types, shapes and the W-rules.

    \b
    Nothing is written (except by --fix) and no target is compiled; see `nncc check`.
    Rules: docs/rules.md. Suppress one line with `# nncc: ignore[W101]`.
    Exit codes: 0 clean, 1 errors (or warnings with --strict), 2 usage or internal error.
    """
    _run_lint(paths, defines, fmt, strict, models_only, select, ignore, output_file, config_path, jobs, fix=fix)


@main.command()
@_lint_options
@click.option("--targets", "targets_opt", default=None, metavar="all|T1,T2",
              help="targets to compile for (default: [tool.nncc] targets, else the file's `targets:`, else onnx)")
@_limit_options
def check(paths: tuple[str, ...], defines: tuple[str, ...], fmt: str, strict: bool, models_only: bool,
          select: str | None, ignore: str | None, output_file: str | None, config_path: str | None,
          jobs: int | None, targets_opt: str | None) -> None:
    """Lint model files, then compile each for each target in memory (nothing is written).

    \b
    Exit codes: 0 clean, 1 errors (or warnings with --strict), 2 usage or internal error.
    """
    from . import target as T

    targets: tuple[str, ...] = ()
    if targets_opt:
        targets = tuple(x.strip() for x in targets_opt.split(",") if x.strip())
        if targets != ("all",):
            unknown = [t for t in targets if T.get(t) is None]
            if unknown:
                raise click.UsageError(f"unknown target{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                                       f"targets: all, {', '.join(T.available())}")
    _run_lint(paths, defines, fmt, strict, models_only, select, ignore, output_file, config_path, jobs,
              targets=targets)


@main.command()
@click.option("--indent", default=2, show_default=True, help="JSON indentation")
def schema(indent: int) -> None:
    """Print a JSON Schema of the model file (for yaml-language-server and other editors)."""
    import json

    from .lint.schema import model_schema

    click.echo(json.dumps(model_schema(), indent=indent))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-D", "defines", multiple=True, metavar="NAME=VALUE", help="override a param")
@click.option("-t", "--target", default=None, help="show the graph as this target will see it")
@_limit_options
@_guard
def summary(file: str, defines: tuple[str, ...], target: str | None) -> None:
    """Per layer: name, op, output shape, parameters, FLOPs; totals; the training setup."""
    from .summary import summarize

    click.echo(summarize(file, _defines(defines), target))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-D", "defines", multiple=True, metavar="NAME=VALUE", help="override a param")
@click.option("-t", "--target", default=None, help="run the target's passes too")
@_pass_options
@_limit_options
@_guard
def ir(file: str, defines: tuple[str, ...], target: str | None, disable: tuple[str, ...],
       print_after: tuple[str, ...], print_after_all: bool, verify_each: bool) -> None:
    """Print the IR of FILE as text."""
    from .driver import compile_model, frontend
    from .passes import PassManager
    from .printer import print_graph

    _check_passes(disable + print_after)
    printer = lambda s: click.echo(s)  # noqa: E731
    if target:
        res = compile_model(file, target, defines=_defines(defines), disable=set(disable),
                            print_after=set(print_after), print_after_all=print_after_all,
                            verify_each=verify_each, printer=printer, emit=False)
        g = res.frontend.graph
    else:
        from .driver import COMMON_PASSES

        pm = PassManager(list(COMMON_PASSES), disabled=set(disable), print_after=set(print_after),
                         print_after_all=print_after_all, verify_each=verify_each, printer=printer)
        g = frontend(file, _defines(defines), passes=pm).graph
    click.echo(print_graph(g))


@main.command()
def targets() -> None:
    """List the targets and their options (with defaults)."""
    from . import target as T

    for name in T.available():
        t = T.get(name)
        assert t is not None
        click.echo(f"{t.name:<8} {t.description}")
        for o in t.options:
            choices = f" [{'|'.join(map(str, o.choices))}]" if o.choices else \
                f" [{o.lo}..{o.hi}]" if o.kind == "int" else ""
            click.echo(f"    {o.name:<20} default {o.default!r:<14} {o.help}{choices}")
        click.echo()


@main.command()
@click.argument("name", required=False)
def ops(name: str | None) -> None:
    """List the op catalogue, or show one op's signature."""
    from .ops import lookup, public

    if name:
        o = lookup(name)
        if o is None or o.hidden:
            raise click.UsageError(f"unknown op {name!r}")
        click.echo(o.signature())
        click.echo(f"  {o.doc}")
        return
    for o in public():
        click.echo(f"{o.signature()}\n    {o.doc}")


if __name__ == "__main__":  # pragma: no cover
    main()
