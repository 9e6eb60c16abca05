"""LBANN rules for activations made of entry-wise operators (clamp, hard sigmoid, x·f(x)), named from the
lowering table as `elementwise.<rule>`."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nncc.ir import Node

from .base import Unsupported

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


def _gelu(em: Emitter, n: Node) -> None:
    if n.attrs.get("approximate") == "tanh":
        raise Unsupported('`gelu(approximate="tanh")` has no LBANN equivalent: its GeluOperator is the erf form '
                          "(target `lbann`)", n.span_of("approximate"), 'drop approximate="tanh"')
    em.bind(n, em.operator(n.name, [em.x(n.inputs[0])], ("GeluOperator", {})))
