"""Lint and compile read model files the same bounded way (nncc.source.read_source), and write
through the same atomic path (nncc.output.write_files).

Regular files only (a FIFO, a link to /dev/zero: E007, no hang), never past max_file_bytes,
not even for an excerpt (a 3 GB sparse file: E006 in little memory); a link to nothing or
an unreadable folder is E007 for that path while the other files are still linted;
`lint --fix` and `--output-file` never write through a link; new files respect the umask
and a replaced file keeps its mode. Each child runs under the hostile corpus's CPU and
memory budget (tests/test_hostile.py).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from unittest import mock

import pytest

from nncc.lint.config import LintConfig
from nncc.lint.runner import discover
from test_hostile import CHILD, MEMORY_LIMIT, _check

GOOD = "nncc: 1\ninputs: {x: 'f32[N, 4]'}\ngraph: {y: 'linear(x, 2)'}\noutputs: [y]\n"
FIXABLE = "nncc: 1\nparams:\n  unused: 3\ninputs:\n  x: f32[N, 4]\ngraph:\n  y: linear(x, 2)\noutputs: [y]\n"


def run_child(args: list[str], cwd: str | None = None) -> dict:
    """`nncc ARGS` in a child capped at MEMORY_LIMIT; its exit code, CPU time, peak RSS, output."""
    env = dict(os.environ, NO_COLOR="1")
    env.pop("NNCC_LIMITS", None)
    p = subprocess.run([sys.executable, "-c", CHILD, str(MEMORY_LIMIT), *args], capture_output=True, text=True,
                       timeout=120, env=env, cwd=cwd)
    head, _, report = p.stdout.rpartition("\n@@")
    assert report.strip(), f"no report (rc {p.returncode}): {p.stderr[-3000:]}"
    r = json.loads(report)
    r["stderr"] = p.stderr + head  # lint prints its report on stdout
    return r


@pytest.fixture
def tree(tmp_path):
    d = tmp_path / "models"
    d.mkdir()
    (d / "good.yaml").write_text(GOOD)
    (d / "bad.yaml").write_text(GOOD.replace("linear", "lineer"))
    return d


def _special(path, kind: str) -> None:
    """A path nncc cannot read as a model: a FIFO, a link to /dev/zero, or a link to nothing."""
    if kind == "fifo":
        os.mkfifo(path)
    else:
        os.symlink("/dev/zero" if kind == "dev_zero" else path.parent / "gone.yaml", path)


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "dangling"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_lint_reports_what_it_cannot_read_and_goes_on(tree, kind, jobs):
    _special(tree / "special.yaml", kind)
    r = run_child(["lint", str(tree), "-j", jobs])
    _check(r, "E007")
    assert "special.yaml" in r["stderr"] and "bad.yaml" in r["stderr"] and "error[E303]" in r["stderr"]


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "dangling"])
def test_compile_reports_what_it_cannot_read(tmp_path, kind):
    special = tmp_path / "m.yaml"
    _special(special, kind)
    _check(run_child(["compile", str(special), "-o", str(tmp_path / "out") + "/"]), "E007")


@pytest.mark.parametrize("cmd", ["compile", "lint"])
def test_oversize_file_is_never_read_not_even_for_the_excerpt(tmp_path, cmd):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.write(GOOD.encode())
        f.truncate(3 * 2 ** 30)  # sparse: 3 GB that cost nothing to make
    args = [cmd, str(big)] + (["-o", str(tmp_path / "out") + "/"] if cmd == "compile" else [])
    _check(run_child(args), "E006")


def test_an_unreadable_folder_is_reported(tmp_path):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "m.yaml").write_text(GOOD)
    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.scandir

    def scandir(p="."):
        if os.fspath(p) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real(p)

    with mock.patch("os.scandir", scandir):
        found = discover([str(tmp_path)], LintConfig())
    assert (str(locked), True) in found and (str(tmp_path / "ok" / "m.yaml"), False) in found


def test_fix_never_writes_through_a_link(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    m = tmp_path / "m.yaml"
    m.write_text(FIXABLE)
    os.chmod(m, 0o640)
    os.symlink(victim, tmp_path / "m.yaml.nncc-fix.tmp")  # the old fixed temporary name
    r = subprocess.run([sys.executable, "-m", "nncc.cli", "lint", "--fix", str(m)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert victim.read_text() == "precious\n"
    assert "unused" not in m.read_text() and oct(os.stat(m).st_mode & 0o777) == oct(0o640)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml", "m.yaml.nncc-fix.tmp", "victim.txt"]


def test_output_file_replaces_a_link_instead_of_writing_through_it(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    m = tmp_path / "m.yaml"
    m.write_text(GOOD)
    out = tmp_path / "report.json"
    os.symlink(victim, out)
    r = subprocess.run([sys.executable, "-m", "nncc.cli", "lint", str(m), "--format", "json", "--output-file",
                        str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert victim.read_text() == "precious\n"
    assert not out.is_symlink() and json.loads(out.read_text())


def test_modes_follow_the_umask_and_replaced_files_keep_theirs(tmp_path):
    from nncc.output import write_files

    old = os.umask(0o027)
    try:
        write_files({str(tmp_path / "new.txt"): b"x", str(tmp_path / "run.sh"): b"#!/bin/sh\n"})
        assert os.stat(tmp_path / "new.txt").st_mode & 0o777 == 0o640
        assert os.stat(tmp_path / "run.sh").st_mode & 0o777 == 0o750
        os.chmod(tmp_path / "new.txt", 0o600)
        write_files({str(tmp_path / "new.txt"): b"y"})
        assert os.stat(tmp_path / "new.txt").st_mode & 0o777 == 0o600
    finally:
        os.umask(old)
