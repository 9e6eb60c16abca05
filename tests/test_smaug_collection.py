"""SMAUG's own model collection (issue 18): nncc's topology equals what SMAUG's frontend wrote.

The goldens are the `*_topo.pbtxt` files of yaoyuannnn/experiments `models/`, written by SMAUG's Python
frontend (../shared/reference/smaug/). tests/data/smaug/ holds each network written in nncc's language,
with the node names its script gave (or SMAUG's frontend gave where the script gave none): the line
names. The comparison is of the whole GraphProto but the graph's name (the scripts call every graph
`<model>_ref` or `<model>_smv`): node names and order, parents and tensor indices, every tensor's name,
shape, layout, type and alignment, and every node's params (padding type, strides, act_params).
"""
from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from google.protobuf import text_format
from nncc.targets.smaug import graph_pb2 as pb

from nncc.driver import compile_model

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "tests" / "data" / "smaug"
REFERENCE = REPO.parent / "shared" / "reference" / "smaug"
needs_reference = pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"no reference files at {REFERENCE}")

COLLECTION = ("lenet5", "minerva", "cnn", "vgg", "elu", "resnet")


def topology(path: Path | str, backend: str, **options) -> pb.GraphProto:
    res = compile_model(str(path), "smaug", options={"backend": backend, **options})
    name = next(k for k in res.files if k.endswith("_topo.pbtxt"))
    return text_format.Parse(res.files[name].decode(), pb.GraphProto())


def first_difference(got: pb.GraphProto, want: pb.GraphProto) -> str:
    """The first node that differs, as a diff of the two nodes' text (the whole graphs are long)."""
    if [n.name for n in got.nodes] != [n.name for n in want.nodes]:
        names = difflib.unified_diff([n.name for n in want.nodes], [n.name for n in got.nodes], "want", "got",
                                     lineterm="", n=2)
        return "node names differ:\n" + "\n".join(list(names)[:40])
    for g, w in zip(got.nodes, want.nodes):
        if g != w:
            lines = difflib.unified_diff(text_format.MessageToString(w).splitlines(),
                                         text_format.MessageToString(g).splitlines(), "want", "got", lineterm="")
            return f"node {g.name}:\n" + "\n".join(lines)
    return "graph fields differ"


@needs_reference
@pytest.mark.parametrize("backend,short", [("Reference", "ref"), ("SMV", "smv")])
@pytest.mark.parametrize("model", COLLECTION)
def test_collection_topology(model, backend, short):
    got = topology(MODELS / f"{model}.yaml", backend)
    want = text_format.Parse((REFERENCE / f"{model}_{short}_topo.pbtxt").read_text(), pb.GraphProto())
    assert got.name == model
    got.name = want.name
    assert got == want, first_difference(got, want)


# ---------------------------------------------------------------- node names from the model's lines

NAMED = """nncc: 1
model: named
inputs:
  image: f32[N, 3, 8, 8]
blocks:
  unit(x, ch):
    a: conv2d(x, ch, 3, pad=1, bias=false) |> relu
    return: a |> max_pool2d(2, stride=2)
graph:
  conv: conv2d(image, 4, 3, pad=1, bias=false) |> batch_norm |> relu
  s1: conv |> unit(4)
  x2: conv2d(s1, 4, 1)
  head: x2 |> flatten |> linear(10)
outputs: [head]
"""


@pytest.mark.parametrize("backend", ["Reference", "SMV"])
def test_node_names_are_line_names(tmp_path, backend):
    """The node that makes a line's value is named after the line (a block's lines scoped by the call,
    `s1_a`); the other nodes take SMAUG's base names, kept apart from every line's name (the line `conv`
    keeps its name though an earlier node is a convolution too)."""
    p = tmp_path / "named.yaml"
    p.write_text(NAMED)
    g = topology(p, backend)
    ops = {n.name: pb.OpType.Name(n.op) for n in g.nodes}
    assert ops["image"] == "Data"
    assert ops["conv"] == "BatchNorm" and ops["conv_1"] == "Convolution3d"  # the line's value is the batch norm
    assert ops["s1_a"] == "Convolution3d" and ops["s1"] == "MaxPooling"
    assert ops["x2"] == "EltwiseAdd" and ops["head"] == "EltwiseAdd"  # the bias add makes the line's value
    assert len(ops) == len(g.nodes)
    # stable: a line added elsewhere leaves the other names as they were
    p.write_text(NAMED.replace("outputs: [head]", "  extra: relu(head)\noutputs: [extra]"))
    g2 = topology(p, backend)
    assert [n.name for n in g2.nodes][:len(g.nodes)] == [n.name for n in g.nodes]
    assert g2.nodes[-1].name == "extra"


def test_onnx_fused_node_takes_its_lines_name(tmp_path):
    import onnx

    p = tmp_path / "named.yaml"
    p.write_text(NAMED)
    res = compile_model(str(p), "onnx", options={"ort_fusions": "true"})
    m = onnx.load_from_string(res.files["named.onnx"])
    names = {n.name: n.op_type for n in m.graph.node}
    # the convolution with the ReLU of block line `a` folded in makes that line's value
    assert names.get("s1/a") == "FusedConv", names
    assert names["head"] == "Gemm" and names["s1"] == "MaxPool"


SHARED = """nncc: 1
model: shared
inputs:
  x: f32[N, 16]
graph:
  fc: linear(x, 16, bias=false)
  a: tanh(fc)
  b: linear(a, 16, w_share=fc, bias=false)
outputs: [b]
"""


@pytest.mark.parametrize("backend,reorders", [("Reference", 2), ("SMV", 0)])
def test_shared_weight_one_data_node_a_reorder_per_use(tmp_path, backend, reorders):
    """A weight two nodes use is one Data node; on Reference, where inner products read it as CN, each use
    reorders it itself, as SMAUG's frontend reorders every op's inputs (its LSTM golden: reorder_2 of `data`
    for step 1's kernel)."""
    p = tmp_path / "shared.yaml"
    p.write_text(SHARED)
    g = topology(p, backend)
    ops = [pb.OpType.Name(n.op) for n in g.nodes]
    assert ops.count("Data") == 2  # the input and the one weight
    assert ops.count("Reorder") == reorders
    weight = next(n.name for n in g.nodes if n.op == pb.Data and n.name != "x")
    users = [n for n in g.nodes if weight in n.parents]
    assert len(users) == (reorders or 2)


def test_ir_and_summary_take_target_options():
    """`-O` reaches the target's pipeline in `nncc ir` and `nncc summary` (and `check`, tests/test_cli.py)."""
    from click.testing import CliRunner

    from nncc.cli import main

    lenet = str(MODELS / "lenet5.yaml")
    ref = CliRunner().invoke(main, ["ir", lenet, "-t", "smaug", "-O", "backend=Reference"])
    smv = CliRunner().invoke(main, ["ir", lenet, "-t", "smaug", "-O", "backend=SMV"])
    assert ref.exit_code == 0 and smv.exit_code == 0, ref.output + smv.output
    assert "NCHW" in ref.output and "NCHW" not in smv.output and "NHWC" in smv.output
    s = CliRunner().invoke(main, ["summary", lenet, "-t", "smaug", "-O", "backend=SMV", "-O", "mem_policy=AllAcp"])
    assert s.exit_code == 0 and "(SMV)" in s.output and "policy: AllAcp." in s.output


CONSTANTS = """nncc: 1
model: consts
inputs:
  x: f32[N, 4, 8]
graph:
  z: x * 0
  h: 1.5 + z
  o: h |> flatten |> linear(3, bias=false)
outputs: [o]
"""


@pytest.mark.parametrize("backend", ["Reference", "SMV"])
def test_numbers_become_data_nodes_and_sequences_are_ntc(tmp_path, backend):
    """A number in tensor arithmetic is a constant Data node with the dims and layout of the tensor it meets
    (SMAUG has no 0-D tensor; it was E501); a 3-D tensor is a batch-first sequence, labelled NTC as SMAUG's
    frontend labels its LSTM inputs."""
    from nncc.targets.smaug import params as P

    p = tmp_path / "consts.yaml"
    p.write_text(CONSTANTS)
    res = compile_model(str(p), "smaug", options={"backend": backend})
    g = text_format.Parse(res.files["consts_topo.pbtxt"].decode(), pb.GraphProto())
    by = {n.name: n for n in g.nodes}
    assert [n.name for n in g.nodes][:5] == ["x", "data", "z", "data_1", "h"]
    assert list(by["z"].parents) == ["x", "data"] and list(by["h"].parents) == ["data_1", "z"]
    assert all(pb.DataLayout.Name(t.shape.layout) == "NTC" for n in ("x", "data", "z", "h")
               for t in by[n].output_tensors)
    tensors = {td.name: td for td in pb.TensorDataArray.FromString(res.files["consts_params.pb"]).data_array}
    zero = P.decode(tensors["data/input0"], by["data"].input_tensors[0])
    three_halves = P.decode(tensors["data_1/input0"], by["data_1"].input_tensors[0])
    assert zero.shape == three_halves.shape == (1, 4, 8)
    assert not zero.any() and (three_halves == 1.5).all()


def test_every_named_format_names_the_lines_value(tmp_path):
    """LBANN layers, SINGA layers and ONNX nodes carry the line's name on the node that makes the line's
    value, like SMAUG's nodes; the other nodes of a line are `<line>_<op>` (`<line>/<op>` in ONNX)."""
    import re

    import onnx

    mlp = (REPO / "samples" / "mnist_mlp.yaml").read_text()
    flat = mlp[:mlp.index("blocks:")] + ("graph:\n  h1: linear(image, 100) |> stanh\n  h2: h1 |> linear(50) |> stanh\n"
                                          "  logits: linear(h2, classes)\n\n") + mlp[mlp.index("outputs: [logits]"):]
    p = tmp_path / "mlp.yaml"
    p.write_text(flat)
    conf = next(v for k, v in compile_model(str(p), "singa").files.items() if k.endswith(".conf")).decode()
    assert re.findall(r'^    name: "([^"]+)"', conf, re.M)[2:7] == ["h1_linear", "h1", "h2_linear", "h2", "logits"]
    model = onnx.load_from_string(next(iter(compile_model(str(p), "onnx").files.values())))
    names = [n.name for n in model.graph.node]
    assert names[0] == "h1/linear" and "h1" in names and "h2" in names and names[-1] == "logits"
    proto = next(v for k, v in compile_model(str(REPO / "tests" / "data" / "lbann_lenet5.yaml"), "lbann").files.items()
                 if k.endswith(".prototext")).decode()
    layers = re.findall(r'^    name: "([^"]+)"', proto, re.M)
    assert layers[4:11] == ["conv1_conv2d", "conv1", "pool1", "conv2_conv2d", "conv2", "pool2", "fc1_linear"]


@pytest.mark.parametrize("backend", ["Reference", "SMV"])
@pytest.mark.parametrize("graph", ["  a: x |> unsqueeze(1)\n  b: a |> squeeze(1)\n  z: stack([b, b * 2], axis=1) |> flatten\n",
                                   "  z: stack([x, x], axis=2) |> flatten\n"])
def test_squeeze_unsqueeze_stack(tmp_path, graph, backend):
    """squeeze and unsqueeze are SMAUG's squeeze and expand_dims (Reshape nodes), stack an expand_dims per
    tensor and a Concat; the graph computes what torch computes."""
    from test_smaug import numerics

    p = tmp_path / "s.yaml"
    p.write_text(f"nncc: 1\nmodel: s\ninputs:\n  x: f32[N, 6]\ngraph:\n{graph}outputs: [z]\n")
    g = numerics(str(p), backend, tmp_path)
    names = [n.name for n in g.nodes]
    assert ("a" in names and "b" in names) if "squeeze" in graph else "expand_dims_1" in names
# ---------------------------------------------------------------- lstm, as SMAUG's frontend unrolls it

FRONTEND = MODELS / "frontend"


@pytest.mark.parametrize("backend,short", [("Reference", "ref"), ("SMV", "smv")])
def test_lstm_topology_is_smaug_frontends(backend, short):
    """The collection's two-layer LSTM (models/lstm/lstm.py) gives the topology SMAUG's own frontend wrote
    for it, run here under Python 3.8 and protobuf 3.12 (tests/data/smaug/frontend/README.md): per-step
    MatMul and gates, NTC input, zero states as Data nodes, a Reorder per use on Reference."""
    got = topology(MODELS / "lstm.yaml", backend)
    want = text_format.Parse((FRONTEND / f"lstm_{short}_topo.pbtxt").read_text(), pb.GraphProto())
    got.name = want.name
    assert got == want, first_difference(got, want)


LSTMS = [
    "lstm(x, 7)",
    "lstm(x, 7, bias=false, return_sequences=false)",
    "lstm(x, 7, bidirectional=true)",
    "lstm(x, 7, num_layers=2, bidirectional=true, return_sequences=false)",
    "lstm(x, 5) |> lstm(6, return_sequences=false)",
]


@pytest.mark.parametrize("backend", ["Reference", "SMV"])
@pytest.mark.parametrize("call", LSTMS)
def test_lstm_numerics_against_torch(tmp_path, call, backend):
    """The unrolled graph, run in tests/test_smaug.py's numpy model of SMAUG's ops, computes what torch's
    nn.LSTM computes for the model (gates permuted into SMAUG's i, f, c, o; biases added to z; the backward
    direction over the reversed steps, paired by time step)."""
    from test_smaug import numerics

    p = tmp_path / "l.yaml"
    p.write_text(f"nncc: 1\nmodel: l\ninputs:\n  x: f32[N, 4, 6]\ngraph:\n  y: {call}\n"
                 "  z: y |> flatten |> relu\noutputs: [z]\n")
    numerics(str(p), backend, tmp_path)
