"""What the layer-graph targets (LBANN, SINGA, SMAUG) share: how they refuse a construct, and
how they name layers.

Each of them turns nodes into named layers of its own format; a name must be unique in the
file and made of the characters the format allows, and a construct the format lacks stops
with a diagnostic at the span it came from.
"""
from __future__ import annotations

from typing import Callable, Iterable

from . import codes
from .diagnostics import Span


class Unsupported(Exception):
    """A construct the target cannot express: message, span, help, and its code.

    E510 (a setting) unless said; the graph lowering of a target reports what it raises there
    as E501 (an op or a form of one) at the node's span.
    """

    def __init__(self, msg: str, span: Span | None = None, help: str | None = None,
                 code: str = codes.UNSUPPORTED_SETTING):
        super().__init__(msg)
        self.msg, self.span, self.help, self.code = msg, span, help, code


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
