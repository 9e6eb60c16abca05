"""The IR: a Graph is an ordered list of Nodes over Values (torch.fx-sized vocabulary).

* `Value`  — a tensor: name, `TensorType`, the node that produces it (None for
  graph inputs and weights).
* `Weight` — a Value that holds trainable state: initializer, learning-rate and
  weight-decay multipliers, optional tying (`share`), and data once materialised.
* `Node`   — one op application: op name, tensor inputs, weights by role,
  attributes, outputs, and the source span of the expression that made it.
* `Graph`  — inputs, nodes in a valid topological order, outputs, and the
  training heads (losses and metrics) that training targets keep.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Union

from .diagnostics import Span
from .dtypes import DTYPE_BYTES, DTYPES, FLOAT_DTYPES, INT_DTYPES  # noqa: F401  (views of the dtype table)

Dim = Union[int, str]


@dataclass(frozen=True)
class TensorType:
    dtype: str
    shape: tuple[Dim, ...]
    layout: str | None = None  # e.g. NCHW, NHWC, NC; None = the default for its rank

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def is_static(self) -> bool:
        return all(isinstance(d, int) for d in self.shape)

    def numel(self) -> int:
        n = 1
        for d in self.shape:
            if not isinstance(d, int):
                raise ValueError("symbolic shape has no element count")
            n *= d
        return n

    def with_shape(self, shape: Iterable[Dim]) -> "TensorType":
        return TensorType(self.dtype, tuple(shape), None)

    def __str__(self) -> str:
        dims = ", ".join(str(d) for d in self.shape)
        lay = f" {self.layout}" if self.layout else ""
        return f"{self.dtype}[{dims}]{lay}"


@dataclass(frozen=True)
class Init:
    """A weight initializer: kind (constant, uniform, gaussian, he_normal, ...) and its arguments."""

    kind: str
    args: tuple[tuple[str, Any], ...] = ()

    def arg(self, name: str, default: Any = None) -> Any:
        for k, v in self.args:
            if k == name:
                return v
        return default

    def __str__(self) -> str:
        a = ", ".join(f"{k}={v}" for k, v in self.args)
        return f"{self.kind}({a})"


class Value:
    __slots__ = ("name", "type", "producer", "index", "span")

    def __init__(self, name: str, type: TensorType | None = None, producer: "Node | None" = None,
                 index: int = 0, span: Span | None = None):
        self.name = name
        self.type = type
        self.producer = producer
        self.index = index
        self.span = span

    @property
    def is_weight(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"%{self.name}"


class Weight(Value):
    __slots__ = ("role", "init", "lr_mult", "wd_mult", "share", "_data", "lazy", "owner", "trainable")

    def __init__(self, name: str, type: TensorType | None, role: str, init: Init, lr_mult: float = 1.0,
                 wd_mult: float = 1.0, share: "Weight | None" = None, span: Span | None = None,
                 trainable: bool = True):
        super().__init__(name, type, None, 0, span)
        self.role = role
        self.init = init
        self.lr_mult = lr_mult
        self.wd_mult = wd_mult
        self.share = share
        self._data: Any = None  # numpy array once materialised
        # or, until something reads `data`, how to draw it (nncc/weights.py Draw): the ONNX writer
        # streams such weights block by block into the file without holding them in memory
        self.lazy: Any = None
        self.owner: Node | None = None
        self.trainable = trainable

    @property
    def data(self) -> Any:
        """The values (a numpy array), drawn now if they were left lazy; None before materialising."""
        if self._data is None and self.lazy is not None:
            self._data = self.lazy.array()
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value
        self.lazy = None

    @property
    def has_values(self) -> bool:
        """Materialised: data is set or can be drawn (reading this draws nothing)."""
        return self._data is not None or self.lazy is not None

    @property
    def is_weight(self) -> bool:
        return True


@dataclass(eq=False)
class Node:
    op: str
    name: str
    inputs: list[Value]
    attrs: dict[str, Any]
    outputs: list[Value] = field(default_factory=list)
    weights: dict[str, Weight] = field(default_factory=dict)
    span: Span | None = None
    arg_spans: dict[str, Span] = field(default_factory=dict)  # by input index ("0", "1") or attr name
    kind: str = "layer"  # layer | loss | metric
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def output(self) -> Value:
        return self.outputs[0]

    def span_of(self, key: str | int) -> Span | None:
        return self.arg_spans.get(str(key), self.span)

    def __repr__(self) -> str:
        return f"Node({self.op} {self.name})"


@dataclass(eq=False)
class Graph:
    name: str
    inputs: list[Value] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    outputs: list[Value] = field(default_factory=list)
    losses: list[Node] = field(default_factory=list)
    metrics: dict[str, Node] = field(default_factory=dict)
    input_roles: dict[str, str] = field(default_factory=dict)  # input name -> "sample" | "label"
    meta: dict[str, Any] = field(default_factory=dict)

    def weights(self) -> list[Weight]:
        seen: dict[int, Weight] = {}
        for n in self.nodes:
            for w in n.weights.values():
                seen.setdefault(id(w), w)
        return list(seen.values())

    def consumers(self) -> dict[Value, list[Node]]:
        users: dict[Value, list[Node]] = {}
        for n in self.nodes:
            for v in n.inputs:
                users.setdefault(v, []).append(n)
        return users

    def values(self) -> list[Value]:
        out = list(self.inputs)
        for n in self.nodes:
            out.extend(n.outputs)
        return out

    def replace_all_uses(self, old: Value, new: Value) -> None:
        for n in self.nodes:
            n.inputs = [new if v is old else v for v in n.inputs]
        self.outputs = [new if v is old else v for v in self.outputs]

    def __str__(self) -> str:
        from .printer import print_graph

        return print_graph(self)
