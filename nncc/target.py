"""What a back end declares (lowering table, options, pipeline) and how targets are found.

A target is a plug-in: an object with the attributes of `Target`, registered under
the entry-point group `nncc.targets` (the built-in ones are in `targets/`, which
installs as `nncc.targets`). Target modules must import quickly: heavy libraries
(onnx, protobuf, numpy-heavy code) are imported inside `emit`.

A target's `Lowering` table maps each op it can write to the rule that writes it,
and is its capability table: an op missing from it is E501. Rules are named
(functions of the target's emitter module, imported only when emitting) or given
as callables (a plug-in adding an op: docs/adding-an-op.md).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Union

from .record import FrozenRecord, Record

if TYPE_CHECKING:
    from .ir import Graph
    from .model import Model
    from .output import Stream
    from .train import TrainConfig

BUILTIN = ("onnx", "lbann", "singa", "smaug", "pytorch")


INT32_MAX = 2 ** 31 - 1


class Option(FrozenRecord):
    """A target option: `kind` int | float | bool | str | choice; an int lies in [lo, hi] (the range
    of the field it goes to), a str is checked as `text` says (nncc/quoting.py: word | path |
    hosts | text)."""
    name: str
    kind: str
    default: Any
    help: str
    choices: tuple
    lo: int
    hi: int
    text: str
    __slots__ = ("name", "kind", "default", "help", "choices", "lo", "hi", "text")

    def __init__(self, name: str, kind: str, default: Any, help: str = "", choices: tuple = (), lo: int = 0,
                 hi: int = INT32_MAX, text: str = "text") -> None:
        self.name = name
        self.kind = kind
        self.default = default
        self.help = help
        self.choices = choices
        self.lo = lo
        self.hi = hi
        self.text = text

    def problem(self, value: Any) -> str | None:
        """Why `value` (already of the option's kind) is refused, or None."""
        if self.kind == "int" and not self.lo <= value <= self.hi:
            return f"must be in {self.lo}..{self.hi}, got {value}"
        if self.kind == "str":
            from .quoting import value_problem

            return value_problem(self.text, value)
        return None


class Rule(FrozenRecord):
    """A lowering rule by name: `factory(*args, **kwargs)` of the emitter module, or the function itself."""

    name: str
    args: tuple
    kwargs: tuple[tuple[str, Any], ...]
    __slots__ = ("name", "args", "kwargs")

    def __init__(self, name: str, args: tuple = (), kwargs: tuple[tuple[str, Any], ...] = ()) -> None:
        self.name = name
        self.args = args
        self.kwargs = kwargs

    def resolve(self, module: Any) -> Callable:
        fn = _function(module, self.name)
        return fn(*self.args, **dict(self.kwargs)) if self.args or self.kwargs else fn


def _function(module: Any, name: str) -> Callable:
    """`name` in `module`, or `sub.name` in the module `sub` beside it (a target's rules split by concern)."""
    if "." in name:
        sub, _, name = name.rpartition(".")
        module = importlib.import_module(f"{module.__name__.rpartition('.')[0]}.{sub}")
    return getattr(module, name)


def rule(name: str, *args: Any, **kwargs: Any) -> Rule:
    """An entry of a lowering table that calls the emitter's factory `name` with (plain-data) arguments."""
    return Rule(name, args, tuple(kwargs.items()))


RuleRef = Union[str, Rule, Callable]


class Lowering(dict):
    """op -> rule: what a target writes for each op it supports (its capability table).

    A rule is the name of a function in `module` (str; `sub.name` for one in the module `sub`
    beside it), a `rule(...)`, or a callable
    taking (emitter, node). Names resolve when the emitter first asks, so building
    the table imports nothing heavy.
    """

    def __init__(self, module: str, rules: Mapping[str, RuleRef]):
        super().__init__(rules)
        self.module = module
        self._resolved: dict[str, Callable] = {}

    def __setitem__(self, op: str, r: RuleRef) -> None:
        super().__setitem__(op, r)
        self._resolved.pop(op, None)

    def get_rule(self, op: str) -> Callable | None:
        """The callable that lowers `op` (None when the target has no rule for it)."""
        if op not in self:
            return None
        if op not in self._resolved:
            r = self[op]
            mod = importlib.import_module(self.module)
            self._resolved[op] = (_function(mod, r) if isinstance(r, str) else
                                  r.resolve(mod) if isinstance(r, Rule) else r)
        return self._resolved[op]


class EmitContext(Record):
    model: "Model"
    train: "TrainConfig | None"
    options: dict[str, Any]
    seed: int
    weights_path: str | None
    stem: str
    bag: Any
    __slots__ = ("model", "train", "options", "seed", "weights_path", "stem", "bag")

    def __init__(self, model: "Model", train: "TrainConfig | None", options: dict[str, Any], seed: int = 0,
                 weights_path: str | None = None, stem: str = "model", bag: Any = None) -> None:
        self.model = model
        self.train = train
        self.options = options
        self.seed = seed
        self.weights_path = weights_path
        self.stem = stem
        self.bag = bag


class Target(Record):
    name: str
    description: str
    options: list[Option]
    lowering: Lowering | None  # the lowering table, which is the capability table (None: takes every op)
    mode: str  # inference | training
    needs_weights: bool
    weights_optional: bool  # writes weight values only when --weights gives them (else its runtime draws)
    # the emitter takes weights still lazy (Weight.lazy) and writes them as a Stream (nncc/output.py)
    streams_weights: bool
    needs_train: bool
    pipeline: tuple[str, ...]
    emitter: str  # "module:function" — imported only when emitting
    layouts: Any  # LayoutTable, or options -> LayoutTable, for the insert-layouts pass
    fusions: Any  # fuse-pass Patterns, or options -> Patterns
    summary: Any  # Result -> str: `nncc summary --target` shows the graph as the target sees it
    # a target that writes one file names its suffix (ONNX: ".onnx"): `-o NAME.onnx` and `-o -` then
    # name that file (nncc/placement.py); a target that writes several files always writes a directory
    file_suffix: str
    train_features: tuple[str, ...]  # the train settings of nncc.train.OPTIONAL_FEATURES it carries out
    __slots__ = ("name", "description", "options", "lowering", "mode", "needs_weights", "weights_optional",
                 "streams_weights", "needs_train", "pipeline", "emitter", "layouts", "fusions", "summary",
                 "file_suffix", "train_features")

    def __init__(self, name: str, description: str, options: list[Option] | None = None,
                 lowering: Lowering | None = None, mode: str = "inference", needs_weights: bool = False,
                 weights_optional: bool = False, streams_weights: bool = False, needs_train: bool = False,
                 pipeline: tuple[str, ...] = ("dce",), emitter: str = "", layouts: Any = None, fusions: Any = (),
                 summary: Any = None, file_suffix: str = "", train_features: tuple[str, ...] = ()) -> None:
        self.name = name
        self.description = description
        self.options = [] if options is None else options
        self.lowering = lowering
        self.mode = mode
        self.needs_weights = needs_weights
        self.weights_optional = weights_optional
        self.streams_weights = streams_weights
        self.needs_train = needs_train
        self.pipeline = pipeline
        self.emitter = emitter
        self.layouts = layouts
        self.fusions = fusions
        self.summary = summary
        self.file_suffix = file_suffix
        self.train_features = train_features

    def emit(self, g: "Graph", ctx: EmitContext) -> dict[str, bytes | Stream]:
        mod, _, fn = self.emitter.partition(":")
        return getattr(importlib.import_module(mod), fn)(g, ctx)

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def supports(self, op: str) -> bool:
        """Whether the target can write `op`. An inference target drops training heads (losses, metrics)."""
        if self.lowering is None or op in self.lowering:
            return True
        from .ops import REGISTRY

        o = REGISTRY.get(op)
        return self.mode == "inference" and o is not None and o.kind != "layer"

    def supported(self) -> list[str]:
        """The ops a model may call by name that the target supports, sorted."""
        from .ops import public

        return [o.name for o in public() if o.kind == "layer" and self.supports(o.name)]


_CACHE: dict[str, Target] = {}


def available() -> list[str]:
    names = set()
    for n in BUILTIN:
        if _try_load(n) is not None:
            names.add(n)
    for ep in _entry_points():
        names.add(ep.name)
    return sorted(names, key=lambda n: (BUILTIN.index(n) if n in BUILTIN else 99, n))


def _entry_points():
    try:
        from importlib.metadata import entry_points

        return list(entry_points(group="nncc.targets"))
    except Exception:  # pragma: no cover - broken metadata must not break the CLI
        return []


def _try_load(name: str) -> Target | None:
    if name in _CACHE:
        return _CACHE[name]
    t = None
    if name in BUILTIN:
        try:
            mod = importlib.import_module(f"nncc.targets.{name}")
            t = getattr(mod, "TARGET", None)
        except ImportError:
            t = None
    if t is None:
        for ep in _entry_points():
            if ep.name == name:
                t = ep.load()
                break
    if t is not None:
        _CACHE[name] = t
    return t


def get(name: str) -> Target | None:
    return _try_load(name)
