"""Models generated from the op registry (nncc/ops.py).

* `test_valid_chains`: chains of layers whose arguments are drawn within each op's rules
  (kernels that fit, odd LRN sizes, ...). Each must compile for ONNX, and onnxruntime
  must run it with every output's shape equal to nncc's inferred type (N bound to a
  random batch size).
* `test_registry_calls`: one call of any registry op with arguments drawn from its
  signature's parameter kinds (so most are invalid). Rejected → diagnostics; accepted →
  the same onnxruntime check.
"""
from __future__ import annotations

import json

import numpy as np
import onnxruntime as ort
from hypothesis import given
from hypothesis import strategies as st

from nncc.ops import REGISTRY, public

from ._common import run

ORT_TYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(float16)": np.float16,
             "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int8)": np.int8, "tensor(bool)": np.bool_}


_ORT = ort.capi.onnxruntime_pybind11_state
_RUN_ERRORS = (_ORT.Fail, _ORT.InvalidArgument, _ORT.RuntimeException)  # errors from run(), for one N


def check_in_onnxruntime(res, batch: int) -> None:
    """Run the compiled model; every output's shape must equal nncc's type with N = batch."""
    main = next(v for k, v in res.files.items() if k.endswith(".onnx"))
    assert len(res.files) == 1, list(res.files)  # small models: no external data
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    # onnxruntime's own graph optimizer is not under test (its PadFusion folds a Pad into a following
    # MaxPool even when the pads then exceed the kernel, and the session fails: see README.md)
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(main, so, providers=["CPUExecutionProvider"])
    g = res.frontend.graph
    # a symbolic dim unifies with any number (as in ONNX shape inference): `matmul` of f32[N, 2] with
    # itself is valid for N = 2 only. A run that fails for N = batch is retried with N = each dim of
    # the inputs; the shapes must match nncc's for the N that runs.
    # (reflect padding of a symbolic dim by p needs it larger than p, as onnxruntime checks when it runs:
    # a symbolic dim stands for any size the model's ops accept, so 1, 2, 3 and 8 are tried too)
    tries = [batch] + sorted({1, 2, 3, 8} | {d for v in g.inputs for d in v.type.shape if isinstance(d, int)} - {batch})
    for i, n in enumerate(tries):
        try:
            _run_and_compare(sess, g, n)
            return
        except _RUN_ERRORS:
            if i == len(tries) - 1:
                raise


def _run_and_compare(sess, g, batch: int) -> None:
    sym: dict[str, int] = {}

    def bind(shape):
        return tuple(d if isinstance(d, int) else sym.setdefault(d, batch if d == "N" else 2) for d in shape)

    feeds = {}
    index = any(n.op == "embedding" for n in g.nodes)  # integer inputs: valid indices, or non-zero divisors
    for i in sess.get_inputs():
        dt = ORT_TYPES[i.type]
        shape = bind(i.shape)
        feeds[i.name] = ((np.zeros if index else np.ones)(shape, dt) if np.issubdtype(dt, np.integer) or dt is np.bool_
                         else np.random.default_rng(0).standard_normal(shape).astype(dt))
    input_syms = {d for v in g.inputs for d in v.type.shape if isinstance(d, str)}
    # as OrtValues: numpy has no bfloat16, so run() cannot hand back a bf16 output (found by the bounded run)
    outs = sess.run_with_ort_values(None, {k: ort.OrtValue.ortvalue_from_numpy(v) for k, v in feeds.items()})
    want = [bind(v.type.shape) for v in g.outputs]
    got = [tuple(o.shape()) for o in outs]
    # a symbol nncc made up for a dim it cannot know (not an input's) matches any size
    free = {d for v in g.outputs for d in v.type.shape if isinstance(d, str) and d not in input_syms}
    got = [tuple(w if isinstance(d0, str) and d0 in free else x for x, w, d0 in zip(o, wt, v.type.shape))
           if len(o) == len(wt) else o for o, wt, v in zip(got, want, g.outputs)]
    assert got == want, f"onnxruntime shapes {got} != nncc's {want} (N={batch})"


def model(inputs: dict[str, str], lines: list[tuple[str, str]], outputs: list[str]) -> str:
    t = ["nncc: 1", "model: fuzz", "inputs:"] + [f"  {k}: {json.dumps(v)}" for k, v in inputs.items()]
    t += ["graph:"] + [f"  {k}: {json.dumps(v)}" for k, v in lines]
    t += [f"outputs: {json.dumps(outputs)}"]
    return "\n".join(t) + "\n"


# ------------------------------------------------------------------ valid chains

ACTS = ["relu", "sigmoid", "tanh", "gelu", "selu", "elu", "leaky_relu(alpha=0.2)", "stanh", "identity",
        "dropout(p=0.3)", "relu6", "clip(low=-0.5, high=0.5)", "clip(high=0.25)", "hardtanh", "hardsigmoid",
        "hardswish", "silu", "swish", "mish", "softplus"]


# the nncc op each menu entry of `chains` makes (an entry not listed makes the op of its name)
CHAIN_OPS = {"conv": "conv2d", "pool": "max_pool2d", "act": "relu", "bn": "batch_norm", "gap": "global_avg_pool",
             "convT": "conv_transpose2d", "reduce": "mean", "math": "where", "dims": "unsqueeze",
             "adaptive": "adaptive_avg_pool2d", "gn": "group_norm", "inorm": "instance_norm", "dpool": "max_pool2d",
             "padconv": "conv2d"}


@st.composite
def chains(draw, ops: set[str] | None = None):
    """A valid chain of layers; with `ops` (a target's op table) only of menu entries that make those ops."""

    def allowed(xs, op_of=lambda x: x):
        return [x for x in xs if ops is None or op_of(x) in ops]

    c, h, w = draw(st.integers(1, 6)), draw(st.integers(1, 12)), draw(st.integers(1, 12))
    rank4 = draw(st.booleans())
    inputs = {"x": f"f32[N, {c}, {h}, {w}]" if rank4 else f"f32[N, {c * h}]"}
    f = c * h
    lines: list[tuple[str, str]] = []
    prev = "x"
    for i in range(draw(st.integers(1, 6))):
        name = f"l{i}"
        if rank4:
            op = draw(st.sampled_from(allowed(["conv", "pool", "act", "bn", "lrn", "gap", "add", "concat", "flatten",
                                               "slice", "pad", "convT", "transpose", "softmax", "layer_norm",
                                               "reduce", "math", "dims", "upsample", "adaptive", "gn", "inorm",
                                               "dpool", "padconv"],
                                              lambda k: CHAIN_OPS.get(k, k))))
            if op == "conv":
                k = draw(st.integers(1, 3))
                p = draw(st.integers(0, 2))
                if k > min(h, w) + 2 * p:
                    k = 1
                s = draw(st.integers(1, 2))
                d = 1
                cout = draw(st.integers(1, 6))
                g = draw(st.sampled_from([x for x in (1, 2, 3) if c % x == 0 and cout % x == 0]))
                padarg = draw(st.sampled_from([str(p), '"same"'])) if s == 1 else str(p)
                if padarg == '"same"':
                    p2 = k - 1
                    h2, w2 = h, w
                else:
                    p2 = 2 * p
                    h2, w2 = (h + p2 - k) // s + 1, (w + p2 - k) // s + 1
                bias = draw(st.sampled_from(["true", "false"]))
                expr = f"conv2d({prev}, {cout}, {k}, stride={s}, pad={padarg}, dilation={d}, groups={g}, bias={bias})"
                c, h, w = cout, h2, w2
            elif op == "pool":
                k = draw(st.integers(1, max(1, min(h, w, 3))))
                s = draw(st.integers(1, 2))
                kind = draw(st.sampled_from(allowed(["max_pool2d", "avg_pool2d"])))
                expr = f"{kind}({prev}, {k}, stride={s})"
                h, w = (h - k) // s + 1, (w - k) // s + 1
            elif op == "act":
                a = draw(st.sampled_from(allowed(ACTS, lambda a: a.split("(")[0])))
                expr = f"{prev} |> {a}"
            elif op == "bn":
                expr = f"batch_norm({prev})"
            elif op == "lrn":
                expr = f"lrn({prev}, size={draw(st.sampled_from([1, 3, 5]))})"
            elif op == "gap":
                expr = f"global_avg_pool({prev})"
                h = w = 1
            elif op == "add":
                expr, _ = draw(st.sampled_from(allowed([(f"{prev} + {prev}", "add"), (f"{prev} * 2", "mul"),
                                                        (f"{prev} - 1.5", "sub"), (f"-{prev}", "mul"),
                                                        (f"{prev} / 4", "div")], lambda e: e[1])))
            elif op == "concat":
                expr = f"concat([{prev}, {prev}], axis=1)"
                c *= 2
            elif op == "slice" and h > 1:
                expr = f"{prev}[:, :, 1:, ::2]"
                h, w = h - 1, (w + 1) // 2
            elif op == "pad":
                expr = f"pad({prev}, [0, 0, 1, 0, 0, 0, 0, 2])"
                h, w = h + 1, w + 2
            elif op == "convT":
                cout = draw(st.integers(1, 4))
                k, s = draw(st.integers(1, 3)), draw(st.integers(1, 2))
                expr = f"conv_transpose2d({prev}, {cout}, {k}, stride={s})"
                c, h, w = cout, (h - 1) * s + k, (w - 1) * s + k
            elif op == "transpose":
                expr = f"transpose({prev}, [0, 1, 3, 2])"
                h, w = w, h
            elif op == "softmax":
                expr = f"softmax({prev}, axis={draw(st.sampled_from([1, -1, 2]))})"
            elif op == "layer_norm":
                expr = f"layer_norm({prev})"
            elif op == "reduce":
                kind = draw(st.sampled_from(allowed(["mean", "sum", "max", "min"])))
                expr = f"{kind}({prev}, axes=[2, 3], keepdims=true)"
                h = w = 1
            elif op == "math":
                expr = draw(st.sampled_from([f"where({prev} > 0, {prev}, exp({prev}) - 1)",
                                             f"max({prev}, 0.5) ** 2 + sqrt(abs({prev}))"]))
            elif op == "dims":
                expr = f"{prev} |> unsqueeze(2) |> squeeze(axes=2)"
            elif op == "upsample":
                sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 2))
                mode = draw(st.sampled_from(['"nearest"', '"bilinear"']))
                expr = f"upsample({prev}, [{sh}, {sw}], mode={mode})"
                h, w = h * sh, w * sw
            elif op == "adaptive":
                oh, ow = draw(st.integers(1, 2 * h)), draw(st.integers(1, 2 * w))
                kind = draw(st.sampled_from(allowed(["adaptive_avg_pool2d", "adaptive_max_pool2d"])))
                expr = f"{kind}({prev}, [{oh}, {ow}])"
                h, w = oh, ow
            elif op == "gn":
                expr = f"group_norm({prev}, {draw(st.sampled_from([g for g in (1, 2, 3) if c % g == 0]))})"
            elif op == "inorm":
                expr = f"instance_norm({prev}, affine={draw(st.sampled_from(['true', 'false']))})"
            elif op == "dpool" and min(h, w) >= 3:
                d = draw(st.integers(1, (min(h, w) - 1) // 2))
                expr = f"max_pool2d({prev}, 2, stride=1, dilation={d})"
                h, w = h - d, w - d
            elif op == "padconv" and min(h, w) >= 2:
                mode = draw(st.sampled_from(['"reflect"', '"replicate"', '"circular"', '"zeros"']))
                cout = draw(st.integers(1, 4))
                expr = f"conv2d({prev}, {cout}, 3, pad=1, padding_mode={mode})"
                c = cout
            else:  # flatten
                expr = f"flatten({prev})"
                rank4, f = False, c * h * w
        else:
            op = draw(st.sampled_from(allowed(["linear", "act", "softmax", "layer_norm", "add", "reshape", "split"])))
            if op == "linear":
                f2 = draw(st.integers(1, 16))
                expr = f"linear({prev}, {f2}, bias={draw(st.sampled_from(['true', 'false']))})"
                f = f2
            elif op == "act":
                expr = f"{prev} |> {draw(st.sampled_from(allowed(ACTS, lambda a: a.split('(')[0])))}"
            elif op == "softmax":
                expr = f"{draw(st.sampled_from(allowed(['softmax', 'log_softmax'])))}({prev})"
            elif op == "layer_norm":
                expr = f"layer_norm({prev})"
            elif op == "add":
                expr = f"{prev} + {prev} * 0.5"
            elif op == "reshape":
                expr = f"reshape({prev}, [0, -1])"
            else:
                if f % 2:
                    expr = f"identity({prev})"
                else:
                    lines.append((f"{name}a, {name}b", f"split({prev}, 2, axis=1)"))
                    if allowed(["add"]):
                        expr = f"{name}a + {name}b"
                        f //= 2
                    else:
                        expr = f"concat([{name}b, {name}a], axis=1)"
        lines.append((name, expr))
        prev = name
    outs = [prev] + ([lines[0][0]] if draw(st.booleans()) and len(lines) > 1 and "," not in lines[0][0] else [])
    return model(inputs, lines, outs), draw(st.integers(1, 3))


@given(chains())
def test_valid_chains(m):
    text, batch = m
    res = run("registry/valid-chains→onnx+ort", text)
    assert res is not None, f"a valid model was rejected:\n{text}"
    check_in_onnxruntime(res, batch)


# ------------------------------------------------------------------ any op, any arguments

OPS = [o.name for o in public() if o.kind == "layer"]
VALUES = {
    "int": st.one_of(st.integers(-2, 9), st.just(0)).map(str),
    "float": st.sampled_from(["0.0", "0.5", "1e-5", "-1.0", "2.0", "0.999"]),
    "number": st.sampled_from(["0.0", "1", "-2.5"]),
    "bool": st.sampled_from(["true", "false"]),
    "str": st.sampled_from(['"same"', '"valid"', '"constant"', '"reflect"', '"edge"', '"x"']),
    "spatial": st.one_of(st.integers(0, 4).map(str), st.lists(st.integers(0, 4), min_size=1, max_size=3).map(str)),
    "pad": st.one_of(st.integers(0, 3).map(str), st.sampled_from(['"same"', '"valid"']),
                     st.lists(st.integers(0, 2), min_size=1, max_size=8).map(str)),
    "ints": st.lists(st.integers(-1, 4), max_size=6).map(str),
    "any": st.one_of(st.integers(-1, 4).map(str), st.lists(st.integers(-1, 4), max_size=5).map(str)),
}


@st.composite
def calls(draw):
    op = REGISTRY[draw(st.sampled_from(OPS))]
    rank = draw(st.integers(1, 5))
    dims = ["N"] + [str(draw(st.integers(1, 6))) for _ in range(rank - 1)]
    dtype = draw(st.sampled_from(["f32", "f32", "f32", "i64"]))
    inputs = {"x": f"{dtype}[{', '.join(dims)}]", "y": f"f32[{', '.join(dims)}]"}
    args = []
    kwargs = []
    for p in op.params:
        if p.kind == "tensor":
            args.append(draw(st.sampled_from(["x", "x", "y"])))
            continue
        if p.kind == "tensors":
            args.append(draw(st.sampled_from(["[x, y]", "[x, x]", "[y]"])))
            continue
        if not p.required and draw(st.booleans()):
            continue
        gen = VALUES.get(p.kind, VALUES["any"])
        v = draw(st.sampled_from([f'"{c}"' if isinstance(c, str) else str(c) for c in p.choices])) \
            if p.choices and draw(st.booleans()) else draw(gen)
        if p.required and draw(st.booleans()):
            args.append(v)
        else:
            kwargs.append(f"{p.name}={v}")
    call = f"{op.name}({', '.join(args + kwargs)})"
    return model(inputs, [("out", call)], ["out"]), draw(st.integers(1, 3))


@given(calls())
def test_registry_calls(m):
    text, batch = m
    res = run("registry/any-call→onnx(+ort)", text)
    if res is not None:
        check_in_onnxruntime(res, batch)


def test_every_layer_op_is_generated():
    assert {"conv2d", "linear", "pad", "split", "reshape", "embedding"} <= set(OPS)
    # the ops of issue 21
    assert {"clip", "relu6", "hardtanh", "hardsigmoid", "hardswish", "silu", "mish", "softplus", "exp", "log", "sqrt",
            "abs", "pow", "maximum", "minimum", "less", "not_equal", "where", "mean", "sum", "max", "min", "argmax",
            "squeeze", "unsqueeze", "expand", "stack", "gather", "one_hot", "param", "const"} <= set(OPS)
