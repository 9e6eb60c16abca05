"""The `nncc` executable's entry point, kept apart from nncc/cli.py so that start-up stays small.

`nncc --version` answers without importing click or the compiler; every other command
imports the click group with the cyclic garbage collector paused (imports create many
objects and no garbage, so collections during start-up are wasted work).
"""
from __future__ import annotations

import gc
import sys

from . import __version__


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"nncc, version {__version__}\n")  # what click's version_option prints
        return
    gc.disable()
    try:
        from .cli import main as cli
    finally:
        gc.enable()
    cli()
