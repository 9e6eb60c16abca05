"""Models built from the expression grammar (grammars/expr.lark): random expressions in every
position a model file has — params, tensor types, graph lines, block bodies and signatures,
repeat arguments, train settings, outputs, -D overrides. Most are invalid; whatever they
are, nncc must answer with output or diagnostics (never another exception)."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from nncc.ops import public

from ._common import run

OPS = [o.name for o in public()]
NAMES = ["x", "y", "h", "a", "b", "N", "ch", "k", "blk", "repeat", "p", "q", "len", "range", "min", "sum",
         "gaussian", "constant", "he_normal", "label", "if", "not", "_", "x1"]
INTS = st.one_of(st.integers(-3, 70), st.sampled_from([0, 1, 2, 3, 64, 2 ** 31, 2 ** 63, 10 ** 30]))
FLOATS = st.sampled_from(["0.5", "1e-4", ".5", "3.", "1e308", "1e999", "-0.0", "2.5e-3"])
STRINGS = st.sampled_from(['"same"', '"valid"', "'x'", '""', '"\\n"', '"a\\"b"', '"constant"', '"reflect"'])

atom = st.one_of(
    st.sampled_from(NAMES + OPS[:: max(1, len(OPS) // 12)]),
    INTS.map(str), FLOATS, STRINGS, st.sampled_from(["true", "false", "none"]),
)


def _extend(inner):
    args = st.lists(st.one_of(inner, st.tuples(st.sampled_from(["k", "axis", "pad", "stride", "w_init", "p"]),
                                                inner).map(lambda t: f"{t[0]}={t[1]}")), max_size=4)
    return st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "==", "<", ">=", "!=", "and",
                                          "or", "|>"]), inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        st.tuples(st.sampled_from(["-", "+", "not "]), inner).map("".join),
        st.tuples(st.sampled_from(OPS + NAMES), args).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(" + ", ".join(xs) + ")"),
        inner.map(lambda x: f"({x})"),
        st.tuples(inner, st.lists(st.one_of(inner, st.just(":"), st.tuples(
            st.one_of(st.just(""), inner), st.one_of(st.just(""), inner)).map(lambda t: f"{t[0]}:{t[1]}")),
            min_size=1, max_size=3)).map(lambda t: f"{t[0]}[{', '.join(t[1])}]"),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} if {t[1]} else {t[2]}"),
        st.tuples(inner, st.sampled_from(OPS + ["blk"]), args).map(
            lambda t: f"{t[0]} |> {t[1]}({', '.join(t[2])})"),
        st.tuples(inner, INTS, st.sampled_from(["relu", "blk", "linear", "x"]), args).map(
            lambda t: f"{t[0]} |> repeat({t[1]}, {t[2]}{''.join(', ' + a for a in t[3])})"),
    )


EXPR = st.recursive(atom, _extend, max_leaves=12)
TTYPE = st.one_of(
    st.tuples(st.sampled_from(["f16", "bf16", "f32", "f64", "i8", "i32", "i64", "bool", "f33"]),
              st.lists(st.one_of(st.sampled_from(["N", "ch", "k", "1", "3", "8", "0", "-1"]), EXPR), max_size=5))
    .map(lambda t: f"{t[0]}[{', '.join(t[1])}]"),
    EXPR,
)


def q(s: str) -> str:
    """A YAML double-quoted scalar holding `s` exactly (JSON strings are valid YAML)."""
    return json.dumps(s)


@st.composite
def models(draw) -> tuple[str, dict[str, str]]:
    e = lambda: draw(EXPR)  # noqa: E731
    params = {"ch": draw(st.one_of(st.just("8"), EXPR)), "k": draw(st.one_of(st.just("3"), EXPR))}
    for i in range(draw(st.integers(0, 2))):
        params[f"p{i}"] = e()
    inputs = {"x": draw(st.one_of(st.just("f32[N, 3, 8, 8]"), TTYPE))}
    if draw(st.booleans()):
        inputs["label"] = draw(st.one_of(st.just("i64[N]"), TTYPE))
    sig = draw(st.one_of(st.just("blk(x, c=ch)"), st.just("blk(x)"), EXPR))
    body = {"a": draw(st.one_of(st.just("conv2d(x, c, 3, pad=1) |> relu"), EXPR)), "return": e()}
    graph = {"h": draw(st.one_of(st.just("conv2d(x, ch, k, pad=1)"), EXPR))}
    for name in draw(st.lists(st.sampled_from(["y", "a", "b, c", "q", "h"]), max_size=3)):
        graph[name] = e()
    outputs = draw(st.lists(st.sampled_from(["h", "y", "x", "q", "label", "nope"]), min_size=1, max_size=2))
    lines = ["nncc: 1", "model: fuzz", "params:"]
    lines += [f"  {k}: {q(v)}" for k, v in params.items()]
    lines += ["inputs:"] + [f"  {k}: {q(v)}" for k, v in inputs.items()]
    lines += ["blocks:", f"  {q(sig)}:"] + [f"    {k}: {q(v)}" for k, v in body.items()]
    lines += ["graph:"] + [f"  {q(k)}: {q(v)}" for k, v in graph.items()]
    lines += [f"outputs: {json.dumps(outputs)}"]
    if draw(st.booleans()):
        lines += ["train:", f"  loss: {q(e())}", f"  optimizer: {q(draw(st.one_of(st.just('sgd(lr=0.1)'), EXPR)))}",
                  f"  batch_size: {q(draw(st.one_of(st.just('8'), EXPR)))}", "  epochs: 1"]
    defines = {}
    if draw(st.booleans()):
        defines[draw(st.sampled_from(["ch", "k", "zz"]))] = e()
    return "\n".join(lines) + "\n", defines


@given(models())
def test_grammar_models(m):
    text, defines = m
    run("grammar/models→onnx", text, defines=defines)


@given(EXPR, st.sampled_from(["param", "graph", "dim", "repeat", "define"]))
def test_grammar_expression_positions(expr, where):
    base = {"param": ("  p: {e}\n", "h: relu(x)"), "graph": ("  p: 1\n", "h: {e}"),
            "dim": ("  p: 1\n", "h: relu(x)"), "repeat": ("  p: 1\n", "h: x |> repeat({e}, relu)"),
            "define": ("  p: 1\n", "h: linear(x, p)")}[where]
    xtype = f"f32[N, {expr}]" if where == "dim" else "f32[N, 4]"
    text = (f"nncc: 1\nparams:\n{base[0].format(e=q(expr))}inputs:\n  x: {q(xtype)}\n"
            f"graph:\n  h: {q(base[1].split(': ', 1)[1].format(e=expr))}\noutputs: [h]\n")
    run("grammar/positions→onnx", text, defines={"p": expr} if where == "define" else None)
