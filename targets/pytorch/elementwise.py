"""PyTorch rules for activations with settings (clip, hardtanh, gelu) and for element-wise math, named
from the lowering table as `elementwise.<rule>`."""
from __future__ import annotations

from collections.abc import Callable

from .lower import Code, Layer, macros


def _clip(L: Layer) -> Code:
    a = L.node.attrs
    return Code(macros().with_kwargs("torch.clamp", L.x[0], {k: a[v] for k, v in (("min", "low"), ("max", "high"))
                                                           if a[v] is not None}))


def _hardtanh(L: Layer) -> Code:
    a = L.node.attrs
    return Code(macros().with_kwargs("F.hardtanh", L.x[0], {"min_val": a["low"], "max_val": a["high"]}))


def _gelu(L: Layer) -> Code:
    tanh = L.node.attrs.get("approximate") == "tanh"
    return Code(macros().with_kwargs("F.gelu", L.x[0], {"approximate": "tanh"} if tanh else {}))


def _call(fn: str) -> Callable[[Layer], Code]:
    """`fn(inputs...)`: torch.pow, torch.maximum, torch.where, ..."""
    return lambda L: Code(macros().call(fn, L.x))
