"""What the layer-graph targets (LBANN, SINGA, SMAUG) share: how they refuse a construct, and
how they name layers.

Each of them turns nodes into named layers of its own format; a name must be unique in the
file and made of the characters the format allows, and a construct the format lacks stops
with a diagnostic at the span it came from.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Iterable

from . import codes
from .diagnostics import Span

if TYPE_CHECKING:
    from .ir import Node


class Unsupported(Exception):
    """A construct the target cannot express: message, span, help, and its code.

    E510 (a setting) unless said; the graph lowering of a target reports what it raises there
    as E501 (an op or a form of one) at the node's span.
    """

    def __init__(self, msg: str, span: Span | None = None, help: str | None = None,
                 code: str = codes.UNSUPPORTED_SETTING):
        super().__init__(msg)
        self.msg, self.span, self.help, self.code = msg, span, help, code


_AUTO = re.compile(r"([a-z][a-z0-9_.]*?)(?:_[0-9]+)?")


def line_name(n: Node) -> str | None:
    """The name the model's line gave to what `n` makes, or None where nncc named the node.

    The elaborator names the node that makes a line's value after the line (scoped by the block
    calls it is in: `s1/0/a`) and every other node of the line `<line>/<op>`; a fusion moves the
    line's value onto the fused node, and a node a pass inserts is marked `inserted`. So a node
    carries a line name when its one output's name does not end in an op's own name. Targets whose
    formats name layers or nodes name them with this (made unique and legal by `Names`).
    """
    from .ops import REGISTRY

    if len(n.outputs) != 1 or n.meta.get("inserted"):
        return None
    name = n.outputs[0].name
    scope, _, last = name.rpartition("/")
    auto = _AUTO.fullmatch(last)
    if scope and auto is not None and auto.group(1) in REGISTRY:
        return None
    return name


def layer_name(n: Node) -> str:
    """`n`'s name in a target's file: its line's name (see `line_name`), else the IR's `<line>/<op>`."""
    return line_name(n) or n.name


class Names:
    """Unique names in one output file: `base`, then `base_<k>` with k from `first` up.

    Each base remembers the last suffix it tried (taken names stay taken), so naming n layers
    after one base is linear, not quadratic.
    """

    def __init__(self, clean: Callable[[str], str] = str, first: int = 1, reserved: Iterable[str] = ()):
        self.clean = clean
        self.first = first
        self.taken: set[str] = set(reserved)
        self.next: dict[str, int] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.taken

    def fresh(self, base: str) -> str:
        name = self.clean(base)
        cand = name
        if cand in self.taken:
            k = self.next.get(name, self.first)
            cand = f"{name}_{k}"
            while cand in self.taken:
                k += 1
                cand = f"{name}_{k}"
            self.next[name] = k + 1
        self.taken.add(cand)
        return cand

    def take(self, name: str) -> None:
        self.taken.add(name)
