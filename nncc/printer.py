"""The IR as readable text (`nncc ir`, --print-after)."""
from __future__ import annotations

from typing import Any

from .ir import Graph, Node, Value


def _attr(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return "[" + ", ".join(_attr(x) for x in v) + "]"
    if isinstance(v, list):
        return "[" + ", ".join(_attr(x) for x in v) + "]"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return f'"{v}"'
    if v is None:
        return "none"
    return str(v)


def _ty(v: Value) -> str:
    return str(v.type) if v.type is not None else "?"


def print_node(n: Node) -> str:
    outs = ", ".join(f"%{v.name}" for v in n.outputs)
    args = [f"%{v.name}" for v in n.inputs]
    args += [f"{k}={_attr(v)}" for k, v in n.attrs.items() if not k.startswith("_")]
    types = ", ".join(_ty(v) for v in n.outputs)
    line = f"  {outs} = {n.op}({', '.join(args)}) : {types}"
    if n.kind != "layer":
        line += f"  ; {n.kind}"
    for role, w in n.weights.items():
        extra = []
        if w.lr_mult != 1.0:
            extra.append(f"lr×{w.lr_mult:g}")
        if w.wd_mult != 1.0:
            extra.append(f"wd×{w.wd_mult:g}")
        if w.share is not None:
            extra.append(f"tied to @{w.share.name}")
        if not w.trainable:
            extra.append("frozen")
        tail = f" [{', '.join(extra)}]" if extra else ""
        line += f"\n      {role}: @{w.name} : {_ty(w)} = {w.init}{tail}"
    return line


def print_graph(g: Graph) -> str:
    ins = ", ".join(f"%{v.name}: {_ty(v)}" for v in g.inputs)
    lines = [f"graph {g.name}({ins}) {{"]
    lines.extend(print_node(n) for n in g.nodes)
    outs = ", ".join(f"%{v.name}" for v in g.outputs)
    lines.append(f"  return {outs}")
    if g.losses:
        lines.append("  loss " + ", ".join(f"%{n.output.name}" for n in g.losses))
    if g.metrics:
        lines.append("  metrics " + ", ".join(f"{k}=%{n.output.name}" for k, n in g.metrics.items()))
    lines.append("}")
    return "\n".join(lines)
