"""Malformed models: each gives the expected code at the expected line:col, exit 1, and no traceback.

Each case is a small model file written inline; `^` in the expected location is
found by searching the file text, so the tests read like the error they check.
"""
from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner
from onnx_harness import where

from nncc.cli import main
from nncc.diagnostics import CompileError
from nncc.driver import compile_model, frontend

GOOD = """\
nncc: 1
model: tiny
params:
  classes: 10
  width: 8
inputs:
  image: f32[N, 1, 28, 28]
  label: i64[N]
graph:
  c1: conv2d(image, width, 5) |> relu
  p1: max_pool2d(c1, 2)
  flat: flatten(p1)
  logits: linear(flat, classes)
outputs: [logits]
train:
  loss: cross_entropy(logits, label)
  optimizer: sgd(lr=0.1)
  batch_size: 32
  epochs: 1
"""


# (id, model text, expected code, text whose first character the caret must point at, occurrence)
CASES = [
    ("yaml-syntax", GOOD.replace("  width: 8", "  width: [8"), "E001", None, 0),
    ("yaml-bad-indent", GOOD.replace("  c1: conv2d", " c1: conv2d"), "E001", None, 0),
    ("unknown-section", GOOD + "trian:\n  epochs: 2\n", "E010", "trian", 0),
    ("unknown-section-typo", GOOD.replace("graph:", "grpah:"), "E010", "grpah", 0),
    ("missing-graph", GOOD.replace("graph:", "graphs:"), "E012", None, 0),
    ("unsupported-version", GOOD.replace("nncc: 1", "nncc: 7"), "E013", "7", 0),
    ("undefined-name", GOOD.replace("max_pool2d(c1, 2)", "max_pool2d(c2, 2)"), "E301", "c2, 2", 0),
    ("misspelt-name", GOOD.replace("linear(flat, classes)", "linear(flat, clases)"), "E301", "clases", 0),
    ("use-before-def", GOOD.replace("max_pool2d(c1, 2)", "max_pool2d(flat, 2)"), "E302", "flat, 2", 0),
    ("unknown-op", GOOD.replace("max_pool2d(c1, 2)", "maxpool(c1, 2)"), "E303", "maxpool", 0),
    ("misspelt-op", GOOD.replace("|> relu", "|> rellu"), "E303", "rellu", 0),
    ("too-many-args", GOOD.replace("max_pool2d(c1, 2)", "max_pool2d(c1, 2, 2, 0, false, 1, 9)"), "E304", "9", 0),
    ("missing-arg", GOOD.replace("linear(flat, classes)", "linear(flat)"), "E304", "linear(flat)", 0),
    ("wrong-arg-type", GOOD.replace("conv2d(image, width, 5)", 'conv2d(image, "wide", 5)'), "E305", '"wide"', 0),
    ("tensor-where-int", GOOD.replace("linear(flat, classes)", "linear(flat, flat)"), "E305", "flat)", 0),
    ("unknown-kwarg", GOOD.replace("conv2d(image, width, 5)", "conv2d(image, width, 5, strid=2)"), "E306",
     "strid", 0),
    ("kwarg-twice", GOOD.replace("conv2d(image, width, 5)", "conv2d(image, width, 5, kernel=3)"), "E313",
     "kernel=3", 0),
    ("conv-on-2d", GOOD.replace("linear(flat, classes)", "conv2d(flat, classes, 3)"), "E201", "flat, classes", 0),
    ("linear-shape-mismatch", GOOD.replace("max_pool2d(c1, 2)", "max_pool2d(c1, 2)\n  m: matmul(p1, image)"),
     "E201", "image)", 0),
    ("add-broadcast", GOOD.replace("flatten(p1)", "flatten(p1 + c1)"), "E201", "c1)", 0),
    ("concat-mismatch", GOOD.replace("flatten(p1)", "flatten(concat([p1, c1]))"), "E201", "c1]", 0),
    ("kernel-too-big", GOOD.replace("conv2d(image, width, 5)", "conv2d(image, width, 31)"), "E202", "31", 0),
    ("bad-dtype", GOOD.replace("f32[N, 1, 28, 28]", "f31[N, 1, 28, 28]"), "E101", "f31", 0),
    ("zero-dim", GOOD.replace("f32[N, 1, 28, 28]", "f32[N, 0, 28, 28]"), "E202", "0, 28", 0),
    ("negative-dim", GOOD.replace("f32[N, 1, 28, 28]", "f32[N, 1, -28, 28]"), "E202", "-28", 0),
    ("duplicate-name", GOOD.replace("  flat: flatten(p1)", "  c1: flatten(p1)"), "E004", "c1: flatten", 0),
    ("duplicate-input-graph", GOOD.replace("  flat: flatten(p1)\n", "  flat: flatten(p1)\n  image: relu(flat)\n"),
     "E307", "image: relu", 0),
    ("recursive-block", GOOD.replace("graph:", "blocks:\n  loop(x):\n    y: loop(x)\n    return: y\ngraph:")
     .replace("flatten(p1)", "flatten(loop(p1))"), "E308", "loop(x)\n", 0),
    ("repeat-non-integer", GOOD.replace("graph:", "blocks:\n  b(x):\n    return: relu(x)\ngraph:")
     .replace("flatten(p1)", "flatten(p1 |> repeat(width / 3, b))"), "E309", "width / 3", 0),
    ("division-by-zero", GOOD.replace("  width: 8", "  width: 8 // (classes - 10)"), "E310", "classes - 10", 0),
    ("dropout-p1", GOOD.replace("flatten(p1)", "flatten(p1) |> dropout(1.0)"), "E202", "1.0", 0),
    ("split-uneven", GOOD.replace("  flat: flatten(p1)", "  a, b, c: split(p1, 3, axis=1)\n  flat: flatten(a)"),
     "E202", "3, axis", 0),
    ("destructure-names", GOOD.replace("  flat: flatten(p1)", "  a, b, c: split(p1, 2, axis=1)\n  flat: flatten(a)"),
     "E311", "a, b, c", 0),
    ("undefined-output", GOOD.replace("outputs: [logits]", "outputs: [logit]"), "E312", "logit]", 0),
    ("expr-syntax", GOOD.replace("max_pool2d(c1, 2)", "max_pool2d(c1 2)"), "E101", "2)", 0),
    ("unclosed-bracket", GOOD.replace("max_pool2d(c1, 2)", "max_pool2d(c1, 2"), "E101", None, 0),
    ("unknown-optimizer", GOOD.replace("sgd(lr=0.1)", "sgdd(lr=0.1)"), "E401", "sgdd", 0),
    ("optimizer-bad-arg", GOOD.replace("sgd(lr=0.1)", "sgd(lr=0.1, momentun=0.9)"), "E306", "momentun", 0),
    ("train-missing-lr", GOOD.replace("sgd(lr=0.1)", "sgd(momentum=0.9)"), "E403", "sgd(momentum", 0),
    ("train-unknown-key", GOOD.replace("  epochs: 1", "  epoch: 1"), "E015", "epoch:", 0),
    ("loss-not-a-loss", GOOD.replace("cross_entropy(logits, label)", "relu(logits)"), "E402", "relu(logits)", 0),
    ("label-shape", GOOD.replace("label: i64[N]", "label: i64[N, 3]"), "E201", "label)", 0),
    ("python-tag", GOOD.replace("  width: 8", "  width: !!python/object:os.system 8"), "E003", None, 0),
    ("groups-divide", GOOD.replace("conv2d(image, width, 5)", "conv2d(image, width, 5, groups=3)"), "E202",
     "3)", 0),
    ("if-on-tensor", GOOD.replace("flatten(p1)", "flatten(p1 if p1 else c1)"), "E315", "p1 else", 0),
    ("block-missing-return", GOOD.replace("graph:", "blocks:\n  b(x):\n    y: relu(x)\ngraph:")
     .replace("flatten(p1)", "flatten(b(p1))"), "E316", "b(x)", 0),
    ("bad-define-name", GOOD.replace("  width: 8", "  2width: 8"), "E104", "2width", 0),
]


@pytest.mark.parametrize("name,text,code,caret,nth", CASES, ids=[c[0] for c in CASES])
def test_malformed(tmp_path, name, text, code, caret, nth):
    p = tmp_path / "model.yaml"
    p.write_text(text)
    with pytest.raises(CompileError) as ei:
        compile_model(str(p), "onnx", emit=False)
    diags = ei.value.diagnostics
    codes = [d.code for d in diags]
    assert code in codes, f"expected {code}, got {[(d.code, d.message) for d in diags]}"
    d = next(d for d in diags if d.code == code)
    assert d.span is not None and d.span.file == str(p)
    if caret is not None:
        assert (d.span.line, d.span.col) == where(text, caret, nth), (d.message, d.span)
    # the CLI: exit 1, rendered diagnostic with a caret, never a traceback
    r = CliRunner().invoke(main, ["lint", str(p)])
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    assert f"error[{code}]" in r.output
    assert f"{p}:{d.span.line}:{d.span.col}" in r.output


def test_at_least_thirty_cases():
    assert len({c[2] for c in CASES}) >= 25 and len(CASES) >= 30


def test_independent_errors_reported_together(tmp_path):
    text = GOOD.replace("max_pool2d(c1, 2)", "max_pool2d(c9, 2)")
    text = text.replace("sgd(lr=0.1)", "sgdd(lr=0.1)").replace("  epochs: 1", "  epoch: 1")
    p = tmp_path / "m.yaml"
    p.write_text(text)
    with pytest.raises(CompileError) as ei:
        frontend(str(p))
    codes = sorted(d.code for d in ei.value.diagnostics)
    assert codes == ["E015", "E301", "E401"], codes


def test_poisoned_value_reported_once(tmp_path):
    text = GOOD.replace("max_pool2d(c1, 2)", "max_pool2d(c9, 2)")
    p = tmp_path / "m.yaml"
    p.write_text(text)
    with pytest.raises(CompileError) as ei:
        frontend(str(p))
    assert [d.code for d in ei.value.diagnostics] == ["E301"]


def test_rendering_has_caret_and_help(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text(GOOD.replace("|> relu", "|> rellu"))
    r = CliRunner().invoke(main, ["lint", str(p)])
    line, col = where(p.read_text(), "rellu")
    expected = textwrap.dedent(f"""\
        {p}:{line}:{col}: error[E303]: unknown op or block `rellu`
           |
        10 |   c1: conv2d(image, width, 5) |> rellu
           |                                  ^^^^^
           = help: did you mean `relu`?""")
    assert expected in r.output


@pytest.mark.parametrize("value", ['"flatten(p1) |> linar(4)"', "'flatten(p1) |> linar(4)'",
                                   ">\n    flatten(p1)\n    |> linar(4)"], ids=["double", "single", "folded"])
def test_caret_inside_quoted_and_folded_scalars(tmp_path, value):
    text = GOOD.replace("  flat: flatten(p1)", f"  flat: {value}")
    p = tmp_path / "m.yaml"
    p.write_text(text)
    with pytest.raises(CompileError) as ei:
        frontend(str(p))
    d = ei.value.diagnostics[0]
    assert (d.span.line, d.span.col) == where(text, "linar")


def test_define_override_and_unknown(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text(GOOD)
    fe = frontend(str(p), {"classes": "3"})
    assert fe.graph.outputs[0].type.shape == ("N", 3)
    with pytest.raises(CompileError) as ei:
        frontend(str(p), {"clases": "3"})
    assert ei.value.diagnostics[0].code == "E314" and "classes" in ei.value.diagnostics[0].help


def test_exit_codes(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text(GOOD)
    runner = CliRunner()
    assert runner.invoke(main, ["lint", str(p)]).exit_code == 0
    assert runner.invoke(main, ["compile", str(tmp_path / "missing.yaml")]).exit_code == 2
    assert runner.invoke(main, ["compile", str(p), "--bogus-flag"]).exit_code == 2
    assert runner.invoke(main, ["compile", str(p), "-t", "nope", "-o", str(tmp_path / "x")]).exit_code == 2
    p.write_bytes(b"nncc: 1\nmodel: \xff\xfe\n")
    r = runner.invoke(main, ["lint", str(p)])
    assert r.exit_code == 1 and "E002" in r.output
