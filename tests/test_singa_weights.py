"""Issue 16: `--weights` on SINGA writes SINGA v0.3's own checkpoint file (BlobProtos) and points the job's
`checkpoint_path` at it. The file is parsed with BlobProtos' schema (common.proto), and the blobs are used
the way SINGA's C++ uses them (Im2col and the dot product of ConvolutionLayer, InnerProductLayer's
x·Wᵀ + b, GRULayer's gates), which must give what nncc's ops give with the given arrays."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format
from nncc.diagnostics import CompileError
from nncc.driver import compile_model, frontend
from nncc.targets.singa import job_pb2 as pb

DATA = Path(__file__).resolve().parent / "data" / "singa"

MODEL = """\
nncc: 1
model: small
inputs:
  x: f32[N, 3, 7, 6]
  y: i64[N]
graph:
  c: conv2d(x, 4, [3, 2], pad=[1, 0]) |> relu
  logits: c |> flatten |> linear(10)
outputs: [logits]
train:
  loss: cross_entropy(logits, y)
  optimizer: sgd(lr=0.1)
  steps: 10
  batch_size: 5
  data:
    train: {format: record, path: "train.bin", shape: [3, 7, 6]}
"""


def _blob_protos():
    """BlobProtos of SINGA v0.3's src/proto/common.proto (field numbers and types as there)."""
    f = descriptor_pb2.FileDescriptorProto(name="singa_common_test.proto", package="singa_test", syntax="proto2")
    blob = f.message_type.add(name="BlobProto")
    blob.field.add(name="shape", number=1, type=5, label=3)  # repeated int32
    blob.field.add(name="data", number=2, type=2, label=3, options=descriptor_pb2.FieldOptions(packed=True))
    blobs = f.message_type.add(name="BlobProtos")
    blobs.field.add(name="id", number=2, type=5, label=3)
    blobs.field.add(name="version", number=3, type=5, label=3)
    blobs.field.add(name="name", number=4, type=9, label=3)
    blobs.field.add(name="blob", number=5, type=11, label=3, type_name=".singa_test.BlobProto")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("singa_test.BlobProtos"))


BlobProtos = _blob_protos()


def given(path: Path, tmp_path: Path, seed: int = 0, **fix) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = {x.name: rng.standard_normal(x.ttype.shape).astype(np.float32) for x in frontend(str(path)).graph.weights()}
    w.update(fix)
    np.savez(tmp_path / "w.npz", **w)
    return w


def compiled(path: Path, tmp_path: Path, **kw):
    files = compile_model(str(path), "singa", weights=str(tmp_path / "w.npz"), **kw).files
    job = text_format.Parse(next(v for k, v in files.items() if k.endswith(".conf")).decode(), pb.JobProto())
    (ck,) = [v for k, v in files.items() if k.endswith(".weights.bin")]
    bp = BlobProtos.FromString(ck)
    blobs = {n: np.array(b.data, np.float32).reshape(list(b.shape)) for n, b in zip(bp.name, bp.blob)}
    assert list(bp.version) == [1] * len(bp.name)  # InitNetParams draws the params of version 0
    return job, blobs, files


def owned(job: pb.JobProto) -> list[str]:
    return ["0#" + p.name for ly in job.neuralnet.layer for p in ly.param if not p.share_from]


def test_conv_and_inner_product_blobs_compute_what_nncc_computes(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(MODEL)
    w = given(path, tmp_path)
    job, blobs, files = compiled(path, tmp_path)
    assert list(blobs) == owned(job)  # every param the job owns, under the name SINGA's unrolling gives it
    assert list(job.checkpoint_path) == ["workspace/small/small.weights.bin"]
    assert 'cp -- "$here/small.weights.bin" workspace/small/small.weights.bin' in files["small.sh"].decode()
    (conv,) = [ly for ly in job.neuralnet.layer if ly.type == pb.kCConvolution]
    cw, cb = blobs["0#" + conv.param[0].name], blobs["0#" + conv.param[1].name]
    assert cw.shape == (4, 3 * 3 * 2) and cb.shape == (4,)  # ConvolutionLayer::Setup: {filters, col_height}
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 6)).astype(np.float32)
    # SINGA: Im2col(kernel_y, kernel_x, pad_y, pad_x) rows c·kh·kw + i·kw + j, then dot(weight, col) + bias
    ky, kx, py, px = conv.convolution_conf.kernel_y, conv.convolution_conf.kernel_x, \
        conv.convolution_conf.pad_y, conv.convolution_conf.pad_x
    xp = np.pad(x, ((0, 0), (0, 0), (py, py), (px, px)))
    oh, ow = xp.shape[2] - ky + 1, xp.shape[3] - kx + 1
    col = np.stack([xp[:, c, i:i + oh, j:j + ow] for c in range(3) for i in range(ky) for j in range(kx)], axis=1)
    singa = np.einsum("fk,nkhw->nfhw", cw, col) + cb[None, :, None, None]
    # nncc's conv2d: cross-correlation with weight [O, C, kh, kw]
    k = w["c.weight"]
    ours = sum(np.einsum("nchw,fc->nfhw", xp[:, :, i:i + oh, j:j + ow], k[:, :, i, j])
               for i in range(3) for j in range(2)) + w["c.bias"][None, :, None, None]
    np.testing.assert_allclose(singa, ours, rtol=1e-5, atol=1e-5)
    (ip,) = [ly for ly in job.neuralnet.layer if ly.type == pb.kInnerProduct]
    iw, ib = blobs["0#" + ip.param[0].name], blobs["0#" + ip.param[1].name]
    assert iw.shape == (10, 4 * 7 * 5)  # InnerProductLayer::Setup: {hdim, vdim}, data = src·Wᵀ + b
    h = np.maximum(singa, 0).reshape(2, -1)
    np.testing.assert_allclose(h @ iw.T + ib, h @ w["logits.weight"].T + w["logits.bias"], rtol=1e-5, atol=1e-5)


def test_without_weights_the_job_draws_its_params(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(MODEL)
    files = compile_model(str(path), "singa").files
    assert sorted(files) == ["small.conf", "small.hostfile", "small.sh"]
    assert "checkpoint_path" not in files["small.conf"].decode()


def test_gru_gate_blobs_compute_what_nncc_computes(tmp_path):
    from nncc.opdefs.recurrent import _gru_step

    path = DATA / "char-rnn-job.yaml"
    rng = np.random.default_rng(3)
    rb = rng.standard_normal(3 * 512).astype(np.float32)
    rb[1024:] = 0  # the candidate block, which SINGA lacks
    w = given(path, tmp_path, **{"gru1.recurrent_bias": rb})
    job, blobs, _ = compiled(path, tmp_path)
    assert list(blobs) == owned(job)
    (gru,) = [ly for ly in job.neuralnet.layer if ly.type == pb.kGRU]
    p = {q.name.rsplit("_", 2)[-2] + "_" + q.name.rsplit("_", 1)[-1]: blobs["0#" + q.name] for q in gru.param}
    assert {k: v.shape for k, v in p.items()} == {
        **{f"{g}_hx": (512, 101) for g in "zrc"}, **{f"{g}_hh": (512, 512) for g in "zrc"},
        **{f"{g}_b": (512,) for g in "zrc"}}  # GRULayer::Setup
    x = rng.standard_normal((2, 101)).astype(np.float32)
    h = rng.standard_normal((2, 512)).astype(np.float32)

    def sig(v):
        return 1 / (1 + np.exp(-v))

    z = sig(x @ p["z_hx"].T + p["z_b"] + h @ p["z_hh"].T)  # GRULayer::ComputeFeature
    r = sig(x @ p["r_hx"].T + p["r_b"] + h @ p["r_hh"].T)
    c = np.tanh(r * (h @ p["c_hh"].T) + x @ p["c_hx"].T + p["c_b"])
    singa = (h - c) * z + c
    ours, _ = _gru_step(x, h, None, [w["gru1.weight"], w["gru1.recurrent_weight"], w["gru1.bias"], rb])
    np.testing.assert_allclose(singa, ours, rtol=1e-4, atol=1e-5)


def test_a_gru_candidate_recurrent_bias_is_refused(tmp_path):
    path = DATA / "char-rnn-job.yaml"
    given(path, tmp_path, **{"gru1.recurrent_bias": np.ones(3 * 512, np.float32)})
    with pytest.raises(CompileError) as ei:
        compile_model(str(path), "singa", weights=str(tmp_path / "w.npz"))
    (d,) = [d for d in ei.value.diagnostics if d.is_error]
    assert d.code == "E510" and "gru1.recurrent_bias" in d.message and d.span is not None and d.span.line == 17


def test_batch_norm_blobs_have_cudnns_shape(tmp_path):
    path = DATA / "cifar10-cudnn_bm.yaml"
    w = given(path, tmp_path)
    job, blobs, _ = compiled(path, tmp_path)
    (bm, *_) = [ly for ly in job.neuralnet.layer if ly.type == pb.kCudnnBM]
    got = [blobs["0#" + q.name] for q in bm.param]
    assert [b.shape for b in got] == [(1, 32, 1, 1)] * 4  # BMLayer::Setup
    want = [w[f"bm1.{r}"] for r in ("scale", "bias", "mean", "var")]
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a.reshape(-1), b)


def test_shared_params_are_written_once(tmp_path):
    path = DATA / "rbm-rbm1.yaml"
    given(path, tmp_path)
    job, blobs, _ = compiled(path, tmp_path)
    shared = ["0#" + p.name for ly in job.neuralnet.layer for p in ly.param if p.share_from]
    assert shared and not set(shared) & set(blobs) and list(blobs) == owned(job)


@pytest.mark.parametrize("model,why", [
    ("rbm-rbm2.yaml", "checkpoint_path"),  # SINGA would load both, one over the other
    ("cifar10-hybrid.yaml", "split on its features"),  # each worker holds a slice under the param's name
])
def test_what_one_checkpoint_cannot_give_is_refused(tmp_path, model, why):
    given(DATA / model, tmp_path)
    with pytest.raises(CompileError) as ei:
        compile_model(str(DATA / model), "singa", weights=str(tmp_path / "w.npz"))
    (d,) = [d for d in ei.value.diagnostics if d.is_error]
    assert d.code == "E510" and why in d.message


def test_a_weights_file_that_is_none_is_a_diagnostic(tmp_path):
    """`--weights` is never ignored: a file that holds no arrays is reported, as for the other targets."""
    path = tmp_path / "m.yaml"
    path.write_text(MODEL)
    (tmp_path / "w.npz").write_text("not weights")
    with pytest.raises(CompileError) as ei:
        compile_model(str(path), "singa", weights=str(tmp_path / "w.npz"))
    assert [d.code for d in ei.value.diagnostics if d.is_error]


def test_a_test_job_evaluates_the_given_weights(tmp_path):
    """A test-only job needs the params' values: --weights gives them as well as checkpoint_path."""
    text = (DATA / "char-rnn-sample.yaml").read_text()
    path = tmp_path / "sample.yaml"
    path.write_text(text.replace(', checkpoint_path: "examples/char-rnn/checkpoint/step2000-worker0"', ""))
    given(path, tmp_path, **{"gru1.recurrent_bias": np.zeros(3 * 512, np.float32)})
    job, blobs, files = compiled(path, tmp_path)
    assert list(job.checkpoint_path) == ["examples/char-rnn/char_rnn_sample.weights.bin"]
    assert 'cp -- "$here/char_rnn_sample.weights.bin" examples/char-rnn/char_rnn_sample.weights.bin' in \
        files["char_rnn_sample.sh"].decode()
    assert list(blobs) == owned(job) and len(blobs) == 9 + 6 + 2
    with pytest.raises(CompileError) as ei:
        compile_model(str(path), "singa")
    assert [d.code for d in ei.value.diagnostics if d.is_error] == ["E511"]
