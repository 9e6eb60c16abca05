"""The `nncc` command line: a thin click layer over nncc.driver.

Exit codes are one table (nncc/cmdline.py EXIT_CODES, docs/diagnostics.md); every command
ends through `guard`, which maps errors onto it. The commands live in modules by what they do
(nncc/cli_compile.py, cli_lint.py, cli_weights.py, cli_catalogue.py), each imported only when
one of its commands runs; a new command is a `@click.command()` there and a line in COMMANDS.
"""
from __future__ import annotations

import click

from . import __version__
from .cliutil import Group
from .cmdline import EXITS

COMMANDS = {
    "compile": "nncc.cli_compile:compile_cmd",
    "train": "nncc.cli_compile:train_cmd",
    "summary": "nncc.cli_compile:summary",
    "ir": "nncc.cli_compile:ir",
    "graph": "nncc.cli_compile:graph",
    "import": "nncc.cli_compile:import_cmd",
    "lint": "nncc.cli_lint:lint",
    "check": "nncc.cli_lint:check",
    "schema": "nncc.cli_lint:schema",
    "weights": "nncc.cli_weights:weights_cmd",
    "targets": "nncc.cli_catalogue:targets",
    "ops": "nncc.cli_catalogue:ops",
}


@click.group(cls=Group, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"],
                                                         "max_content_width": 100}, epilog=EXITS)
@click.version_option(__version__, "--version", prog_name="nncc")
def main() -> None:
    """nncc — compile neural-network models written in YAML to ONNX, LBANN, SINGA and SMAUG."""


if __name__ == "__main__":  # pragma: no cover
    main()
