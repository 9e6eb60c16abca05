"""The diagnostic catalogue (nncc/codes.py): every code the source can report is in it,
every entry is used (or reserved), the docs generated from it are up to date, and one
kind of failure has one code on every target."""
from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest

from nncc import codes
from nncc.codes import CATALOGUE
from nncc.diagnostics import CompileError, Diagnostic, DiagnosticBag
from nncc.driver import compile_model
from nncc.shapes import dim_sum

ROOT = Path(__file__).resolve().parent.parent
CODE_RE = re.compile(r"\b[EW]\d{3}\b")
SOURCES = sorted(p for d in ("nncc", "targets") for p in (ROOT / d).rglob("*.py") if not p.name.endswith("_pb2.py"))
CATALOGUE_FILE = ROOT / "nncc" / "codes.py"


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are docstrings (they may talk about codes)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _scan() -> tuple[list[str], dict[str, set[str]], set[str]]:
    """(literal codes at call sites, codes mentioned in strings -> where, `codes.NAME` references)."""
    literals: list[str] = []
    mentioned: dict[str, set[str]] = {}
    referenced: set[str] = set()
    for path in SOURCES:
        if path == CATALOGUE_FILE:
            continue
        rel = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                if re.fullmatch(r"[EW]\d{3}", node.value):
                    literals.append(f"{rel}:{node.lineno}: {node.value!r}")
                for code in CODE_RE.findall(node.value):
                    mentioned.setdefault(code, set()).add(f"{rel}:{node.lineno}")
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "codes":
                referenced.add(node.attr)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("codes"):
                referenced.update(a.name for a in node.names)
    return literals, mentioned, referenced


def test_call_sites_use_the_constants():
    literals, _, _ = _scan()
    assert literals == [], "write codes.NAME, not a string literal:\n" + "\n".join(literals)


def test_every_code_the_source_can_emit_is_catalogued():
    _, mentioned, referenced = _scan()
    unknown = {c: sorted(w) for c, w in mentioned.items() if c not in CATALOGUE}
    assert not unknown, f"codes in strings but not in nncc/codes.py: {unknown}"
    constants = {c.constant for c in CATALOGUE.values()} | {"CATALOGUE", "Code", "define"}
    assert referenced <= constants, f"codes.<NAME> that the catalogue lacks: {sorted(referenced - constants)}"


def test_every_catalogued_code_is_used_or_reserved():
    _, _, referenced = _scan()
    unused = [c.code for c in CATALOGUE.values() if c.constant not in referenced and not c.reserved]
    assert unused == [], f"catalogued but never reported (mark them reserved=True): {unused}"
    stale = [c.code for c in CATALOGUE.values() if c.reserved and c.constant in referenced]
    assert stale == [], f"reserved but reported: {stale}"


def test_each_entry_is_a_named_constant_with_its_documentation():
    for c in CATALOGUE.values():
        assert getattr(codes, c.constant) == c.code, c
        assert c.title and c.explanation and c.bad and c.good, c
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c.name), c
    names = [c.name for c in CATALOGUE.values()]
    assert len(names) == len(set(names))
    # the three that were reported before they were catalogued
    assert {codes.BAD_SCHEDULE_LIST, codes.APPROXIMATED_SETTING, codes.IGNORED_SETTING} == {"E405", "W502", "W510"}


def test_a_code_outside_the_catalogue_cannot_be_reported():
    with pytest.raises(ValueError, match="not in the catalogue"):
        Diagnostic("E777", "no such code")
    with pytest.raises(ValueError, match="not in the catalogue"):
        DiagnosticBag().warning("W999", "no such code")
    with pytest.raises(ValueError, match="is warning, not error"):
        DiagnosticBag().error(codes.UNUSED_LAYER, "a warning code reported as an error")
    assert Diagnostic(codes.UNUSED_LAYER, "takes the code's severity").severity == "warning"
    assert Diagnostic(codes.SHAPE_MISMATCH, "takes the code's severity").severity == "error"
    with pytest.raises(ValueError, match="defined twice"):
        codes.define("E201", "again", "a second E201", "no")


# ---------------------------------------------------------------- generated docs

def _generator():
    spec = importlib.util.spec_from_file_location("_nncc_gen_diagnostics", ROOT / "tools" / "gen_diagnostics.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


def test_generated_docs_are_up_to_date():
    files = _generator().generate()
    assert {p.name for p in files} == {"diagnostics.md", "rules.md"}
    for path, text in files.items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(ROOT)} is stale; run tools/gen_diagnostics.py")


def test_docs_hold_every_code_and_the_hand_written_prose():
    docs = {p.name: t for p, t in _generator().generate().items()}
    for c in CATALOGUE.values():
        assert f'<a id="{c.code.lower()}"></a>\n### {c.code} {c.name}' in docs["rules.md"], c.code
        assert f"| [{c.code}](rules.md#{c.code.lower()}) | {c.name} |" in docs["diagnostics.md"], c.code
    assert "## Exit codes" in docs["diagnostics.md"] and "nncc: ignore-file[W111]" in docs["rules.md"]


def test_sarif_help_links_point_at_anchors_that_exist():
    from nncc.lint.report import render_sarif

    anchors = set(re.findall(r'<a id="([a-z0-9]+)"></a>', (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")))
    rules = render_sarif([])["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == set(CATALOGUE)
    for r in rules:
        page, _, anchor = r["helpUri"].partition("#")
        assert page.endswith("docs/rules.md") and anchor in anchors, r


# ---------------------------------------------------------------- one code per kind of failure

MODEL = """\
nncc: 1
model: m
inputs:
  x: f32[N, 1, 28, 28]
  label: i64[N]
graph:
  f: x |> flatten
  g: concat([f, f], axis={axis})
  logits: f |> linear(10)
outputs: [logits, g]
train:
  loss: cross_entropy(logits, label)
  optimizer: {optimizer}
  batch_size: 50
  steps: 10
  data:
    train:
      format: {fmt}
      path: data
      samples: 1000
"""
FORMATS = {"lbann": "mnist", "singa": "record", "smaug": "mnist"}


def _errors(target: str, axis: int = 1, optimizer: str = "sgd(lr=0.1)") -> list[Diagnostic]:
    text = MODEL.format(axis=axis, optimizer=optimizer, fmt=FORMATS[target])
    with pytest.raises(CompileError) as e:
        compile_model("m.yaml", target, data=text.encode())
    return [d for d in e.value.diagnostics if d.is_error]


@pytest.mark.parametrize("target", ["lbann", "smaug", "singa"])
def test_base_model_compiles(target):
    text = MODEL.format(axis=1, optimizer="sgd(lr=0.1)", fmt=FORMATS[target])
    assert compile_model("m.yaml", target, data=text.encode()).files


def test_an_op_form_the_target_lacks_is_e501_on_every_target():
    """concat along the mini-batch axis: LBANN's layers see one sample, SMAUG needs static dims."""
    found = {}
    for target in ("lbann", "smaug"):
        found[target] = {(d.code, d.span.line) for d in _errors(target, axis=0) if d.span and d.span.line == 8}
    assert found == {"lbann": {(codes.UNSUPPORTED_OP, 8)}, "smaug": {(codes.UNSUPPORTED_OP, 8)}}


def test_a_setting_the_target_lacks_is_e510_on_every_target():
    opt = "sgd(lr=0.1, momentum=0.9, dampening=0.1)"
    for target in ("lbann", "singa"):
        errs = _errors(target, optimizer=opt)
        assert [(d.code, d.span.line) for d in errs if "dampening" in d.message] == [(codes.UNSUPPORTED_SETTING, 13)]


def test_an_op_attribute_the_target_lacks_is_e501_on_every_target():
    """SINGA used to say E510 for a layer attribute; like SMAUG it says E501 now (LBANN has dilation)."""
    text = MODEL.format(axis=1, optimizer="sgd(lr=0.1)", fmt="record").replace(
        "f: x |> flatten", "f: conv2d(x, 2, 3, dilation=2) |> flatten")
    with pytest.raises(CompileError) as e:
        compile_model("m.yaml", "singa", data=text.encode())
    assert [(d.code, d.span.line) for d in e.value.diagnostics if "dilation" in d.message] == [
        (codes.UNSUPPORTED_OP, 7)]
    with pytest.raises(CompileError) as e:
        compile_model("m.yaml", "smaug", data=text.replace("format: record", "format: mnist").encode())
    assert [(d.code, d.span.line) for d in e.value.diagnostics if "dilation" in d.message] == [
        (codes.UNSUPPORTED_OP, 7)]


# ---------------------------------------------------------------- symbolic dims in messages

def test_symbolic_dims_read_as_written():
    assert dim_sum(["N", "N"]) == "2*N"
    assert dim_sum(["N", 3, 4]) == "N+7"
    assert dim_sum(["N", "M", "N"]) == "2*N+M"
    assert dim_sum(["N+1", "N+1"]) == "2*(N+1)"
    assert dim_sum([3, 4]) == 7 and dim_sum(["N"]) == "N"


def test_smaug_names_the_dim_as_the_user_would_write_it():
    msgs = [d.message for d in _errors("smaug", axis=0) if d.span and d.span.line == 8]
    assert msgs and all("`2*N`" in m and "0+" not in m for m in msgs), msgs


def test_window_and_product_dims_read_as_written():
    """Convolutions, pools and flatten over symbolic H used to print `floor((H+2-3)/1)+1`, and
    flatten's product lost its parentheses (`(4)*(…)*2+2*(…)`, which is another number)."""
    from nncc.driver import frontend

    text = """\
nncc: 1
model: s
inputs:
  x: f32[N, 3, H, W]
graph:
  c: conv2d(x, 4, 3, pad=1)
  d: conv2d(c, 4, 3)
  p: max_pool2d(d, 2)
  q: conv_transpose2d(p, 4, 2, stride=2)
  y: q |> flatten
outputs: [y]
"""
    types = {n.name: str(n.outputs[0].type) for n in frontend("s.yaml", data=text.encode()).graph.nodes}
    assert types["c"] == "f32[N, 4, H, W]" and types["d"] == "f32[N, 4, H-2, W-2]"
    assert types["p"] == "f32[N, 4, floor((H-4)/2)+1, floor((W-4)/2)+1]"
    assert types["q"] == "f32[N, 4, floor((H-4)/2)*2+2, floor((W-4)/2)*2+2]"
    assert types["y"] == "f32[N, 4*(floor((H-4)/2)*2+2)*(floor((W-4)/2)*2+2)]"
