"""The `gru` op: onnxruntime's ONNX GRU against the torch reference (torch.nn.GRU; stacked and
bidirectional forms and the registry's eval: tests/test_lstm.py), ONNX shape inference, shape errors, and the targets' mappings."""
from __future__ import annotations

import onnx
import pytest
from onnx_harness import assert_match, model_text, onnx_vs_torch, write_model

from nncc.diagnostics import CompileError
from nncc.driver import compile_model, frontend

SEQ = {"x": "f32[N, 6, 5]"}

CASES: dict[str, tuple] = {
    "sequences": (SEQ, "y: gru(x, 4)", ["y"]),
    "last_step": (SEQ, "y: gru(x, 4, return_sequences=false)", ["y"]),
    "no_bias": (SEQ, "y: gru(x, 3, bias=false)", ["y"]),
    "no_bias_last": (SEQ, "y: gru(x, 3, bias=false, return_sequences=false)", ["y"]),
    "stacked": (SEQ, "a: gru(x, 4)\ny: gru(a, 3, return_sequences=false) |> linear(2)", ["a", "y"]),
    "one_step": ({"x": "f32[N, 1, 5]"}, "y: gru(x, 4)", ["y"]),
    "embedded": ({"t": "i64[N, 7]"}, "y: t |> embedding(11, 5) |> gru(6) |> linear(11)", ["y"]),
    "wide_hidden": (SEQ, "y: gru(x * 2.0, 16, return_sequences=false)", ["y"]),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
@pytest.mark.parametrize("opset", ["17", "21"])
def test_gru_matches_torch(case, opset, tmp_path):
    inputs, graph, outputs = CASES[case]
    path = write_model(tmp_path, model_text(inputs, graph, outputs))
    run = onnx_vs_torch(path, tmp_path, options={"opset": opset}, batch=3)
    assert_match(run)
    model = onnx.load(run.onnx_path)
    onnx.checker.check_model(model, full_check=True)
    gru = [n for n in model.graph.node if n.op_type == "GRU"]
    assert gru and all({a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}["linear_before_reset"] == 1
                       for n in gru)
    # ONNX's own shape inference gives the shapes nncc inferred
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    known = {v.name: v for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    g = frontend(path).graph
    for v in g.outputs:
        dims = [d.dim_value if d.HasField("dim_value") else d.dim_param
                for d in known[v.name].type.tensor_type.shape.dim]
        assert dims == [d if isinstance(d, int) else str(d) for d in v.type.shape], (v.name, dims)


def test_gru_f64_is_valid_onnx(tmp_path):
    """ONNX's GRU takes double; onnxruntime's CPU kernel does not ("does not support double yet"),
    so an f64 model is only checked for validity here."""
    path = write_model(tmp_path, model_text({"x": "f64[N, 6, 5]"}, "y: gru(x, 4)", ["y"]))
    res = compile_model(path, "onnx")
    model = onnx.load_from_string(res.files["t.onnx"])
    onnx.checker.check_model(model, full_check=True)


def test_gru_batch_dim_symbolic(tmp_path):
    path = write_model(tmp_path, model_text(SEQ, "y: gru(x, 4)", ["y"]))
    for batch in (1, 4):
        run = onnx_vs_torch(path, tmp_path, batch=batch)
        assert run.got["y"].shape == (batch, 6, 4)
        assert_match(run)


def frontend_text(text: str):
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "m.yaml")
        with open(p, "w") as f:
            f.write(text)
        return frontend(p).graph


def test_gru_weights_and_defaults():
    g = frontend_text(model_text(SEQ, "y: gru(x, 4)", ["y"]))
    n = next(n for n in g.nodes if n.op == "gru")
    shapes = {r: tuple(w.type.shape) for r, w in n.weights.items()}
    assert shapes == {"weight": (12, 5), "recurrent_weight": (12, 4), "bias": (12,), "recurrent_bias": (12,)}
    for w in n.weights.values():
        assert w.init.kind == "uniform" and w.init.arg("high") == pytest.approx(0.5) and w.init.arg("low") == -0.5
    assert [v for v in g.outputs][0].type.shape[1:] == (6, 4)


@pytest.mark.parametrize("inputs,line,fragment", [
    ({"x": "f32[N, 5]"}, "y: gru(x, 4)", "3-D input [N, T, features]"),
    ({"x": "f32[N, 2, 3, 5]"}, "y: gru(x, 4)", "3-D input"),
    ({"x": "i64[N, 6, 5]"}, "y: gru(x, 4)", "floating-point"),
    (SEQ, "y: gru(x, 0)", "hidden must be positive"),
    ({"x": "f32[N, 6, F]"}, "y: gru(x, 4)", "fixed feature size"),
])
def test_gru_shape_errors(inputs, line, fragment, tmp_path):
    path = write_model(tmp_path, model_text(inputs, line, ["y"]))
    with pytest.raises(CompileError) as e:
        compile_model(path, "onnx")
    msgs = " | ".join(d.message for d in e.value.diagnostics)
    assert fragment in msgs, msgs


# ---------------------------------------------------------------- SINGA

def test_char_rnn_sample_singa_job():
    from pathlib import Path

    from google.protobuf import text_format

    from nncc.targets.singa import job_pb2 as pb

    root = Path(__file__).resolve().parent.parent
    res = compile_model(str(root / "samples" / "char_rnn.yaml"), "singa")
    job = text_format.Parse(next(v for k, v in res.files.items() if k.endswith(".conf")).decode(), pb.JobProto())
    assert job.train_one_batch.alg == pb.kBPTT
    assert job.neuralnet.unroll_len == 50
    by = {ly.name: ly for ly in job.neuralnet.layer}
    gru = by["gru1"]
    assert gru.type == pb.kGRU and gru.gru_conf.dim_hidden == 512
    assert [p.name for p in gru.param] == [f"gru1_{g}_{s}" for s in ("hx", "hh") for g in "zrc"]
    assert by["data"].type == pb.kCharRNN and by["data"].unroll_len == 1
    assert list(by["emb"].unroll_conn_type) == [pb.kUnrollOneToAll]
    assert by["logits"].unroll_len == 1 and list(by["logits"].unroll_conn_type) == [pb.kUnrollFirstToLast]
    assert by["label"].type == pb.kRNNLabel
    assert list(by["loss"].srclayers) == ["logits", "label"]


def _singa_model(graph: str, extra: str = "", fmt: str = "text") -> str:
    return f"""nncc: 1
model: s
inputs: {{c: "i64[N, 8]", y: "i64[N]"}}
graph:
  e: embedding(c, 20, 4)
  {graph}
outputs: [o]
train:
  loss: cross_entropy(o, y)
  optimizer: sgd(lr=0.1)
  batch_size: 4
  steps: 10
  {extra}
  data: {{train: {{format: {fmt}, path: t.txt, labels: v.txt}}}}
"""


def test_singa_gru_bias_warns_about_recurrent_bias(tmp_path):
    path = write_model(tmp_path, _singa_model("o: gru(e, 6, return_sequences=false) |> linear(20)"))
    res = compile_model(path, "singa")
    warns = [d for d in res.frontend.warnings if d.code == "W510" and "recurrent bias rb" in d.message]
    assert warns, [d.message for d in res.frontend.warnings]
    conf = next(v for k, v in res.files.items() if k.endswith(".conf")).decode()
    assert all(f"_{g}_b\"" in conf for g in "zrc") and "_rb" not in conf


@pytest.mark.parametrize("graph,extra,fmt,code,fragment", [
    ("o: gru(e, 6) |> flatten |> linear(20)", "", "text", "E501", "return_sequences=false"),  # the op's form
    ("o: gru(e, 6, return_sequences=false) |> linear(20)", "algorithm: bp", "text", "E510", "bptt"),  # settings
    ("o: gru(e, 6, return_sequences=false) |> linear(20)", "", "record", "E510", "format: text"),
])
def test_singa_gru_errors(graph, extra, fmt, code, fragment, tmp_path):
    path = write_model(tmp_path, _singa_model(graph, extra, fmt))
    with pytest.raises(CompileError) as e:
        compile_model(path, "singa")
    msgs = " | ".join(f"{d.code} {d.message} {d.help or ''}" for d in e.value.diagnostics)
    assert f"{code} " in msgs and fragment in msgs, msgs


def test_gru_unsupported_on_smaug_e501():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    with pytest.raises(CompileError) as e:
        compile_model(str(root / "samples" / "char_rnn.yaml"), "smaug")
    assert any(d.code == "E501" and "gru" in d.message for d in e.value.diagnostics)


def test_char_rnn_on_lbann_stops_at_its_schedule_not_at_gru_or_its_data():
    """LBANN has a GRU layer (tests/test_lbann.py checks the mapping) and reads the corpus through nncc's Python
    reader module (tests/test_lbann_text.py); a rate changed every 2000 steps has no exact LBANN equivalent
    while the steps per epoch (the corpus's length) are unknown."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    with pytest.raises(CompileError) as e:
        compile_model(str(root / "samples" / "char_rnn.yaml"), "lbann")
    codes = {d.code for d in e.value.diagnostics}
    assert "E501" not in codes and "E510" in codes
    errors = [d for d in e.value.diagnostics if d.is_error]
    assert len(errors) == 1 and "step(every=2000)" in errors[0].message
