"""What a back end declares (capabilities, options, pipeline) and how targets are found.

A target is a plug-in: an object with the attributes of `Target`, registered under
the entry-point group `nncc.targets` (the built-in ones are in `targets/`, which
installs as `nncc.targets`). Target modules must import quickly: heavy libraries
(onnx, numpy-heavy code) are imported inside `emit`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .ir import Graph
    from .model import Model
    from .train import TrainConfig

BUILTIN = ("onnx", "lbann", "singa", "smaug")


INT32_MAX = 2 ** 31 - 1


@dataclass(frozen=True)
class Option:
    """A target option: `kind` int | float | bool | str | choice; an int lies in [lo, hi] (the range
    of the field it goes to), a str is checked as `text` says (nncc/quoting.py: word | path |
    hosts | text)."""
    name: str
    kind: str
    default: Any
    help: str = ""
    choices: tuple = ()
    lo: int = 0
    hi: int = INT32_MAX
    text: str = "text"

    def problem(self, value: Any) -> str | None:
        """Why `value` (already of the option's kind) is refused, or None."""
        if self.kind == "int" and not self.lo <= value <= self.hi:
            return f"must be in {self.lo}..{self.hi}, got {value}"
        if self.kind == "str":
            from .quoting import value_problem

            return value_problem(self.text, value)
        return None


@dataclass
class EmitContext:
    model: "Model"
    train: "TrainConfig | None"
    options: dict[str, Any]
    seed: int = 0
    weights_path: str | None = None
    stem: str = "model"
    bag: Any = None


@dataclass
class Target:
    name: str
    description: str
    options: list[Option] = field(default_factory=list)
    ops: dict[str, Any] = field(default_factory=dict)  # capability table: nncc op -> target's op
    mode: str = "inference"  # inference | training
    needs_weights: bool = False
    # the emitter takes weights still lazy (Weight.lazy) and writes them as a Stream (nncc/output.py)
    streams_weights: bool = False
    needs_train: bool = False
    pipeline: tuple[str, ...] = ("dce",)
    emitter: str = ""  # "module:function" — imported only when emitting
    layouts: Any = None  # LayoutTable, or options -> LayoutTable, for the insert-layouts pass
    fusions: Any = ()  # fuse-pass Patterns, or options -> Patterns
    summary: Any = None  # Result -> str: `nncc summary --target` shows the graph as the target sees it

    def emit(self, g: "Graph", ctx: EmitContext) -> dict[str, bytes]:
        mod, _, fn = self.emitter.partition(":")
        return getattr(importlib.import_module(mod), fn)(g, ctx)

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)


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
