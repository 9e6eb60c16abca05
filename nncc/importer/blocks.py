"""Find repeated sub-graphs among the calls and write them as blocks.

Candidates are the runs of calls made by one torch module (`/layer2/layer2.1/...` all belong to
`layer2.1`, and to `layer2`), at every depth of the module path. A run is a candidate when it reads
one value from outside and one of its values is read outside (or is an output). Runs with the same
structure (ops, wiring, attributes other than integers) form a family; integers that differ
between members become the block's parameters. Families are taken greedily by the lines they
save, members that overlap a taken run are left out, and a family needs two members left.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .emit import Namer, chain_text, chains, ident, line_name, literal, module_path, value_uses, yaml_value
from .lower import Call


@dataclass
class Run:
    start: int          # index of its first call in the call list
    calls: list[Call]
    prefix: str         # the module path it is made by
    input: str          # the value it reads from outside
    output: str         # its value read outside


@dataclass
class Block:
    name: str
    params: list[str]                    # after `x`
    lines: list[str]                     # the block's text under `blocks:`
    layout: list[list[int]]              # its body's chains, as positions in a member's calls
    members: list[Run] = field(default_factory=list)
    args: list[list[Any]] = field(default_factory=list)  # per member, the value of each param


def _paths(calls: list[Call]) -> list[list[str]]:
    """Each call's module path as its parts (`layer1.0.conv1` → layer1, 0, conv1)."""
    out = []
    for c in calls:
        m = next((module_path(n.name) for n in c.nodes if module_path(n.name)), "")
        out.append(m.split(".") if m else [])
    return out


def _slots(c: Call) -> list[tuple[str, Any]]:
    """The call's integer attributes (params of a block when they differ), by where they are."""
    out: list[tuple[str, Any]] = []
    for i, a in enumerate(c.args):
        if _param_like(a):
            out.append((f"a{i}", a))
    for k, v in c.kwargs.items():
        if _param_like(v):
            out.append((k, v))
    return out


def _param_like(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int) or (isinstance(v, str) and v.startswith("$")):
        return True
    return isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in v)


def _signature(run: Run) -> tuple:
    pos = {o: (i, k) for i, c in enumerate(run.calls) for k, o in enumerate(c.outputs)}
    sig = []
    for c in run.calls:
        ins = tuple(pos.get(v, "x") if v in pos else ("x" if v == run.input else "?") for v in c.inputs)
        fixed = tuple((f"a{i}", repr(a)) for i, a in enumerate(c.args) if not _param_like(a))
        kw = tuple((k, "*" if _param_like(v) else repr(v)) for k, v in c.kwargs.items())
        slots = tuple(k for k, _ in _slots(c))
        sig.append((c.op, ins, fixed, kw, slots, c.scalar, c.scalar_left, c.index, len(c.outputs),
                    tuple(a.ndim for a in c.weights)))
    out_pos = pos[run.output]
    return tuple(sig), out_pos


def candidates(calls: list[Call], outputs: set[str]) -> list[Run]:
    paths = _paths(calls)
    made = {o: i for i, c in enumerate(calls) for o in c.outputs}
    readers: dict[str, list[int]] = {}
    for i, c in enumerate(calls):
        for v in c.inputs:
            readers.setdefault(v, []).append(i)
    runs = []
    depth = max((len(p) for p in paths), default=0)
    for d in range(1, depth + 1):
        i = 0
        while i < len(calls):
            if len(paths[i]) < d:
                i += 1
                continue
            key = paths[i][:d]
            j = i
            while j < len(calls) and paths[j][:d] == key:
                j += 1
            run = _run(calls, i, j, ".".join(key), made, readers, outputs)
            if run is not None:
                runs.append(run)
            i = j
    return runs


def _run(calls: list[Call], i: int, j: int, prefix: str, made: dict[str, int], readers: dict[str, list[int]],
         outputs: set[str]) -> Run | None:
    if j - i < 2 or not any(c.weights for c in calls[i:j]):
        return None  # a block is a group of layers
    inside = range(i, j)
    ext = {v for c in calls[i:j] for v in c.inputs if made.get(v, -1) not in inside}
    outs = {o for c in calls[i:j] for o in c.outputs
            if o in outputs or any(r not in inside for r in readers.get(o, []))}
    if len(ext) != 1 or len(outs) != 1:
        return None
    return Run(i, calls[i:j], prefix, next(iter(ext)), next(iter(outs)))


def find(calls: list[Call], outputs: set[str], namer: Namer, sizes: dict[str, int]) -> list[Block]:
    """The blocks worth writing, each with its members (non-overlapping runs)."""
    families: dict[tuple, list[Run]] = {}
    for r in candidates(calls, outputs):
        families.setdefault(_signature(r), []).append(r)
    ranked = sorted(families.values(), key=lambda rs: (-(len(rs) - 1) * len(rs[0].calls), rs[0].start))
    taken: set[int] = set()
    blocks = []
    for runs in ranked:
        free = [r for r in runs if not any(k in taken for k in range(r.start, r.start + len(r.calls)))]
        free = _disjoint(free)
        if len(free) < 2:
            continue
        for r in free:
            taken.update(range(r.start, r.start + len(r.calls)))
        blocks.append(_block(free, namer, sizes))
    return blocks


def _disjoint(runs: list[Run]) -> list[Run]:
    out: list[Run] = []
    end = -1
    for r in sorted(runs, key=lambda r: r.start):
        if r.start > end:
            out.append(r)
            end = r.start + len(r.calls) - 1
    return out


PARAM_NAMES = {("conv1d", "a0"): "ch", ("conv2d", "a0"): "ch", ("conv3d", "a0"): "ch", ("linear", "a0"): "width",
               ("reshape", "a0"): "shape", ("transpose", "a0"): "perm", ("split", "a0"): "parts"}


def _block(runs: list[Run], namer: Namer, sizes: dict[str, int]) -> Block:
    first = runs[0]
    named = [p for p in first.prefix.split(".") if not p.isdigit()]
    name = namer.new(ident(re.sub(r"\d+$", "", named[-1]) + "_block" if named else "block", "block"))
    # the block's params: slots whose values differ between members; equal vectors share one param
    params: list[str] = []
    vectors: dict[str, str] = {}
    subst: dict[tuple[int, str], str] = {}
    local = Namer({"x", "return"})
    for ci, c in enumerate(first.calls):
        for slot, _ in _slots(c):
            vec = [_slot_value(r.calls[ci], slot) for r in runs]
            if all(v == vec[0] for v in vec):
                continue
            key = repr([sizes.get(v[1:], v) if isinstance(v, str) else v for v in vec])  # `c64` is 64
            if key not in vectors:
                vectors[key] = local.new(PARAM_NAMES.get((c.op, slot), slot if not slot.startswith("a") else "p"))
                params.append(vectors[key])
            subst[(ci, slot)] = vectors[key]
    args = [[_slot_value(r.calls[ci], slot) for (ci, slot) in _first_slots(subst, params)] for r in runs]
    body, layout = _body(first, subst, local)
    sig = ", ".join(["x", *params])
    lines = [f"  {name}({sig}):"] + body
    return Block(name, params, lines, layout, runs, args)


def _first_slots(subst: dict[tuple[int, str], str], params: list[str]) -> list[tuple[int, str]]:
    return [next(k for k, v in subst.items() if v == p) for p in params]


def _slot_value(c: Call, slot: str) -> Any:
    return c.args[int(slot[1:])] if slot.startswith("a") and slot[1:].isdigit() else c.kwargs[slot]


def _body(run: Run, subst: dict[tuple[int, str], str], local: Namer) -> tuple[list[str], list[list[int]]]:
    """The block's lines, written from its first member with its params in place of the integers."""
    written = []
    for i, c in enumerate(run.calls):
        args = [f"${subst[(i, f'a{k}')]}" if (i, f"a{k}") in subst else a for k, a in enumerate(c.args)]
        kwargs = {k: f"${subst[(i, k)]}" if (i, k) in subst else v for k, v in c.kwargs.items()}
        written.append(Call(c.op, c.inputs, c.outputs, c.nodes, args, kwargs, c.weights, c.scalar, c.scalar_left,
                            c.index))
    index = {id(c): i for i, c in enumerate(written)}
    uses = value_uses(written)
    name_of = {run.input: "x"}
    lines, layout = [], []
    groups = chains(written, uses, {run.output})
    for k, chain in enumerate(groups):
        layout.append([index[id(c)] for c in chain])
        text = chain_text(chain, name_of)
        if k == len(groups) - 1 and chain[-1].outputs == [run.output]:
            lines.append(f"    return: {yaml_value(text)}")
            continue
        base = line_name(chain, chain[0].op, within=run.prefix)
        names = [local.new(base)] if len(chain[-1].outputs) == 1 else \
            [local.new(f"{base}_{j}") for j in range(len(chain[-1].outputs))]
        name_of.update(zip(chain[-1].outputs, names))
        lines.append(f"    {', '.join(names)}: {yaml_value(text)}")
    if not lines[-1].startswith("    return:"):
        lines.append(f"    return: {name_of[run.output]}")
    return lines, layout


def call_text(b: Block, member: int, input_name: str, times: int = 1) -> str:
    """A member's call, `layer(layer1_1, ch=c128)`; or `times` calls in a row, `x |> repeat(2, layer, ch=c64)`."""
    args = [f"{p}={literal(v)}" for p, v in zip(b.params, b.args[member])]
    if times > 1:
        return f"{input_name} |> repeat({', '.join([str(times), b.name, *args])})"
    return f"{b.name}({', '.join([input_name, *args])})"
