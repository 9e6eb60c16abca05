"""Weight names that stay put: what each call of a line adds to the names of the weights it makes.

A weight is named `PATH.ROLE`. PATH is the line's name, then, for a line that calls a block,
the path inside the block (its line names, down to the op), with two additions:

* a line that writes several *weighted calls* — calls of ops that have weights, of blocks
  that contain such ops, of `repeat` with either — names each after its callee: `conv2d`,
  `batch_norm`; the k-th call of the same callee written in the line (k ≥ 1) adds `_k`:
  `conv2d`, `conv2d_1`. A line with one weighted call adds nothing (`fc: linear(h, 10)`
  gives `fc.weight`).
* each iteration of `repeat` adds its index: `s1/0/…`, `s1/1/…`.

The count is over the line as written, both branches of an `if` included, and weightless ops
(activations, dropout, arithmetic) never count: so adding or removing them, choosing a branch,
or changing a repeat count renames no other weight.
"""
from __future__ import annotations

from typing import Iterator

from . import ast as A
from .evalcore import _BUILTINS, INIT_ALIASES, INITIALIZERS
from .model import Model
from .ops import lookup


class WeightNaming:
    """The segment each call adds (`segment(call)`), computed once from the model's text."""

    def __init__(self, model: Model):
        self.m = model
        self._blocks: dict[str, bool] = {}  # block -> can make weights
        self.segments: dict[int, str] = {}  # id(A.Call) -> segment ('' adds nothing)
        for line in model.graph:
            self._line(line.expr)
        for blk in model.blocks.values():
            for line in blk.body:
                self._line(line.expr)
            if blk.ret is not None:
                self._line(blk.ret)

    def segment(self, call: A.Expr) -> str:
        return self.segments.get(id(call), "")

    def _line(self, expr: A.Expr) -> None:
        weighted = [(c, name) for c in _calls(expr) for name in [self._callee(c)] if name and self._weighted(c, name)]
        if len(weighted) < 2:
            return
        weighted.sort(key=lambda cn: cn[0].func.pos.start)  # where the callee is written: a pipe nests calls
        seen: dict[str, int] = {}
        for c, name in weighted:
            k = seen.get(name, 0)
            seen[name] = k + 1
            self.segments[id(c)] = name if k == 0 else f"{name}_{k}"

    def _callee(self, c: A.Call) -> str:
        """The name the segment uses: the op's canonical name, the block's, or repeat's callee."""
        if not isinstance(c.func, A.Name):
            return ""
        fid = c.func.id
        if fid == "repeat":
            if len(c.args) < 3 or not isinstance(c.args[2], A.Name):
                return ""
            fid = c.args[2].id
        opdef = lookup(fid)
        return opdef.name if opdef is not None and fid not in self.m.blocks else fid

    def _weighted(self, c: A.Call, name: str) -> bool:
        if name in self.m.blocks:
            return self._block_weighted(name)
        opdef = lookup(name)
        if opdef is not None:
            return opdef.weights is not None
        # a block passed as a value (a block's parameter), or an initializer or built-in function
        return isinstance(c.func, A.Name) and (c.func.id == "repeat" or not _is_builtin(name))

    def _block_weighted(self, name: str) -> bool:
        if name not in self._blocks:
            self._blocks[name] = False  # a recursive block (E308) ends here
            blk = self.m.blocks[name]
            exprs = [line.expr for line in blk.body] + ([blk.ret] if blk.ret is not None else [])
            self._blocks[name] = any(self._weighted(c, n) for e in exprs for c in _calls(e)
                                     for n in [self._callee(c)] if n)
        return self._blocks[name]


class LegacyNames:
    """The names weights had in nncc 0.1 (read with W503 until 0.3), kept apart from today's node
    names: PREFIX/OP, unique with `_k`, and the line's (or block call's) path for the op that made
    the line's value, so appending `|> relu` renamed it."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def _unique(self, base: str) -> str:
        name, k = base, 1
        while name in self.used:
            name, k = f"{base}_{k}", k + 1
        self.used.add(name)
        return name

    def made(self, prefix: list[str], op: str) -> str:
        return self._unique("/".join([*prefix, op]))

    def took_line(self, val: object, start: int, path: str) -> None:
        """`val` is a line's value: the op that made it, in this line, had the line's name."""
        node = getattr(val, "producer", None)
        if node is None or node.stamp < start or len(node.outputs) != 1 or "legacy" not in node.meta:
            return
        self.used.discard(node.meta["legacy"])
        node.meta["legacy"] = self._unique(path)


def _is_builtin(name: str) -> bool:
    return name in INITIALIZERS or name in INIT_ALIASES or name in _BUILTINS


def _calls(e: A.Expr) -> Iterator[A.Call]:
    return (x for x in A.walk([e]) if isinstance(x, A.Call))
