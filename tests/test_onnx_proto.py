"""targets/onnx/proto.py writes the messages of an ONNX file byte for byte as the onnx package does.

The ONNX target encodes its ModelProto itself rather than importing `onnx` (issue 22: the import
was 5 % of a ResNet-152 compile); here every sample's model (opset 17 and 20, and with onnxruntime's
fusions) is made again with `onnx.helper` from the values read back, and the bytes compared.
"""
from __future__ import annotations

import numpy as np
import pytest
from onnx import AttributeProto, TensorProto, helper
from onnx_harness import SAMPLES, model_text, sample_id, skip_if_unavailable, write_model

from nncc import __version__
from nncc.diagnostics import CompileError
from nncc.driver import compile_model
from nncc.targets.onnx import proto
from nncc.targets.onnx import emit
from nncc.targets.onnx.emit import _header, elem_of


def _dims(v) -> list:
    return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in v.type.tensor_type.shape.dim]


def helper_model(ours: bytes) -> bytes:
    """The model `ours` holds, made again by onnx.helper from its values, serialized by protobuf."""
    import onnx

    m = onnx.ModelProto.FromString(ours)
    nodes = [helper.make_node(n.op_type, n.input, n.output, name=n.name,
                              domain=n.domain if n.HasField("domain") else None,
                              **{a.name: helper.get_attribute_value(a) for a in n.attribute})
             for n in m.graph.node]
    vi = [[helper.make_tensor_value_info(v.name, v.type.tensor_type.elem_type, _dims(v)) for v in vs]
          for vs in (m.graph.input, m.graph.output)]
    graph = helper.make_graph(nodes, m.graph.name, vi[0], vi[1], doc_string=m.graph.doc_string or None)
    ref = helper.make_model(graph, opset_imports=[helper.make_opsetid(o.domain, o.version) for o in m.opset_import],
                            producer_name="nncc", producer_version=__version__)
    ref.ir_version = m.ir_version
    return ref.SerializeToString(deterministic=True)


def helper_header(name: str, arr) -> bytes:
    t = TensorProto()
    t.name = name
    t.dims.extend(arr.shape)
    t.data_type = helper.np_dtype_to_tensor_dtype(arr.dtype)
    return t.SerializeToString()


def skeleton_of(monkeypatch, path: str, **kw) -> tuple[bytes, list]:
    """The model and initializers the ONNX emitter builds for `path` (its file is not written)."""
    made = []

    def keep(*a, **k):
        made.append(build(*a, **k))
        return made[-1]
    build = emit.build_skeleton
    monkeypatch.setattr(emit, "build_skeleton", keep)
    compile_model(path, "onnx", **kw)
    return made[0]


@pytest.mark.parametrize("options", [{"opset": "17"}, {"opset": "20", "ort_fusions": "true"}])
@pytest.mark.parametrize("path", SAMPLES, ids=sample_id)
def test_every_sample_is_written_as_the_onnx_package_writes_it(path, options, monkeypatch):
    try:
        skeleton, inits = skeleton_of(monkeypatch, path, options=options, opt_level=2)
    except CompileError as e:
        skip_if_unavailable(e)
        raise
    assert skeleton == helper_model(skeleton)
    for name, arr in inits:
        assert _header(name, arr) == helper_header(name, arr), name


@pytest.mark.parametrize("value", [
    0, 1, -1, -(2 ** 63), 2 ** 40, True, np.int64(-7), 0.5, -1e-5, 3.4e38, np.float32(0.1), "same_upper", "",
    [0, 1, -2], [1.0, 2], [0.25, -1e-3], ["a", "ü"], (3, 3),
])
def test_attributes_of_every_kind(value):
    assert proto.attribute("a", value) == helper.make_attribute("a", value).SerializeToString()


def test_node_value_info_and_header_fields():
    for args in ((["x", "", "w"], ["y"], "conv", None), ([], ["y"], "", "com.microsoft"), (["x"], ["y", "z"], "n", "")):
        ins, outs, name, domain = args
        ours = proto.node("Op", ins, outs, name, domain, b=[1, 2], a=1.5, c=None)
        ref = helper.make_node("Op", ins, outs, name=name, domain=domain, b=[1, 2], a=1.5, c=None)
        assert ours == ref.SerializeToString()
    for dims in ([], [1, "N", 0], ["batch"]):
        assert proto.value_info("v", 1, dims) == helper.make_tensor_value_info("v", 1, dims).SerializeToString()
    assert proto.tensor_header("w", [], 7) == helper_header("w", np.zeros((), np.int64))


def test_element_types_are_onnx_numbers():
    for name, number in proto.DATA_TYPE.items():
        assert getattr(TensorProto, name) == number
    assert (proto.FLOAT, proto.INT, proto.STRING, proto.FLOATS, proto.INTS, proto.STRINGS) == (
        AttributeProto.FLOAT, AttributeProto.INT, AttributeProto.STRING, AttributeProto.FLOATS, AttributeProto.INTS,
        AttributeProto.STRINGS)
    for dt in (np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.bool_):
        assert elem_of(np.dtype(dt)) == helper.np_dtype_to_tensor_dtype(np.dtype(dt))


def test_bf16_model(tmp_path, monkeypatch):
    """bf16 values are written as bfloat16 arrays (ml_dtypes), typed BFLOAT16."""
    p = write_model(tmp_path, model_text({"x": "bf16[N, 4]"}, "y: x |> linear(3)", ["y"]))
    skeleton, inits = skeleton_of(monkeypatch, p)
    assert skeleton == helper_model(skeleton)
    assert {np.dtype(arr.dtype).name for _, arr in inits} == {"bfloat16"}
    for name, arr in inits:
        assert _header(name, arr) == helper_header(name, arr)
