"""Lowering rules for structure: reshapes (with folded shape arithmetic), transposes, joins, splits,
slices, padding; and Dropout and Identity, which are their input at inference."""
from __future__ import annotations

from typing import Any

import numpy as np

from .graph import ONode, Sym, pin_shape
from .lower import Call, Lowering, Unsupported, rule, runtime


# ---------------------------------------------------------------- structure

@rule("Dropout", "Identity")
def _alias(lo: Lowering, n: ONode) -> None:
    """Inference: both compute their input (Dropout's mask output, if used, is not)."""
    if len(n.outputs) > 1 and n.outputs[1] and lo.users.get(n.outputs[1]):
        raise Unsupported("whose mask is used")
    lo.alias[n.outputs[0]] = n.inputs[0]
    lo.done.add(n.index)
    return None


@rule("Flatten")
def _flatten(lo: Lowering, n: ONode) -> Call:
    ax = int(n.attrs.get("axis", 1))
    return Call("flatten", [runtime(lo, n)], n.outputs, [n], [], {} if ax == 1 else {"axis": ax})


def _target_shape(lo: Lowering, x: str, want: list) -> list[int]:
    ints = pin_shape(lo.shape(x), want)
    if ints is None:
        raise Unsupported("to a shape with more than one dim computed at run time")
    return ints


@rule("Reshape")
def _reshape(lo: Lowering, n: ONode) -> Call:
    x = runtime(lo, n)
    s = lo.const(n.inputs[1])
    if s is None:
        raise Unsupported("to a shape computed at run time")
    return Call("reshape", [x], n.outputs, [n], [_target_shape(lo, x, list(s.reshape(-1)))])


@rule("Squeeze", "Unsqueeze")
def _squeeze(lo: Lowering, n: ONode) -> Call:
    x = runtime(lo, n)
    out = lo.shape(n.outputs[0])
    if out is None:
        raise Unsupported("whose output shape is unknown")
    return Call("reshape", [x], n.outputs, [n], [_target_shape(lo, x, [Sym(d) if isinstance(d, str) else d
                                                                        for d in out])])


@rule("Transpose")
def _transpose(lo: Lowering, n: ONode) -> Call:
    return Call("transpose", [runtime(lo, n)], n.outputs, [n], [[int(p) for p in n.attrs["perm"]]])


@rule("Concat")
def _concat(lo: Lowering, n: ONode) -> Call:
    if any(lo.const(i) is not None for i in n.inputs):
        raise Unsupported("with a constant operand")
    return Call("concat", list(n.inputs), n.outputs, [n], [], {"axis": int(n.attrs["axis"])})


@rule("Split")
def _split(lo: Lowering, n: ONode) -> Call:
    x = runtime(lo, n)
    sizes = lo.const(n.inputs[1]) if len(n.inputs) > 1 and n.inputs[1] else n.attrs.get("split")
    parts: int | list[int] = [int(v) for v in np.asarray(sizes).reshape(-1)] if sizes is not None else len(n.outputs)
    if isinstance(parts, list) and len(set(parts)) == 1:
        parts = len(parts)
    return Call("split", [x], n.outputs, [n], [parts], {"axis": int(n.attrs.get("axis", 0))})


@rule("Slice")
def _slice(lo: Lowering, n: ONode) -> Call:
    x = runtime(lo, n)
    vals: list[Any] = [lo.const(i) if i else None for i in n.inputs[1:]]
    if any(v is None for v, i in zip(vals, n.inputs[1:]) if i):
        raise Unsupported("with bounds computed at run time")
    starts, ends = [int(v) for v in vals[0].reshape(-1)], [int(v) for v in vals[1].reshape(-1)]
    axes = [int(v) for v in vals[2].reshape(-1)] if len(vals) > 2 and vals[2] is not None else list(range(len(starts)))
    steps = [int(v) for v in vals[3].reshape(-1)] if len(vals) > 3 and vals[3] is not None else [1] * len(starts)
    sh = lo.shape(x)
    if sh is None:
        raise Unsupported("of a tensor of unknown rank")
    parts = [":"] * len(sh)
    for s, e, ax, st in zip(starts, ends, axes, steps):
        ax %= len(sh)
        end = "" if e >= 2 ** 31 - 1 or (isinstance(sh[ax], int) and e >= sh[ax] and st > 0) else str(e)
        parts[ax] = f"{s if s else ''}:{end}" + (f":{st}" if st != 1 else "")
    while len(parts) > 1 and parts[-1] == ":":
        parts.pop()
    return Call("[]", [x], n.outputs, [n], index=", ".join(parts))


@rule("Pad")
def _pad(lo: Lowering, n: ONode) -> Call:
    x = runtime(lo, n)
    pads = lo.const(n.inputs[1]) if len(n.inputs) > 1 else None
    if pads is None or (len(n.inputs) > 3 and n.inputs[3]):
        raise Unsupported("with pads computed at run time, or with axes")
    value = lo.const(n.inputs[2]) if len(n.inputs) > 2 and n.inputs[2] else None
    mode = n.attrs.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    kw: dict[str, Any] = {}
    if value is not None and float(value) != 0.0:
        kw["value"] = float(value)
    if mode != "constant":
        kw["mode"] = mode
    return Call("pad", [x], n.outputs, [n], [[int(p) for p in pads]], kw)
