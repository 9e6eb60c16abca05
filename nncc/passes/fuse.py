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

The pass is a worklist rewrite driver (MLIR's greedy driver): every node starts
on the worklist; a node taken from it is tried as the start of each pattern
whose first op it has, in the order given; after a rewrite, the nodes around the
rewritten chain (whose matches it may have changed) go back on the worklist.
When the worklist is empty, one more sweep over all nodes confirms the fixed
point (and restarts the worklist if something still matches). Each step looks
only at use-lists, so the pass is linear in the graph's size. Each successful
rewrite counts once for `--pass-stats`. `--disable-pass=fuse` turns the pass off.

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
  nodes are kept in `meta["fused"]`. `take_over(g, first, rest)` is that edit,
  for rewrites of their own. A node that already has an activation is
  left alone (the rewrite returns False).

Example (what the SMAUG target declares)::

    Pattern("activation", (frozenset({"conv2d", "linear", "batch_norm"}),
                           frozenset({"relu", "sigmoid", "tanh"})),
            "absorb", when=lambda ns: not ns[0].attrs.get("bias"))
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence

from ..ir import Graph, Node, Value
from . import Pass, PassContext, PassResult, changed, register
from ..record import FrozenRecord

Rewrite = Callable[[Graph, list[Node], PassContext], bool]


class Pattern(FrozenRecord):
    name: str
    chain: tuple[frozenset[str] | str, ...]  # a str is one op; __init__ makes each a frozenset
    rewrite: str | Rewrite
    when: Callable[[list[Node]], bool] | None
    doc: str
    level: int  # the lowest --opt-level at which it applies (2: numeric folding)
    modes: tuple[str, ...]  # the target modes it applies in
    __slots__ = ("name", "chain", "rewrite", "when", "doc", "level", "modes")

    def __init__(self, name: str, chain: tuple[frozenset[str] | str, ...], rewrite: str | Rewrite = "absorb",
                 when: Callable[[list[Node]], bool] | None = None, doc: str = "", level: int = 1,
                 modes: tuple[str, ...] = ("inference", "training")) -> None:
        if not chain:
            raise ValueError("a pattern needs at least one op")
        self.name = name
        self.chain = tuple(frozenset({c}) if isinstance(c, str) else frozenset(c) for c in chain)
        self.rewrite = rewrite
        self.when = when
        self.doc = doc
        self.level = level
        self.modes = modes


REWRITES: dict[str, Rewrite] = {}


def register_rewrite(name: str, fn: Rewrite) -> Rewrite:
    REWRITES[name] = fn
    return fn


def take_over(g: Graph, first: Node, rest: Sequence[Node]) -> None:
    """`first` produces what the last of `rest` produced (names downstream do not change); `rest` is erased.

    The values between them must be read only inside the chain (what `match` checks).
    """
    for n in rest:
        g.set_inputs(n, ())
    g.set_outputs(first, rest[-1].outputs)
    for n in rest:
        g.erase(n)


def absorb(g: Graph, nodes: list[Node], ctx: PassContext) -> bool:
    """Fold the last node of the chain into the first (see the module doc)."""
    first, last = nodes[0], nodes[-1]
    if first is last or first.attrs.get("activation"):
        return False  # one fused activation per node: conv → relu → tanh keeps the tanh
    first.attrs["activation"] = last.op
    first.attrs["activation_attrs"] = {k: v for k, v in last.attrs.items() if not k.startswith("_")}
    first.meta.setdefault("fused", []).extend(n.name for n in nodes[1:])
    take_over(g, first, nodes[1:])
    return True


register_rewrite("absorb", absorb)


def patterns_of(ctx: PassContext) -> list[Pattern]:
    ps = getattr(ctx.target, "fusions", None)
    if ps is None or (not callable(ps) and not ps):
        ps = ctx.options.get("_fusions", ())
    if callable(ps):
        ps = ps(ctx.options)
    return [p for p in ps or () if ctx.opt_level >= p.level and ctx.mode in p.modes]


def visible(g: Graph, v: Value) -> bool:
    """`v` must stay visible: a graph output, or read by a loss or metric (kept even when dce dropped them)."""
    return g.is_output(v) or any(x is v for h in (*g.losses, *g.metrics.values()) for x in h.inputs)


def match(g: Graph, p: Pattern, start: Node) -> list[Node] | None:
    if start.op not in p.chain[0]:
        return None
    nodes = [start]
    for ops in p.chain[1:]:
        prev = nodes[-1]
        if len(prev.outputs) != 1:
            return None
        v = prev.outputs[0]
        if len(v.users) != 1 or visible(g, v):
            return None
        nxt = next(iter(v.users))
        if nxt.op not in ops or not nxt.inputs or nxt.inputs[0] is not v or sum(x is v for x in nxt.inputs) != 1:
            return None
        nodes.append(nxt)
    if p.when is not None and not p.when(nodes):
        return None
    return nodes


def _around(nodes: list[Node], depth: int) -> list[Node]:
    """The nodes whose matches a rewrite of `nodes` may change: the chain, its neighbours by use, and the
    producers up to `depth` hops above them (a pattern `depth` + 1 long may start there)."""
    near: list[Node] = []
    for n in nodes:
        near.append(n)
        for v in n.inputs:
            if v.producer is not None:
                near.append(v.producer)
            near.extend(v.users)
        for v in n.outputs:
            near.extend(v.users)
    frontier = near
    for _ in range(depth):
        frontier = [v.producer for n in frontier for v in n.inputs if v.producer is not None]
        near.extend(frontier)
    return near


def fuse_with(g: Graph, ctx: PassContext, patterns: Iterable[Pattern]) -> int:
    """Apply `patterns` until none matches (the worklist driver); returns the number of rewrites."""
    by_op: dict[str, list[tuple[Pattern, Rewrite]]] = {}
    depth = 0
    for p in patterns:
        fn = REWRITES[p.rewrite] if isinstance(p.rewrite, str) else p.rewrite
        depth = max(depth, len(p.chain) - 1)
        for op in sorted(p.chain[0]):
            by_op.setdefault(op, []).append((p, fn))
    ctx.memo.clear()  # caches that rewrites keep while this pass runs
    total = 0
    while True:
        fired = 0
        work = deque(g.nodes)
        queued = set(work)
        while work:
            n = work.popleft()
            queued.discard(n)
            if n.graph is not g:
                continue
            for p, fn in by_op.get(n.op, ()):
                nodes = match(g, p, n)
                if nodes is None:
                    continue
                near = _around(nodes, depth)
                if fn(g, nodes, ctx):
                    fired += 1
                    near += _around([m for m in nodes if m.graph is g], 0)
                    for m in near:
                        if m.graph is g and m not in queued:
                            work.append(m)
                            queued.add(m)
                    break
        total += fired
        if not fired:  # this sweep over every node found nothing: the fixed point
            return total


def fuse(g: Graph, ctx: PassContext) -> PassResult:
    return changed(fuse_with(g, ctx, patterns_of(ctx)))


def declared(patterns: Sequence[Pattern]) -> str:
    """One line per pattern, for docs and `nncc targets`."""
    return "\n".join(f"{p.name}: " + " -> ".join("|".join(sorted(c)) for c in p.chain) for p in patterns)


register(Pass("fuse", fuse, requires=("typed",), ensures=("typed",),
              doc="rewrites the node chains the target declares (e.g. an activation into its producer)"))
