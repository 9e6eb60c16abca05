"""Normalisation, activations, identity and element-wise arithmetic."""
from __future__ import annotations

from typing import Any, Callable

from .. import codes
from ..ir import Init, TensorType
from ..ops import (
    EvalFn,
    Param,
    T,
    WeightSpec,
    check_float,
    check_positive,
    check_rank,
    elementwise_flops,
    no_flops,
    op,
    same_type,
)
from ..shapes import ShapeError, broadcast, norm_axis, per_sample

NORM = "normalisation and regularisation"
ACT = "activations"
ARITH = "element-wise arithmetic"


def _const(role: str, prefix: str, n: Any, value: float, trainable: bool = True) -> WeightSpec:
    return WeightSpec(role, prefix, (n,), Init("constant", (("value", value),)), trainable)


def _passthrough(xs: list, a: dict) -> list:
    return [xs[0]]


# ------------------------------------------------------------------ normalisation

@op("batch_norm", [T(), Param("eps", "float", 1e-5), Param("momentum", "float", 0.9)], weight_prefixes=("w", "b"),
    state_prefixes=("mean", "var"), flops=elementwise_flops(2), section=NORM,
    weights=lambda ins, a: [_const("scale", "w", ins[0].shape[1], 1.0), _const("bias", "b", ins[0].shape[1], 0.0),
                            _const("mean", "mean", ins[0].shape[1], 0.0, False),
                            _const("var", "var", ins[0].shape[1], 1.0, False)],
    doc="batch normalisation over dim 1 (channels); weights scale, bias, running mean/var; `momentum` as ONNX: "
        "running = running·m + batch·(1 − m)")
def _bn(ins, a):
    x = ins[0]
    if x.rank < 2:
        raise ShapeError(f"batch_norm expects an input [N, C, ...], got {x}", 0)
    check_float(x, "batch_norm")
    if not 0 <= a["momentum"] <= 1:
        raise ShapeError(f"momentum must be in [0, 1], got {a['momentum']}", "momentum", code=codes.BAD_VALUE)
    if a["eps"] <= 0:
        raise ShapeError(f"eps must be positive, got {a['eps']}", "eps", code=codes.BAD_VALUE)
    return same_type(ins, a)


@op("layer_norm", [T(), Param("eps", "float", 1e-5)], weight_prefixes=("w", "b"), flops=elementwise_flops(5),
    weights=lambda ins, a: [_const("scale", "w", ins[0].shape[-1], 1.0), _const("bias", "b", ins[0].shape[-1], 0.0)],
    section=NORM, doc="layer normalisation over the last dim")
def _ln(ins, a):
    check_float(ins[0], "layer_norm")
    if ins[0].rank < 1:
        raise ShapeError("layer_norm needs at least a 1-D input", 0)
    return same_type(ins, a)


@op("lrn", [T(), Param("size", "int", 5), Param("alpha", "float", 1e-4), Param("beta", "float", 0.75),
            Param("k", "float", 1.0)], flops=lambda ins, outs, a: per_sample(outs[0].shape) * (a["size"] + 3),
    section=NORM, doc="local response normalisation across channels")
def _lrn(ins, a):
    check_rank(ins[0], 4, "lrn", "N, C, H, W")
    check_float(ins[0], "lrn")
    check_positive("size", a["size"])
    if a["size"] % 2 == 0:
        # the window is centred on the channel; Caffe, SINGA and onnxruntime reject even sizes
        raise ShapeError(f"lrn size must be odd (a window centred on each channel), got {a['size']}", "size",
                         code=codes.BAD_VALUE)
    for p in ("alpha", "beta"):  # onnxruntime refuses alpha, beta <= 0 (found by tests/fuzz)
        if not a[p] > 0:
            raise ShapeError(f"lrn {p} must be positive, got {a[p]}", p, code=codes.BAD_VALUE)
    return same_type(ins, a)


@op("dropout", [T(), Param("p", "float", 0.5)], traits=("stochastic", "elementwise", "exact"), eval=_passthrough,
    flops=elementwise_flops(), section=NORM,
    doc="dropout with drop probability p, 0 ≤ p < 1 (the identity at inference)")
def _dropout(ins, a):
    check_float(ins[0], "dropout")  # ONNX Dropout takes float tensors only (found by tests/fuzz)
    if not 0 <= a["p"] < 1:
        raise ShapeError(f"dropout probability must be in [0, 1), got {a['p']}", "p",
                         "p is the probability of dropping a unit; p=1 drops everything", code=codes.BAD_VALUE)
    return same_type(ins, a)


# ------------------------------------------------------------------ activations

def _relu(xs: list, a: dict) -> list:
    import numpy as np

    return [np.maximum(xs[0], np.zeros((), xs[0].dtype))]


def _tanh(xs: list, a: dict) -> list:
    import numpy as np

    return [np.tanh(xs[0])]


def _sigmoid(xs: list, a: dict) -> list:
    import numpy as np

    x = xs[0]
    return [(1 / (1 + np.exp(-x.astype(np.float64)))).astype(x.dtype)]


def _gelu(xs: list, a: dict) -> list:
    import math

    import numpy as np

    x = xs[0]
    x64 = x.astype(np.float64)
    if a.get("approximate") == "tanh":
        return [(0.5 * x64 * (1 + np.tanh(math.sqrt(2 / math.pi) * (x64 + 0.044715 * x64 ** 3)))).astype(x.dtype)]
    erf = np.vectorize(math.erf)
    return [(0.5 * x * (1 + erf(x64 / math.sqrt(2)))).astype(x.dtype)]


def _f64(f: Callable) -> EvalFn:
    """An eval computing `f` in float64, the result in the input's dtype."""
    def ev(xs: list, a: dict) -> list:
        import numpy as np

        x = xs[0]
        return [np.asarray(f(np, x.astype(np.float64), a)).astype(x.dtype)]
    return ev


def _clip_eval(np: Any, x: Any, a: dict) -> Any:
    lo, hi = a["low"], a["high"]
    return np.clip(x, -np.inf if lo is None else lo, np.inf if hi is None else hi)


def _softplus(np: Any, x: Any) -> Any:
    return np.logaddexp(0.0, x)


def _softmax(xs: list, a: dict) -> list:
    import numpy as np

    x = xs[0]
    e = np.exp(x - x.max(axis=a["axis"], keepdims=True))
    return [e / e.sum(axis=a["axis"], keepdims=True)]


def _act(name: str, extra: list[Param] | None = None, k: int = 1, doc: str = "", eval: EvalFn | None = None,
         exact: bool = False) -> None:
    """A float activation; elementwise unless it has an `axis` (softmax and log_softmax)."""
    along_axis = any(p.name == "axis" for p in extra or [])

    def shape(ins: list[TensorType], a: dict) -> list[TensorType]:
        check_float(ins[0], name)
        if along_axis:
            a["axis"] = norm_axis(a["axis"], ins[0].rank)
        return same_type(ins, a)

    traits = ("pure", "activation") + (() if along_axis else ("elementwise",)) + (("exact",) if exact else ())
    op(name, [T(), *(extra or [])], traits=traits, flops=elementwise_flops(k), eval=eval, doc=doc,
       section=ACT)(shape)


_act("relu", doc="max(x, 0)", eval=_relu, exact=True)
_act("leaky_relu", [Param("alpha", "float", 0.01)], doc="x if x > 0 else alpha·x")
_act("elu", [Param("alpha", "float", 1.0)], 3, doc="x if x > 0 else alpha·(exp(x) − 1)")
_act("selu", k=3, doc="scaled ELU (Klambauer et al.)")
_act("sigmoid", k=4, doc="1 / (1 + exp(−x))", eval=_sigmoid)
_act("tanh", k=4, doc="hyperbolic tangent", eval=_tanh)
_act("stanh", k=5, doc="scaled tanh: 1.7159·tanh(2x/3) (LeCun)")
_act("gelu", [Param("approximate", "str", "none", ("none", "tanh"))], k=8, eval=_gelu,
     doc='Gaussian error linear unit: x·Φ(x) (erf form), or with approximate="tanh" '
         "0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))")
_act("softmax", [Param("axis", "int", -1)], 5, doc="softmax along an axis", eval=_softmax)
_act("log_softmax", [Param("axis", "int", -1)], 6, doc="log of softmax along an axis")




def _bounds(name: str, fixed: tuple[float, float] | None = None, doc: str = "") -> None:
    """clip, hardtanh and relu6: x limited to [low, high]; the IR always holds `low` and `high`
    (relu6's are fixed at 0 and 6; clip's may be none: unbounded on that side)."""
    optional = fixed is None and name == "clip"
    params = [] if fixed else [Param("low", "float", None if optional else -1.0),
                               Param("high", "float", None if optional else 1.0)]

    def shape(ins: list[TensorType], a: dict) -> list[TensorType]:
        check_float(ins[0], name)
        if fixed:
            a["low"], a["high"] = fixed
        lo, hi = a["low"], a["high"]
        if lo is None and hi is None:
            raise ShapeError(f"{name} needs a bound: give low=, high= or both", None, "clip(x, low=0.0, high=6.0)",
                             code=codes.BAD_VALUE)
        if lo is not None and hi is not None and lo > hi:
            raise ShapeError(f"{name}: low ({lo}) is above high ({hi})", "high", code=codes.BAD_VALUE)
        return same_type(ins, a)

    op(name, [T(), *params], traits=("pure", "activation", "elementwise", "exact"), flops=elementwise_flops(2),
       eval=_f64(_clip_eval), doc=doc, section=ACT)(shape)


_bounds("clip", doc="x limited to [low, high]; a bound left out (none) does not limit")
_bounds("hardtanh", doc="x limited to [low, high], by default [−1, 1]")
_bounds("relu6", (0.0, 6.0), doc="min(max(x, 0), 6) (MobileNet's activation)")
_act("hardsigmoid", k=3, doc="min(max(x/6 + 1/2, 0), 1), as PyTorch's Hardsigmoid",
     eval=_f64(lambda np, x, a: np.clip(x / 6 + 0.5, 0.0, 1.0)))
_act("hardswish", k=4, doc="x·hardsigmoid(x) (MobileNetV3)",
     eval=_f64(lambda np, x, a: x * np.clip(x / 6 + 0.5, 0.0, 1.0)))
_act("silu", k=5, doc="x·sigmoid(x); also called `swish`", eval=_f64(lambda np, x, a: x / (1 + np.exp(-x))))
_act("mish", k=8, doc="x·tanh(softplus(x))", eval=_f64(lambda np, x, a: x * np.tanh(_softplus(np, x))))
_act("softplus", k=4, doc="log(1 + exp(x))", eval=_f64(lambda np, x, a: _softplus(np, x)))


@op("identity", [T()], traits=("pure", "elementwise", "data-movement", "exact"), eval=_passthrough,
    noop=lambda x, y, a: True, flops=no_flops, section=ACT, doc="passes its input through")
def _identity(ins, a):
    return same_type(ins, a)


# ------------------------------------------------------------------ element-wise binary

def _binary(name: str, sym: str, ufunc: str, unit: float, commutative: bool) -> None:
    def shape(ins: list[TensorType], a: dict) -> list[TensorType]:
        x, y = ins
        if x.dtype != y.dtype:
            raise ShapeError(f"`{sym}` needs operands of one dtype, got {x} and {y}", 1, code=codes.DTYPE_MISMATCH)
        return [x.with_shape(broadcast(x.shape, y.shape))]

    def eval_(xs: list, a: dict) -> list:
        import numpy as np

        f: Callable = getattr(np, ufunc)
        return [f(xs[0], xs[1])]

    traits = ("pure", "elementwise", "exact") + (("commutative",) if commutative else ())
    op(name, [T("a"), T("b")], traits=traits, eval=eval_, unit=unit, flops=elementwise_flops(), section=ARITH,
       doc=f"element-wise a {sym} b with broadcasting; also written `a {sym} b`")(shape)


_binary("add", "+", "add", 0.0, True)
_binary("sub", "-", "subtract", 0.0, False)
_binary("mul", "*", "multiply", 1.0, True)
_binary("div", "/", "divide", 1.0, False)
