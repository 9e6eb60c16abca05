"""`nncc lint`, `nncc check`, `nncc schema`: rules, suppression, configuration, formats, --fix."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nncc.cli import main
from nncc.lint import LintConfig, lint_file
from nncc.lint.config import ConfigError, discover, from_table
from nncc.lint.rules import RULES

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "samples").glob("*.yaml"))
SARIF_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference" / "sarif"

CLEAN = """\
# a small, clean model
nncc: 1
model: tiny
params:
  hidden: 32      # width of the hidden layer
  classes: 10
inputs:
  image: f32[N, 784]
  label: i64[N]
blocks:
  fc_relu(x, n):
    y: linear(x, n)
    return: relu(y)
graph:
  h: image |> fc_relu(hidden)
  logits: h |> linear(classes)
outputs: [logits]
train:
  loss: cross_entropy(logits, label)
  optimizer: sgd(lr=0.1)
  batch_size: 64
"""


def write(tmp_path: Path, text: str, name: str = "model.yaml") -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def findings(tmp_path: Path, text: str, cfg: LintConfig | None = None, name: str = "model.yaml"):
    p = write(tmp_path, text, name)
    return lint_file(str(p), cfg or LintConfig(root=str(tmp_path))).findings


def codes(fs) -> list[tuple[str, int, int]]:
    return [(f.diag.code, f.diag.span.line, f.diag.span.col) for f in fs]


def sub(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def cli(*args: str, cwd: Path | None = None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, list(args))
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, list(args))
    finally:
        os.chdir(old)


# ---------------------------------------------------------------- each rule, at its line:col

# (code, bad model, (line, col) of the finding); the good model is CLEAN, which triggers nothing
RULE_CASES = {
    "W101": (sub(CLEAN, "  logits: h |> linear(classes)\n", "  spare: h |> relu\n  logits: h |> linear(classes)\n"),
             (16, 3)),
    "W102": (sub(CLEAN, "  classes: 10\n", "  classes: 10\n  dropout_rate: 0.5\n"), (7, 3)),
    "W103": (sub(CLEAN, "  label: i64[N]\n", "  label: i64[N]\n  mask: f32[N, 784]\n"), (10, 3)),
    "W104": (sub(CLEAN, "graph:\n", "  spare(x):\n    return: relu(x)\ngraph:\n"), (14, 3)),
    "W105": (sub(CLEAN, "  h: image |> fc_relu(hidden)", "  tanh: image |> fc_relu(hidden)").replace(
        "logits: h |>", "logits: tanh |>"), (15, 3)),
    "W106": (sub(CLEAN, "nncc: 1\n", ""), (2, 1)),
    "W107": (CLEAN.replace("relu(y)", "gelu(y)") + "targets:\n  smaug: {}\n", (13, 13)),
    "W108": (sub(CLEAN, "sgd(lr=0.1)", "sgd(lr=10, momentum=0.9)"), (20, 18)),
    "W109": (sub(CLEAN, "h |> linear(classes)", "h |> dropout(p=0.95) |> linear(classes)"), (16, 26)),
    "W110": (CLEAN + "  distributed: {nodes: 3, procs_per_node: 2}\n", (21, 15)),
    "W111": (CLEAN.replace("hidden", "hiddenWidth"), (5, 3)),
    "W112": (sub(CLEAN, "hidden: 32", "hidden: 40000"), (12, 8)),
}


def test_every_warning_rule_has_a_case():
    assert {c for c in RULES if c.startswith("W1")} == set(RULE_CASES)  # W5xx come from targets


def test_clean_model_has_no_findings(tmp_path):
    assert codes(findings(tmp_path, CLEAN)) == []


@pytest.mark.parametrize("code", sorted(RULE_CASES))
def test_rule_triggers_at_line_col(tmp_path, code):
    text, (line, col) = RULE_CASES[code]
    cfg = LintConfig(root=str(tmp_path), max_weight_bytes=4 * 1024 * 1024 if code == "W112" else 1 << 29)
    got = codes(findings(tmp_path, text, cfg))
    assert (code, line, col) in got, got
    assert all(c == code for c, _, _ in got), got  # the bad example triggers nothing else


@pytest.mark.parametrize("code", sorted(RULE_CASES))
def test_rule_is_quiet_on_good_model(tmp_path, code):
    cfg = LintConfig(root=str(tmp_path), max_weight_bytes=4 * 1024 * 1024)
    assert [c for c, _, _ in codes(findings(tmp_path, CLEAN, cfg)) if c == code] == []


@pytest.mark.parametrize("name,what", [("tanh", "op"), ("gaussian", "initializer"), ("normal", "initializer"),
                                       ("len", "built-in function"), ("repeat", "built-in function"),
                                       ("encoder", None)])
def test_w105_names_what_a_name_hides(tmp_path, name, what):
    text = sub(CLEAN, "  h: image |> fc_relu(hidden)", f"  {name}: image |> fc_relu(hidden)").replace(
        "logits: h |>", f"logits: {name} |>")
    got = [f.diag.message for f in findings(tmp_path, text) if f.diag.code == "W105"]
    assert got == ([f"`{name}` hides the {what} `{name}`"] if what else []), got


def test_w101_multi_target_and_block_lines(tmp_path):
    text = sub(CLEAN, "    y: linear(x, n)\n", "    y: linear(x, n)\n    z: sigmoid(x)\n")
    got = codes(findings(tmp_path, text))
    assert got == [("W101", 13, 5)]


def test_w102_param_used_only_in_untaken_branch_or_default_is_used(tmp_path):
    text = sub(CLEAN, "  classes: 10\n", "  classes: 10\n  wide: false\n  big: 64\n  alt: 16\n")
    text = sub(text, "  fc_relu(x, n):\n", "  fc_relu(x, n=alt):\n")
    text = sub(text, "fc_relu(hidden)", "fc_relu(big if wide else hidden)")
    assert codes(findings(tmp_path, text)) == []


def test_w109_dropout_zero(tmp_path):
    text = sub(CLEAN, "h |> linear(classes)", "h |> dropout(p=0) |> linear(classes)")
    got = findings(tmp_path, text)
    assert codes(got) == [("W109", 16, 26)] and "does nothing" in got[0].diag.message


def test_w110_procs_per_trainer_and_data_batch(tmp_path):
    text = CLEAN + "  distributed: {nodes: 4, procs_per_node: 4, procs_per_trainer: 4}\n"
    assert codes(findings(tmp_path, text)) == []
    text = sub(CLEAN, "batch_size: 64", "batch_size: 66") + "  distributed: {procs_per_trainer: 4}\n"
    assert codes(findings(tmp_path, text)) == [("W110", 21, 15)]


def test_w107_target_needs_train(tmp_path):
    text = CLEAN.split("train:")[0] + "targets:\n  lbann: {}\n"
    from nncc import target as T

    if T.get("lbann") is None:
        pytest.skip("lbann target not available")
    got = codes(findings(tmp_path, text))
    assert ("W107", 19, 3) in got


def test_w107_quiet_for_supported_target(tmp_path):
    assert codes(findings(tmp_path, CLEAN + "targets:\n  onnx: {opset: 18}\n")) == []


def test_unknown_target_in_targets_section_is_e502(tmp_path):
    got = codes(findings(tmp_path, CLEAN + "targets:\n  onxx: {}\n"))
    assert got == [("E502", 23, 3)]


@pytest.mark.parametrize("text,expected", [
    ("nncc: 1\nmodel: [x\n", "E001"),
    (sub(CLEAN, "|> linear(classes)", "|> linear(clases)"), "E301"),
    (sub(CLEAN, "graph:\n", "grph:\n"), "E010"),
    (sub(CLEAN, "sgd(lr=0.1)", "sgd(rl=0.1)"), "E306"),
])
def test_compiler_errors_are_reported_as_e_codes(tmp_path, text, expected):
    got = codes(findings(tmp_path, text))
    assert expected in {c for c, _, _ in got}, got
    res = cli("lint", str(tmp_path / "model.yaml"))
    assert res.exit_code == 1, res.output


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_samples_lint_clean(path):
    assert codes(lint_file(str(path), LintConfig(root=str(ROOT))).findings) == []


def test_rules_are_documented_with_bad_and_good_examples():
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for code in RULES:
        assert re.search(rf"^#+ .*{code}\b", doc, re.MULTILINE) or f"`{code}`" in doc, f"{code} not in docs/rules.md"
    for code in RULE_CASES:
        section = doc.split(f"### {code}", 1)[1].split("\n### ", 1)[0]
        assert "Bad" in section and "Good" in section, code


# ---------------------------------------------------------------- suppression and configuration

def test_inline_suppression(tmp_path):
    bad, _ = RULE_CASES["W102"]
    text = sub(bad, "dropout_rate: 0.5", "dropout_rate: 0.5   # nncc: ignore[W102]")
    assert codes(findings(tmp_path, text)) == []
    text = sub(bad, "dropout_rate: 0.5", "dropout_rate: 0.5   # nncc: ignore[W101]")
    assert [c for c, _, _ in codes(findings(tmp_path, text))] == ["W102"]
    text = sub(bad, "dropout_rate: 0.5", "dropout_rate: 0.5   # nncc: ignore")
    assert codes(findings(tmp_path, text)) == []
    text = sub(bad, "dropout_rate: 0.5", "dropout_rate: 0.5   # nncc: ignore[W1]")
    assert codes(findings(tmp_path, text)) == []


def test_file_level_suppression(tmp_path):
    text = CLEAN.replace("hidden", "hiddenWidth") + "# nncc: ignore-file[W111]\n"
    assert codes(findings(tmp_path, text)) == []


def test_suppression_inside_a_string_is_not_a_comment(tmp_path):
    bad, _ = RULE_CASES["W102"]
    text = sub(bad, "dropout_rate: 0.5", "dropout_rate: \"'#nncc: ignore'\"")
    assert [c for c, _, _ in codes(findings(tmp_path, text))] == ["W102"]


def test_select_ignore_and_per_file_ignores(tmp_path):
    bad, _ = RULE_CASES["W111"]
    assert codes(findings(tmp_path, bad, from_table({"ignore": ["W111"]}, "x", str(tmp_path)))) == []
    assert codes(findings(tmp_path, bad, from_table({"select": ["E"]}, "x", str(tmp_path)))) == []
    cfg = from_table({"per-file-ignores": {"legacy/*.yaml": ["W1"]}}, "x", str(tmp_path))
    assert codes(findings(tmp_path, bad, cfg, name="legacy/m.yaml")) == []
    assert [c for c, _, _ in codes(findings(tmp_path, bad, cfg, name="new/m.yaml"))] == ["W111"]


def test_config_discovery_pyproject_and_dot_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.nncc]\nignore = ["W111"]\n'
                                             'targets = ["onnx"]\nmax-weight-bytes = 1024\n')
    sub_dir = tmp_path / "models" / "deep"
    sub_dir.mkdir(parents=True)
    cfg = discover(str(sub_dir))
    assert cfg.ignore == ("W111",) and cfg.targets == ("onnx",) and cfg.max_weight_bytes == 1024
    assert Path(cfg.root) == tmp_path
    (tmp_path / "models" / ".nncc.toml").write_text('select = ["E"]\n')
    cfg = discover(str(sub_dir))
    assert cfg.select == ("E",) and cfg.ignore == ()


def test_bad_config_is_a_usage_error(tmp_path):
    with pytest.raises(ConfigError):
        from_table({"ignore": ["X1"]}, "x", str(tmp_path))
    write(tmp_path, CLEAN)
    (tmp_path / ".nncc.toml").write_text("select = [\n")
    res = cli("lint", "model.yaml", cwd=tmp_path)
    assert res.exit_code == 2 and "invalid TOML" in res.output


def test_cli_config_applies(tmp_path):
    bad, _ = RULE_CASES["W111"]
    write(tmp_path, bad)
    (tmp_path / ".nncc.toml").write_text('ignore = ["W111"]\n')
    res = cli("lint", "--strict", "model.yaml", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    res = cli("lint", "--strict", "--select", "W111", "--config", str(tmp_path / "none.toml"), "model.yaml",
              cwd=tmp_path)
    assert res.exit_code == 2


# ---------------------------------------------------------------- command line: exit codes, paths

def test_exit_codes_and_strict(tmp_path):
    write(tmp_path, CLEAN, "clean.yaml")
    write(tmp_path, RULE_CASES["W102"][0], "warn.yaml")
    write(tmp_path, "nncc: 1\ngraph: {a: relu(b)}\ninputs: {x: f32[N]}\noutputs: [a]\n", "err.yaml")
    assert cli("lint", str(tmp_path / "clean.yaml")).exit_code == 0
    assert cli("lint", "--strict", str(tmp_path / "clean.yaml")).exit_code == 0
    assert cli("lint", str(tmp_path / "warn.yaml")).exit_code == 0
    assert cli("lint", "--strict", str(tmp_path / "warn.yaml")).exit_code == 1
    assert cli("lint", str(tmp_path / "err.yaml")).exit_code == 1
    assert cli("lint", str(tmp_path / "missing.yaml")).exit_code == 2
    assert cli("lint", "--format", "xml", str(tmp_path / "clean.yaml")).exit_code == 2


def test_directories_recurse_and_skip_other_yaml(tmp_path):
    write(tmp_path, CLEAN, "models/a.yaml")
    write(tmp_path, RULE_CASES["W102"][0], "models/sub/b.yml")
    write(tmp_path, "name: CI\non: [push]\njobs: {}\n", "models/.github/workflows/ci.yml")
    write(tmp_path, "version: '3'\nservices: {}\n", "models/docker-compose.yaml")
    write(tmp_path, RULE_CASES["W102"][0], "models/.hidden/c.yaml")
    res = cli("lint", "--format", "json", "models", cwd=tmp_path)
    doc = json.loads(res.output)
    assert doc["summary"]["files"] == 2
    assert {d["file"] for d in doc["diagnostics"]} == {os.path.join("models", "sub", "b.yml")}
    # a non-model YAML file named explicitly is linted (and fails)
    assert cli("lint", "models/docker-compose.yaml", cwd=tmp_path).exit_code == 1
    # ... unless --models-only (what the pre-commit hooks pass)
    res = cli("lint", "--models-only", "models/docker-compose.yaml", "models/a.yaml", cwd=tmp_path)
    assert res.exit_code == 0 and "1 file checked" in res.output


def test_pre_commit_hooks():
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"nncc-lint", "nncc-check"}
    for h in hooks.values():
        assert h["entry"].split()[:2] in (["nncc", "lint"], ["nncc", "check"]) and h["language"] == "python"


def test_parallel_matches_serial(tmp_path):
    for i in range(20):
        write(tmp_path, RULE_CASES["W10" + str(i % 9 + 1)][0], f"m{i:02d}.yaml")
    one = json.loads(cli("lint", "--format", "json", "-j", "1", str(tmp_path)).output)
    two = json.loads(cli("lint", "--format", "json", "-j", "2", str(tmp_path)).output)
    assert one == two and one["summary"]["files"] == 20


def test_text_output_has_snippet_and_summary(tmp_path):
    p = write(tmp_path, RULE_CASES["W102"][0])
    res = cli("lint", str(p))
    assert f"{p}:7:3: warning[W102]: param `dropout_rate` is never used" in res.output
    assert "^^^^^^^^^^^^" in res.output and "1 warning in 1 file (1 fixable with --fix)" in res.output
    assert "\x1b[" not in res.output  # no colour when not a terminal


def test_lint_imports_no_heavy_modules():
    code = ("import sys\nfrom click.testing import CliRunner\nfrom nncc.cli import main\n"
            f"r = CliRunner().invoke(main, ['lint', '-j', '1', {str(ROOT / 'samples')!r}])\n"
            "assert r.exit_code == 0, r.output\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('onnx', 'onnxruntime', 'torch', 'jinja2', 'google')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------- machine-readable formats

def _validator(schema: dict):
    jsonschema = pytest.importorskip("jsonschema")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture
def mixed(tmp_path):
    write(tmp_path, RULE_CASES["W102"][0], "warn.yaml")
    write(tmp_path, sub(CLEAN, "|> linear(classes)", "|> linear(clases)"), "err.yaml")
    write(tmp_path, CLEAN, "clean.yaml")
    return tmp_path


def test_json_output_matches_its_schema(mixed):
    res = cli("lint", "--format", "json", ".", cwd=mixed)
    assert res.exit_code == 1
    doc = json.loads(res.output)
    schema = json.loads((ROOT / "docs" / "lint-output.schema.json").read_text())
    _validator(schema).validate(doc)
    assert doc["summary"] == {"files": 3, "errors": 1, "warnings": 1, "fixable": 1, "fixed": 0}
    assert {d["code"] for d in doc["diagnostics"]} == {"E301", "W102"}


def test_sarif_output_matches_sarif_2_1_0(mixed):
    schema_path = SARIF_DIR / "sarif-schema-2.1.0.json"
    if not schema_path.exists():
        pytest.skip("SARIF schema not available")
    res = cli("lint", "--format", "sarif", ".", cwd=mixed)
    doc = json.loads(res.output)
    _validator(json.loads(schema_path.read_text())).validate(doc)
    run = doc["runs"][0]
    results = {r["ruleId"]: r for r in run["results"]}
    assert set(results) == {"E301", "W102"}
    w = results["W102"]
    assert w["level"] == "warning"
    loc = w["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "warn.yaml", "uriBaseId": "%SRCROOT%"}
    assert loc["region"]["startLine"] == 7 and loc["region"]["startColumn"] == 3
    assert run["tool"]["driver"]["rules"][w["ruleIndex"]]["id"] == "W102"


GITHUB = re.compile(r"^::(error|warning|notice) file=[^,:]+,line=\d+,col=\d+(,endLine=\d+)?(,endColumn=\d+)?"
                    r"(,title=[^,:]+)?::[^\r\n]+$")


def test_github_annotations(mixed):
    res = cli("lint", "--format", "github", ".", cwd=mixed)
    lines = res.output.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        assert GITHUB.match(line), line
    assert "::warning file=warn.yaml,line=7,col=3," in res.output
    assert any(line.startswith("::error file=err.yaml,line=16,") for line in lines)


def test_output_file(mixed):
    res = cli("lint", "--format", "sarif", "--output-file", "out.sarif", ".", cwd=mixed)
    assert res.exit_code == 1 and res.output == ""
    assert json.loads((mixed / "out.sarif").read_text())["version"] == "2.1.0"


# ---------------------------------------------------------------- --fix

def test_fix_keeps_comments_and_order_and_lints_clean(tmp_path):
    text = sub(CLEAN, "nncc: 1\n", "")
    text = sub(text, "  classes: 10\n", "  classes: 10\n  unused_a: 3        # old knob\n  unused_b: 2 * unused_a\n")
    p = write(tmp_path, text)
    res = cli("lint", "--fix", str(p))
    assert res.exit_code == 0, res.output
    fixed = p.read_text()
    expected = "# a small, clean model\nnncc: 1\n" + CLEAN.split("nncc: 1\n", 1)[1]
    assert fixed == expected  # comments, key order and layout kept; the two params and nothing else gone
    assert "fixed 3 problems" in res.output
    assert cli("lint", "--strict", str(p)).exit_code == 0


def test_fix_leaves_flow_style_alone(tmp_path):
    text = sub(CLEAN, "params:\n  hidden: 32      # width of the hidden layer\n  classes: 10\n",
               "params: {hidden: 32, classes: 10, spare: 1}\n")
    p = write(tmp_path, text)
    fs = lint_file(str(p), LintConfig(root=str(tmp_path))).findings
    assert [(f.diag.code, f.fix) for f in fs] == [("W102", None)]
    cli("lint", "--fix", str(p))
    assert p.read_text() == text


def test_fix_with_crlf_and_bom(tmp_path):
    text = "\ufeff" + sub(CLEAN, "nncc: 1\n", "").replace("\n", "\r\n")
    p = tmp_path / "model.yaml"
    p.write_bytes(text.encode("utf-8"))
    cli("lint", "--fix", str(p))
    out = p.read_bytes().decode("utf-8")
    assert out.startswith("\ufeff# a small, clean model\r\nnncc: 1\n")
    assert cli("lint", "--strict", str(p)).exit_code == 0


# ---------------------------------------------------------------- nncc check

def test_check_compiles_in_memory(tmp_path):
    p = write(tmp_path, CLEAN)
    before = sorted(os.listdir(tmp_path))
    res = cli("check", "--targets", "onnx", str(p), cwd=tmp_path)
    assert res.exit_code == 0, res.output
    assert sorted(os.listdir(tmp_path)) == before


def test_check_reports_target_errors(tmp_path):
    from nncc import target as T

    if T.get("smaug") is None:
        pytest.skip("smaug target not available")
    p = write(tmp_path, CLEAN.replace("relu(y)", "gelu(y)"))
    res = cli("check", "--targets", "smaug", "--format", "json", str(p), cwd=tmp_path)
    doc = json.loads(res.output)
    assert res.exit_code == 1
    assert any(d["code"] == "E501" and d["message"].startswith("[smaug]") and d["line"] == 13
               for d in doc["diagnostics"])


def test_check_unknown_target_is_usage_error(tmp_path):
    p = write(tmp_path, CLEAN)
    res = cli("check", "--targets", "onnx,tensorflow", str(p))
    assert res.exit_code == 2 and "tensorflow" in res.output


def test_check_default_targets_from_file(tmp_path):
    p = write(tmp_path, CLEAN + "targets:\n  onnx: {opset: 18}\n")
    from nncc.lint.runner import _targets_for

    assert _targets_for(str(p), p.read_text(), LintConfig(), ()) == ["onnx"]
    assert _targets_for(str(p), p.read_text(), LintConfig(targets=("lbann",)), ()) == ["lbann"]
    from nncc import target as T

    assert _targets_for(str(p), p.read_text(), LintConfig(), ("all",)) == T.available()


# ---------------------------------------------------------------- nncc schema

@pytest.fixture(scope="module")
def model_validator():
    res = CliRunner().invoke(main, ["schema"])
    assert res.exit_code == 0
    return _validator(json.loads(res.output))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_schema_accepts_samples(model_validator, path):
    import yaml

    model_validator.validate(yaml.safe_load(path.read_text()))


def test_schema_accepts_clean(model_validator):
    import yaml

    model_validator.validate(yaml.safe_load(CLEAN))


@pytest.mark.parametrize("bad", [
    sub(CLEAN, "graph:\n", "grpah:\n"),                                 # unknown section, graph missing
    sub(CLEAN, "outputs: [logits]\n", "outputs: {logits: 1}\n"),        # outputs must be a list
    sub(CLEAN, "  image: f32[N, 784]", "  image: [N, 784]"),            # a type is a string
    sub(CLEAN, "  image: f32[N, 784]", "  image: tensor"),              # not DTYPE[dims]
    sub(CLEAN, "  hidden: 32 ", "  hidden: [32] "),                     # params are scalars
    sub(CLEAN, "  batch_size: 64", "  batch_size: 64\n  batchsize: 64"),  # unknown train key
    sub(CLEAN, "sgd(lr=0.1)", "{name: sgd, lr: 0.1}"),                  # optimizer is a call
    sub(CLEAN, "  fc_relu(x, n):\n", "  fc_relu:\n"),                       # block key is a signature
    CLEAN + "targets:\n  onnx: [18]\n",                                # options are a mapping
    CLEAN + "targets:\n  tensorflow: {}\n",                             # unknown target
    "- a list\n- of things\n",                                          # not a mapping at all
])
def test_schema_rejects_structurally_wrong(model_validator, bad):
    import jsonschema
    import yaml

    with pytest.raises(jsonschema.ValidationError):
        model_validator.validate(yaml.safe_load(bad))


def test_text_colour_on_a_terminal(tmp_path):
    from nncc.lint.report import render

    p = write(tmp_path, RULE_CASES["W102"][0])
    res = lint_file(str(p), LintConfig(root=str(tmp_path)))
    coloured = render([res], "text", color=True)
    assert "\x1b[1;33mwarning[W102]" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == render([res], "text", color=False)
