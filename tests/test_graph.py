"""`nncc graph` (issue 20): every sample drawn in every format; DOT rendered by graphviz, the
HTML page opened in headless Chromium (a screenshot that is not blank, its script run)."""
from __future__ import annotations

import glob
import os
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib

import pytest
from click.testing import CliRunner

from nncc.cli import main
from nncc.draw import picture
from nncc.driver import frontend

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = sorted(glob.glob(os.path.join(ROOT, "samples", "*.yaml")))
IDS = [os.path.basename(s)[:-5] for s in SAMPLES]
LENET_SMAUG = os.path.join(ROOT, "samples", "lenet5_smaug.yaml")
CHROMIUM = next((c for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None)


def draw(*args: str) -> str:
    r = CliRunner().invoke(main, ["graph", *args])
    assert r.exit_code == 0, r.output
    return r.stdout


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's `dot` is not installed (apt-get install graphviz)")
@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_dot_renders_through_graphviz(sample, tmp_path):
    r = subprocess.run(["dot", "-Tsvg"], input=draw(sample), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Warning" not in r.stderr, r.stderr
    root = ET.fromstring(r.stdout)
    nodes = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"]
    assert len(nodes) == len(picture(frontend(sample).graph).boxes)


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_svg_and_mermaid_hold_every_node_and_edge(sample):
    p = picture(frontend(sample).graph)
    root = ET.fromstring(draw(sample, "--format", "svg"))
    gs = list(root.iter("{http://www.w3.org/2000/svg}g"))
    assert len([g for g in gs if "node" in (g.get("class") or "").split()]) == len(p.boxes)
    assert len([e for e in root.iter("{http://www.w3.org/2000/svg}path") if e.get("class") == "edge"]) == len(p.edges)
    assert len([g for g in gs if g.get("class") == "cluster"]) == len(p.clusters)
    mm = draw(sample, "--format", "mermaid")
    assert mm.startswith("flowchart TD\n") and mm.count(" --> ") == len(p.edges)
    assert mm.count("subgraph ") == len(p.clusters) == sum(1 for line in mm.splitlines() if line.strip() == "end")


def test_shapes_params_and_blocks_as_clusters():
    dot = draw(os.path.join(ROOT, "samples", "resnet20.yaml"))
    assert 'subgraph "cluster_s1/0"' in dot  # a block instance
    assert "conv2d · 2,304 params\\nf32[N, 16, 32, 32]" in dot
    assert "peripheries=2" in dot  # the output


def test_with_a_target_the_graph_is_what_the_target_sees():
    plain, smaug = draw(LENET_SMAUG), draw(LENET_SMAUG, "-t", "smaug")
    assert "reorder" in smaug and "reorder" not in plain  # insert-layouts
    assert "smaug." in smaug and "smaug." not in plain  # fused ops
    assert draw(LENET_SMAUG, "-t", "smaug", "-O", "backend=Reference") != smaug


def test_graph_output_file_and_its_refusals(tmp_path):
    out = tmp_path / "m.html"
    r = CliRunner().invoke(main, ["graph", LENET_SMAUG, "-o", str(out)])
    assert r.exit_code == 0 and out.read_text().startswith("<!doctype html>")
    assert CliRunner().invoke(main, ["graph", LENET_SMAUG, "-o", str(out)]).exit_code == 0  # its own file
    mine = tmp_path / "mine.dot"
    mine.write_text("digraph {}")
    r = CliRunner().invoke(main, ["graph", LENET_SMAUG, "-o", str(mine)])
    assert r.exit_code == 2 and "E603" in r.output
    r = CliRunner().invoke(main, ["graph", LENET_SMAUG, "-o", LENET_SMAUG])
    assert r.exit_code == 2 and "E602" in r.output
    r = CliRunner().invoke(main, ["graph", LENET_SMAUG, "--print-after", "fuse"])
    assert r.exit_code == 2


def test_html_is_self_contained():
    page = draw(LENET_SMAUG, "--format", "html")
    for ref in ("http://", "https://", "src=", "href=", "@import", "url(http"):
        assert ref not in page.replace('xmlns="http://www.w3.org/2000/svg"', ""), ref


# ---------------------------------------------------------------- the HTML page in a real browser

def _png_pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Width, height, bytes per pixel and the unfiltered rows of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    w = h = bpp = 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            pred = {0: 0, 1: a, 2: b, 3: (a + b) // 2}.get(f)
            if pred is None:  # Paeth
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def _chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, timeout=120, cwd=tmp_path)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_html_renders_in_headless_chromium(sample, tmp_path):
    page = tmp_path / "graph.html"
    page.write_text(draw(sample, "--format", "html"))
    shot = tmp_path / "shot.png"
    r = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1000,800", page.as_uri())
    assert shot.exists(), r.stderr.decode()[-2000:]
    w, h, bpp, rows = _png_pixels(shot.read_bytes())
    pixels = {row[i:i + 3] for row in rows[::4] for i in range(0, len(row), bpp * 4)}
    assert len(pixels) > 5, "the screenshot is blank"
    dark = sum(1 for row in rows for i in range(0, len(row), bpp) if sum(row[i:i + 3]) < 300)
    assert dark > 200, "no text or lines drawn"
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout.decode()
    svg = dom[dom.index("<svg"):dom.index(">", dom.index("<svg"))]
    assert "viewBox" in svg and "width=" not in svg, "the page's script did not run"
