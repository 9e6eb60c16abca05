"""LBANN target: the experiment prototext, its launch script, and what LBANN cannot express."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from google.protobuf import text_format
from nncc.targets.lbann import lbann_pb2 as pb
from nncc.targets.lbann import pyreader

from nncc.cli import main
from nncc.diagnostics import CompileError
from nncc.driver import compile_model

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference" / "lbann" / "lenet.prototext"
DATA = Path(__file__).resolve().parent / "data"
SAMPLES = sorted(glob.glob(str(ROOT / "samples" / "*.yaml")))

# Samples that use something LBANN does not have; each must fail with a diagnostic naming it.
NOT_FOR_LBANN = {
    "rbm": ("E501", "`rbm`"),                        # contrastive divergence / RBM layers
    # gru and the corpus map; a rate changed every 2000 steps, and the steps per epoch of a corpus are unknown
    "char_rnn": ("E510", "step(every=2000)"),
    # a rate changed every 60 steps: LBANN changes rates per epoch or by formula, and 60 steps are no whole epoch
    "mnist_mlp": ("E510", "step(every=60)"),
    "digits": ("E510", "image readers"),     # random_crop on npz data: LBANN's crops are its image readers' own
}


def parse(text: str | bytes) -> pb.LbannPB:
    """Parse back into our schema: an unknown field or a misspelt Any type raises."""
    if isinstance(text, bytes):
        text = text.decode()
    return text_format.Parse(text, pb.LbannPB())


def compile_text(tmp_path: Path, yaml: str, **options: str) -> dict[str, bytes]:
    p = tmp_path / "m.yaml"
    p.write_text(yaml)
    return compile_model(str(p), "lbann", options=options).files


def diags(tmp_path: Path, yaml: str, **options: str) -> list:
    p = tmp_path / "m.yaml"
    p.write_text(yaml)
    with pytest.raises(CompileError) as e:
        compile_model(str(p), "lbann", options=options)
    return e.value.diagnostics


def kind(layer: pb.Layer) -> str:
    return layer.WhichOneof("layer_type")


def canonical(model: pb.Model) -> list[tuple[str, tuple[str, ...]]]:
    """Layers as (kind, kinds of parents) in a deterministic topological order, names dropped."""
    layers = {lay.name: lay for lay in model.layer}
    indeg = {n: len(lay.parents) for n, lay in layers.items()}
    order: list[str] = []
    ready = sorted((n for n, d in indeg.items() if d == 0), key=lambda n: _key(layers, n))
    while ready:
        n = ready.pop(0)
        order.append(n)
        for c in layers[n].children:
            indeg[c] -= 1
            if indeg[c] == 0:
                ready.append(c)
        ready.sort(key=lambda m: _key(layers, m))
    assert len(order) == len(layers), "the layer graph has a cycle or a dangling edge"
    return [(kind(layers[n]), tuple(kind(layers[p]) for p in layers[n].parents)) for n in order]


def _key(layers, n):
    lay = layers[n]
    return (kind(lay), lay.input.data_field if kind(lay) == "input" else "")


def settings(model: pb.Model, k: str) -> list[str]:
    out = []
    for lay in model.layer:
        if kind(lay) == k:
            out.append(text_format.MessageToString(getattr(lay, k), as_one_line=True))
    return out


def reference_text() -> str:
    """The reference file lives in shared/ beside the checkout (as in CI); skip where it is absent."""
    if not REFERENCE.exists():
        pytest.skip(f"reference file {REFERENCE} is not beside this checkout")
    return REFERENCE.read_text()


def lenet_source() -> Path:
    """The LeNet-5 sample, or our own copy of what the reference README describes."""
    sample = ROOT / "samples" / "lenet5.yaml"
    if sample.exists() and "conv2d(image, 6, 5" in sample.read_text():
        return sample
    return DATA / "lbann_lenet5.yaml"


# ------------------------------------------------------------------ acceptance 1: the LeNet-5 reference

@pytest.fixture(scope="module")
def lenet() -> tuple[pb.LbannPB, pb.LbannPB]:
    res = compile_model(str(lenet_source()), "lbann")
    ours = parse(res.files["lenet5.prototext"])
    ref = parse(reference_text())
    return ours, ref


@pytest.mark.parametrize("source", [lambda: lenet_source(), lambda: DATA / "lbann_lenet5.yaml"])
def test_lenet_layer_graph_matches_reference(source):
    ours = parse(compile_model(str(source()), "lbann").files["lenet5.prototext"])
    ref = parse(reference_text())
    assert canonical(ours.model) == canonical(ref.model)


def test_lenet_layer_settings_match_reference(lenet):
    ours, ref = lenet
    for k in ("convolution", "pooling", "fully_connected", "input"):
        assert settings(ours.model, k) == settings(ref.model, k), k


def test_lenet_weights_match_reference(lenet):
    ours, ref = lenet
    assert len(ours.model.weights) == len(ref.model.weights) == 10
    inits = lambda m: Counter(w.initializer.WhichOneof("initializer_type") for w in m.weights)
    assert inits(ours.model) == inits(ref.model)
    by_name = {w.name for w in ours.model.weights}
    for lay in ours.model.layer:  # every weight a layer names exists, two per learning layer as upstream
        assert set(lay.weights) <= by_name
        if kind(lay) in ("convolution", "fully_connected"):
            assert len(lay.weights) == 2


def test_lenet_objective_metrics_callbacks_optimizer_trainer_match_reference(lenet):
    ours, ref = lenet
    layers = lambda m: {lay.name: kind(lay) for lay in m.layer}

    def objective(m):
        of = m.objective_function
        return ([(t.scale_factor, layers(m)[t.layer]) for t in of.layer_term], len(of.l2_weight_regularization))

    assert objective(ours.model) == objective(ref.model) == ([(1.0, "cross_entropy")], 0)
    metric = lambda m: [(x.layer_metric.name, x.layer_metric.unit, layers(m)[x.layer_metric.layer])
                        for x in m.metric]
    assert metric(ours.model) == metric(ref.model)
    assert [c.WhichOneof("callback_type") for c in ours.model.callback] == \
        [c.WhichOneof("callback_type") for c in ref.model.callback]
    assert ours.model.callback == ref.model.callback
    assert ours.optimizer == ref.optimizer
    assert ours.trainer == ref.trainer
    assert ours.model.num_epochs == ref.model.num_epochs == 20


def test_lenet_data_reader_is_mnist(lenet):
    ours, _ = lenet
    roles = {r.role: r for r in ours.data_reader.reader}
    assert set(roles) == {"train", "test"}
    assert roles["train"].name == "mnist" and roles["train"].shuffle
    assert roles["test"].data_filename == "t10k-images-idx3-ubyte"
    assert roles["train"].transforms[0].scale.scale == pytest.approx(1 / 255)


def test_reference_comparison_can_fail(tmp_path):
    """The structural comparison notices a changed kernel size and a missing layer."""
    text = lenet_source().read_text().replace("conv2d(pool1, 16, 5", "conv2d(pool1, 16, 3")
    ours = parse(compile_text(tmp_path, text)["lenet5.prototext"])
    ref = parse(reference_text())
    assert settings(ours.model, "convolution") != settings(ref.model, "convolution")
    text = lenet_source().read_text().replace("|> relu\n  pool1", "\n  pool1", 1)
    ours = parse(compile_text(tmp_path, text)["lenet5.prototext"])
    assert canonical(ours.model) != canonical(ref.model)


# ------------------------------------------------------------------ acceptance 2: every sample

@pytest.mark.parametrize("path", SAMPLES, ids=[Path(p).stem for p in SAMPLES])
def test_every_sample_compiles_and_parses_back(path):
    stem = Path(path).stem
    if stem in NOT_FOR_LBANN:
        code, what = NOT_FOR_LBANN[stem]
        with pytest.raises(CompileError) as e:
            compile_model(path, "lbann")
        errors = [d for d in e.value.diagnostics if d.is_error]
        assert errors and all(d.code.startswith("E5") for d in errors)
        assert any(d.code.startswith(code) and what in d.message for d in errors)
        assert all(d.span is not None and d.span.line > 0 for d in errors)
        return
    res = compile_model(path, "lbann")
    names = list(res.files)
    stem = res.frontend.model.name
    record = any(d.format in pyreader.FORMATS for d in res.frontend.train.data.values())  # read by nncc's module
    assert names == [f"{stem}.prototext", *([f"{stem}_data.py"] if record else []), f"{stem}.sh"]
    exp = parse(res.files[names[0]])
    assert exp.model.layer and exp.trainer.mini_batch_size > 0
    assert exp.optimizer.WhichOneof("optimizer_type")
    assert exp.data_reader.reader
    layer_names = [lay.name for lay in exp.model.layer]
    assert len(set(layer_names)) == len(layer_names)
    known = set(layer_names)
    weights = {w.name for w in exp.model.weights}
    for lay in exp.model.layer:
        assert set(lay.parents) <= known and set(lay.children) <= known
        assert set(lay.weights) <= weights
    for t in exp.model.objective_function.layer_term:
        assert t.layer in known
    assert res.files[names[-1]].startswith(b"#!")


def test_output_is_deterministic():
    a = compile_model(str(lenet_source()), "lbann").files
    b = compile_model(str(lenet_source()), "lbann").files
    assert a == b


# ------------------------------------------------------------------ acceptance 3: what LBANN does not have

BASE = """\
nncc: 1
model: m
inputs:
  image: f32[N, 1, 28, 28]
  label: i64[N]
graph:
{graph}
outputs: [logits]
train:
  loss: cross_entropy(logits, label)
  metrics:
    accuracy: accuracy(logits, label)
  optimizer: {optimizer}
  batch_size: 64
  epochs: 2
  data:
    train:
      format: mnist
      path: data/mnist
      transforms:
{transforms}
{extra}
"""
GRAPH = """\
  c: conv2d(image, 4, 3, pad=1) |> relu
  logits: c |> flatten |> linear(10)"""


def model(graph: str = GRAPH, optimizer: str = "sgd(lr=0.1)", transform: str = "scale(1.0 / 255)",
          extra: str = "") -> str:
    transforms = "\n".join(f"        - {t.strip()}" for t in transform.split(";"))
    return BASE.format(graph=graph, optimizer=optimizer, transforms=transforms, extra=extra)


def test_base_model_compiles(tmp_path):
    exp = parse(compile_text(tmp_path, model())["m.prototext"])
    assert [kind(lay) for lay in exp.model.layer][:4] == ["input", "input", "convolution", "relu"]


def test_unsupported_op_names_op_target_and_line(tmp_path):
    graph = GRAPH.replace("|> relu", "|> relu\n  p: pad(c, [0, 0, 0, 0, 0, 0, 1, 1])").replace(
        "logits: c |>", "logits: p |>")
    text = model(graph)
    d = next(d for d in diags(tmp_path, text) if d.is_error)
    assert d.code == "E501" and "`pad`" in d.message and "`lbann`" in d.message
    assert d.span.line == line_of(text, "pad(")


def line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


@pytest.mark.parametrize("change, marker, words", [
    ({"optimizer": "adadelta(lr=1.0)"}, "adadelta", ["adadelta", "lbann"]),
    ({"optimizer": "sgd(lr=0.1, momentum=0.9, dampening=0.1)"}, "dampening", ["dampening", "lbann"]),
    ({"transform": "mean_file(\"mean.bin\")"}, "mean_file", ["mean_file", "lbann"]),
    ({"transform": "horizontal_flip()"}, "horizontal_flip", ["horizontal_flip", "lbann"]),
    ({"extra": "  schedule: inverse(gamma=0.1, power=0.75)"}, "inverse", ["inverse", "lbann"]),
    ({"extra": "  test_steps: 10"}, "test_steps", ["test_steps", "lbann"]),
    ({"extra": "  callbacks:\n    - early_stopping(metric=\"accuracy\")"}, "early_stopping", ["early_stopping", "lbann"]),
    ({"graph": GRAPH.replace("pad=1", "pad=[0, 0, 1, 1]")}, "conv2d", ["asymmetric padding", "lbann"]),
    ({"graph": GRAPH.replace("conv2d(image, 4, 3, pad=1) |> relu",
                                "max_pool2d(image, 3, stride=2, ceil_mode=true)")}, "ceil_mode", ["ceil_mode", "lbann"]),
    ({"graph": GRAPH.replace("logits: c |>",
                                "t: transpose(c, [1, 0, 2, 3]) |> transpose([1, 0, 2, 3])\n  logits: t |>")}, "transpose", ["transpose", "mini-batch", "lbann"]),
])
def test_unsupported_setting_is_a_diagnostic_with_its_line(tmp_path, change, marker, words):
    text = model(**change)
    ds = [d for d in diags(tmp_path, text) if d.is_error]
    assert ds, "expected an error"
    d = ds[0]
    assert d.code == ("E501" if "graph" in change else "E510"), d  # an op's form, or a setting
    for w in words:
        assert w in d.message
    assert d.span is not None and d.span.line == line_of(text, marker)


def test_every_data_format_of_the_language_has_an_lbann_reader():
    """LBANN's own readers, or nncc's module for its Python reader (a format added to the language must be
    given one of the two)."""
    from nncc.targets.lbann import pyreader
    from nncc.targets.lbann.data import READERS

    from nncc.train_schema import DATA_FORMATS

    assert sorted(DATA_FORMATS) == sorted([*READERS, *pyreader.FORMATS])


def test_no_file_is_written_on_error(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    src = tmp_path / "bad.yaml"
    src.write_text(model(optimizer="adadelta(lr=1.0)"))
    r = CliRunner().invoke(main, ["compile", str(src), "--target", "lbann", "-o", str(out) + "/"])
    assert r.exit_code != 0
    assert "adadelta" in r.output and "lbann" in r.output and f":{line_of(src.read_text(), 'adadelta')}:" in r.output
    assert list(out.iterdir()) == []


# ------------------------------------------------------------------ acceptance 4: launch scripts

DIST = "  distributed: {nodes: 3, procs_per_node: 4, procs_per_trainer: 6}"


@pytest.mark.parametrize("launcher, expect", [
    ("slurm", ["#SBATCH --nodes=3", "#SBATCH --ntasks=12", "#SBATCH --ntasks-per-node=4",
               "#SBATCH --partition=pbatch", "#SBATCH --account=myacct", "#SBATCH --time=02:30:00",
               "srun --nodes=3 --ntasks=12 --ntasks-per-node=4"]),
    ("flux", ["#flux: --nodes=3", "#flux: --nslots=12", "#flux: --queue=pbatch", "#flux: --bank=myacct",
              "#flux: --time-limit=150m", "flux run -u --nodes=3 --ntasks=12"]),
    ("mpirun", ["mpirun -np 12 --map-by ppr:4:node"]),
])
def test_launch_scripts_have_the_sizes_and_pass_bash_n(tmp_path, launcher, expect):
    files = compile_text(tmp_path, model(extra=DIST), launcher=launcher, partition="pbatch", account="myacct",
                         time="02:30:00")
    sh = files["m.sh"].decode()
    assert sh.startswith("#!/bin/bash\n")
    for line in expect:
        assert line in sh, line
    assert "--prototext=m.prototext" in sh and "--procs_per_trainer=6" in sh
    script = tmp_path / "m.sh"
    script.write_text(sh)
    r = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr


def test_bash_n_catches_a_broken_script(tmp_path):
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/bash\nif true; then\n")
    assert subprocess.run(["bash", "-n", str(bad)], capture_output=True, check=False).returncode != 0


def test_launch_defaults_to_one_process(tmp_path):
    sh = compile_text(tmp_path, model())["m.sh"].decode()
    assert "#SBATCH --nodes=1" in sh and "#SBATCH --ntasks=1" in sh and "--procs_per_trainer" not in sh


def test_reader_option_replaces_train_data(tmp_path):
    text = model().replace("format: mnist", "format: record\n      backend: kvfile")
    files = compile_text(tmp_path, text, reader="data_reader_mnist.prototext", launcher="mpirun")
    exp = parse(files["m.prototext"])
    assert not exp.HasField("data_reader")
    sh = files["m.sh"].decode()
    assert "--model=m.prototext --optimizer=m.prototext --reader=data_reader_mnist.prototext" in sh


def test_bad_option_values_are_diagnostics(tmp_path):
    ds = diags(tmp_path, model(extra=DIST.replace("6}", "5}")))
    assert any("procs_per_trainer" in d.message for d in ds)
    ds = diags(tmp_path, model(), partition="a b; rm -rf /")
    assert any("partition" in d.message for d in ds)


# ------------------------------------------------------------------ weights, optimizer, schedules, data

def test_weight_multipliers_and_decay(tmp_path):
    graph = """\
  c: conv2d(image, 4, 3, pad=1, b_lr=2, b_wd=0) |> relu
  logits: c |> flatten |> linear(10, w_wd=250, w_init=gaussian(std=0.01), b_init=constant(0.5))"""
    exp = parse(compile_text(tmp_path, model(graph, optimizer="sgd(lr=0.1, momentum=0.9, weight_decay=0.004)"))[
        "m.prototext"])
    w = {x.name: x for x in exp.model.weights}
    bias = "c.bias"
    assert w[bias].optimizer.sgd.learn_rate == pytest.approx(0.2)
    assert w[bias].optimizer.sgd.momentum == pytest.approx(0.9)
    fcw = next(n for n in w if n.startswith("logits") and n.endswith("weight"))
    assert w[fcw].initializer.normal_initializer.standard_deviation == pytest.approx(0.01)
    fcb = next(n for n in w if n.startswith("logits") and n.endswith("bias"))
    assert w[fcb].initializer.constant_initializer.value == pytest.approx(0.5)
    l2 = {round(t.scale_factor, 6): set(t.weights) for t in exp.model.objective_function.l2_weight_regularization}
    assert l2[round(0.004 * 250, 6)] == {fcw}
    assert bias not in set().union(*l2.values())
    assert l2[0.004] >= {fcb}


def test_optimizers(tmp_path):
    exp = parse(compile_text(tmp_path, model(optimizer="nesterov(lr=0.1, momentum=0.8)"))["m.prototext"])
    assert exp.optimizer.sgd.nesterov and exp.optimizer.sgd.momentum == pytest.approx(0.8)
    exp = parse(compile_text(tmp_path, model(optimizer="adamw(lr=0.001, weight_decay=0.05)"))["m.prototext"])
    assert exp.optimizer.adam.adamw_weight_decay == pytest.approx(0.05)
    assert not exp.model.objective_function.l2_weight_regularization
    exp = parse(compile_text(tmp_path, model(optimizer="rmsprop(lr=0.01, decay=0.95)"))["m.prototext"])
    assert exp.optimizer.rmsprop.decay_rate == pytest.approx(0.95)
    exp = parse(compile_text(tmp_path, model(optimizer="adagrad(lr=0.01)"))["m.prototext"])
    assert exp.optimizer.adagrad.learn_rate == pytest.approx(0.01)


@pytest.mark.parametrize("sched, field, check", [
    ("step(every=30, gamma=0.1)", "step_learning_rate", lambda c: (c.step, round(c.amt, 6)) == (30, 0.1)),
    ("multi_step(milestones=[5, 8], gamma=0.5)", "drop_fixed_learning_rate",
     lambda c: list(c.drop_epoch) == [5, 8]),
    ("cosine(min_lr=0.001, steps=500)", "cosine_decay_learning_rate",
     lambda c: c.decay_steps == 500 and c.lr_max == pytest.approx(0.1)),
    ("fixed_step(steps=[0, 3], values=[0.1, 0.01])", "set_learning_rate",
     lambda c: (c.step, round(c.val, 6)) == (3, 0.01)),
    ("warmup(epochs=2)", "cosine_decay_learning_rate",  # per step, as nncc (tests/test_lbann_warmup.py)
     lambda c: c.warmup_steps == 2 * 938 and c.lr_max == c.lr_min == pytest.approx(0.1)),
])
def test_schedules_become_callbacks(tmp_path, sched, field, check):
    exp = parse(compile_text(tmp_path, model(extra=f"  schedule: {sched}"))["m.prototext"])
    cbs = [getattr(c, field) for c in exp.model.callback if c.WhichOneof("callback_type") == field]
    assert len(cbs) == 1 and check(cbs[0])


def test_callbacks_and_steps(tmp_path):
    extra = ("  callbacks:\n    - print()\n    - timer()\n    - checkpoint(every=2, dir=\"ck\")\n"
             "    - save_model(dir=\"m\")\n    - early_stopping(metric=\"loss\", patience=3)")
    text = model(extra=extra).replace("path: data/mnist\n", "path: data/mnist\n      validation_fraction: 0.1\n", 1)
    exp = parse(compile_text(tmp_path, text)["m.prototext"])
    kinds = [c.WhichOneof("callback_type") for c in exp.model.callback]
    assert kinds == ["print", "timer", "save_model", "early_stopping"]
    assert exp.model.callback[3].early_stopping.patience == 3
    # LBANN's trainer, not its model, reads checkpoint callbacks ("Unknown id" from the model factory)
    assert [c.WhichOneof("callback_type") for c in exp.trainer.callback] == ["checkpoint"]
    assert exp.trainer.callback[0].checkpoint.checkpoint_epochs == 2
    text = model().replace("epochs: 2", "steps: 700\n  seed: 7")
    exp = parse(compile_text(tmp_path, text)["m.prototext"])
    algo = pb.SGD()
    assert exp.trainer.training_algorithm.parameters.Unpack(algo)
    assert algo.stopping_criteria.max_batches == 700 and exp.trainer.random_seed == 7


def test_image_reader_transforms(tmp_path):
    text = model(transform="random_crop([28, 28]); horizontal_flip(); scale(1.0 / 255); "
                           "normalize(mean=[0.5], std=[0.25])")
    text = text.replace("format: mnist", "format: cifar10").replace("f32[N, 1, 28, 28]", "f32[N, 3, 32, 32]")
    exp = parse(compile_text(tmp_path, text)["m.prototext"])
    r = exp.data_reader.reader[0]
    assert r.name == "cifar10"
    kinds = [t.WhichOneof("transform_type") for t in r.transforms]
    assert kinds == ["random_crop", "horizontal_flip", "normalize_to_lbann_layout"]
    assert r.transforms[2].normalize_to_lbann_layout.means == "0.5"


def test_imagenet_and_npz_readers(tmp_path):
    text = model(transform="resize([256]); center_crop([224]); scale(1.0 / 255)").replace(
        "format: mnist\n      path: data/mnist", "format: imagenet\n      path: data/in\n      labels: data/in.txt\n"
        "      validation_fraction: 0.1").replace("f32[N, 1, 28, 28]", "f32[N, 3, 224, 224]")
    r = parse(compile_text(tmp_path, text)["m.prototext"]).data_reader.reader[0]
    assert (r.name, r.data_filedir, r.data_filename, r.num_labels) == ("imagenet", "data/in", "data/in.txt", 10)
    assert r.validation_fraction == pytest.approx(0.1)
    # resize + center_crop is LBANN's resized_center_crop; colorize gives grey JPEGs three channels
    assert [t.WhichOneof("transform_type") for t in r.transforms] == ["resized_center_crop", "colorize",
                                                                       "to_lbann_layout"]
    text = model(transform="scale(2.0)").replace("format: mnist\n      path: data/mnist",
                                                 "format: npz\n      path: d.npz")
    r = parse(compile_text(tmp_path, text)["m.prototext"]).data_reader.reader[0]
    assert (r.name, r.data_filename) == ("numpy_npz", "d.npz")


def test_mse_uses_responses_and_bce_reduces(tmp_path):
    text = """\
nncc: 1
model: reg
inputs:
  x: f32[N, 8]
  y: f32[N, 4]
graph:
  h: linear(x, 16) |> sigmoid |> dropout(0.2)
  out: linear(h, 4)
outputs: [out]
train:
  loss:
    - mse(out, y)
    - bce(out, y)
  optimizer: adam(lr=0.001)
  batch_size: 8
  epochs: 1
  data:
    train:
      format: npz
      path: d.npz
"""
    exp = parse(compile_text(tmp_path, text)["reg.prototext"])
    layers = {lay.name: lay for lay in exp.model.layer}
    assert layers["y"].input.data_field == "responses"
    assert len(exp.model.objective_function.layer_term) == 2
    kinds = [kind(lay) for lay in exp.model.layer]
    assert "mean_squared_error" in kinds and "reduction" in kinds and "dropout" in kinds
    ops = [lay for lay in exp.model.layer if kind(lay) == "operator_layer"]
    assert any(op.operator_layer.ops[0].parameters.Is(pb.SigmoidOperator.DESCRIPTOR) for op in ops)


GRU_MODEL = """\
nncc: 1
model: seq
inputs:
  x: f32[N, 12, 6]
  y: i64[N]
graph:
  g1: gru(x, 8, w_init=uniform(low=-0.1, high=0.1), r_init=xavier_uniform)
  g2: gru(g1, 5, return_sequences=false, bias=false)
  logits: linear(g2, 3)
outputs: [logits]
train:
  loss: cross_entropy(logits, y)
  optimizer: sgd(lr=0.1, weight_decay=0.001)
  batch_size: 4
  epochs: 1
  algorithm: bptt
  data:
    train: {format: npz, path: d.npz}
"""


def test_gru_maps_to_lbann_gru_layer(tmp_path):
    exp = parse(compile_text(tmp_path, GRU_MODEL)["seq.prototext"])
    layers = {lay.name: lay for lay in exp.model.layer}
    weights = {w.name: w for w in exp.model.weights}
    g1, g2 = layers["g1"], layers["g2_seq"]
    assert kind(g1) == kind(g2) == "gru"
    assert (g1.gru.hidden_size, g1.gru.num_layers.value, g2.gru.hidden_size) == (8, 1, 5)
    # parents: the sequence, then a zero initial state [num_layers, hidden]
    assert list(g1.parents) == ["x", "g1_h0"] and list(g2.parents) == ["g1", "g2_h0"]
    for h0, hidden in ((layers["g1_h0"], 8), (layers["g2_h0"], 5)):
        assert kind(h0) == "constant" and not h0.parents
        assert (h0.constant.value, list(h0.constant.num_neurons)) == (0.0, [1, hidden])
    # four weights in LBANN's order ih_matrix, hh_matrix, ih_bias, hh_bias
    assert list(g1.weights) == ["g1.weight", "g1.recurrent_weight", "g1.bias", "g1.recurrent_bias"]
    assert list(g2.weights) == ["g2.weight", "g2.recurrent_weight", "g2.bias", "g2.recurrent_bias"]
    w = weights["g1.weight"].initializer
    assert (w.uniform_initializer.min, w.uniform_initializer.max) == (-0.1, 0.1)
    assert weights["g1.recurrent_weight"].initializer.WhichOneof("initializer_type") == "glorot_uniform_initializer"
    k = 1 / 8 ** 0.5  # nncc's default for the others: uniform(±1/sqrt(hidden)), as PyTorch and LBANN
    assert weights["g1.bias"].initializer.uniform_initializer.max == pytest.approx(k)
    assert weights["g1.bias"].initializer.uniform_initializer.min == pytest.approx(-k)
    # bias=false: LBANN still needs both biases; zero and frozen, and out of the L2 term
    for name in ("g2.bias", "g2.recurrent_bias"):
        assert weights[name].initializer.WhichOneof("initializer_type") == "constant_initializer"
        assert weights[name].initializer.constant_initializer.value == 0
        assert weights[name].optimizer.WhichOneof("optimizer_type") == "no_optimizer"
    l2 = [n for t in exp.model.objective_function.l2_weight_regularization for n in t.weights]
    assert "g1.bias" in l2 and "g2.weight" in l2 and "g2.bias" not in l2
    # return_sequences=false: LBANN's gru returns all 12 steps; keep the last one
    last, back = layers["g2_last"], layers["g2"]
    assert kind(last) == "slice" and list(last.parents) == ["g2_seq"]
    assert (last.slice.axis, list(last.slice.slice_points)) == (0, [11, 12])
    assert kind(back) == "reshape" and list(back.reshape.dims) == [5]
    assert list(layers["logits"].parents) == ["g2"]


def test_stacked_gru_is_one_lbann_gru_layer_per_layer(tmp_path):
    text = GRU_MODEL.replace("g2: gru(g1, 5, return_sequences=false, bias=false)",
                             "g2: gru(g1, 5, return_sequences=false, num_layers=2)")
    exp = parse(compile_text(tmp_path, text)["seq.prototext"])
    layers = {lay.name: lay for lay in exp.model.layer}
    first, second = layers["g2_seq"], layers["g2_l1_seq"]
    assert kind(first) == kind(second) == "gru"
    assert list(first.parents) == ["g1", "g2_h0"] and list(second.parents) == ["g2_seq", "g2_l1_h0"]
    assert list(second.weights) == ["g2.weight_l1", "g2.recurrent_weight_l1", "g2.bias_l1", "g2.recurrent_bias_l1"]
    w = {w.name: w for w in exp.model.weights}
    assert "g2.weight_l1" in w and list(layers["g2_last"].parents) == ["g2_l1_seq"]


def test_gru_weights_tied_to_another_op_are_an_error(tmp_path):
    text = GRU_MODEL.replace("  g2: gru(g1,", "  t: linear(x, 24, w_share=g1) |> linear(8)\n  s: add(g1, t)\n"
                             "  g2: gru(s,")
    errors = [d for d in diags(tmp_path, text) if d.is_error]
    assert any(d.code == "E501" and "r, z, n" in d.message for d in errors), errors


def test_data_type_and_device_options(tmp_path):
    exp = parse(compile_text(tmp_path, model(), data_type="fp16", device="gpu")["m.prototext"])
    assert all(lay.device_allocation == "gpu" for lay in exp.model.layer)
    # "Input layers are only valid with TensorDataType == DataType": inputs stay in LBANN's default type
    assert all(lay.datatype == (pb.DEFAULT_DATATYPE if kind(lay) == "input" else pb.FP16) for lay in exp.model.layer)
    assert all(w.datatype == pb.FP16 for w in exp.model.weights)
    assert not exp.model.amp.enabled
    assert parse(compile_text(tmp_path, model(), amp="true")["m.prototext"]).model.amp.enabled


def test_fp16_refuses_layers_lbann_builds_in_float_and_double_only(tmp_path):
    graph = GRAPH.replace("logits: c |> flatten |> linear(10)", "n: layer_norm(c)\n  logits: n |> flatten |> linear(10)")
    errors = [d for d in diags(tmp_path, model(graph), data_type="fp16") if d.is_error]
    assert [d.code for d in errors] == ["E501"] and "layer_norm" in errors[0].message
    assert errors[0].span.line == line_of(model(graph), "layer_norm(")


def test_target_is_listed_with_its_options():
    r = CliRunner().invoke(main, ["targets"])
    assert r.exit_code == 0
    for word in ("lbann", "launcher", "partition", "account", "time", "data_type"):
        assert word in r.output


# ------------------------------------------------------------------ acceptance 5: the documentation

def test_docs_have_the_mapping_table_and_how_to_run():
    doc = (ROOT / "docs" / "targets" / "lbann.md").read_text()
    assert "../ops.md#ops-by-target" in doc  # which ops: the generated table (tests/test_gendocs.py)
    for word in ("sbatch", "flux batch", "mpirun", "--prototext", "L2WeightRegularization", "reader"):
        assert word in doc, word


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_samples_scripts_pass_bash_n(tmp_path):
    for path in SAMPLES:
        if Path(path).stem in NOT_FOR_LBANN:
            continue
        sh = compile_model(path, "lbann").files[f"{compile_model(path, 'lbann', emit=False).frontend.model.name}.sh"]
        p = tmp_path / "s.sh"
        p.write_bytes(sh)
        assert subprocess.run(["bash", "-n", str(p)], check=False).returncode == 0, path
        os.remove(p)
