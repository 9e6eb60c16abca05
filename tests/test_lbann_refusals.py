"""The LBANN target's catalogue of refusals and approximations (targets/lbann/refusals.py): every
diagnostic the target gives names a catalogued key, every key is given somewhere, the generated docs
are fresh, and a refusal of each kind still reaches the user's line with its entry's code."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from nncc.targets.lbann.refusals import CATALOGUE
from test_lbann import GRAPH, diags, line_of, model

from nncc import codes

TARGET = Path(__file__).resolve().parent.parent / "targets" / "lbann"
CATALOGUE_MODULE = "refusals.py"
KEYED = {"refuse": 0, "fail": 0, "report": 1}  # the calls that give a diagnostic, and where their key is
# graph lowering: E501, but for a size limit (E005), which has its own code wherever it is met
LOWERING = {"layers.py", "tensors.py", "elementwise.py", "attention.py", "lstm.py", "base.py"}


def modules() -> list[Path]:
    return sorted(p for p in TARGET.glob("*.py") if not p.name.endswith("_pb2.py") and p.name != CATALOGUE_MODULE)


def _callee(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def scan(path: Path) -> tuple[list[tuple[int, str]], list[str]]:
    """The catalogue keys a module names, with their lines, and what in it gives a diagnostic without one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    keys: list[tuple[int, str]] = []
    bad: list[str] = []
    forwarders: dict[int, str] = {}  # id(call) -> the parameter a function that is itself keyed passes on
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and fn.name in KEYED:
            params = [a.arg for a in fn.args.args if a.arg != "self"]
            for call in ast.walk(fn):
                if isinstance(call, ast.Call) and params:
                    forwarders[id(call)] = params[KEYED[fn.name]]
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "codes":
            bad.append(f"{where}: codes.{node.attr} (a code comes from the catalogue)")
        if not isinstance(node, ast.Call):
            continue
        name = _callee(node)
        if name == "Unsupported":
            bad.append(f"{where}: Unsupported(…) (use refuse(KEY, …))")
        elif name in ("error", "warning"):
            bad.append(f"{where}: .{name}(…) on the diagnostics (use report(bag, KEY, …))")
        elif name in KEYED:
            i = KEYED[name]
            arg = node.args[i] if len(node.args) > i else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                keys.append((node.lineno, arg.value))
                if arg.value not in CATALOGUE:
                    bad.append(f"{where}: {name}({arg.value!r}) is not in the catalogue")
            elif not (isinstance(arg, ast.Name) and forwarders.get(id(node)) == arg.id):
                bad.append(f"{where}: {name}(…) without a literal catalogue key")
    return keys, bad


def test_every_diagnostic_of_the_target_names_a_catalogued_key():
    bad = [b for p in modules() for b in scan(p)[1]]
    assert bad == []


def test_the_scan_catches_a_site_without_a_key(tmp_path):
    p = tmp_path / "bad.py"
    p.write_text("from nncc import codes\n"
                 "def f(em, bag, n):\n"
                 "    raise Unsupported('no', n.span)\n"
                 "def g(em, n):\n"
                 "    em.fail('no-such-key', 'no', n.span)\n"
                 "    em.fail(n.op, 'no', n.span)\n"
                 "def h(bag):\n"
                 "    bag.warning(codes.APPROXIMATED_SETTING, 'no', None)\n")
    keys, bad = scan(p)
    assert keys == [(5, "no-such-key")]
    assert len(bad) == 5 and [b.split(":")[1] for b in bad].count("8") == 2, bad


def test_every_catalogued_key_is_given_somewhere():
    used = {k for p in modules() for _, k in scan(p)[0]}
    assert sorted(set(CATALOGUE) - used) == []


def test_the_graph_lowering_refuses_with_e501_and_the_rest_with_their_class():
    """An op or its form is E501, a setting E510 (codes.py); the lowering's keys are all E501."""
    for p in modules():
        for line, key in scan(p)[0]:
            if p.name in LOWERING:
                assert CATALOGUE[key].code in (codes.UNSUPPORTED_OP, codes.TOO_LARGE), f"{p.name}:{line} {key}"
    for key, e in CATALOGUE.items():
        assert e.code in codes.CATALOGUE, key
        assert e.subject and e.reason and e.where, key


def test_the_refusals_are_documented():
    from nncc import gendocs

    assert gendocs.stale(["lbann-refusals"]) == [], "run `python -m nncc.gendocs lbann-refusals`"
    text = (gendocs.DOCS / "targets" / "lbann-refusals.md").read_text()
    for key in CATALOGUE:
        assert f"| `{key}` |" in text
    assert "`rbm`" in text.split("Ops with no LBANN lowering")[1].splitlines()[0]
    assert "lbann-refusals.md" in (gendocs.DOCS / "targets" / "lbann.md").read_text()
    # the samples' warnings are listed too: resnet20's drops rounded to epochs
    rows = [r for r in text.split("are warned of:")[1].splitlines() if r.startswith("| `resnet20` |")]
    assert [r.split(" | ")[2] for r in rows].count("W502") == 2 and "at epoch 82" in rows[0]


# ---------------------------------------------------------------- a refusal of each kind, at the user's line

CASES = [
    ("op", {"graph": GRAPH.replace("|> relu", "|> relu |> pad([0, 0, 0, 0, 0, 0, 1, 1])")}, "pad("),
    ("axis-0", {"graph": GRAPH.replace("linear(10)", "linear(10) |> softmax(axis=0)")}, "softmax(axis=0)"),
    ("pool-dilation", {"graph": GRAPH.replace("conv2d(image, 4, 3, pad=1) |> relu",
                                              "max_pool2d(image, 3, dilation=2)")}, "dilation"),
    ("instance-norm-affine", {"graph": GRAPH.replace("|> relu", "|> instance_norm(affine=true)")}, "instance_norm"),
    ("rmsprop-momentum", {"optimizer": "rmsprop(lr=0.1, momentum=0.9)"}, "rmsprop"),
    ("transform-reader", {"transform": "random_crop(28, pad=2); scale(1.0 / 255)"}, "random_crop"),
    ("checkpoint-after", {"extra": "  callbacks:\n    - checkpoint(every=1, after=2)"}, "checkpoint("),
    ("validate-every", {"extra": "  validate_every: 2"}, "validate_every"),
    ("rounded-to-epoch", {"extra": "  schedule: multi_step(milestones=[1000], gamma=0.1, unit=\"step\")"},
     "multi_step"),
    ("print-interval", {"extra": "  callbacks:\n    - print(every=5)"}, "print("),
]


@pytest.mark.parametrize("key, change, marker", CASES, ids=[c[0] for c in CASES])
def test_a_refusal_reaches_the_users_line_with_its_code(tmp_path, key, change, marker):
    from nncc.driver import compile_model

    text = model(**change)
    code = CATALOGUE[key].code
    if code.startswith("W"):
        p = tmp_path / "m.yaml"
        p.write_text(text)
        ds = [d for d in compile_model(str(p), "lbann").frontend.warnings if d.code == code]
    else:
        ds = [d for d in diags(tmp_path, text) if d.code == code]
    assert ds, f"expected {code} for {key}"
    assert ds[0].span is not None and ds[0].span.line == line_of(text, marker)
    assert "lbann" in ds[0].message.lower()


def cifar(transforms: str) -> str:
    """The LBANN tests' model on CIFAR-10 (LBANN's image reader): 32x32 crops of padded images, CIFAR's
    usual augmentation (the reader's samples stay 3x32x32)."""
    return model(transform=transforms).replace("f32[N, 1, 28, 28]", "f32[N, 3, 32, 32]").replace(
        "format: mnist\n      path: data/mnist", "format: cifar10\n      path: data/cifar")


def test_random_crop_pads_with_lbanns_pad_transform_unless_normalize_comes_first(tmp_path):
    from test_lbann import compile_text, parse

    exp = parse(compile_text(tmp_path, cifar("scale(1.0 / 255); random_crop(32, pad=4); "
                                             "normalize([0.5, 0.5, 0.5], [0.2, 0.2, 0.2])"))["m.prototext"])
    kinds = [t.WhichOneof("transform_type") for t in exp.data_reader.reader[0].transforms]
    assert kinds == ["pad", "random_crop", "normalize_to_lbann_layout"]
    assert exp.data_reader.reader[0].transforms[0].pad.pad == 4
    text = cifar("scale(1.0 / 255); normalize([0.5, 0.5, 0.5], [0.2, 0.2, 0.2]); random_crop(32, pad=4)")
    (d,) = [d for d in diags(tmp_path, text) if d.is_error]
    assert (d.code, d.span.line) == (CATALOGUE["random-crop-pad"].code, line_of(text, "random_crop"))
    assert "after normalize()" in d.message
