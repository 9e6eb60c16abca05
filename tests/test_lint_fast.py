"""A plain `nncc lint` runs without click (nncc/lintcmd.py, issue 22): it must read a command line as
click does (the same parameters from the same option table) and end the same way (output, exit code),
and everything it does not take must reach click."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from nncc import limits
from nncc.cli_lint import lint
from nncc.cliopts import parse
from nncc.cmdline import echo, verbosity
from nncc.lintcmd import LINT

ROOT = Path(__file__).resolve().parents[1]
LENET = str(ROOT / "samples" / "lenet5.yaml")
CLEAN = re.search(r'CLEAN = """\\\n(.*?)"""', (ROOT / "tests" / "test_lint.py").read_text(), re.S)[1]  # type: ignore[index]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "clean.yaml").write_text(CLEAN)
    (tmp_path / "warn.yaml").write_text(CLEAN.replace("  classes: 10\n", "  classes: 10\n  unused: 3\n"))
    (tmp_path / "bad.yaml").write_text(CLEAN.replace("linear(classes)", "linear(clases)"))
    (tmp_path / "cfg.toml").write_text("[tool.nncc]\nignore = [\"W102\"]\n")
    (tmp_path / "-odd.yaml").write_text(CLEAN)
    return tmp_path


# command lines the click-free parser takes (each must also be what click makes of it)
PLAIN = [
    ["clean.yaml"], ["warn.yaml", "bad.yaml"], ["."], ["-j", "1", "."], ["-j1", "warn.yaml"], ["--jobs=2", "."],
    ["--format", "json", "bad.yaml"], ["--format=sarif", "warn.yaml"], ["warn.yaml", "--format", "github"],
    ["-q", "warn.yaml"], ["-v", "clean.yaml"], ["--strict", "warn.yaml"], ["--select", "W1", "warn.yaml"],
    ["--ignore=W", "warn.yaml", "bad.yaml"], ["-D", "hidden=8", "clean.yaml"], ["-Dhidden=8", "-D", "classes=3", "clean.yaml"],
    ["--models-only", "."], ["--config", "cfg.toml", "warn.yaml"], ["--output-file", "out.txt", "warn.yaml"],
    ["--max-nodes", "3", "clean.yaml"], ["--limit", "max_nodes=2K", "--limit=max_repeat=5", "clean.yaml"],
    ["--", "-odd.yaml"], ["--select", "W1", "--select", "E", "bad.yaml"], ["-j", "1", "-q", "--strict", "warn.yaml"],
    # the parser takes these, the run finds them wrong before any work and leaves them to click
    ["missing.yaml"], ["-D", "oops", "clean.yaml"], ["--select", "Q9", "clean.yaml"], ["-", "clean.yaml"],
    ["--limit", "nope=1", "clean.yaml"],
]
# and those it leaves to click at once
REFUSED = [
    ["--help"], ["clean.yaml", "-h"], ["--nope", "clean.yaml"], ["-j", "0", "."], ["-j", "x", "."], ["--format", "xml", "."],
    ["--format", "json", "--format", "text", "."], ["--config", "missing.toml", "."], ["--config", ".", "."],
    ["--output-file", ".", "clean.yaml"], ["-qv", "clean.yaml"], ["--strict=1", "clean.yaml"], ["--max-nodes", "0", "."],
    ["-j"], ["--select"], ["-x", "clean.yaml"],
]


def click_params(argv: list[str]) -> dict:
    """What click makes of `nncc lint ARGV`: the command's parameters, verbosity as -q/-v set it."""
    with lint.make_context("lint", list(argv)) as ctx:
        return {**ctx.params, "verbosity": verbosity()}


@pytest.mark.parametrize("argv", PLAIN + REFUSED, ids=" ".join)
def test_same_parameters_as_click(argv: list[str], files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(files)
    fast = parse(LINT, argv)
    try:
        by_click: dict | None = click_params(argv)
    except (click.ClickException, click.exceptions.Exit):
        by_click = None
    if argv in REFUSED:
        assert fast is None
        return
    assert fast is not None and by_click is not None
    q, v = fast.pop("quiet"), fast.pop("verbose")
    assert {**fast, "verbosity": -1 if q else 1 if v else 0} == by_click


def nncc(argv: list[str], cwd: Path, fast: bool) -> tuple[int, str, str, str, bool]:
    """`nncc lint ARGV` in a fresh process, through the executable's entry point (fast) or click's group:
    exit code, stdout, stderr, the --output-file written, and whether click was imported."""
    main = "from nncc.entry import main" if fast else "from nncc.cli import main"
    code = (f"import sys\nsys.argv = ['nncc', 'lint'] + sys.argv[1:]\n{main}\n"
            "try:\n    main()\nfinally:\n    print('CLICK' if 'click' in sys.modules else 'NOCLICK', file=sys.stderr)\n")
    out = cwd / "out.txt"
    out.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k != limits.ENV_VAR}
    r = subprocess.run([sys.executable, "-c", code, *argv], cwd=cwd, capture_output=True, text=True, env=env,
                       input=CLEAN)
    err, _, loaded = r.stderr.rstrip("\n").rpartition("\n")
    return r.returncode, r.stdout, err, out.read_text() if out.exists() else "", loaded == "CLICK"


@pytest.mark.parametrize("argv", [
    ["warn.yaml", "bad.yaml"], ["-j", "2", "--format", "json", "."], ["-q", "--strict", "warn.yaml"],
    ["--output-file", "out.txt", "--format", "sarif", "warn.yaml"], ["--config", "cfg.toml", "-v", "warn.yaml"],
    ["--max-nodes", "3", "clean.yaml"], ["-D", "hidden=8", "-"],
    ["missing.yaml"], ["-D", "oops", "clean.yaml"], ["--nope", "clean.yaml"], ["-qv", "."], ["--help"],
], ids=" ".join)
def test_same_output_and_exit_code_as_click(argv: list[str], files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(files)
    *fast, fast_click = nncc(argv, files, fast=True)
    *slow, slow_click = nncc(argv, files, fast=False)
    assert fast == slow
    assert slow_click
    # plain command lines run without click; the rest went to click, which printed the usage error
    assert fast_click == (parse(LINT, argv) is None or fast[0] == 2), fast


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("msg", ["plain", "", "a \x1b[1;31mred\x1b[0m word\x1b[K", "ü → ✓\nsecond line"])
def test_echo_writes_what_click_echo_writes(msg: str) -> None:
    """Both paths print through nncc.cmdline.echo, so the comparisons above cannot see it: it is held to
    click.echo here (escape sequences kept for a terminal or color=True, dropped otherwise)."""
    for tty in (False, True):
        for color in (None, True, False):
            for nl in (True, False):
                ours, theirs = _Stream(tty), _Stream(tty)
                echo(msg, color=color, file=ours, nl=nl)
                click.echo(msg, color=color, file=theirs, nl=nl)
                assert ours.getvalue() == theirs.getvalue(), (tty, color, nl)
