"""The op registry: the single source of truth for every op of the language.

Each `OpDef` holds the op's signature (tensor inputs first, then attributes with
defaults), its shape function, the weights it owns (shapes and default
initializers), its cost (parameters come from the weights; FLOPs per sample), and
whether it is a layer, a loss or a metric. Targets map ops by name in their own
capability tables; nothing else knows about individual ops.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from . import codes
from .ir import FLOAT_DTYPES, INT_DTYPES, Dim, Init, TensorType
from .shapes import ShapeError, broadcast, dim_add, dim_mul, dim_sum, norm_axis, per_sample, prod, same_pads, window_out

REQUIRED = object()


@dataclass
class Param:
    name: str
    kind: str  # tensor | tensors | int | float | bool | str | spatial | ints | pad | number | any
    default: Any = REQUIRED
    choices: tuple = ()
    doc: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass
class WeightSpec:
    role: str      # weight, bias, scale, mean, var
    prefix: str    # kwarg prefix: w_init, b_lr, ...
    shape: tuple[Dim, ...]
    init: Init
    trainable: bool = True


ShapeFn = Callable[[list[TensorType], dict], list[TensorType]]
WeightFn = Callable[[list[TensorType], dict], list[WeightSpec]]
FlopFn = Callable[[list[TensorType], list[TensorType], dict], int]


@dataclass
class OpDef:
    name: str
    params: list[Param]
    shape: ShapeFn
    weights: WeightFn | None = None
    flops: FlopFn | None = None
    kind: str = "layer"  # layer | loss | metric
    doc: str = ""
    spatial: int = 0  # number of spatial dims for windowed ops
    weight_prefixes: tuple[str, ...] = ()
    category: str = "layer"

    @property
    def tensor_params(self) -> list[Param]:
        return [p for p in self.params if p.kind in ("tensor", "tensors")]

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
           "bn": "batch_norm", "concatenate": "concat"}


def op(name: str, params: list[Param], **kw) -> Callable[[ShapeFn], ShapeFn]:
    def deco(fn: ShapeFn) -> ShapeFn:
        REGISTRY[name] = OpDef(name, params, fn, **kw)
        return fn
    return deco


def lookup(name: str) -> OpDef | None:
    return REGISTRY.get(ALIASES.get(name, name))


# ------------------------------------------------------------------ helpers

def T(name: str = "x") -> Param:
    return Param(name, "tensor")


def _float(t: TensorType, what: str, where: int | str = 0) -> None:
    if t.dtype not in FLOAT_DTYPES:
        raise ShapeError(f"{what} expects a floating-point tensor, got {t}", where,
                         "cast the input, or feed it through embedding() if these are indices", code=codes.DTYPE_MISMATCH)


def _rank(t: TensorType, rank: int, what: str, layout: str, where: int | str = 0, help: str | None = None) -> None:
    if t.rank != rank:
        raise ShapeError(f"{what} expects a {rank}-D input [{layout}], got {t}", where, help)


def _same(ins: list[TensorType], a: dict) -> list[TensorType]:
    return [ins[0].with_shape(ins[0].shape)]


def _elementwise_flops(k: int = 1) -> FlopFn:
    return lambda ins, outs, a: k * per_sample(outs[0].shape)


def _positive(name: str, v: int | tuple, where: str | None = None) -> None:
    vals = v if isinstance(v, tuple) else (v,)
    if any(x <= 0 for x in vals):
        raise ShapeError(f"{name} must be positive, got {v if not isinstance(v, tuple) or len(v) > 1 else v[0]}",
                         where or name, code=codes.BAD_VALUE)


def _pads(a: dict, in_spatial: tuple[Dim, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
          dilation: tuple[int, ...]) -> tuple[int, ...]:
    """Normalise `pad` to ONNX order (begin..., end...) and store it as `pads`."""
    s = len(kernel)
    pad = a["pad"]
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


def _spatial(a: dict, key: str, s: int) -> tuple[int, ...]:
    v = a[key]
    if isinstance(v, int) and not isinstance(v, bool):
        v = (v,) * s
    elif isinstance(v, (list, tuple)) and len(v) == s and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        v = tuple(v)
    else:
        raise ShapeError(f"{key} must be an int or a list of {s} ints, got {_show(v)}", key)
    _positive(key, v)
    a[key] = v
    return v


# ------------------------------------------------------------------ convolution

def _conv_params(transposed: bool = False) -> list[Param]:
    ps = [T(), Param("out_channels", "int"), Param("kernel", "spatial"), Param("stride", "spatial", 1),
          Param("pad", "pad", 0)]
    if transposed:
        ps.append(Param("output_pad", "spatial_or_zero", 0))
    ps += [Param("dilation", "spatial", 1), Param("groups", "int", 1), Param("bias", "bool", True)]
    return ps


def _make_conv(s: int) -> None:
    layout = "N, C, " + ", ".join("DHW"[3 - s:])

    def shape(ins: list[TensorType], a: dict) -> list[TensorType]:
        x = ins[0]
        _rank(x, s + 2, f"conv{s}d", layout, help=("`flat` is 2-D; drop the flatten or use linear()"
                                                    if x.rank == 2 else None))
        _float(x, f"conv{s}d")
        _positive("out_channels", a["out_channels"])
        _positive("groups", a["groups"])
        k = _spatial(a, "kernel", s)
        st = _spatial(a, "stride", s)
        dl = _spatial(a, "dilation", s)
        c = x.shape[1]
        g = a["groups"]
        if isinstance(c, int) and c % g:
            raise ShapeError(f"input channels ({c}) are not divisible by groups ({g})", "groups", code=codes.BAD_VALUE)
        if a["out_channels"] % g:
            raise ShapeError(f"out_channels ({a['out_channels']}) is not divisible by groups ({g})", "groups",
                             code=codes.BAD_VALUE)
        pads = _pads(a, x.shape[2:], k, st, dl)
        out = [window_out(x.shape[2 + i], k[i], st[i], pads[i] + pads[s + i], dl[i]) for i in range(s)]
        for i, d in enumerate(out):
            if isinstance(d, int) and d <= 0:
                raise ShapeError(f"kernel {k[i]} (dilation {dl[i]}) does not fit in spatial size {x.shape[2 + i]} "
                                 f"with padding {pads[i]}+{pads[s + i]}: output size would be {d}", "kernel",
                                 "use a smaller kernel, add padding, or drop a pooling layer before this",
                                 code=codes.BAD_VALUE)
        return [x.with_shape((x.shape[0], a["out_channels"], *out))]

    def weights(ins: list[TensorType], a: dict) -> list[WeightSpec]:
        c = ins[0].shape[1]
        w = [WeightSpec("weight", "w", (a["out_channels"], c // a["groups"] if isinstance(c, int) else c, *a["kernel"]),
                        Init("he_normal"))]
        if a["bias"]:
            w.append(WeightSpec("bias", "b", (a["out_channels"],), Init("constant", (("value", 0.0),))))
        return w

    def flops(ins, outs, a) -> int:
        c = ins[0].shape[1]
        kprod = 1
        for kk in a["kernel"]:
            kprod *= kk
        macs = per_sample(outs[0].shape) * (c // a["groups"] if isinstance(c, int) else 1) * kprod
        return 2 * macs + (per_sample(outs[0].shape) if a["bias"] else 0)

    REGISTRY[f"conv{s}d"] = OpDef(f"conv{s}d", _conv_params(), shape, weights, flops, spatial=s,
                                  weight_prefixes=("w", "b"),
                                  doc=f"{s}-D convolution over [{layout}] with weight [out, in/groups, *kernel]")


for _s in (1, 2, 3):
    _make_conv(_s)


@op("conv_transpose2d", _conv_params(transposed=True), spatial=2, weight_prefixes=("w", "b"),
    doc="2-D transposed convolution (deconvolution); weight [in, out/groups, kh, kw]")
def _conv_transpose2d(ins, a):
    x = ins[0]
    _rank(x, 4, "conv_transpose2d", "N, C, H, W")
    _float(x, "conv_transpose2d")
    _positive("out_channels", a["out_channels"])
    k, st, dl = _spatial(a, "kernel", 2), _spatial(a, "stride", 2), _spatial(a, "dilation", 2)
    op_ = a["output_pad"]
    a["output_pad"] = (op_, op_) if isinstance(op_, int) else tuple(op_)
    if a["pad"] == "same":
        raise ShapeError('conv_transpose2d does not take pad="same"; give explicit padding', "pad")
    pads = _pads(a, x.shape[2:], k, st, dl)
    c, g = x.shape[1], a["groups"]
    _positive("groups", g)  # found by tests/fuzz: groups <= 0 divided by zero
    for o, s_, d_ in zip(a["output_pad"], st, dl):
        if not 0 <= o < max(s_, d_):  # as ONNX ConvTranspose requires
            raise ShapeError(f"output_pad must be in [0, max(stride, dilation)), got {o}", "output_pad", code=codes.BAD_VALUE)
    if isinstance(c, int) and c % g or a["out_channels"] % g:
        raise ShapeError(f"channels ({c} in, {a['out_channels']} out) must be divisible by groups ({g})", "groups",
                         code=codes.BAD_VALUE)
    out = []
    for i in range(2):
        d = x.shape[2 + i]
        if isinstance(d, int):
            out.append((d - 1) * st[i] - pads[i] - pads[2 + i] + dl[i] * (k[i] - 1) + a["output_pad"][i] + 1)
        else:
            out.append(dim_add(dim_mul(dim_add(d, -1), st[i]),
                               dl[i] * (k[i] - 1) + a["output_pad"][i] + 1 - pads[i] - pads[2 + i]))
    return [x.with_shape((x.shape[0], a["out_channels"], *out))]


def _deconv_weights(ins, a):
    c = ins[0].shape[1]
    w = [WeightSpec("weight", "w", (c, a["out_channels"] // a["groups"], *a["kernel"]), Init("he_normal"))]
    if a["bias"]:
        w.append(WeightSpec("bias", "b", (a["out_channels"],), Init("constant", (("value", 0.0),))))
    return w


REGISTRY["conv_transpose2d"].weights = _deconv_weights
REGISTRY["conv_transpose2d"].flops = lambda ins, outs, a: 2 * per_sample(ins[0].shape) * (
    a["out_channels"] // a["groups"]) * a["kernel"][0] * a["kernel"][1]


# ------------------------------------------------------------------ pooling

def _pool(kind: str):
    params = [T(), Param("kernel", "spatial"), Param("stride", "spatial", None), Param("pad", "pad", 0),
              Param("ceil_mode", "bool", False)]
    if kind == "avg":
        params.append(Param("count_include_pad", "bool", False))

    def shape(ins, a):
        x = ins[0]
        _rank(x, 4, f"{kind}_pool2d", "N, C, H, W")
        _float(x, f"{kind}_pool2d")
        k = _spatial(a, "kernel", 2)
        if a["stride"] is None:
            a["stride"] = k
        st = _spatial(a, "stride", 2)
        pads = _pads(a, x.shape[2:], k, st, (1, 1))
        for i in range(2):
            if max(pads[i], pads[2 + i]) * 2 > k[i]:
                raise ShapeError(f"pooling pad ({pads[i]}) must be at most half the kernel ({k[i]})", "pad",
                                 code=codes.BAD_VALUE)
        out = [window_out(x.shape[2 + i], k[i], st[i], pads[i] + pads[2 + i], 1, a["ceil_mode"]) for i in range(2)]
        for i, d in enumerate(out):
            if isinstance(d, int) and d <= 0:
                raise ShapeError(f"pooling window {k[i]} does not fit in spatial size {x.shape[2 + i]}", "kernel",
                                 "use a smaller window or remove a downsampling layer before this", code=codes.BAD_VALUE)
        return [x.with_shape((x.shape[0], x.shape[1], *out))]

    REGISTRY[f"{kind}_pool2d"] = OpDef(
        f"{kind}_pool2d", params, shape, None,
        lambda ins, outs, a: per_sample(outs[0].shape) * a["kernel"][0] * a["kernel"][1], spatial=2,
        doc=f"2-D {kind} pooling; stride defaults to the kernel")


_pool("max")
_pool("avg")


@op("global_avg_pool", [T()], flops=lambda ins, outs, a: per_sample(ins[0].shape),
    doc="average over all spatial dims: [N, C, *S] -> [N, C, 1, ...]")
def _gap(ins, a):
    x = ins[0]
    if x.rank < 3:
        raise ShapeError(f"global_avg_pool expects an input with spatial dims [N, C, H, W], got {x}", 0)
    _float(x, "global_avg_pool")
    return [x.with_shape((x.shape[0], x.shape[1]) + (1,) * (x.rank - 2))]


# ------------------------------------------------------------------ dense

@op("linear", [T(), Param("out_features", "int"), Param("bias", "bool", True)], weight_prefixes=("w", "b"),
    doc="fully connected over the last dim: y = x·Wᵀ + b, weight [out, in]")
def _linear(ins, a):
    x = ins[0]
    if x.rank < 1:
        raise ShapeError(f"linear expects at least a 1-D input, got {x}", 0)
    _float(x, "linear")
    _positive("out_features", a["out_features"])
    return [x.with_shape((*x.shape[:-1], a["out_features"]))]


REGISTRY["linear"].weights = lambda ins, a: [
    WeightSpec("weight", "w", (a["out_features"], ins[0].shape[-1]), Init("he_normal")),
    *([WeightSpec("bias", "b", (a["out_features"],), Init("constant", (("value", 0.0),)))] if a["bias"] else []),
]
REGISTRY["linear"].flops = lambda ins, outs, a: (2 * per_sample(ins[0].shape) + (1 if a["bias"] else 0)) * (
    a["out_features"]) if isinstance(ins[0].shape[-1], int) else 0


@op("matmul", [T("a"), T("b")], doc="matrix product with NumPy batching rules")
def _matmul(ins, a):
    x, y = ins
    for i, t in enumerate(ins):
        if t.rank < 2:
            raise ShapeError(f"matmul expects tensors of rank ≥ 2, got {t}", i)
        _float(t, "matmul", i)
    if x.shape[-1] != y.shape[-2] and isinstance(x.shape[-1], int) and isinstance(y.shape[-2], int):
        raise ShapeError(f"matmul inner dims differ: {x} · {y} ({x.shape[-1]} vs {y.shape[-2]})", 1)
    batch = broadcast(x.shape[:-2], y.shape[:-2])
    return [x.with_shape((*batch, x.shape[-2], y.shape[-1]))]


REGISTRY["matmul"].flops = lambda ins, outs, a: 2 * per_sample(outs[0].shape) * (
    ins[0].shape[-1] if isinstance(ins[0].shape[-1], int) else 1)


# ------------------------------------------------------------------ normalisation

@op("batch_norm", [T(), Param("eps", "float", 1e-5), Param("momentum", "float", 0.9)], weight_prefixes=("w", "b"),
    flops=_elementwise_flops(2), doc="batch normalisation over dim 1 (channels); weights scale, bias, running mean/var")
def _bn(ins, a):
    x = ins[0]
    if x.rank < 2:
        raise ShapeError(f"batch_norm expects an input [N, C, ...], got {x}", 0)
    _float(x, "batch_norm")
    if not 0 <= a["momentum"] <= 1:
        raise ShapeError(f"momentum must be in [0, 1], got {a['momentum']}", "momentum", code=codes.BAD_VALUE)
    if a["eps"] <= 0:
        raise ShapeError(f"eps must be positive, got {a['eps']}", "eps", code=codes.BAD_VALUE)
    return _same(ins, a)


REGISTRY["batch_norm"].weights = lambda ins, a: [
    WeightSpec("scale", "w", (ins[0].shape[1],), Init("constant", (("value", 1.0),))),
    WeightSpec("bias", "b", (ins[0].shape[1],), Init("constant", (("value", 0.0),))),
    WeightSpec("mean", "mean", (ins[0].shape[1],), Init("constant", (("value", 0.0),)), trainable=False),
    WeightSpec("var", "var", (ins[0].shape[1],), Init("constant", (("value", 1.0),)), trainable=False),
]


@op("layer_norm", [T(), Param("eps", "float", 1e-5)], weight_prefixes=("w", "b"), flops=_elementwise_flops(5),
    doc="layer normalisation over the last dim")
def _ln(ins, a):
    _float(ins[0], "layer_norm")
    if ins[0].rank < 1:
        raise ShapeError("layer_norm needs at least a 1-D input", 0)
    return _same(ins, a)


REGISTRY["layer_norm"].weights = lambda ins, a: [
    WeightSpec("scale", "w", (ins[0].shape[-1],), Init("constant", (("value", 1.0),))),
    WeightSpec("bias", "b", (ins[0].shape[-1],), Init("constant", (("value", 0.0),))),
]


@op("lrn", [T(), Param("size", "int", 5), Param("alpha", "float", 1e-4), Param("beta", "float", 0.75),
            Param("k", "float", 1.0)], flops=lambda ins, outs, a: per_sample(outs[0].shape) * (a["size"] + 3),
    doc="local response normalisation across channels")
def _lrn(ins, a):
    _rank(ins[0], 4, "lrn", "N, C, H, W")
    _float(ins[0], "lrn")
    _positive("size", a["size"])
    if a["size"] % 2 == 0:
        # the window is centred on the channel; Caffe, SINGA and onnxruntime reject even sizes
        raise ShapeError(f"lrn size must be odd (a window centred on each channel), got {a['size']}", "size",
                         code=codes.BAD_VALUE)
    for p in ("alpha", "beta"):  # onnxruntime refuses alpha, beta <= 0 (found by tests/fuzz)
        if not a[p] > 0:
            raise ShapeError(f"lrn {p} must be positive, got {a[p]}", p, code=codes.BAD_VALUE)
    return _same(ins, a)


@op("dropout", [T(), Param("p", "float", 0.5)], flops=_elementwise_flops(), doc="dropout with drop probability p")
def _dropout(ins, a):
    _float(ins[0], "dropout")  # ONNX Dropout takes float tensors only (found by tests/fuzz)
    if not 0 <= a["p"] < 1:
        raise ShapeError(f"dropout probability must be in [0, 1), got {a['p']}", "p",
                         "p is the probability of dropping a unit; p=1 drops everything", code=codes.BAD_VALUE)
    return _same(ins, a)


# ------------------------------------------------------------------ activations

def _act(name: str, extra: list[Param] | None = None, k: int = 1, doc: str = "") -> None:
    def shape(ins, a):
        _float(ins[0], name)
        if "axis" in a:
            a["axis"] = norm_axis(a["axis"], ins[0].rank)
        return _same(ins, a)

    REGISTRY[name] = OpDef(name, [T(), *(extra or [])], shape, None, _elementwise_flops(k), doc=doc,
                           category="activation")


_act("relu", doc="max(x, 0)")
_act("leaky_relu", [Param("alpha", "float", 0.01)], doc="x if x > 0 else alpha·x")
_act("elu", [Param("alpha", "float", 1.0)], 3, doc="x if x > 0 else alpha·(exp(x) − 1)")
_act("selu", k=3, doc="scaled ELU (Klambauer et al.)")
_act("sigmoid", k=4, doc="1 / (1 + exp(−x))")
_act("tanh", k=4, doc="hyperbolic tangent")
_act("stanh", k=5, doc="scaled tanh: 1.7159·tanh(2x/3) (LeCun)")
_act("gelu", k=8, doc="Gaussian error linear unit (exact, erf form)")
_act("softmax", [Param("axis", "int", -1)], 5, doc="softmax along an axis")
_act("log_softmax", [Param("axis", "int", -1)], 6, doc="log of softmax along an axis")


@op("identity", [T()], flops=lambda ins, outs, a: 0, doc="passes its input through")
def _identity(ins, a):
    return _same(ins, a)


# ------------------------------------------------------------------ element-wise binary

def _binary(name: str, sym: str) -> None:
    def shape(ins, a):
        x, y = ins
        if x.dtype != y.dtype:
            raise ShapeError(f"`{sym}` needs operands of one dtype, got {x} and {y}", 1, code=codes.DTYPE_MISMATCH)
        return [x.with_shape(broadcast(x.shape, y.shape))]

    REGISTRY[name] = OpDef(name, [T("a"), T("b")], shape, None, _elementwise_flops(),
                           doc=f"element-wise a {sym} b with broadcasting", category="elementwise")


_binary("add", "+")
_binary("sub", "-")
_binary("mul", "*")
_binary("div", "/")


# ------------------------------------------------------------------ structure

@op("concat", [Param("xs", "tensors"), Param("axis", "int", 1)], flops=lambda ins, outs, a: 0,
    doc="join tensors along an axis")
def _concat(ins, a):
    if not ins:
        raise ShapeError("concat needs at least one tensor", 0)
    r = ins[0].rank
    ax = a["axis"] = norm_axis(a["axis"], r)
    for i, t in enumerate(ins):
        if t.rank != r:
            raise ShapeError(f"concat inputs must have the same rank: input 0 is {ins[0]}, input {i} is {t}", i)
        if t.dtype != ins[0].dtype:
            raise ShapeError(f"concat inputs must have the same dtype: {ins[0]} vs {t}", i, code=codes.DTYPE_MISMATCH)
        for d in range(r):
            if d != ax and t.shape[d] != ins[0].shape[d]:
                raise ShapeError(f"concat along axis {ax}: input {i} is {t} but input 0 is {ins[0]} "
                                 f"(dimension {d} differs)", i, "all dims except the concat axis must match")
    total = dim_sum(t.shape[ax] for t in ins)
    return [ins[0].with_shape((*ins[0].shape[:ax], total, *ins[0].shape[ax + 1:]))]


@op("split", [T(), Param("parts", "int_or_ints"), Param("axis", "int", 1)], flops=lambda ins, outs, a: 0,
    doc="split into n equal parts, or parts of the given sizes; returns several tensors")
def _split(ins, a):
    x = ins[0]
    ax = a["axis"] = norm_axis(a["axis"], x.rank)
    d = x.shape[ax]
    parts = a["parts"]
    if isinstance(parts, int):
        _positive("parts", parts)
        if not isinstance(d, int):
            raise ShapeError(f"cannot split symbolic dimension {d} into equal parts", "axis")
        if d % parts:
            raise ShapeError(f"dimension {ax} of {x} ({d}) does not split into {parts} equal parts", "parts",
                             "give a list of sizes instead", code=codes.BAD_VALUE)
        sizes = [d // parts] * parts
    else:
        sizes = list(parts)
        _positive("parts", tuple(sizes))
        if isinstance(d, int) and sum(sizes) != d:
            raise ShapeError(f"split sizes {sizes} add up to {sum(sizes)}, but dimension {ax} is {d}", "parts",
                             code=codes.BAD_VALUE)
    a["sizes"] = tuple(sizes)
    return [x.with_shape((*x.shape[:ax], s, *x.shape[ax + 1:])) for s in sizes]


@op("flatten", [T(), Param("axis", "int", 1)], flops=lambda ins, outs, a: 0,
    doc="collapse to 2-D: dims before axis, dims from axis on")
def _flatten(ins, a):
    x = ins[0]
    ax = a["axis"] = norm_axis(a["axis"], x.rank + 1) if x.rank else 0
    return [x.with_shape((prod(x.shape[:ax]), prod(x.shape[ax:])))]


@op("reshape", [T(), Param("shape", "ints")], flops=lambda ins, outs, a: 0,
    doc="new shape; 0 copies the input dim, -1 is inferred")
def _reshape(ins, a):
    x = ins[0]
    target = list(a["shape"])
    if target.count(-1) > 1:
        raise ShapeError("reshape allows at most one -1", "shape", code=codes.BAD_VALUE)
    out: list[Dim] = []
    for i, d in enumerate(target):
        if d == 0:
            if i >= x.rank:
                raise ShapeError(f"reshape: 0 at position {i} copies a dim the input {x} does not have", "shape")
            out.append(x.shape[i])
        elif d < -1:
            raise ShapeError(f"reshape: invalid dim {d}", "shape", code=codes.BAD_VALUE)
        else:
            out.append(d)
    in_syms = sorted(str(d) for d in x.shape if not isinstance(d, int))
    out_syms = sorted(str(d) for d in out if not isinstance(d, int))
    in_n = per_sample(x.shape)
    out_n = per_sample(tuple(d for d in out if d != -1))
    if -1 in out:
        rest = [s for s in in_syms]
        for s in out_syms:
            if s in rest:
                rest.remove(s)
        if in_n % out_n:
            raise ShapeError(f"cannot reshape {x} to {target}: {in_n} elements per sample do not divide by {out_n}",
                             "shape", code=codes.BAD_VALUE)
        ratio = in_n // out_n
        if not rest:
            fill: Dim = ratio
        elif len(rest) == 1 and ratio == 1:
            fill = rest[0]
        else:
            fill = "*".join([*rest, *([str(ratio)] if ratio != 1 else [])])
        out[out.index(-1)] = fill
    elif in_n != out_n or in_syms != out_syms:
        raise ShapeError(f"cannot reshape {x} ({in_n} elements per sample) to [{', '.join(map(str, out))}]", "shape",
                         code=codes.BAD_VALUE)
    a["shape"] = tuple(target)
    return [x.with_shape(out)]


@op("transpose", [T(), Param("perm", "ints")], flops=lambda ins, outs, a: 0, doc="permute dims")
def _transpose(ins, a):
    x = ins[0]
    perm = list(a["perm"])
    if sorted(perm) != list(range(x.rank)):
        raise ShapeError(f"perm {perm} is not a permutation of the {x.rank} dims of {x}", "perm", code=codes.BAD_VALUE)
    a["perm"] = tuple(perm)
    return [x.with_shape(tuple(x.shape[p] for p in perm))]


@op("pad", [T(), Param("pads", "ints"), Param("value", "float", 0.0),
            Param("mode", "str", "constant", ("constant", "reflect", "edge"))], flops=lambda ins, outs, a: 0,
    doc="pad with begins then ends per dim (ONNX order), or [[b, e], ...] pairs")
def _pad(ins, a):
    x = ins[0]
    p = a["pads"]
    if p and isinstance(p[0], (list, tuple)):
        if len(p) != x.rank or any(len(q) != 2 for q in p):
            raise ShapeError(f"pad pairs must be one [begin, end] per dim ({x.rank})", "pads")
        p = [q[0] for q in p] + [q[1] for q in p]
    if len(p) != 2 * x.rank:
        raise ShapeError(f"pads needs {2 * x.rank} values for {x} (begins then ends), got {len(p)}", "pads")
    a["pads"] = tuple(p)
    out = []
    for i, d in enumerate(x.shape):
        extra = p[i] + p[x.rank + i]
        if not isinstance(d, int) and extra < 0:
            raise ShapeError(f"negative padding ({extra}) of symbolic dimension {i} (`{d}`) may leave it empty",
                             "pads", "crop symbolic dimensions with slice(), or pad them by 0 or more", code=codes.BAD_VALUE)
        out.append(d + extra if isinstance(d, int) else (d if extra == 0 else f"{d}+{extra}"))
        if isinstance(out[-1], int) and out[-1] <= 0:
            raise ShapeError(f"padding leaves dimension {i} empty", "pads", code=codes.BAD_VALUE)
        most = max(p[i], p[x.rank + i])
        if a["mode"] == "reflect" and most > 0 and isinstance(d, int) and \
                d + min(p[i], 0) + min(p[x.rank + i], 0) <= most:  # ONNX and onnxruntime (found by tests/fuzz)
            raise ShapeError(f"reflect padding of {most} needs dimension {i} to have more than {most} elements, "
                             f"it has {d}", "pads", "use mode=\"edge\" or \"constant\", or pad less", code=codes.BAD_VALUE)
    return [x.with_shape(out)]


@op("embedding", [T(), Param("num_embeddings", "int"), Param("dim", "int")], weight_prefixes=("w",),
    flops=lambda ins, outs, a: 0, doc="look up rows of a [num, dim] table by integer index")
def _embedding(ins, a):
    x = ins[0]
    if x.dtype not in INT_DTYPES:
        raise ShapeError(f"embedding expects integer indices, got {x}", 0, code=codes.DTYPE_MISMATCH)
    _positive("num_embeddings", a["num_embeddings"])
    _positive("dim", a["dim"])
    return [TensorType("f32", (*x.shape, a["dim"]))]


REGISTRY["embedding"].weights = lambda ins, a: [
    WeightSpec("weight", "w", (a["num_embeddings"], a["dim"]), Init("gaussian", (("mean", 0.0), ("std", 1.0))))]


@op("slice", [T(), Param("starts", "ints"), Param("ends", "ints"), Param("axes", "ints"), Param("steps", "ints"),
              Param("squeeze", "ints", ())], flops=lambda ins, outs, a: 0,
    doc="what indexing `x[a:b, i]` makes; not called by name")
def _slice(ins, a):
    x = ins[0]
    out = list(x.shape)
    for s, e, ax, st in zip(a["starts"], a["ends"], a["axes"], a["steps"]):
        if ax >= x.rank:
            raise ShapeError(f"too many indices for {x}", 0)
        d = x.shape[ax]
        if st == 0:
            raise ShapeError("slice step cannot be zero", 0, code=codes.BAD_VALUE)
        if not isinstance(d, int):
            if s == 0 and e >= 2 ** 62 and st == 1:
                continue
            raise ShapeError(f"cannot slice symbolic dimension {d} of {x}", 0)
        lo, hi, step = slice(s, e if e < 2 ** 62 else None, st).indices(d)
        n = len(range(lo, hi, step))
        if n <= 0:
            raise ShapeError(f"slice {s}:{e} of dimension {ax} (size {d}) is empty", 0, code=codes.BAD_VALUE)
        out[ax] = n
    for ax in a["squeeze"]:
        out[ax] = None  # type: ignore[call-overload]
    return [x.with_shape(tuple(d for d in out if d is not None))]


@op("constant", [Param("value", "any"), Param("dtype", "str", "f32")], flops=lambda ins, outs, a: 0,
    doc="a constant tensor (numbers in tensor arithmetic become these)")
def _constant(ins, a):
    import numpy as np

    arr = np.asarray(a["value"])
    return [TensorType(a["dtype"], tuple(int(d) for d in arr.shape))]


# ------------------------------------------------------------------ losses and metrics

def _class_target(ins, what: str) -> None:
    logits, label = ins
    if logits.rank != 2:
        raise ShapeError(f"{what} expects scores [N, classes], got {logits}", 0)
    _float(logits, what)
    if label.dtype in INT_DTYPES:
        if label.rank != 1 or label.shape[0] != logits.shape[0]:
            raise ShapeError(f"{what} expects class indices [N] for scores {logits}, got {label}", 1)
    elif label.shape != logits.shape:
        raise ShapeError(f"{what}: one-hot labels must match the scores {logits}, got {label}", 1)


@op("cross_entropy", [T("logits"), T("label")], kind="loss", flops=lambda ins, outs, a: 6 * per_sample(ins[0].shape),
    doc="softmax cross entropy of logits against class indices or one-hot/probability targets")
def _ce(ins, a):
    _class_target(ins, "cross_entropy")
    return [TensorType("f32", ())]


@op("mse", [T("pred"), T("target")], kind="loss", flops=_elementwise_flops(3), doc="mean squared error")
def _mse(ins, a):
    if ins[0].shape != ins[1].shape:
        raise ShapeError(f"mse needs equal shapes, got {ins[0]} and {ins[1]}", 1)
    _float(ins[0], "mse")
    return [TensorType("f32", ())]


@op("bce", [T("logits"), T("target")], kind="loss", flops=_elementwise_flops(5),
    doc="binary cross entropy on logits (sigmoid applied inside)")
def _bce(ins, a):
    if ins[0].shape != ins[1].shape:
        raise ShapeError(f"bce needs equal shapes, got {ins[0]} and {ins[1]}", 1)
    _float(ins[0], "bce")
    return [TensorType("f32", ())]


@op("accuracy", [T("logits"), T("label")], kind="metric", flops=_elementwise_flops(), doc="top-1 accuracy in percent")
def _acc(ins, a):
    _class_target(ins, "accuracy")
    return [TensorType("f32", ())]


@op("top_k_accuracy", [T("logits"), T("label"), Param("k", "int", 5)], kind="metric", flops=_elementwise_flops(),
    doc="top-k accuracy in percent")
def _topk(ins, a):
    _class_target(ins, "top_k_accuracy")
    _positive("k", a["k"])
    return [TensorType("f32", ())]


for _name in ("cross_entropy", "mse", "bce"):
    REGISTRY[_name].category = "loss"
for _name in ("accuracy", "top_k_accuracy"):
    REGISTRY[_name].category = "metric"

HIDDEN = {"slice", "constant"}  # made by the language, not called by name



# ------------------------------------------------------------------ energy models (SINGA kRBMVis/kRBMHid)

@op("rbm", [T(), Param("hidden", "int"), Param("gaussian", "bool", False), Param("bias", "bool", True)],
    weight_prefixes=("w", "vb", "hb"), category="energy",
    flops=lambda ins, outs, a: 2 * per_sample(ins[0].shape) * a["hidden"],
    doc="restricted Boltzmann machine over [N, visible]: weight [hidden, visible], visible bias vb, hidden "
        "bias hb; the value is the hidden activation sigmoid(x·Wᵀ + hb) (x·Wᵀ + hb when gaussian); trained "
        "with contrastive divergence (train.algorithm: cd)")
def _rbm(ins, a):
    x = ins[0]
    _rank(x, 2, "rbm", "N, visible", help="flatten the input first" if x.rank > 2 else None)
    _float(x, "rbm")
    _positive("hidden", a["hidden"])
    return [x.with_shape((x.shape[0], a["hidden"]))]


REGISTRY["rbm"].weights = lambda ins, a: [
    WeightSpec("weight", "w", (a["hidden"], ins[0].shape[-1]), Init("gaussian", (("mean", 0.0), ("std", 0.01)))),
    *([WeightSpec("vbias", "vb", (ins[0].shape[-1],), Init("constant", (("value", 0.0),))),
       WeightSpec("hbias", "hb", (a["hidden"],), Init("constant", (("value", 0.0),)))] if a["bias"] else []),
]


# ------------------------------------------------------------------ layout conversion (made by passes only)

LAYOUT_RANK = {"N": 1, "NC": 2, "CN": 2, "NCT": 3, "NTC": 3, "NCHW": 4, "NHWC": 4}


@op("reorder", [T(), Param("layout", "str")], flops=lambda ins, outs, a: 0,
    doc="change a tensor's physical layout (made by the insert-layouts pass; not called by name); to a 2-D "
        "layout from a higher rank it also flattens [N, rest]")
def _reorder(ins, a):
    x = ins[0]
    lay = a["layout"]
    if lay not in LAYOUT_RANK:
        raise ShapeError(f"reorder: unknown layout {lay!r}", "layout")
    r = LAYOUT_RANK[lay]
    if r == x.rank:
        return [TensorType(x.dtype, x.shape, lay)]
    if r == 2 and x.rank > 2:
        return [TensorType(x.dtype, (x.shape[0], prod(x.shape[1:])), lay)]
    raise ShapeError(f"reorder cannot turn {x} into {lay}", 0)


HIDDEN.add("reorder")


# ------------------------------------------------------------------ recurrent

def _gru_flops(ins, outs, a) -> int:
    x = ins[0]
    t, f, h = x.shape[1], x.shape[2], a["hidden"]
    if not (isinstance(t, int) and isinstance(f, int)):
        return 0
    # per step: input and recurrent products (3H rows each), both biases, and the gate arithmetic
    # (two sigmoids, one tanh, the reset product and the interpolation: about 8 per hidden unit)
    return t * (2 * 3 * h * (f + h) + (6 * h if a["bias"] else 0) + 8 * h)


@op("gru", [T(), Param("hidden", "int"), Param("bias", "bool", True), Param("return_sequences", "bool", True)],
    weight_prefixes=("w", "r", "b", "rb"), flops=_gru_flops,
    doc="gated recurrent unit over a batch-first sequence [N, T, F] → [N, T, hidden] (the last step [N, hidden] "
        "when return_sequences=false), from a zero initial state; gates stacked in ONNX order z, r, h: input "
        "weight w [3·hidden, F], recurrent weight r [3·hidden, hidden], biases b and rb [3·hidden]; "
        "h̃ = tanh(x·Whᵀ + bh + r ⊙ (hₜ₋₁·Rhᵀ + rbh)) (ONNX linear_before_reset=1, PyTorch's GRU)")
def _gru(ins, a):
    x = ins[0]
    _rank(x, 3, "gru", "N, T, features", help="a sequence of vectors, batch first; reshape or embed the input")
    _float(x, "gru")
    _positive("hidden", a["hidden"])
    if not isinstance(x.shape[2], int):
        raise ShapeError(f"gru needs a fixed feature size (the last dim) to size its weights, got {x}", 0)
    out = (x.shape[0], x.shape[1], a["hidden"]) if a["return_sequences"] else (x.shape[0], a["hidden"])
    return [x.with_shape(out)]


def _gru_init(h: int) -> Init:
    k = 1.0 / h ** 0.5  # PyTorch's default for every GRU weight: uniform(±1/sqrt(hidden))
    return Init("uniform", (("low", -k), ("high", k)))


REGISTRY["gru"].weights = lambda ins, a: [
    WeightSpec("weight", "w", (3 * a["hidden"], ins[0].shape[-1]), _gru_init(a["hidden"])),
    WeightSpec("recurrent_weight", "r", (3 * a["hidden"], a["hidden"]), _gru_init(a["hidden"])),
    *([WeightSpec("bias", "b", (3 * a["hidden"],), _gru_init(a["hidden"])),
       WeightSpec("recurrent_bias", "rb", (3 * a["hidden"],), _gru_init(a["hidden"]))] if a["bias"] else []),
]
