"""Lowering laid-out IR to SMAUG's GraphProto and TensorDataArray.

Runs after the target pipeline (dce, fuse, insert-layouts): every value has its
physical layout in `TensorType.layout`, reorder nodes are in place, and each
weight's stored/wanted layouts are in `node.meta["weight_layouts"]`. Names
follow SMAUG's Python frontend: each op has a base name (`data`, `conv`,
`mat_mul`, `reorder`, ...) made unique with `_1`, `_2`, ...; a node's outputs
are `<node>/output<i>` and a Data node's tensor is `<node>/input0`, which is
also the name of its values in the params file.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from nncc import codes
from nncc.diagnostics import CompileError, Diagnostic
from nncc.dtypes import TABLE as DTYPE_TABLE
from nncc.layergraph import Names, Unsupported, line_name
from nncc.ir import Graph, Node, Value, Weight
from nncc.passes.layouts import (
    PERMS,
    RANK,
    canonical,
    physical,
    stored_array,
    to_layout,
)
from nncc.limits import LIMITS
from nncc.weights import Draw
from nncc.output import Stream
from nncc.target import EmitContext
from nncc.textproto import message_to_string

from . import BACKENDS, LOWER
from . import graph_pb2 as pb
from .inputs import InputData, generator_at
from .params import NP, Part, Payload, Rows, encode, entry, params_file, streamable

# nncc's integer and bool dtypes -> SMAUG DataType (SMAUG has no Int8: i8 widens to Int32); float
# tensors take the back end's type
INT_TYPES = {n: d.smaug or "Int32" for n, d in DTYPE_TABLE.items() if d.kind != "float"}

# fused or standalone activation: nncc op -> SMAUG OpType name
ACT = {"relu": "ReLU", "leaky_relu": "LReLU", "elu": "ELU", "selu": "SELU", "tanh": "Tanh",
       "sigmoid": "Sigmoid", "softmax": "Softmax", "clip": "HardTanh", "hardtanh": "HardTanh", "relu6": "HardTanh"}
# the base name SMAUG's frontend gives each op
BASE = {"ReLU": "relu", "LReLU": "lrelu", "ELU": "elu", "SELU": "selu", "Tanh": "tanh", "Sigmoid": "sigmoid",
        "Softmax": "softmax", "HardTanh": "hard_tanh"}
FLOAT_MAX = 3.4028234663852886e38  # an absent clip bound: HardTanhParams always has both
# nncc's selu is Klambauer et al.'s; SMAUG's frontend defaults (1.6733, 1.0507) round these
SELU_ALPHA, SELU_LAMBDA = 1.6732632423543772, 1.0507009873554805


# SMAUG has no 1-D convolution: its 3-D tensors are batch-first sequences [N, T, C], which its frontend
# labels NTC. nncc's rank-3 tensors are in that order (canonical NCT, nothing transposes them), so a 3-D
# tensor is labelled NTC in the files and stays canonical inside the emitter.
SEQUENCE = "NCT"

INT32_MAX = 2 ** 31 - 1  # SMAUG's tensor dims and op params are int32 fields


def _clean(name: str) -> str:
    """A line's name as a SMAUG node name: block scopes joined with `_` (`/` separates a node from its tensors)."""
    return name.replace("/", "_")


def _int32(xs, what: str) -> list[int]:
    if max(map(abs, xs)) > INT32_MAX:
        raise Unsupported(f"{what} {list(xs)} is more than SMAUG's params (int32) hold")
    return list(xs)


@dataclass
class Ref:
    """A SMAUG tensor: the node that makes it (None for none) and its description."""

    node: str | None
    index: int
    proto: pb.TensorProto

    @property
    def dims(self) -> list[int]:
        return list(self.proto.shape.dims)

    @property
    def layout(self) -> str:
        name = pb.DataLayout.Name(self.proto.shape.layout)
        return SEQUENCE if name == "NTC" else name


def act_params(op: str, attrs: dict, fused: bool = True) -> pb.ActivationParams:
    p = pb.ActivationParams()
    if fused:
        p.activation = pb.OpType.Value(ACT[op])
    if op == "leaky_relu":
        p.lrelu_params.slope = float(attrs.get("alpha", 0.01))
    elif op == "elu":
        p.elu_params.alpha = float(attrs.get("alpha", 1.0))
    elif op == "selu":
        p.elu_params.alpha = SELU_ALPHA
        p.elu_params.lambda_param = SELU_LAMBDA
    elif ACT[op] == "HardTanh":
        lo, hi = attrs["low"], attrs["high"]
        p.hard_tanh_params.min = -FLOAT_MAX if lo is None else lo
        p.hard_tanh_params.max = FLOAT_MAX if hi is None else hi
    return p


def _reorder_dims(dims: list[int], src: str, dst: str) -> list[int]:
    if RANK[dst] == 2 and len(dims) > 2:
        return [dims[0], int(np.prod(dims[1:]))]
    logical = [0] * len(dims)
    for i, p in enumerate(PERMS[src]):
        logical[p] = dims[i]
    return [logical[p] for p in PERMS[dst]]


class Emitter:
    def __init__(self, g: Graph, ctx: EmitContext):
        self.g, self.ctx = g, ctx
        opts = ctx.options
        self.backend = opts.get("backend", "Reference")
        _, self.inner_product_weights, self.ftype, self.align = BACKENDS[self.backend]
        self.batch = int(opts.get("batch", 1))
        self.graph = pb.GraphProto(name=ctx.stem, backend=self.backend,
                                   mem_policy=pb.HostMemoryAccessPolicy.Value(opts.get("mem_policy", "AllDma")))
        self.params: list[Part] = []  # the params file's parts, in order
        self.labels: dict[int, str] = {}  # id(input Value or Node) -> the node name its line gives
        given = Names(_clean)
        for v in g.inputs:
            self.labels[id(v)] = given.fresh(v.name)
        for n in g.nodes:
            ln = line_name(n)
            if ln is not None:
                self.labels[id(n)] = given.fresh(ln)
        self.names = Names(reserved=given.taken)  # SMAUG's base names (conv, data, ...) for the rest
        self.refs: dict[int, Ref] = {}
        self.weight_refs: dict[tuple, Ref] = {}
        self.scalars: dict[int, tuple[np.ndarray, str]] = {}
        # id(Value) of a recurrent layer's output sequence -> its steps [N, H] and the layer's name prefix,
        # joined into one tensor only if something other than a recurrent layer reads it (recurrent.py)
        self.sequences: dict[int, tuple[list[Ref], str]] = {}  # id(0-D constant Value) -> its value and SMAUG type
        self.rng = np.random.default_rng([ctx.seed & 0xFFFFFFFF, 0x5A4A])
        self.inputs = {id(v) for v in g.inputs}

    # ------------------------------------------------------------ naming and tensors
    def unique(self, name: str) -> str:
        return self.names.fresh(name)

    def label(self, n: Node) -> str | None:
        """The name of the SMAUG node that makes `n`'s value: its line's name, if a line named it."""
        return self.labels.get(id(n))

    def dtype(self, nncc_dtype: str) -> str:
        return INT_TYPES.get(nncc_dtype, self.ftype)

    def tensor(self, name: str, dtype: str, dims, layout: str) -> pb.TensorProto:
        t = pb.TensorProto(name=name, data_type=pb.DataType.Value(dtype), data_format=pb.Uncompressed)
        t.shape.dims.extend(int(d) for d in dims)
        t.shape.layout = pb.DataLayout.Value("NTC" if layout == SEQUENCE else layout)
        t.shape.alignment = self.align
        return t

    def concrete(self, shape) -> list[int]:
        out = []
        for d in shape:
            if isinstance(d, int):
                out.append(d)
            elif isinstance(d, str) and d.isidentifier():
                out.append(self.batch)
            else:
                raise Unsupported(f"dimension `{d}` is not a number; SMAUG needs static shapes",
                                  help="give the dims with -D, or a fixed size")
            if out[-1] > INT32_MAX:
                raise Unsupported(f"dimension {out[-1]} is more than SMAUG's tensor dims (int32) hold")
        return out

    def dims_of(self, v: Value) -> list[int]:
        return list(physical(tuple(self.concrete(v.ttype.shape)), v.ttype.layout))

    def layout_of(self, v: Value) -> str:
        return v.ttype.layout or canonical(v.ttype.rank) or "X"

    def add_node(self, base: str, op: str, inputs: list[Ref], outs: list[tuple[list[int], str]],
                 params: pb.Params | None = None, dtype: str | None = None, name: str | None = None) -> list[Ref]:
        """A node named `name` (a line's name, reserved) or else after its op's `base` name."""
        name = name or self.unique(base)
        node = self.graph.nodes.add(name=name, op=pb.OpType.Value(op))
        for r in inputs:
            if r.node is not None:
                node.parents.append(r.node)
                node.src_tensors_indices.append(r.index)
            node.input_tensors.add().CopyFrom(r.proto)
        dt = dtype or pb.DataType.Name(inputs[0].proto.data_type)
        refs = []
        for i, (dims, layout) in enumerate(outs):
            t = self.tensor(f"{name}/output{i}", dt, dims, layout)
            node.output_tensors.add().CopyFrom(t)
            refs.append(Ref(name, i, t))
        if params is not None:
            node.params.SetInParent()
            node.params.MergeFrom(params)
        return refs

    def data_node(self, dims, layout: str, dtype: str, name: str | None = None,
                  tensor: str | None = None) -> tuple[Ref, str]:
        """A Data node and the name of its tensor (`<node>/input0` unless named), under which its values
        go to the params file."""
        name = name or self.unique("data")
        t = self.tensor(tensor or f"{name}/input0", dtype, dims, layout)
        node = self.graph.nodes.add(name=name, op=pb.Data)
        node.input_tensors.add().CopyFrom(t)
        out = self.tensor(f"{name}/output0", dtype, dims, layout)
        node.output_tensors.add().CopyFrom(out)
        return Ref(name, 0, out), t.name

    def data(self, arr: np.ndarray, layout: str, dtype: str, name: str | None = None) -> Ref:
        """A Data node holding `arr` (already in `layout`'s dim order)."""
        r, tname = self.data_node(arr.shape, layout, dtype, name)
        self.params.append(encode(tname, arr, dtype, self.align))
        return r

    def stored_weight(self, n: Node, role: str, w: Weight, stored: str) -> Ref:
        """A Data node for weight `w` of `n` in its stored layout, its values made block by block as the
        file is written where they can be (drawn weights stay lazy until then), else all at once."""
        wl = n.meta.get("weight_layouts", {}).get(role)
        dims = list(physical(tuple(int(d) for d in w.ttype.shape), stored))
        keeps_rows = stored not in PERMS or PERMS[stored][0] == 0
        if not (keeps_rows and (wl is None or wl.feature_layout is None or wl.feature_axis != 0)
                and streamable(dims, self.ftype, self.align)):
            return self.data(stored_array(n, role, w.data), stored, self.ftype)
        store = functools.partial(stored_array, n, role)
        draw = w.lazy if w._data is None and isinstance(w.lazy, Draw) else None
        rows = Rows(draw=draw) if draw is not None else Rows(array=np.asarray(w.data))
        r, tname = self.data_node(dims, stored, self.ftype)
        self.params.extend(entry(tname, Payload(rows, store, dims, self.ftype, self.align)))
        return r

    def reorder(self, r: Ref, layout: str, name: str | None = None) -> Ref:
        dims = _reorder_dims(r.dims, r.layout, layout)
        return self.add_node("reorder", "Reorder", [r], [(dims, layout)], name=name)[0]

    # ------------------------------------------------------------ values and weights
    def scalar(self, v: Value, like: Ref) -> Ref:
        """A number's Data node, with the dims and layout of the tensor it meets (SMAUG has no 0-D tensor)."""
        value, dt = self.scalars[id(v)]
        return self.data(np.full(like.dims, value, NP[dt]), like.layout, dt)

    def ref(self, v: Value) -> Ref:
        r = self.refs.get(id(v))
        if r is not None:
            return r
        if id(v) in self.sequences:
            from .recurrent import stack

            r = self.refs[id(v)] = stack(self, *self.sequences[id(v)])
            return r
        if id(v) in self.scalars:
            raise Unsupported("SMAUG has no layout for a 0-D tensor: a number meets a tensor only in add, mul and comparisons")
        if id(v) in self.inputs:
            shape = self.concrete(v.ttype.shape)
            dt = self.dtype(v.ttype.dtype)
            nbytes = math.prod(shape) * np.dtype(NP.get(dt, np.float32)).itemsize
            if nbytes > LIMITS["max_weight_bytes"]:  # `batch` multiplies it: checked before it is drawn
                raise CompileError([Diagnostic(codes.TOO_LARGE, f"the data of input `{v.name}` ({list(shape)}) "
                                               f"would take {nbytes:,} bytes, more than the limit of "
                                               f"{LIMITS['max_weight_bytes']:,}", v.span,
                                               "use a smaller targets.smaug.batch, or raise --max-weight-bytes")])
            layout = self.layout_of(v)
            state = None if dt in ("Int32", "Int64", "Bool") else self.rng.bit_generator.state
            data = InputData(state, shape, layout, dt, self.align)
            if state is not None:  # the next input's values follow this one's
                self.rng = generator_at(state, math.prod(shape))
            r, tname = self.data_node(physical(tuple(shape), layout), layout, dt, self.labels[id(v)])
            self.params.extend(entry(tname, data))
            self.refs[id(v)] = r
            return r
        raise KeyError(v.name)  # pragma: no cover - the IR is in topological order

    def weight(self, n: Node, role: str, arr: np.ndarray | None = None, layout: str | None = None) -> Ref:
        """Data node (and Reorder, where stored and wanted layouts differ) for a weight."""
        w = n.weights[role]
        wl = n.meta.get("weight_layouts", {}).get(role)
        stored = layout or (wl.stored if wl else canonical(w.ttype.rank)) or "X"
        wanted = layout or (wl.wanted if wl else stored) or "X"
        if arr is not None:
            r = self.data(arr, stored, self.ftype)
        else:  # one Data node per weight, shared by its uses (w_share), as SMAUG's frontend has one per tensor
            src = w.share if w.share is not None and w.share.ttype.shape == w.ttype.shape else w
            key = (id(src), stored)
            r = self.weight_refs.get(key) or self.stored_weight(n, role, src, stored)
            self.weight_refs[key] = r
        if wanted != stored:  # a Reorder per use, as SMAUG's frontend reorders each op's inputs
            r = self.reorder(r, wanted)
        return r

    def bind(self, n: Node, refs: list[Ref]) -> None:
        for v, r in zip(n.outputs, refs):
            self.refs[id(v)] = r

    def out(self, n: Node, i: int = 0) -> tuple[list[int], str]:
        v = n.outputs[i]
        return self.dims_of(v), self.layout_of(v)

    def fused(self, n: Node, params: pb.Params) -> None:
        act = n.attrs.get("activation")
        if act:
            params.act_params.CopyFrom(act_params(act, n.attrs.get("activation_attrs", {})))

    def add_bias(self, n: Node, r: Ref) -> Ref:
        """SMAUG's convolution and inner product have no bias: add it, broadcast as its frontend does."""
        b = n.weights["bias"].data
        c = b.shape[0]
        logical = b.reshape((1, c) + (1,) * (n.outputs[0].ttype.rank - 2))
        bref = self.weight(n, "bias", to_layout(logical, r.layout), r.layout)
        return self.eltwise("EltwiseAdd", "add", r, bref, n, self.label(n))

    def eltwise(self, op: str, base: str, a: Ref, b: Ref, n: Node, name: str | None = None,
                dtype: str | None = None) -> Ref:
        """`a <op> b` for `n`, broadcast as SMAUG's frontend does (Repeat nodes); the last node is `name`."""
        da, db = a.dims, b.dims
        if len(da) != len(db):
            raise Unsupported(f"`{n.op}` of tensors of rank {len(da)} and {len(db)}: SMAUG broadcasts only "
                              "tensors of the same rank", help="reshape the smaller operand first")
        ma, mb = [1] * len(da), [1] * len(db)
        for i, (x, y) in enumerate(zip(da, db)):
            if x == y:
                continue
            if x == 1:
                ma[i] = y
            elif y == 1:
                mb[i] = x
            else:  # pragma: no cover - shapes were checked by infer-shapes
                raise Unsupported(f"cannot broadcast {da} and {db}")
        if any(m != 1 for m in ma):
            a = self.add_node(f"{base}:repeat_a", "Repeat", [a], [([x * m for x, m in zip(da, ma)], a.layout)])[0]
        if any(m != 1 for m in mb):
            b = self.add_node(f"{base}:repeat_b", "Repeat", [b], [([y * m for y, m in zip(db, mb)], b.layout)])[0]
        return self.add_node(base, op, [a, b], [(a.dims, a.layout)], dtype=dtype, name=name)[0]

    def padding(self, r: Ref, pads_logical: list[tuple[int, int]], name: str | None = None) -> Ref:
        """A Padding node; `pads_logical[d]` = (begin, end) of canonical dim d."""
        rank = len(r.dims)
        size: list[int] = []
        for p in range(rank):
            d = PERMS[r.layout][p] if r.layout in PERMS and RANK[r.layout] == rank else p
            size.extend(pads_logical[d])
        dims = [x + size[2 * i] + size[2 * i + 1] for i, x in enumerate(r.dims)]
        params = pb.Params()
        params.padding_params.padding_size.extend(size)
        return self.add_node("padding", "Padding", [r], [(dims, r.layout)], params, name=name)[0]

    # ------------------------------------------------------------ driver
    def run(self) -> tuple[bytes, Stream]:
        for n in self.g.nodes:
            fn = LOWER.get_rule(n.op)
            try:
                if fn is None:
                    raise Unsupported(f"target `smaug` has no equivalent of `{n.op}`")
                fn(self, n)
            except Unsupported as e:
                self.ctx.bag.error(codes.UNSUPPORTED_OP, f"{n.op}: {e}", n.span, e.help)
                # keep going so that independent problems are reported too
                for v in n.outputs:
                    if v.type is not None and id(v) not in self.refs:
                        try:
                            self.refs[id(v)] = Ref(None, 0, self.tensor(v.name, self.dtype(v.type.dtype),
                                                                        self.dims_of(v), self.layout_of(v)))
                        except Unsupported:  # dims SMAUG cannot hold: ones, of the same rank for the consumers
                            self.refs[id(v)] = Ref(None, 0, self.tensor(v.name, self.ftype, [1] * max(1, v.type.rank),
                                                                        self.layout_of(v)))
        topo = message_to_string(self.graph).encode()
        return topo, params_file(self.params)


def emit(g: Graph, ctx: EmitContext) -> dict[str, bytes | Stream]:
    topo, params = Emitter(g, ctx).run()
    return {f"{ctx.stem}_topo.pbtxt": topo, f"{ctx.stem}_params.pb": params}
