"""Lowering typed IR to the code of `model.py`: one table entry per op.

The target's lowering table (targets/pytorch/__init__.py, its capability table)
names, for each op, a function here that writes the layer's module (if it has
one) and its forward expression, from the macros in `templates/pytorch/ops.j2`. A layer whose weights are named `LAYER.ROLE` (the
default) becomes an `nn.Module` registered under the layer's name, so
`state_dict()` keys are nncc's weight names; a layer with `w_name=`/`w_share=`
uses its parameters (registered by their own names) in a functional call.
"""
from __future__ import annotations

import keyword
from dataclasses import dataclass, field
from typing import Any, Callable

from nncc.dtypes import TABLE
from nncc.ir import Graph, Node, Value, Weight
from nncc.opdefs.recurrent import GATES, directions, suffix
from nncc.quoting import python_literal as py
from nncc.target import Lowering

BIG = 2 ** 62  # the IR's "to the end" slice bound
RESERVED = {"self", "torch", "nn", "F", "Tensor", "math"}


_MACROS: Any = None


def macros() -> Any:
    """The ops.j2 macros as callables (loaded once)."""
    global _MACROS
    if _MACROS is None:
        from .render import environment

        _MACROS = environment().get_template("pytorch/ops.j2").module
    return _MACROS


@dataclass
class Code:
    """What a layer adds to model.py: a module to register (or none) and its forward expression."""

    expr: str
    module: str | None = None
    helpers: tuple[str, ...] = ()


@dataclass
class Layer:
    """The names a lowering function sees: input expressions, its module and weight expressions."""

    node: Node
    x: list[str]
    module: str  # `self["name"]`
    w: dict[str, str]
    std: bool  # the weights are LAYER.ROLE: an nn.Module under the layer's name holds them


@dataclass
class ModelCode:
    modules: list[tuple[str, str]] = field(default_factory=list)  # (layer name, constructor)
    params: list[tuple[str, str, str, bool]] = field(default_factory=list)  # (owner, name, shape, trainable)
    holders: list[str] = field(default_factory=list)  # empty modules holding `A.b` named weights
    lines: list[tuple[str, str]] = field(default_factory=list)  # (targets, expression)
    inputs: list[tuple[str, str]] = field(default_factory=list)  # (python name, input name)
    returns: list[tuple[str, str]] = field(default_factory=list)  # (value name, python name)
    helpers: set[str] = field(default_factory=set)


class Unsupported(Exception):
    def __init__(self, message: str, node: Node):
        super().__init__(message)
        self.node = node


def _torch_pads(pads: tuple[int, ...]) -> list[int]:
    """ONNX order (begins, then ends) -> F.pad's order (last dim first, begin then end)."""
    k = len(pads) // 2
    out: list[int] = []
    for i in reversed(range(k)):
        out += [pads[i], pads[k + i]]
    return out


def _sym(pads: tuple[int, ...]) -> bool:
    s = len(pads) // 2
    return tuple(pads[:s]) == tuple(pads[s:])


def _one(v: tuple) -> Any:
    """(3, 3) -> 3: a spatial setting written once when it is the same in every dim."""
    return v[0] if len(set(v)) == 1 else tuple(v)


# ------------------------------------------------------------------ lowerings

def _conv(L: Layer) -> Code:
    n, a, M = L.node, L.node.attrs, macros()
    s = int(n.op[4])
    pads = tuple(a["pads"])
    mode = a.get("padding_mode", "zeros")
    zeros = mode == "zeros" or not any(pads)
    padding = _one(pads[:s]) if _sym(pads) and zeros else 0
    x = L.x[0] if _sym(pads) and zeros else M.pad_call(L.x[0], _torch_pads(pads),
                                                       mode=None if mode == "zeros" else mode)
    args = dict(stride=_one(a["stride"]), padding=padding, dilation=_one(a["dilation"]), groups=a["groups"])
    if L.std:
        cin = n.inputs[0].ttype.shape[1]
        return Code(M.module_call(L.module, x), M.conv_module(s, cin, a["out_channels"], _one(a["kernel"]),
                                                             bias=a["bias"], **args))
    return Code(M.conv_call(s, x, L.w, **args))


def _deconv(L: Layer) -> Code:
    n, a, M = L.node, L.node.attrs, macros()
    pads = tuple(a["pads"])
    st, op_, dl = tuple(a["stride"]), tuple(a["output_pad"]), tuple(a["dilation"])
    cin = n.inputs[0].ttype.shape[1]
    if not _sym(pads):  # the module holds the weights; a helper pads and crops around its convolution
        module = M.deconv_module(cin, a["out_channels"], _one(a["kernel"]), stride=_one(st), padding=0,
                                 output_padding=0, groups=a["groups"], bias=a["bias"], dilation=_one(dl))
        w = {r: f"{L.module}.{r}" for r in n.weights} if L.std else L.w
        return Code(M.deconv_cropped(L.x[0], w, st, pads, op_, a["groups"], dl), module if L.std else None,
                    helpers=("conv_transpose2d_cropped",))
    args = dict(stride=_one(st), padding=_one(pads[:2]), output_padding=_one(op_), groups=a["groups"],
                dilation=_one(dl))
    if L.std:
        return Code(M.module_call(L.module, L.x[0]),
                    M.deconv_module(cin, a["out_channels"], _one(a["kernel"]), bias=a["bias"], **args))
    return Code(M.deconv_call(L.x[0], L.w, **args))


def _max_pool(L: Layer) -> Code:
    a, M = L.node.attrs, macros()
    pads = tuple(a["pads"])
    k, st, dl = _one(a["kernel"]), _one(a["stride"]), _one(a["dilation"])
    if _sym(pads):
        return Code(M.max_pool(L.x[0], k, st, _one(pads[:2]), a["ceil_mode"], dl))
    x = M.pad_call(L.x[0], _torch_pads(pads), value=float("-inf"))
    return Code(M.max_pool(x, k, st, 0, a["ceil_mode"], dl))


def _avg_pool(L: Layer) -> Code:
    a, M = L.node.attrs, macros()
    pads = tuple(a["pads"])
    k, st = _one(a["kernel"]), _one(a["stride"])
    if _sym(pads):
        return Code(M.avg_pool(L.x[0], k, st, _one(pads[:2]), a["ceil_mode"], a["count_include_pad"]))
    return Code(M.avg_pool_padded(L.x[0], k, st, _torch_pads(pads), a["ceil_mode"], a["count_include_pad"]),
                helpers=("avg_pool2d_padded",))


def _global_avg_pool(L: Layer) -> Code:
    rank = L.node.inputs[0].ttype.rank
    return Code(macros().global_avg_pool(L.x[0], tuple(range(2, rank))))


def _linear(L: Layer) -> Code:
    n, M = L.node, macros()
    if L.std:
        return Code(M.module_call(L.module, L.x[0]),
                    M.linear_module(n.inputs[0].ttype.shape[-1], n.attrs["out_features"], n.attrs["bias"]))
    return Code(M.linear_call(L.x[0], L.w))


def _embedding(L: Layer) -> Code:
    n, M = L.node, macros()
    if L.std:
        return Code(M.module_call(L.module, L.x[0]), M.embedding_module(n.attrs["num_embeddings"], n.attrs["dim"]))
    return Code(M.embedding_call(L.x[0], L.w))


def _batch_norm(L: Layer) -> Code:
    n, M = L.node, macros()
    eps, mom = n.attrs["eps"], round(1.0 - n.attrs["momentum"], 12)  # nncc keeps `momentum` of the old value
    if L.std:
        return Code(M.module_call(L.module, L.x[0]), M.batch_norm_module(n.inputs[0].ttype.shape[1], eps, mom),
                    helpers=("BatchNorm",))
    return Code(M.batch_norm_call(L.x[0], L.w, eps, mom))


def _layer_norm(L: Layer) -> Code:
    n, M = L.node, macros()
    d = n.inputs[0].ttype.shape[-1]
    if L.std:
        return Code(M.module_call(L.module, L.x[0]), M.layer_norm_module(d, n.attrs["eps"]), helpers=("LayerNorm",))
    return Code(M.layer_norm_call(L.x[0], d, L.w, n.attrs["eps"]))


def _rnn(L: Layer) -> Code:
    """gru and lstm: the `Recurrent` module, or the `recurrent` function over the named weights."""
    n, a, M = L.node, L.node.attrs, macros()
    kind, gates = py(n.op), GATES[n.op]
    nd = directions(a)
    if L.std:
        return Code(M.module_call(L.module, L.x[0]),
                    M.recurrent_module(kind, gates, n.inputs[0].ttype.shape[-1], a["hidden"], a["num_layers"],
                                       nd == 2, a["bias"], a["return_sequences"]),
                    helpers=("recurrent", "Recurrent"))
    roles = ("weight", "recurrent_weight", "bias", "recurrent_bias")
    layers = [[[L.w.get(r + suffix(k, d == 1), "None") for r in roles] for d in range(nd)]
              for k in range(a["num_layers"])]
    return Code(M.recurrent_call(L.x[0], kind, layers, a["return_sequences"]), helpers=("recurrent",))


def _adaptive_pool(fn: str) -> Callable[[Layer], Code]:
    return lambda L: Code(macros().adaptive_pool(fn, L.x[0], _one(L.node.attrs["output_size"])))


def _upsample(L: Layer) -> Code:
    a = L.node.attrs
    return Code(macros().interpolate(L.x[0], _one(a["size"]), a["mode"], a["align_corners"]))


def _group_norm(L: Layer) -> Code:
    """group_norm, and instance_norm as a group per channel."""
    n, M = L.node, macros()
    c = n.inputs[0].ttype.shape[1]
    groups, eps = n.attrs.get("groups", c), n.attrs["eps"]
    if L.std:
        return Code(M.module_call(L.module, L.x[0]), M.group_norm_module(c, groups, eps), helpers=("GroupNorm",))
    return Code(M.group_norm_call(L.x[0], groups, L.w, eps))


def _attention(L: Layer) -> Code:
    n, a, M = L.node, L.node.attrs, macros()
    mask = L.x[3] if len(L.x) == 4 else None
    if L.std:
        e = n.inputs[0].ttype.shape[2]
        kd, vd = n.inputs[1].ttype.shape[2], n.inputs[2].ttype.shape[2]
        return Code(M.attention_module_call(L.module, L.x[:3], mask),
                    M.attention_module(e, a["num_heads"], kd, vd, a["bias"], a["causal"]),
                    helpers=("multi_head_attention", "MultiheadAttention"))
    return Code(M.attention_call(L.x[:3], L.w, a["num_heads"], mask, a["causal"]), helpers=("multi_head_attention",))


def _rbm(L: Layer) -> Code:
    n, a, M = L.node, L.node.attrs, macros()
    if L.std:
        return Code(M.module_call(L.module, L.x[0]),
                    M.rbm_module(n.inputs[0].ttype.shape[-1], a["hidden"], a["gaussian"], a["bias"]),
                    helpers=("rbm_hidden", "RBM"))
    return Code(M.rbm_call(L.x[0], L.w, a["gaussian"]), helpers=("rbm_hidden",))


def _unary(fn: str) -> Callable[[Layer], Code]:
    return lambda L: Code(macros().unary(fn, L.x[0]))


def _alpha(fn: str) -> Callable[[Layer], Code]:
    return lambda L: Code(macros().with_alpha(fn, L.x[0], L.node.attrs["alpha"]))


def _along(fn: str) -> Callable[[Layer], Code]:
    return lambda L: Code(macros().along(fn, L.x[0], L.node.attrs["axis"]))


def _binary(sym: str) -> Callable[[Layer], Code]:
    return lambda L: Code(macros().binary(L.x[0], sym, L.x[1]))


def _reshape(L: Layer) -> Code:
    dims = [f"{L.x[0]}.shape[{i}]" if d == 0 else str(d) for i, d in enumerate(L.node.attrs["shape"])]
    return Code(macros().reshape(L.x[0], dims))


def _pad(L: Layer) -> Code:
    a, M = L.node.attrs, macros()
    if a["mode"] == "constant":
        return Code(M.pad_call(L.x[0], _torch_pads(tuple(a["pads"])), value=float(a["value"])))
    return Code(M.pad_nd(L.x[0], tuple(a["pads"]), {"reflect": "reflect", "edge": "replicate"}[a["mode"]]),
                helpers=("pad_nd",))


def _slice(L: Layer) -> Code:
    a, M = L.node.attrs, macros()
    if any(st < 0 for st in a["steps"]):  # tensors do not take negative steps in [ ]
        return Code(M.slice_steps(L.x[0], tuple(a["starts"]), tuple(a["ends"]), tuple(a["axes"]),
                                  tuple(a["steps"]), tuple(a["squeeze"])), helpers=("slice_nd",))
    parts = [":"] * (max(a["axes"]) + 1)
    for s, e, ax, st in zip(a["starts"], a["ends"], a["axes"], a["steps"]):
        if ax in a["squeeze"]:
            parts[ax] = str(s)
            continue
        lo = "" if s == 0 else str(s)
        hi = "" if abs(e) >= BIG else str(e)
        parts[ax] = f"{lo}:{hi}" + ("" if st == 1 else f":{st}")
    while len(parts) > 1 and parts[-1] == ":":
        parts.pop()
    return Code(M.index(L.x[0], parts))


def _constant(L: Layer) -> Code:
    a = L.node.attrs
    return Code(macros().constant(_plain(a["value"]), TABLE[a["dtype"]].torch))


def _plain(v: Any) -> Any:
    """Numbers and nested lists as Python literals (numpy scalars and arrays included)."""
    if hasattr(v, "tolist"):
        return v.tolist()
    return [_plain(x) for x in v] if isinstance(v, (list, tuple)) else v


def _ce(L: Layer) -> Code:
    index = L.node.inputs[1].ttype.dtype in ("i8", "i32", "i64")
    return Code(macros().cross_entropy(*_positions(L), index))


def _positions(L: Layer) -> tuple[str, str]:
    """Scores [N, T, C] (one set per step) as [N·T, C], their targets as [N·T] (or [N·T, C]): the mean over
    every position, as the language's heads define it; F.cross_entropy would read dim 1 as the classes."""
    logits, label = L.x[0], L.x[1]
    index = L.node.inputs[1].ttype.dtype in ("i8", "i32", "i64")
    if L.node.inputs[0].ttype.rank > 2:
        logits = f"{logits}.flatten(0, -2)"
        label = f"{label}.flatten()" if index else f"{label}.flatten(0, -2)"
    return logits, label


def _macro(name: str, *attrs: str) -> Callable[[Layer], Code]:
    """The macro `name` of ops.j2 over the inputs, then the node's attributes `attrs`."""
    return lambda L: Code(getattr(macros(), name)(*L.x, *(L.node.attrs[a] for a in attrs)))


def _concat(L: Layer) -> Code:
    return Code(macros().concat(L.x, L.node.attrs["axis"]))


def _split(L: Layer) -> Code:
    return Code(macros().split(L.x[0], list(L.node.attrs["sizes"]), L.node.attrs["axis"]))


def _accuracy(L: Layer) -> Code:
    return Code(macros().accuracy(*_positions(L), L.node.attrs.get("k", 1)))


# ------------------------------------------------------------------ the model

class Names:
    """Python identifiers for IR values: `s1/0/a` -> `s1_0_a`, unique, never a keyword or a module name."""

    def __init__(self) -> None:
        self.taken: set[str] = set(RESERVED)
        self.of: dict[int, str] = {}

    def __call__(self, v: Value) -> str:
        if id(v) not in self.of:
            base = "".join(c if c.isalnum() or c == "_" else "_" for c in v.name) or "v"
            if base[0].isdigit() or keyword.iskeyword(base):
                base = "v_" + base
            name, i = base, 2
            while name in self.taken:
                name, i = f"{base}_{i}", i + 1
            self.taken.add(name)
            self.of[id(v)] = name
        return self.of[id(v)]


def _holder(n: Node) -> str | None:
    """The module name that holds a layer's weights as PATH.ROLE (nncc/wnames.py), if they all have one."""
    paths = {w.name.rpartition(".")[0] for w in n.weights.values()}
    ok = len(paths) == 1 and all(w.share is None and w.name.endswith(f".{role}") for role, w in n.weights.items())
    return paths.pop() if ok else None


class _Roles(dict):
    """A layer's weight expressions by role; a role the layer lacks (no bias) is None to the templates."""

    def __missing__(self, key: str) -> None:
        return None


def weight_ref(w: Weight) -> str:
    """The expression of a weight in forward(): its module's attribute, or the parameter of that name."""
    src = w.share if w.share is not None else w
    layer, _, attr = src.name.rpartition(".")
    ref = f'self["{layer}"].{attr}' if layer else f"self.{attr}"
    if w.share is not None and tuple(w.share.ttype.shape) != tuple(w.ttype.shape):
        ref += ".T"
    return ref


def lower_graph(g: Graph, heads: list[Value], table: Lowering) -> ModelCode:
    """The parts of model.py; `heads` are the values the losses and metrics read (returned too)."""
    out = ModelCode()
    names = Names()
    for v in g.inputs:
        if g.input_roles.get(v.name, "sample") == "sample":
            out.inputs.append((names(v), v.name))
    # a layer whose weights are PATH.ROLE is an nn.Module named PATH, so state_dict keys are nncc's names
    module_of = {n.name: h for n in g.nodes if n.weights and (h := _holder(n)) is not None}
    std_layers = set(module_of.values())
    registered: set[str] = set()
    for n in g.nodes:
        if n.kind != "layer":
            continue
        for w in n.weights.values():
            if n.name in module_of or w.share is not None or w.name in registered:
                continue
            holder, _, attr = w.name.rpartition(".")
            if not attr.isidentifier() or "." in holder or holder in std_layers:
                raise Unsupported(f"weight name `{w.name}` cannot be a PyTorch parameter name", n)
            if holder and holder not in out.holders:
                out.holders.append(holder)
            owner = f'self["{holder}"]' if holder else "self"
            out.params.append((owner, attr, py(tuple(int(d) for d in w.ttype.shape)), w.trainable))
            registered.add(w.name)
        fn = table.get_rule(n.op)
        if fn is None:
            raise Unsupported(f"target `pytorch` has no lowering for `{n.op}`", n)
        key = module_of.get(n.name, n.name)
        layer = Layer(n, [names(v) for v in n.inputs], f'self["{key}"]',
                      _Roles({r: weight_ref(w) for r, w in n.weights.items()}), n.name in module_of)
        code = fn(layer)
        if code.module is not None:
            out.modules.append((key, code.module))
        out.helpers.update(code.helpers)
        targets = ", ".join(names(v) for v in n.outputs)
        out.lines.append((targets + ("," if n.op == "split" and len(n.outputs) == 1 else ""), code.expr))
    seen: set[str] = set()
    for v in [*g.outputs, *heads]:
        if v.name not in seen and v.producer is not None:
            seen.add(v.name)
            out.returns.append((v.name, names(v)))
    return out


def lower_heads(g: Graph, table: Lowering) -> tuple[list[str], list[tuple[str, str]]]:
    """The loss expressions and (metric name, expression) over `values` (model outputs and batch)."""
    def code(n: Node) -> str:
        rule = table.get_rule(n.op)
        assert rule is not None  # the legalize pass refused the model otherwise
        return rule(Layer(n, [f"values[{py(v.name)}]" for v in n.inputs], "", {}, False)).expr

    return [code(n) for n in g.losses], [(k, code(n)) for k, n in g.metrics.items()]
