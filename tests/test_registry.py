"""The op registry is the only place that knows an op (issue 13).

* the generated docs (docs/ops.md: op reference and ops × targets) are what the code generates;
* core modules ask traits and hooks, never op names;
* traits are real: the passes and targets read them;
* a target's lowering table is its capability table.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from nncc import gendocs, target
from nncc.ops import REGISTRY, TRAITS, has, lookup, op, ops_with, public

ROOT = Path(__file__).resolve().parent.parent

# core modules that must not special-case ops by name
CORE = ["nncc/elaborate.py", "nncc/summary.py", "nncc/driver.py", "nncc/target.py", "nncc/passes/infer_shapes.py",
        "nncc/passes/fold.py", "nncc/passes/fuse.py", "nncc/passes/dce.py", "nncc/passes/validate.py",
        "nncc/passes/verify.py", "nncc/passes/__init__.py", "nncc/lint/checks.py"]


def test_generated_docs_are_up_to_date():
    assert gendocs.stale() == [], "docs are stale: run `python -m nncc.gendocs`"


def test_gendocs_check_flags_a_stale_file(tmp_path, monkeypatch):
    monkeypatch.setattr(gendocs, "DOCS", tmp_path)
    assert gendocs.main(["--check"]) == 1  # no file yet
    assert gendocs.main([]) == 0
    assert gendocs.main(["--check"]) == 0
    p = tmp_path / "ops.md"
    p.write_text(p.read_text().replace("| `pad` | ✓ |", "| `pad` | — |"))
    assert gendocs.main(["--check", "ops"]) == 1
    assert gendocs.main(["nope"]) == 2


def test_ops_md_lists_every_public_op_and_each_targets_table():
    text = (ROOT / "docs" / "ops.md").read_text()
    for o in public():
        assert f"### `{o.name}`" in text and o.signature() in text, o.name
    row = next(line for line in text.splitlines() if line.startswith("| `pad` |"))
    lbann_col = ["onnx", "lbann", "singa", "smaug"].index("lbann")
    assert row.split("|")[2 + lbann_col].strip() == "—"  # LBANN has no padding layer: not in its table


def _op_name_comparisons(path: Path) -> list[str]:
    """`x.op == "relu"`, `op in ("add", "sub")`, `opdef.name != "split"`: comparisons with op names.

    A comparison counts when one side is an op name (or a collection of them) and the other reads an op:
    its text mentions `op` (`n.op`, `opdef.name`, `op`).
    """
    names = set(REGISTRY)
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Compare) or "op" not in ast.unparse(node).split("'")[0].split('"')[0]:
            continue
        for side in [node.left, *node.comparators]:
            consts = [side] if isinstance(side, ast.Constant) else \
                list(side.elts) if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else []
            for c in consts:
                if isinstance(c, ast.Constant) and c.value in names:
                    found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("module", CORE)
def test_core_modules_do_not_compare_op_names(module):
    assert _op_name_comparisons(ROOT / module) == []


def test_the_name_grep_catches_a_comparison(tmp_path):
    p = tmp_path / "m.py"
    p.write_text('def f(n):\n    return n.op == "dropout" or n.op in ("add", "x")\n')
    assert len(_op_name_comparisons(p)) == 2


def test_every_op_has_known_traits_docs_and_section():
    for o in REGISTRY.values():
        assert o.traits <= TRAITS and o.doc and o.section, o.name
        assert ("pure" in o.traits) != ("stochastic" in o.traits), o.name
        if o.eval is None:
            assert "exact" not in o.traits, o.name


def test_traits_drive_the_target_tables():
    from nncc.targets.smaug import ACTIVATIONS

    assert ops_with("activation", "elementwise") >= ACTIVATIONS
    assert {"relu", "tanh", "sigmoid"} <= ACTIVATIONS and "softmax" not in ACTIVATIONS
    assert has("add", "commutative") and not has("sub", "commutative")
    assert has("dropout", "stochastic") and not has("no_such_op", "pure")


def test_eval_matches_its_definition():
    import numpy as np

    x = np.array([[-1.0, 2.0], [3.0, -4.0]], np.float32)
    assert np.array_equal(REGISTRY["relu"].eval([x], {})[0], np.maximum(x, 0))
    assert np.array_equal(REGISTRY["transpose"].eval([x], {"perm": (1, 0)})[0], x.T)
    parts = REGISTRY["split"].eval([x], {"sizes": (1, 1), "axis": 0})
    assert [p.tolist() for p in parts] == [[[-1.0, 2.0]], [[3.0, -4.0]]]
    assert np.allclose(REGISTRY["softmax"].eval([x], {"axis": -1})[0].sum(axis=-1), 1.0)


def test_canonical_attributes_have_one_form():
    """The shape function replaces the user's `pad` by `pads` and split's `parts` by `sizes`."""
    from nncc.driver import frontend

    text = ("nncc: 1\nmodel: m\ninputs:\n  x: f32[N, 4, 8, 8]\ngraph:\n"
            "  a: conv2d(x, 4, 3, pad=\"same\")\n  b, c: split(a, 2)\noutputs: [b, c]\n")
    p = ROOT / "tests" / "data"
    path = p / "_canonical_tmp.yaml"
    path.write_text(text)
    try:
        g = frontend(str(path)).graph
    finally:
        path.unlink()
    conv = next(n for n in g.nodes if n.op == "conv2d")
    split = next(n for n in g.nodes if n.op == "split")
    assert "pad" not in conv.attrs and conv.attrs["pads"] == (1, 1, 1, 1)
    assert conv.meta["written"] == {"out_channels": 4, "kernel": 3, "pad": "same"}  # as the user wrote it
    assert "parts" not in split.attrs and split.attrs["sizes"] == (2, 2)


def test_a_target_lowering_table_is_its_capability_table():
    lbann = target.get("lbann")
    assert lbann.supports("conv2d") and not lbann.supports("pad")
    onnx = target.get("onnx")
    assert onnx.supports("cross_entropy")  # an inference target drops training heads
    assert "cross_entropy" not in onnx.lowering
    assert "pad" not in lbann.supported() and "conv2d" in lbann.supported()
    for t in (onnx, lbann, target.get("singa"), target.get("smaug")):
        assert set(t.lowering) <= set(REGISTRY), t.name
        assert not hasattr(t, "ops")  # no second table beside the lowering table


def test_registering_twice_or_an_unknown_trait_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        op("relu", [])(lambda ins, a: ins)
    with pytest.raises(ValueError, match="unknown traits"):
        op("_test_bad_trait", [], traits=("shiny",))(lambda ins, a: ins)
    assert "_test_bad_trait" not in REGISTRY and lookup("dense") is REGISTRY["linear"]


def test_no_module_registers_by_patching_the_registry():
    """One registration style: `op(...)` on the shape function; nothing assigns into REGISTRY or an OpDef."""
    pat = re.compile(r"REGISTRY\[[^\]]+\]\s*(\.\w+\s*)?=(?!=)")
    assert len(pat.findall((ROOT / "nncc" / "ops.py").read_text())) == 1  # the one in op()
    for path in (ROOT / "nncc" / "opdefs").glob("*.py"):
        assert not pat.search(path.read_text()), path


def test_one_dtype_table():
    """Dtype facts live in nncc/dtypes.py; nothing else keeps a table keyed by dtype names."""
    from nncc import dtypes, ir

    assert ir.DTYPES == dtypes.DTYPES and ir.DTYPE_BYTES is dtypes.DTYPE_BYTES
    assert set(dtypes.FLOAT_DTYPES) | set(dtypes.INT_DTYPES) | {"bool"} == set(dtypes.DTYPES)
    pat = re.compile(r'["\']bf16["\']\s*:')  # a dict literal with a bf16 entry is a second dtype table
    sources = [*(ROOT / "nncc").rglob("*.py"), *(ROOT / "targets").rglob("*.py")]
    offenders = [str(p.relative_to(ROOT)) for p in sources if p.name != "dtypes.py" and pat.search(p.read_text())]
    assert offenders == []


def test_a_targets_fused_ops_are_registered_ops_not_attributes_on_core_ops():
    """SMAUG's fused activation makes smaug.conv2d / smaug.linear / smaug.batch_norm, registered by the target."""
    from nncc.driver import compile_model

    res = compile_model(str(ROOT / "samples" / "lenet5_smaug.yaml"), "smaug", emit=False)
    nodes = res.frontend.graph.nodes
    fused = [n for n in nodes if "activation" in n.attrs]
    assert fused and all(n.op.startswith("smaug.") for n in fused)
    for n in fused:
        o = REGISTRY[n.op]
        assert o.origin == "smaug" and o.hidden and "activation" in [p.name for p in o.params]
        assert target.get("smaug").supports(n.op)


def test_onnxruntime_fused_conv_is_the_onnx_targets_registered_op(tmp_path):
    from nncc.driver import compile_model

    path = tmp_path / "m.yaml"
    path.write_text("nncc: 1\nmodel: m\ninputs:\n  x: f32[N, 4, 8, 8]\ngraph:\n"
                    "  a: conv2d(x, 4, 3, pad=1) |> relu\n  y: conv2d(a, 4, 3, pad=1) + x |> tanh\noutputs: [y]\n")
    res = compile_model(str(path), "onnx", options={"ort_fusions": "true"}, emit=False)
    ops = [n.op for n in res.frontend.graph.nodes]
    assert ops.count("ort.fused_conv2d") == 2 and "conv2d" not in ops, ops
    summed = [n for n in res.frontend.graph.nodes if n.attrs.get("sum")]
    assert len(summed) == 1 and len(summed[0].inputs) == 2
    assert REGISTRY["ort.fused_conv2d"].origin == "onnx" and REGISTRY["ort.fused_conv2d"].hidden
