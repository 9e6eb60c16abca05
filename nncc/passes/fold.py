"""Optimisation passes and fuse-pass patterns (issue 6).

Everything here is target-independent and respects `PassContext.opt_level` and
`PassContext.mode`:

* level 0 — nothing (only legalisation such as `dce` runs);
* level 1 — structural rewrites that keep every computed value bit for bit:
  identity and (inference only) dropout removal, transpose∘transpose and
  reshape∘reshape composition, common-subexpression elimination, constant
  folding of data movement and IEEE-exact arithmetic, x·1 / x+0 removal;
* level 2 — numeric folding as well (inference only): batch norm into the
  preceding convolution or linear layer, a constant add into a bias, constant
  folding of every op numpy can evaluate.

Fuse-pass patterns (`Pattern`s, applied by `nncc/passes/fuse.py`):
`STRUCTURAL` and `NUMERIC` (what the ONNX target declares) and
`ORT_FUSED_CONV` (onnxruntime's com.microsoft FusedConv, opt-in).

Numeric folds never need weight data at pass time: a folded weight is a
*derived* weight (`Init("derived", fn=…, sources=…)`) whose sources are the
unfolded model's weights. `nncc.weights.materialize` loads or draws the sources
(so `--weights` files hold the unfolded model's arrays, and seeded weights are
the same at every level) and then computes the derived arrays.

Passes: `fold-constants`, `cse` (registered here; listed in a target's pipeline).
"""
from __future__ import annotations

from typing import Any

from ..dtypes import numpy_type
from ..ir import Graph, Init, Node, TensorType, Value, Weight
from ..ops import REGISTRY, has
from ..shapes import norm_axis
from . import Pass, PassContext, PassResult, changed, register
from .fuse import Pattern, register_rewrite, take_over, visible

INFERENCE = ("inference",)
# ops with a per-channel bias on their output (convolutions: dim 1; linear: the last dim)
BIASED = frozenset(n for n, o in REGISTRY.items() if o.channel_axis is not None)
CONVS = frozenset(n for n in BIASED if REGISTRY[n].channel_axis == 1)


# ------------------------------------------------------------------ graph surgery helpers

def bypass(g: Graph, n: Node, x: Value | None = None) -> bool:
    """Remove the one-output node `n`, whose output equals `x` (default: its input 0).

    Uses of the output read `x` instead. When the output must stay visible (a graph
    output, or read by a loss or metric) the producer of `x` is renamed to produce it
    instead, if `x` itself is not visible and has no other use; otherwise nothing happens.
    """
    x = n.inputs[0] if x is None else x
    if len(n.outputs) != 1:
        return False
    y = n.outputs[0]
    if x.type is None or y.type is None or x.type.dtype != y.type.dtype or tuple(x.type.shape) != tuple(y.type.shape):
        return False
    if not visible(g, y):
        g.replace_all_uses_with(y, x)
        g.erase(n)
        return True
    p = x.producer
    if p is None or visible(g, x) or list(x.users) != [n]:
        return False
    g.set_inputs(n, ())
    g.set_outputs(p, [y if o is x else o for o in p.outputs])
    g.erase(n)
    return True


# ------------------------------------------------------------------ structural rewrites

def _remove(g: Graph, nodes: list[Node], ctx: PassContext) -> bool:
    """identity, inference dropout, a transpose by the identity perm, a reshape to the same shape."""
    return bypass(g, nodes[0])


def _is_noop(ns: list[Node]) -> bool:
    """The op's own rule says this node computes its input unchanged."""
    n = ns[0]
    rule = REGISTRY[n.op].noop
    x, y = n.inputs[0].type, n.outputs[0].type
    return rule is not None and x is not None and y is not None and rule(x, y, n.attrs)


def _compose_transpose(g: Graph, nodes: list[Node], ctx: PassContext) -> bool:
    """transpose(transpose(x, p1), p2) = transpose(x, p1∘p2); the identity perm disappears."""
    t1, t2 = nodes
    p1, p2 = tuple(t1.attrs["perm"]), tuple(t2.attrs["perm"])
    t2.attrs["perm"] = tuple(p1[i] for i in p2)
    g.set_input(t2, 0, t1.inputs[0])
    t2.meta.setdefault("fused", []).append(t1.name)
    g.erase(t1)
    if t2.attrs["perm"] == tuple(range(len(p2))):
        bypass(g, t2)
    return True


def reshape_spec(x: TensorType, out: TensorType) -> tuple[int, ...] | None:
    """A reshape `shape` attr that turns `x` into `out` (0 copies a symbolic dim, one -1 at most)."""
    spec: list[int] = []
    for i, d in enumerate(out.shape):
        if isinstance(d, int):
            spec.append(d)
        elif i < x.rank and x.shape[i] == d:
            spec.append(0)
        else:
            spec.append(-1)
    return tuple(spec) if spec.count(-1) <= 1 else None


def _compose_reshape(g: Graph, nodes: list[Node], ctx: PassContext) -> bool:
    """reshape(reshape(x, a), b) = one reshape of x (flatten counts as a reshape too)."""
    r1, r2 = nodes
    x = r1.inputs[0]
    spec = reshape_spec(x.ttype, r2.outputs[0].ttype)
    if spec is None:
        return False
    was, r2.op = r2.op, "reshape"
    if was != r2.op:
        r2.meta["was"] = was
    r2.attrs = {"shape": spec}
    g.set_input(r2, 0, x)
    r2.meta.setdefault("fused", []).append(r1.name)
    g.erase(r1)
    if tuple(x.ttype.shape) == tuple(r2.outputs[0].ttype.shape):
        bypass(g, r2)
    return True


# ------------------------------------------------------------------ numeric rewrites (derived weights)

class Derived:
    """fn(*source arrays) for a derived weight; a named, printable callable."""

    def __init__(self, what: str, fn, **params: Any):
        self.what, self.fn, self.params = what, fn, params

    def __call__(self, *arrays):
        return self.fn(*arrays, **self.params)

    def __repr__(self) -> str:
        return self.what


def derived(name: str, like: Weight | None, type_: TensorType, role: str, sources: list[Weight], fn: Derived,
            owner: Node) -> Weight:
    w = Weight(name, type_, role, Init("derived", (("fn", fn), ("sources", tuple(sources)))),
               lr_mult=like.lr_mult if like else 1.0, wd_mult=like.wd_mult if like else 1.0,
               span=like.span if like else owner.span, trainable=like.trainable if like else True)
    w.owner = owner
    return w


def _bn_scale(scale, var, eps):
    import numpy as np

    return scale.astype(np.float64) / np.sqrt(var.astype(np.float64) + eps)


def _fold_w(w, scale, var, *, eps):
    s = _bn_scale(scale, var, eps)
    return (w.astype("float64") * s.reshape((-1,) + (1,) * (w.ndim - 1))).astype(w.dtype)


def _fold_b(*arrays, eps, has_bias):
    b, (scale, beta, mean, var) = (arrays[0], arrays[1:]) if has_bias else (None, arrays)
    s = _bn_scale(scale, var, eps)
    base = -mean.astype("float64") if b is None else b.astype("float64") - mean
    return (base * s + beta).astype(scale.dtype)


def _untied(g: Graph, ws: list[Weight], ctx: PassContext) -> bool:
    """No weight is tied to another, and nothing else is tied to them."""
    if any(w is None or w.share is not None for w in ws):
        return False
    if "tied" not in ctx.memo:  # once per pass: folds neither tie weights nor touch tied ones
        ctx.memo["tied"] = {id(w.share) for w in g.weights() if w.share is not None}
    return not any(id(w) in ctx.memo["tied"] for w in ws)


def _bn_foldable(ns: list[Node]) -> bool:
    p, bn = ns
    if p.attrs.get("activation") or "weight" not in p.weights:
        return False
    t = p.outputs[0].type
    if t is None or t.dtype not in ("f32", "f64", "f16"):
        return False
    if norm_axis(REGISTRY[p.op].channel_axis or 0, t.rank) != 1:  # batch_norm normalises dim 1 (linear: [N, F])
        return False
    return all(r in bn.weights for r in ("scale", "bias", "mean", "var"))


def _fold_batch_norm(g: Graph, nodes: list[Node], ctx: PassContext) -> bool:
    """conv|linear → batch_norm: one conv|linear with W·s and (b − mean)·s + beta, s = scale/√(var+eps)."""
    p, bn = nodes
    w, b = p.weights["weight"], p.weights.get("bias")
    roles = ("scale", "bias", "mean", "var")
    bw = [bn.weights[r] for r in roles]
    if not _untied(g, [w, *([b] if b is not None else []), *bw], ctx):
        return False
    eps = float(bn.attrs["eps"])
    scale, var = bn.weights["scale"], bn.weights["var"]
    new_w = derived(w.name, w, w.ttype, "weight", [w, scale, var], Derived(f"fold_bn_weight(eps={eps})", _fold_w,
                                                                          eps=eps), p)
    cout = w.ttype.shape[0]
    b_type = TensorType(w.ttype.dtype, (cout,))
    new_b = derived(f"{p.name}.bias", b, b_type, "bias", ([b] if b is not None else []) + bw,
                    Derived(f"fold_bn_bias(eps={eps})", _fold_b, eps=eps, has_bias=b is not None), p)
    p.weights = {"weight": new_w, "bias": new_b}
    p.attrs["bias"] = True
    p.meta.setdefault("fused", []).append(bn.name)
    take_over(g, p, [bn])
    return True


def _const_of(v: Value):
    import numpy as np

    p = v.producer
    if p is None or not has(p.op, "constant"):
        return None
    return np.asarray(p.attrs["value"], dtype=numpy_type(p.attrs.get("dtype", "f32")))


def _bias_foldable(ns: list[Node]) -> bool:
    p, add = ns
    c = add.inputs[1].producer
    if c is None or not has(c.op, "constant") or p.attrs.get("activation") or add.inputs[1] is add.inputs[0]:
        return False
    t = p.outputs[0].type
    if t is None or add.outputs[0].type is None or tuple(add.outputs[0].type.shape) != tuple(t.shape):
        return False
    import numpy as np

    shape = np.asarray(c.attrs["value"]).shape
    if REGISTRY[p.op].channel_axis == -1:  # channels last: [N, ..., C]
        return shape in ((), (1,), (t.shape[-1],), (1, t.shape[-1])) and isinstance(t.shape[-1], int)
    chan = t.shape[1]
    spatial = t.rank - 2
    ok = [(), (1,)] + [(chan,) + (1,) * k for k in range(spatial, spatial + 1)]
    ok += [(1, chan) + (1,) * spatial]
    return shape in ok and isinstance(chan, int)


def _fold_bias_fn(*arrays, const, has_bias, n):
    import numpy as np

    c = np.broadcast_to(np.asarray(const).reshape(-1) if np.asarray(const).size > 1 else np.asarray(const).reshape(()),
                        (n,)).astype("float64")
    base = arrays[0].astype("float64") if has_bias else 0.0
    dt = arrays[0].dtype if has_bias else np.dtype(const.dtype)
    return (base + c).astype(dt)


def _fold_bias(g: Graph, nodes: list[Node], ctx: PassContext) -> bool:
    """conv|linear → add(constant): the constant becomes (part of) the bias."""
    p, add = nodes
    b = p.weights.get("bias")
    if b is not None and not _untied(g, [b], ctx):
        return False
    const = _const_of(add.inputs[1])
    w = p.weights["weight"]
    cout = w.ttype.shape[0]
    fn = Derived("fold_add_into_bias", _fold_bias_fn, const=const.astype(numpy_type(w.ttype.dtype)), has_bias=b is not None,
                 n=cout)
    p.weights = {**p.weights, "bias": derived(f"{p.name}.bias", b, TensorType(w.ttype.dtype, (cout,)), "bias",
                                              [b] if b is not None else [], fn, p)}
    p.attrs["bias"] = True
    p.meta.setdefault("fused", []).append(add.name)
    take_over(g, p, [add])
    return True


# ------------------------------------------------------------------ onnxruntime FusedConv (opt-in)

ORT_ACTIVATIONS = frozenset({"relu", "sigmoid", "tanh", "leaky_relu"})


def _absorb_sum(g: Graph, nodes: list[Node], ctx: PassContext) -> bool:
    """conv → add(·, z) → act: one conv that adds z before its activation (FusedConv's input Z)."""
    conv, add, act = nodes
    z = add.inputs[1]
    if conv.attrs.get("activation") or z.type is None or tuple(z.type.shape) != tuple(add.outputs[0].ttype.shape):
        return False
    if z.type.dtype != conv.outputs[0].ttype.dtype or z is add.inputs[0]:
        return False
    g.move_before(conv, add)  # after z's producer: z is defined before the add
    g.set_inputs(conv, [conv.inputs[0], z])
    conv.attrs["sum"] = True
    conv.attrs["activation"] = act.op
    conv.attrs["activation_attrs"] = {k: v for k, v in act.attrs.items() if not k.startswith("_")}
    conv.meta.setdefault("fused", []).extend([add.name, act.name])
    take_over(g, conv, [add, act])
    return True


for _name, _fn in (("remove", _remove), ("compose-transpose", _compose_transpose),
                   ("compose-reshape", _compose_reshape), ("fold-batch-norm", _fold_batch_norm),
                   ("fold-bias", _fold_bias), ("absorb-sum", _absorb_sum)):
    register_rewrite(_name, _fn)


def _plain_conv(ns: list[Node]) -> bool:
    return not ns[0].attrs.get("activation") and len(ns[0].inputs) == 1


STRUCTURAL = (
    Pattern("remove-noop", (frozenset(n for n, o in REGISTRY.items() if o.noop is not None),), "remove",
            when=_is_noop, doc="a node its op's `noop` rule calls a no-op: identity, a transpose by the identity "
            "permutation, a reshape to the shape it already has"),
    Pattern("remove-stochastic", (frozenset(n for n, o in REGISTRY.items() if "stochastic" in o.traits and o.eval),),
            "remove", modes=INFERENCE, doc="a stochastic op whose `eval` is the identity (dropout) disappears at "
            "inference (inference outputs only)"),
    Pattern("transpose-pair", ("transpose", "transpose"), "compose-transpose",
            doc="transpose∘transpose: one transpose, or none when they cancel"),
    Pattern("reshape-pair", (frozenset({"reshape", "flatten"}), frozenset({"reshape", "flatten"})),
            "compose-reshape", when=lambda ns: ns[0].inputs[0].type is not None,
            doc="reshape∘reshape (flatten included): one reshape, or none when they cancel"),
)

NUMERIC = (
    Pattern("fold-batch-norm", (BIASED, "batch_norm"), "fold-batch-norm", when=_bn_foldable, level=2,
            modes=INFERENCE, doc="batch norm folded into the preceding convolution or linear layer's weights and bias"),
    Pattern("fold-bias", (BIASED, "add"), "fold-bias", when=_bias_foldable, level=2, modes=INFERENCE,
            doc="an added constant (scalar or per channel) folded into the bias"),
)

ORT_FUSED_CONV = (
    Pattern("conv-add-activation", (CONVS, "add", ORT_ACTIVATIONS), "absorb-sum", when=_plain_conv,
            modes=INFERENCE, doc="onnxruntime FusedConv: convolution + bias + residual add + activation"),
    Pattern("conv-activation", (CONVS, ORT_ACTIVATIONS), "absorb", when=_plain_conv, modes=INFERENCE,
            doc="onnxruntime FusedConv: convolution + bias + activation"),
)


# ------------------------------------------------------------------ fold-constants


def _evaluate(n: Node, xs: list, ctx: PassContext):
    """The op's own numpy `eval`: at level 1 only when bit-exact (`exact`), at level 2 (inference) any."""
    o = REGISTRY[n.op]
    if o.eval is None or n.weights or ("stochastic" in o.traits and ctx.mode == "training"):
        return None  # (an op with weights evaluates from its inputs and weights: not a constant)
    if "exact" in o.traits or (ctx.opt_level >= 2 and ctx.mode == "inference"):
        return o.eval(xs, n.attrs)
    return None


def _same_as(v: Value, out: Value) -> bool:
    return (v.type is not None and out.type is not None and v.type.dtype == out.type.dtype
            and tuple(v.type.shape) == tuple(out.type.shape))


def _neutral(n: Node) -> Value | None:
    """x·1, 1·x, x/1, x+0, 0+x, x−0 (the constant must not broadcast x to a larger shape)."""
    import numpy as np

    o = REGISTRY[n.op]
    if o.unit is None or len(n.inputs) != 2:
        return None
    unit = o.unit
    for i, j in ((1, 0), (0, 1)):
        if i == 0 and "commutative" not in o.traits:
            continue
        c = _const_of(n.inputs[i])
        if c is not None and np.all(c == unit) and _same_as(n.inputs[j], n.outputs[0]):
            return n.inputs[j]
    return None


def fold_constants(g: Graph, ctx: PassContext) -> PassResult:
    if ctx.opt_level < 1:
        return PassResult(False)
    count = 0
    for n in list(g.nodes):
        if has(n.op, "constant") or n.weights or n.kind != "layer" or not n.inputs or not n.outputs:
            continue
        if any(g.is_output(v) for v in n.outputs) or any(v.type is None for v in n.outputs):
            continue
        if not any(v.producer is not None and has(v.producer.op, "constant") for v in n.inputs):
            continue  # (numpy is imported only where there is something to fold)
        x = _neutral(n)
        if x is not None and bypass(g, n, x):
            count += 1
            continue
        xs = [_const_of(v) for v in n.inputs]
        if any(x is None for x in xs):
            continue
        try:
            res = _evaluate(n, xs, ctx)
        except (ValueError, TypeError, IndexError):  # pragma: no cover - leave what numpy cannot do
            res = None
        if res is None or len(res) != len(n.outputs):
            continue
        if any(tuple(r.shape) != tuple(v.ttype.shape) for r, v in zip(res, n.outputs)):
            continue
        import numpy as np

        name = n.name  # the first constant takes the node's name
        for k, (r, v) in enumerate(zip(res, list(n.outputs))):
            dt = v.ttype.dtype
            c = Node("constant", name if k == 0 else f"{name}/{k}", [],
                     {"value": np.ascontiguousarray(np.asarray(r, dtype=numpy_type(dt))), "dtype": dt}, span=n.span)
            c.meta["folded"] = n.op
            g.insert_before(n, c)
            g.set_outputs(c, [v])
        g.erase(n)
        count += 1
    return changed(count)


register(Pass("fold-constants", fold_constants, requires=("typed",), ensures=("typed",),
              doc="evaluates nodes whose inputs are all constants; removes x·1, x+0 (level 1: exact ops; level 2, "
                  "inference: every op it can evaluate)"))


# ------------------------------------------------------------------ cse

def _freeze(v: Any):
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items() if not str(k).startswith("_")))
    if isinstance(v, (list, tuple)):
        return tuple(_freeze(x) for x in v)
    if hasattr(v, "tobytes") and hasattr(v, "dtype"):
        return ("array", str(v.dtype), tuple(v.shape), v.tobytes())
    return v


def cse(g: Graph, ctx: PassContext) -> PassResult:
    """Nodes with the same op, the same inputs and the same attributes compute the same values: keep the first."""
    if ctx.opt_level < 1:
        return PassResult(False)
    seen: dict[Any, Node] = {}
    count = 0
    for n in list(g.nodes):
        if n.weights or n.kind != "layer" or not n.outputs or (has(n.op, "stochastic") and ctx.mode == "training"):
            continue
        ins = tuple(id(v) for v in n.inputs)
        try:
            key = (n.op, tuple(sorted(ins)) if has(n.op, "commutative") else ins, _freeze(n.attrs), len(n.outputs))
            hash(key)
        except TypeError:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = n
            continue
        if any(visible(g, v) for v in n.outputs):
            continue
        if any(not _same_as(a, b) for a, b in zip(first.outputs, n.outputs)):
            continue
        for a, b in zip(first.outputs, n.outputs):
            g.replace_all_uses_with(b, a)
        g.erase(n)
        count += 1
    return changed(count)


register(Pass("cse", cse, requires=("typed",), ensures=("typed",),
              doc="common-subexpression elimination: one node for each (op, inputs, attributes)"))
