"""Issue 15: nncc's experiment equals what LBANN's own Python frontend writes for the same experiment —
LeNet, AlexNet and ResNet-50 from `lbann.models` with the set-ups of LBANN's applications, and a model of
our own with dropout, Adam, early stopping and checkpoints (references and what each encodes:
tests/data/lbann/README.md). Equal means: the same layer DAG and settings, weights and initializers,
objective terms, metrics, callbacks, trainer, optimizer and reader, names aside (tests/lbann_norm.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from google.protobuf import text_format
from nncc.driver import compile_model
from nncc.targets.lbann import lbann_pb2 as pb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lbann_norm import normalise, text  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "lbann"
EXPERIMENTS = ["lenet", "lenet_es", "alexnet", "alexnet_adam", "resnet50", "resnet50_warmup", "lenet_amp",
               "resnet50_amp"]


def reference(name: str) -> pb.LbannPB:
    return text_format.Parse((DATA / f"{name}.prototext").read_text(), pb.LbannPB())


def ours(name: str) -> pb.LbannPB:
    files = compile_model(str(DATA / f"{name}.yaml"), "lbann").files
    (exp,) = [v for k, v in files.items() if k.endswith(".prototext")]
    return text_format.Parse(exp.decode(), pb.LbannPB())


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_equal_to_lbann_frontend(name):
    assert text(ours(name)) == text(reference(name))


def test_every_reference_is_compared():
    assert sorted(p.stem for p in DATA.glob("*.prototext")) == sorted(EXPERIMENTS)


def first(exp: pb.LbannPB, kind: str) -> pb.Layer:
    return next(ly for ly in exp.model.layer if ly.WhichOneof("layer_type") == kind)


@pytest.mark.parametrize("change", [
    lambda e: setattr(first(e, "convolution").convolution, "out_channels", 7),
    lambda e: first(e, "cross_entropy").parents.reverse(),
    lambda e: setattr(e.model.weights[0].initializer.constant_initializer, "value", 0.5),
    lambda e: e.model.callback.add().timer.SetInParent(),
    lambda e: setattr(e.optimizer.sgd, "momentum", 0.8),
    lambda e: setattr(e.data_reader.reader[0], "validation_fraction", 0.2),
    lambda e: setattr(e.trainer, "mini_batch_size", 32),
    lambda e: setattr(e.model.objective_function.layer_term[0], "scale_factor", 2.0),
    lambda e: setattr(e.model.metric[0].layer_metric, "unit", ""),
])
def test_the_comparison_sees_each_part(change):
    exp = ours("lenet")
    change(exp)
    assert text(exp) != text(reference("lenet"))


def test_names_and_order_do_not_count():
    exp = ours("alexnet")
    rename = {ly.name: f"x{i}" for i, ly in enumerate(exp.model.layer)}
    for ly in exp.model.layer:
        ly.name = rename[ly.name]
        for f in ("parents", "children"):
            vals = [rename[v] for v in getattr(ly, f)]
            del getattr(ly, f)[:]
            getattr(ly, f).extend(vals)
    for t in exp.model.objective_function.layer_term:
        t.layer = rename[t.layer]
    for m in exp.model.metric:
        m.layer_metric.layer = rename[m.layer_metric.layer]
    layers = list(exp.model.layer)
    del exp.model.layer[:]
    exp.model.layer.extend(reversed(layers))
    assert normalise(exp) == normalise(reference("alexnet"))


# ------------------------------------------------------------------ mappings the comparisons rely on

NET = """
nncc: 1
model: m
inputs:
  image: f32[N, 3, 32, 32]
  label: i64[N]
graph:
  c: conv2d(image, 8, 3, pad=1) |> {bn} |> relu
  g: global_avg_pool(c)
  logits: g |> flatten |> linear(10)
outputs: [{outputs}]
train:
  loss: cross_entropy(logits, label)
  optimizer: sgd(lr=0.1)
  batch_size: 8
  epochs: 1
  data:
    train: {{format: cifar10, path: data/c, transforms: [{transforms}scale(1/255)]}}
"""


def compile_net(bn="batch_norm", outputs="logits", transforms=""):
    text = NET.format(bn=bn, outputs=outputs, transforms=transforms)
    return compile_model("m.yaml", "lbann", data=text.encode())


def experiment(**kw) -> pb.LbannPB:
    (exp,) = [v for k, v in compile_net(**kw).files.items() if k.endswith(".prototext")]
    return text_format.Parse(exp.decode(), pb.LbannPB())


def kinds(exp: pb.LbannPB) -> list[str]:
    return [ly.WhichOneof("layer_type") for ly in exp.model.layer]


def test_global_average_is_channelwise_mean_when_only_flattened():
    assert "channelwise_mean" in kinds(experiment()) and "pooling" not in kinds(experiment())
    k = kinds(experiment(outputs="logits, g"))  # g itself is an output: keep its [C, 1, 1] shape
    assert "pooling" in k and "channelwise_mean" not in k


def test_batch_norm_momentum_zero_is_refused():
    from nncc.diagnostics import CompileError

    with pytest.raises(CompileError) as ei:
        compile_net(bn="batch_norm(momentum=0)")
    (d,) = [d for d in ei.value.diagnostics if d.is_error]
    assert d.code == "E501" and "decay of 0" in d.message and d.span.line == 8


def test_random_resized_crop_bounds():
    def crop(t):
        r = experiment(transforms=t).data_reader.reader[0]
        return next(x.random_resized_crop for x in r.transforms if x.HasField("random_resized_crop"))
    c = crop("random_resized_crop(32), ")
    assert (c.height, c.width, c.scale_min) == (32, 32, 0)  # LBANN's defaults: none written
    c = crop('"random_resized_crop(32, min_scale=0.5)", ')
    assert (c.scale_min, c.scale_max, c.ar_min) == (0.5, 1.0, 0.75)  # LBANN reads all four once scale_min is set


def test_amp_is_the_frontends_and_refuses_another_data_type(tmp_path):
    """`amp` types each layer as lbann.util.amp does (equal to lenet_amp/resnet50_amp above); without it the
    references differ; with data_type other than float it is E502."""
    from test_lbann import diags, model

    assert text(ours("lenet")) != text(reference("lenet_amp"))
    exp = ours("lenet_amp")
    kinds = {lay.WhichOneof("layer_type"): lay.datatype for lay in exp.model.layer}
    assert kinds["convolution"] == kinds["fully_connected"] == pb.FP16
    assert kinds["input"] == kinds["softmax"] == kinds["cross_entropy"] == pb.FLOAT
    assert exp.model.amp.enabled and all(w.datatype == pb.FLOAT for w in exp.model.weights)
    [d] = [d for d in diags(tmp_path, model(), amp="true", data_type="fp16") if d.is_error]
    assert d.code == "E502" and "amp" in d.message
