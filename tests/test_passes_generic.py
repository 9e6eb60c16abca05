"""insert-layouts and fuse are target-independent: a made-up target's declarations drive them.

(Issue 5, acceptance item 4.) Nothing here mentions SMAUG: the tables below are
those of an imaginary accelerator that computes convolutions in NHWC, pools in
NCHW, reads inner-product weights transposed (CN) and stores its convolution
kernels NCHW but wants them NHWC.
"""
from __future__ import annotations

import numpy as np
import pytest

from nncc.diagnostics import DiagnosticBag
from nncc.driver import frontend
from nncc.ir import Graph, IRError, Node
from nncc.passes import PassContext, PassManager
from nncc.passes.fuse import REWRITES, Pattern, fuse_with, register_rewrite, take_over
from nncc.passes.layouts import (
    ANY,
    CANON,
    LIKE_FIRST,
    LayoutTable,
    OpLayout,
    feature_permutation,
    physical,
    stored_array,
)
from nncc.target import Target

TOY_LAYOUTS = LayoutTable(
    ops={
        "conv2d": OpLayout(inputs=("NHWC",), output="NHWC", weights={"weight": "NHWC"}),
        "max_pool2d": OpLayout(inputs=("NCHW",), output="NCHW"),
        "linear": OpLayout(inputs=({2: "NC"},), output="NC", weights={"weight": "CN"}, absorbs={"weight": 1}),
        "relu": OpLayout(inputs=(ANY,), output=ANY, elementwise=True),
        "add": OpLayout(inputs=(ANY, LIKE_FIRST), output=ANY),
        "flatten": OpLayout(inputs=(ANY,), output="NC", flatten=True),
        "softmax": OpLayout(inputs=(CANON,), output=CANON),
    },
    inputs={4: "NCHW"},
    weights={"conv2d.weight": "NCHW"},
)

TOY_FUSIONS = (Pattern("conv+relu", ("conv2d", "relu"), "absorb", when=lambda ns: not ns[0].attrs["bias"]),)


def toy(**kw) -> Target:
    return Target(name="toy", description="made-up accelerator", layouts=kw.pop("layouts", TOY_LAYOUTS),
                  fusions=kw.pop("fusions", TOY_FUSIONS), pipeline=("fuse", "insert-layouts"), **kw)


def graph(tmp_path, inputs: dict[str, str], lines: str, outputs: list[str]) -> Graph:
    ins = "\n".join(f"  {k}: {v}" for k, v in inputs.items())
    body = "\n".join(f"  {ln.strip()}" for ln in lines.strip().splitlines() if ln.strip())
    p = tmp_path / "m.yaml"
    p.write_text(f"nncc: 1\nmodel: m\ninputs:\n{ins}\ngraph:\n{body}\noutputs: [{', '.join(outputs)}]\n")
    return frontend(str(p)).graph


def run(g: Graph, target: Target, disabled=(), options=None) -> tuple[PassContext, PassManager]:
    ctx = PassContext(bag=DiagnosticBag(), target=target, options=dict(options or {}))
    pm = PassManager(list(target.pipeline), disabled=set(disabled), verify_each=True)
    pm.run(g, ctx)
    return ctx, pm


def ops(g: Graph) -> list[str]:
    return [n.op for n in g.nodes]


def by_name(g: Graph, name: str) -> Node:
    return next(n for n in g.nodes if any(v.name == name for v in n.outputs))


def test_reorders_where_layouts_change(tmp_path):
    g = graph(tmp_path, {"x": "f32[N, 3, 8, 8]"}, """
      a: conv2d(x, 4, 3, pad=1, bias=false) |> relu
      b: conv2d(x, 4, 3, pad=1, bias=false)
      c: a + b
      p: max_pool2d(c, 2)
    """, ["p"])
    _ctx, pm = run(g, toy())
    # one reorder of x to NHWC serves both convolutions; the pool wants NCHW back
    assert ops(g) == ["reorder", "conv2d", "conv2d", "add", "reorder", "max_pool2d"]
    r0, r1 = g.nodes[0], g.nodes[4]
    assert r0.attrs == {"layout": "NHWC"} and r0.inputs[0] is g.inputs[0]
    assert g.nodes[1].inputs[0] is r0.outputs[0] and g.nodes[2].inputs[0] is r0.outputs[0]
    assert r1.attrs == {"layout": "NCHW"}
    assert g.inputs[0].type.layout == "NCHW"
    assert by_name(g, "a").outputs[0].type.layout == "NHWC"
    assert by_name(g, "c").outputs[0].type.layout == "NHWC"  # add: like its first input
    # shapes stay in the IR's own order; physical() gives the layout's order
    assert by_name(g, "a").outputs[0].type.shape == ("N", 4, 8, 8)
    assert physical((1, 4, 8, 6), "NHWC") == (1, 8, 6, 4)
    # conv kernels: stored NCHW, wanted NHWC -> recorded for the emitter
    for conv in (g.nodes[1], g.nodes[2]):
        wl = conv.meta["weight_layouts"]["weight"]
        assert (wl.stored, wl.wanted, wl.converts) == ("NCHW", "NHWC", True)
    stats = {s.name: s for s in pm.stats}
    assert stats["insert-layouts"].fired == 4  # two reorders + two weight conversions
    assert stats["fuse"].fired == 1  # relu into the first conv
    assert by_name(g, "a").attrs["activation"] == "relu"


def test_second_input_follows_the_first(tmp_path):
    g = graph(tmp_path, {"x": "f32[N, 3, 8, 8]"}, """
      a: conv2d(x, 3, 1, bias=false)
      s: a + x
    """, ["s"])
    run(g, toy())
    add = by_name(g, "s")
    # x is NCHW, a is NHWC: x gets the reorder to NHWC that the conv already made
    assert add.inputs[1].producer is not None and add.inputs[1].producer.op == "reorder"
    assert add.inputs[1] is by_name(g, "a").inputs[0]


def test_flatten_absorbed_into_the_weights(tmp_path):
    g = graph(tmp_path, {"x": "f32[N, 3, 4, 5]"}, """
      a: conv2d(x, 2, 1, bias=false)
      f: flatten(a) |> relu |> linear(7)
    """, ["f"])
    run(g, toy(fusions=()))
    flat = next(n for n in g.nodes if n.meta.get("was") == "flatten")
    assert flat.op == "reorder" and flat.attrs == {"layout": "NC"}
    assert flat.inputs[0] is by_name(g, "a").outputs[0]  # flattened in NHWC, no conversion first
    lin = next(n for n in g.nodes if n.op == "linear")
    wl = lin.meta["weight_layouts"]["weight"]
    assert (wl.stored, wl.wanted, wl.feature_layout, wl.feature_dims[1:]) == ("NC", "CN", "NHWC", (2, 4, 5))
    w = np.arange(7 * 40, dtype=np.float32).reshape(7, 40)
    s = stored_array(lin, "weight", w)
    # column j of the stored weight multiplies flat NHWC feature j = (h, w, c)
    h, x, c = 3, 1, 1
    assert s[5, (h * 5 + x) * 2 + c] == w[5, c * 20 + h * 5 + x]
    np.testing.assert_array_equal(s, w.reshape(7, 2, 4, 5).transpose(0, 2, 3, 1).reshape(7, 40))
    np.testing.assert_array_equal(feature_permutation("NCHW", (1, 2, 4, 5)), np.arange(40))


def test_flatten_not_absorbable_converts_first(tmp_path):
    g = graph(tmp_path, {"x": "f32[N, 3, 4, 5]"}, """
      a: conv2d(x, 2, 1, bias=false)
      f: flatten(a) |> softmax
    """, ["f"])
    run(g, toy())
    flat = next(n for n in g.nodes if n.meta.get("was") == "flatten")
    src = flat.inputs[0].producer
    assert src.op == "reorder" and src.attrs == {"layout": "NCHW"}


def test_weights_stored_in_place_are_transposed(tmp_path):
    g = graph(tmp_path, {"x": "f32[N, 3, 4, 4]"}, "a: conv2d(x, 2, 3, bias=false)", ["a"])
    table = LayoutTable(ops={"conv2d": OpLayout(inputs=("NCHW",), output="NCHW", weights={"weight": "NHWC"})},
                        weights={"weight": "NHWC"})
    run(g, toy(layouts=table))
    conv = g.nodes[0]
    wl = conv.meta["weight_layouts"]["weight"]
    assert (wl.stored, wl.wanted, wl.converts) == ("NHWC", "NHWC", False)
    w = np.random.default_rng(0).standard_normal((2, 3, 3, 3)).astype(np.float32)
    s = stored_array(conv, "weight", w)
    assert s.shape == (2, 3, 3, 3) and s[1, 2, 0, 1] == w[1, 1, 2, 0]
    assert conv.weights["weight"].type.layout == "NHWC"


def test_layout_table_from_options(tmp_path):
    seen = []

    def layouts(options):
        seen.append(options.get("flavour"))
        lay = "NHWC" if options.get("flavour") == "channels-last" else "NCHW"
        return LayoutTable(ops={"conv2d": OpLayout(inputs=(lay,), output=lay)})

    g = graph(tmp_path, {"x": "f32[N, 3, 4, 4]"}, "a: conv2d(x, 2, 3)", ["a"])
    run(g, toy(layouts=layouts), options={"flavour": "channels-last"})
    assert seen == ["channels-last"] and ops(g) == ["reorder", "conv2d"]
    g = graph(tmp_path, {"x": "f32[N, 3, 4, 4]"}, "a: conv2d(x, 2, 3)", ["a"])
    run(g, toy(layouts=layouts), options={"flavour": "plain"})
    assert ops(g) == ["conv2d"]


def test_no_declarations_no_changes(tmp_path):
    g = graph(tmp_path, {"x": "f32[N, 3, 4, 4]"}, "a: conv2d(x, 2, 3, bias=false) |> relu", ["a"])
    before = ops(g)
    _, pm = run(g, Target(name="plain", description="", pipeline=("fuse", "insert-layouts")))
    assert ops(g) == before and not any(s.modified for s in pm.stats)


# ---------------------------------------------------------------- fuse

def test_fuse_single_use_only(tmp_path):
    g = graph(tmp_path, {"x": "f32[N, 3, 8, 8]"}, """
      a: conv2d(x, 3, 3, pad=1, bias=false)
      b: relu(a)
      c: a + b
      d: conv2d(c, 3, 3, pad=1, bias=true) |> relu
      e: conv2d(d, 3, 3, pad=1, bias=false)
      f: relu(e)
    """, ["f", "e"])
    _ctx, pm = run(g, toy(layouts=None))
    # a has two uses, d has a bias (the pattern's `when`), e is a graph output
    assert "activation" not in by_name(g, "a").attrs
    assert ops(g).count("relu") == 3 and sum(n.attrs.get("activation") == "relu" for n in g.nodes) == 0
    assert pm.stats[0].fired == 0


def test_fuse_keeps_names_and_can_be_disabled(tmp_path):
    lines = "a: conv2d(x, 3, 3, bias=false) |> relu\nb: conv2d(a, 3, 3, bias=false) |> tanh |> relu"
    fuse_tanh = Pattern("conv+act", ("conv2d", frozenset({"relu", "tanh"})), "absorb")
    g = graph(tmp_path, {"x": "f32[N, 3, 8, 8]"}, lines, ["b"])
    _, pm = run(g, toy(layouts=None, fusions=(fuse_tanh,)))
    assert ops(g) == ["conv2d", "conv2d", "relu"]  # one activation per node: the last relu stays
    assert g.nodes[0].outputs[0].name == "a" and g.nodes[0].meta["fused"] == ["a"]
    assert g.nodes[1].attrs["activation"] == "tanh"
    assert g.nodes[2].inputs[0] is g.nodes[1].outputs[0]
    assert pm.stats[0].fired == 2
    g = graph(tmp_path, {"x": "f32[N, 3, 8, 8]"}, lines, ["b"])
    run(g, toy(layouts=None, fusions=(fuse_tanh,)), disabled={"fuse"})
    assert ops(g) == ["conv2d", "relu", "conv2d", "tanh", "relu"]


def test_custom_rewrite_and_longer_chains(tmp_path):
    calls = []

    def merge3(g, nodes, ctx):
        calls.append([n.op for n in nodes])
        first, *rest = nodes
        first.attrs["activation"] = rest[-1].op
        with pytest.raises(IRError):  # a node in a graph changes only through the graph's edit API
            first.outputs = list(rest[-1].outputs)
        take_over(g, first, rest)
        return True

    register_rewrite("test-merge3", merge3)
    try:
        g = graph(tmp_path, {"x": "f32[N, 3, 8, 8]"},
                  "a: conv2d(x, 3, 3, bias=false) |> batch_norm |> relu\nb: a + a", ["b"])
        pat = Pattern("conv+bn+relu", ("conv2d", "batch_norm", "relu"), "test-merge3")
        _, pm = run(g, toy(layouts=None, fusions=(pat,)))
        assert calls == [["conv2d", "batch_norm", "relu"]]
        assert ops(g) == ["conv2d", "add"] and g.nodes[0].outputs[0].name == "a"
        assert pm.stats[0].fired == 1
    finally:
        del REWRITES["test-merge3"]


def test_fuse_with_directly(tmp_path):
    g = graph(tmp_path, {"x": "f32[N, 4]"}, "y: linear(x, 3, bias=false) |> sigmoid", ["y"])
    ctx = PassContext(bag=DiagnosticBag())
    n = fuse_with(g, ctx, [Pattern("lin+sig", ("linear", "sigmoid"))])
    assert n == 1 and ops(g) == ["linear"] and g.nodes[0].attrs["activation"] == "sigmoid"
    assert g.outputs[0].producer is g.nodes[0]
    with pytest.raises(ValueError):
        Pattern("empty", ())
