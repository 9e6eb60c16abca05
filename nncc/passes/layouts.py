"""insert-layouts: give every tensor the physical layout its consumers want.

The pass is target-independent; a target declares what it wants in a
`LayoutTable` (the `layouts` attribute of its `Target`, or a function of the
target options that returns one):

* `ops[op] = OpLayout(...)` — for each IR op, the layout it wants for each
  tensor input, the layout of its outputs, and the layout in which it reads each
  of its weights (by role).
* `inputs[rank]` — the layout graph inputs of that rank are stored in
  (SMAUG: images are NHWC).
* `weights["op.role"]` (or `weights["role"]`) — the layout a weight is stored in
  (SMAUG: convolution kernels NHWC, inner-product weights NC).

The IR keeps every shape in its own (canonical) dim order — `CANONICAL[rank]`,
e.g. NCHW for 4-D — so shape rules stay as they are; `TensorType.layout` records
the physical layout, and `physical(shape, layout)` gives the dims in that order.

What the pass does:

1. Graph inputs get their stored layout.
2. Where a value's layout differs from what a consumer wants, a `reorder` node
   (op `reorder`, attr `layout`) is inserted before the consumer; one reorder
   per (value, layout) is shared by all consumers.
3. An op declared with `flatten=True` (SMAUG: `flatten`) of a rank > 2 input is
   itself turned into a `reorder` to the 2-D layout it declares: the data are
   flattened in whatever layout they are in. When that layout is not the
   canonical one the features come out in another order; if every consumer can
   absorb that (its `OpLayout.absorbs` names the weight axis that indexes the
   input features, as for `linear`), the consumer's weight is permuted to match
   and no conversion is inserted; otherwise the input is first reordered to the
   canonical layout.
4. Each weight's stored and wanted layouts are recorded in
   `node.meta["weight_layouts"][role] = WeightLayout(...)`; emitters call
   `stored_array(node, role, data)` to get the weight data in its stored layout
   (transposed, and with absorbed feature permutations applied), and insert a
   conversion from `stored` to `wanted` where they differ.

Each inserted conversion (tensor or weight) counts as one rewrite (`PassResult.rewrites`).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import codes
from ..ir import Graph, Node, TensorType, Value
from . import Pass, PassContext, PassResult, changed, register
from ..record import FrozenRecord, Record
from .contracts import condition

ANY = "X"        # whatever layout the value has (the op is layout-agnostic)
CANON = "="      # the IR's own layout for the value's rank
LIKE_FIRST = "^"  # the layout input 0 has after conversion (element-wise binary ops)

CANONICAL = {1: "N", 2: "NC", 3: "NCT", 4: "NCHW"}
# physical dim i holds canonical dim PERMS[layout][i]
PERMS = {"N": (0,), "NC": (0, 1), "CN": (1, 0), "NCT": (0, 1, 2), "NTC": (0, 2, 1),
         "NCHW": (0, 1, 2, 3), "NHWC": (0, 2, 3, 1)}
RANK = {k: len(v) for k, v in PERMS.items()}



class OpLayout(FrozenRecord):
    """What one op wants. `inputs[i]` applies to tensor input i (the last entry repeats for the rest)."""

    inputs: tuple[Any, ...]
    output: Any  # ANY: like input 0 (after conversion); CANON; or a layout
    weights: Mapping[str, str]  # role -> layout the op reads it in
    flatten: bool  # the op flattens to 2-D: becomes a reorder to `output`
    absorbs: Mapping[str, int]  # role -> weight axis indexing input features
    elementwise: bool  # unary, order-preserving: a permuted feature order passes through
    __slots__ = ("inputs", "output", "weights", "flatten", "absorbs", "elementwise")

    def __init__(self, inputs: tuple[Any, ...] = (ANY,), output: Any = ANY, weights: Mapping[str, str] | None = None,
                 flatten: bool = False, absorbs: Mapping[str, int] | None = None, elementwise: bool = False) -> None:
        self.inputs = inputs
        self.output = output
        self.weights = {} if weights is None else weights
        self.flatten = flatten
        self.absorbs = {} if absorbs is None else absorbs
        self.elementwise = elementwise

    def want(self, i: int) -> Any:
        if not self.inputs:
            return ANY
        return self.inputs[min(i, len(self.inputs) - 1)]


class LayoutTable(FrozenRecord):
    ops: Mapping[str, OpLayout]
    inputs: Mapping[int, str]  # rank -> stored layout of graph inputs
    weights: Mapping[str, str]  # "op.role" or "role" -> stored layout
    default: OpLayout  # ops the table does not list
    __slots__ = ("ops", "inputs", "weights", "default")

    def __init__(self, ops: Mapping[str, OpLayout], inputs: Mapping[int, str] | None = None,
                 weights: Mapping[str, str] | None = None,
                 default: OpLayout = OpLayout(inputs=(CANON,), output=CANON)) -> None:
        self.ops = ops
        self.inputs = {} if inputs is None else inputs
        self.weights = {} if weights is None else weights
        self.default = default


class WeightLayout(Record):
    """How a weight is stored and how its consumer reads it (recorded by the pass)."""

    stored: str | None  # None: the weight's rank has no canonical layout
    wanted: str | None
    # features of the input arrive flattened from `feature_layout` with these canonical dims
    # (e.g. NHWC, (N, C, H, W)): the weight's axis `feature_axis` is permuted to match.
    feature_layout: str | None
    feature_dims: tuple[int, ...]
    feature_axis: int
    __slots__ = ("stored", "wanted", "feature_layout", "feature_dims", "feature_axis")

    def __init__(self, stored: str | None, wanted: str | None, feature_layout: str | None = None,
                 feature_dims: tuple[int, ...] = (), feature_axis: int = 1) -> None:
        self.stored = stored
        self.wanted = wanted
        self.feature_layout = feature_layout
        self.feature_dims = feature_dims
        self.feature_axis = feature_axis

    @property
    def converts(self) -> bool:
        return self.stored != self.wanted


def resolve(want: Any, rank: int) -> Any:
    if isinstance(want, Mapping):
        return want.get(rank, CANON)
    return want


def canonical(rank: int) -> str | None:
    return CANONICAL.get(rank)


def layout_of(t: TensorType) -> str | None:
    return t.layout or canonical(t.rank)


def physical(shape: tuple, layout: str | None) -> tuple:
    """The dims of a canonically-ordered `shape` in `layout`'s order."""
    if layout is None or layout not in PERMS or RANK[layout] != len(shape):
        return tuple(shape)
    return tuple(shape[p] for p in PERMS[layout])


def physical_axis(axis: int, layout: str | None, rank: int) -> int:
    """Where canonical dim `axis` sits in `layout`."""
    if layout is None or layout not in PERMS or RANK[layout] != rank:
        return axis
    return PERMS[layout].index(axis)


def to_layout(arr, layout: str | None):
    """Transpose a canonically-ordered numpy array into `layout`."""
    import numpy as np

    if layout is None or layout not in PERMS or RANK[layout] != arr.ndim:
        return np.ascontiguousarray(arr)
    return np.ascontiguousarray(arr.transpose(PERMS[layout]))


def feature_permutation(layout: str, dims: tuple[int, ...]):
    """perm such that flat_in_layout[j] = flat_canonical[perm[j]] for one sample of shape dims[1:]."""
    import numpy as np

    idx = np.arange(int(np.prod(dims[1:]))).reshape((1, *dims[1:]))
    return to_layout(idx, layout).reshape(-1)


def stored_array(node: Node, role: str, data):
    """The data of `node.weights[role]` as it is stored: absorbed feature order applied, then transposed."""
    import numpy as np

    wl = node.meta.get("weight_layouts", {}).get(role)
    if wl is None:
        return np.ascontiguousarray(data)
    if wl.feature_layout is not None:
        lay, dims, axis = wl.feature_layout, wl.feature_dims, wl.feature_axis
        if axis == data.ndim - 1 and lay in PERMS and RANK[lay] == len(dims):
            # the features' own dims transposed into the layout's order: a strided copy rather than a gather
            lead = data.shape[:-1]
            order = tuple(range(len(lead))) + tuple(len(lead) + p - 1 for p in PERMS[lay][1:])
            data = data.reshape(*lead, *dims[1:]).transpose(order).reshape(data.shape)
        else:
            data = np.take(data, feature_permutation(lay, dims), axis=axis)
    return to_layout(data, wl.stored)


def _table(ctx: PassContext) -> LayoutTable | None:
    """The target's table for its options (made once per pass: its contract check reads the same one)."""
    if "layouts" not in ctx.memo:
        t = getattr(ctx.target, "layouts", None)
        if t is None:
            t = ctx.options.get("_layouts")
        if callable(t) and not isinstance(t, LayoutTable):
            t = t(ctx.options)
        ctx.memo["layouts"] = t
    return ctx.memo["layouts"]


class _Inserter:
    def __init__(self, g: Graph, table: LayoutTable, ctx: PassContext):
        self.g, self.table, self.ctx = g, table, ctx
        self.cache: dict[tuple[int, str], Value] = {}
        self.names = {n.name for n in g.nodes} | {v.name for v in g.values()}
        self.feature: dict[int, tuple[str | None, tuple]] = {}  # id(value) -> (layout, dims) of a permuted flatten
        self.count = 0

    def fresh(self, base: str) -> str:
        name, i = base, 1
        while name in self.names:
            i += 1
            name = f"{base}_{i}"
        self.names.add(name)
        return name

    def convert(self, v: Value, layout: str, before: Node) -> Value:
        key = (id(v), layout)
        if key in self.cache:
            return self.cache[key]
        name = self.fresh(f"{v.name}/{layout.lower()}")
        n = Node("reorder", name, [v], {"layout": layout}, span=before.span)
        out = Value(name, _flat_type(v.ttype, layout), n, 0, v.span)
        n.outputs = [out]
        n.meta["inserted"] = "insert-layouts"
        self.g.insert_before(before, n)
        self.cache[key] = out
        self.count += 1
        return out

    def spec(self, n: Node) -> OpLayout:
        return self.table.ops.get(n.op, self.table.default)

    def can_absorb(self, v: Value) -> bool:
        if self.g.is_output(v) or not v.users:
            return False
        for u in v.users:
            s = self.spec(u)
            if u.inputs[0] is v and s.absorbs and all(u.inputs[i] is not v for i in range(1, len(u.inputs))):
                continue
            if s.elementwise and len(u.inputs) == 1 and len(u.outputs) == 1 and self.can_absorb(u.outputs[0]):
                continue
            return False
        return True

    def run(self) -> None:
        g, table = self.g, self.table
        for v in g.inputs:
            if v.type is not None:
                lay = table.inputs.get(v.type.rank) or layout_of(v.type)
                v.type = TensorType(v.type.dtype, v.type.shape, lay)
        for n in list(g.nodes):
            if any(v.type is None for v in n.inputs):
                continue
            s = self.spec(n)
            if s.flatten and n.inputs and n.inputs[0].ttype.rank > 2 and n.attrs.get("axis", 1) == 1:
                self.flatten(n, s)
                continue
            first = None
            for i, v in enumerate(n.inputs):
                want = resolve(s.want(i), v.ttype.rank)
                have = layout_of(v.ttype)
                if want == ANY:
                    target = have
                elif want == LIKE_FIRST:
                    target = first if first is not None and RANK.get(first) == v.ttype.rank else have
                elif want == CANON:
                    target = canonical(v.ttype.rank)
                else:
                    target = want
                if target is not None and target != have:
                    if RANK.get(target) != v.ttype.rank:
                        self.ctx.bag.error(codes.UNREACHABLE_LAYOUT, f"{n.op} wants a {target} input, but `{v.name}` is {v.type}",
                                           n.span_of(i))
                        return
                    v = self.convert(v, target, n)
                    g.set_input(n, i, v)
                if i == 0:
                    first = target
            self.outputs(n, s, first)
            self.weights(n, s)
            if n.inputs and id(n.inputs[0]) in self.feature and s.elementwise:
                for o in n.outputs:
                    self.feature[id(o)] = self.feature[id(n.inputs[0])]

    def outputs(self, n: Node, s: OpLayout, first: str | None) -> None:
        for o in n.outputs:
            if o.type is None:
                continue
            want = resolve(s.output, o.type.rank)
            if want in (ANY, LIKE_FIRST):
                lay = first if first is not None and RANK.get(first) == o.type.rank else canonical(o.type.rank)
            elif want == CANON:
                lay = canonical(o.type.rank)
            else:
                lay = want if RANK.get(want) == o.type.rank else canonical(o.type.rank)
            o.type = TensorType(o.type.dtype, o.type.shape, lay)

    def weights(self, n: Node, s: OpLayout) -> None:
        if not n.weights:
            return
        rec = n.meta.setdefault("weight_layouts", {})
        for role, w in n.weights.items():
            rank = w.ttype.rank
            stored = self.table.weights.get(f"{n.op}.{role}") or self.table.weights.get(role) or canonical(rank)
            wanted = s.weights.get(role, stored)
            wl = WeightLayout(stored, wanted)
            if role in s.absorbs and n.inputs and id(n.inputs[0]) in self.feature:
                wl.feature_layout, wl.feature_dims = self.feature[id(n.inputs[0])]
                wl.feature_axis = s.absorbs[role]
                self.count += 1
            rec[role] = wl
            if w.type is not None and stored is not None and RANK.get(stored) == rank:
                w.type = TensorType(w.type.dtype, w.type.shape, stored)
            if wl.converts:
                self.count += 1

    def flatten(self, n: Node, s: OpLayout) -> None:
        x = n.inputs[0]
        have = layout_of(x.ttype)
        canon = canonical(x.ttype.rank)
        out = n.outputs[0]
        if have != canon and canon is not None and not self.can_absorb(out):
            x = self.convert(x, canon, n)
            self.g.set_input(n, 0, x)
            have = canon
        lay = s.output if isinstance(s.output, str) and RANK.get(s.output) == 2 else "NC"
        n.meta["was"] = n.op
        n.op = "reorder"
        n.attrs = {"layout": lay}
        out.type = TensorType(out.ttype.dtype, out.ttype.shape, lay)
        if have != canon:
            self.feature[id(out)] = (have, tuple(x.ttype.shape))
        self.count += 1


def _flat_type(t: TensorType, layout: str) -> TensorType:
    if RANK.get(layout) == t.rank:
        return TensorType(t.dtype, t.shape, layout)
    from ..shapes import prod

    return TensorType(t.dtype, (t.shape[0], prod(t.shape[1:])), layout)


def insert_layouts(g: Graph, ctx: PassContext) -> PassResult:
    table = _table(ctx)
    if table is None:
        return PassResult(False)
    ins = _Inserter(g, table, ctx)
    ins.run()
    return changed(ins.count)


@condition("laid-out")
def laid_out(g: Graph, ctx: PassContext) -> str | None:
    """Every tensor has a layout and every node reads its inputs in the layouts its op wants (when the target
    declares layouts); every weight has its storage recorded."""
    table = _table(ctx)
    if table is None:
        return None
    for v in g.values():
        if v.type is not None and v.type.rank in CANONICAL and v.type.layout is None:
            return f"{v.name} {v.type} has no layout"
    for n in g.nodes:
        if n.op == "reorder":
            continue  # a conversion reads whatever it converts
        s = table.ops.get(n.op, table.default)
        for i, v in enumerate(n.inputs):
            want = resolve(s.want(i), v.ttype.rank)
            want = canonical(v.ttype.rank) if want == CANON else want
            if want not in (ANY, LIKE_FIRST) and want != layout_of(v.ttype):
                return f"{n.name} ({n.op}) wants input {i} {v.name} in {want}, but it is {layout_of(v.ttype)}"
        missing = set(n.weights) - set(n.meta.get("weight_layouts", {}))
        if missing:
            return f"{n.name} has no recorded layout for its weight(s) {', '.join(sorted(missing))}"
    return None


register(Pass("insert-layouts", insert_layouts, requires=("typed",), ensures=("typed", "laid-out"),
              doc="gives tensors the layouts the target's ops want, inserting reorder nodes; records weight "
                  "storage layouts"))
