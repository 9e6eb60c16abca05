"""PyTorch rules for reductions, dims and indexing, learned tensors and matmul's transposes, named from the
lowering table as `tensors.<rule>`."""
from __future__ import annotations

from collections.abc import Callable

from .lower import Code, Layer, macros


def _reduce(fn: str) -> Callable[[Layer], Code]:
    def f(L: Layer) -> Code:
        a = L.node.attrs
        return Code(macros().with_kwargs(fn, L.x[0], {"dim": tuple(a["axes"]), "keepdim": a["keepdims"]}))
    return f


def _argmax(L: Layer) -> Code:
    a = L.node.attrs
    return Code(macros().with_kwargs("torch.argmax", L.x[0], {"dim": a["axis"], "keepdim": a["keepdims"]}))


def _squeeze(L: Layer) -> Code:
    axes = tuple(L.node.attrs["axes"])
    return Code(macros().with_kwargs("torch.squeeze", L.x[0], {"dim": axes}) if axes else L.x[0])


def _unsqueeze(L: Layer) -> Code:
    return Code(macros().unsqueeze(L.x[0], sorted(L.node.attrs["axes"])))


def _expand(L: Layer) -> Code:
    return Code(macros().method(L.x[0], "expand", [str(d) for d in L.node.attrs["shape"]]))


def _stack(L: Layer) -> Code:
    return Code(macros().stack(L.x, L.node.attrs["axis"]))


def _gather(L: Layer) -> Code:
    M = macros()
    return Code(M.index(L.x[0], [":"] * L.node.attrs["axis"] + [M.method(L.x[1], "long", [])]))


def _one_hot(L: Layer) -> Code:
    M = macros()
    return Code(M.method(M.call("F.one_hot", [M.method(L.x[0], "long", []), L.node.attrs["classes"]]), "float", []))


def _param(L: Layer) -> Code:
    shape = [str(d) for d in L.node.attrs["shape"]]
    if L.std:
        return Code(macros().call(L.module, []), macros().call("Learned", shape), helpers=("Learned",))
    return Code(L.w["weight"])


def _matmul(L: Layer) -> Code:
    a = L.node.attrs
    M = macros()
    x = [M.method(v, "transpose", ["-2", "-1"]) if a.get(flag) else v
         for v, flag in zip(L.x, ("transpose_a", "transpose_b"))]
    return Code(M.matmul(*x))
