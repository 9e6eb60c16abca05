"""The SMAUG target (issue 5): topology and params files, both back ends, the passes.

Acceptance items:
1. test_reference_structure — LeNet-5 and Minerva match SMAUG's own frontend's
   topologies node by node (ops, parents, tensor indices, shapes, layouts, data
   types, alignment, params); names may differ. tests/test_smaug_collection.py compares the whole
   collection, names included.
2. test_params_* — the params file parses, each Data tensor's values have the
   topology's shape; with --weights the values are exactly the given weights,
   transposed for NHWC (value by value). test_numerics_* runs the emitted graph in
   a small numpy interpreter of SMAUG's ops and compares with the IR run in torch.
3. test_samples — samples with only SMAUG ops compile for both back ends; the
   others name the op and the line.
4. tests/test_passes_generic.py — the passes with a made-up target's tables.
5. test_docs — docs/targets/smaug.md has the mapping table, back ends, how to run.
"""
from __future__ import annotations

import glob
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from google.protobuf import text_format
from nncc.targets.smaug import LOWER, TARGET
from nncc.targets.smaug import params as E
from nncc.targets.smaug import graph_pb2 as pb

from nncc import target as targets_mod
from nncc.cli import main
from nncc.diagnostics import CompileError
from nncc.driver import compile_model, frontend
from nncc.summary import summarize

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
REFERENCE = REPO.parent / "shared" / "reference" / "smaug"
BACKENDS = ("Reference", "SMV")
SHORT = {"Reference": "ref", "SMV": "smv"}

needs_reference = pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"no reference files at {REFERENCE}")


def compile_smaug(path, backend="Reference", **kw):
    opts = dict(kw.pop("options", {}) or {})
    opts["backend"] = backend
    res = compile_model(str(path), "smaug", options=opts, **kw)
    topo_name = next(k for k in res.files if k.endswith("_topo.pbtxt"))
    graph = text_format.Parse(res.files[topo_name].decode(), pb.GraphProto())
    params = pb.TensorDataArray.FromString(res.files[topo_name.replace("_topo.pbtxt", "_params.pb")])
    return res, graph, params


def write(tmp_path: Path, text: str, name: str = "m") -> str:
    p = tmp_path / f"{name}.yaml"
    p.write_text(text)
    return str(p)


def model(inputs: dict[str, str], graph: str, outputs: list[str], name: str = "t") -> str:
    ins = "\n".join(f"  {k}: {v}" for k, v in inputs.items())
    lines = "\n".join(f"  {ln.strip()}" for ln in graph.strip().splitlines() if ln.strip())
    return f"nncc: 1\nmodel: {name}\ninputs:\n{ins}\ngraph:\n{lines}\noutputs: [{', '.join(outputs)}]\n"


def data_values(graph: pb.GraphProto, params: pb.TensorDataArray) -> dict[str, np.ndarray]:
    """Data node name -> its values (in the topology's dims) from the params file."""
    by_name = {td.name: td for td in params.data_array}
    out = {}
    for node in graph.nodes:
        if node.op == pb.Data:
            t = node.input_tensors[0]
            out[node.name] = E.decode(by_name[t.name], t)
    return out


def tensor_key(t: pb.TensorProto) -> tuple:
    return (t.data_type, tuple(t.shape.dims), t.shape.layout, t.shape.alignment, t.data_format)


# ---------------------------------------------------------------- 1. reference topologies

@needs_reference
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("sample,ref", [("lenet5_smaug", "lenet5"), ("minerva", "minerva")])
def test_reference_structure(sample, ref, backend):
    _, got, _ = compile_smaug(SAMPLES / f"{sample}.yaml", backend)
    want = text_format.Parse((REFERENCE / f"{ref}_{SHORT[backend]}_topo.pbtxt").read_text(), pb.GraphProto())
    assert got.backend == want.backend and got.mem_policy == want.mem_policy
    assert [pb.OpType.Name(n.op) for n in got.nodes] == [pb.OpType.Name(n.op) for n in want.nodes]
    # node names may differ: compare parents by position
    gpos = {n.name: i for i, n in enumerate(got.nodes)}
    wpos = {n.name: i for i, n in enumerate(want.nodes)}
    for g, w in zip(got.nodes, want.nodes):
        where = f"node {g.name} ({pb.OpType.Name(g.op)})"
        assert [gpos[p] for p in g.parents] == [wpos[p] for p in w.parents], where
        assert list(g.src_tensors_indices) == list(w.src_tensors_indices), where
        assert [tensor_key(t) for t in g.input_tensors] == [tensor_key(t) for t in w.input_tensors], where
        assert [tensor_key(t) for t in g.output_tensors] == [tensor_key(t) for t in w.output_tensors], where
        assert g.HasField("params") == w.HasField("params"), where
        assert g.params == w.params, where
    # tensors are named <node>/output<i> and consumers refer to them by those names
    for n in got.nodes:
        for i, t in enumerate(n.output_tensors):
            assert t.name == f"{n.name}/output{i}"
        for p, idx, t in zip(n.parents, n.src_tensors_indices, n.input_tensors):
            assert t.name == f"{p}/output{idx}"


# ---------------------------------------------------------------- 2. params

def _weights_npz(path, tmp_path, seed=3) -> tuple[str, dict[str, np.ndarray]]:
    fe = frontend(str(path))
    rng = np.random.default_rng(seed)
    arrays = {w.name: rng.standard_normal(tuple(w.type.shape)).astype(np.float32)
              for w in fe.graph.weights() if w.share is None}
    p = tmp_path / "w.npz"
    np.savez(p, **arrays)
    return str(p), arrays


@pytest.mark.parametrize("backend", BACKENDS)
def test_params_match_topology(backend):
    _, graph, params = compile_smaug(SAMPLES / "lenet5_smaug.yaml", backend)
    names = {td.name for td in params.data_array}
    datas = [n for n in graph.nodes if n.op == pb.Data]
    assert len(datas) == 5 and len(params.data_array) == 5
    align = 8 if backend == "SMV" else 0
    for n in datas:
        t = n.input_tensors[0]
        assert t.name == f"{n.name}/input0" and t.name in names
        td = next(x for x in params.data_array if x.name == t.name)
        dims = list(t.shape.dims)
        padded = dims[:-1] + [dims[-1] + (-dims[-1]) % align if align else dims[-1]]
        count = int(np.prod(padded))
        if backend == "SMV":
            assert not td.float_data and len(td.half_data) == (count + 1) // 2
        else:
            assert not td.half_data and len(td.float_data) == count
        arr = E.decode(td, t)
        assert list(arr.shape) == dims
        # SMAUG's frontend zero-pads the last dim to the alignment
        full = (np.array(td.half_data, np.int32).view(np.float16) if backend == "SMV"
                else np.array(td.float_data, np.float32))[:count].reshape(padded)
        assert not np.any(full[..., dims[-1]:])


@pytest.mark.parametrize("backend", BACKENDS)
def test_params_are_the_given_weights(backend, tmp_path):
    path = SAMPLES / "lenet5_smaug.yaml"
    npz, w = _weights_npz(path, tmp_path)
    _, graph, params = compile_smaug(path, backend, weights=npz)
    vals = data_values(graph, params)
    dt = np.float16 if backend == "SMV" else np.float32
    # Data nodes in order: the input (named after it), conv1, conv2, fc1, logits
    assert list(vals) == ["image", "data", "data_1", "data_2", "data_3"]
    conv1, conv2 = w["conv1.weight"], w["conv2.weight"]
    fc1, logits = w["fc1.weight"], w["logits.weight"]
    # convolution kernels are stored NHWC: [out, kh, kw, in]
    np.testing.assert_array_equal(vals["data"], conv1.transpose(0, 2, 3, 1).astype(dt))
    np.testing.assert_array_equal(vals["data_1"], conv2.transpose(0, 2, 3, 1).astype(dt))
    for o in range(32):
        for i in range(32):
            assert vals["data_1"][o, 1, 2, i] == dt(conv2[o, i, 1, 2])
    if backend == "SMV":
        # the NHWC pool output is flattened as (h, w, c): fc1's columns follow that order
        expect = fc1.reshape(128, 32, 12, 12).transpose(0, 2, 3, 1).reshape(128, -1).astype(dt)
        c, h, x = 5, 7, 3
        assert vals["data_2"][9, (h * 12 + x) * 32 + c] == dt(fc1[9, c * 144 + h * 12 + x])
    else:
        expect = fc1.astype(dt)  # NCHW flatten is the model's own order
    np.testing.assert_array_equal(vals["data_2"], expect)
    np.testing.assert_array_equal(vals["data_3"], logits.astype(dt))  # stored NC = [out, in]


def test_weights_flag_on_the_command_line(tmp_path):
    path = SAMPLES / "minerva.yaml"
    npz, w = _weights_npz(path, tmp_path)
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["compile", str(path), "-t", "smaug", "--weights", npz, "-O", "backend=SMV",
                                  "-O", "mem_policy=AllAcpWithDmaForWeights", "-o", f"{out}/"])
    assert r.exit_code == 0, r.output
    graph = text_format.Parse((out / "minerva_topo.pbtxt").read_text(), pb.GraphProto())
    params = pb.TensorDataArray.FromString((out / "minerva_params.pb").read_bytes())
    assert graph.mem_policy == pb.AllAcpWithDmaForWeights and graph.backend == "SMV"
    vals = data_values(graph, params)
    np.testing.assert_array_equal(vals["data"], w["h/0.weight"].astype(np.float16))
    np.testing.assert_array_equal(vals["data_3"], w["logits.weight"].astype(np.float16))


def test_batch_option_and_input_data():
    _, graph, params = compile_smaug(SAMPLES / "minerva.yaml", "Reference", options={"batch": 4})
    assert list(graph.nodes[0].output_tensors[0].shape.dims) == [4, 28, 28, 1]
    assert list(graph.nodes[-1].output_tensors[0].shape.dims) == [4, 10]
    vals = data_values(graph, params)
    assert vals["image"].shape == (4, 28, 28, 1) and np.all((vals["image"] >= 0) & (vals["image"] < 1))


def test_encode_reads_back_as_protobufs_own_encoding():
    """Each params entry parses to the message protobuf itself would write; the integer and float fields are
    protobuf's own bytes, half_data's int32s are 5-byte varints (see targets/smaug/params.py), which protobuf's
    C parser (upb, here) and C++ parser (protoc --decode) read as the same values."""
    rng = np.random.default_rng(0)
    for dt in ("Float16", "Float32", "Float64", "Int32", "Int64", "Bool"):
        for shape in ((3, 5), (7,), (2, 3, 3, 1), (0,)):
            a = rng.standard_normal(shape) * 1000
            a = a > 0 if dt == "Bool" else a
            for align in (0, 8):
                ref = pb.TensorDataArray()
                td = ref.data_array.add(name="x/input0")
                flat = E.padded(a, dt, align).reshape(-1)
                if dt == "Float16":
                    flat = np.append(flat, np.float16(0)) if flat.size % 2 else flat
                    td.half_data.extend(flat.view(np.int32).tolist())
                else:
                    getattr(td, {"Float32": "float_data", "Float64": "double_data", "Int32": "int_data",
                                 "Int64": "int64_data", "Bool": "bool_data"}[dt]).extend(flat.tolist())
                got = E.encode("x/input0", a, dt, align)
                if dt == "Float16":
                    assert pb.TensorDataArray.FromString(got) == ref
                else:
                    assert got == ref.SerializeToString()


def test_half_data_read_by_protobufs_cpp_parser(tmp_path):
    protoc = pytest.importorskip("grpc_tools.protoc")
    import subprocess
    import sys

    h = np.array([0.5, -0.5, -1e-3, 3e-5, 0, -0.0, 65504, -65504, np.inf, -np.inf], np.float16)
    (tmp_path / "e.bin").write_bytes(E.encode("x/input0", h, "Float16", 0))
    proto_dir = Path(protoc.__file__).parent
    r = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{REPO / 'targets' / 'smaug'}",
                        f"-I{proto_dir / '_proto'}", "--decode=smaug.TensorDataArray", "graph.proto"],
                       stdin=(tmp_path / "e.bin").open("rb"), capture_output=True, text=True, check=True)
    back = text_format.Parse(r.stdout, pb.TensorDataArray())
    assert np.array_equal(np.array(back.data_array[0].half_data, np.int32).view(np.float16), h)


STREAMED = """nncc: 1
model: streamed
inputs:
  x: f32[N, 16, 10, 10]
graph:
  c: conv2d(x, 96, 3, pad=1, bias=false) |> relu
  f: c |> flatten |> linear(333, bias=false)
  g: linear(f, 777, w_init=uniform(low=-1, high=1), bias=false)
outputs: [g]
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_streamed_weights_are_the_drawn_weights(backend, tmp_path):
    """Drawn weights are written block by block while the file is written (rows of 9600 and 333 values cut
    across the random blocks of 2**18): the file is the one written from the same values held whole."""
    from nncc.weights import Draw

    path = write(tmp_path, STREAMED)
    streamed = compile_model(path, "smaug", options={"backend": backend}, seed=11)
    assert any(not isinstance(p, bytes) for p in streamed.outputs["streamed_params.pb"].parts)
    fe = frontend(path)
    np.savez(tmp_path / "w.npz", **{w.name: Draw(w, 11).array() for w in fe.graph.weights()})
    whole = compile_model(path, "smaug", options={"backend": backend}, seed=11, weights=str(tmp_path / "w.npz"))
    assert streamed.files["streamed_params.pb"] == whole.files["streamed_params.pb"]


# ---------------------------------------------------------------- numerics: run what SMAUG would run

def _act(x, ap: pb.ActivationParams, op: int | None = None):
    op = ap.activation if op is None else op
    if op == pb.ReLU:
        return np.maximum(x, 0)
    if op == pb.LReLU:
        return np.where(x > 0, x, ap.lrelu_params.slope * x)
    if op == pb.ELU:
        return np.where(x > 0, x, ap.elu_params.alpha * (np.exp(x) - 1))
    if op == pb.SELU:
        return ap.elu_params.lambda_param * np.where(x > 0, x, ap.elu_params.alpha * (np.exp(x) - 1))
    if op == pb.Tanh:
        return np.tanh(x)
    if op == pb.Sigmoid:
        return 1 / (1 + np.exp(-x))
    if op == pb.Softmax:
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return x


def _nchw(x, layout):
    return x.transpose(0, 3, 1, 2) if layout == pb.NHWC else x


def _back(x, layout):
    return x.transpose(0, 2, 3, 1) if layout == pb.NHWC else x


def _windows(x, kh, kw, sh, sw):
    v = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    return v[:, :, ::sh, ::sw]  # [N, C, OH, OW, kh, kw]


def interpret(graph: pb.GraphProto, params: pb.TensorDataArray) -> dict[str, np.ndarray]:
    """A numpy model of SMAUG's reference semantics, enough for the ops nncc emits."""
    by_name = {td.name: td for td in params.data_array}
    env: dict[str, list[np.ndarray]] = {}
    for n in graph.nodes:
        ins = [env[p][i] for p, i in zip(n.parents, n.src_tensors_indices)]
        outs_t = n.output_tensors
        lay = outs_t[0].shape.layout
        inl = [t.shape.layout for t in n.input_tensors]
        if n.op == pb.Data:
            t = n.input_tensors[0]
            r = [E.decode(by_name[t.name], t).astype(np.float64)]
        elif n.op == pb.Reorder:
            x, src = ins[0], inl[0]
            if lay in (pb.NC, pb.CN) and x.ndim == 4:
                r = [x.reshape(x.shape[0], -1)]
            elif x.ndim == 2:
                r = [x.T]
            else:
                r = [_back(_nchw(x, src), lay)]
        elif n.op in (pb.Convolution3d, pb.ConvolutionDepthwise):
            x, w = _nchw(ins[0], inl[0]), _nchw(ins[1], inl[1])
            kh, kw = w.shape[2:]
            cp = n.params.conv_params
            if cp.padding == pb.SamePadding:
                x = np.pad(x, [(0, 0), (0, 0), (-(-(kh - 1) // 2), (kh - 1) // 2), (-(-(kw - 1) // 2), (kw - 1) // 2)])
            win = _windows(x, kh, kw, *cp.stride)
            if n.op == pb.Convolution3d:
                y = np.einsum("nchwij,ocij->nohw", win, w)
            else:
                y = np.einsum("nchwij,cij->nchw", win, w[0])
            r = [_back(_act(y, n.params.act_params), lay)]
        elif n.op in (pb.MaxPooling, pb.AveragePooling):
            pp = n.params.pool_params
            win = _windows(_nchw(ins[0], inl[0]), *pp.pool_size, *pp.stride)
            y = win.max(axis=(4, 5)) if n.op == pb.MaxPooling else win.mean(axis=(4, 5))
            r = [_back(y, lay)]
        elif n.op == pb.InnerProduct:
            x, w = ins
            y = x @ (w.T if inl[1] == pb.NC else w)
            r = [_act(y, n.params.act_params)]
        elif n.op == pb.BatchNorm:
            x, mean, inv, gamma, beta = ins
            shape = [1] * x.ndim
            ax = 3 if inl[0] == pb.NHWC else 1
            shape[ax] = -1
            f = [a.reshape(shape) for a in (mean, inv, gamma, beta)]
            r = [_act((x - f[0]) * f[1] * f[2] + f[3], n.params.act_params)]
        elif n.op in (pb.ReLU, pb.LReLU, pb.ELU, pb.SELU, pb.Tanh, pb.Sigmoid, pb.Softmax):
            r = [_act(ins[0], n.params.act_params, n.op)]
        elif n.op == pb.EltwiseAdd:
            r = [ins[0] + ins[1]]
        elif n.op == pb.EltwiseMul:
            r = [ins[0] * ins[1]]
        elif n.op == pb.Repeat:
            x = ins[0]
            r = [np.tile(x, [o // i for o, i in zip(outs_t[0].shape.dims, x.shape)])]
        elif n.op == pb.Concat:
            r = [np.concatenate(ins, axis=n.params.concat_params.concat_axis)]
        elif n.op == pb.Split:
            ax = n.params.split_params.split_axis
            cuts = np.cumsum([t.shape.dims[ax] for t in outs_t])[:-1]
            r = np.split(ins[0], cuts, axis=ax)
        elif n.op == pb.Reshape:
            r = [ins[0].reshape(list(outs_t[0].shape.dims))]
        elif n.op == pb.Padding:
            s = list(n.params.padding_params.padding_size)
            r = [np.pad(ins[0], [(s[2 * i], s[2 * i + 1]) for i in range(ins[0].ndim)])]
        else:  # pragma: no cover
            raise NotImplementedError(pb.OpType.Name(n.op))
        for y, t in zip(r, outs_t):
            assert list(y.shape) == list(t.shape.dims), (n.name, y.shape, list(t.shape.dims))
        env[n.name] = r
    return env


def _canonical(x, layout):
    return _nchw(x, layout) if x.ndim == 4 else x


def numerics(path: str, backend: str, tmp_path: Path, defines=None, disable=None):
    torch_ref = pytest.importorskip("torch_ref")
    fe = frontend(path, defines)
    arrays = torch_ref.random_weights(fe.graph, seed=5)
    npz = tmp_path / "w.npz"
    np.savez(npz, **arrays)
    _res, graph, params = compile_smaug(path, backend, weights=str(npz), defines=defines, disable=disable)
    env = interpret(graph, params)
    x = _canonical(env[graph.nodes[0].name][0], graph.nodes[0].output_tensors[0].shape.layout)  # the input
    if backend == "SMV":  # the model's own weights, rounded as SMV stores them
        arrays = {k: v.astype(np.float16).astype(np.float64) for k, v in arrays.items()}
    feeds = {v.name: np.zeros([1 if isinstance(d, str) else d for d in v.type.shape], np.int64)
             for v in fe.graph.inputs}
    feeds[next(v.name for v in fe.graph.inputs if v.type.dtype.startswith("f"))] = x
    want = torch_ref.run(fe.graph, feeds, arrays, outputs=[v.name for v in fe.graph.outputs])
    last = graph.nodes[-1]
    got = _canonical(env[last.name][0], last.output_tensors[0].shape.layout)
    ref = want[fe.graph.outputs[0].name]
    scale = max(np.abs(ref).max(), 1e-6)
    tol = 2e-2 if backend == "SMV" else 1e-6  # Reference: float32 params
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() / scale < tol, np.abs(got - ref).max() / scale
    return graph


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("sample", ["lenet5_smaug", "minerva", "lenet5", "resnet20"])
def test_numerics_samples(sample, backend, tmp_path):
    numerics(str(SAMPLES / f"{sample}.yaml"), backend, tmp_path)


MIXED = model({"x": "f32[N, 4, 9, 10]"}, """
  a:  conv2d(x, 6, 3, pad="same", bias=false) |> leaky_relu(alpha=0.2)
  b:  conv2d(a, 6, 3, groups=6, pad=1, bias=true) |> elu
  c:  conv2d(x, 6, [2, 3], stride=2, pad=[0, 1, 1, 0], bias=false)
  c2: avg_pool2d(b, 3, stride=2, pad=1, count_include_pad=true)
  d:  concat([c, c2], axis=1) |> batch_norm |> selu
  e:  max_pool2d(relu(d), 3, stride=2, pad=1)
  s:  split(e, 2, axis=1)
  f:  s[0] * s[1] |> sigmoid
  g:  pad(f, [0, 0, 1, 0, 0, 0, 0, 1]) |> tanh
  h:  g |> global_avg_pool |> flatten |> linear(5) |> softmax
""", ["h"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_numerics_mixed_ops(backend, tmp_path):
    graph = numerics(write(tmp_path, MIXED), backend, tmp_path)
    ops = {pb.OpType.Name(n.op) for n in graph.nodes}
    assert {"ConvolutionDepthwise", "Padding", "AveragePooling", "Concat", "BatchNorm", "Split", "ELU",
            "EltwiseMul", "Sigmoid", "Tanh", "Softmax", "EltwiseAdd", "Repeat", "MaxPooling"} <= ops
    same = next(n for n in graph.nodes if n.op == pb.Convolution3d)
    assert same.params.conv_params.padding == pb.SamePadding
    assert same.params.act_params.activation == pb.LReLU
    assert abs(same.params.act_params.lrelu_params.slope - 0.2) < 1e-7
    bn = next(n for n in graph.nodes if n.op == pb.BatchNorm)
    assert bn.params.act_params.activation == pb.SELU  # and the relu after it stays a node
    assert any(n.op == pb.ReLU and n.parents == [bn.name] for n in graph.nodes)
    # every activation as its own node
    plain = numerics(write(tmp_path, MIXED), backend, tmp_path, disable={"fuse"})
    assert {"LReLU", "SELU", "ELU", "ReLU"} <= {pb.OpType.Name(n.op) for n in plain.nodes}


def test_reshape_and_flatten_of_non_canonical_layouts(tmp_path):
    text = model({"x": "f32[N, 2, 4, 4]"}, """
      a: conv2d(x, 3, 3, pad=1, bias=false)
      r: reshape(a, [0, 3, 16]) |> reshape([0, 48])
      f: flatten(a) |> relu
      h: r + f |> linear(4)
    """, ["h"])
    for backend in BACKENDS:
        numerics(write(tmp_path, text), backend, tmp_path)



@pytest.mark.parametrize("backend", BACKENDS)
def test_adaptive_pools_whose_windows_divide_are_fixed_pools(backend, tmp_path):
    """adaptive pooling of 8x12 to 2x3 and to 1x1 pools 4x4 and 8x12 windows side by side (PyTorch's bins)."""
    text = model({"x": "f32[N, 3, 8, 12]"}, """
      a: conv2d(x, 4, 3, pad=1, bias=false) |> relu
      b: adaptive_avg_pool2d(a, [2, 3]) |> flatten
      c: adaptive_max_pool2d(a, 1) |> flatten
      y: concat([b, c], axis=1) |> linear(5)
    """, ["y"])
    graph = numerics(write(tmp_path, text), backend, tmp_path)
    pools = {pb.OpType.Name(n.op): list(n.params.pool_params.pool_size) for n in graph.nodes
             if n.op in (pb.AveragePooling, pb.MaxPooling)}
    assert pools == {"AveragePooling": [4, 4], "MaxPooling": [8, 12]}


def test_adaptive_pools_with_unequal_windows_are_e501(tmp_path):
    text = model({"x": "f32[N, 3, 7, 8]"}, "y: adaptive_avg_pool2d(x, [2, 4])", ["y"])
    with pytest.raises(CompileError) as ei:
        compile_smaug(write(tmp_path, text))
    (d,) = ei.value.diagnostics
    assert d.code == "E501" and "7x8 to 2x4" in d.message and d.span is not None and d.span.line == 6

# ---------------------------------------------------------------- passes in the SMAUG pipeline

def test_fuse_can_be_disabled(tmp_path):
    path = SAMPLES / "lenet5_smaug.yaml"
    _, fused, _ = compile_smaug(path)
    _, plain, _ = compile_smaug(path, disable={"fuse"})
    assert sum(n.op == pb.ReLU for n in fused.nodes) == 0
    assert sum(n.HasField("params") and n.params.act_params.activation == pb.ReLU for n in fused.nodes) == 3
    assert sum(n.op == pb.ReLU for n in plain.nodes) == 3
    assert not any(n.params.act_params.activation for n in plain.nodes)


def test_fuse_only_single_use_bias_free_producers(tmp_path):
    text = model({"x": "f32[N, 3, 8, 8]"}, """
      a: conv2d(x, 4, 3, bias=false)
      b: relu(a)
      c: a + b
      d: conv2d(c, 4, 3, bias=true) |> relu
      e: flatten(d) |> linear(3, bias=false) |> tanh
    """, ["e"])
    res, graph, _ = compile_smaug(write(tmp_path, text))
    conv = [n for n in graph.nodes if n.op == pb.Convolution3d]
    assert not any(n.params.act_params.activation for n in conv)  # a has 2 uses; d has a bias
    ip = next(n for n in graph.nodes if n.op == pb.InnerProduct)
    assert ip.params.act_params.activation == pb.Tanh
    fuse = next(s for s in res.stats if s.name == "fuse")
    assert fuse.fired == 1


def test_reorder_not_in_other_targets():
    res = compile_model(str(SAMPLES / "lenet5_smaug.yaml"), "onnx", emit=False)
    assert all(n.op != "reorder" for n in res.frontend.graph.nodes)
    assert "insert-layouts" not in [s.name for s in res.stats]


# ---------------------------------------------------------------- 3. samples

def _smaug_ops_only(path: str, defines=None) -> tuple[bool, list[str]]:
    fe = frontend(path, defines)
    layer_ops = {n.op for n in fe.graph.nodes if n.kind == "layer"}
    missing = sorted(op for op in layer_ops if op not in LOWER)
    return not missing, missing


SHRINK = {"vgg16": {"size": "32"}, "resnet50": {"size": "64"}}  # same layers, smaller images: faster


@pytest.mark.parametrize("path", sorted(glob.glob(str(SAMPLES / "*.yaml"))), ids=lambda p: Path(p).stem)
def test_samples(path):
    defines = SHRINK.get(Path(path).stem)
    try:
        ok, missing = _smaug_ops_only(path, defines)
    except CompileError as e:  # pragma: no cover - a broken sample is another test's business
        pytest.skip(f"sample does not pass the front end: {e.diagnostics[0].message}")
    lines = Path(path).read_text().splitlines()
    for backend in BACKENDS:
        if ok:
            _, graph, params = compile_smaug(path, backend, defines=defines)
            assert graph.nodes and graph.backend == backend
            assert len(params.data_array) == sum(n.op == pb.Data for n in graph.nodes)
        else:
            with pytest.raises(CompileError) as ei:
                compile_smaug(path, backend, defines=defines)
            ds = ei.value.diagnostics
            for op in missing:
                d = next((d for d in ds if f"`{op}`" in d.message), None)
                assert d is not None, f"no diagnostic names `{op}`: {[x.message for x in ds]}"
                assert d.code == "E501" and d.span is not None and 1 <= d.span.line <= len(lines)


def test_unsupported_settings_name_op_and_line(tmp_path):
    cases = {
        "dilation": ("conv2d(x, 4, 3, dilation=2)", "dilation"),
        "pool pad": ("max_pool2d(x, 3, pad=1)", "padding"),
        "softmax 4-D": ("softmax(x)", "2-D"),
        "sub": ("x - x", "sub"),
    }
    for name, (expr, words) in cases.items():
        text = model({"x": "f32[N, 3, 8, 8]"}, f"y: {expr}", ["y"])
        with pytest.raises(CompileError) as ei:
            compile_smaug(write(tmp_path, text))
        d = ei.value.diagnostics[0]
        assert words in d.message and d.code == "E501", (name, d.code, d.message)
        assert d.span is not None and d.span.line == 6, (name, d.span)


# ---------------------------------------------------------------- summary, target, docs

def test_summary_shows_the_smaug_graph():
    text = summarize(str(SAMPLES / "lenet5_smaug.yaml"), target="smaug")
    assert "Summary of the network: lenet5_smaug (SMV)" in text
    assert "Host memory access policy: AllDma." in text
    assert "Name: conv1 (Convolution3d)\nParents:image data\nChildren:conv2" in text
    assert "  reorder/output0 Float16 [1, 4608] NC alignment(8)" in text
    assert "act_params { activation: ReLU }" in text
    r = CliRunner().invoke(main, ["summary", str(SAMPLES / "minerva.yaml"), "-t", "smaug"])
    assert r.exit_code == 0 and "Name: logits (InnerProduct)" in r.output


def test_target_declaration():
    t = targets_mod.get("smaug")
    assert t is TARGET and t.pipeline == ("dce", "fuse", "insert-layouts")
    assert {o.name for o in t.options} == {"backend", "mem_policy", "batch"}
    assert t.option("backend").choices == ("Reference", "SMV")
    assert t.layouts({"backend": "SMV"}).ops["conv2d"].inputs == ("NHWC",)
    assert t.layouts({"backend": "Reference"}).ops["linear"].weights == {"weight": "CN"}


def test_target_imports_fast():
    import subprocess
    import sys

    code = ("import sys, nncc.targets.smaug; "
            "print(any(m in sys.modules for m in ('numpy', 'onnx', 'nncc.targets.smaug.emit')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_docs():
    doc = (REPO / "docs" / "targets" / "smaug.md").read_text()
    assert "../ops.md#ops-by-target" in doc  # which ops: the generated table (tests/test_gendocs.py)
    for word in ("Reference", "SMV", "NHWC", "float16", "alignment", "AllDma", "AllAcpWithDmaForWeights",
                 "insert-layouts", "fuse", "_topo.pbtxt", "_params.pb", "smaug "):
        assert word in doc, word


def test_files_and_names(tmp_path):
    res, graph, _ = compile_smaug(SAMPLES / "minerva.yaml", "SMV")
    assert sorted(res.files) == ["minerva_params.pb", "minerva_topo.pbtxt"]
    assert graph.name == "minerva"
    assert os.path.basename(next(iter(res.files))).startswith("minerva_")


def test_same_padding_is_kept_as_written_for_1x1(tmp_path):
    """SMAUG's Reference back end picks its kernel by padding type: a 1x1 `pad="same"` stays
    SamePadding (36 of the collection's ResNet-50 convolutions), a 1x1 without it stays Valid."""
    from google.protobuf import text_format

    from nncc.driver import compile_model

    p = tmp_path / "s1.yaml"
    p.write_text('nncc: 1\nmodel: s1\ninputs:\n  x: f32[1, 8, 16, 16]\ngraph:\n'
                 '  a: conv2d(x, 8, 1, pad="same")\n  b: conv2d(a, 8, 1)\n  c: conv2d(b, 8, 3, pad="same")\n'
                 '  d: conv2d(c, 8, 3, stride=2, pad="same")\noutputs: [d]\n')
    from nncc.targets.smaug import graph_pb2 as gpb

    g = text_format.Parse(compile_model(str(p), "smaug").files["s1_topo.pbtxt"].decode(), gpb.GraphProto())
    convs = [gpb.PaddingType.Name(n.params.conv_params.padding) for n in g.nodes if n.op == gpb.Convolution3d]
    # the stride-2 "same" convolution of an even input pads at the end (as ONNX): explicit Padding, then Valid
    assert convs == ["SamePadding", "ValidPadding", "SamePadding", "ValidPadding"]
    assert any(n.op == gpb.Padding for n in g.nodes)
