"""Static checks that `make test` runs: mypy and ruff, with the settings in pyproject.toml.

Each runs in a subprocess from the repository root, so a failure shows the tool's own report.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, check=False)


def test_mypy_reports_nothing() -> None:
    r = _run("mypy")  # [tool.mypy]: the files, the stubs, the third-party modules without types
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_reports_nothing() -> None:
    r = _run("ruff", "check", "--no-cache", ".")
    assert r.returncode == 0, r.stdout + r.stderr
