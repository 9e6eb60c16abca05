"""What every part of the LBANN emitter shares: the experiment being built, names, reporting."""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from nncc.diagnostics import Span
from nncc.ir import Graph, Node, Value, Weight
from nncc.layergraph import Names, Unsupported
from nncc.ops import has
from nncc.target import EmitContext
from nncc.train import TrainConfig

from . import lbann_pb2 as pb
from .refusals import refuse

L = pb.Layer
DATATYPE = {"float": pb.FLOAT, "double": pb.DOUBLE, "fp16": pb.FP16}

# Readers: format -> (LBANN reader name, per-sample dims it delivers or None when read from the file)


def sanitize(name: str) -> str:
    """LBANN names end up in file names (checkpoints) and space-separated lists (callbacks)."""
    s = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    return s or "_"


def _fmt(x: float) -> str:
    return repr(float(x)) if not float(x).is_integer() else str(int(x)) if abs(x) < 1e15 else repr(float(x))


class Base:
    """The state of one experiment being written, and the helpers every part of the emitter uses."""

    def __init__(self, g: Graph, ctx: EmitContext):
        self.g = g
        self.ctx = ctx
        self.train: TrainConfig = ctx.train  # type: ignore[assignment]
        self.opts = ctx.options
        self.exp = pb.LbannPB()
        self.model = self.exp.model
        self.layers: list[pb.Layer] = []
        self.src: dict[int, str] = {}  # id(Value) -> name of the LBANN layer that produces it
        self.names = Names(sanitize)
        self._readers: dict[int, int] | None = None
        self.wnames: dict[int, str] = {}  # id(Weight) -> LBANN weights name
        self.wused: set[str] = set()
        self.weight_list: list[Weight] = []
        self.softmax_of: dict[int, str] = {}  # id(logits Value) -> softmax layer name
        self.errors: list[Unsupported] = []
        self.npy_files: dict[str, Any] = {}  # --weights: the .npy files numpy_initializer reads (initial.py)
        self.py_specs: dict[str, dict] = {}  # role -> what the Python reader module reads (pyreader.py)
        dt = self.opts.get("data_type", "float")
        self.dtype = DATATYPE[dt]
        self.dev = {"cpu": "cpu", "gpu": "gpu"}.get(self.opts.get("device", "default"), "")

    # ---------------------------------------------------------------- helpers

    def fail(self, key: str, msg: str, span: Span | None, help: str | None = None) -> None:
        """Collect the refusal `key` of refusals.CATALOGUE and carry on, to report more than one."""
        self.errors.append(refuse(key, msg, span, help))

    def unique(self, base: str) -> str:
        return self.names.fresh(base)

    def layer(self, name: str, parents: list[str], kind: str, weights: Sequence[str] = ()) -> tuple[pb.Layer, Any]:
        lay = pb.Layer(name=self.unique(name))
        lay.parents.extend(parents)
        lay.weights.extend(weights)
        if self.dtype != pb.FLOAT and kind != "input":  # LBANN builds input layers in its default type only
            lay.datatype = self.dtype
        if self.dev:
            lay.device_allocation = self.dev
        sub = getattr(lay, kind)
        sub.SetInParent()
        self.layers.append(lay)
        return lay, sub

    def operator(self, name: str, parents: list[str], *ops: tuple[str, dict]) -> pb.Layer:
        """Operator layers, one per operator (LBANN holds each to exactly one): a chain whose last
        layer is `name`, and whose first reads `parents`."""
        for i, (op_name, fields) in enumerate(ops):
            last = i == len(ops) - 1
            step = name if last else f"{name}_{op_name.removesuffix('Operator').lower()}"
            lay, sub = self.layer(step, parents, "operator_layer")
            o = sub.ops.add()
            o.input_datatype = self.dtype
            o.output_datatype = self.dtype
            o.parameters.Pack(getattr(pb, op_name)(**fields))
            parents = [lay.name]
        return lay

    def readers(self, v: Value) -> int:
        """How many layers read `v` (losses and metrics included); counted once for the graph."""
        if self._readers is None:
            self._readers = {}
            for n in [*self.g.nodes, *self.g.losses, *self.g.metrics.values()]:
                for u in n.inputs:
                    self._readers[id(u)] = self._readers.get(id(u), 0) + 1
            for u in self.g.outputs:
                self._readers[id(u)] = self._readers.get(id(u), 0) + 1
        return self._readers.get(id(v), 0)

    def x(self, v: Value) -> str:
        """The name of the layer that produces `v` (a parent for the layer a rule adds)."""
        return self.src[id(v)]

    def bind(self, n: Node, layer: pb.Layer) -> None:
        """`layer` produces the output of `n`: a lowering rule's last step (docs/adding-an-op.md)."""
        self.src[id(n.output)] = layer.name

    @staticmethod
    def sample(v: Value) -> tuple:
        return tuple(v.ttype.shape[1:])

    def axis(self, n: Node, axis: int, what: str) -> int:
        if axis == 0:
            raise refuse("axis-0", f"`{n.op}` along axis 0 (the mini-batch) has no LBANN equivalent "
                         f"(target `lbann`)", n.span_of("axis"),
                         "LBANN layers see one sample at a time; use an axis of 1 or more")
        return axis - 1

    def static(self, n: Node, dims: tuple, what: str) -> list[int]:
        if not all(isinstance(d, int) for d in dims):
            raise refuse("static-dims",
                         f"`{n.op}` needs static {what} for LBANN, got {list(dims)} (target `lbann`)", n.span)
        return [int(d) for d in dims]

    def weight(self, w: Weight) -> str:
        src = w.share if w.share is not None else w
        key = id(src)
        if key not in self.wnames:
            name = sanitize(src.name)
            cand, i = name, 1
            while cand in self.wused:
                cand = f"{name}_{i}"
                i += 1
            self.wused.add(cand)
            self.wnames[key] = cand
            self.weight_list.append(src)
        return self.wnames[key]

    def weights_of(self, n: Node, *roles: str) -> list[str]:
        return [self.weight(n.weights[r]) for r in roles if r in n.weights]

    @staticmethod
    def same_shape(a: Value, b: Value) -> bool:
        """Whether LBANN sees one shape: equal, or equal per sample where a learned tensor (`param`, LBANN's
        weights layer, repeated for every sample) has a leading 1 in place of the mini-batch."""
        sa, sb = tuple(a.ttype.shape), tuple(b.ttype.shape)
        if sa == sb:
            return True
        learned = [v.producer is not None and v.producer.op == "param" for v in (a, b)]
        return len(sa) == len(sb) and sa[1:] == sb[1:] and any(learned) and 1 in (sa[0], sb[0])

    def const_value(self, v: Value) -> float | None:
        """The single value of a constant operand (scalar or all-equal), or None."""
        p = v.producer
        if p is None or not has(p.op, "constant"):
            return None
        import numpy as np

        arr = np.asarray(p.attrs["value"], dtype=float)
        if arr.size == 0 or not np.all(arr == arr.flat[0]):
            return None
        return float(arr.flat[0])
