"""The SINGA target (issue 4): job.conf for Apache SINGA v0.3, energy models, cluster, launch script."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import text_format
from nncc.diagnostics import CompileError
from nncc.driver import compile_model
from nncc.targets.singa import job_pb2 as pb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from singa_norm import normalise  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
REFERENCE = REPO.parent / "shared" / "reference" / "singa"


def named(files: dict[str, bytes], suffix: str) -> bytes:
    """The one file whose name ends with `suffix` (SINGA names its files after the model)."""
    (data,) = [v for k, v in files.items() if k.endswith(suffix)]
    return data


def job_of(files: dict[str, bytes]) -> pb.JobProto:
    job = text_format.Parse(named(files, ".conf").decode(), pb.JobProto())  # rejects unknown fields and enums
    assert job.IsInitialized(), job.FindInitializationErrors()
    return job


def compile_singa(path: Path | str, **kw) -> pb.JobProto:
    return job_of(compile_model(str(path), "singa", **kw).files)


def compile_text(text: str, **kw):
    return compile_model("inline.yaml", "singa", data=text.encode(), **kw)


def errors(text: str, **kw) -> list:
    with pytest.raises(CompileError) as ei:
        compile_text(text, **kw)
    return [d for d in ei.value.diagnostics if d.is_error]


# ------------------------------------------------------------------ 1. the reference jobs

@pytest.mark.skipif(not REFERENCE.is_dir(), reason="shared/reference/singa not found")
@pytest.mark.parametrize("sample,ref", [("mnist_mlp.yaml", "mnist-mlp.job.conf"),
                                        ("cifar10_cnn.yaml", "cifar10-convnet.job.conf")])
def test_samples_match_reference_jobs(sample, ref):
    ours = normalise(compile_singa(SAMPLES / sample))
    theirs = normalise(text_format.Parse((REFERENCE / ref).read_text(), pb.JobProto()))
    assert text_format.MessageToString(ours) == text_format.MessageToString(theirs)
    assert ours == theirs


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="shared/reference/singa not found")
def test_reference_comparison_can_fail():
    theirs = normalise(text_format.Parse((REFERENCE / "mnist-mlp.job.conf").read_text(), pb.JobProto()))
    changed = normalise(compile_singa(SAMPLES / "mnist_mlp.yaml", defines={"init": "0.1"}))
    assert changed != theirs


def test_normalise_ignores_names_and_order():
    job = compile_singa(SAMPLES / "mnist_mlp.yaml")
    renamed = pb.JobProto()
    renamed.CopyFrom(job)
    mapping = {ly.name: f"x{i}" for i, ly in enumerate(renamed.neuralnet.layer) if ly.name != "data"}
    for ly in renamed.neuralnet.layer:
        ly.name = mapping.get(ly.name, ly.name)
        srcs = [mapping.get(s, s) for s in ly.srclayers]
        del ly.srclayers[:]
        ly.srclayers.extend(srcs)
        for p in ly.param:
            p.name = "q" + p.name
    layers = list(renamed.neuralnet.layer)
    del renamed.neuralnet.layer[:]
    renamed.neuralnet.layer.extend(reversed(layers))
    assert normalise(renamed) == normalise(job)


def test_mlp_details():
    job = compile_singa(SAMPLES / "mnist_mlp.yaml")
    assert (job.train_steps, job.test_steps, job.test_freq, job.disp_freq) == (1000, 10, 60, 10)
    assert job.train_one_batch.alg == pb.kBP
    lr = job.updater.learning_rate
    assert (job.updater.type, lr.type, lr.step_conf.change_freq) == (pb.kSGD, pb.kStep, 60)
    assert lr.base_lr == pytest.approx(0.001) and lr.step_conf.gamma == pytest.approx(0.997)
    types = [ly.type for ly in job.neuralnet.layer]
    assert types.count(pb.kInnerProduct) == 6 and types.count(pb.kSTanh) == 5
    loss = [ly for ly in job.neuralnet.layer if ly.type == pb.kSoftmaxLoss][0]
    assert loss.srclayers[1] == "data" and loss.softmaxloss_conf.topk == 1


# ------------------------------------------------------------------ 2. energy models

def test_rbm_sample_uses_cd_and_tied_weights():
    job = compile_singa(SAMPLES / "rbm.yaml")
    assert job.train_one_batch.alg == pb.kCD
    layers = {ly.name: ly for ly in job.neuralnet.layer}
    vis = [ly for ly in job.neuralnet.layer if ly.type == pb.kRBMVis]
    hid = [ly for ly in job.neuralnet.layer if ly.type == pb.kRBMHid]
    assert len(vis) == len(hid) == 1
    vis, hid = vis[0], hid[0]
    assert list(hid.srclayers) == [vis.name]
    assert vis.srclayers[1] == hid.name and layers[vis.srclayers[0]].type == pb.kSigmoid
    assert vis.rbm_conf.hdim == hid.rbm_conf.hdim == 250
    assert [p.name for p in vis.param] == ["w3", "b31"]
    assert hid.param[0].share_from == "w3" and hid.param[1].name == "b32"
    assert vis.param[0].init.type == pb.kGaussian and vis.param[0].init.std == pytest.approx(0.1)
    assert vis.param[1].wd_scale == 0 and hid.param[1].wd_scale == 0
    assert not [ly for ly in job.neuralnet.layer if ly.type in (pb.kSoftmaxLoss, pb.kEuclideanLoss)]
    assert list(job.checkpoint_path) == ["examples/rbm/rbm2/checkpoint/step6000-worker0",
                                         "examples/rbm/rbm1/checkpoint/step6000-worker0"]
    assert (job.updater.type, job.updater.learning_rate.type) == (pb.kSGD, pb.kFixed)
    assert job.updater.momentum == pytest.approx(0.8) and job.updater.weight_decay == pytest.approx(0.0002)
    assert job.train_steps == 6000 and job.checkpoint_freq == 6000
    data = [ly for ly in job.neuralnet.layer if ly.name == "data"]
    assert {ly.store_conf.std_value for ly in data} == {255.0}


def test_autoencoder_sample_ties_decoder_weights():
    job = compile_singa(SAMPLES / "autoencoder.yaml")
    assert job.train_one_batch.alg == pb.kBP and job.updater.type == pb.kAdaGrad
    ips = [ly for ly in job.neuralnet.layer if ly.type == pb.kInnerProduct]
    assert [ly.innerproduct_conf.num_output for ly in ips] == [1000, 500, 250, 30, 250, 500, 1000, 784]
    enc, dec = ips[:4], ips[4:]
    assert not any(ly.innerproduct_conf.transpose for ly in enc)
    assert all(ly.innerproduct_conf.transpose for ly in dec)
    assert [ly.param[0].share_from for ly in dec] == [ly.param[0].name for ly in reversed(enc)]
    assert all(not ly.param[0].HasField("init") for ly in dec)
    loss = [ly for ly in job.neuralnet.layer if ly.type == pb.kEuclideanLoss]
    assert len(loss) == 1 and loss[0].srclayers[1] == "data"
    last = {ly.name: ly for ly in job.neuralnet.layer}[loss[0].srclayers[0]]
    assert last.type == pb.kSigmoid and list(last.srclayers) == [dec[-1].name]
    assert len(job.checkpoint_path) == 4


RBM_MODEL = """
nncc: 1
model: tiny_rbm
inputs:
  x: f32[N, 784]
graph:
  h: rbm(x, 64{extra})
outputs: [h]
train:
{train}
  optimizer: sgd(lr=0.1)
  batch_size: 10
  steps: 100
  data:
    train:
      format: record
      path: "train.bin"
"""


def test_rbm_cd_k_and_gaussian_hidden():
    job = job_of(compile_text(RBM_MODEL.format(extra=", gaussian=true", train="  algorithm: cd"),
                              options={"cd_k": "3"}).files)
    assert job.train_one_batch.alg == pb.kCD and job.train_one_batch.cd_conf.cd_k == 3
    hid = [ly for ly in job.neuralnet.layer if ly.type == pb.kRBMHid][0]
    assert hid.rbm_conf.gaussian


def test_rbm_with_bp_is_an_error():
    errs = errors(RBM_MODEL.format(extra="", train="  algorithm: bp\n  loss: mse(h, h)"))
    assert any(d.code == "E510" and "contrastive divergence" in d.message and d.span.line == 7 for d in errs)


def test_loss_is_required_unless_cd():
    errs = errors(RBM_MODEL.replace("rbm(x, 64{extra})", "linear(x, 64)").format(train="  seed: 1"))
    assert any(d.code == "E403" and "loss" in d.message for d in errs)


def test_rbm_is_not_lowered_to_onnx():
    with pytest.raises(CompileError) as ei:
        compile_model("inline.yaml", "onnx", data=RBM_MODEL.format(extra="", train="  algorithm: cd").encode())
    assert any(d.code == "E501" and "rbm" in d.message for d in ei.value.diagnostics)


# ------------------------------------------------------------------ 3. every sample

@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_sample_compiles_or_says_why(path):
    try:
        files = compile_model(str(path), "singa").files
    except CompileError as e:
        errs = [d for d in e.diagnostics if d.is_error]
        assert errs
        for d in errs:
            assert d.code in ("E501", "E510", "E511"), d
            assert d.span is not None and d.span.line >= 1, d
            assert Path(d.span.file).name == path.name
        return
    job = job_of(files)
    assert job.train_steps > 0 and job.neuralnet.layer and job.cluster.workspace
    stem = next(k for k in files if k.endswith(".conf"))[:-len(".conf")]  # the model's name
    assert set(files) == {f"{stem}.conf", f"{stem}.hostfile", f"{stem}.sh"}


# ------------------------------------------------------------------ settings

MLP = """
nncc: 1
model: tiny
inputs:
  x: f32[N, 3, 8, 8]
  y: i64[N]
graph:
  c: conv2d(x, 4, 3, pad=1) |> relu
  p: max_pool2d(c, 2)
  logits: p |> flatten |> linear(10)
outputs: [logits]
train:
  loss: cross_entropy(logits, y)
  optimizer: {opt}
{more}
  batch_size: 50
  data:
    train:
      format: record
      path: "train.bin"
      samples: 1000
    test:
      format: record
      path: "test.bin"
    validate:
      format: record
      path: "val.bin"
"""


def tiny(opt="sgd(lr=0.1)", more="  steps: 10", **kw) -> pb.JobProto:
    return job_of(compile_text(MLP.format(opt=opt, more=more), **kw).files)


@pytest.mark.parametrize("opt,utype", [
    ("sgd(lr=0.1, momentum=0.9)", pb.kSGD), ("sgd(lr=0.1, nesterov=true)", pb.kNesterov),
    ("nesterov(lr=0.1)", pb.kNesterov), ("adagrad(lr=0.1)", pb.kAdaGrad), ("rmsprop(lr=0.1, decay=0.8)", pb.kRMSProp),
    ("adadelta(rho=0.9)", pb.kAdaDelta), ("adam(lr=0.001, beta2=0.99)", pb.kAdam),
])
def test_updaters(opt, utype):
    up = tiny(opt).updater
    assert up.type == utype
    if utype == pb.kRMSProp:
        assert up.rmsprop_conf.rho == pytest.approx(0.8)
    if utype == pb.kAdam:
        assert up.adam_conf.beta2 == pytest.approx(0.99)


@pytest.mark.parametrize("sched,check", [
    ("fixed", lambda lr: lr.type == pb.kFixed and lr.base_lr == pytest.approx(0.1)),
    ('step(every=2, gamma=0.5, unit="epoch")', lambda lr: lr.type == pb.kStep and lr.step_conf.change_freq == 40),
    ("multi_step(milestones=[1, 2])", lambda lr: lr.type == pb.kFixedStep and list(lr.fixedstep_conf.step)
     == [0, 20, 40] and lr.fixedstep_conf.step_lr[2] == pytest.approx(0.001)),
    ("exponential(gamma=0.5, every=7)", lambda lr: lr.type == pb.kStep
     and lr.step_conf.change_freq == 7 and lr.step_conf.gamma == 0.5),
    ("inverse(gamma=0.1, power=0.75)", lambda lr: lr.type == pb.kInverse and lr.inverse_conf.pow == 0.75),
    ("inverse_t(final_lr=50)", lambda lr: lr.type == pb.kInverseT and lr.inverset_conf.final_lr == 50),
    ("linear(final_lr=0.01, every=100)", lambda lr: lr.type == pb.kLinear and lr.linear_conf.change_freq == 100),
])
def test_schedules(sched, check):
    job = tiny(more=f"  steps: 10\n  schedule: {sched}")
    assert check(job.updater.learning_rate)


def test_steps_from_epochs_and_frequencies():
    job = tiny(more="  epochs: 3\n  test_steps: 4\n  test_every: 30\n  validate_steps: 2\n  validate_every: 1\n"
               "  display_every: 5\n  checkpoint: checkpoint(every=2)")
    assert job.train_steps == 3 * 1000 // 50
    assert (job.test_steps, job.test_freq, job.validate_steps, job.validate_freq, job.disp_freq) == (4, 30, 2, 20, 5)
    assert job.checkpoint_freq == 40


def test_missing_test_data_and_unknown_epoch_length():
    text = MLP.format(opt="sgd(lr=0.1)", more="  epochs: 3\n  test_steps: 4").replace("      samples: 1000\n", "")
    text = text[:text.index("    test:")]
    errs = errors(text)
    assert {d.code for d in errs} == {"E511"}
    assert sorted(d.span.line for d in errs) == [15, 16]


@pytest.mark.parametrize("opt,more,line,word", [
    ("adamw(lr=0.1)", "  steps: 10", 14, "adamw"),
    ("sgd(lr=0.1)", "  steps: 10\n  schedule: cosine()", 16, "cosine"),
    ("sgd(lr=0.1)", "  steps: 10\n  distributed:\n    gpus: [0, 1]", 17, "GPU"),
])
def test_unsupported_settings_are_diagnostics_with_lines(opt, more, line, word):
    errs = errors(MLP.format(opt=opt, more=more))
    assert any(d.code == "E510" and d.span.line == line and word in d.message for d in errs), errs


def test_unsupported_layer_settings():
    text = MLP.format(opt="sgd(lr=0.1)", more="  steps: 10").replace("pad=1", "pad=1, dilation=2")
    errs = errors(text)
    assert any(d.code == "E501" and "dilation" in d.message and d.span.line == 8 for d in errs)
    text = MLP.format(opt="sgd(lr=0.1)", more="  steps: 10").replace("format: record", "format: mnist")
    assert any(d.code == "E510" and d.span.line == 19 for d in errors(text))



@pytest.mark.parametrize("pool,kernel", [("global_avg_pool(c)", (8, 8)), ("adaptive_avg_pool2d(c, 2)", (4, 4)),
                                         ("adaptive_max_pool2d(c, [4, 1])", (2, 8))])
def test_global_and_adaptive_pools_are_one_window_tiled(pool, kernel):
    """An output size that divides the input's: SINGA's pooling with kernel = stride = input/output, no pad."""
    job = job_of(compile_text(MLP.format(opt="sgd(lr=0.1)", more="  steps: 10").replace("max_pool2d(c, 2)", pool)).files)
    (ly,) = [ly for ly in job.neuralnet.layer if ly.type == pb.kCPooling]
    c = ly.pooling_conf
    got = (c.kernel, c.kernel) if c.HasField("kernel") else (c.kernel_y, c.kernel_x)
    stride = (c.stride, c.stride) if c.HasField("stride") else (c.stride_y, c.stride_x)
    assert got == stride == kernel and not c.pad and not c.pad_x and not c.pad_y
    assert c.pool == (pb.PoolingProto.MAX if "max" in pool else pb.PoolingProto.AVG)


def test_adaptive_pool_with_unequal_windows_is_e501():
    text = MLP.format(opt="sgd(lr=0.1)", more="  steps: 10").replace("max_pool2d(c, 2)", "adaptive_avg_pool2d(c, 3)")
    errs = errors(text)
    assert any(d.code == "E501" and "8x8 to 3x3" in d.message and d.span.line == 9 for d in errs), errs

def test_cluster_and_gpus():
    more = ("  steps: 10\n  distributed:\n    worker_groups: 2\n    workers_per_group: 2\n    server_groups: 1\n"
            "    servers_per_group: 2\n    workers_per_proc: 2\n    servers_per_proc: 1\n    separate_servers: true\n"
            "    workspace: \"ws/tiny\"\n    gpus: [0, 1, 2, 3]")
    job = tiny(more=more)
    cl = job.cluster
    assert (cl.nworker_groups, cl.nworkers_per_group, cl.nserver_groups, cl.nservers_per_group) == (2, 2, 1, 2)
    assert (cl.nworkers_per_procs, cl.nservers_per_procs, cl.server_worker_separate) == (2, 1, True)
    assert cl.workspace == "ws/tiny" and list(job.gpu) == [0, 1, 2, 3]
    types = {ly.type for ly in job.neuralnet.layer}
    assert {pb.kCudnnConv, pb.kCudnnPool, pb.kCudnnActivation, pb.kCudnnSoftmaxLoss} <= types
    assert not types & {pb.kCConvolution, pb.kCPooling, pb.kReLU, pb.kSoftmaxLoss}
    cpu = tiny(more=more, options={"device": "cpu"})
    assert not cpu.gpu and pb.kCConvolution in {ly.type for ly in cpu.neuralnet.layer}


def test_param_scales_inits_and_flatten_folding():
    text = MLP.format(opt="sgd(lr=0.1)", more="  steps: 10").replace(
        "linear(10)", "linear(10, w_init=he_normal(), w_lr=2, b_wd=0)")
    job = job_of(compile_text(text).files)
    ip = [ly for ly in job.neuralnet.layer if ly.type == pb.kInnerProduct][0]
    pool = [ly for ly in job.neuralnet.layer if ly.type == pb.kCPooling][0]
    assert list(ip.srclayers) == [pool.name]  # SINGA flattens the source itself
    w, b = ip.param
    assert w.init.type == pb.kGaussianSqrtFanIn and w.lr_scale == 2 and not w.HasField("wd_scale")
    assert b.wd_scale == 0 and b.init.type == pb.kConstant
    conv = [ly for ly in job.neuralnet.layer if ly.type == pb.kCConvolution][0]
    assert (conv.convolution_conf.kernel, conv.convolution_conf.pad, conv.convolution_conf.num_filters) == (3, 1, 4)


def test_option_and_name():
    job = tiny(options={"job_name": "renamed", "checkpoint_path": "a/b,c/d", "debug": "true"})
    assert job.name == "renamed" and list(job.checkpoint_path) == ["a/b", "c/d"] and job.debug


# ------------------------------------------------------------------ 4. launch script

@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
@pytest.mark.parametrize("hosts", ["localhost", "node1,node2,node3"])
def test_launch_script_passes_bash_n(tmp_path, hosts):
    files = compile_model(str(SAMPLES / "cifar10_cnn.yaml"), "singa", options={"hosts": hosts}).files
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    r = subprocess.run(["bash", "-n", str(tmp_path / "cifar10_cnn.sh")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = files["cifar10_cnn.sh"].decode()
    assert "singa-run.sh" in text and "-conf" in text and "examples/cifar10" in text
    assert files["cifar10_cnn.hostfile"].decode().split() == hosts.split(",")
    assert ('cp "$hosts"' in text) == ("," in hosts)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_launch_script_refuses_without_singa_home(tmp_path):
    files = compile_model(str(SAMPLES / "mnist_mlp.yaml"), "singa").files
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    env = {"PATH": "/usr/bin:/bin"}
    r = subprocess.run(["bash", str(tmp_path / "mnist_mlp.sh")], capture_output=True, text=True, env=env)
    assert r.returncode == 1 and "SINGA_HOME" in r.stderr


# ------------------------------------------------------------------ 5. docs, packaging

def test_docs_mapping_table_and_running():
    doc = (REPO / "docs" / "targets" / "singa.md").read_text()
    assert "../ops.md#ops-by-target" in doc  # which ops: the generated table (tests/test_gendocs.py)
    for word in ("singa-run.sh", "hostfile", "SINGA_HOME", "kCD", "E510", "E511"):
        assert word in doc
    energy = (REPO / "docs" / "language-energy.md").read_text()
    assert "rbm(" in energy and "w_share" in energy and "algorithm: cd" in energy


def test_target_imports_fast():
    code = ("import sys, nncc.targets.singa as s; "
            "assert s.TARGET.mode == 'training' and s.TARGET.needs_train; "
            "bad = [m for m in ('nncc.targets.singa.emit', 'jinja2', 'onnx', 'numpy') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


# Every scalar field of `train` and of a data role, with a value that differs from the baseline
# (tests/test_singa.py's MLP, 2 epochs of 1,000 samples at batch 50); each must reach the job or be
# reported with its name (issue 16: batch-norm, fraction, keys and seed were dropped without a word).
DATA_WALK = {
    "format": "csv", "path": '"other.bin"', "labels": '"labels.txt"', "shuffle": "true", "shape": "[192]",
    "batch_size": "25", "transforms": "['scale(0.5)']", "fraction": "0.5", "validation_fraction": "0.1",
    "random_skip": "5", "backend": '"lmdb"', "samples": "2000", "has_label": "false", "sample_key": '"x"',
    "label_key": '"y"',
}
TRAIN_WALK = {
    "batch_size": "25", "epochs": "3", "steps": "10", "test_steps": "4", "test_every": "30",
    "validate_steps": "2", "validate_every": "1", "display_every": "5", "seed": "7", "algorithm": '"cd"',
    "dataset_size": "5000", "clip_norm": "1.0", "precision": "bf16", "clip_grad": "5", "mode": "test",
}


def _walk_job(text: str) -> tuple[str | None, list]:
    from nncc.diagnostics import CompileError

    try:
        r = compile_text(text)
    except CompileError as e:
        return None, e.diagnostics
    return named(r.files, ".conf").decode(), r.frontend.warnings


def test_the_walk_covers_every_field():
    from nncc.train import DATA_FIELDS, TRAIN_FIELDS

    assert set(DATA_WALK) == set(DATA_FIELDS)
    assert set(TRAIN_WALK) == {k for k, f in TRAIN_FIELDS.items() if f.kind != "special"}


@pytest.mark.parametrize("where,key", [("data", k) for k in DATA_WALK] + [("train", k) for k in TRAIN_WALK])
def test_no_setting_is_dropped_without_a_word(where, key):
    base_text = MLP.format(opt="sgd(lr=0.1)", more="  epochs: 2")
    if where == "data":
        text = base_text.replace('      path: "train.bin"\n', f'      path: "train.bin"\n      {key}: {DATA_WALK[key]}\n')
        text = text.replace('      path: "train.bin"\n      path: "other.bin"\n', '      path: "other.bin"\n')
    else:
        text = base_text.replace("  epochs: 2\n", f"  epochs: 2\n  {key}: {TRAIN_WALK[key]}\n") \
            if key not in ("epochs",) else base_text.replace("  epochs: 2\n", f"  epochs: {TRAIN_WALK[key]}\n")
    assert text != base_text
    base, _ = _walk_job(base_text)
    job, diagnostics = _walk_job(text)
    said = [d for d in diagnostics if key in d.message or (d.span is not None and key in text.splitlines()[
        d.span.line - 1])]
    assert job != base or said, f"{where}.{key} neither changed the job nor was reported"


def test_the_docs_map_or_refuse_every_op_of_the_registry():
    """docs/targets/singa.md is accurate (issue 16): every op SINGA's lowering table has is a row of its
    Layers table, no row names an op it lacks, and every other op of the registry is listed as refused."""
    import re

    from nncc import target as T
    from nncc.ops import public

    t = T.get("singa")
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "targets" / "singa.md").read_text(encoding="utf-8")
    layers = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = {n for line in layers.splitlines() if line.startswith("| `")
            for n in re.findall(r"`([a-z_0-9]+)`", line.split("|")[1])}
    refused_line = next(line for line in layers.splitlines() if "has no layer for" in line)
    refused = set(re.findall(r"`([a-z_0-9]+)`", refused_line.split("has no layer for", 1)[1].split(". How", 1)[0]))
    ops = {o.name for o in public()}
    mapped = {n for n in ops if t.supports(n)}
    assert mapped - rows == set(), "supported ops without a row in the Layers table"
    assert (rows & ops) - mapped == set(), "rows for ops SINGA's lowering table does not have"
    assert refused == ops - mapped, "the refused list differs from the registry minus the lowering table"
