"""A plug-in op from outside the package: `hardshrink(x, lambd=0.5)`, with only public API.

What docs/adding-an-op.md describes, as a module a user could ship: one registry
entry (`nncc.ops.op`) and one entry in each target's lowering table (ONNX `Shrink`,
LBANN operator layers: |x| > lambd as a mask, times x). Importing it registers the op;
`uninstall()` takes it out again (tests share one registry).
"""
from __future__ import annotations

from nncc import codes
from nncc.ops import REGISTRY, Param, T, check_float, elementwise_flops, op, same_type
from nncc.shapes import ShapeError
from nncc.targets.lbann import LOWER as LBANN
from nncc.targets.onnx import LOWER as ONNX


def _eval(xs: list, a: dict) -> list:
    import numpy as np

    x = xs[0]
    return [np.where(np.abs(x) > a["lambd"], x, np.zeros((), x.dtype))]


@op("hardshrink", [T(), Param("lambd", "float", 0.5)], traits=("pure", "elementwise"), eval=_eval,
    flops=elementwise_flops(2), section="plug-ins", origin=__name__, doc="x where |x| > lambd, else 0")
def _hardshrink(ins, a):
    check_float(ins[0], "hardshrink")
    if a["lambd"] < 0:
        raise ShapeError(f"hardshrink: lambd must not be negative, got {a['lambd']}", "lambd", code=codes.BAD_VALUE)
    return same_type(ins, a)


def onnx_hardshrink(L, n) -> None:
    L.add("Shrink", [n.inputs[0].name], [n.output.name], n.name, lambd=n.attrs["lambd"], bias=0.0)


def lbann_hardshrink(em, n) -> None:
    x = em.x(n.inputs[0])
    mask = em.operator(f"{n.name}_mask", [x], ("AbsOperator", {}),
                       ("GreaterConstantOperator", {"constant": n.attrs["lambd"]}))
    em.bind(n, em.operator(n.name, [x, mask.name], ("MultiplyOperator", {})))


ONNX["hardshrink"] = onnx_hardshrink
LBANN["hardshrink"] = lbann_hardshrink


def uninstall() -> None:
    for table in (ONNX, LBANN):
        table.pop("hardshrink", None)
    REGISTRY.pop("hardshrink", None)
