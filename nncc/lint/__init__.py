"""`nncc lint` and `nncc check`: the rule catalogue, configuration, runner and reporters.

    from nncc.lint import LintConfig, lint_file
    res = lint_file("model.yaml", LintConfig())
    for f in res.findings: print(f.diag.code, f.diag.span, f.diag.message)

Importing this package is cheap: the front end is imported when a file is linted,
and no target emitter (onnx, protobuf) is ever imported by `lint`.
"""
from __future__ import annotations

from .checks import Finding, Fix
from .config import ConfigError, LintConfig, discover, load
from .rules import RULES, Rule
from .runner import FileResult, fix_file, lint_file, run
from .runner import discover as find_files

__all__ = [
           "RULES",
           "ConfigError",
           "FileResult",
           "Finding",
           "Fix",
           "LintConfig",
           "Rule",
           "discover",
           "find_files",
           "fix_file",
           "lint_file",
           "load",
           "run",
]
