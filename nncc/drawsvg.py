"""SVG and a self-contained HTML page for `nncc graph`, laid out here (no graphviz needed).

Layout: a node's layer is one more than its deepest input's (inputs are layer 0); in a
layer, nodes sit under the mean of their inputs' positions, pushed apart where they would
overlap; clusters are the rounded rectangles around their members. The HTML page is the
SVG plus inline CSS and script (wheel zoom, drag pan, hover for a node's attributes); it
refers to nothing outside itself.
"""
from __future__ import annotations

import html
import json

from .draw import Box, Picture, _parents

CHAR_W, LINE_H, PAD, GAP_X, GAP_Y = 6.6, 14, 8, 24, 34
FILL = {"input": "#e8f0fe", "layer": "#ffffff", "loss": "#fde8e8", "metric": "#fdf6e3"}


def _size(b: Box) -> tuple[float, float]:
    return max(len(s) for s in b.lines) * CHAR_W + 2 * PAD, len(b.lines) * LINE_H + 2 * PAD


def layout(p: Picture) -> dict[str, tuple[float, float, float, float]]:
    """x, y (top left), width, height of each box."""
    ins: dict[str, list[str]] = {b.id: [] for b in p.boxes}
    for src, dst in p.edges:
        ins[dst].append(src)
    layer: dict[str, int] = {}
    for b in p.boxes:  # boxes are in program order: inputs before their users
        layer[b.id] = 1 + max((layer[a] for a in ins[b.id]), default=-1)
    rows: dict[int, list[Box]] = {}
    for b in p.boxes:
        rows.setdefault(layer[b.id], []).append(b)
    pos: dict[str, tuple[float, float, float, float]] = {}
    y = 0.0
    for k in sorted(rows):
        sized = [(b, *_size(b)) for b in rows[k]]
        want = []
        for b, w, _ in sized:
            xs = [pos[a][0] + pos[a][2] / 2 for a in ins[b.id] if a in pos]
            want.append((sum(xs) / len(xs) if xs else 0.0) - w / 2)
        order = sorted(range(len(sized)), key=lambda i: want[i])
        right = None
        for i in order:
            b, w, h = sized[i]
            x = want[i] if right is None else max(want[i], right + GAP_X)
            pos[b.id] = (x, y, w, h)
            right = x + w
        y += max(h for _, _, h in sized) + GAP_Y
    left = min(x for x, _, _, _ in pos.values())
    return {k: (x - left + 40, y0 + 40, w, h) for k, (x, y0, w, h) in pos.items()}


def to_svg(p: Picture) -> str:
    pos = layout(p)
    out = []
    # clusters: each around all boxes below it, deeper ones inside (drawn after)
    members: dict[str, list[str]] = {c: list(ids) for c, ids in p.clusters.items()}
    for c in p.clusters:
        for parent in _parents(c, p.clusters):
            members[parent] += p.clusters[c]
    for c in sorted(p.clusters, key=lambda c: (len(_parents(c, p.clusters)), c)):
        depth = len(_parents(c, p.clusters))
        pad = 14 - 3 * min(depth, 3)
        boxes = [pos[i] for i in members[c]]
        x0 = min(x for x, _, _, _ in boxes) - pad
        y0 = min(y for _, y, _, _ in boxes) - pad - 10
        x1 = max(x + w for x, _, w, _ in boxes) + pad
        y1 = max(y + h for _, y, _, h in boxes) + pad
        out.append(f'<g class="cluster"><title>{html.escape(c)}</title>'
                   f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" rx="8"/>'
                   f'<text x="{x0 + 6:.1f}" y="{y0 + 11:.1f}">{html.escape(c.split("/")[-1])}</text></g>')
    for src, dst in p.edges:
        xa, ya, wa, ha = pos[src]
        xb, yb, wb, _ = pos[dst]
        x1, y1, x2, y2 = xa + wa / 2, ya + ha, xb + wb / 2, yb
        my = (y1 + y2) / 2
        out.append(f'<path class="edge" d="M{x1:.1f},{y1:.1f} C{x1:.1f},{my:.1f} {x2:.1f},{my:.1f} '
                   f'{x2:.1f},{y2 - 3:.1f}" marker-end="url(#arrow)"/>')
    for b in p.boxes:
        x, y, w, h = pos[b.id]
        info = {"name": b.title, "op": b.op, "shape": b.shape, "params": b.params, **b.attrs}
        tip = "\n".join(f"{k}: {v}" for k, v in info.items())
        head = ' class="head"'
        texts = "".join(f'<text x="{x + PAD:.1f}" y="{y + PAD + LINE_H * (i + 1) - 3:.1f}"'
                        f'{head if i == 0 else ""}>{html.escape(s)}</text>' for i, s in enumerate(b.lines))
        out.append(f'<g class="node {b.kind}{" output" if b.output else ""}" '
                   f"data-info='{html.escape(json.dumps(info), quote=True)}'>"
                   f"<title>{html.escape(tip)}</title>"
                   f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="5" '
                   f'fill="{FILL[b.kind]}"/>{texts}</g>')
    width = max(x + w for x, _, w, _ in pos.values()) + 40
    height = max(y + h for _, y, _, h in pos.values()) + 40
    style = ("<style>.node rect{stroke:#444;stroke-width:1}.node.output rect{stroke-width:2.5}"
             ".node text{font:11px Helvetica,Arial,sans-serif;fill:#222}.node text.head{font-weight:bold}"
             ".edge{fill:none;stroke:#777;stroke-width:1.2}.cluster rect{fill:#f6f6f6;fill-opacity:.35;"
             "stroke:#aaa;stroke-dasharray:4 3}.cluster text{font:9px Helvetica,Arial,sans-serif;fill:#666}</style>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" id="graph" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}"><title>{html.escape(p.name)}</title>{style}'
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>'
            + "".join(out) + "</svg>\n")


_SCRIPT = """
const svg = document.getElementById('graph'), info = document.getElementById('info');
const full = svg.viewBox.baseVal, box = {x: full.x, y: full.y, w: full.width, h: full.height};
svg.removeAttribute('width'); svg.removeAttribute('height');
function show() { svg.setAttribute('viewBox', box.x + ' ' + box.y + ' ' + box.w + ' ' + box.h); }
function point(e) {
  const r = svg.getBoundingClientRect(), s = Math.max(box.w / r.width, box.h / r.height);
  return {x: box.x + (e.clientX - r.left) * s, y: box.y + (e.clientY - r.top) * s, s: s};
}
svg.addEventListener('wheel', e => {
  e.preventDefault();
  const p = point(e), k = e.deltaY > 0 ? 1.15 : 1 / 1.15;
  box.x = p.x - (p.x - box.x) * k; box.y = p.y - (p.y - box.y) * k; box.w *= k; box.h *= k; show();
}, {passive: false});
let drag = null;
svg.addEventListener('mousedown', e => { drag = {x: e.clientX, y: e.clientY, bx: box.x, by: box.y, s: point(e).s}; });
window.addEventListener('mouseup', () => { drag = null; });
window.addEventListener('mousemove', e => {
  if (!drag) return;
  box.x = drag.bx - (e.clientX - drag.x) * drag.s; box.y = drag.by - (e.clientY - drag.y) * drag.s; show();
});
document.getElementById('fit').addEventListener('click', () => {
  box.x = full.x; box.y = full.y; box.w = full.width; box.h = full.height; show();
});
for (const g of document.querySelectorAll('.node')) {
  g.addEventListener('mouseenter', () => {
    const d = JSON.parse(g.dataset.info);
    info.textContent = Object.entries(d).map(([k, v]) => k + ': ' + v).join('\\n');
  });
}
"""


def to_html(p: Picture) -> str:
    n_params = sum(b.params for b in p.boxes)
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(p.name)} — nncc graph</title><style>"
            "html,body{margin:0;height:100%;font:13px Helvetica,Arial,sans-serif}"
            "#bar{padding:6px 10px;border-bottom:1px solid #ddd;background:#fafafa}"
            "#graph{width:100%;height:calc(100% - 34px);cursor:grab;display:block}"
            "#info{position:fixed;right:10px;top:40px;max-width:40%;white-space:pre-wrap;background:#fff;"
            "border:1px solid #ccc;padding:8px;font:12px monospace;box-shadow:0 1px 4px #0002}"
            "</style></head><body>"
            f"<div id=\"bar\"><b>{html.escape(p.name)}</b> · {len(p.boxes)} nodes · {n_params:,} parameters · "
            "wheel: zoom, drag: pan, hover: attributes <button id=\"fit\">fit</button></div>"
            f"<div id=\"info\">hover a node</div>{to_svg(p)}<script>{_SCRIPT}</script></body></html>\n")
