"""Optimisation passes (issue 6): levels, modes, every pattern's positive and negative cases.

* Every sample: the ONNX outputs at --opt-level 0 and 2 agree within 1e-4 (relative
  to the output's scale) in onnxruntime, with random weights whose batch-norm
  statistics are far from the identity, and the IR is verified after every pass.
* Every sample and every target: the pipeline runs with verify_each at levels 0 and 2.
* Each pattern fires where it should and not where it must not (a batch norm whose
  input has another consumer, a training output, an activation the target cannot fuse).
"""
from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch_ref
from click.testing import CliRunner

from nncc import target as targets_mod
from nncc.diagnostics import CompileError, DiagnosticBag
from nncc.driver import compile_model
from nncc.ir import Graph, Node, TensorType, Value
from nncc.passes import PassContext, PassManager
from nncc.passes.fuse import fuse_with
from nncc.passes.verify import verify

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(glob.glob(str(ROOT / "samples" / "*.yaml")))
# smaller images / sequences (every layer is still there), so the suite stays fast
SHRINK = {"vgg16": {"size": "32"}, "resnet50": {"size": "32"}, "transformer": {"seq": "16", "vocab": "50"}}
TARGETS = ("onnx", "lbann", "singa", "smaug")
RTOL = 1e-4


# ---------------------------------------------------------------- helpers

def write(tmp_path: Path, inputs: dict[str, str], lines: str, outputs: list[str], extra: str = "") -> str:
    ins = "\n".join(f"  {k}: {v}" for k, v in inputs.items())
    body = "\n".join(f"  {ln.strip()}" for ln in lines.strip().splitlines() if ln.strip())
    p = tmp_path / "m.yaml"
    p.write_text(f"nncc: 1\nmodel: m\ninputs:\n{ins}\ngraph:\n{body}\noutputs: [{', '.join(outputs)}]\n{extra}")
    return str(p)


def random_weights(path: str, tmp_path: Path, defines=None, seed: int = 1) -> str:
    """An .npz for the UNFOLDED model: every weight random, batch-norm statistics far from 0 and 1."""
    g = compile_model(path, "onnx", defines=defines, opt_level=0, emit=False).frontend.graph
    rng = np.random.default_rng(seed)
    arrays = {}
    for w in g.weights():
        if w.share is not None:
            continue
        shape = tuple(int(d) for d in w.type.shape)
        if w.role == "var":
            a = rng.uniform(0.3, 3.0, shape)
        elif w.role == "mean":
            a = rng.normal(0.0, 0.5, shape)
        elif w.role == "scale":
            a = rng.uniform(0.5, 2.0, shape)
        elif w.role == "bias":
            a = rng.normal(0.0, 0.3, shape)
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
            a = rng.normal(0.0, 1.0 / np.sqrt(fan_in), shape)
        arrays[w.name] = a.astype(np.float32 if w.type.dtype in ("f32", "bf16") else w.type.dtype)
    out = tmp_path / f"w{seed}.npz"
    np.savez(out, **arrays)
    return str(out)


def compile_onnx(path: str, level: int, weights: str | None = None, defines=None, **opts: str):
    res = compile_model(path, "onnx", opt_level=level, weights=weights, defines=defines, verify_each=True,
                        options=opts or None)
    return res, next(iter(res.files.values()))


def feeds(res, seed: int = 0) -> dict[str, np.ndarray]:
    """Random inputs at batch 2 (torch_ref's: indices within the embedding they index, padding masks
    that keep a key)."""
    return torch_ref.random_inputs(res.frontend.graph, 2, seed=seed)


def run_onnx(data: bytes, x: dict[str, np.ndarray]) -> list[np.ndarray]:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # compare nncc's work, not ORT's
    s = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    names = {i.name for i in s.get_inputs()}
    return s.run(None, {k: v for k, v in x.items() if k in names})


def assert_close(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.shape == y.shape
        scale = max(float(np.max(np.abs(x))), 1e-6)
        assert float(np.max(np.abs(x - y))) <= RTOL * scale, float(np.max(np.abs(x - y))) / scale


def onnx_ops(data: bytes) -> list[str]:
    return [n.op_type for n in onnx.load_from_string(data).graph.node]


def ir_ops(res) -> list[str]:
    return [n.op for n in res.frontend.graph.nodes]


def same_at_levels(path: str, tmp_path: Path, **opts: str):
    """Compile at level 0 and 2 with the same random weights; outputs must agree. Returns both results."""
    w = random_weights(path, tmp_path)
    r0, d0 = compile_onnx(path, 0, w)
    r2, d2 = compile_onnx(path, 2, w, **opts)
    x = feeds(r0)
    assert_close(run_onnx(d0, x), run_onnx(d2, x))
    return (r0, d0), (r2, d2)


def skip_unsupported(e: CompileError) -> None:
    codes = {d.code for d in e.diagnostics}
    if codes & {"E501", "E404", "E502", "E504"}:
        pytest.skip("; ".join(d.message for d in e.diagnostics)[:200])
    raise e


# ---------------------------------------------------------------- every sample

@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: Path(p).stem)
def test_sample_level0_and_level2_agree(path, tmp_path):
    defines = SHRINK.get(Path(path).stem)
    try:
        w = random_weights(path, tmp_path, defines)
    except CompileError as e:
        skip_unsupported(e)
    r0, d0 = compile_onnx(path, 0, w, defines)
    r2, d2 = compile_onnx(path, 2, w, defines)
    x = feeds(r0)
    assert_close(run_onnx(d0, x), run_onnx(d2, x))
    assert len(onnx_ops(d2)) <= len(onnx_ops(d0))
    assert "BatchNormalization" not in onnx_ops(d2) and "Dropout" not in onnx_ops(d2)
    assert [v.name for v in r2.frontend.graph.outputs] == [v.name for v in r0.frontend.graph.outputs]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: Path(p).stem)
def test_verify_each_every_pass(path, target, monkeypatch):
    """Every pass of every target's pipeline leaves a verified IR, at levels 0 and 2."""
    if targets_mod.get(target) is None:
        pytest.skip(f"target {target} not installed")
    calls = []
    import nncc.passes as passes_mod

    real = passes_mod.PassManager.run

    def spy(self, g, ctx):
        assert self.verify_each
        calls.extend(self.names)
        return real(self, g, ctx)

    monkeypatch.setattr(passes_mod.PassManager, "run", spy)
    counts = {}
    for level in (0, 2):
        try:
            res = compile_model(path, target, defines=SHRINK.get(Path(path).stem), opt_level=level, emit=False,
                                verify_each=True)
        except CompileError as e:
            skip_unsupported(e)
        verify(res.frontend.graph, after="the pipeline")
        ran = [s.name for s in res.stats]
        assert ran == ["infer-shapes", "validate", *targets_mod.get(target).pipeline, "legalize"]
        counts[level] = (ir_ops(res).count("batch_norm"), ir_ops(res).count("dropout"))
        if targets_mod.get(target).mode == "training":  # never fold numerics, never drop dropout
            assert not any(w.init.kind == "derived" for w in res.frontend.graph.weights())
    if targets_mod.get(target).mode == "training":
        assert counts[2] == counts[0]
    assert calls


def test_training_targets_keep_batch_norm_and_dropout():
    path = str(ROOT / "samples" / "resnet20.yaml")
    for target in ("lbann", "singa"):
        if targets_mod.get(target) is None:
            continue
        try:
            res = compile_model(path, target, opt_level=2, emit=False, verify_each=True)
        except CompileError as e:
            if {d.code for d in e.diagnostics} & {"E501", "E502"}:
                continue
            raise
        assert ir_ops(res).count("batch_norm") == 21
    vgg = str(ROOT / "samples" / "vgg16.yaml")
    res = compile_model(vgg, "lbann", opt_level=2, emit=False, defines={"size": "32"})
    assert ir_ops(res).count("dropout") == 2


# ---------------------------------------------------------------- batch norm folding

def test_fold_batch_norm_into_conv(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 3, 8, 8]"}, """
      a: conv2d(x, 4, 3, pad=1, bias=false) |> batch_norm |> relu
      b: conv2d(a, 5, 3, stride=2, groups=1) |> batch_norm(eps=1e-3)
    """, ["b"])
    (_, d0), (r2, d2) = same_at_levels(path, tmp_path)
    assert onnx_ops(d0).count("BatchNormalization") == 2
    assert onnx_ops(d2) == ["Conv", "Relu", "Conv"]
    conv = r2.frontend.graph.nodes[0]
    assert conv.attrs["bias"] and set(conv.weights) == {"weight", "bias"}
    assert conv.meta["fused"]
    # the folded weights are derived from the unfolded ones: same names, as in the --weights file
    assert conv.weights["weight"].init.kind == "derived"
    assert {s.name for s in conv.weights["weight"].init.arg("sources")} >= {conv.weights["weight"].name}


def test_fold_batch_norm_into_linear_and_grouped_conv(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 4, 6, 6]"}, """
      a: conv2d(x, 8, 3, groups=2) |> batch_norm
      b: a |> flatten |> linear(7) |> batch_norm
    """, ["b"])
    _, (r2, _) = same_at_levels(path, tmp_path)
    assert "batch_norm" not in ir_ops(r2)


def test_no_fold_when_bn_input_has_another_consumer(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 3, 8, 8]"}, """
      c: conv2d(x, 3, 3, pad=1)
      y: batch_norm(c) + c
    """, ["y"])
    _, (r2, _) = same_at_levels(path, tmp_path)
    assert ir_ops(r2).count("batch_norm") == 1


def test_no_fold_when_conv_output_is_a_graph_output(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 3, 8, 8]"}, """
      c: conv2d(x, 3, 3, pad=1)
      y: batch_norm(c)
    """, ["c", "y"])
    _, (r2, _) = same_at_levels(path, tmp_path)
    assert ir_ops(r2).count("batch_norm") == 1


def test_no_fold_for_rank3_linear(tmp_path):
    # batch_norm normalises dim 1 (the sequence here), not the linear layer's features
    path = write(tmp_path, {"x": "f32[N, 5, 6]"}, "y: linear(x, 4) |> batch_norm", ["y"])
    _, (r2, _) = same_at_levels(path, tmp_path)
    assert ir_ops(r2).count("batch_norm") == 1


def test_no_numeric_folding_below_level_2_or_in_training(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 3, 8, 8]"}, "y: conv2d(x, 4, 3) |> batch_norm |> dropout(0.5)", ["y"])
    r1, _ = compile_onnx(path, 1)
    assert ir_ops(r1) == ["conv2d", "batch_norm"]  # structural only: dropout goes, batch norm stays
    r0, d0 = compile_onnx(path, 0)
    assert ir_ops(r0) == ["conv2d", "batch_norm", "dropout"]
    assert "Dropout" in onnx_ops(d0)
    # the ONNX option opt_level=0 is level 0 too
    res = compile_model(path, "onnx", options={"opt_level": "0"}, emit=False)
    assert ir_ops(res) == ["conv2d", "batch_norm", "dropout"]
    # a training output: same patterns, mode training -> nothing numeric, dropout kept
    g = compile_model(path, "onnx", opt_level=0, emit=False).frontend.graph
    ctx = PassContext(bag=DiagnosticBag(), target=targets_mod.get("onnx"), options={}, mode="training", opt_level=2)
    PassManager(["fold-constants", "cse", "fuse", "dce"], verify_each=True).run(g, ctx)
    assert [n.op for n in g.nodes] == ["conv2d", "batch_norm", "dropout"]


def test_weights_file_holds_the_unfolded_model(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 3, 8, 8]"}, "y: conv2d(x, 4, 3) |> batch_norm", ["y"])
    w = random_weights(path, tmp_path)
    arrays = dict(np.load(w))
    assert {k.rsplit(".", 1)[1] for k in arrays} == {"weight", "bias", "scale", "mean", "var"}
    compile_onnx(path, 2, w)
    bad = tmp_path / "bad.npz"
    np.savez(bad, **{k: v for k, v in arrays.items() if not k.endswith(".var")})
    with pytest.raises(CompileError) as e:
        compile_onnx(path, 2, str(bad))
    assert "E503" in {d.code for d in e.value.diagnostics}
    # seeded weights: level 0 and 2 draw the same unfolded weights
    r0, d0 = compile_onnx(path, 0)
    _, d2 = compile_onnx(path, 2)
    x = feeds(r0)
    assert_close(run_onnx(d0, x), run_onnx(d2, x))


# ---------------------------------------------------------------- bias and activation

def test_fold_constant_add_into_bias(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 3, 8, 8]", "v": "f32[N, 6]"}, """
      a: conv2d(x, 4, 3, bias=false) + 0.5
      b: linear(v, 3) + 2.0
      c: linear(v, 3) + b
    """, ["a", "c"])
    _, (r2, d2) = same_at_levels(path, tmp_path)
    ops = ir_ops(r2)
    assert ops.count("add") == 1  # the add of two tensors stays
    assert "Conv" in onnx_ops(d2) and len(onnx.load_from_string(d2).graph.node[0].input) == 3


def test_ort_fused_conv(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 4, 8, 8]"}, """
      a: conv2d(x, 4, 3, pad=1) |> batch_norm |> relu
      b: conv2d(a, 4, 3, pad=1) |> batch_norm
      c: relu(b + x)
      d: conv2d(c, 4, 3, pad=1) |> leaky_relu(0.2)
      e: conv2d(d, 4, 3, pad=1) |> gelu
    """, ["e"])
    _, (_, d2) = same_at_levels(path, tmp_path, ort_fusions="true")
    ops = onnx_ops(d2)
    # conv+bn+relu, conv+bn+add+relu, conv+leaky_relu fuse; gelu has no fused form: plain Conv, then the gelu
    assert ops.count("FusedConv") == 3 and ops.count("Conv") == 1 and "Add" not in ops[:4]
    m = onnx.load_from_string(d2)
    assert {o.domain for o in m.opset_import} == {"", "com.microsoft"}
    summed = [n for n in m.graph.node if n.op_type == "FusedConv" and len(n.input) == 4]
    assert len(summed) == 1
    # without the option: standard ONNX only
    _, d = compile_onnx(path, 2)
    assert "FusedConv" not in onnx_ops(d)


# ---------------------------------------------------------------- structural patterns

def test_identity_and_dropout_removed_output_names_kept(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 6]"}, """
      h: linear(x, 5) |> identity |> relu |> dropout(0.3)
      y: h |> identity
    """, ["y"])
    _, (r2, d2) = same_at_levels(path, tmp_path)
    assert ir_ops(r2) == ["linear", "relu"]
    assert [o.name for o in onnx.load_from_string(d2).graph.output] == ["y"]


def test_graph_input_to_output_identity_kept(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 6]"}, "y: identity(x)", ["y"])
    r, _ = compile_onnx(path, 2)
    assert ir_ops(r) == ["identity"]


def test_transpose_pairs(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 2, 3, 4]"}, """
      a: x |> transpose([0, 2, 1, 3]) |> transpose([0, 2, 1, 3])
      b: x |> transpose([0, 2, 3, 1]) |> transpose([0, 3, 1, 2]) |> relu
      c: x |> transpose([0, 3, 1, 2]) |> transpose([0, 1, 3, 2])
      y: a + b
    """, ["y", "c"])
    _, (r2, _) = same_at_levels(path, tmp_path)
    ts = [n for n in r2.frontend.graph.nodes if n.op == "transpose"]
    assert len(ts) == 1 and ts[0].attrs["perm"] == (0, 3, 2, 1)


def test_transpose_pair_not_merged_when_shared(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 2, 3, 4]"}, """
      t: transpose(x, [0, 2, 1, 3])
      y: transpose(t, [0, 2, 1, 3]) + x
    """, ["y", "t"])
    _, (r2, _) = same_at_levels(path, tmp_path)
    assert ir_ops(r2).count("transpose") == 2


def test_reshape_pairs(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 4, 6]"}, """
      a: x |> reshape([0, 2, 2, 6]) |> reshape([0, 24])
      b: x |> reshape([0, 24]) |> reshape([0, 4, 6])
      c: x |> flatten |> reshape([0, 3, 8])
      y: a + (b |> flatten)
    """, ["y", "c"])
    _, (r2, _) = same_at_levels(path, tmp_path)
    # a: one reshape; b's pair cancels (reshape back), then b |> flatten is one reshape; c: one reshape
    assert ir_ops(r2).count("reshape") + ir_ops(r2).count("flatten") == 3


def test_reshape_pair_kept_when_intermediate_is_used(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 4, 6]"}, """
      a: reshape(x, [0, 24])
      b: reshape(a, [0, 2, 12])
    """, ["a", "b"])
    _, (r2, _) = same_at_levels(path, tmp_path)
    assert ir_ops(r2).count("reshape") == 2


# ---------------------------------------------------------------- fold-constants and cse

def _const(name: str, value, dtype="f32") -> Node:
    arr = np.asarray(value, dtype=np.float32 if dtype == "f32" else np.int64)
    n = Node("constant", name, [], {"value": arr, "dtype": dtype})
    n.outputs = [Value(name, TensorType(dtype, arr.shape), n, 0)]
    return n


def _node(op: str, name: str, ins: list[Value], ty: TensorType, **attrs) -> Node:
    n = Node(op, name, list(ins), dict(attrs))
    n.outputs = [Value(name, ty, n, 0)]
    return n


def _run(g: Graph, names: list[str], level: int = 1, mode: str = "inference") -> PassContext:
    ctx = PassContext(bag=DiagnosticBag(), target=targets_mod.get("onnx"), options={}, mode=mode, opt_level=level)
    pm = PassManager(names, verify_each=True)
    pm.run(g, ctx)
    ctx.options["_stats"] = pm.stats
    return ctx


def test_fold_constants_evaluates_constant_subgraphs():
    x = Value("x", TensorType("f32", ("N", 2, 3)))
    c1, c2 = _const("c1", [[1, 2, 3], [4, 5, 6]]), _const("c2", 2.0)
    m = _node("mul", "m", [c1.output, c2.output], TensorType("f32", (2, 3)))
    t = _node("transpose", "t", [m.output], TensorType("f32", (3, 2)), perm=(1, 0))
    r = _node("reshape", "r", [t.output], TensorType("f32", (2, 3)), shape=(2, 3))
    th = _node("tanh", "th", [r.output], TensorType("f32", (2, 3)))
    y = _node("add", "y", [x, th.output], TensorType("f32", ("N", 2, 3)))
    g = Graph("g", inputs=[x], nodes=[c1, c2, m, t, r, th, y], outputs=[y.output])
    ctx = _run(g, ["fold-constants", "dce"], level=1)
    # level 1: exact ops fold; tanh is left for level 2
    assert [n.op for n in g.nodes] == ["constant", "tanh", "add"]
    np.testing.assert_array_equal(g.nodes[0].attrs["value"], (np.arange(1, 7).reshape(2, 3) * 2.0).T.reshape(2, 3))
    assert {s.name: s.fired for s in ctx.options["_stats"]}["fold-constants"] == 3  # PassResult.rewrites
    _run(g, ["fold-constants", "dce"], level=2)
    assert [n.op for n in g.nodes] == ["constant", "add"]
    np.testing.assert_allclose(g.nodes[0].attrs["value"],
                               np.tanh((np.arange(1, 7).reshape(2, 3) * 2.0).T.reshape(2, 3)), rtol=1e-6)


def test_fold_constants_neutral_elements(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 6]"}, """
      a: relu(x) * 1.0
      b: (a + 0.0) / 1.0
      c: b * 2.0
      d: 1.0 - c
    """, ["d"])
    _, (r2, _) = same_at_levels(path, tmp_path)
    assert [n.op for n in r2.frontend.graph.nodes if n.op != "constant"] == ["relu", "mul", "sub"]


def test_fold_constants_not_in_training_for_dropout():
    c = _const("c", [1.0, 2.0])
    d = _node("dropout", "d", [c.output], TensorType("f32", (2,)), p=0.5)
    x = Value("x", TensorType("f32", ("N", 2)))
    y = _node("add", "y", [x, d.output], TensorType("f32", ("N", 2)))
    g = Graph("g", inputs=[x], nodes=[c, d, y], outputs=[y.output])
    _run(g, ["fold-constants"], level=2, mode="training")
    assert [n.op for n in g.nodes] == ["constant", "dropout", "add"]


def test_cse(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 6]"}, """
      a: relu(x) * 0.5
      b: relu(x) * 0.5
      c: softmax(x, axis=1) + softmax(x, axis=0)
      y: a + b + c
    """, ["y"])
    _, (r2, _) = same_at_levels(path, tmp_path)
    ops = ir_ops(r2)
    assert ops.count("relu") == 1 and ops.count("mul") == 1 and ops.count("softmax") == 2
    assert ops.count("constant") == 1


def test_cse_keeps_training_dropouts():
    x = Value("x", TensorType("f32", ("N", 2)))
    d1 = _node("dropout", "d1", [x], TensorType("f32", ("N", 2)), p=0.5)
    d2 = _node("dropout", "d2", [x], TensorType("f32", ("N", 2)), p=0.5)
    y = _node("add", "y", [d1.output, d2.output], TensorType("f32", ("N", 2)))
    g = Graph("g", inputs=[x], nodes=[d1, d2, y], outputs=[y.output])
    _run(g, ["cse"], level=2, mode="training")
    assert len(g.nodes) == 3
    _run(g, ["cse"], level=1, mode="inference")
    assert len(g.nodes) == 2


def test_level_0_runs_nothing_but_dce(tmp_path):
    path = write(tmp_path, {"x": "f32[N, 6]"}, "y: relu(x) * 1.0 + relu(x) |> identity", ["y"])
    r0, _ = compile_onnx(path, 0)
    assert all(s.fired == 0 for s in r0.stats if s.name != "dce")
    assert ir_ops(r0).count("relu") == 2


def test_fuse_with_levels_is_the_table_mechanism():
    """The optimisation patterns are fuse-pass Patterns: fuse_with applies them like any target's."""
    from nncc.passes.fold import STRUCTURAL

    x = Value("x", TensorType("f32", ("N", 2)))
    i = _node("identity", "i", [x], TensorType("f32", ("N", 2)))
    r = _node("relu", "r", [i.output], TensorType("f32", ("N", 2)))
    g = Graph("g", inputs=[x], nodes=[i, r], outputs=[r.output])
    ctx = PassContext(bag=DiagnosticBag())
    assert fuse_with(g, ctx, STRUCTURAL) == 1
    verify(g)
    assert [n.op for n in g.nodes] == ["relu"] and g.nodes[0].inputs[0] is x


# ---------------------------------------------------------------- --pass-stats

def test_pass_stats(tmp_path):
    from nncc.cli import main

    path = str(ROOT / "samples" / "resnet20.yaml")
    r2 = compile_model(path, "onnx", opt_level=2, emit=False, verify_each=True)
    fired = {s.name: s.fired for s in r2.stats}
    assert fired["fuse"] == 21  # every batch norm
    out = tmp_path / "o.onnx"
    res = CliRunner().invoke(main, ["compile", path, "-o", str(out), "--opt-level", "2", "--pass-stats",
                                    "--verify-each"])
    assert res.exit_code == 0, res.output
    text = res.output
    for name in ("fold-constants", "cse", "fuse", "dce"):
        assert any(line.split()[:1] == [name] for line in text.splitlines()), text
    fuse_line = next(line for line in text.splitlines() if line.startswith("fuse "))
    assert fuse_line.split()[1] == "21"
