"""The commands that check model files without writing them: lint, check, and the schema editors use.

Loaded by the `nncc` group (nncc/cli.py) when one of them runs. Lint's and check's options and their
run are nncc/lintcmd.py, click-free: a plain `nncc lint` runs from there without this module.
"""
from __future__ import annotations

from typing import Any

import click

from .cliutil import check_passes, limit_options, once, params, pipeline_of, suggest, target_name
from .cmdline import EXITS, defines, guard
from .lintcmd import FIX, SHARED, run_lint


@click.command(epilog=EXITS)
@params((*SHARED, FIX))
@limit_options
@guard
def lint(**kw: Any) -> None:
    """Check model files (and directories of them; - reads standard input): syntax, names,
    types, shapes and the W-rules.

    \b
    Nothing is written (except by --fix) and no target is compiled; see `nncc check`.
    Rules: docs/rules.md. Suppress one line with `# nncc: ignore[W101]`.
    """
    run_lint(**kw)


@click.command(epilog=EXITS)
@params(SHARED)
@once("--targets", "targets_opt", default=None, metavar="all|T1,T2",
      help="targets to compile for (default: [tool.nncc] targets, else the file's `targets:`, else onnx)")
@click.option("-O", "topts", multiple=True, metavar="KEY=VALUE",
              help="set an option of every target that has it (`nncc targets`)")
@once("--opt-level", type=click.IntRange(0, 2), metavar="0|1|2",
      help="0 none, 1 structural, 2 numeric (default: each target's opt_level option)")
@click.option("--disable-pass", "disable", multiple=True, metavar="PASS",
              help="skip an optional pass (in every target whose pipeline has it)")
@limit_options
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
    run_lint(paths, defines_, fmt, strict, models_only, select, ignore, output_file, config_path, jobs,
             targets=targets, options=options, opt_level=opt_level, disable=frozenset(disable))


@click.command()
@click.option("--indent", default=2, show_default=True, help="JSON indentation")
def schema(indent: int) -> None:
    """Print a JSON Schema of the model file (for yaml-language-server and other editors)."""
    import json

    from .lint.schema import model_schema

    click.echo(json.dumps(model_schema(), indent=indent))
