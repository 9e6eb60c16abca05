"""The op registry: the only place that knows an op.

One `OpDef` per op holds everything the compiler knows about it: the signature
(tensor inputs first, then attributes with defaults), the shape function (which
also brings the attributes to their one canonical form in the IR), the weights it
owns, its cost, its traits, a numpy `eval`, and its docs. Core code asks an op's
traits and hooks (`has`, `REGISTRY[op].eval`, …), never its name; a target's
lowering table (keys: op names) is its capability table.

Ops are registered with `op(...)` applied to the shape function, here (the
language's ops, in `nncc/opdefs/`) or from outside the package (a target plug-in
registering its fused ops, a user plug-in adding an op: docs/adding-an-op.md).

Traits (the vocabulary is closed: `TRAITS`):

* `pure` — the result depends on the inputs and attributes only (not `dropout`);
* `stochastic` — draws random numbers when training (`dropout`);
* `elementwise` — output i depends on input element i only (broadcast for binaries);
* `activation` — a non-linearity applied after a layer (relu, tanh, softmax, …);
* `commutative` — f(a, b) = f(b, a);
* `data-movement` — moves or copies elements and computes nothing (reshape, concat, …);
* `exact` — `eval` gives what every runtime computes, bit for bit (folded at -O1);
* `constant` — the node is a constant (its value is `attrs["value"]`);
* `hidden` — made by the language or by passes, not called by name.
"""
from __future__ import annotations

from typing import Any, Callable

from . import codes
from .ir import FLOAT_DTYPES, INT_DTYPES, Dim, Init, TensorType
from .record import Record
from .shapes import ShapeError, per_sample, same_pads

REQUIRED = object()

TRAITS = frozenset({"pure", "stochastic", "elementwise", "activation", "commutative", "data-movement", "exact",
                    "constant", "hidden"})


class Param(Record):
    name: str
    kind: str  # tensor | tensors | int | float | bool | str | spatial | ints | pad | number | any
    default: Any
    choices: tuple
    doc: str
    __slots__ = ("name", "kind", "default", "choices", "doc")

    def __init__(self, name: str, kind: str, default: Any = REQUIRED, choices: tuple = (), doc: str = "") -> None:
        self.name = name
        self.kind = kind
        self.default = default
        self.choices = choices
        self.doc = doc

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


class WeightSpec(Record):
    role: str      # weight, bias, scale, mean, var
    prefix: str    # kwarg prefix: w_init, b_lr, ...
    shape: tuple[Dim, ...]
    init: Init
    trainable: bool
    dtype: str | None  # None: the first input's float type (else f32); an op with no input says its own
    __slots__ = ("role", "prefix", "shape", "init", "trainable", "dtype")

    def __init__(self, role: str, prefix: str, shape: tuple[Dim, ...], init: Init, trainable: bool = True,
                 dtype: str | None = None) -> None:
        self.role = role
        self.prefix = prefix
        self.shape = shape
        self.init = init
        self.trainable = trainable
        self.dtype = dtype


ShapeFn = Callable[[list[TensorType], dict], list[TensorType]]
WeightFn = Callable[[list[TensorType], dict], list[WeightSpec]]
FlopFn = Callable[[list[TensorType], list[TensorType], dict], int]
EvalFn = Callable[[list[Any], dict], list[Any]]  # numpy arrays in (inputs, then weights in `weights` order), out
NoopFn = Callable[[TensorType, TensorType, dict], bool]


class OpDef(Record):
    name: str
    params: list[Param]
    shape: ShapeFn
    weights: WeightFn | None
    flops: FlopFn | None
    kind: str  # layer | loss | metric (training heads)
    doc: str
    spatial: int  # number of spatial dims for windowed ops
    weight_prefixes: tuple[str, ...]  # shown in the signature: w_init=…, w_lr=…, w_wd=…
    state_prefixes: tuple[str, ...]  # accepted too, not shown (batch norm's running mean/var)
    traits: frozenset[str]
    eval: EvalFn | None
    noop: NoopFn | None  # (input type, output type, attrs) -> the node computes its input unchanged
    unit: float | None  # x op unit = x (add 0, mul 1); on either side only when commutative
    channel_axis: int | None  # the output dim its per-channel bias indexes (conv: 1, linear: -1)
    outputs: str | None  # the attribute giving the number of outputs (an int or a list's length)
    section: str  # heading in docs/ops.md
    origin: str  # who registered it: nncc, a target name, or a plug-in module
    __slots__ = ("name", "params", "shape", "weights", "flops", "kind", "doc", "spatial", "weight_prefixes",
                 "state_prefixes", "traits", "eval", "noop", "unit", "channel_axis", "outputs", "section", "origin")

    def __init__(self, name: str, params: list[Param], shape: ShapeFn, weights: WeightFn | None = None,
                 flops: FlopFn | None = None, kind: str = "layer", doc: str = "", spatial: int = 0,
                 weight_prefixes: tuple[str, ...] = (), state_prefixes: tuple[str, ...] = (),
                 traits: frozenset[str] = frozenset({"pure"}), eval: EvalFn | None = None, noop: NoopFn | None = None,
                 unit: float | None = None, channel_axis: int | None = None, outputs: str | None = None,
                 section: str = "", origin: str = "nncc") -> None:
        self.name = name
        self.params = params
        self.shape = shape
        self.weights = weights
        self.flops = flops
        self.kind = kind
        self.doc = doc
        self.spatial = spatial
        self.weight_prefixes = weight_prefixes
        self.state_prefixes = state_prefixes
        self.traits = traits
        self.eval = eval
        self.noop = noop
        self.unit = unit
        self.channel_axis = channel_axis
        self.outputs = outputs
        self.section = section
        self.origin = origin
        unknown = set(self.traits) - TRAITS
        if unknown:
            raise ValueError(f"op {self.name}: unknown traits {sorted(unknown)} (known: {sorted(TRAITS)})")
        self.traits = frozenset(self.traits)

    @property
    def tensor_params(self) -> list[Param]:
        return [p for p in self.params if p.kind in ("tensor", "tensors")]

    @property
    def hidden(self) -> bool:
        return "hidden" in self.traits

    @property
    def prefixes(self) -> tuple[str, ...]:
        """Every accepted weight-setting prefix (`<prefix>_init`, `_lr`, `_wd`, `_share`, `_name`)."""
        return self.weight_prefixes + self.state_prefixes

    def signature(self) -> str:
        parts = []
        for p in self.params:
            parts.append(p.name if p.required else f"{p.name}={_show(p.default)}")
        for pre in self.weight_prefixes:
            parts.append(f"{pre}_init=…, {pre}_lr=1, {pre}_wd=1")
        return f"{self.name}({', '.join(parts)})"


def _show(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)


REGISTRY: dict[str, OpDef] = {}

# Aliases accepted in model files (normalised to the canonical name).
ALIASES = {"dense": "linear", "fc": "linear", "maxpool2d": "max_pool2d", "avgpool2d": "avg_pool2d",
           "bn": "batch_norm", "concatenate": "concat", "swish": "silu", "interpolate": "upsample",
           "multi_head_attention": "attention"}


def op(name: str, params: list[Param], *, traits: tuple[str, ...] | frozenset[str] = ("pure",),
       **kw: Any) -> Callable[[ShapeFn], ShapeFn]:
    """Register an op; decorates its shape function. Keywords are `OpDef` fields."""
    def deco(fn: ShapeFn) -> ShapeFn:
        if name in REGISTRY:
            raise ValueError(f"op `{name}` is registered twice ({REGISTRY[name].origin} and {kw.get('origin')})")
        REGISTRY[name] = OpDef(name, params, fn, traits=frozenset(traits), **kw)
        return fn
    return deco


def derive(name: str, base: str, extra: list[Param], *, origin: str, doc: str) -> OpDef:
    """Register a target's own form of `base` with more attributes (e.g. a convolution with a fused activation).

    It has `base`'s signature, shape rule, weights and cost, plus `extra`; it is `hidden` (passes make it,
    a model file cannot call it) and has no `eval`.
    """
    b = REGISTRY[base]
    traits = (b.traits - {"exact"}) | {"hidden"}
    op(name, b.params + extra, traits=traits, weights=b.weights, flops=b.flops, kind=b.kind, doc=doc,
       spatial=b.spatial, weight_prefixes=b.weight_prefixes, state_prefixes=b.state_prefixes,
       channel_axis=b.channel_axis, section=f"{origin} target ops", origin=origin)(b.shape)
    return REGISTRY[name]


def lookup(name: str) -> OpDef | None:
    return REGISTRY.get(ALIASES.get(name, name))


def has(op_name: str, trait: str) -> bool:
    """Whether the op has the trait (False for an op nobody registered)."""
    o = REGISTRY.get(op_name)
    return o is not None and trait in o.traits


def ops_with(*traits: str) -> frozenset[str]:
    """The names of the ops that have every one of `traits`."""
    return frozenset(n for n, o in REGISTRY.items() if all(t in o.traits for t in traits))


def public() -> list[OpDef]:
    """The ops a model file may call by name, sorted by name."""
    return [REGISTRY[n] for n in sorted(REGISTRY) if not REGISTRY[n].hidden]


# ------------------------------------------------------------------ helpers for shape functions

def T(name: str = "x") -> Param:
    return Param(name, "tensor")


def check_float(t: TensorType, what: str, where: int | str = 0) -> None:
    if t.dtype not in FLOAT_DTYPES:
        raise ShapeError(f"{what} expects a floating-point tensor, got {t}", where,
                         "cast the input, or feed it through embedding() if these are indices", code=codes.DTYPE_MISMATCH)


def check_numeric(t: TensorType, what: str, where: int | str = 0) -> None:
    if t.dtype not in FLOAT_DTYPES + INT_DTYPES:
        raise ShapeError(f"{what} expects a numeric tensor, got {t}", where, code=codes.DTYPE_MISMATCH)


def check_rank(t: TensorType, rank: int, what: str, layout: str, where: int | str = 0,
               help: str | None = None) -> None:
    if t.rank != rank:
        raise ShapeError(f"{what} expects a {rank}-D input [{layout}], got {t}", where, help)


def same_type(ins: list[TensorType], a: dict) -> list[TensorType]:
    return [ins[0].with_shape(ins[0].shape)]


def elementwise_flops(k: int = 1) -> FlopFn:
    return lambda ins, outs, a: k * per_sample(outs[0].shape)


def no_flops(ins: list[TensorType], outs: list[TensorType], a: dict) -> int:
    return 0


def check_positive(name: str, v: int | tuple, where: str | None = None) -> None:
    vals = v if isinstance(v, tuple) else (v,)
    if any(x <= 0 for x in vals):
        raise ShapeError(f"{name} must be positive, got {v if not isinstance(v, tuple) or len(v) > 1 else v[0]}",
                         where or name, code=codes.BAD_VALUE)


def canonical_pads(a: dict, in_spatial: tuple[Dim, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
                   dilation: tuple[int, ...]) -> tuple[int, ...]:
    """Replace the user's `pad` by `pads`, in ONNX order (begin..., end...): the one form in the IR.

    Errors name `pad`, the argument the user wrote. Idempotent: an IR already in
    canonical form (no `pad`) keeps its `pads`.
    """
    s = len(kernel)
    if "pad" not in a:
        return tuple(a["pads"])
    pad = a.pop("pad")
    if pad == "valid":
        pads = (0,) * (2 * s)
    elif pad == "same":
        pairs = [same_pads(in_spatial[i], kernel[i], stride[i], dilation[i]) for i in range(s)]
        pads = tuple(p[0] for p in pairs) + tuple(p[1] for p in pairs)
    elif isinstance(pad, int):
        pads = (pad,) * (2 * s)
    elif isinstance(pad, (list, tuple)) and all(isinstance(x, int) for x in pad):
        if len(pad) == s:
            pads = tuple(pad) * 2
        elif len(pad) == 2 * s:
            pads = tuple(pad)
        else:
            raise ShapeError(f"pad has {len(pad)} values; give 1, {s} (per dim) or {2 * s} (begins then ends)", "pad")
    else:
        raise ShapeError(f'pad must be an int, a list of ints, "same" or "valid", got {pad!r}', "pad")
    if any(p < 0 for p in pads):
        raise ShapeError(f"pad must not be negative, got {list(pads)}", "pad", code=codes.BAD_VALUE)
    a["pads"] = pads
    return pads


def canonical_spatial(a: dict, key: str, s: int) -> tuple[int, ...]:
    """An int or a list of `s` ints, stored as a tuple of `s` positive ints."""
    v = a[key]
    if isinstance(v, int) and not isinstance(v, bool):
        v = (v,) * s
    elif isinstance(v, (list, tuple)) and len(v) == s and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        v = tuple(v)
    else:
        raise ShapeError(f"{key} must be an int or a list of {s} ints, got {_show(v)}", key)
    check_positive(key, v)
    a[key] = v
    return v


from . import opdefs  # noqa: E402,F401  (registers the language's ops; they import the helpers above)
