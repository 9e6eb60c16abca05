"""The commands that check model files without writing them: lint, check, and the schema editors use.

Loaded by the `nncc` group (nncc/cli.py) when one of them runs; `nncc lint` imports this, the
group and nncc/cliutil.py, and no other command's module (tests/test_cli.py).
"""
from __future__ import annotations

import os
import sys
from typing import Callable

import click

from . import codes
from .cliutil import (EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXITS, STDIN_SOURCES, check_passes, defines, guard, once,
                      pipeline_of, stdin_model, suggest, target_name, verbosity, verbosity_options)
from .limits import click_options as _limit_options

def _lint_options(f: Callable) -> Callable:
    f = click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
                     help="worker processes (default: one per CPU, when there are enough files)")(f)
    f = once("--config", "config_path", type=click.Path(dir_okay=False, exists=True), default=None,
             help="config file (default: .nncc.toml or pyproject.toml [tool.nncc], searched upwards)")(f)
    f = once("--output-file", type=click.Path(dir_okay=False), default=None,
             help="write the report to a file instead of standard output")(f)
    f = click.option("--ignore", default=None, metavar="CODES", help="comma-separated codes or prefixes to drop")(f)
    f = click.option("--select", default=None, metavar="CODES",
                     help="comma-separated codes or prefixes to report (default: all)")(f)
    f = click.option("--strict", is_flag=True, help="warnings fail too (exit 1)")(f)
    f = click.option("--models-only", is_flag=True,
                     help="skip YAML files without a top-level `nncc:` or `graph:` key even when named "
                     "(for pre-commit)")(f)
    f = once("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
             help="text for people, json, sarif (code scanning), github (annotations) [default: text]")(f)
    f = click.option("-D", "defines_", multiple=True, metavar="NAME=VALUE", help="override a param")(f)
    f = verbosity_options(f)
    f = click.argument("paths", nargs=-1, type=click.Path(), metavar="[PATH|-]...")(f)
    return f


def _run_lint(paths: tuple[str, ...], defines_: tuple[str, ...], fmt: str, strict: bool, models_only: bool,
              select: str | None, ignore: str | None, output_file: str | None, config_path: str | None,
              jobs: int | None, fix: bool = False, targets: tuple[str, ...] | None = None,
              options: dict[str, str] | None = None, opt_level: int | None = None,
              disable: frozenset[str] = frozenset()) -> None:
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
    if "-" in paths:
        if len(paths) > 1 or fix:
            raise click.UsageError("- (standard input) is the only path, and cannot be --fix'ed")
        name, data = stdin_model("-")
        results = run([(name, True)], cfg, defines(defines_), targets=targets, jobs=1, data={name: data or b""},
                      options=options, opt_level=opt_level, disable=disable)
    else:
        try:
            files = discover(paths or (".",), cfg)
            if models_only:
                files = [(p, False) for p, _ in files]
        except FileNotFoundError as e:
            raise click.UsageError(f"no such file or directory: {e.filename}") from None
        if not files and not models_only:
            raise click.UsageError(f"no model files (*.yaml, *.yml) in {', '.join(paths or ('.',))}")
        from .progress import progress

        verb = "fixing" if fix else "checking" if targets is not None else "linting"
        with progress(verb, total=len(files), unit="file") as bar:
            results = run(files, cfg, defines(defines_), targets=targets, fix=fix, jobs=jobs, options=options,
                          opt_level=opt_level, disable=disable, on_done=lambda r: bar.step(os.path.basename(r.path)))
    results = [r for r in results if not r.skipped]
    color = not output_file and fmt == "text" and sys.stdout.isatty() and os.environ.get("NO_COLOR") is None
    text = render(results, fmt, color, quiet=verbosity() < 0, sources=STDIN_SOURCES)
    if output_file:  # the same atomic, symlink-safe write as compile's outputs
        from .output import write_files

        write_files({output_file: (text + "\n" if text else "").encode("utf-8")})
    elif text:
        click.echo(text, color=color)
    diags = [f.diag for r in results for f in r.findings]
    if any(d.code == codes.INTERNAL_ERROR for d in diags):
        sys.exit(EXIT_INTERNAL)
    failed = any(d.is_error or (strict and d.severity == "warning") for d in diags)
    sys.exit(EXIT_INPUT if failed else EXIT_OK)


@click.command(epilog=EXITS)
@_lint_options
@click.option("--fix", is_flag=True, help="apply the safe fixes, keeping comments and key order")
@_limit_options
@guard
def lint(paths: tuple[str, ...], defines_: tuple[str, ...], fmt: str, strict: bool, models_only: bool,
         select: str | None, ignore: str | None, output_file: str | None, config_path: str | None,
         jobs: int | None, fix: bool) -> None:
    """Check model files (and directories of them; - reads standard input): syntax, names,
    types, shapes and the W-rules.

    \b
    Nothing is written (except by --fix) and no target is compiled; see `nncc check`.
    Rules: docs/rules.md. Suppress one line with `# nncc: ignore[W101]`.
    """
    _run_lint(paths, defines_, fmt, strict, models_only, select, ignore, output_file, config_path, jobs, fix=fix)


@click.command(epilog=EXITS)
@_lint_options
@once("--targets", "targets_opt", default=None, metavar="all|T1,T2",
      help="targets to compile for (default: [tool.nncc] targets, else the file's `targets:`, else onnx)")
@click.option("-O", "topts", multiple=True, metavar="KEY=VALUE",
              help="set an option of every target that has it (`nncc targets`)")
@once("--opt-level", type=click.IntRange(0, 2), metavar="0|1|2",
      help="0 none, 1 structural, 2 numeric (default: each target's opt_level option)")
@click.option("--disable-pass", "disable", multiple=True, metavar="PASS",
              help="skip an optional pass (in every target whose pipeline has it)")
@_limit_options
@guard
def check(paths: tuple[str, ...], defines_: tuple[str, ...], fmt: str, strict: bool, models_only: bool,
          select: str | None, ignore: str | None, output_file: str | None, config_path: str | None,
          jobs: int | None, targets_opt: str | None, topts: tuple[str, ...], opt_level: int | None,
          disable: tuple[str, ...]) -> None:
    """Lint model files, then compile each for each target in memory (nothing is written).

    \b
    A target that has no form of an op or setting a file uses reports E501/E510 for it;
    `--targets all` checks every target, `--targets onnx,lbann` some.
    """
    from . import target as T

    targets: tuple[str, ...] = ()
    if targets_opt:
        targets = tuple(x.strip() for x in targets_opt.split(",") if x.strip())
        if targets != ("all",):
            targets = tuple(target_name(t) or t for t in targets)
    options = defines(topts, "-O")
    known = {o.name for n in T.available() for o in (T.get(n).options if T.get(n) else [])}  # type: ignore[union-attr]
    for k in options:
        if k not in known:
            raise click.BadParameter(suggest("target option", k, sorted(known)), param_hint="-O")
    check_passes(disable, (), sorted({p for n in T.available() for p in pipeline_of(n)}), None)
    _run_lint(paths, defines_, fmt, strict, models_only, select, ignore, output_file, config_path, jobs,
              targets=targets, options=options, opt_level=opt_level, disable=frozenset(disable))


@click.command()
@click.option("--indent", default=2, show_default=True, help="JSON indentation")
def schema(indent: int) -> None:
    """Print a JSON Schema of the model file (for yaml-language-server and other editors)."""
    import json

    from .lint.schema import model_schema

    click.echo(json.dumps(model_schema(), indent=indent))
