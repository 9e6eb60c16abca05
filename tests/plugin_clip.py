"""A plug-in op from outside the package: `clip(x, low=-1.0, high=1.0)`, with only public API.

What docs/adding-an-op.md describes, as a module a user could ship: one registry
entry (`nncc.ops.op`) and one entry in each target's lowering table (ONNX `Clip`,
LBANN `operator_layer` with `ClampOperator`). Importing it registers the op;
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

    return [np.clip(xs[0], a["low"], a["high"])]


@op("clip", [T(), Param("low", "float", -1.0), Param("high", "float", 1.0)], traits=("pure", "elementwise"),
    eval=_eval, flops=elementwise_flops(2), section="plug-ins", origin=__name__,
    doc="x limited to [low, high]")
def _clip(ins, a):
    check_float(ins[0], "clip")
    if a["low"] > a["high"]:
        raise ShapeError(f"clip: low ({a['low']}) is above high ({a['high']})", "high", code=codes.BAD_VALUE)
    return same_type(ins, a)


def onnx_clip(L, n) -> None:
    """ONNX Clip takes its bounds as inputs (opset 11 on), in the input's element type."""
    import numpy as np

    from nncc.dtypes import numpy_type

    dt = numpy_type(n.inputs[0].type.dtype)
    lo = L.const(L.fresh(f"{n.name}/low"), np.array(n.attrs["low"], dtype=dt))
    hi = L.const(L.fresh(f"{n.name}/high"), np.array(n.attrs["high"], dtype=dt))
    L.add("Clip", [n.inputs[0].name, lo, hi], [n.output.name], n.name)


def lbann_clip(em, n) -> None:
    em.bind(n, em.operator(n.name, [em.x(n.inputs[0])],
                           ("ClampOperator", {"min": n.attrs["low"], "max": n.attrs["high"]})))


ONNX["clip"] = onnx_clip
LBANN["clip"] = lbann_clip


def uninstall() -> None:
    for table in (ONNX, LBANN):
        table.pop("clip", None)
    REGISTRY.pop("clip", None)
