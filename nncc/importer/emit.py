"""Calls → the text of a model file: one line per layer, pipes for chains, params, blocks.

A value read once, as the first tensor of the next call, is piped into it (`x |> conv2d(…) |> relu`);
every other value gets a line named after the module that made it (torch's exporter names nodes
`/layer1/layer1.0/conv1/Conv`, which becomes `layer1_0_conv1`). Repeated sub-graphs become blocks
(nncc/importer/blocks.py finds them); sizes that repeat become params.
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import yaml

from .graph import OGraph
from .lower import Call

RESERVED = {"true", "false", "none", "if", "else", "and", "or", "not", "N", "return", "repeat"}


def literal(v: Any) -> str:
    """A value as the language writes it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "none"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        r = repr(float(v))
        return r if any(c in r for c in ".en") else r + ".0"
    if isinstance(v, str):
        return v[1:] if v.startswith("$") else f'"{v}"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(literal(x) for x in v) + "]"
    raise TypeError(f"no literal for {v!r}")


def module_path(onnx_name: str) -> str:
    """`/layer1/layer1.0/conv1/Conv` → `layer1.0.conv1`, torch's module path; "" when there is none."""
    parts = [p for p in onnx_name.split("/") if p][:-1] if "/" in onnx_name else []
    path: list[str] = []
    for p in parts:
        if path and p.startswith(path[-1] + "."):
            path[-1] = p
        else:
            path.append(p)
    return ".".join(path)


def ident(raw: str, fallback: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_]", "_", raw).strip("_") or fallback
    if s[0].isdigit():
        s = f"{fallback}_{s}"
    if keyword.iskeyword(s) or s in RESERVED:
        s = f"{s}_"
    return s


def yaml_value(text: str) -> str:
    """`text` as a YAML scalar that reads back as itself: plain when it can be, else double-quoted."""
    try:
        if yaml.safe_load(f"k: {text}") == {"k": text}:
            return text
    except yaml.YAMLError:
        pass
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Namer:
    taken: set[str] = field(default_factory=set)

    def new(self, want: str) -> str:
        name, k = want, 1
        while name in self.taken:
            name = f"{want}_{k}"
            k += 1
        self.taken.add(name)
        return name


def call_text(c: Call, args_in: list[str], piped: bool, params: dict[Any, str] | None = None) -> str:
    """The call written out; `piped` leaves out its first tensor (it comes from the pipe)."""
    def lit(v: Any) -> str:
        return literal(v)

    if c.binary:
        if c.scalar is not None:
            return f"{lit(c.scalar)} {c.op} {args_in[0]}" if c.scalar_left else f"{args_in[0]} {c.op} {lit(c.scalar)}"
        return f"{args_in[0]} {c.op} {args_in[1]}"
    if c.op == "[]":
        return f"{args_in[0]}[{c.index}]"
    parts = (args_in[1:] if piped else list(args_in)) + [lit(a) for a in c.args] + \
        [f"{k}={lit(v)}" for k, v in c.kwargs.items()]
    if piped and not parts:
        return c.op
    return f"{c.op}({', '.join(parts)})"


def head_only(c: Call) -> bool:
    """Arithmetic and indexing cannot stand after `|>`: they start a line."""
    return c.binary or c.op == "[]"


@dataclass
class Line:
    names: list[str]
    calls: list[Call]           # a chain: each call after the first reads the one before


def chains(calls: list[Call], uses: dict[str, int], outputs: set[str]) -> list[list[Call]]:
    """Group calls into pipe chains, in order; a chain is written where its last call is."""
    by_out = {c.outputs[0]: c for c in calls if len(c.outputs) == 1}
    follows: dict[int, Call] = {}  # id(call) -> the call it is piped from
    for c in calls:
        if head_only(c) or not c.inputs:
            continue
        p = by_out.get(c.inputs[0])
        if p is None or uses.get(c.inputs[0], 0) != 1 or c.inputs[0] in outputs or c.inputs.count(c.inputs[0]) > 1:
            continue
        if c.weights and not (c.op == "batch_norm" and p.weights and p.op != "batch_norm"):
            continue  # one layer per line: a layer with weights starts a line (its batch norm stays with it)
        follows[id(c)] = p
    piped_into = {id(p) for p in follows.values()}
    out: list[list[Call]] = []
    for c in calls:
        if id(c) in piped_into:
            continue
        chain = [c]
        while id(chain[0]) in follows:
            chain.insert(0, follows[id(chain[0])])
        out.append(chain)
    return out


def value_uses(calls: list[Call]) -> dict[str, int]:
    uses: dict[str, int] = {}
    for c in calls:
        for i in c.inputs:
            uses[i] = uses.get(i, 0) + 1
    return uses


def line_name(chain: list[Call], fallback_op: str, within: str = "") -> str:
    """The module that made the chain (relative to `within`, a block's module), else its op and node index."""
    for c in chain:
        for n in c.nodes:
            m = module_path(n.name)
            if within and m.startswith(within + "."):
                m = m[len(within) + 1:]
            elif within and m == within:
                m = ""
            if m:
                return ident(m, "layer")
    c = chain[0]
    op = {"+": "add", "-": "sub", "*": "mul", "/": "div", "[]": "part"}.get(c.op, c.op)
    return ident(f"{op}_{c.nodes[0].index}", fallback_op)


def chain_text(chain: list[Call], name_of: dict[str, str]) -> str:
    first = chain[0]
    args = [name_of[i] for i in first.inputs]
    text = call_text(first, args, piped=False)
    if len(chain) > 1 and first.binary:
        text = f"({text})"
    for c in chain[1:]:
        text += " |> " + call_text(c, [""] + [name_of[i] for i in c.inputs[1:]], piped=True)
    return text


def model_text(og: OGraph, model: str, inputs: dict[str, str], body: list[str], outputs: list[str],
               params: dict[str, int], blocks: list[str]) -> str:
    out = ["nncc: 1", f"model: {ident(model, 'model')}",
           f"doc: {yaml_value(f'Imported from ONNX (opset {og.opset}) by nncc import')}"]
    if params:
        out.append("params:")
        out += [f"  {k}: {v}" for k, v in params.items()]
    out.append("inputs:")
    out += [f"  {k}: {yaml_value(v)}" for k, v in inputs.items()]
    if blocks:
        out.append("blocks:")
        out += blocks
    out.append("graph:")
    out += body
    out.append(f"outputs: [{', '.join(outputs)}]")
    return "\n".join(out) + "\n"
