"""The model file's sections, read from the YAML tree into a `Model` of parsed expressions.

Sections: nncc, model, doc, params, inputs, blocks, graph, outputs, train, targets.
Every problem found here is collected, so independent mistakes are reported together.
"""
from __future__ import annotations

import re
from typing import TypeGuard, TypeVar

from . import codes
from . import ast as A
from .diagnostics import CompileError, DiagnosticBag, did_you_mean
from .quoting import MAX_NAME, name_problem, printable
from .record import Record
from .source import SourceFile, YMap, YNode, YScalar, YSeq, decode, load_yaml, read_source
from .syntax import parse

N = TypeVar("N", YMap, YSeq, YScalar)

SECTIONS = ("nncc", "model", "doc", "params", "inputs", "blocks", "graph", "outputs", "train", "targets")
LANGUAGE_VERSIONS = (1,)
KEYWORDS = {"if", "else", "and", "or", "not", "true", "false", "none", "return"}
_SNAKE = re.compile(r"^[a-z_][a-z0-9_]*$")


class Line(Record):
    """One `targets: expr` entry of the graph or of a block body."""

    targets: A.Targets
    expr: A.Expr
    key: YScalar
    __slots__ = ("targets", "expr", "key")

    def __init__(self, targets: A.Targets, expr: A.Expr, key: YScalar) -> None:
        self.targets = targets
        self.expr = expr
        self.key = key


class Block(Record):
    sig: A.Signature
    body: list[Line]
    ret: A.Expr | None
    key: YScalar
    __slots__ = ("sig", "body", "ret", "key")

    def __init__(self, sig: A.Signature, body: list[Line], ret: A.Expr | None, key: YScalar) -> None:
        self.sig = sig
        self.body = body
        self.ret = ret
        self.key = key


class Model(Record):
    path: str
    src: SourceFile
    root: YMap
    version: int | None
    name: str
    name_node: YScalar | None
    doc: str
    params: list[tuple[YScalar, A.Expr]]
    inputs: list[tuple[YScalar, A.TensorTypeExpr]]
    blocks: dict[str, Block]
    graph: list[Line]
    outputs: list[YScalar]
    train: YMap | None
    targets: YMap | None
    outputs_node: YNode | None
    __slots__ = ("path", "src", "root", "version", "name", "name_node", "doc", "params", "inputs", "blocks", "graph",
                 "outputs", "train", "targets", "outputs_node")

    def __init__(self, path: str, src: SourceFile, root: YMap, version: int | None = None, name: str = "model",
                 name_node: YScalar | None = None, doc: str = "", params: list[tuple[YScalar, A.Expr]] | None = None,
                 inputs: list[tuple[YScalar, A.TensorTypeExpr]] | None = None, blocks: dict[str, Block] | None = None,
                 graph: list[Line] | None = None, outputs: list[YScalar] | None = None, train: YMap | None = None,
                 targets: YMap | None = None, outputs_node: YNode | None = None) -> None:
        self.path = path
        self.src = src
        self.root = root
        self.version = version
        self.name = name
        self.name_node = name_node
        self.doc = doc
        self.params = [] if params is None else params
        self.inputs = [] if inputs is None else inputs
        self.blocks = {} if blocks is None else blocks
        self.graph = [] if graph is None else graph
        self.outputs = [] if outputs is None else outputs
        self.train = train
        self.targets = targets
        self.outputs_node = outputs_node


def read_model(path: str, data: bytes | None = None) -> Model:
    """Read and parse a model file; raises CompileError with every problem found."""
    if data is None:
        data = read_source(path)
    text = decode(path, data)
    src, root = load_yaml(path, text)
    return parse_model(path, src, root)


def _expect(node: YNode | None, kind: type[N], what: str, bag: DiagnosticBag, span_node=None) -> TypeGuard[N]:
    if isinstance(node, kind):
        return True
    names = {YMap: "a mapping (name: value lines)", YSeq: "a list", YScalar: "a single value"}
    got = {YMap: "a mapping", YSeq: "a list", YScalar: "a single value"}.get(type(node), "nothing")
    if isinstance(node, YScalar) and node.is_null:
        got = "an empty value"
    span = node.span if node is not None else (span_node.span if span_node is not None else None)
    bag.error(codes.WRONG_STRUCTURE, f"{what} must be {names[kind]}, found {got}", span)
    return False


def _parse(scalar: YScalar, start: str, bag: DiagnosticBag):
    try:
        return parse(scalar, start)
    except CompileError as e:
        bag.extend(e.diagnostics)
        return None


def parse_model(path: str, src: SourceFile, root: YNode | None) -> Model:
    bag = DiagnosticBag()
    if root is None or (isinstance(root, YScalar) and root.is_null):
        raise CompileError([bag.error(codes.MISSING_SECTION, "the model file is empty", src.span(0, 1),
                                      "start with `nncc: 1`, `model: NAME`, `inputs:`, `graph:` and `outputs:`")])
    if not isinstance(root, YMap):
        bag.error(codes.WRONG_STRUCTURE, "a model file must be a mapping of sections (nncc, model, inputs, graph, ...)", root.span)
        raise CompileError(bag.items)
    m = Model(path, src, root)
    for key, value in root.items:
        if key.value not in SECTIONS:
            guess = did_you_mean(key.value, SECTIONS)
            bag.error(codes.UNKNOWN_SECTION, f"unknown section `{key.value}`", key.span,
                      f"did you mean `{guess}`?" if guess else f"sections are: {', '.join(SECTIONS)}")
    _read_header(m, bag)
    _read_params(m, bag)
    _read_inputs(m, bag)
    _read_blocks(m, bag)
    _read_graph(m, bag)
    _read_outputs(m, bag)
    tr = root.get("train")
    if tr is not None and _expect(tr, YMap, "`train`", bag):
        m.train = tr
    tg = root.get("targets")
    if tg is not None and _expect(tg, YMap, "`targets`", bag):
        m.targets = tg
    bag.raise_if_errors()
    return m


def _read_header(m: Model, bag: DiagnosticBag) -> None:
    v = m.root.get("nncc")
    if v is not None and _expect(v, YScalar, "`nncc` (the language version)", bag):
        assert isinstance(v, YScalar)
        try:
            ver = int(v.value)
        except ValueError:
            ver = -1
        if ver not in LANGUAGE_VERSIONS:
            bag.error(codes.BAD_VERSION, f"unsupported language version `{v.value}`", v.span,
                      f"this nncc reads version {', '.join(map(str, LANGUAGE_VERSIONS))}: write `nncc: 1`")
        m.version = ver
    name = m.root.get("model")
    if name is not None and _expect(name, YScalar, "`model` (the model's name)", bag):
        assert isinstance(name, YScalar)
        problem = name_problem(name.value)
        if problem:
            bag.error(codes.BAD_MODEL_NAME, f"model name `{printable(name.value)}` is not a valid name", name.span,
                      f"{problem} (the name becomes the output files' name)")
        m.name = name.value
        m.name_node = name
    else:
        import os

        m.name = re.sub(r"[^A-Za-z0-9_]", "_", os.path.splitext(os.path.basename(m.path))[0])[:MAX_NAME] or "model"
    doc = m.root.get("doc")
    if doc is not None and _expect(doc, YScalar, "`doc`", bag):
        m.doc = doc.value


def _check_name(key: YScalar, what: str, bag: DiagnosticBag) -> bool:
    if not key.value.isidentifier() or key.value in KEYWORDS:
        bag.error(codes.BAD_NAME, f"`{key.value}` is not a valid {what} name", key.span,
                  "names start with a letter or `_` and hold letters, digits and `_`; keywords are reserved")
        return False
    return True


def _read_params(m: Model, bag: DiagnosticBag) -> None:
    node = m.root.get("params")
    if node is None or (isinstance(node, YScalar) and node.is_null):
        return
    if not _expect(node, YMap, "`params`", bag):
        return
    for key, value in node.items:
        if not _check_name(key, "param", bag):
            continue
        if isinstance(value, YSeq):
            bag.error(codes.WRONG_STRUCTURE, f"param `{key.value}`: write lists as expressions in quotes, e.g. \"[1, 2]\"",
                      value.span)
            continue
        if not _expect(value, YScalar, f"param `{key.value}`", bag):
            continue
        e = _parse(value, "expr", bag)
        if e is not None:
            m.params.append((key, e))


def _read_inputs(m: Model, bag: DiagnosticBag) -> None:
    node = m.root.get("inputs")
    if node is None:
        bag.error(codes.MISSING_SECTION, "the model has no `inputs` section", m.root.span,
                  "declare each input with its type, e.g. `inputs: {image: \"f32[N, 3, 32, 32]\"}`")
        return
    if not _expect(node, YMap, "`inputs`", bag):
        return
    for key, value in node.items:
        if not _check_name(key, "input", bag):
            continue
        if isinstance(value, YSeq):
            bag.error(codes.BAD_TYPE, f"input `{key.value}`: a type is written DTYPE[dims], e.g. f32[N, 3, 32, 32]",
                      value.span, "the `[` must follow the dtype directly")
            continue
        if not _expect(value, YScalar, f"input `{key.value}`", bag):
            continue
        t = _parse(value, "tensor_type", bag)
        if t is not None:
            m.inputs.append((key, t))


def _read_lines(mapping: YMap, bag: DiagnosticBag, where: str) -> tuple[list[Line], A.Expr | None]:
    lines: list[Line] = []
    ret: A.Expr | None = None
    for key, value in mapping.items:
        if isinstance(value, (YSeq, YMap)):
            bag.error(codes.WRONG_STRUCTURE, f"{where} `{key.value}`: the value must be an expression; "
                      "quote it if it starts with `[` or `{`", value.span)
            continue
        assert isinstance(value, YScalar)
        if value.is_null or not value.value.strip():
            bag.error(codes.EXPR_SYNTAX, f"{where} `{key.value}` has no expression", key.span)
            continue
        if key.value == "return":
            ret = _parse(value, "expr", bag)
            continue
        t = _parse(key, "targets", bag)
        if t is None:
            continue
        if any(n in KEYWORDS for n in t.names):
            bag.error(codes.BAD_NAME, f"`{key.value}` uses a reserved word as a name", key.span)
            continue
        e = _parse(value, "expr", bag)
        if e is not None:
            lines.append(Line(t, e, key))
    return lines, ret


def _read_blocks(m: Model, bag: DiagnosticBag) -> None:
    node = m.root.get("blocks")
    if node is None or (isinstance(node, YScalar) and node.is_null):
        return
    if not _expect(node, YMap, "`blocks`", bag):
        return
    for key, body in node.items:
        sig = _parse(key, "signature", bag)
        if sig is None:
            continue
        assert isinstance(sig, A.Signature)
        if sig.name in m.blocks:
            bag.error(codes.DUPLICATE_DEFINITION, f"block `{sig.name}` is defined twice", key.span)
            continue
        seen: set[str] = set()
        for p in sig.params:
            if p.name in seen:
                bag.error(codes.DUPLICATE_DEFINITION, f"parameter `{p.name}` appears twice in block `{sig.name}`", p.pos.span)
            seen.add(p.name)
        if not _expect(body, YMap, f"block `{sig.name}`", bag, key):
            continue
        lines, ret = _read_lines(body, bag, f"block `{sig.name}` line")
        if ret is None and not bag.has_errors:
            bag.error(codes.MISSING_RETURN, f"block `{sig.name}` has no `return:` line", key.span,
                      "end the block with `return: NAME` to say which value it produces")
        m.blocks[sig.name] = Block(sig, lines, ret, key)


def _read_graph(m: Model, bag: DiagnosticBag) -> None:
    node = m.root.get("graph")
    if node is None:
        bag.error(codes.MISSING_SECTION, "the model has no `graph` section", m.root.span,
                  "add `graph:` with one `name: expression` line per layer")
        return
    if not _expect(node, YMap, "`graph`", bag):
        return
    lines, ret = _read_lines(node, bag, "graph line")
    if ret is not None:
        key = node.key_node("return")
        bag.error(codes.WRONG_STRUCTURE, "`return` belongs in blocks; the graph names its results in `outputs`",
                  key.span if key else None)
    m.graph = lines


def _read_outputs(m: Model, bag: DiagnosticBag) -> None:
    node = m.root.get("outputs")
    m.outputs_node = node
    if node is None:
        bag.error(codes.MISSING_SECTION, "the model has no `outputs` section", m.root.span,
                  "list the graph values the model returns, e.g. `outputs: [logits]`")
        return
    items = node.items if isinstance(node, YSeq) else [node]
    for it in items:
        if not isinstance(it, YScalar) or it.is_null:
            bag.error(codes.WRONG_STRUCTURE, "each output must be the name of a graph value", it.span)
            continue
        m.outputs.append(it)
