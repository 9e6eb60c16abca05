"""Random mutations of the sample models: bytes, YAML structure and expression tokens.

Every mutant goes through the front end and, for the small samples, the ONNX back end:
output or diagnostics, never another exception. A few go through the command line
(`nncc compile`, `nncc lint`): exit code 0 or 1 and no traceback.
"""
from __future__ import annotations

import copy
import functools
import glob
import json
import os
import re

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from nncc.cli import main

from ._common import dump_yaml, load_yaml, run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = {os.path.basename(p): open(p, "rb").read() for p in sorted(glob.glob(os.path.join(ROOT, "samples", "*.yaml")))}
SMALL = sorted(n for n, d in SAMPLES.items() if n not in ("vgg16.yaml", "resnet50.yaml"))  # cheap to emit


def target_for(name: str) -> str | None:
    return "onnx" if name in SMALL else None


# ------------------------------------------------------------------ bytes

INTERESTING = [b"\x00", b"\xff", b"\xed\xa0\x80", b"\t", b"\r", b"\n", b"  ", b": ", b"- ", b"[", b"{", b"]", b"}",
               b"&a ", b"*a", b"!!python/object:os.system ", b"!x ", b"'", b'"', b"#", b"|", b">", b"---\n",
               b"...\n", b"? ", b"%YAML 1.1\n", b"\xef\xbb\xbf", b"<<: *a\n", b"~", b"\\", b"\xc3\x28"]


@st.composite
def byte_mutants(draw):
    name = draw(st.sampled_from(sorted(SAMPLES)))
    data = bytearray(SAMPLES[name])
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "delete", "insert", "dup", "splice"]))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del data[i:i + draw(st.integers(1, 40))]
        elif op == "insert":
            data[i:i] = draw(st.one_of(st.sampled_from(INTERESTING), st.binary(min_size=1, max_size=8)))
        elif op == "dup":
            j = min(len(data), i + draw(st.integers(1, 200)))
            data[i:i] = data[i:j] * draw(st.integers(1, 3))
        else:
            other = SAMPLES[draw(st.sampled_from(sorted(SAMPLES)))]
            k = draw(st.integers(0, max(0, len(other) - 1)))
            data[i:] = other[k:]
    return name, bytes(data)


@given(byte_mutants())
def test_byte_mutations(m):
    name, data = m
    run("mutations/bytes", data, target=target_for(name), name=name)


# ------------------------------------------------------------------ YAML structure

def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


def _reaches(node, target, seen=None) -> bool:
    """Whether `target` (by identity) is `node` or inside it: subtrees are shared after dup-key and wrap."""
    seen = set() if seen is None else seen
    if node is target:
        return True
    if id(node) in seen or not isinstance(node, (dict, list)):
        return False
    seen.add(id(node))
    return any(_reaches(v, target, seen) for v in (node.values() if isinstance(node, dict) else node))


def _get(node, path):
    for p in path:
        node = node[p]
    return node


REPLACEMENTS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 2 ** 40), st.floats(allow_nan=True), st.text(max_size=20),
    st.sampled_from(["relu", "x |> repeat(3, relu)", "conv2d(x, 8, 3)", "f32[N, 3]", "[1, 2]", "N", "logits",
                     "sgd(lr=0.1)", "", "{}", "1e400", "-1"]),
    st.lists(st.integers(0, 3), max_size=3), st.dictionaries(st.sampled_from(["a", "x", "loss", "graph"]),
                                                             st.integers(0, 3), max_size=2),
)


@functools.cache
def _doc(name: str):
    return load_yaml(SAMPLES[name])


@st.composite
def yaml_mutants(draw):
    name = draw(st.sampled_from(sorted(SAMPLES)))
    doc = copy.deepcopy(_doc(name))
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["replace", "delete", "dup-key", "swap", "wrap", "rename"]))
        if not path:
            if op == "replace":
                doc = draw(REPLACEMENTS)
            continue
        parent, key = _get(doc, path[:-1]), path[-1]
        if op == "replace":
            parent[key] = draw(REPLACEMENTS)
        elif op == "delete":
            del parent[key]
        elif op == "dup-key" and isinstance(parent, dict):
            parent[f"{key}_{draw(st.integers(0, 9))}"] = parent[key]
        elif op == "swap":
            other = draw(st.sampled_from(paths))
            if other and other[:len(path)] != path and path[:len(other)] != other:
                op2 = _get(doc, other[:-1])
                a, b = parent[key], op2[other[-1]]
                # a subtree shared by dup-key or wrap can sit inside the other: swapping would make a cycle
                if not (_reaches(a, b) or _reaches(b, a) or _reaches(a, op2) or _reaches(b, parent)):
                    parent[key], op2[other[-1]] = b, a
        elif op == "wrap":
            parent[key] = draw(st.sampled_from([[parent[key]], {"x": parent[key]}, [parent[key], parent[key]]]))
        elif op == "rename" and isinstance(parent, dict):
            new = draw(st.sampled_from(["inputs", "graph", "x", "logits", "N", "relu", "repeat", "if", "a, b",
                                        "basic(x, ch)", "1", "train"]))
            parent[new] = parent.pop(key)
    if draw(st.booleans()):
        text = dump_yaml(doc, sort_keys=False, default_flow_style=draw(st.sampled_from([None, True, False])))
    else:  # JSON is YAML too, and a different way to write every scalar
        text = json.dumps(doc, default=str)
    if draw(st.booleans()) and "&" not in text:  # anchors and aliases, duplicated keys
        text = text.replace("graph:", "graph: &g", 1).replace("outputs:", "extra: *g\noutputs:", 1) \
            if draw(st.booleans()) else text + "\ngraph: {}\n"
    return name, text


@given(yaml_mutants())
def test_yaml_structure_mutations(m):
    name, text = m
    run("mutations/yaml-structure", text, target=target_for(name), name=name)


# ------------------------------------------------------------------ expression tokens

TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+\.?\d*(?:[eE][-+]?\d+)?|\|>|\*\*|//|==|!=|<=|>=|\S")
POOL = ["(", ")", "[", "]", ",", ":", "=", "|>", "+", "-", "*", "/", "//", "%", "**", "if", "else", "and",
        "or", "not", "true", "none", "0", "1", "-1", "3", "1e9", "2.5", "\"same\"", "x", "N", "relu", "repeat",
        "conv2d", "linear", "split", "concat", "len", "range", "f32", "i64", "[", "(", "99999999999999999999"]


@st.composite
def token_mutants(draw):
    name = draw(st.sampled_from(sorted(SAMPLES)))
    lines = SAMPLES[name].decode().split("\n")
    # lines that hold an expression: "  key: value" (not comments, not block scalars)
    cands = [i for i, ln in enumerate(lines) if re.match(r"^\s+[^#\s][^:]*: \S", ln) and not ln.rstrip().endswith("|")]
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.sampled_from(cands))
        head, _, value = lines[i].partition(": ")
        quoted = value[:1] in "\"'"
        body = value[1:-1] if quoted and len(value) > 1 and value[-1] == value[0] else value
        toks = TOKEN.findall(body)
        if not toks:
            continue
        j = draw(st.integers(0, len(toks) - 1))
        op = draw(st.sampled_from(["replace", "delete", "insert", "dup", "swap"]))
        if op == "replace":
            toks[j] = draw(st.sampled_from(POOL))
        elif op == "delete":
            del toks[j]
        elif op == "insert":
            toks.insert(j, draw(st.sampled_from(POOL)))
        elif op == "dup":
            toks[j:j] = toks[j:j + draw(st.integers(1, 5))] * draw(st.integers(1, 4))
        else:
            k = draw(st.integers(0, len(toks) - 1))
            toks[j], toks[k] = toks[k], toks[j]
        lines[i] = f"{head}: {json.dumps(' '.join(toks))}"
    return name, "\n".join(lines)


@given(token_mutants())
def test_expression_token_mutations(m):
    name, text = m
    run("mutations/expr-tokens", text, target=target_for(name), name=name)


# ------------------------------------------------------------------ the command line

@given(st.one_of(byte_mutants(), token_mutants()), st.sampled_from(["compile", "lint", "summary"]))
def test_cli_exit_codes(workdir, m, cmd):
    name, data = m
    path = workdir / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    # --force: every example writes into one directory, each from another mutant (nncc/placement.py)
    args = {"compile": ["compile", str(path), "-o", str(workdir / "out") + "/", "--force"],
            "lint": ["lint", str(path)],
            "summary": ["summary", str(path)]}[cmd]
    res = CliRunner().invoke(main, args, catch_exceptions=True)
    from .conftest import record

    record(f"cli/{cmd}", "ok" if res.exit_code == 0 else "diag")
    out = res.output
    assert res.exit_code in (0, 1), (res.exit_code, out[-2000:], res.exception)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in out and "internal error" not in out, out[-2000:]
