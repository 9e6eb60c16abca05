"""The rules LBANN enforces when it reads an experiment and sets it up, as checks over what nncc
wrote.

Parsing under LBANN's schema is not enough: LBANN's factories, layers and data readers refuse
experiments at start-up, on the cluster, for reasons the schema cannot say. Each rule here is
one of those refusals (where in LBANN's C++ it comes from is in its `source`). The emitter is
written so that none of them fires, and gives a diagnostic at the user's line where LBANN has no
way to say what the model says; `check` runs on every experiment it writes, so a mistake in the
emitter stops at compile time instead of on the cluster. docs/targets/lbann.md lists the rules.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from . import lbann_pb2 as pb


@dataclass(frozen=True)
class Rule:
    name: str
    says: str  # what LBANN requires
    source: str  # where LBANN enforces it
    check: Callable[[pb.LbannPB], Iterator[str]]


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    layer: str | None = None  # the layer it concerns, when one does


def _kind(lay: pb.Layer) -> str | None:
    return lay.WhichOneof("layer_type")


def _reader_size(exp: pb.LbannPB) -> Iterator[str]:
    for r in exp.data_reader.reader:
        if r.fraction_of_data_to_use <= 0 and r.absolute_sample_count <= 0:
            yield f"reader `{r.name}` ({r.role}) sets neither fraction_of_data_to_use nor absolute_sample_count"
        elif r.fraction_of_data_to_use > 0 and r.absolute_sample_count > 0:
            yield f"reader `{r.name}` ({r.role}) sets both fraction_of_data_to_use and absolute_sample_count"


TRAINER_ONLY = ("checkpoint",)


def _trainer_callbacks(exp: pb.LbannPB) -> Iterator[str]:
    for cb in exp.model.callback:
        kind = cb.WhichOneof("callback_type")
        if kind in TRAINER_ONLY:
            yield f"callback `{kind}` is under the model; only the trainer's callbacks may hold it"


def _one_operator(exp: pb.LbannPB) -> Iterator[str]:
    for lay in exp.model.layer:
        if _kind(lay) == "operator_layer" and len(lay.operator_layer.ops) != 1:
            yield f"operator layer `{lay.name}` holds {len(lay.operator_layer.ops)} operators"


def _input_datatype(exp: pb.LbannPB) -> Iterator[str]:
    for lay in exp.model.layer:
        if _kind(lay) == "input" and lay.datatype not in (pb.DEFAULT_DATATYPE, pb.FLOAT):
            yield f"input layer `{lay.name}` has datatype {pb.DataType.Name(lay.datatype)}"


FLOAT_OR_DOUBLE = ("layer_norm", "channelwise_softmax")


def _float_layers(exp: pb.LbannPB) -> Iterator[str]:
    for lay in exp.model.layer:
        if _kind(lay) in FLOAT_OR_DOUBLE and lay.datatype == pb.FP16:
            yield f"{_kind(lay)} layer `{lay.name}` is fp16"


def _graph(exp: pb.LbannPB) -> Iterator[str]:
    names: dict[str, pb.Layer] = {}
    for lay in exp.model.layer:
        if lay.name in names:
            yield f"two layers are named `{lay.name}`"
        names[lay.name] = lay
    for lay in exp.model.layer:
        for p in lay.parents:
            if p not in names:
                yield f"layer `{lay.name}` has parent `{p}`, which is not a layer"
            elif list(names[p].children).count(lay.name) != list(lay.parents).count(p):
                yield f"layer `{p}` does not list `{lay.name}` among its children as often as it is its parent"
        for c in lay.children:
            if c not in names:
                yield f"layer `{lay.name}` has child `{c}`, which is not a layer"


def _slice_children(exp: pb.LbannPB) -> Iterator[str]:
    for lay in exp.model.layer:
        if _kind(lay) == "slice" and len(lay.children) != len(lay.slice.slice_points) - 1:
            yield (f"slice layer `{lay.name}` makes {len(lay.slice.slice_points) - 1} slice(s) but has "
                   f"{len(lay.children)} children")


def _weights(exp: pb.LbannPB) -> Iterator[str]:
    defined: set[str] = set()
    for w in exp.model.weights:
        if w.name in defined:
            yield f"two weights are named `{w.name}`"
        defined.add(w.name)
    for lay in exp.model.layer:
        for w in lay.weights:
            if w not in defined:
                yield f"layer `{lay.name}` uses weights `{w}`, which are not defined"


def _objective(exp: pb.LbannPB) -> Iterator[str]:
    names = {lay.name for lay in exp.model.layer}
    for t in exp.model.objective_function.layer_term:
        if t.layer not in names:
            yield f"the objective's term names layer `{t.layer}`, which is not a layer"
    for m in exp.model.metric:
        if m.HasField("layer_metric") and m.layer_metric.layer not in names:
            yield f"metric `{m.layer_metric.name}` names layer `{m.layer_metric.layer}`, which is not a layer"


def _cifar10_roles(exp: pb.LbannPB) -> Iterator[str]:
    for r in exp.data_reader.reader:
        if r.name == "cifar10" and r.role not in ("train", "test"):
            yield f"the CIFAR-10 reader has role `{r.role}`; it reads train and test only"


def _early_stopping(exp: pb.LbannPB) -> Iterator[str]:
    if not any(cb.HasField("early_stopping") for cb in exp.model.callback):
        return
    readers = exp.data_reader.reader
    if readers and not any(r.role == "validate" or (r.role == "train" and r.validation_fraction > 0)
                           for r in readers):
        yield "early stopping watches the validation objective, and no reader gives validation data"


def _python_samples(exp: pb.LbannPB) -> Iterator[str]:
    readers = exp.data_reader.reader
    if not any(r.name == "python" for r in readers):
        return
    for r in readers:
        if r.name == "python" and not (r.python.module and r.python.sample_function and
                                       r.python.num_samples_function and r.python.sample_dims_function):
            yield f"Python reader ({r.role}) does not name its module and its three functions"
    for lay in exp.model.layer:
        if _kind(lay) == "input" and lay.input.data_field != "samples":
            yield f"input layer `{lay.name}` reads `{lay.input.data_field}`, and a Python reader gives samples only"


RULES: tuple[Rule, ...] = (
    Rule("reader-size", "every data reader uses either a fraction of its data or a sample count, not both",
         "src/data_ingestion/data_reader.cpp (error_check_counts: \"exactly one must be zero\"; \"it's impossible "
         "to be here\"), src/proto/proto_common.cpp",
         _reader_size),
    Rule("trainer-callbacks", "checkpoint callbacks belong to the trainer",
         "src/proto/factories/callback_factory.cpp (\"Unknown id\" from the model's factory)", _trainer_callbacks),
    Rule("one-operator", "an operator layer holds exactly one operator", "src/layers/operator_layer_impl.hpp",
         _one_operator),
    Rule("input-datatype", "input layers are built in LBANN's default data type only",
         "src/layers/io/input_layer.cpp (\"Input layers are only valid with TensorDataType == DataType\")",
         _input_datatype),
    Rule("float-layers", "layer_norm and channelwise_softmax exist in float and double only",
         "src/layers/regularizers/layer_norm.cpp, src/layers/activations/channelwise_softmax.cpp", _float_layers),
    Rule("graph", "layer names are unique, and parents and children name layers and mirror each other",
         "src/models/model.cpp (setup_layer_topology)", _graph),
    Rule("slice-children", "a slice layer has one child per slice", "src/layers/transform/slice.cpp",
         _slice_children),
    Rule("weights", "the weights a layer names are defined once", "src/proto/factories/model_factory.cpp",
         _weights),
    Rule("objective", "objective terms and layer metrics name layers of the model",
         "src/proto/factories/objective_function_factory.cpp, metric factory", _objective),
    Rule("cifar10-roles", "the CIFAR-10 reader reads the train and test sets only",
         "src/data_ingestion/readers/data_reader_cifar10.cpp", _cifar10_roles),
    Rule("python-samples", "a Python data reader names its module and functions, and gives the samples only "
         "(labels travel inside them)", "src/data_ingestion/readers/data_reader_python.cpp (fetch_label fills "
         "nothing), src/proto/proto_common.cpp", _python_samples),
    Rule("early-stopping", "early stopping has validation data to watch", "src/callbacks/early_stopping.cpp",
         _early_stopping),
)


def check(exp: pb.LbannPB) -> list[Violation]:
    """Every rule LBANN would enforce at start-up that `exp` breaks."""
    out = []
    for rule in RULES:
        for message in rule.check(exp):
            layer = message.split("`")[1] if message.count("`") >= 2 else None
            out.append(Violation(rule.name, message, layer))
    return out
