"""The LBANN, SINGA and SMAUG back ends, fuzzed.

Models come from the existing strategies — the registry's valid chains and any-op calls
(test_registry.py), the mutated samples (test_mutations.py) — with a head and a `train`
section drawn from nncc's own train schemas (nncc/train.py: optimizers, schedules,
callbacks, data sources and transforms, distributed settings), and `targets:` options.
The property: diagnostics (as everywhere, see _common.py), or files the real system's
schema accepts, parsed with the project's protobuf modules, plus cheap checks of what
the schema cannot say:

* LBANN: the prototext parses as `LbannPB`; layer names are unique; every parent, child
  and weights name exists, parents and children agree; objective and metric layers exist;
  the launch script passes `bash -n`.
* SINGA: MODEL.conf parses as `JobProto` with every required field set; every source layer
  and `share_from` param exists; `train_steps` > 0; MODEL.sh passes `bash -n`.
* SMAUG: topo.pbtxt parses as `GraphProto` and params.pb as `TensorDataArray`; nodes are
  unique and in topological order; each input tensor is its parent's output (name, dims);
  every `Data` node's tensor has exactly its (aligned) number of values in params.pb, and
  params.pb holds nothing else.
"""
from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest
from google.protobuf import text_format
from hypothesis import given
from hypothesis import strategies as st
from nncc.targets.lbann import LOWER as LBANN_OPS
from nncc.targets.lbann import lbann_pb2
from nncc.targets.singa import LOWER as SINGA_OPS
from nncc.targets.singa import job_pb2
from nncc.targets.smaug import LOWER as SMAUG_OPS
from nncc.targets.smaug import graph_pb2

from nncc.train import CALLBACKS, DATA_FORMATS, OPTIMIZERS, SCHEDULES, TRANSFORMS, R

from ._common import dump_yaml, load_yaml, run
from .test_mutations import SAMPLES, SMALL, byte_mutants, token_mutants, yaml_mutants
from .test_registry import calls, chains

TARGETS = ("lbann", "singa", "smaug")


# ------------------------------------------------------------------ checks of the output

def _bash_n(script: bytes) -> None:
    r = subprocess.run(["bash", "-n"], input=script, capture_output=True, check=False)
    assert r.returncode == 0, r.stderr.decode()


def check_lbann(files: dict[str, bytes]) -> None:
    proto = [k for k in files if k.endswith(".prototext")]
    scripts = [k for k in files if k.endswith(".sh")]
    modules = [k for k in files if k.endswith("_data.py")]  # the Python reader's module (record files)
    assert len(proto) == 1 and len(scripts) == 1 and len(modules) <= 1, sorted(files)
    assert len(files) == 2 + len(modules), sorted(files)
    for m in modules:
        compile(files[m].decode(), m, "exec")  # whatever the model file says, the module is valid Python
    exp = text_format.Parse(files[proto[0]].decode(), lbann_pb2.LbannPB())
    layers = {}
    for lay in exp.model.layer:
        assert lay.name and lay.name not in layers, f"layer name {lay.name!r} empty or twice"
        assert lay.WhichOneof("layer_type"), f"layer {lay.name} has no type"
        layers[lay.name] = lay
    weights = {w.name for w in exp.model.weights}
    assert len(weights) == len(exp.model.weights), "weights named twice"
    for lay in layers.values():
        for p in lay.parents:
            assert p in layers, f"{lay.name}: parent {p!r} is not a layer"
            assert not layers[p].children or lay.name in layers[p].children, f"{p} -> {lay.name} one-sided"
        for c in lay.children:
            assert c in layers and lay.name in layers[c].parents, f"{lay.name}: child {c!r}"
        for w in lay.weights:
            assert w in weights, f"{lay.name}: weights {w!r} not defined"
    for t in exp.model.objective_function.layer_term:
        assert t.layer in layers, f"objective term {t.layer!r}"
    for m in exp.model.metric:
        assert m.layer_metric.layer in layers, f"metric {m.layer_metric.layer!r}"
    _bash_n(files[scripts[0]])


def check_singa(files: dict[str, bytes]) -> None:
    by_suffix = {os.path.splitext(k)[1]: v for k, v in files.items()}
    assert len(files) == 3 and set(by_suffix) == {".conf", ".hostfile", ".sh"}, sorted(files)
    job = text_format.Parse(by_suffix[".conf"].decode(), job_pb2.JobProto())
    assert job.IsInitialized(), job.FindInitializationErrors()
    assert job.train_steps > 0
    names = {lay.name for lay in job.neuralnet.layer}
    for phase in (job_pb2.kTrain, job_pb2.kVal, job_pb2.kTest):  # SINGA builds one net per phase
        net = [lay.name for lay in job.neuralnet.layer
               if (not lay.include or phase in lay.include) and phase not in lay.exclude]
        assert len(net) == len(set(net)), f"layer named twice in phase {job_pb2.Phase.Name(phase)}: {sorted(net)}"
    params = {p.name for lay in job.neuralnet.layer for p in lay.param}
    for lay in job.neuralnet.layer:
        for s in lay.srclayers:
            assert s in names, f"{lay.name}: source layer {s!r}"
        for p in lay.param:
            assert p.name, f"{lay.name}: unnamed param"
            assert not p.HasField("share_from") or p.share_from in params, f"{p.name}: share_from {p.share_from!r}"
    assert by_suffix[".hostfile"].strip(), "empty hostfile"
    _bash_n(by_suffix[".sh"])


def check_smaug(files: dict[str, bytes]) -> None:
    topo = [k for k in files if k.endswith("_topo.pbtxt")]
    assert len(topo) == 1 and len(files) == 2, sorted(files)
    graph = text_format.Parse(files[topo[0]].decode(), graph_pb2.GraphProto())
    params = graph_pb2.TensorDataArray.FromString(files[topo[0].replace("_topo.pbtxt", "_params.pb")])
    assert graph.backend in ("Reference", "SMV"), graph.backend
    # floats in the back end's type; integer inputs keep theirs
    dtypes = {graph_pb2.Float16 if graph.backend == "SMV" else graph_pb2.Float32, graph_pb2.Int32, graph_pb2.Int64,
              graph_pb2.Bool}
    seen: dict[str, graph_pb2.NodeProto] = {}
    data_tensors: dict[str, graph_pb2.TensorProto] = {}
    for n in graph.nodes:
        where = f"node {n.name} ({graph_pb2.OpType.Name(n.op)})"
        assert n.name and n.name not in seen, f"{where}: empty or twice"
        assert n.op != graph_pb2.UnknownOp, where
        assert len(n.src_tensors_indices) == len(n.parents), where
        for t in list(n.input_tensors) + list(n.output_tensors):
            assert t.shape.dims and all(d > 0 for d in t.shape.dims), f"{where}: {t.name} dims {list(t.shape.dims)}"
            assert t.data_type in dtypes, f"{where}: {t.name} dtype {graph_pb2.DataType.Name(t.data_type)}"
        if n.op == graph_pb2.Data:
            assert not n.parents and len(n.input_tensors) == 1, where
            data_tensors[n.input_tensors[0].name] = n.input_tensors[0]
        else:
            assert len(n.input_tensors) == len(n.parents), where
            for p, i, t in zip(n.parents, n.src_tensors_indices, n.input_tensors):
                assert p in seen, f"{where}: parent {p!r} missing or later"
                outs = seen[p].output_tensors
                assert 0 <= i < len(outs), f"{where}: output {i} of {p}"
                assert outs[i].name == t.name and list(outs[i].shape.dims) == list(t.shape.dims), \
                    f"{where}: input {t.name} {list(t.shape.dims)} is not {p}'s {outs[i].name} {list(outs[i].shape.dims)}"
        seen[n.name] = n
    by_name = {td.name: td for td in params.data_array}
    assert len(by_name) == len(params.data_array), "a tensor's data is in params.pb twice"
    assert set(by_name) == set(data_tensors), (sorted(by_name), sorted(data_tensors))
    for name, t in data_tensors.items():
        dims = list(t.shape.dims)
        a = t.shape.alignment
        count = int(np.prod(dims[:-1] + [dims[-1] + (-dims[-1]) % a if a else dims[-1]]))
        td = by_name[name]
        field = VALUES_FIELD[t.data_type]
        got = len(getattr(td, field)) * (2 if field == "half_data" else 1)  # two halves per int32
        assert got in (count, count + (count % 2 if field == "half_data" else 0)), \
            f"{name}: {got} values for {dims} (align {a})"
        assert sum(len(getattr(td, f)) for f in set(VALUES_FIELD.values())) == len(getattr(td, field)), name


VALUES_FIELD = {graph_pb2.Float16: "half_data", graph_pb2.Float32: "float_data", graph_pb2.Int32: "int_data",
                graph_pb2.Int64: "int64_data", graph_pb2.Bool: "bool_data"}


CHECK = {"lbann": check_lbann, "singa": check_singa, "smaug": check_smaug}


def compile_and_check(test: str, text: str | bytes, target: str, name: str = "fuzz.yaml") -> bool:
    res = run(test, text, target=target, name=name)
    if res is None:
        return False
    CHECK[target]({k: bytes(v) for k, v in res.files.items()})
    return True


# ------------------------------------------------------------------ train sections from the schemas

INT = st.sampled_from([1, 1, 2, 3, 5, 10, 100, 0, -1, 2 ** 31, 10 ** 12, 2 ** 64])  # beyond int32, int64
FLOAT = st.sampled_from([0.1, 0.5, 0.9, 0.01, 1.0, 0.0, 2.0, 1e-8, -0.5])
STR = st.sampled_from(["d", "dir/sub", "loss", "a b", "x"])
VALUE = {
    "int": INT, "float": FLOAT, "bool": st.booleans(), "str": STR,
    "ints": st.lists(st.sampled_from([0, 1, 2, 3, 8, 28, -1]), min_size=1, max_size=3),
    "floats": st.lists(FLOAT, min_size=1, max_size=3),
}
SAFE_FORMATS = {"lbann": ["npz", "npz", "mnist", "cifar10", "csv", "hdf5"], "singa": ["record", "record", "csv"],
                "smaug": list(DATA_FORMATS)}


def _call(name: str, args: dict) -> str:
    return f"{name}({', '.join(f'{k}={json_value(v)}' for k, v in args.items())})"


def json_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    return str(v) if not isinstance(v, list) else "[" + ", ".join(json_value(x) for x in v) + "]"


@st.composite
def setting(draw, table: dict, names: list[str] | None = None, required_only: bool = False) -> str:
    """One call of a schema table (optimizer, schedule, callback, transform), some fields given."""
    name = draw(st.sampled_from(names or sorted(table)))
    args = {}
    for k, f in table[name].items():
        if f.default is R or (not required_only and draw(st.integers(0, 3)) == 0):
            args[k] = draw(st.sampled_from(f.choices)) if f.kind == "choice" else draw(VALUE.get(f.kind, INT))
    return _call(name, args)


@st.composite
def data_source(draw, target: str, role: str) -> dict:
    fmt = draw(st.sampled_from(SAFE_FORMATS[target])) if draw(st.integers(0, 5)) else draw(st.sampled_from(DATA_FORMATS))
    src: dict = {"format": fmt, "path": draw(st.sampled_from(["d.npz", "data/mnist", "train.bin", "x.csv"]))}
    if role == "train" and draw(st.booleans()):
        src["samples"] = draw(st.sampled_from([1000, 60000, 7]))
    for k, strat in [("shuffle", st.booleans()), ("batch_size", INT), ("fraction", FLOAT),
                     ("validation_fraction", FLOAT), ("shape", VALUE["ints"]), ("has_label", st.booleans()),
                     ("labels", STR), ("random_skip", INT), ("backend", st.sampled_from(["kvfile", "lmdb"]))]:
        if draw(st.integers(0, 7)) == 0:
            src[k] = draw(strat)
    if draw(st.integers(0, 2)) == 0:
        src["transforms"] = draw(st.lists(setting(TRANSFORMS), max_size=3))
    return src


# settings each target can express, with values in range: most models use only these, so that they
# reach the emitter; the others draw anything from the schemas
PLAIN = {
    "lbann": {
        "optimizer": ["sgd(lr=0.1)", "sgd(lr=0.1, momentum=0.9, nesterov=true)", "sgd(lr=0.01, weight_decay=0.001)",
                      "nesterov(lr=0.1)", "adam(lr=0.001, beta2=0.99)", "adamw(lr=0.001)", "adagrad(lr=0.1)",
                      "rmsprop(lr=0.01, decay=0.8)"],
        "schedule": ["fixed()", "step(every=2, gamma=0.5)", 'step(every=100, gamma=0.5, unit="step")',
                     "multi_step(milestones=[1, 3])", "exponential(gamma=0.9)", "cosine(min_lr=0.0)", "poly(power=2.0)",
                     "warmup(epochs=1, start_lr=0.01)", "fixed_step(steps=[1, 2], values=[0.1, 0.01])"],
        "callbacks": ["print(every=2)", "timer()", 'checkpoint(every=1, dir="ck")', 'save_model(dir="m")',
                      "gpu_memory()", "debug()", 'summary(dir="s", every=5)'],
        "formats": ["npz"], "length": ["epochs"], "data_size": [None, 1000]},
    "singa": {
        "optimizer": ["sgd(lr=0.1)", "sgd(lr=0.1, momentum=0.9)", "nesterov(lr=0.1)", "adagrad(lr=0.1)",
                      "rmsprop(lr=0.01, decay=0.8)", "adadelta(rho=0.9)", "adam(lr=0.001)"],
        "schedule": ["fixed()", 'step(every=2, gamma=0.5, unit="epoch")', 'step(every=60, gamma=0.9, unit="step")',
                     "multi_step(milestones=[1, 2])", "exponential(gamma=0.5, every=7)",
                     "inverse(gamma=0.1, power=0.75)", "inverse_t(final_lr=50)", "linear(final_lr=0.01, every=100)"],
        "callbacks": ["print(every=2)", 'checkpoint(every=1, dir="ck")'],
        "formats": ["record", "csv"], "length": ["steps", "epochs"], "data_size": [1000]},
}


@st.composite
def train_section(draw, target: str, loss: str, metric: str | None) -> dict:
    t: dict = {"loss": loss}
    if metric and draw(st.booleans()):
        t["metrics"] = {"acc": metric}
    plain = PLAIN.get(target) if draw(st.integers(0, 3)) else None
    if plain is not None:  # mostly settings the target can express: reach the emitter
        t["optimizer"] = draw(st.sampled_from(plain["optimizer"]))
        if draw(st.booleans()):
            t["schedule"] = draw(st.sampled_from(plain["schedule"]))
        t["batch_size"] = draw(st.sampled_from([1, 8, 50, 100, 2 ** 31]))
        length = draw(st.sampled_from(plain["length"]))
        t[length] = draw(st.sampled_from([1, 2, 10, 3 * 10 ** 6] if length == "epochs" else [10, 1000, 3 * 10 ** 9]))
        src = {"format": draw(st.sampled_from(plain["formats"])), "path": "d.bin"}
        size = draw(st.sampled_from(plain["data_size"]))
        if size:
            src["samples"] = size
        t["data"] = {"train": src}
        if draw(st.booleans()):
            t["data"]["test"] = {"format": src["format"], "path": "t.bin"}
            if target == "singa":
                t["test_steps"], t["test_every"] = draw(st.sampled_from([1, 5])), draw(st.sampled_from([10, 30]))
        if draw(st.booleans()):
            t["display_every"] = draw(st.sampled_from([1, 10]))
        if draw(st.booleans()):
            t["seed"] = draw(st.integers(0, 9))
        if draw(st.booleans()):
            t["callbacks"] = draw(st.lists(st.sampled_from(plain["callbacks"]), max_size=3, unique=True))
        return t
    t["optimizer"] = draw(setting(OPTIMIZERS))
    if draw(st.integers(0, 2)) == 0:
        t["schedule"] = draw(setting(SCHEDULES))
    t["batch_size"] = draw(INT)
    length = draw(st.sampled_from(["epochs", "steps", "both", "none"]))
    if length in ("epochs", "both"):
        t["epochs"] = draw(INT)
    if length in ("steps", "both"):
        t["steps"] = draw(INT)
    for k in ["test_steps", "test_every", "validate_steps", "validate_every", "display_every", "seed", "dataset_size"]:
        if draw(st.integers(0, 4)) == 0:
            t[k] = draw(INT)
    roles = ["train"] + [r for r in ("test", "validate") if draw(st.integers(0, 2)) == 0]
    t["data"] = {r: draw(data_source(target, r)) for r in roles}
    if draw(st.integers(0, 2)) == 0:
        t["callbacks"] = draw(st.lists(setting(CALLBACKS), max_size=3))
    if draw(st.integers(0, 4)) == 0:
        t["checkpoint"] = draw(setting(CALLBACKS, ["checkpoint"]))
    if draw(st.integers(0, 3)) == 0:
        t["distributed"] = draw(st.fixed_dictionaries({}, optional={
            "nodes": INT, "procs_per_node": INT, "procs_per_trainer": INT, "gpus": VALUE["ints"],
            "worker_groups": INT, "server_groups": INT, "workers_per_group": INT, "workspace": STR}))
    if draw(st.integers(0, 5)) == 0:
        t["algorithm"] = draw(st.sampled_from(["bp", "cd", "bptt"]))
    return t


TARGET_OPTIONS = {
    "lbann": {"launcher": ["slurm", "flux", "mpirun"], "data_type": ["float", "double", "fp16"],
              "device": ["cpu", "gpu", "default"], "partition": ["pbatch"], "time": ["00:30:00", "1-02:00:00"]},
    "singa": {"device": ["cpu", "gpu", "auto"], "hosts": ["a,b", "localhost"], "debug": [True, False],
              "cd_k": [1, 3]},
    "smaug": {"backend": ["Reference", "SMV"], "mem_policy": ["AllDma", "AllAcp", "AllAcpWithDmaForWeights"],
              "batch": [1, 2, 2 ** 31]},
    "onnx": {"opset": [17, 18, 21], "external_data": ["auto", "always", "never"], "external_threshold": [0, 1024],
             "opt_level": [0, 1, 2], "ort_fusions": [True, False]},
}


# values no option may take through to a script or a file: newlines, quotes, $(), backticks, `;`,
# escape sequences, a leading dash, and integers beyond, at and around each field's range
HOSTILE_STR = ["a\ntouch /tmp/nncc-fuzz-pwned", "x'; touch /tmp/nncc-fuzz-pwned; '", "$(touch /tmp/nncc-fuzz-pwned)",
               "`touch /tmp/nncc-fuzz-pwned`", "a;b", "\x1b[31m", "-rf", "tiny\n", "a b", "", "x" * 300]
HOSTILE_INT = [0, -1, -5, 2 ** 31 - 1, 2 ** 31, 2 ** 63, 2 ** 64, -(2 ** 63) - 1]


@st.composite
def target_options(draw, target: str) -> dict:
    """Mostly values the target takes; one time in four, any option of the target with a hostile value."""
    opts = {k: draw(st.sampled_from(v)) for k, v in TARGET_OPTIONS[target].items() if draw(st.booleans())}
    if draw(st.integers(0, 3)) == 0:
        from nncc import target as T

        o = draw(st.sampled_from(T.get(target).options))
        opts[o.name] = draw(st.sampled_from(HOSTILE_INT if o.kind == "int" else HOSTILE_STR))
    return opts


@st.composite
def with_head_and_train(draw, base: str, target: str, last: str) -> str:
    """`base` (a registry model) with a classifier or regression head, a train section, options."""
    doc = load_yaml(base)
    classes = draw(st.integers(1, 10))
    head = draw(st.sampled_from(["classify", "regress", "none"]))
    if head == "classify" or (head == "none" and target != "smaug" and draw(st.booleans())):
        doc["inputs"]["label"] = "i64[N]"
        logits = "logits"
        if head == "classify":
            doc["graph"]["logits"] = f"{last} |> flatten |> linear({classes})"
        else:
            logits = last
        loss, metric = f"cross_entropy({logits}, label)", draw(st.sampled_from(
            [f"accuracy({logits}, label)", f"top_k_accuracy({logits}, label, k=2)"]))
    else:
        doc["inputs"]["target"] = f"f32[N, {classes}]"
        logits = "pred"
        doc["graph"]["pred"] = f"{last} |> flatten |> linear({classes})" if head == "regress" else last
        loss, metric = f"{draw(st.sampled_from(['mse', 'bce']))}({logits}, target)", None
    doc["outputs"] = [logits] + [o for o in doc["outputs"] if o != logits and draw(st.booleans())]
    if target != "smaug" or draw(st.integers(0, 4)) == 0:
        doc["train"] = draw(train_section(target, loss, metric))
    text = dump_yaml(doc, sort_keys=False)
    opts = draw(target_options(target))  # as JSON: strings quoted, which makes them strings to nncc
    return text + (f"targets:\n  {target}: {json.dumps(opts)}\n" if opts else "")


# ------------------------------------------------------------------ tests

@st.composite
def chain_models(draw):
    target = draw(st.sampled_from(TARGETS))
    text, _ = draw(chains())
    last = load_yaml(text)["outputs"][0]
    return target, draw(with_head_and_train(text, target, last))


@given(chain_models())
def test_valid_chains_on_targets(m):
    target, text = m
    compile_and_check(f"targets/valid-chains→{target}", text, target)


@st.composite
def call_models(draw):
    target = draw(st.sampled_from(TARGETS))
    text, _ = draw(calls())
    return target, draw(with_head_and_train(text, target, "out"))


@st.composite
def target_chains(draw):
    """The registry's valid chains of only the ops one target maps (its lowering table)."""
    target = draw(st.sampled_from(TARGETS))
    text, _ = draw(chains(TARGET_OPS[target]))
    return target, draw(with_head_and_train(text, target, load_yaml(text)["outputs"][0]))


TARGET_OPS = {"lbann": set(LBANN_OPS), "singa": set(SINGA_OPS), "smaug": set(SMAUG_OPS)}


@given(target_chains())
def test_target_chains(m):
    target, text = m
    compile_and_check(f"targets/target-chains→{target}", text, target)


@given(call_models())
def test_registry_calls_on_targets(m):
    target, text = m
    compile_and_check(f"targets/any-call→{target}", text, target)


@given(st.one_of(byte_mutants(), yaml_mutants(), token_mutants()), st.sampled_from(TARGETS))
def test_mutated_samples_on_targets(m, target):
    name, data = m
    if name in SMALL:
        compile_and_check(f"targets/mutants→{target}", data, target, name=name)


# ------------------------------------------------------------------ the checks can fail

SAMPLE_FOR = {"lbann": "lenet5.yaml", "singa": "mnist_mlp.yaml", "smaug": "lenet5_smaug.yaml"}
BREAK = {  # file suffix -> (text in the good output, what replaces it)
    "lbann": (".prototext", 'parents: "conv1"', 'parents: "conv_1"'),
    "singa": (".conf", 'srclayers: "', 'srclayers: "x'),
    "smaug": ("_topo.pbtxt", "dims: 28", "dims: 27"),
}


def test_checks_accept_the_samples_and_reject_broken_output():
    for target, sample in SAMPLE_FOR.items():
        res = run(f"targets/samples→{target}", SAMPLES[sample], target=target, name=sample)
        files = {k: bytes(v) for k, v in res.files.items()}
        CHECK[target](files)
        suffix, good, bad = BREAK[target]
        key = next(k for k in files if k.endswith(suffix))
        assert good.encode() in files[key], (target, good)
        broken = dict(files, **{key: files[key].replace(good.encode(), bad.encode(), 1)})
        with pytest.raises(AssertionError):
            CHECK[target](broken)
