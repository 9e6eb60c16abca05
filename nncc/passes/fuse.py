"""fuse: rewrite chains of nodes that a target can run as one.

A target declares the chains it wants fused as `Pattern`s (the `fusions`
attribute of its `Target`: a sequence of patterns, or a function of the target
options that returns one). The pass is target-independent:

* A pattern's `chain` is a tuple of op-name sets, one per node. It matches nodes
  n0 → n1 → … where each n(k+1) takes n(k)'s only output as its input 0, and
  that output has no other use: no other consumer, not a graph output, not an
  input of a loss or metric.
* `when(nodes)` (optional) is an extra condition on the matched nodes.
* `rewrite(g, nodes, ctx) -> bool` changes the graph (it may remove nodes, move
  outputs, fold weights, …) and returns whether it did. A rewrite given as a
  string names a function in `REWRITES`; `register_rewrite` adds more.

Patterns are tried in the order given, at every node in graph order, until none
matches any more; each successful rewrite counts once for `--pass-stats`
(`fired(ctx, "fuse")`). `--disable-pass=fuse` turns the pass off.

A pattern applies only at `--opt-level` ≥ its `level` (default 1; numeric
folds such as batch norm into a convolution are level 2) and only in the target
modes it lists in `modes` (numeric folds and dropout removal: inference only).
The optimisation patterns and their rewrites are in `nncc/passes/fold.py`.

Built-in rewrites:

* `"absorb"` — the last node of the chain is folded into the first: the first
  node takes over the last node's outputs (so downstream names do not change),
  and records the folded op in `attrs["activation"]` and its attributes in
  `attrs["activation_attrs"]` (a two-node chain: producer → activation, as
  SMAUG's `act_params` or cuDNN's fused activations want). The names of folded
  nodes are kept in `meta["fused"]`. A node that already has an activation is
  left alone (the rewrite returns False).

Example (what the SMAUG target declares)::

    Pattern("activation", (frozenset({"conv2d", "linear", "batch_norm"}),
                           frozenset({"relu", "sigmoid", "tanh"})),
            "absorb", when=lambda ns: not ns[0].attrs.get("bias"))
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..ir import Graph, Node
from . import Pass, PassContext, fired, register

Rewrite = Callable[[Graph, list[Node], PassContext], bool]


@dataclass(frozen=True)
class Pattern:
    name: str
    chain: tuple[frozenset[str], ...]
    rewrite: str | Rewrite = "absorb"
    when: Callable[[list[Node]], bool] | None = None
    doc: str = ""
    level: int = 1  # the lowest --opt-level at which it applies (2: numeric folding)
    modes: tuple[str, ...] = ("inference", "training")  # the target modes it applies in

    def __post_init__(self) -> None:
        chain = tuple(frozenset({c}) if isinstance(c, str) else frozenset(c) for c in self.chain)
        object.__setattr__(self, "chain", chain)
        if len(chain) < 1:
            raise ValueError("a pattern needs at least one op")


REWRITES: dict[str, Rewrite] = {}


def register_rewrite(name: str, fn: Rewrite) -> Rewrite:
    REWRITES[name] = fn
    return fn


def absorb(g: Graph, nodes: list[Node], ctx: PassContext) -> bool:
    """Fold the last node of the chain into the first (see the module doc)."""
    first, last = nodes[0], nodes[-1]
    if first is last or first.attrs.get("activation"):
        return False  # one fused activation per node: conv → relu → tanh keeps the tanh
    first.attrs["activation"] = last.op
    first.attrs["activation_attrs"] = {k: v for k, v in last.attrs.items() if not k.startswith("_")}
    first.meta.setdefault("fused", []).extend(n.name for n in nodes[1:])
    first.outputs = list(last.outputs)
    for i, v in enumerate(first.outputs):
        v.producer = first
        v.index = i
    drop = {id(n) for n in nodes[1:]}
    g.nodes = [n for n in g.nodes if id(n) not in drop]
    return True


register_rewrite("absorb", absorb)


def patterns_of(ctx: PassContext) -> list[Pattern]:
    ps = getattr(ctx.target, "fusions", None)
    if ps is None or (not callable(ps) and not ps):
        ps = ctx.options.get("_fusions", ())
    if callable(ps):
        ps = ps(ctx.options)
    return [p for p in ps or () if ctx.opt_level >= p.level and ctx.mode in p.modes]


def _protected(g: Graph) -> set[int]:
    """Values that must stay visible: graph outputs and what losses and metrics read."""
    keep = {id(v) for v in g.outputs}
    for n in list(g.losses) + list(g.metrics.values()):
        keep.update(id(v) for v in n.inputs)
    return keep


def match(g: Graph, p: Pattern, start: Node, users: dict, keep: set[int]) -> list[Node] | None:
    if start.op not in p.chain[0]:
        return None
    nodes = [start]
    for ops in p.chain[1:]:
        prev = nodes[-1]
        if len(prev.outputs) != 1:
            return None
        v = prev.outputs[0]
        if id(v) in keep:
            return None
        us = users.get(v, [])
        if len(us) != 1:
            return None
        nxt = us[0]
        if nxt.op not in ops or not nxt.inputs or nxt.inputs[0] is not v or sum(x is v for x in nxt.inputs) != 1:
            return None
        nodes.append(nxt)
    if p.when is not None and not p.when(nodes):
        return None
    return nodes


def fuse_with(g: Graph, ctx: PassContext, patterns: Iterable[Pattern]) -> int:
    """Apply `patterns` until none matches; returns the number of rewrites."""
    patterns = list(patterns)
    total = 0
    changed = True
    while changed:
        changed = False
        keep = _protected(g)
        for p in patterns:
            fn = REWRITES[p.rewrite] if isinstance(p.rewrite, str) else p.rewrite
            users = g.consumers()
            alive = {id(m) for m in g.nodes}
            for n in list(g.nodes):
                if id(n) not in alive:
                    continue
                nodes = match(g, p, n, users, keep)
                if nodes is not None and fn(g, nodes, ctx):
                    total += 1
                    changed = True
                    users = g.consumers()
                    keep = _protected(g)
                    alive = {id(m) for m in g.nodes}
    return total


def fuse(g: Graph, ctx: PassContext) -> bool:
    n = fuse_with(g, ctx, patterns_of(ctx))
    if n:
        fired(ctx, "fuse", n)
    return n > 0


def declared(patterns: Sequence[Pattern]) -> str:
    """One line per pattern, for docs and `nncc targets`."""
    return "\n".join(f"{p.name}: " + " -> ".join("|".join(sorted(c)) for c in p.chain) for p in patterns)


register(Pass("fuse", fuse, requires=("typed",), ensures=("fused",),
              doc="rewrites the node chains the target declares (e.g. an activation into its producer)"))
