"""Lay the lowered calls out as a model file: names, lines, params, blocks; and what the check needs."""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .. import codes
from .. import ops as ops_mod
from ..diagnostics import CompileError, Diagnostic, Note
from . import blocks as blocks_mod
from .emit import Namer, chain_text, chains, ident, line_name, model_text, value_uses, yaml_value
from .graph import OGraph, ONode
from .lower import Call, Lowering


@dataclass
class Written:
    text: str
    weighted: list[Call]                 # the calls that own weights, in the order nncc elaborates them
    line_values: dict[str, str] = field(default_factory=dict)  # line name -> its ONNX value (lines of ops)
    outputs: dict[str, str] = field(default_factory=dict)      # output name -> ONNX output
    nlines: int = 0
    nblocks: int = 0


def unsupported(path: str, found: list[tuple[ONode, str]]) -> None:
    """Every node the language cannot express, one diagnostic per op (and form), with count and places."""
    groups: dict[tuple[str, str], list[ONode]] = {}
    for n, what in found:
        groups.setdefault((n.op, what), []).append(n)
    diags = []
    for (op, what), nodes in groups.items():
        form = f" {what}" if what else ""
        count = f"{len(nodes)} node{'s' if len(nodes) > 1 else ''}"
        diags.append(Diagnostic(
            codes.IMPORT_UNSUPPORTED_OP,
            f"{os.path.basename(path)}: ONNX op `{op}`{form} has no equivalent in the language ({count}: "
            f"first at {nodes[0].where})", None,
            "`nncc ops` lists the language's ops; rewrite this part of the model with them, or add an op "
            "(docs/adding-an-op.md)", notes=[Note(f"{op} at {n.where}") for n in nodes]))
    raise CompileError(diags)


def _dtype_text(dtype: str, shape: tuple) -> str:
    return f"{dtype}[{', '.join(str(d) for d in shape)}]"


def write(og: OGraph, lo: Lowering, path: str) -> Written:
    namer = Namer(set(ops_mod.REGISTRY) | set(ops_mod.ALIASES) | set(lo.helpers))
    name_of: dict[str, str] = {}
    inputs: dict[str, str] = {}
    for k, (dtype, shape) in og.inputs.items():
        name_of[k] = namer.new(ident(k, "input"))
        inputs[name_of[k]] = _dtype_text(dtype, shape)
    outs = {lo.real(o) for o in og.outputs}
    calls = lo.calls
    uses = value_uses(calls)
    params = size_params(calls, outs, namer)
    found = blocks_mod.find(calls, outs, namer, params)
    in_block = {id(c) for b in found for r in b.members for c in r.calls}
    # the lines in order: a chain where its last call is, a block's member where its last call is
    at = {id(c): i for i, c in enumerate(calls)}
    items: list[tuple[int, Any]] = [(at[id(ch[-1])], ch) for ch in chains([c for c in calls if id(c) not in in_block],
                                                                        uses, outs)]
    items += [(r.start + len(r.calls) - 1, (b, [k])) for b in found for k, r in enumerate(b.members)]
    body: list[str] = []
    w = Written("", [])
    for item in _repeats(sorted(items, key=lambda t: t[0]), uses, outs):
        if isinstance(item, tuple):
            b, ks = item
            runs = [b.members[k] for k in ks]
            parts = [p.split(".") for p in (r.prefix for r in runs)]
            common = [a for a, *rest in zip(*parts) if all(x == a for x in rest)] if len(runs) > 1 else parts[0]
            names = [namer.new(ident(".".join(common), b.name))]
            text = blocks_mod.call_text(b, ks[0], name_of[runs[0].input], len(ks))
            outputs = [runs[-1].output]
            w.weighted += [r.calls[i] for r in runs for chain_pos in b.layout for i in chain_pos if r.calls[i].weights]
        else:
            chain = item
            base = line_name(chain, chain[0].op)
            outputs = chain[-1].outputs
            names = [namer.new(base)] if len(outputs) == 1 else [namer.new(f"{base}_{i}") for i in range(len(outputs))]
            text = chain_text(chain, name_of)
            w.weighted += [c for c in chain if c.weights]
        for o, nm in zip(outputs, names):
            name_of[o] = nm
        body.append(f"  {', '.join(names)}: {yaml_value(text)}")
        if not isinstance(item, tuple) and not any(c.op in lo.helpers for c in item):
            w.line_values.update(zip(names, outputs))  # a line that calls a block is checked by what follows it
    missing = [o for o in og.outputs if lo.real(o) not in name_of]
    if missing:
        raise CompileError([Diagnostic(codes.IMPORT_UNSUPPORTED_OP, f"{os.path.basename(path)}: output `{m}` is "
                                       "not computed by any layer (an input or a constant)", None)
                            for m in missing])
    out_names = [name_of[lo.real(o)] for o in og.outputs]
    w.outputs = dict(zip(out_names, og.outputs))
    w.text = model_text(og, os.path.splitext(os.path.basename(path))[0], inputs, body, out_names,
                        params, [line for h in lo.helpers.values() for line in h] +
                        [line for b in found for line in b.lines])
    w.nlines = len(body) + sum(len(b.lines) - 1 for b in found)
    w.nblocks = len(found)
    return w


def _repeats(items: list[tuple[int, Any]], uses: dict[str, int], outs: set[str]) -> list[Any]:
    """Consecutive calls of one block with the same arguments, each reading only the one before: one `repeat`."""
    out: list[Any] = []
    for _, item in items:
        prev = out[-1] if out else None
        if isinstance(item, tuple) and isinstance(prev, tuple) and prev[0] is item[0]:
            b, (k,) = item
            last = b.members[prev[1][-1]]
            run = b.members[k]
            v = last.output
            if b.args[k] == b.args[prev[1][-1]] and run.input == v and v not in outs and \
                    uses.get(v, 0) == sum(c.inputs.count(v) for c in run.calls):
                prev[1].append(k)
                continue
        out.append(item)
    return out


SIZED = {"conv1d": "c", "conv2d": "c", "conv3d": "c", "linear": "d"}  # ops whose first attribute is a width


def size_params(calls: list[Call], outs: set[str], namer: Namer) -> dict[str, int]:
    """Params for sizes: `classes` for a classifier's width, and a param per width used three times or more.

    The calls' arguments are replaced by the param (`$name`, written as the bare name).
    """
    params: dict[str, int] = {}
    sized = [c for c in calls if c.op in SIZED and c.args and isinstance(c.args[0], int)]
    heads = [c for c in sized if c.op == "linear" and c.outputs[0] in outs]
    if len(heads) == 1:
        name = namer.new("classes")
        params[name] = heads[0].args[0]
        heads[0].args[0] = f"${name}"
    counts = Counter((SIZED[c.op], c.args[0]) for c in sized if isinstance(c.args[0], int))
    for (prefix, v), k in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if k < 3:
            continue
        name = namer.new(f"{prefix}{v}")
        params[name] = v
        for c in sized:
            if SIZED[c.op] == prefix and c.args[0] == v:
                c.args[0] = f"${name}"
    return params
