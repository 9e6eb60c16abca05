"""The IR: a Graph is an ordered list of Nodes over Values (torch.fx-sized vocabulary).

* `Value`  — a tensor: name, `TensorType`, the node that produces it (None for
  graph inputs and weights).
* `Weight` — a Value that holds trainable state: initializer, learning-rate and
  weight-decay multipliers, optional tying (`share`), and data once materialised.
* `Node`   — one op application: op name, tensor inputs, weights by role,
  attributes, outputs, and the source span of the expression that made it.
* `Graph`  — inputs, nodes in a valid topological order, outputs, and the
  training heads (losses and metrics) that training targets keep.

Every Value knows its `users` (the nodes that read it), kept up to date by the
Graph's edit API (torch.fx's model): `append`, `insert_before`/`insert_after`,
`move_before`, `set_input(s)`, `set_outputs`, `replace_all_uses_with`, `erase`
(refused while an output is still used), `add_input`/`remove_input`,
`add_output`. It is the only way to change a graph that holds a node: a node's
`inputs` and `outputs` are tuples, and assigning them on a node that is in a
graph raises `IRError`. Nodes are kept in a doubly linked list, so every edit is
O(1) (or O(users) for `replace_all_uses_with`); `Graph.lint()` checks the
invariants (topological order, use-lists, defined inputs and outputs, producers,
unique names).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Union, overload

from .diagnostics import Span, SpanLike, resolved
from .dtypes import DTYPE_BYTES, DTYPES, FLOAT_DTYPES, INT_DTYPES  # noqa: F401  (views of the dtype table)
from .record import FrozenRecord

Dim = Union[int, str]


class TensorType(FrozenRecord):
    dtype: str
    shape: tuple[Dim, ...]
    layout: str | None  # e.g. NCHW, NHWC, NC; None = the default for its rank
    __slots__ = ("dtype", "shape", "layout")

    def __init__(self, dtype: str, shape: tuple[Dim, ...], layout: str | None = None) -> None:
        self.dtype = dtype
        self.shape = shape
        self.layout = layout

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

    def with_shape(self, shape: Iterable[Dim]) -> TensorType:
        return TensorType(self.dtype, tuple(shape), None)

    def __str__(self) -> str:
        dims = ", ".join(str(d) for d in self.shape)
        lay = f" {self.layout}" if self.layout else ""
        return f"{self.dtype}[{dims}]{lay}"


class Init(FrozenRecord):
    """A weight initializer: kind (constant, uniform, gaussian, he_normal, ...) and its arguments."""

    kind: str
    args: tuple[tuple[str, Any], ...]
    __slots__ = ("kind", "args")

    def __init__(self, kind: str, args: tuple[tuple[str, Any], ...] = ()) -> None:
        self.kind = kind
        self.args = args

    def arg(self, name: str, default: Any = None) -> Any:
        for k, v in self.args:
            if k == name:
                return v
        return default

    def __str__(self) -> str:
        a = ", ".join(f"{k}={v}" for k, v in self.args)
        return f"{self.kind}({a})"


class Value:
    __slots__ = ("_span", "index", "name", "producer", "type", "users")

    def __init__(self, name: str, type: TensorType | None = None, producer: Node | None = None,
                 index: int = 0, span: SpanLike | None = None):
        self.name = name
        self.type = type
        self.producer = producer
        self.index = index
        self._span = span
        # the nodes that read this value, each once, in the order they started to (the Graph keeps it)
        self.users: dict[Node, None] = {}

    @property
    def span(self) -> Span | None:
        """Where the value was made; kept as written (an ast.Pos) until asked, as most never are."""
        s = self._span
        if s is None or isinstance(s, Span):
            return s
        s = self._span = s.span
        return s

    @span.setter
    def span(self, span: SpanLike | None) -> None:
        self._span = span

    @property
    def ttype(self) -> TensorType:
        """The type, where it must be known: shape inference gives every value one."""
        if self.type is None:
            raise AssertionError(f"%{self.name} has no type: shape inference has not run")
        return self.type

    @property
    def is_weight(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"%{self.name}"


class Weight(Value):
    __slots__ = ("_data", "init", "lazy", "legacy", "lr_mult", "owner", "role", "seq", "share", "trainable",
                 "wd_mult")

    def __init__(self, name: str, type: TensorType | None, role: str, init: Init, lr_mult: float = 1.0,
                 wd_mult: float = 1.0, share: Weight | None = None, span: SpanLike | None = None,
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
        self.legacy: str | None = None  # its name in nncc 0.1, where that differs (W503)
        self.seq: tuple[int, int] = (0, 0)  # (its node's stamp, its place among the node's): the model's order

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


class IRError(Exception):
    """An edit that would break the IR's invariants, or a broken invariant found by `Graph.lint()`."""


class Node:
    """One op application. `inputs` and `outputs` are tuples: change them through the Graph's edit API."""

    __slots__ = (
        "_inputs",
        "_next",
        "_outputs",
        "_prev",
        "_span",
        "arg_spans",
        "attrs",
        "graph",
        "kind",
        "meta",
        "name",
        "op",
        "stamp",
        "weights",
    )

    def __init__(self, op: str, name: str, inputs: Iterable[Value] = (), attrs: dict[str, Any] | None = None,
                 outputs: Iterable[Value] = (), weights: dict[str, Weight] | None = None, span: SpanLike | None = None,
                 arg_spans: dict[str, SpanLike] | None = None, kind: str = "layer", meta: dict[str, Any] | None = None):
        self.op = op
        self.name = name
        self.attrs: dict[str, Any] = attrs if attrs is not None else {}
        self.weights: dict[str, Weight] = weights if weights is not None else {}
        self._span = span  # resolved by the span property, as Value's
        # by input index or attr name: where each argument was written (resolved by span_of)
        self.arg_spans: dict[str, SpanLike] = arg_spans if arg_spans is not None else {}
        self.kind = kind  # layer | loss | metric
        self.meta: dict[str, Any] = meta if meta is not None else {}
        self.graph: Graph | None = None
        self.stamp = -1  # the graph's count of insertions when this node went in (elaborate's "made since")
        self._prev: Node = self
        self._next: Node = self
        self._inputs: tuple[Value, ...] = tuple(inputs)
        self._outputs: tuple[Value, ...] = ()
        self.outputs = tuple(outputs)

    @property
    def span(self) -> Span | None:
        s = self._span
        if s is None or isinstance(s, Span):
            return s
        s = self._span = s.span
        return s

    @span.setter
    def span(self, span: SpanLike | None) -> None:
        self._span = span

    @property
    def where(self) -> SpanLike | None:
        """The span as kept, unresolved: for what is made from this node (its weights) and may never be shown."""
        return self._span

    @property
    def inputs(self) -> tuple[Value, ...]:
        return self._inputs

    @inputs.setter
    def inputs(self, values: Iterable[Value]) -> None:
        if self.graph is not None:
            raise IRError(f"{self.name} is in a graph: change its inputs with Graph.set_inputs")
        self._inputs = tuple(values)

    @property
    def outputs(self) -> tuple[Value, ...]:
        return self._outputs

    @outputs.setter
    def outputs(self, values: Iterable[Value]) -> None:
        """On a node not (yet) in a graph: its outputs, each pointing back at it."""
        if self.graph is not None:
            raise IRError(f"{self.name} is in a graph: change its outputs with Graph.set_outputs")
        values = tuple(values)
        for v in values:
            p = v.producer
            if p is not None and p is not self and p.graph is not None:
                raise IRError(f"{v.name} is produced by {p.name} in a graph: move it with Graph.set_outputs")
        self._outputs = values
        for i, v in enumerate(values):
            v.producer, v.index = self, i

    @property
    def output(self) -> Value:
        return self._outputs[0]

    def span_of(self, key: str | int) -> Span | None:
        return resolved(self.arg_spans.get(str(key), self.span))

    def __repr__(self) -> str:
        return f"Node({self.op} {self.name})"


class NodeList(Sequence[Node]):
    """The nodes of a graph in order: a view of its linked list (iterating survives erasing the current node)."""

    __slots__ = ("_g",)

    def __init__(self, g: Graph):
        self._g = g

    def __iter__(self) -> Iterator[Node]:
        g = self._g
        root = g._root
        n = root._next
        while n is not root:
            yield n
            n = n._next
            while n is not root and n.graph is not g:  # erased while we were on it: its links still lead on
                n = n._next

    def __reversed__(self) -> Iterator[Node]:
        g = self._g
        n = g._root._prev
        while n is not g._root:
            yield n
            n = n._prev
            while n is not g._root and n.graph is not g:
                n = n._prev

    def __len__(self) -> int:
        return self._g._len

    def __contains__(self, n: object) -> bool:
        return isinstance(n, Node) and n.graph is self._g

    @overload
    def __getitem__(self, i: int) -> Node: ...

    @overload
    def __getitem__(self, i: slice) -> list[Node]: ...

    def __getitem__(self, i: int | slice) -> Node | list[Node]:
        return self._g._as_list()[i]

    def __repr__(self) -> str:
        return repr(list(self))


class Graph:
    """A model's graph. Change it only through the edit API below (see the module doc)."""

    def __init__(self, name: str, inputs: Iterable[Value] = (), nodes: Iterable[Node] = (),
                 outputs: Iterable[Value] = (), losses: Iterable[Node] = (), metrics: dict[str, Node] | None = None,
                 input_roles: dict[str, str] | None = None, meta: dict[str, Any] | None = None):
        self.name = name
        self._root = Node("<root>", "<root>")
        self._len = 0
        self._stamp = 0
        self._edits = 0  # bumped by every change of order, for the indexed view
        self._cache: tuple[int, list[Node]] | None = None
        self._inputs: list[Value] = []
        self._outputs: list[Value] = []
        self._out_count: dict[Value, int] = {}
        self.losses: list[Node] = list(losses)
        self.metrics: dict[str, Node] = dict(metrics or {})
        self.input_roles: dict[str, str] = dict(input_roles or {})  # input name -> "sample" | "label"
        self.meta: dict[str, Any] = dict(meta or {})
        for v in inputs:
            self.add_input(v)
        for n in nodes:
            self.append(n)
        for v in outputs:
            self.add_output(v)

    # ------------------------------------------------------------ reading

    @property
    def nodes(self) -> NodeList:
        return NodeList(self)

    @property
    def inputs(self) -> tuple[Value, ...]:
        return tuple(self._inputs)

    @property
    def outputs(self) -> tuple[Value, ...]:
        return tuple(self._outputs)

    @property
    def stamp(self) -> int:
        """How many insertions the graph has seen: nodes inserted from now on get a stamp at least this."""
        return self._stamp

    def is_output(self, v: Value) -> bool:
        return v in self._out_count

    def consumers(self, v: Value) -> list[Node]:
        """The nodes that read `v` (O(users))."""
        return list(v.users)

    def weights(self) -> list[Weight]:
        seen: dict[int, Weight] = {}
        for n in self.nodes:
            for w in n.weights.values():
                seen.setdefault(id(w), w)
        return list(seen.values())

    def values(self) -> list[Value]:
        out = list(self._inputs)
        for n in self.nodes:
            out.extend(n.outputs)
        return out

    def _as_list(self) -> list[Node]:
        if self._cache is None or self._cache[0] != self._edits:
            self._cache = (self._edits, list(self.nodes))
        return self._cache[1]

    # ------------------------------------------------------------ edit API

    def append(self, node: Node) -> Node:
        return self._insert(node, self._root)

    def insert_before(self, anchor: Node, node: Node) -> Node:
        self._mine(anchor)
        return self._insert(node, anchor)

    def insert_after(self, anchor: Node, node: Node) -> Node:
        self._mine(anchor)
        return self._insert(node, anchor._next)

    def move_before(self, node: Node, anchor: Node) -> None:
        """Put `node` (already in the graph) just before `anchor`; its uses are unchanged."""
        self._mine(node)
        self._mine(anchor)
        if node is anchor:
            return
        self._unlink(node)
        self._link(node, anchor)

    def erase(self, node: Node) -> None:
        """Remove `node`; refused while one of its outputs is read by a node or is a graph output."""
        self._mine(node)
        for v in node.outputs:
            if v.users:
                raise IRError(f"cannot erase {node.name}: {v.name} is still used by "
                              f"{', '.join(u.name for u in v.users)}")
            if v in self._out_count:
                raise IRError(f"cannot erase {node.name}: {v.name} is a graph output")
        for v in node._inputs:
            v.users.pop(node, None)
        self._unlink(node)
        self._len -= 1
        node.graph = None

    def set_inputs(self, node: Node, values: Iterable[Value]) -> None:
        self._mine(node)
        old, node._inputs = node._inputs, tuple(values)
        for v in old:
            if v not in node._inputs:
                v.users.pop(node, None)
        for v in node._inputs:
            v.users[node] = None

    def set_input(self, node: Node, i: int, value: Value) -> None:
        ins = list(node._inputs)
        ins[i] = value
        self.set_inputs(node, ins)

    def set_outputs(self, node: Node, values: Iterable[Value]) -> None:
        """`node` produces `values` from now on (names downstream do not change).

        A value taken from another node leaves that node's outputs; an output of `node`
        that is not among `values` must have no users and not be a graph output.
        """
        self._mine(node)
        values = tuple(values)
        keep = set(map(id, values))
        for v in node._outputs:
            if id(v) not in keep and (v.users or v in self._out_count):
                raise IRError(f"{node.name} cannot drop its output {v.name}: it is still used")
        for v in values:
            p = v.producer
            if p is not None and p is not node:
                p._outputs = tuple(o for o in p._outputs if o is not v)
                for i, o in enumerate(p._outputs):
                    o.index = i
        for v in node._outputs:
            if id(v) not in keep:
                v.producer = None
        node._outputs = values
        for i, v in enumerate(values):
            v.producer, v.index = node, i

    def replace_all_uses_with(self, old: Value, new: Value) -> int:
        """Every node that reads `old` reads `new` instead, and so do the graph outputs; returns the count."""
        count = 0
        for u in list(old.users):
            u._inputs = tuple(new if v is old else v for v in u._inputs)
            del old.users[u]
            new.users[u] = None
            count += 1
        k = self._out_count.pop(old, 0)
        if k:
            self._outputs = [new if v is old else v for v in self._outputs]
            self._out_count[new] = self._out_count.get(new, 0) + k
            count += k
        return count

    def add_input(self, v: Value) -> None:
        if v.producer is not None:
            raise IRError(f"graph input {v.name} cannot have a producer ({v.producer.name})")
        self._inputs.append(v)

    def remove_input(self, v: Value) -> None:
        if v.users:
            raise IRError(f"cannot remove input {v.name}: it is used by {', '.join(u.name for u in v.users)}")
        self._inputs.remove(v)

    def add_output(self, v: Value) -> None:
        self._outputs.append(v)
        self._out_count[v] = self._out_count.get(v, 0) + 1

    def _mine(self, node: Node) -> None:
        if node.graph is not self:
            raise IRError(f"{node.name} is not in graph {self.name}")

    def _insert(self, node: Node, before: Node) -> Node:
        if node.graph is not None:
            raise IRError(f"{node.name} is already in a graph")
        for i, v in enumerate(node._outputs):
            if v.producer is not node or v.index != i:
                raise IRError(f"{v.name} does not point back at {node.name}")
        node.graph = self
        node.stamp = self._stamp
        self._stamp += 1
        self._len += 1
        self._link(node, before)
        for v in node._inputs:
            v.users[node] = None
        return node

    def _link(self, node: Node, before: Node) -> None:
        prev = before._prev
        node._prev, node._next = prev, before
        prev._next = node
        before._prev = node
        self._edits += 1

    def _unlink(self, node: Node) -> None:
        node._prev._next = node._next
        node._next._prev = node._prev
        self._edits += 1  # node keeps its links, so an iterator standing on it moves on

    # ------------------------------------------------------------ invariants

    def lint(self) -> None:
        """Check the IR's invariants; raises IRError naming the first one broken."""
        from .irlint import lint

        lint(self)

    def __str__(self) -> str:
        from .printer import print_graph

        return print_graph(self)
