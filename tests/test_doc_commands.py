"""Every command the docs show runs as shown (issue 20), and the generated CLI reference is current.

A ```console block in README.md or docs/ holds `$ command` lines, each followed by the
output it prints (stdout and stderr together). Each block runs in a fresh directory holding
a copy of samples/ and of tests/doc_files/ (files a block refers to, such as bad.yaml), with
this interpreter's `nncc` first on PATH. In the shown output, a line `...` stands for any
number of lines and `<ms>` for a timing (a number, with any spaces before it); progress lines (nncc/progress.py: `what: ... (N s)`, timing-dependent) are
left out of what is compared.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
TOOLS = {"dot": "apt-get install graphviz"}  # programs other than nncc that a shown pipeline runs
PROGRESS = re.compile(r"^[^\s:][^:]*: .*\(\d+ s\)$")


def blocks() -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """(where, [(command, expected lines)]) for each console block."""
    out = []
    for doc in DOCS:
        lines = doc.read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            if lines[i].strip() == "```console":
                start, cmds = i + 1, []
                i += 1
                while lines[i].strip() != "```":
                    if lines[i].startswith("$ "):
                        cmds.append((lines[i][2:], []))
                    elif cmds:
                        cmds[-1][1].append(lines[i])
                    i += 1
                out.append((f"{doc.relative_to(ROOT)}:{start}", cmds))
            i += 1
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    # `<ms>` is a timing, right-aligned in its column: the spaces before it vary with its width
    parts = ["(?:.*\n)*?" if line == "..." else
             re.escape(re.sub(" *<ms>", "MSTIMING", line.rstrip())).replace("MSTIMING", r" *\d+(?:\.\d+)?") + "\n"
             for line in expected]
    return re.fullmatch("".join(parts), "".join(line.rstrip() + "\n" for line in actual)) is not None


BLOCKS = blocks()


def test_the_docs_show_commands():
    assert len(BLOCKS) >= 5 and sum(len(c) for _, c in BLOCKS) >= 8


@pytest.mark.parametrize("where,cmds", BLOCKS, ids=[w for w, _ in BLOCKS])
def test_doc_command_runs_as_shown(where, cmds, tmp_path):
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    for f in (ROOT / "tests" / "doc_files").iterdir():
        shutil.copy(f, tmp_path / f.name)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "NO_COLOR": "1", "COLUMNS": "100"}
    for cmd, expected in cmds:
        for tool, package in TOOLS.items():
            if re.search(rf"\|\s*{tool}\b", cmd) and shutil.which(tool) is None:
                pytest.skip(f"`{cmd}` needs {tool} ({package}), which is not installed")
        r = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        shown = [line for line in (r.stdout + r.stderr).splitlines() if not PROGRESS.match(line)]
        assert r.returncode in (0, 1), (where, cmd, r.returncode, r.stderr)
        assert matches(expected, shown), f"{where}: `{cmd}` printed\n" + "\n".join(shown)


def test_wildcard_lines_and_mismatches():
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "..."], ["a"])
    assert not matches(["a", "d"], ["a", "b", "d"])
    assert not matches(["a"], ["a", "extra"])
    assert matches(["fuse  21  <ms>"], ["fuse  21  9.31"]) and not matches(["x <ms>"], ["x soon"])


def test_cli_reference_is_up_to_date():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_cli.py"), "--check"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
