"""The `train` section's schema and its checked form.

The tables (optimizers, schedules, callbacks, transforms, data and train fields) say what each
call-like setting takes; `check_value` checks a value against a field's kind; `Config`,
`DataSource` and `TrainConfig` are what nncc/train.py's reader builds and targets read.
"""
from __future__ import annotations

from typing import Any

from .diagnostics import Span
from .ir import Node
from .record import FrozenRecord, Record

R = object()  # required


class F(FrozenRecord):
    """A field of a schema: kind (int, float, bool, str, ints, floats, list, any, choice) and default."""

    kind: str
    default: Any
    choices: tuple
    doc: str
    __slots__ = ("kind", "default", "choices", "doc")

    def __init__(self, kind: str, default: Any = None, choices: tuple = (), doc: str = "") -> None:
        self.kind = kind
        self.default = default
        self.choices = choices
        self.doc = doc


OPTIMIZERS: dict[str, dict[str, F]] = {
    "sgd": {"lr": F("float", R), "momentum": F("float", 0.0), "weight_decay": F("float", 0.0),
            "nesterov": F("bool", False), "dampening": F("float", 0.0)},
    "nesterov": {"lr": F("float", R), "momentum": F("float", 0.9), "weight_decay": F("float", 0.0)},
    "adagrad": {"lr": F("float", R), "eps": F("float", 1e-8), "weight_decay": F("float", 0.0)},
    "rmsprop": {"lr": F("float", R), "decay": F("float", 0.9), "eps": F("float", 1e-8),
                "momentum": F("float", 0.0), "weight_decay": F("float", 0.0)},
    "adadelta": {"lr": F("float", 1.0), "rho": F("float", 0.95), "eps": F("float", 1e-6),
                 "weight_decay": F("float", 0.0)},
    "adam": {"lr": F("float", 1e-3), "beta1": F("float", 0.9), "beta2": F("float", 0.999),
             "eps": F("float", 1e-8), "weight_decay": F("float", 0.0)},
    "adamw": {"lr": F("float", 1e-3), "beta1": F("float", 0.9), "beta2": F("float", 0.999),
              "eps": F("float", 1e-8), "weight_decay": F("float", 0.01)},
}

SCHEDULES: dict[str, dict[str, F]] = {
    "fixed": {},
    "step": {"every": F("int", R), "gamma": F("float", 0.1), "unit": F("choice", "epoch", ("epoch", "step"))},
    "multi_step": {"milestones": F("ints", R), "gamma": F("float", 0.1),
                   "unit": F("choice", "epoch", ("epoch", "step"))},
    "fixed_step": {"steps": F("ints", R), "values": F("floats", R)},
    "exponential": {"gamma": F("float", R), "every": F("int", 1), "unit": F("choice", "step", ("epoch", "step"))},
    "inverse": {"gamma": F("float", R), "power": F("float", R)},
    "inverse_t": {"final_lr": F("float", R)},
    "linear": {"final_lr": F("float", R), "every": F("int", R)},
    "cosine": {"min_lr": F("float", 0.0), "epochs": F("int", None), "steps": F("int", None)},
    "poly": {"power": F("float", 1.0), "epochs": F("int", None), "steps": F("int", None)},
    "warmup": {"epochs": F("int", None), "steps": F("int", None), "start_lr": F("float", 0.0)},
}

CALLBACKS: dict[str, dict[str, F]] = {
    "print": {"every": F("int", 1)},
    "timer": {},
    "checkpoint": {"every": F("int", 1), "dir": F("str", "checkpoint"), "unit": F("choice", "epoch",
                                                                                 ("epoch", "step")),
                   "after": F("int", 0)},
    "save_model": {"dir": F("str", "model")},
    "early_stopping": {"metric": F("str", R), "patience": F("int", 5)},
    "gpu_memory": {},
    "summary": {"dir": F("str", "summaries"), "every": F("int", 1)},
    "debug": {},
    "describe": {},  # print the model's layers, weights and settings before training
    # ×gamma when the training loss has not improved for more than `patience` epochs
    "reduce_on_plateau": {"gamma": F("float", 0.1), "patience": F("int", 10)},
}

TRANSFORMS: dict[str, dict[str, F]] = {
    "normalize": {"mean": F("floats", R), "std": F("floats", R)},
    "scale": {"factor": F("float", R)},
    "random_crop": {"size": F("ints", R), "pad": F("int", 0)},
    "random_resized_crop": {"size": F("ints", R), "min_scale": F("float", 0.08), "max_scale": F("float", 1.0),
                            "min_ratio": F("float", 0.75), "max_ratio": F("float", 4 / 3)},
    "color_jitter": {"brightness": F("float", 0.0), "contrast": F("float", 0.0), "saturation": F("float", 0.0),
                     "hue": F("float", 0.0)},
    "center_crop": {"size": F("ints", R)},
    "horizontal_flip": {"p": F("float", 0.5)},
    "vertical_flip": {"p": F("float", 0.5)},
    "resize": {"size": F("ints", R)},
    "mean_file": {"path": F("str", R)},
    "to_float": {},
}

DATA_FORMATS = ("mnist", "cifar10", "imagenet", "csv", "npz", "hdf5", "record", "text")
DATA_FIELDS: dict[str, F] = {
    "format": F("choice", R, DATA_FORMATS), "path": F("str", R), "labels": F("str", None),
    "shuffle": F("bool", None), "shape": F("ints", None), "batch_size": F("int", None),
    "transforms": F("list", []), "fraction": F("float", None), "validation_fraction": F("float", None),
    "random_skip": F("int", None), "backend": F("str", None), "samples": F("int", None),
    "has_label": F("bool", True), "sample_key": F("str", None), "label_key": F("str", None),
}
DATA_ROLES = ("train", "validate", "test")

DISTRIBUTED_FIELDS: dict[str, F] = {
    "nodes": F("int", 1), "procs_per_node": F("int", 1), "procs_per_trainer": F("int", None),
    "gpus": F("ints", None), "worker_groups": F("int", None), "server_groups": F("int", None),
    "workers_per_group": F("int", None), "servers_per_group": F("int", None),
    "workers_per_proc": F("int", None), "servers_per_proc": F("int", None),
    "separate_servers": F("bool", None), "workspace": F("str", None), "sync_freq": F("int", None),
    "partition_dim": F("int", None, doc="split every layer of the net across a group's workers: 0 the batch "
                       "(data parallel), 1 the features (model parallel)"),
    "partition": F("special", doc="per graph name, the dim its layer is split on (overrides partition_dim)"),
}

TRAIN_FIELDS: dict[str, F] = {
    "loss": F("special"), "metrics": F("special"), "optimizer": F("special"), "schedule": F("special"),
    "batch_size": F("int", R), "epochs": F("int", None), "steps": F("int", None),
    "test_steps": F("int", None), "test_every": F("int", None), "validate_steps": F("int", None),
    "validate_every": F("int", None), "display_every": F("int", None), "seed": F("int", None),
    "data": F("special"), "callbacks": F("special"), "distributed": F("special"),
    "checkpoint": F("special"), "algorithm": F("choice", None, ("bp", "cd", "bptt")),
    "dataset_size": F("int", None),
    "clip_norm": F("float", None, doc="clip the gradients' global L2 norm to this before each update"),
    "precision": F("choice", None, ("fp32", "bf16", "fp16"), doc="mixed precision of forward and backward"),
    "stages": F("special"),
    "clip_grad": F("floats", None, doc="clip every gradient element to [-c, c] (one number) or [low, high]"),
    "phases": F("special", doc="the phases (train, validate, test) in which `loss` or a named metric is computed"),
    "mode": F("choice", "train", ("train", "test"), doc="test: a job that only evaluates given weights, "
              "`test_steps` batches (no optimizer; the loss is optional)"),
    "feedback": F("special", doc="{input, from, low=0, high}: in a test job, the graph input `input` is, from the "
                  "second step on, the output `from` of the step before; at the first step, uniform in [low, high)"),
    "write": F("special", doc="{output: writer}: in a test job, write an output's rows after each step: csv(path), "
               "records(path, backend), text(vocab)"),
}
# `train.feedback` (a test job that generates, step by step) and `train.write`'s writers.
FEEDBACK_FIELDS: dict[str, F] = {"input": F("str", R), "from": F("str", R), "low": F("float", 0.0),
                                 "high": F("float", R)}
WRITERS: dict[str, dict[str, F]] = {
    "csv": {"path": F("str", R)},  # one line per sample, its values separated by commas
    "records": {"path": F("str", R), "backend": F("str", None)},  # one record per sample, in a record store
    "text": {"vocab": F("str", R)},  # each index as the character at that place of the vocabulary file
}
PHASES = ("train", "validate", "test")

# A stage of `train.stages`: a stretch of training with its own optimizer, schedule and frozen weights.
STAGE_FIELDS: dict[str, F] = {
    "name": F("str", None), "epochs": F("int", None), "steps": F("int", None),
    "optimizer": F("special"), "schedule": F("special"), "freeze": F("special"),
}

# Settings only some training targets carry out: a target lists those it has (Target.train_features);
# the driver reports the others as E510 at their line (nncc.driver.check_train_features).
OPTIONAL_FEATURES = ("clip_norm", "precision", "stages", "clip_grad", "phases", "mode", "feedback", "write")


class Config(Record):
    """A checked call-like setting: `sgd(lr=0.1)` becomes Config("sgd", {...})."""

    name: str
    args: dict[str, Any]
    span: Span | None
    given: tuple[str, ...]
    __slots__ = ("name", "args", "span", "given")

    def __init__(self, name: str, args: dict[str, Any], span: Span | None = None, given: tuple[str, ...] = ()) -> None:
        self.name = name
        self.args = args
        self.span = span
        self.given = given

    def __getitem__(self, k: str) -> Any:
        return self.args[k]

    def get(self, k: str, default: Any = None) -> Any:
        v = self.args.get(k, default)
        return default if v is None else v


class DataSource(Record):
    role: str
    fields: dict[str, Any]
    transforms: list[Config]
    span: Span | None
    field_spans: dict[str, Span]
    __slots__ = ("role", "fields", "transforms", "span", "field_spans")

    def __init__(self, role: str, fields: dict[str, Any], transforms: list[Config], span: Span | None = None,
                 field_spans: dict[str, Span] | None = None) -> None:
        self.role = role
        self.fields = fields
        self.transforms = transforms
        self.span = span
        self.field_spans = {} if field_spans is None else field_spans

    @property
    def format(self) -> str:
        return self.fields["format"]

    @property
    def path(self) -> str:
        return self.fields["path"]


class Stage(Record):
    """One stage of `train.stages`, its settings filled from the section where the stage leaves them out.

    A stage trains as a train section of its own would: a fresh optimizer at its start, its schedule
    counted from its start over its length, the weights matched by `freeze` held fixed.
    """

    name: str
    epochs: int | None
    steps: int | None
    optimizer: Config | None
    schedule: Config | None
    warmup: Config | None
    freeze: list[tuple[str, Span | None]]  # globs as written, with their spans
    frozen: list[str]  # the weight names they match (after shape inference)
    span: Span | None
    spans: dict[str, Span]
    __slots__ = ("name", "epochs", "steps", "optimizer", "schedule", "warmup", "freeze", "frozen", "span", "spans")

    def __init__(self, name: str, epochs: int | None, steps: int | None, optimizer: Config | None,
                 schedule: Config | None, warmup: Config | None,
                 freeze: list[tuple[str, Span | None]] | None = None,
                 frozen: list[str] | None = None, span: Span | None = None,
                 spans: dict[str, Span] | None = None) -> None:
        self.name = name
        self.epochs = epochs
        self.steps = steps
        self.optimizer = optimizer
        self.schedule = schedule
        self.warmup = warmup
        self.freeze = [] if freeze is None else freeze
        self.frozen = [] if frozen is None else frozen
        self.span = span
        self.spans = {} if spans is None else spans

    @property
    def length(self) -> int:
        return int(self.epochs if self.epochs is not None else self.steps or 0)


class TrainConfig(Record):
    losses: list[Node]
    loss_scales: dict[str, float]  # loss node name -> its weight in the sum (not 1)
    metrics: dict[str, Node]
    optimizer: Config | None
    schedule: Config | None  # the schedule; after `warmup` when one is given
    warmup: Config | None  # `schedule: [warmup(...), other(...)]`: the warm-up before `schedule`
    batch_size: int
    epochs: int | None
    steps: int | None
    settings: dict[str, Any]  # the other scalar fields
    data: dict[str, DataSource]
    callbacks: list[Config]
    checkpoint: Config | None
    distributed: dict[str, Any]
    stages: list[Stage]
    spans: dict[str, Span]
    __slots__ = ("losses", "loss_scales", "metrics", "optimizer", "schedule", "warmup", "batch_size", "epochs", "steps",
                 "settings", "data", "callbacks", "checkpoint", "distributed", "stages", "spans")

    def __init__(self, losses: list[Node] | None = None, loss_scales: dict[str, float] | None = None,
                 metrics: dict[str, Node] | None = None, optimizer: Config | None = None,
                 schedule: Config | None = None, warmup: Config | None = None, batch_size: int = 1,
                 epochs: int | None = None, steps: int | None = None, settings: dict[str, Any] | None = None,
                 data: dict[str, DataSource] | None = None, callbacks: list[Config] | None = None,
                 checkpoint: Config | None = None, distributed: dict[str, Any] | None = None,
                 stages: list[Stage] | None = None, spans: dict[str, Span] | None = None) -> None:
        self.losses = [] if losses is None else losses
        self.loss_scales = {} if loss_scales is None else loss_scales
        self.metrics = {} if metrics is None else metrics
        self.optimizer = optimizer
        self.schedule = schedule
        self.warmup = warmup
        self.batch_size = batch_size
        self.epochs = epochs
        self.steps = steps
        self.settings = {} if settings is None else settings
        self.data = {} if data is None else data
        self.callbacks = [] if callbacks is None else callbacks
        self.checkpoint = checkpoint
        self.distributed = {} if distributed is None else distributed
        self.stages = [] if stages is None else stages
        self.spans = {} if spans is None else spans

    def get(self, k: str, default: Any = None) -> Any:
        v = self.settings.get(k)
        return default if v is None else v


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_value(kind: str, v: Any, choices: tuple = ()) -> tuple[bool, Any, str]:
    """Check and normalise a value for a schema kind; returns (ok, value, expected)."""
    if kind == "int":
        return (isinstance(v, int) and not isinstance(v, bool)), v, "an integer"
    if kind == "float":
        return _is_num(v), float(v) if _is_num(v) else v, "a number"
    if kind == "bool":
        return isinstance(v, bool), v, "true or false"
    if kind == "str":
        return isinstance(v, str), v, "a string"
    if kind == "choice":
        return v in choices, v, "one of " + ", ".join(map(str, choices))
    if kind == "ints":
        if isinstance(v, int) and not isinstance(v, bool):
            v = [v]
        ok = isinstance(v, (list, tuple)) and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
        return ok, list(v) if ok else v, "a list of integers"
    if kind == "floats":
        if _is_num(v):
            v = [v]
        ok = isinstance(v, (list, tuple)) and all(_is_num(x) for x in v)
        return ok, [float(x) for x in v] if ok else v, "a list of numbers"
    if kind == "list":
        return isinstance(v, list), v, "a list"
    return True, v, "a value"
