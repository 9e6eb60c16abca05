"""The command line: every command, options, pass manager flags, start-up cost."""
from __future__ import annotations

import glob
import os
import subprocess
import sys

import onnx
import pytest
from click.testing import CliRunner

from nncc import __version__
from nncc.cli import main
from nncc.driver import compile_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = sorted(glob.glob(os.path.join(ROOT, "samples", "*.yaml")))
LENET = os.path.join(ROOT, "samples", "lenet5.yaml")
RESNET20 = os.path.join(ROOT, "samples", "resnet20.yaml")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_help_and_version():
    r = run("--help")
    assert r.exit_code == 0
    for cmd in ("compile", "lint", "summary", "ir", "targets", "ops"):
        assert cmd in r.output
        assert run(cmd, "--help").exit_code == 0
    r = run("--version")
    assert r.exit_code == 0 and __version__ in r.output


@pytest.mark.parametrize("argv", [["--help"], ["lint", LENET]])
def test_fast_start_does_not_import_heavy_modules(argv):
    code = ("import sys\nfrom nncc.cli import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in ('onnx', 'onnxruntime', 'torch') if m in sys.modules)\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout
    assert "HEAVY []" in out, out


def test_summary_table_and_totals():
    r = run("summary", LENET)
    assert r.exit_code == 0, r.output
    assert "total params: 44,426" in r.output
    assert "conv1/conv2d" in r.output and "f32[N, 6, 24, 24]" in r.output
    assert "optimizer:  sgd(lr=0.01, momentum=0.9" in r.output


def test_ir_prints_graph():
    r = run("ir", RESNET20)
    assert r.exit_code == 0
    assert r.output.startswith("graph resnet20(%image: f32[N, 3, 32, 32]")
    assert "%s1/0/a/conv2d = conv2d(%stem" in r.output


def test_print_after_and_disable_pass():
    r = run("ir", LENET, "-t", "onnx", "--print-after", "dce")
    assert r.exit_code == 0
    assert "; IR after dce" in r.output
    # training heads are gone after dce for the inference target
    after = r.output.split("; IR after dce", 1)[1]
    assert "cross_entropy" not in after
    r = run("ir", LENET, "-t", "onnx", "--disable-pass", "dce", "--print-after-all")
    assert "; IR after dce" not in r.output and "; IR after infer-shapes" in r.output
    assert run("ir", LENET, "--disable-pass", "nope").exit_code == 2


def test_verify_each_on_every_sample():
    from nncc.diagnostics import CompileError

    compiled = 0
    for s in SAMPLES:
        try:
            res = compile_model(s, "onnx", verify_each=True, emit=False)
        except CompileError as e:  # energy models: ops ONNX does not have
            assert {d.code for d in e.diagnostics} == {"E501"}, (s, e)
            continue
        assert res.stats and all(st.name for st in res.stats)
        compiled += 1
    assert compiled >= 9


def test_targets_and_ops_lists():
    r = run("targets")
    assert r.exit_code == 0 and "onnx" in r.output and "opset" in r.output
    r = run("ops")
    assert "conv2d(x, out_channels, kernel" in r.output
    r = run("ops", "stanh")
    assert r.exit_code == 0 and "1.7159" in r.output
    assert run("ops", "nope").exit_code == 2


def test_compile_options(tmp_path):
    out = tmp_path / "o" / "m.onnx"
    r = run("compile", RESNET20, "-o", str(out), "-D", "classes=7", "-O", "opset=19", "--seed", "3")
    assert r.exit_code == 0, r.output
    m = onnx.load(str(out))
    assert m.opset_import[0].version == 19
    assert m.graph.output[0].type.tensor_type.shape.dim[1].dim_value == 7
    assert m.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"
    r = run("compile", LENET, "-o", str(tmp_path) + "/")
    assert (tmp_path / "lenet5.onnx").exists()
    r = run("compile", LENET, "-O", "opset=99", "-o", str(tmp_path) + "/x.onnx")
    assert r.exit_code == 1 and "E502" in r.output
    r = run("compile", LENET, "-O", "nosuch=1", "-o", str(tmp_path) + "/x.onnx")
    assert r.exit_code == 1 and "E502" in r.output
    r = run("compile", LENET, "-D", "novalue")
    assert r.exit_code == 2


def test_pass_stats(tmp_path):
    r = run("compile", LENET, "-o", str(tmp_path) + "/", "--pass-stats")
    assert r.exit_code == 0
    assert "infer-shapes" in r.output and "dce" in r.output


def test_seed_changes_weights_deterministically(tmp_path):
    a = compile_model(LENET, "onnx", seed=1).files["lenet5.onnx"]
    b = compile_model(LENET, "onnx", seed=1).files["lenet5.onnx"]
    c = compile_model(LENET, "onnx", seed=2).files["lenet5.onnx"]
    assert a == b and a != c
