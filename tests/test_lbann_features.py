"""Issue 15: what LBANN's frontend users rely on, in the language: reduce-on-plateau, gradient clipping,
per-loss scale factors, the LSF (jsrun) launcher and extra LBANN command-line arguments. Each maps where
LBANN has it and is E510 at its line on targets that cannot carry it out."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from google.protobuf import text_format
from nncc.diagnostics import CompileError
from nncc.driver import compile_model
from nncc.targets.lbann import lbann_pb2 as pb

NET = """
nncc: 1
model: m
inputs:
  image: f32[N, 1, 28, 28]
  label: i64[N]
graph:
  h: image |> flatten |> linear(32) |> relu
  logits: linear(h, 10)
  aux: linear(h, 10)
outputs: [logits, aux]
train:
  loss: {loss}
  optimizer: sgd(lr=0.1)
  batch_size: 64
  epochs: 2
{more}
  data:
    train: {{format: mnist, path: data/mnist, transforms: [scale(1/255)]}}
"""


def compile_net(target="lbann", loss="cross_entropy(logits, label)", more="", **options):
    text = NET.format(loss=loss, more=more)
    return compile_model("m.yaml", target, data=text.encode(), options=options)


def experiment(**kw) -> pb.LbannPB:
    (exp,) = [v for k, v in compile_net(**kw).files.items() if k.endswith(".prototext")]
    return text_format.Parse(exp.decode(), pb.LbannPB())


def script(**kw) -> str:
    (sh,) = [v for k, v in compile_net(**kw).files.items() if k.endswith(".sh")]
    return sh.decode()


def errors(**kw) -> list:
    with pytest.raises(CompileError) as ei:
        compile_net(**kw)
    return [d for d in ei.value.diagnostics if d.is_error]


def test_reduce_on_plateau():
    exp = experiment(more='  callbacks: ["reduce_on_plateau(gamma=0.5, patience=3)"]')
    (cb,) = [c.adaptive_learning_rate for c in exp.model.callback if c.HasField("adaptive_learning_rate")]
    assert (cb.patience, cb.amt) == (3, 0.5)
    (d,) = errors(more="  callbacks: [reduce_on_plateau()]\n  schedule: fixed()\n",
                  loss="cross_entropy(linear(h, 10, w_lr=2), label)")
    assert d.code == "E510" and "one global rate" in d.message


@pytest.mark.parametrize("target", ["singa"])
def test_reduce_on_plateau_elsewhere_is_e510(target):
    ds = errors(target=target, more="  callbacks: [reduce_on_plateau()]")
    assert any(d.code == "E510" and d.span is not None and d.span.line == 17 for d in ds), ds


def test_clip_norm_is_lbann_gradient_clipping():
    exp = experiment(more="  clip_norm: 1.5")
    (cb,) = [c.clip_gradient_norm for c in exp.model.callback if c.HasField("clip_gradient_norm")]
    assert cb.global_norm and cb.value == 1.5 and not cb.weights
    (d,) = errors(more="  clip_grad: 5")  # element-wise clipping: LBANN has none
    assert d.code == "E510" and "clip_grad" in d.message


def test_loss_scale_factors():
    exp = experiment(loss='["cross_entropy(logits, label)", "0.3 * cross_entropy(aux, label)"]')
    assert sorted(t.scale_factor for t in exp.model.objective_function.layer_term) == [0.3, 1.0]
    exp = experiment(loss='["cross_entropy(logits, label)", "cross_entropy(aux, label) * 2"]')
    assert sorted(t.scale_factor for t in exp.model.objective_function.layer_term) == [1.0, 2.0]
    (d,) = errors(loss='["cross_entropy(logits, label)", "-1 * cross_entropy(aux, label)"]')
    assert d.code == "E402" and "positive" in d.message


def test_loss_scale_on_singa():
    from nncc.targets.singa import job_pb2

    text = NET.format(loss="0.5 * cross_entropy(logits, label)", more="").replace(
        "{format: mnist, path: data/mnist, transforms: [scale(1/255)]}", '{format: record, path: "t.bin", samples: 640}')
    r = compile_model("m.yaml", "singa", data=text.encode())
    (conf,) = [v for k, v in r.files.items() if k.endswith(".conf")]
    job = text_format.Parse(conf.decode(), job_pb2.JobProto())
    (loss,) = [ly for ly in job.neuralnet.layer if ly.type == job_pb2.kSoftmaxLoss]
    assert loss.softmaxloss_conf.scale == 0.5


def test_lsf_launcher_and_extra_args():
    sh = script(launcher="lsf", args="--use_data_store --preload_data_store", time="02:30:00",
                partition="pbatch", account="acct",
                more="  distributed: {nodes: 2, procs_per_node: 4}")
    assert "#BSUB -nnodes 2" in sh and "#BSUB -W 2:30" in sh and "#BSUB -q pbatch" in sh and "#BSUB -G acct" in sh
    assert "jsrun --nrs 2 --rs_per_host 1 --tasks_per_rs 4" in sh
    assert "--prototext=m.prototext --use_data_store --preload_data_store" in sh
    if shutil.which("bash"):
        subprocess.run(["bash", "-n"], input=sh.encode(), check=True)


@pytest.mark.parametrize("args,word", [("use_data_store", "not an LBANN option"), ('"--a', "cannot be split")])
def test_bad_extra_args(args, word):
    (d,) = errors(args=args)
    assert d.code == "E502" and word in d.message


REG = """
nncc: 1
model: r
inputs:
  x: f32[N, 4]
  y: f32[N, 1]
graph:
  pred: linear(x, 1)
outputs: [pred]
train:
  loss: mse(pred, y)
  metrics:
    mse: mse(pred, y)
    mae: mae(pred, y)
  optimizer: sgd(lr=0.1)
  batch_size: 8
  epochs: 1
  data:
    train: {format: npz, path: d.npz}
"""


def test_regression_metrics_with_their_units():
    (exp,) = [v for k, v in compile_model("r.yaml", "lbann", data=REG.encode()).files.items()
              if k.endswith(".prototext")]
    e = text_format.Parse(exp.decode(), pb.LbannPB())
    kinds = {ly.name: ly.WhichOneof("layer_type") for ly in e.model.layer}
    got = {m.layer_metric.name: (kinds[m.layer_metric.layer], m.layer_metric.unit) for m in e.model.metric}
    assert got == {"mse": ("mean_squared_error", ""), "mae": ("mean_absolute_error", "")}
    acc = experiment(more="  metrics:\n    acc: accuracy(logits, label)")
    assert [m.layer_metric.unit for m in acc.model.metric] == ["%"]


def test_regression_metrics_in_pytorch_and_singa():
    files = compile_model("r.yaml", "pytorch", data=REG.encode()).files
    heads = next(v for k, v in files.items() if k.endswith("heads.py")).decode()
    assert "F.l1_loss(" in heads and heads.count("F.mse_loss(") == 2
    text = REG.replace("{format: npz, path: d.npz}", '{format: csv, path: "d.csv"}').replace("y: f32[N, 1]", "y: f32[N, 4]") \
        .replace("linear(x, 1)", "linear(x, 4)").replace("    mae: mae(pred, y)\n", "").replace("mse(pred, y)", "mse(pred, x)")
    with pytest.raises(CompileError) as ei:
        compile_model("r.yaml", "singa", data=text.encode())
    assert any("accuracy only" in d.message for d in ei.value.diagnostics)
