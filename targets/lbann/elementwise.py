"""LBANN rules for activations made of entry-wise operators (clamp, hard sigmoid, x·f(x)), named from the
lowering table as `elementwise.<rule>`."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from nncc.ir import Node, Value

from .refusals import refuse

if TYPE_CHECKING:
    from .emit import Emitter

FLOAT_MAX = 3.4028234663852886e38  # an absent clip bound: LBANN's ClampOperator always has both


def _clamp(n: Node) -> tuple[str, dict]:
    lo, hi = n.attrs["low"], n.attrs["high"]
    return ("ClampOperator", {"min": -FLOAT_MAX if lo is None else lo, "max": FLOAT_MAX if hi is None else hi})


HARD_SIGMOID = (("ScaleOperator", {"constant": 1.0 / 6.0}), ("AddConstantOperator", {"constant": 0.5}),
                ("ClampOperator", {"min": 0.0, "max": 1.0}))
TIMES = {"silu": (("SigmoidOperator", {}),), "mish": (("SoftplusOperator", {}), ("TanhOperator", {})),
         "hardswish": HARD_SIGMOID}


def _clip(em: Emitter, n: Node) -> None:
    em.bind(n, em.operator(n.name, [em.x(n.inputs[0])], _clamp(n)))


def _hardsigmoid(em: Emitter, n: Node) -> None:
    em.bind(n, em.operator(n.name, [em.x(n.inputs[0])], *HARD_SIGMOID))


def _times(em: Emitter, n: Node) -> None:
    """x · f(x): f as a chain of operator layers, then their product with x."""
    x = em.x(n.inputs[0])
    f = em.operator(f"{n.name}_{n.op}_gate", [x], *TIMES[n.op])
    em.bind(n, em.operator(n.name, [x, f.name], ("MultiplyOperator", {})))


# x·(1 + erf(x/√2))/2, GELU's exact form, from LBANN's entry-wise operators
GELU_ERF: tuple[tuple[str, dict], ...] = (("ScaleOperator", {"constant": 1 / math.sqrt(2)}), ("ErfOperator", {}),
                                          ("AddConstantOperator", {"constant": 1.0}))


def _gelu(em: Emitter, n: Node) -> None:
    """LBANN's GeluOperator is the tanh approximation (src/operators/math/unary.cpp, BERT's coefficients), which
    is `approximate="tanh"`; the erf form is built from ErfOperator."""
    x = em.x(n.inputs[0])
    if n.attrs.get("approximate") == "tanh":
        return em.bind(n, em.operator(n.name, [x], ("GeluOperator", {})))
    gate = em.operator(f"{n.name}_gate", [x], *GELU_ERF)
    times = em.operator(f"{n.name}_times", [x, gate.name], ("MultiplyOperator", {}))
    em.bind(n, em.operator(n.name, [times.name], ("ScaleOperator", {"constant": 0.5})))


# element-wise math of two tensors of one shape (LBANN's entry-wise operators do not broadcast)
PAIR = {"pow": "PowOperator", "maximum": "MaxOperator", "minimum": "MinOperator", "less": "LessOperator",
        "less_equal": "LessEqualOperator", "greater": "GreaterOperator", "greater_equal": "GreaterEqualOperator",
        "equal": "EqualOperator", "not_equal": "NotEqualOperator"}
# ... and of a tensor and a constant (on the right; a constant on the left takes the mirrored op)
WITH_CONSTANT = {"maximum": "MaxConstantOperator", "minimum": "MinConstantOperator",
                 "less": "LessConstantOperator", "less_equal": "LessEqualConstantOperator",
                 "greater": "GreaterConstantOperator", "greater_equal": "GreaterEqualConstantOperator",
                 "equal": "EqualConstantOperator", "not_equal": "NotEqualConstantOperator"}
MIRROR = {"less": "greater", "less_equal": "greater_equal", "greater": "less", "greater_equal": "less_equal"}
# the ops whose rule takes a scalar constant operand itself (no constant layer of its own)
TAKES_SCALAR = frozenset(WITH_CONSTANT) | {"pow"}


def _pair(em: Emitter, n: Node) -> None:
    a, b = n.inputs
    ca, cb = em.const_value(a), em.const_value(b)
    if cb is None and ca is not None and n.op in WITH_CONSTANT:
        a, b, cb = b, a, ca
        op = MIRROR.get(n.op, n.op)
    else:
        op = n.op
    if cb is not None and op in WITH_CONSTANT:
        if not em.same_shape(a, n.output):
            raise refuse("broadcast", f"`{n.op}` broadcasting {a.type} to {n.output.type} has no LBANN equivalent "
                         "(target `lbann`)", n.span)
        em.bind(n, em.operator(n.name, [em.x(a)], (WITH_CONSTANT[op], {"constant": cb})))
        return
    scalar = [not v.ttype.shape and em.const_value(v) is not None for v in n.inputs]
    if not (em.same_shape(a, b) or any(scalar)):
        raise refuse("broadcast",
                     f"`{n.op}` of {a.type} and {b.type} broadcasts, which LBANN's entry-wise layers do not "
                     "(target `lbann`)", n.span, "give both operands the same shape")
    parents = [_filled(em, n, v) if s else em.x(v) for v, s in zip(n.inputs, scalar)]
    em.bind(n, em.operator(n.name, parents, (PAIR[n.op], {})))


def _filled(em: Emitter, n: Node, c: Value) -> str:
    """A scalar constant operand as a constant layer of the result's shape per sample (`x ** 2`)."""
    lay, p = em.layer(f"{n.name}_constant", [], "constant")
    p.value = em.const_value(c)
    p.num_neurons.extend(em.static(n, tuple(n.output.ttype.shape[1:]), "dims"))
    return lay.name


def _where(em: Emitter, n: Node) -> None:
    """LBANN's SelectOperator: a where the condition (0 or 1, LBANN has no bool tensors) is 1, else b."""
    shapes = {v.ttype.shape for v in n.inputs}
    if len(shapes) != 1:
        raise refuse("broadcast", f"`where` of {', '.join(str(v.type) for v in n.inputs)} broadcasts, which LBANN's "
                     "entry-wise layers do not (target `lbann`)", n.span, "give all three the same shape")
    em.bind(n, em.operator(n.name, [em.x(v) for v in n.inputs], ("SelectOperator", {"value": 1.0, "epsilon": 0.5})))
