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


HEAVY = ("numpy", "onnx", "onnxruntime", "torch", "jinja2", "lark", "google", "tqdm")


@pytest.mark.parametrize("argv,forbidden", [
    (["--version"], HEAVY + ("click", "yaml", "nncc.cli")),  # answered before anything is imported
    (["--help"], HEAVY + ("yaml", "nncc.driver")),
    # a plain lint runs without click (nncc/lintcmd.py; tests/test_lint_fast.py), nor the standard modules
    # click brings; commands load lazily (nncc/cli.py COMMANDS): no other command's module
    (["lint", LENET], HEAVY + ("click", "nncc.cli", "nncc.cliutil", "nncc.cli_lint", "nncc.cli_compile",
                               "nncc.cli_weights", "nncc.cli_catalogue", "nncc.placement", "nncc.printer",
                               "importlib.metadata", "uuid", "gettext",
                               # no import-time dataclasses (nncc/record.py) nor the inspect they bring; json
                               # only for --format json/sarif
                               "dataclasses", "inspect", "json")),
    (["lint", "-j", "1", "--format", "json", os.path.join(ROOT, "samples")], HEAVY + ("click",)),
    (["lint", "--strict", "--help"], HEAVY + ("yaml", "nncc.driver")),  # help is click's
    (["summary", LENET], HEAVY),
    (["ir", LENET], HEAVY),
    # a compile loads its own target only: naming one does not list (import) every target nor scan the
    # installed packages' entry points (importlib.metadata); LBANN's prototext needs no numpy, its launch
    # script no jinja2 (targets/lbann/launch.py writes it as plain text)
    (["compile", LENET, "-t", "lbann", "-o", "{tmp}"],
     ("numpy", "onnx", "torch", "jinja2", "importlib.metadata", "nncc.targets.onnx", "nncc.targets.singa",
      "nncc.targets.smaug", "nncc.targets.pytorch")),
    # the ONNX file is encoded by targets/onnx/proto.py: the onnx package is not imported to write it
    (["compile", LENET, "-t", "onnx", "-o", "{tmp}"], ("onnx", "torch", "jinja2", "importlib.metadata")),
])
def test_fast_start_does_not_import_heavy_modules(argv, forbidden, tmp_path):
    """Through the executable's entry point (nncc/entry.py), as `nncc ...` runs: a command imports only
    what it uses (issue 22); the parser's tables are a module of nncc (nncc/exprtables.py), not Lark."""
    code = ("import sys\nsys.argv = ['nncc'] + sys.argv[1:]\nfrom nncc.entry import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print('LOADED', sorted(m for m in {forbidden!r} if m in sys.modules))")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    r = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=ROOT)
    assert "LOADED []" in r.stdout, (r.stdout[-2000:], r.stderr[-2000:])
    if "compile" in argv:  # it did its work (a refused compile would import less): LBANN's script, the ONNX file
        assert {p.suffix for p in tmp_path.iterdir()} & {".sh", ".onnx"}, sorted(tmp_path.iterdir())


def test_version_without_click_matches_click():
    """The fast `--version` prints what click's version_option prints."""
    fast = subprocess.run([sys.executable, "-c", "import sys; sys.argv = ['nncc', '--version']\n"
                           "from nncc.entry import main; main()"], capture_output=True, text=True, cwd=ROOT)
    assert fast.stdout == run("--version").output == f"nncc, version {__version__}\n"


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
    assert r.exit_code == 2 and "E502" in r.output
    r = run("compile", LENET, "-O", "nosuch=1", "-o", str(tmp_path) + "/x.onnx")
    assert r.exit_code == 2 and "E502" in r.output
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


# ====================================================================== issue 20: what hurt
# Each test below failed on the command line before issue 20.

MLP = os.path.join(ROOT, "samples", "mnist_mlp.yaml")


def run_in(cwd, *args: str, input: bytes | None = None):
    """Run the CLI with the current directory set to `cwd` (the default output is relative)."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), input=input)
    finally:
        os.chdir(old)


# ---------------------------------------------------------------- -o: one rule for every target

def test_lbann_o_names_a_directory_and_the_script_refers_to_the_files_written(tmp_path):
    r = run("compile", LENET, "-t", "lbann", "-o", str(tmp_path / "newdir"))
    assert r.exit_code == 0, r.output
    d = tmp_path / "newdir"
    assert sorted(p.name for p in d.iterdir()) == [".nncc-manifest.json", "lenet5.prototext", "lenet5.sh"]
    script = (d / "lenet5.sh").read_text()
    assert "--prototext=lenet5.prototext" in script and (d / "lenet5.prototext").exists()


def test_singa_o_names_a_directory_and_the_script_reads_the_conf_written(tmp_path):
    r = run("compile", MLP, "-t", "singa", "-o", str(tmp_path / "job"))
    assert r.exit_code == 0, r.output
    d = tmp_path / "job"
    assert {p.name for p in d.iterdir()} == {".nncc-manifest.json", "mnist_mlp.conf", "mnist_mlp.hostfile",
                                            "mnist_mlp.sh"}
    script = (d / "mnist_mlp.sh").read_text()
    assert 'conf="$here/mnist_mlp.conf"' in script and 'hosts="$here/mnist_mlp.hostfile"' in script


def test_a_file_name_for_a_multi_file_target_is_refused_before_compiling(tmp_path):
    r = run("compile", LENET, "-t", "lbann", "-o", str(tmp_path / "model.onnx"))
    assert r.exit_code == 2 and "E601" in r.output and "directory" in r.output
    assert list(tmp_path.iterdir()) == []


def test_default_output_is_out_target_model(tmp_path):
    r = run_in(tmp_path, "compile", LENET, "-t", "smaug")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "smaug" / "lenet5" / "lenet5_topo.pbtxt").exists()
    assert "wrote out/smaug/lenet5/lenet5_topo.pbtxt" in r.output


def test_output_equal_to_the_input_is_refused(tmp_path):
    model = tmp_path / "m.yaml"
    model.write_text(open(LENET).read())
    before = model.read_bytes()
    r = run("compile", str(model), "-o", str(model))
    assert r.exit_code == 2 and "E602" in r.output
    assert model.read_bytes() == before
    w = tmp_path / "w.npz"
    w.write_bytes(b"")
    r = run("compile", str(model), "--weights", str(w), "-o", str(w))
    assert r.exit_code == 2 and "E602" in r.output


def test_a_users_own_run_script_is_not_replaced_without_force(tmp_path):
    mine = tmp_path / "mnist_mlp.sh"
    mine.write_text("#!/bin/sh\necho my own script\n")
    r = run("compile", MLP, "-t", "singa", "-o", str(tmp_path))
    assert r.exit_code == 2 and "E603" in r.output and "mnist_mlp.sh" in r.output
    assert mine.read_text() == "#!/bin/sh\necho my own script\n"
    assert not (tmp_path / "mnist_mlp.conf").exists()  # nothing written when one file is refused
    r = run("compile", MLP, "-t", "singa", "-o", str(tmp_path), "--force")
    assert r.exit_code == 0 and "singa-run.sh" in mine.read_text()
    # nncc's own files (in the manifest, unchanged) are replaced on the next compile
    assert run("compile", MLP, "-t", "singa", "-o", str(tmp_path)).exit_code == 0
    # ... but not once the user edits one, nor by another target's compile
    mine.write_text(mine.read_text() + "# my edit\n")
    r = run("compile", MLP, "-t", "singa", "-o", str(tmp_path))
    assert r.exit_code == 2 and "changed since nncc wrote it" in r.output
    r = run("compile", LENET, "-t", "lbann", "-o", str(tmp_path))
    assert r.exit_code == 0  # different names (lenet5.*): no conflict
    (tmp_path / "lenet5.yaml").write_text(open(LENET).read().replace("model: lenet5", "model: mnist_mlp"))
    r = run("compile", str(tmp_path / "lenet5.yaml"), "-t", "lbann", "-o", str(tmp_path), "--force")
    assert r.exit_code == 0
    r = run("compile", MLP, "-t", "singa", "-o", str(tmp_path))
    assert r.exit_code == 2 and "for target lbann" in r.output


def test_demo_keeps_every_job_in_its_own_directory(tmp_path, capsys):
    from nncc import demo

    samples = tmp_path / "samples"
    samples.mkdir()
    for s in ("mnist_mlp.yaml", "cifar10_cnn.yaml"):
        (samples / s).write_text(open(os.path.join(ROOT, "samples", s)).read())
    out = tmp_path / "out"
    assert demo.main(str(samples), str(out)) == 0
    assert (out / "singa" / "mnist_mlp" / "mnist_mlp.conf").exists()
    assert (out / "singa" / "cifar10_cnn" / "cifar10_cnn.conf").exists()
    text = capsys.readouterr().out
    assert f"singa  {out}/singa/SAMPLE/MODEL.conf + MODEL.hostfile + MODEL.sh" in text
    # one line a sample and ten more (a where-line per target, pytorch's too): thirteen samples fit 24 lines
    assert len(text.splitlines()) == 2 + 10
    assert demo.main(str(samples), str(out)) == 0  # a second run replaces its own files


# ---------------------------------------------------------------- habits of gcc, ruff and click users

def test_stdin_and_stdout(tmp_path):
    src = open(LENET, "rb").read()
    r = CliRunner().invoke(main, ["compile", "-", "-o", "-"], input=src)
    assert r.exit_code == 0, r.stderr_bytes if hasattr(r, "stderr_bytes") else r.output
    model = onnx.load_from_string(r.stdout_bytes)
    assert model.graph.name == "lenet5"
    assert not os.path.exists("-")
    r = CliRunner().invoke(main, ["lint", "-"], input=src.replace(b"|> relu", b"|> rellu", 1))
    assert r.exit_code == 1 and "<stdin>:" in r.output and "did you mean `relu`" in r.output
    assert "|> rellu" in r.output  # the source line, from standard input
    r = run("compile", LENET, "-t", "lbann", "-o", "-")
    assert r.exit_code == 2 and "E601" in r.output


def test_quiet_and_verbose(tmp_path):
    r = run("compile", LENET, "-o", str(tmp_path) + "/", "-q")
    assert r.exit_code == 0 and r.output == ""
    r = run("compile", LENET, "-o", str(tmp_path) + "/", "-v")
    assert r.exit_code == 0 and "infer-shapes" in r.output and "opset=" in r.output
    r = run("lint", LENET, "-q")
    assert r.exit_code == 0 and r.output == ""
    assert run("lint", LENET, "-q", "-v").exit_code == 2


def test_ctrl_c_exits_130(monkeypatch, tmp_path):
    import nncc.driver

    def interrupted(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(nncc.driver, "compile_model", interrupted)
    r = run("compile", LENET, "-o", str(tmp_path) + "/")
    assert r.exit_code == 130 and "interrupted" in r.output and "Aborted" not in r.output


@pytest.mark.parametrize("args,needle", [
    (["compile", LENET, "-t", "onnx", "-t", "lbann"], "given 2 times"),
    (["compile", LENET, "-o", "a/", "-o", "b/"], "given 2 times"),
    (["compile", LENET, "--disable-pass=infer-shapes"], "required"),
    (["ir", LENET, "--print-after=dce"], "does not run without -t"),
    (["ir", LENET, "--disable-pass=fuse", "-t", "lbann"], "does not run for target lbann"),
    (["ir", LENET, "-O", "opset=18"], "give -t TARGET"),
    (["compile", LENET, "-D", "classes=3", "-D", "classes=4"], "given twice"),
])
def test_repeated_or_ignored_flags_are_errors(args, needle):
    r = run(*args)
    assert r.exit_code == 2 and needle in r.output, r.output


def _weights_bad(tmp_path) -> str:
    p = tmp_path / "bad.npz"
    p.write_bytes(b"not a zip")
    return str(p)


EXIT_PATHS = [  # (what, argv, expected exit code)
    ("unknown target", ["compile", LENET, "-t", "tensorflow"], 2),
    ("bad -O value", ["compile", LENET, "-O", "opset=99"], 2),
    ("unknown -O key", ["compile", LENET, "-O", "opsett=18"], 2),
    ("-O without =", ["compile", LENET, "-O", "opset"], 2),
    ("unknown pass", ["compile", LENET, "--disable-pass", "nope"], 2),
    ("bad --opt-level", ["compile", LENET, "--opt-level", "7"], 2),
    ("missing model", ["compile", "missing.yaml"], 2),
    ("model is a directory", ["compile", ROOT], 2),
    ("missing weights", ["compile", LENET, "--weights", "missing.npz"], 2),
    ("unknown option", ["compile", LENET, "--bogus"], 2),
    ("unknown command", ["compil", LENET], 2),
    ("lint a missing path", ["lint", "missing/"], 2),
    ("check an unknown target", ["check", LENET, "--targets", "nope"], 2),
    ("an error in the model", ["compile", os.path.join(ROOT, "tests", "hostile", "empty.yaml")], 1),
    ("a target that lacks an op", ["compile", RESNET20, "-t", "singa"], 1),
    ("lint: an error", ["lint", os.path.join(ROOT, "tests", "hostile", "empty.yaml")], 1),
]


@pytest.mark.parametrize("what,argv,code", EXIT_PATHS, ids=[e[0] for e in EXIT_PATHS])
def test_every_error_path_has_its_documented_exit_code(what, argv, code, tmp_path):
    r = run_in(tmp_path, *argv)
    assert r.exit_code == code, (what, r.output)
    assert "Traceback" not in r.output


def test_weights_that_do_not_fit_are_an_input_error(tmp_path):
    r = run_in(tmp_path, "compile", LENET, "--weights", _weights_bad(tmp_path))
    assert r.exit_code == 1 and "E503" in r.output


def test_internal_error_exits_3(monkeypatch, tmp_path):
    import nncc.driver

    def crash(*a, **kw):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(nncc.driver, "compile_model", crash)
    r = run("compile", LENET, "-o", str(tmp_path) + "/")
    assert r.exit_code == 3 and "internal error" in r.output


def test_the_exit_code_table_is_documented_where_users_look():
    from nncc.cmdline import EXIT_CODES

    doc = open(os.path.join(ROOT, "docs", "diagnostics.md")).read()
    for code, meaning in EXIT_CODES:
        assert f"| {code} | {meaning} |" in doc
    assert all(str(c) in run("--help").output for c, _ in EXIT_CODES)


@pytest.mark.parametrize("argv,guess", [
    (["compile", LENET, "-O", "opsett=18"], "did you mean `opset`"),
    (["ops", "conv"], "did you mean one of 'conv1d', 'conv2d'"),
    (["compile", LENET, "-t", "lbanx"], "did you mean 'lbann'"),
    (["ir", LENET, "--print-after", "infer-shape"], "did you mean 'infer-shapes'"),
    (["summry", LENET], "did you mean 'summary'"),
    (["check", LENET, "-O", "backend=SMV", "-O", "opsett=3"], "did you mean 'opset'"),
])
def test_every_name_a_user_types_gets_a_suggestion(argv, guess):
    r = run(*argv)
    assert r.exit_code == 2 and guess in r.output, r.output


def test_target_names_are_case_insensitive_and_targets_takes_names(tmp_path):
    r = run("compile", LENET, "-t", "LBANN", "-o", str(tmp_path))
    assert r.exit_code == 0 and (tmp_path / "lenet5.prototext").exists()
    r = run("targets", "lbann")
    assert r.exit_code == 0 and r.output.startswith("lbann") and "opset" not in r.output
    assert run("targets", "lbanx").exit_code == 2


def test_unknown_config_keys_are_errors(tmp_path):
    (tmp_path / ".nncc.toml").write_text('ignor = ["W101"]\n')
    (tmp_path / "m.yaml").write_text(open(LENET).read())
    r = run_in(tmp_path, "lint", "m.yaml")
    assert r.exit_code == 2 and "unknown key `ignor`" in r.output and "did you mean `ignore`" in r.output


def test_lint_of_a_directory_without_models_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    r = run("lint", str(tmp_path / "empty"))
    assert r.exit_code == 2 and "no model files" in r.output


def test_compile_reports_a_block_problem_once_not_per_use(tmp_path):
    r = run("compile", RESNET20, "-t", "singa", "-o", str(tmp_path))
    assert r.exit_code == 1
    assert r.output.count("no equivalent of `add`") == 1, r.output


def test_compile_shows_lint_warnings(tmp_path):
    model = tmp_path / "m.yaml"
    model.write_text(open(LENET).read().replace("  pool1:", "  unused: relu(conv1)\n  pool1:"))
    r = run("compile", str(model), "-o", str(tmp_path / "o") + "/")
    assert r.exit_code == 0 and "W101" in r.output and "unused" in r.output


def test_write_errors_name_the_users_file_not_the_temporary(tmp_path):
    (tmp_path / "lenet5.prototext").mkdir()  # a directory where the output file goes
    r = run("compile", LENET, "-t", "lbann", "-o", str(tmp_path), "--force")
    assert r.exit_code == 2, r.output
    assert f"{tmp_path}/lenet5.prototext" in r.output and ".tmp" not in r.output


def test_a_dedented_line_is_reported_on_its_own_line(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("nncc: 1\nmodel: m\ninputs:\n  x: f32[N, 4]\ngraph:\n  a: relu(x)\n"
                 "b: relu(a)\n  c: relu(b)\noutputs: [c]\n")
    r = run("lint", str(p))
    assert r.exit_code == 1 and f"{p}:7:1: error[E001]" in r.output and "indented less" in r.output


def test_a_tab_is_shown_and_named(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("nncc: 1\nmodel: m\ninputs:\n  x: f32[N, 4]\ngraph:\n  a: relu(x)\n\tb: relu(a)\noutputs: [b]\n")
    r = run("lint", str(p))
    assert r.exit_code == 1 and "a tab character in the indentation" in r.output
    assert "7 | →b: relu(a)" in r.output and "spaces only" in r.output


# ---------------------------------------------------------------- what the docs promise

def test_ir_and_summary_take_opt_level_pass_stats_and_target_options():
    r = run("ir", LENET, "-t", "onnx", "--opt-level", "0", "--pass-stats")
    assert r.exit_code == 0 and "infer-shapes" in r.output
    for args in ([], ["-t", "lbann"]):
        r = run("summary", LENET, "--pass-stats", *args)
        assert r.exit_code == 0 and "infer-shapes" in r.stderr and ("dce" in r.stderr) == bool(args)
    r = run("summary", os.path.join(ROOT, "samples", "lenet5_smaug.yaml"), "-t", "smaug", "-O", "backend=Reference")
    assert r.exit_code == 0, r.output
    r2 = run("summary", os.path.join(ROOT, "samples", "lenet5_smaug.yaml"), "-t", "smaug", "-O", "backend=SMV")
    assert r2.exit_code == 0 and r.output != r2.output


def test_check_takes_target_options(tmp_path):
    r = run("check", LENET, "--targets", "onnx", "-O", "opset=99")
    assert r.exit_code == 1 and "E502" in r.output
    assert run("check", LENET, "--targets", "onnx", "-O", "opset=18").exit_code == 0
    assert run("check", LENET, "--targets", "onnx", "--opt-level", "2").exit_code == 0
    assert run("check", LENET, "--opt-level", "3").exit_code == 2


# ---------------------------------------------------------------- progress on long work

class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_progress_is_plain_lines_off_a_terminal_and_only_after_a_second():
    import io

    from nncc.progress import DELAY, EVERY, Progress

    out, clock = io.StringIO(), _Clock()
    p = Progress("checking", total=12, unit="file", stream=out, clock=clock, thread=False)
    p.step("a.yaml")
    p.tick()
    assert out.getvalue() == ""  # quick work shows nothing
    clock.t = DELAY
    p.step("b.yaml")
    p.tick()
    assert out.getvalue() == "checking: 2/12 files b.yaml (1 s)\n"
    clock.t = DELAY + EVERY / 2
    p.tick()
    assert out.getvalue().count("\n") == 1  # at most one line per EVERY on the fake clock
    clock.t = DELAY + EVERY
    p.label_as("c.yaml")
    p.tick()
    assert out.getvalue().splitlines()[-1] == "checking: 2/12 files c.yaml (6 s)"
    p.close()
    assert "\r" not in out.getvalue()


def test_progress_is_a_bar_on_a_terminal_erased_at_the_end():
    import io

    from nncc.progress import DELAY, Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, clock = Tty(), _Clock()
    p = Progress("writing", total=100, unit="B", stream=out, clock=clock, thread=False)
    p.step(n=40)
    clock.t = DELAY
    p.tick()
    assert "writing:  40%|" in out.getvalue()
    p.close()
    assert out.getvalue().endswith("\r")  # leave=False: the bar's line is cleared


def test_check_over_many_files_shows_progress_and_q_silences_it(monkeypatch):
    import nncc.progress

    monkeypatch.setattr(nncc.progress, "DELAY", 0.0)  # show progress from the start
    monkeypatch.setattr(nncc.progress, "TICK", 0.01)
    samples = os.path.join(ROOT, "samples")
    r = run("check", samples, "--targets", "onnx", "-j", "1")
    assert "checking: " in r.stderr and " files " in r.stderr, r.stderr
    r = run("check", samples, "--targets", "onnx", "-j", "1", "-q")
    assert "checking" not in r.output


def test_compile_shows_its_phases(monkeypatch, tmp_path):
    import nncc.progress

    monkeypatch.setattr(nncc.progress, "DELAY", 0.0)
    monkeypatch.setattr(nncc.progress, "EVERY", 0.0)
    monkeypatch.setattr(nncc.progress, "TICK", 0.001)
    seen = []
    real = nncc.progress.Progress.label_as

    def spy(self, label):
        seen.append(label)
        real(self, label)

    monkeypatch.setattr(nncc.progress.Progress, "label_as", spy)
    r = run("compile", RESNET20, "-o", str(tmp_path))
    assert r.exit_code == 0
    assert seen == ["front end", "passes", "weights", "emit"]


def test_check_passes_opt_level_and_options_to_each_target(monkeypatch):
    import nncc.driver

    seen = []
    real = nncc.driver.compile_model

    def spy(path, target, **kw):
        seen.append((target, kw.get("opt_level"), kw.get("options")))
        return real(path, target, **kw)

    monkeypatch.setattr(nncc.driver, "compile_model", spy)
    r = run("check", LENET, "--targets", "onnx,lbann", "--opt-level", "0", "-O", "opset=18", "-j", "1")
    assert r.exit_code == 0, r.output
    assert seen == [("onnx", 0, {"opset": "18"}), ("lbann", 0, {})]  # -O only where the target has it


def test_check_takes_pass_flags_like_every_command_that_compiles():
    # SMAUG needs its layout pass: without it the flatten is refused, so the flag reaches the compile
    assert run("check", LENET, "--targets", "smaug").exit_code == 0
    r = run("check", LENET, "--targets", "smaug", "--disable-pass", "insert-layouts")
    assert r.exit_code == 1 and "E501" in r.output
    # a pass no other checked target runs is skipped there, not an error for them
    assert run("check", LENET, "--targets", "onnx,lbann", "--disable-pass", "fuse").exit_code == 0
    r = run("check", LENET, "--disable-pass", "legalize")
    assert r.exit_code == 2 and "required" in r.output
    r = run("check", LENET, "--disable-pass", "fusee")
    assert r.exit_code == 2 and "did you mean 'fuse'" in r.output
