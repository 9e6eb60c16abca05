"""What `nncc lint` and `nncc check` do, without click: their options as one table (nncc/cliopts.py),
from which nncc/cli_lint.py builds the click commands, and the run they share.

A plain `nncc lint ...` (`fast_lint`, called by nncc/entry.py) is read with the same table and runs
here without importing click — click's import is a third of what a one-file lint costs. A command
line the table's parser does not take (help, an unknown option, a bad value) or that the run finds
wrong before doing any work (BadCommandLine: a missing file, a bad -D or config) goes to click
instead, which reads and reports it as it always has (tests/test_lint_fast.py compares the two).
"""
from __future__ import annotations

import os
import sys

from . import codes, limits
from .cliopts import ARGS, FLAG, MULTIPLE, ONCE, VERBOSITY_OPTIONS, Opt, parse
from .cmdline import (EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, STDIN_SOURCES, BadCommandLine, defines, echo, guard,
                       interrupted, set_verbosity, stdin_model, verbosity)

SHARED = (  # lint's and check's
    Opt(dest="paths", kind=ARGS, metavar="[PATH|-]..."),
    *VERBOSITY_OPTIONS,
    Opt("-D", dest="defines_", kind=MULTIPLE, metavar="NAME=VALUE", help="override a param"),
    Opt("--format", dest="fmt", kind=ONCE, choices=("text", "json", "sarif", "github"), default="text",
        help="text for people, json, sarif (code scanning), github (annotations) [default: text]"),
    Opt("--models-only", dest="models_only", kind=FLAG,
        help="skip YAML files without a top-level `nncc:` or `graph:` key even when named (for pre-commit)"),
    Opt("--strict", dest="strict", kind=FLAG, help="warnings fail too (exit 1)"),
    Opt("--select", dest="select", metavar="CODES", help="comma-separated codes or prefixes to report (default: all)"),
    Opt("--ignore", dest="ignore", metavar="CODES", help="comma-separated codes or prefixes to drop"),
    Opt("--output-file", dest="output_file", kind=ONCE, file="any", metavar="FILE",
        help="write the report to a file instead of standard output"),
    Opt("--config", dest="config_path", kind=ONCE, file="existing", metavar="FILE",
        help="config file (default: .nncc.toml or pyproject.toml [tool.nncc], searched upwards)"),
    Opt("-j", "--jobs", dest="jobs", bounds=(1, 256),
        help="worker processes (default: one per CPU, when there are enough files)"),
)
FIX = Opt("--fix", dest="fix", kind=FLAG, help="apply the safe fixes, keeping comments and key order")
LINT = (*SHARED, FIX, *limits.OPTIONS)  # `nncc lint`'s parameters, in the order --help lists them


def fast_lint(argv: list[str]) -> bool:
    """Run `nncc lint ARGV` without click when the table's parser takes ARGV (it exits); False: leave it to
    click (nothing was printed, no input read)."""
    if os.name == "nt" or any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return False  # click expands wildcards on Windows and answers shell completion
    params = parse(LINT, argv)
    if params is None:
        return False
    try:
        set_verbosity(params.pop("quiet"), params.pop("verbose"))
        limits.apply_options(params)
        guard(run_lint)(**params)
    except BadCommandLine:
        return False
    except KeyboardInterrupt:
        interrupted()
    return True


def run_lint(paths: tuple[str, ...], defines_: tuple[str, ...], fmt: str, strict: bool, models_only: bool,
             select: str | None, ignore: str | None, output_file: str | None, config_path: str | None,
             jobs: int | None, fix: bool = False, targets: tuple[str, ...] | None = None,
             options: dict[str, str] | None = None, opt_level: int | None = None,
             disable: frozenset[str] = frozenset()) -> None:
    """Lint (or, with `targets`, check) the files; exits with the exit code. Every BadCommandLine comes
    before any work is done or input read."""
    from .lint import config as C
    from .lint.report import render
    from .lint.runner import discover, run

    defs = defines(defines_)
    try:
        cfg = C.load(config_path) if config_path else C.discover()
        if select is not None:
            cfg.select = C._codes(select.split(","), "--select", "command line")
        if ignore is not None:
            cfg.ignore = cfg.ignore + C._codes(ignore.split(","), "--ignore", "command line")
    except C.ConfigError as e:
        raise BadCommandLine(str(e)) from None
    except OSError as e:
        raise BadCommandLine(f"cannot read config: {e}") from None
    if "-" in paths:
        if len(paths) > 1 or fix:
            raise BadCommandLine("- (standard input) is the only path, and cannot be --fix'ed")
        name, data = stdin_model("-")
        results = run([(name, True)], cfg, defs, targets=targets, jobs=1, data={name: data or b""},
                      options=options, opt_level=opt_level, disable=disable)
    else:
        try:
            files = discover(paths or (".",), cfg)
            if models_only:
                files = [(p, False) for p, _ in files]
        except FileNotFoundError as e:
            raise BadCommandLine(f"no such file or directory: {e.filename}") from None
        if not files and not models_only:
            raise BadCommandLine(f"no model files (*.yaml, *.yml) in {', '.join(paths or ('.',))}")
        from .progress import progress

        verb = "fixing" if fix else "checking" if targets is not None else "linting"
        with progress(verb, total=len(files), unit="file") as bar:
            results = run(files, cfg, defs, targets=targets, fix=fix, jobs=jobs, options=options,
                          opt_level=opt_level, disable=disable, on_done=lambda r: bar.step(os.path.basename(r.path)))
    results = [r for r in results if not r.skipped]
    color = not output_file and fmt == "text" and sys.stdout.isatty() and os.environ.get("NO_COLOR") is None
    text = render(results, fmt, color, quiet=verbosity() < 0, sources=STDIN_SOURCES)
    if output_file:  # the same atomic, symlink-safe write as compile's outputs
        from .output import write_files

        write_files({output_file: (text + "\n" if text else "").encode("utf-8")})
    elif text:
        echo(text, color=color)
    diags = [f.diag for r in results for f in r.findings]
    if any(d.code == codes.INTERNAL_ERROR for d in diags):
        sys.exit(EXIT_INTERNAL)
    failed = any(d.is_error or (strict and d.severity == "warning") for d in diags)
    sys.exit(EXIT_INPUT if failed else EXIT_OK)
