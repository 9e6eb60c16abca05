"""Convolution and pooling: windowed ops over [N, C, *spatial]."""
from __future__ import annotations

from .. import codes
from ..ir import Init, TensorType
from ..ops import (
    Param,
    T,
    WeightSpec,
    canonical_pads,
    canonical_spatial,
    check_float,
    check_positive,
    check_rank,
    op,
)
from ..shapes import ShapeError, dim_add, dim_mul, per_sample, window_out

SECTION = "convolution and pooling"


def _conv_params(transposed: bool = False) -> list[Param]:
    ps = [T(), Param("out_channels", "int"), Param("kernel", "spatial"), Param("stride", "spatial", 1),
          Param("pad", "pad", 0)]
    if transposed:
        ps.append(Param("output_pad", "spatial_or_zero", 0))
    ps += [Param("dilation", "spatial", 1), Param("groups", "int", 1), Param("bias", "bool", True)]
    if not transposed:
        ps.append(Param("padding_mode", "str", "zeros", PADDING_MODES))
    return ps


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _check_padding_mode(a: dict, x: TensorType, pads: tuple[int, ...]) -> None:
    """reflect needs each pad below its dim's size, circular at most the size (as PyTorch's F.pad)."""
    mode, s = a["padding_mode"], len(pads) // 2
    for i in range(s):
        d = x.shape[2 + i]
        limit = {"reflect": d - 1 if isinstance(d, int) else None, "circular": d}.get(mode)
        if isinstance(limit, int) and max(pads[i], pads[s + i]) > limit:
            raise ShapeError(f'padding_mode="{mode}" pads dim {2 + i} (size {d}) by {max(pads[i], pads[s + i])}; '
                             f"{mode} padding takes at most {limit} there", "pad",
                             "use less padding, or padding_mode=\"replicate\" or \"zeros\"", code=codes.BAD_VALUE)


def _bias(a: dict) -> list[WeightSpec]:
    return [WeightSpec("bias", "b", (a["out_channels"],), Init("constant", (("value", 0.0),)))] if a["bias"] else []


def _make_conv(s: int) -> None:
    layout = "N, C, " + ", ".join("DHW"[3 - s:])
    name = f"conv{s}d"

    def shape(ins: list[TensorType], a: dict) -> list[TensorType]:
        x = ins[0]
        check_rank(x, s + 2, name, layout, help=("`flat` is 2-D; drop the flatten or use linear()"
                                                 if x.rank == 2 else None))
        check_float(x, name)
        check_positive("out_channels", a["out_channels"])
        check_positive("groups", a["groups"])
        k = canonical_spatial(a, "kernel", s)
        st = canonical_spatial(a, "stride", s)
        dl = canonical_spatial(a, "dilation", s)
        c = x.shape[1]
        g = a["groups"]
        if isinstance(c, int) and c % g:
            raise ShapeError(f"input channels ({c}) are not divisible by groups ({g})", "groups", code=codes.BAD_VALUE)
        if a["out_channels"] % g:
            raise ShapeError(f"out_channels ({a['out_channels']}) is not divisible by groups ({g})", "groups",
                             code=codes.BAD_VALUE)
        pads = canonical_pads(a, x.shape[2:], k, st, dl)
        _check_padding_mode(a, x, pads)
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
        return [WeightSpec("weight", "w", (a["out_channels"], c // a["groups"] if isinstance(c, int) else c,
                                           *a["kernel"]), Init("he_normal")), *_bias(a)]

    def flops(ins: list[TensorType], outs: list[TensorType], a: dict) -> int:
        c = ins[0].shape[1]
        kprod = 1
        for kk in a["kernel"]:
            kprod *= kk
        macs = per_sample(outs[0].shape) * (c // a["groups"] if isinstance(c, int) else 1) * kprod
        return 2 * macs + (per_sample(outs[0].shape) if a["bias"] else 0)

    op(name, _conv_params(), weights=weights, flops=flops, spatial=s, weight_prefixes=("w", "b"), channel_axis=1,
       section=SECTION, doc=f"{s}-D convolution over [{layout}] with weight [out, in/groups, *kernel]; `pad`: an int, "
       "one per spatial dim, begins then ends, \"same\" (output size ceil(in / stride); an odd total padding puts "
       "the extra element at the end, as ONNX SAME_UPPER) or \"valid\" (none); `padding_mode`: what the padding "
       "holds, as PyTorch's: zeros, reflect (mirrored without the edge), replicate (the edge repeated) or circular "
       "(wrapped around)")(shape)


for _s in (1, 2, 3):
    _make_conv(_s)


def _deconv_weights(ins: list[TensorType], a: dict) -> list[WeightSpec]:
    c = ins[0].shape[1]
    return [WeightSpec("weight", "w", (c, a["out_channels"] // a["groups"], *a["kernel"]), Init("he_normal")),
            *_bias(a)]


def _deconv_flops(ins: list[TensorType], outs: list[TensorType], a: dict) -> int:
    return 2 * per_sample(ins[0].shape) * (a["out_channels"] // a["groups"]) * a["kernel"][0] * a["kernel"][1]


@op("conv_transpose2d", _conv_params(transposed=True), spatial=2, weight_prefixes=("w", "b"),
    weights=_deconv_weights, flops=_deconv_flops, section=SECTION,
    doc="2-D transposed convolution (deconvolution); weight [in, out/groups, kh, kw]")
def _conv_transpose2d(ins, a):
    x = ins[0]
    check_rank(x, 4, "conv_transpose2d", "N, C, H, W")
    check_float(x, "conv_transpose2d")
    check_positive("out_channels", a["out_channels"])
    k, st = canonical_spatial(a, "kernel", 2), canonical_spatial(a, "stride", 2)
    dl = canonical_spatial(a, "dilation", 2)
    op_ = a["output_pad"]
    a["output_pad"] = (op_, op_) if isinstance(op_, int) else tuple(op_)
    if a.get("pad") == "same":
        raise ShapeError('conv_transpose2d does not take pad="same"; give explicit padding', "pad")
    pads = canonical_pads(a, x.shape[2:], k, st, dl)
    c, g = x.shape[1], a["groups"]
    check_positive("groups", g)  # found by tests/fuzz: groups <= 0 divided by zero
    for o, s_, d_ in zip(a["output_pad"], st, dl):
        if not 0 <= o < max(s_, d_):  # as ONNX ConvTranspose requires
            raise ShapeError(f"output_pad must be in [0, max(stride, dilation)), got {o}", "output_pad",
                             code=codes.BAD_VALUE)
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


def _pool(kind: str) -> None:
    name = f"{kind}_pool2d"
    params = [T(), Param("kernel", "spatial"), Param("stride", "spatial", None), Param("pad", "pad", 0),
              Param("ceil_mode", "bool", False)]
    if kind == "avg":
        params.append(Param("count_include_pad", "bool", False))
    else:
        params.append(Param("dilation", "spatial", 1))

    def shape(ins: list[TensorType], a: dict) -> list[TensorType]:
        x = ins[0]
        check_rank(x, 4, name, "N, C, H, W")
        check_float(x, name)
        k = canonical_spatial(a, "kernel", 2)
        if a["stride"] is None:
            a["stride"] = k
        st = canonical_spatial(a, "stride", 2)
        if kind == "max":
            a.setdefault("dilation", 1)  # (an IR written before max pooling had dilation)
        dl = canonical_spatial(a, "dilation", 2) if kind == "max" else (1, 1)
        pads = canonical_pads(a, x.shape[2:], k, st, dl)
        for i in range(2):
            if max(pads[i], pads[2 + i]) * 2 > k[i]:
                raise ShapeError(f"pooling pad ({pads[i]}) must be at most half the kernel ({k[i]})", "pad",
                                 code=codes.BAD_VALUE)
        out = [window_out(x.shape[2 + i], k[i], st[i], pads[i] + pads[2 + i], dl[i], a["ceil_mode"])
               for i in range(2)]
        for i, d in enumerate(out):
            if isinstance(d, int) and d <= 0:
                raise ShapeError(f"pooling window {k[i]} (dilation {dl[i]}) does not fit in spatial size "
                                 f"{x.shape[2 + i]}", "kernel",
                                 "use a smaller window or remove a downsampling layer before this",
                                 code=codes.BAD_VALUE)
        return [x.with_shape((x.shape[0], x.shape[1], *out))]

    op(name, params, flops=lambda ins, outs, a: per_sample(outs[0].shape) * a["kernel"][0] * a["kernel"][1],
       spatial=2, section=SECTION, doc=f"2-D {kind} pooling; stride defaults to the kernel"
       + ("; `dilation` spaces the window's taps (PyTorch's, ONNX's dilations)" if kind == "max" else ""))(shape)


_pool("max")
_pool("avg")


@op("global_avg_pool", [T()], flops=lambda ins, outs, a: per_sample(ins[0].shape), section=SECTION,
    doc="average over all spatial dims: [N, C, *S] -> [N, C, 1, ...]")
def _gap(ins, a):
    x = ins[0]
    if x.rank < 3:
        raise ShapeError(f"global_avg_pool expects an input with spatial dims [N, C, H, W], got {x}", 0)
    check_float(x, "global_avg_pool")
    return [x.with_shape((x.shape[0], x.shape[1]) + (1,) * (x.rank - 2))]
