"""Issue 16's language constructs, for every target: phases of the loss and metrics, gradient clipping,
partitioning, image crops and mirroring, SINGA's layer choices (conv_impl, inplace, cudnn_loss) and
batch norm on cuDNN. Mapped on the targets that have them, E510 at the line on the others."""
from __future__ import annotations

import pytest
from google.protobuf import text_format
from nncc.diagnostics import CompileError
from nncc.driver import compile_model
from nncc.targets.singa import job_pb2 as pb

NET = """
nncc: 1
model: tiny
inputs:
  x: f32[N, 3, {side}, {side}]
  y: i64[N]
graph:
  c: conv2d(x, 4, 3, pad=1) |> {act}
  p: max_pool2d(c, 2)
  logits: p |> flatten |> linear(10)
outputs: [logits]
train:
  loss: cross_entropy(logits, y)
  metrics:
    accuracy: accuracy(logits, y)
  optimizer: sgd(lr=0.1)
  steps: 10
  batch_size: 50
{more}
  data:
    train: {{format: record, path: "train.bin", shape: [3, 8, 8]{train}}}
    test: {{format: record, path: "test.bin", shape: [3, 8, 8]{test}}}
"""


def compile_net(target="singa", act="relu", more="", train="", test="", side=8, **kw):
    text = NET.format(act=act, more=more, train=train, test=test, side=side)
    return compile_model("net.yaml", target, data=text.encode(), **kw)


def job(**kw) -> pb.JobProto:
    files = compile_net(**kw).files
    (conf,) = [v for k, v in files.items() if k.endswith(".conf")]
    return text_format.Parse(conf.decode(), pb.JobProto())


def errors(**kw) -> list:
    with pytest.raises(CompileError) as ei:
        compile_net(**kw)
    return [d for d in ei.value.diagnostics if d.is_error]


def layers(j: pb.JobProto, type_) -> list:
    return [ly for ly in j.neuralnet.layer if ly.type == type_]


# ---------------------------------------------------------------- phases

def test_cpu_folds_accuracy_into_the_loss_by_default():
    j = job()
    (loss,) = layers(j, pb.kSoftmaxLoss)
    assert loss.softmaxloss_conf.topk == 1 and not loss.include and not layers(j, pb.kAccuracy)


def test_gpu_keeps_the_accuracy_metric():
    """cuDNN's loss ignores topk: the metric becomes softmax + accuracy layers, in testing."""
    j = job(options={"device": "gpu"})
    (loss,) = layers(j, pb.kCudnnSoftmaxLoss)
    assert not loss.HasField("softmaxloss_conf")
    (acc,) = layers(j, pb.kAccuracy)
    (sm,) = layers(j, pb.kCudnnSoftmax)
    assert list(acc.include) == list(sm.include) == [pb.kTest] and acc.srclayers[0] == sm.name


def test_phases_place_the_loss_and_metrics():
    j = job(more="  phases: {loss: [train], accuracy: [train, test]}")
    (loss,) = layers(j, pb.kSoftmaxLoss)
    assert list(loss.include) == [pb.kTrain] and loss.softmaxloss_conf.topk == 1
    (acc,) = layers(j, pb.kAccuracy)  # not folded: the loss runs in training only
    assert list(acc.include) == [pb.kTrain, pb.kTest]
    j = job(more="  phases: {loss: [train, validate, test]}")  # every phase: no include
    assert not layers(j, pb.kSoftmaxLoss)[0].include


@pytest.mark.parametrize("phases,word", [("{los: [train]}", "did you mean `loss`"),
                                         ("{loss: [training]}", "phases among train, validate, test"),
                                         ("[train]", "maps `loss` or a metric")])
def test_bad_phases(phases, word):
    (d,) = errors(more=f"  phases: {phases}")
    assert word in d.message + (d.help or "") and d.span.line == 19


@pytest.mark.parametrize("target", ["lbann", "onnx"])
def test_phases_elsewhere_are_e510(target):
    if target == "onnx":  # not a training target: the train section is not carried out at all
        compile_net(target, more="  phases: {loss: [train]}")
        return
    (d,) = errors(target=target, more="  phases: {loss: [train]}")
    assert d.code == "E510" and "train.phases" in d.message and d.span.line == 19


# ---------------------------------------------------------------- gradient clipping

def test_clip_grad_on_singa():
    up = job(more="  clip_grad: 5").updater
    assert (up.clip_low, up.clip_high) == (-5, 5)
    up = job(more="  clip_grad: [-1, 2]").updater
    assert (up.clip_low, up.clip_high) == (-1, 2)


@pytest.mark.parametrize("bad", ["0", "[2, 1]", "[1, 2, 3]"])
def test_bad_clip_grad(bad):
    (d,) = errors(more=f"  clip_grad: {bad}")
    assert d.code == "E402" and "clip_grad" in d.message


def test_clip_grad_in_the_pytorch_loop():
    files = compile_net("pytorch", more="  clip_grad: 5").files
    config = next(v for k, v in files.items() if k.endswith("config.py")).decode()
    assert "CLIP_GRAD = [-5.0, 5.0]" in config
    train = next(v for k, v in files.items() if k.endswith("train.py")).decode()
    assert "p.grad.clamp_(*config.CLIP_GRAD)" in train


# ---------------------------------------------------------------- partitioning

def test_partitioning():
    j = job(more="  distributed: {workers_per_group: 2, partition_dim: 0, partition: {logits: 1}}")
    assert j.neuralnet.partition_dim == 0
    (ip,) = layers(j, pb.kInnerProduct)
    assert ip.partition_dim == 1
    assert all(not ly.HasField("partition_dim") for ly in j.neuralnet.layer if ly is not ip)
    (d,) = errors(more="  distributed: {partition: {nothing: 1}}")
    assert d.code == "E510" and "`nothing`" in d.message
    ds = errors(target="lbann", more="  distributed: {partition: {logits: 1}}")
    assert any(d.code == "E510" and "split layers" in d.message for d in ds)
    # a batch split is data parallelism, which LBANN does anyway: it compiles (records via LBANN's Python reader)
    assert compile_net(target="lbann", more="  distributed: {partition_dim: 0}").files


# ---------------------------------------------------------------- crops and mirroring

CROP = ", transforms: [random_crop(6), horizontal_flip()]"


def test_crop_and_mirror_become_image_preprocessing():
    r = compile_net(side=6, train=CROP, test=", transforms: [center_crop(6)]")
    (conf,) = [v for k, v in r.files.items() if k.endswith(".conf")]
    j = text_format.Parse(conf.decode(), pb.JobProto())
    (pre,) = layers(j, pb.kImagePreprocess)
    assert pre.rgbimage_conf.cropsize == 6 and pre.rgbimage_conf.mirror and list(pre.srclayers) == ["data"]
    (conv,) = layers(j, pb.kCConvolution)
    assert list(conv.srclayers) == [pre.name]
    (loss,) = layers(j, pb.kSoftmaxLoss)
    assert loss.srclayers[1] == "data"  # the labels
    assert any("top-left" in w.message for w in r.frontend.warnings)


@pytest.mark.parametrize("train,test,word", [
    (', transforms: ["random_crop(6, pad=1)"]', ", transforms: [center_crop(6)]", "does not pad"),
    (", transforms: [random_crop(6)]", ", transforms: [random_crop(6)]", "in training only"),
    (", transforms: [random_crop(6), vertical_flip()]", ", transforms: [center_crop(6)]", "mirrors (left-right)"),
    (", transforms: [random_crop(6), horizontal_flip(p=0.3)]", ", transforms: [center_crop(6)]", "p=0.3"),
    (", transforms: [resize(6)]", ", transforms: [resize(6)]", "no `resize` transform"),
])
def test_preprocessing_singa_cannot_do(train, test, word):
    ds = errors(side=6, train=train, test=test)
    assert any(word in d.message and d.code == "E510" for d in ds), [d.message for d in ds]


def test_data_shape_check_counts_crops():
    """A role's declared shape, after its crops, is the input's: [3, 8, 8] cropped to 6 feeds [N, 3, 6, 6]."""
    (d,) = errors(side=6, train=", transforms: [random_crop(6)]", target="onnx")
    assert d.code == "E402" and "data.test.shape [3, 8, 8]" in d.message


# ---------------------------------------------------------------- layer choices and batch norm

def test_conv_impl_and_inplace():
    j = job(options={"conv_impl": "mshadow"})
    assert layers(j, pb.kConvolution) and layers(j, pb.kPooling) and not layers(j, pb.kCConvolution)
    j = job(options={"device": "gpu", "inplace": "true"})
    (act,) = layers(j, pb.kCudnnActivation)
    assert act.share_src_blobs
    j = job(options={"device": "gpu"})
    assert not layers(j, pb.kCudnnActivation)[0].share_src_blobs
    j = job(options={"device": "gpu", "cudnn_loss": "false"})
    (loss,) = layers(j, pb.kSoftmaxLoss)
    assert loss.softmaxloss_conf.topk == 1


def test_batch_norm_on_cudnn():
    j = job(act="batch_norm(momentum=0, eps=1e-5) |> relu", options={"device": "gpu"})
    (bm,) = layers(j, pb.kCudnnBM)
    assert [p.HasField("lr_scale") or p.HasField("wd_scale") for p in bm.param] == [False] * 4
    (d,) = errors(act="batch_norm(eps=1e-3)", options={"device": "gpu"})
    assert d.code == "E501" and "1e-5" in d.message  # an op's setting SINGA's layer cannot take
    r = compile_net(act="batch_norm(eps=1e-5)", options={"device": "gpu"})
    assert any(w.code == "W510" and "momentum=0.9" in w.message for w in r.frontend.warnings)


def test_word_options_need_no_quotes():
    text = NET.format(act="relu", more="", train="", test="", side=8) + "targets:\n  singa: {job_name: auto-encoder}\n"
    r = compile_model("net.yaml", "singa", data=text.encode())
    assert b'name: "auto-encoder"' in next(v for k, v in r.files.items() if k.endswith(".conf"))


# ---------------------------------------------------------------- one-hot and a loss at every step

RNN = """
nncc: 1
model: rnn
inputs:
  chars: i64[N, 5]
  next: {label}
graph:
  g: gru({enc}, 8, return_sequences={seq}, bias=false)
  logits: linear(g, 7)
outputs: [logits]
train:
  algorithm: bptt
  loss: cross_entropy(logits, next)
  optimizer: sgd(lr=0.1)
  steps: 10
  batch_size: 4
  data:
    train: {{format: text, path: in.txt, labels: vocab.txt}}
"""


def rnn(target="singa", seq="true", label="i64[N, 5]", enc="one_hot(chars, 7)"):
    return compile_model("rnn.yaml", target, data=RNN.format(seq=seq, label=label, enc=enc).encode())


def test_loss_at_every_step_on_singa():
    (conf,) = [v for k, v in rnn().files.items() if k.endswith(".conf")]
    j = text_format.Parse(conf.decode(), pb.JobProto())
    assert j.neuralnet.unroll_len == 5
    (oh,) = layers(j, pb.kOneHot)
    assert oh.onehot_conf.vocab_size == 7 and list(oh.unroll_conn_type) == [pb.kUnrollOneToAll]
    (label,) = layers(j, pb.kRNNLabel)
    (loss,) = layers(j, pb.kSoftmaxLoss)
    (ip,) = layers(j, pb.kInnerProduct)
    # every step: no unroll_len 1, one-to-one connections (the default) to the step's scores and label
    assert not loss.HasField("unroll_len") and not ip.HasField("unroll_len") and not loss.unroll_conn_type
    assert list(loss.srclayers) == [ip.name, label.name]
    (data,) = layers(j, pb.kCharRNN)
    assert not data.include  # the job reads one role only


def test_last_step_loss_still_reads_the_next_character():
    (conf,) = [v for k, v in rnn(seq="false", label="i64[N]").files.items() if k.endswith(".conf")]
    j = text_format.Parse(conf.decode(), pb.JobProto())
    (loss,) = layers(j, pb.kSoftmaxLoss)
    assert loss.unroll_len == 1 and list(loss.unroll_conn_type) == [pb.kUnrollOneToOne, pb.kUnrollFirstToLast]


def test_loss_at_every_step_in_pytorch_and_lbann():
    files = rnn("pytorch").files
    model = b"".join(v for k, v in files.items() if k.endswith(".py")).decode()
    assert "F.one_hot(" in model and ".flatten(0, -2)" in model and ".flatten().long()" in model
    with pytest.raises(CompileError) as ei:
        rnn("lbann", enc="embedding(chars, 7, 4)")
    assert any(d.code == "E501" and "one class distribution per sample" in d.message for d in ei.value.diagnostics)


def test_one_hot_eval_and_shape():
    import numpy as np
    from nncc.ops import REGISTRY

    (out,) = REGISTRY["one_hot"].eval([np.array([[0, 2], [1, 1]])], {"classes": 3})
    assert out.shape == (2, 2, 3) and out[0, 1].tolist() == [0, 0, 1] and out.dtype == np.float32
    with pytest.raises(CompileError) as ei:
        rnn(label="i64[N, 4]")
    assert any("class indices [N, 5]" in d.message for d in ei.value.diagnostics)
