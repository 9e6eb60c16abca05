"""Strings from a model file never run as commands in the scripts nncc writes (nncc/quoting.py).

Every string that reaches a launch script, a hostfile, a prototext or a file name — the
model's name, each string option of each target, train.distributed.workspace, the name
`-o` gives — is fed newlines, quotes, `$()`, backticks, `;` and escape sequences. Each
compile ends in a diagnostic (never an internal error), or in scripts that pass `bash -n`
and, run with stub launchers (srun, mpirun, flux, singa-run.sh) on PATH, do nothing but
call their launcher once with the expected arguments: no marker file appears.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from nncc import target as T
from nncc.diagnostics import CompileError
from nncc.driver import compile_model
from nncc.quoting import MAX_NAME, SUFFIX_MAX, host_problem, name_problem

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")

BASE = """nncc: 1
model: {name}
inputs:
  x: f32[N, 8]
  label: i64[N]
graph:
  logits: x |> linear(4)
outputs: [logits]
train:
  loss: cross_entropy(logits, label)
  optimizer: sgd(lr=0.1)
  batch_size: 4
  steps: 10
  data:
    train: {{format: {fmt}, path: "data/train.bin", shape: [8]}}
  distributed: {{workspace: {workspace}, nodes: 2}}
targets:
  {target}: {options}
"""
FORMAT = {"lbann": "npz", "singa": "record", "onnx": "record", "smaug": "record", "pytorch": "npz"}
LAUNCHER = {"slurm": "srun", "flux": "flux", "mpirun": "mpirun"}


def hostile(marker: Path) -> list[str]:
    m = str(marker)
    return [f"a\ntouch {m}", f"x'; touch {m}; '", f'x"; touch {m}; "', f"$(touch {m})", f"`touch {m}`",
            f"a;touch {m}", "\x1b[31mred\x1b[0m", f"a b|touch {m}", "tiny\n", f"${{IFS}}touch${{IFS}}{m}",
            f"x\r\ntouch {m}", "-rf", f"a\\\ntouch {m}", f"a}}}}$(touch {m})"]


def _stubs(d: Path) -> Path:
    """Launchers that only record their arguments (NUL-separated, one line per call)."""
    bin_ = d / "stub-bin"
    bin_.mkdir()
    for name in ("srun", "mpirun", "flux", "sbatch", "singa-run.sh"):
        p = bin_ / name
        p.write_text('#!/bin/bash\n{ printf "%s\\0" "$(basename "$0")" "$@"; echo; } >> "$STUB_LOG"\n')
        p.chmod(p.stat().st_mode | stat.S_IEXEC)
    return bin_


def _run_script(d: Path, script: Path) -> list[list[str]]:
    bin_ = _stubs(d)
    home = d / "singa-home"
    (home / "bin").mkdir(parents=True)
    (home / "conf").mkdir()
    (home / "conf" / "hostfile").write_text("old-host\n")  # so run.sh keeps a backup named after the job
    shutil.copy(bin_ / "singa-run.sh", home / "bin" / "singa-run.sh")
    log = d / "stub.log"
    env = {"PATH": f"{bin_}:/usr/bin:/bin", "STUB_LOG": str(log), "SINGA_HOME": str(home), "HOME": str(d)}
    r = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env, cwd=d, timeout=60)
    assert r.returncode == 0, r.stderr
    calls = log.read_text().splitlines() if log.exists() else []
    return [c.split("\0")[:-1] for c in calls]


def _compile(tmp: Path, target: str, name: str = "tiny", workspace: str = "ws", options: dict | None = None,
             cli: dict | None = None, stem: str | None = None):
    if target == "singa":  # two hosts: the script then installs the hostfile (and names a backup after the job)
        options = {"hosts": "node1,node2", **(options or {})}
    text = BASE.format(name=json.dumps(name), fmt=FORMAT[target], workspace=json.dumps(workspace),
                       target=target, options=json.dumps(options or {}))
    src = tmp / "m.yaml"
    src.write_text(text)
    try:
        return compile_model(str(src), target, options=cli, stem=stem).files, None
    except CompileError as e:
        return None, e


def _check(tmp: Path, target: str, marker: Path, expect_args: list[str] | None = None, **kw) -> str:
    """Compile; a refusal must be a diagnostic of the input; scripts must be inert."""
    files, err = _compile(tmp, target, **kw)
    if err is not None:
        codes = {d.code for d in err.diagnostics}
        assert codes <= {"E014", "E502", "E510"}, [str(d.message) for d in err.diagnostics]
        for d in err.diagnostics:
            assert "\x1b" not in d.message and "\n" not in d.message and "\r" not in d.message, d.message
        return "refused"
    out = tmp / "out"
    out.mkdir()
    for n, data in files.items():
        assert "/" not in n and n not in ("", ".", "..")
        (out / n).write_bytes(data)
    scripts = [out / n for n in files if n.endswith(".sh")]
    for s in scripts:
        r = subprocess.run(["bash", "-n", str(s)], capture_output=True, text=True)
        assert r.returncode == 0, (r.stderr, s.read_text())
        calls = _run_script(tmp, s)
        assert not marker.exists(), s.read_text()
        assert len(calls) == 1, calls
        if expect_args is not None:
            assert calls[0][-len(expect_args):] == expect_args, calls
    for h in b"".join(v for k, v in files.items() if k.endswith(".hostfile")).decode().split("\n"):
        assert h == "" or host_problem(h) is None, h
    return "written"


def _string_options() -> list[tuple[str, str]]:
    out = []
    for t in T.available():
        for o in T.get(t).options:
            if o.kind == "str":
                out.append((t, o.name))
    return out


@pytest.mark.parametrize("target,option", _string_options())
def test_every_string_option_is_inert(tmp_path, target, option):
    outcomes = set()
    for i, v in enumerate(hostile(tmp_path / "PWNED")):
        for how in ("yaml", "cli"):
            d = tmp_path / f"{how}{i}"
            d.mkdir()
            kw = {"options": {option: v}} if how == "yaml" else {"cli": {option: v}}
            outcomes.add(_check(d, target, tmp_path / "PWNED", **kw))
    assert outcomes  # each value either refused with E502 or written inert (checked inside)


@pytest.mark.parametrize("target", ["onnx", "lbann", "singa", "smaug"])
def test_model_name_and_workspace_are_inert(tmp_path, target):
    for i, v in enumerate(hostile(tmp_path / "PWNED")):
        d = tmp_path / f"name{i}"
        d.mkdir()
        assert _check(d, target, tmp_path / "PWNED", name=v) == "refused"  # E014: names are strict
        if target in ("lbann", "singa"):
            d = tmp_path / f"ws{i}"
            d.mkdir()
            _check(d, target, tmp_path / "PWNED", workspace=v)


@pytest.mark.parametrize("launcher", ["slurm", "flux", "mpirun"])
def test_lbann_script_calls_its_launcher_with_the_prototext(tmp_path, launcher):
    """The `-o` name reaches the script as one quoted word, whatever it holds."""
    for i, stem in enumerate(["plain", "with space", "q'uote", "$(touch PWNED)"]):
        d = tmp_path / str(i)
        d.mkdir()
        got = _check(d, "lbann", tmp_path / "PWNED", stem=stem, options={"launcher": launcher},
                     expect_args=["lbann", f"--prototext={stem}.prototext"])
        assert got == "written"


def test_newline_at_the_end_of_a_name_is_refused():
    assert name_problem("tiny") is None
    assert name_problem("tiny\n") and name_problem("\ntiny") and name_problem("a" * (MAX_NAME + 1))


def test_longest_name_fits_with_the_temporary_on_any_host(tmp_path):
    """A name of MAX_NAME characters is written on every target: the temporary file's name
    (nncc/output.py, with the longest host name it uses) stays under 255 bytes."""
    from nncc.output import TEMP_OVERHEAD, write_files

    assert MAX_NAME + SUFFIX_MAX + TEMP_OVERHEAD <= 255
    name = "n" * MAX_NAME
    for t in ("onnx", "lbann", "singa", "smaug"):
        files, err = _compile(tmp_path, t, name=name)
        assert err is None, err
        assert all(len(n) <= MAX_NAME + SUFFIX_MAX for n in files)
        write_files({str(tmp_path / t / n): data for n, data in files.items()})
    files, err = _compile(tmp_path, "onnx", name=name + "n")
    assert err is not None and err.diagnostics[0].code == "E014"
    assert os.path.exists(tmp_path / "onnx" / f"{name}.onnx")
