"""`nncc graph`: the model as a picture — DOT, SVG, Mermaid or a self-contained HTML page.

One description of the picture (`picture`: a box per input and per node with its op,
output shape and parameter count; an edge per value use; nested clusters from the
node names, which carry the graph line and block instance they came from: `s1/0/a/conv2d`
is in `s1` › `s1/0` › `s1/0/a`) is written in each format. SVG and HTML are laid out here
(layers by longest path from the inputs), so neither needs graphviz; the HTML page holds
the SVG and a few lines of script for pan, zoom and hover, and loads nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .ir import Graph


@dataclass
class Box:
    id: str
    title: str  # the node's name (or the input's)
    op: str  # op name, or "input"
    shape: str
    params: int
    kind: str  # input | layer | loss | metric
    output: bool = False  # one of the graph's outputs
    attrs: dict[str, str] = field(default_factory=dict)

    @property
    def lines(self) -> list[str]:
        p = f" · {self.params:,} params" if self.params else ""
        return [self.title, f"{self.op}{p}", self.shape]


@dataclass
class Picture:
    name: str
    boxes: list[Box]
    edges: list[tuple[str, str]]
    clusters: dict[str, list[str]]  # cluster path -> ids of its own boxes (not of sub-clusters)


def picture(g: Graph) -> Picture:
    boxes: list[Box] = []
    producer: dict[int, str] = {}
    for i, v in enumerate(g.inputs):
        bid = f"in{i}"
        boxes.append(Box(bid, v.name, "input", str(v.type), 0, "input"))
        producer[id(v)] = bid
    outs = {id(v) for v in g.outputs}
    seen_w: set[int] = set()
    edges: list[tuple[str, str]] = []
    for i, n in enumerate(g.nodes):
        bid = f"n{i}"
        params = 0
        for w in n.weights.values():
            if id(w) not in seen_w and w.share is None:
                seen_w.add(id(w))
                params += w.ttype.numel()
        attrs = {k: str(v) for k, v in n.attrs.items()}
        attrs.update({f"@{k}": str(w.type) for k, w in n.weights.items()})
        boxes.append(Box(bid, n.name, n.op, ", ".join(str(v.type) for v in n.outputs), params, n.kind,
                         any(id(v) in outs for v in n.outputs), attrs))
        for v in n.inputs:
            src = producer.get(id(v))
            if src is not None and (src, bid) not in edges:
                edges.append((src, bid))
        for v in n.outputs:
            producer[id(v)] = bid
    return Picture(g.name, boxes, edges, _clusters(boxes))


def _clusters(boxes: list[Box]) -> dict[str, list[str]]:
    """Group nodes by the prefixes of their names; a prefix shared by two or more nodes is a cluster."""
    count: dict[str, int] = {}
    for b in boxes:
        if b.kind != "input":
            parts = b.title.split("/")
            for k in range(1, len(parts) + 1):
                count["/".join(parts[:k])] = count.get("/".join(parts[:k]), 0) + 1
    out: dict[str, list[str]] = {}
    for b in boxes:
        if b.kind == "input":
            continue
        parts = b.title.split("/")
        # the innermost cluster: the longest proper prefix shared by two or more nodes (a node named
        # like its chain, `conv1` after `conv1/conv2d`, joins that chain's cluster)
        home = next(("/".join(parts[:k]) for k in range(len(parts), 0, -1)
                     if count["/".join(parts[:k])] >= 2 and (k < len(parts) or count[b.title] >= 2)), None)
        if home is not None:
            out.setdefault(home, []).append(b.id)
    return out


def _parents(path: str, clusters: dict[str, list[str]]) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:k]) for k in range(1, len(parts)) if "/".join(parts[:k]) in clusters]


# ---------------------------------------------------------------- DOT and Mermaid

def _nested(p: Picture, box: Callable[[Box, str], str], opening: Callable[[str, str], list[str]],
            closing: str) -> list[str]:
    """The boxes, each cluster's inside its (nested) cluster: `opening(path, indent)` starts one,
    `closing` ends it; boxes in no cluster follow at the top level."""
    by_id = {b.id: b for b in p.boxes}
    lines: list[str] = []
    placed: set[str] = set()

    def cluster(path: str, depth: int) -> None:
        ind = "  " * (depth + 1)
        lines.extend(opening(path, ind))
        for sub in sorted(c for c in p.clusters if _parents(c, p.clusters)[-1:] == [path]):
            cluster(sub, depth + 1)
        for bid in p.clusters[path]:
            lines.append(box(by_id[bid], ind + "  "))
            placed.add(bid)
        lines.append(ind + closing)

    for c in sorted(c for c in p.clusters if not _parents(c, p.clusters)):
        cluster(c, 0)
    return lines + [box(b, "  ") for b in p.boxes if b.id not in placed]


def _dq(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(p: Picture) -> str:
    style = {"input": 'shape=ellipse, style=filled, fillcolor="#e8f0fe"',
             "layer": 'shape=box, style="rounded,filled", fillcolor="#ffffff"',
             "loss": 'shape=box, style="rounded,filled", fillcolor="#fde8e8"',
             "metric": 'shape=box, style="rounded,filled", fillcolor="#fdf6e3"'}

    def box(b: Box, indent: str) -> str:
        tip = "; ".join(f"{k}={v}" for k, v in b.attrs.items())
        extra = ", peripheries=2" if b.output else ""
        return f"{indent}{b.id} [label={_dq(chr(10).join(b.lines))}, tooltip={_dq(tip or b.title)}, " \
               f"{style[b.kind]}{extra}];"

    def opening(path: str, ind: str) -> list[str]:
        return [f"{ind}subgraph {_dq('cluster_' + path)} {{",
                f'{ind}  label={_dq(path.split("/")[-1])}; tooltip={_dq(path)}; style="rounded,dashed"; '
                'color="#999999"; fontname="Helvetica"; fontsize=9;']

    head = [f"digraph {_dq(p.name)} {{", "  rankdir=TB;", '  node [fontname="Helvetica", fontsize=10];',
            '  edge [color="#555555"];']
    return "\n".join(head + _nested(p, box, opening, "}") + [f"  {a} -> {b};" for a, b in p.edges] + ["}"]) + "\n"


def _mq(s: str) -> str:
    """A Mermaid label: quoted, with its own entity for a quote (`#quot;`)."""
    return '"' + s.replace('"', "#quot;") + '"'


def to_mermaid(p: Picture) -> str:
    shape = {"input": ("([", "])"), "layer": ("[", "]"), "loss": ("[/", "/]"), "metric": ("[/", "/]")}
    ids: dict[str, str] = {}

    def box(b: Box, ind: str) -> str:
        o, c = shape[b.kind]
        return f"{ind}{b.id}{o}{_mq('<br/>'.join(b.lines))}{c}"

    def opening(path: str, ind: str) -> list[str]:
        ids[path] = f"c{len(ids)}"
        return [f"{ind}subgraph {ids[path]}[{_mq(path.split('/')[-1])}]"]

    body = _nested(p, box, opening, "end")
    return "\n".join(["flowchart TD", *body, *(f"  {a} --> {b}" for a, b in p.edges)]) + "\n"
