"""The W-rules: checks on a model that compiles, run over the front end's results.

Each check reads the `Frontend` (model sections, elaborated graph, train
config, and the elaborator's record of used names) and yields `Finding`s; none
re-reads the file. A finding may carry one safe `Fix` (text edits at known
offsets of the source).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from .. import codes
from .. import ast as A
from ..diagnostics import CompileError, Diagnostic, Span, SpanLike, resolved
from ..dtypes import DTYPE_BYTES
from ..record import Record
from ..source import YMap, YScalar

_SNAKE = re.compile(r"^_*[a-z][a-z0-9_]*$")


class Fix(Record):
    """Replace text[start:end] by `text` for each edit; edits never overlap."""

    description: str
    edits: list[tuple[int, int, str]]
    __slots__ = ("description", "edits")

    def __init__(self, description: str, edits: list[tuple[int, int, str]] | None = None) -> None:
        self.description = description
        self.edits = [] if edits is None else edits


class Finding(Record):
    diag: Diagnostic
    fix: Fix | None
    __slots__ = ("diag", "fix")

    def __init__(self, diag: Diagnostic, fix: Fix | None = None) -> None:
        self.diag = diag
        self.fix = fix


def warn(code: str, message: str, span: Span | None, help: str | None = None, fix: Fix | None = None) -> Finding:
    return Finding(Diagnostic(code, message, span, help), fix)


class Context(Record):
    fe: Any  # driver.Frontend
    text: str
    max_weight_bytes: int
    used: set[str] | None  # names the model uses (_used), found once
    __slots__ = ("fe", "text", "max_weight_bytes", "used")
    HIDDEN = ("used",)

    def __init__(self, fe: Any, text: str, max_weight_bytes: int) -> None:
        self.fe = fe
        self.text = text
        self.max_weight_bytes = max_weight_bytes
        self.used = None


CHECKS: list[Callable[[Context], Iterator[Finding]]] = []


def check(fn: Callable[[Context], Iterator[Finding]]) -> Callable[[Context], Iterator[Finding]]:
    CHECKS.append(fn)
    return fn


def run_checks(fe: Any, text: str, max_weight_bytes: int) -> list[Finding]:
    ctx = Context(fe, text, max_weight_bytes)
    out: list[Finding] = []
    for fn in CHECKS:
        out.extend(fn(ctx))
    return out


# ---------------------------------------------------------------- helpers

def _names_in(e: Any, out: set[str]) -> None:
    """Every name an expression mentions, in any branch (the elaborator sees only the branch taken)."""
    if e is None:
        return
    if isinstance(e, A.Name):
        out.add(e.id)
    elif isinstance(e, A.Call):
        _names_in(e.func, out)
        for a in e.args:
            _names_in(a, out)
        for k in e.kwargs:
            _names_in(k.value, out)
    elif isinstance(e, A.BinOp):
        _names_in(e.left, out)
        _names_in(e.right, out)
    elif isinstance(e, A.Unary):
        _names_in(e.operand, out)
    elif isinstance(e, A.IfExp):
        _names_in(e.cond, out)
        _names_in(e.then, out)
        _names_in(e.orelse, out)
    elif isinstance(e, (A.ListExpr, A.TupleExpr)):
        for i in e.items:
            _names_in(i, out)
    elif isinstance(e, A.Index):
        _names_in(e.value, out)
        for s in e.subs:
            _names_in(s, out)
    elif isinstance(e, A.Slice):
        _names_in(e.lower, out)
        _names_in(e.upper, out)
        _names_in(e.step, out)
    elif isinstance(e, A.TensorTypeExpr):
        for d in e.dims:
            _names_in(d, out)


def referenced(m: Any) -> set[str]:
    """Names mentioned anywhere in the model's parsed expressions."""
    out: set[str] = set()
    for _, e in m.params:
        _names_in(e, out)
    for _, t in m.inputs:
        _names_in(t, out)
    for blk in m.blocks.values():
        for p in blk.sig.params:
            _names_in(p.default, out)
        for line in blk.body:
            _names_in(line.expr, out)
        _names_in(blk.ret, out)
    for line in m.graph:
        _names_in(line.expr, out)
    for o in m.outputs:
        out.add(o.value)
    return out


def _used(ctx: Context) -> set[str]:
    if ctx.used is None:
        el = ctx.fe.elaborator
        ctx.used = set(el.used if el is not None else ()) | referenced(ctx.fe.model)
    return ctx.used


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the start of `start`'s line and one past the newline ending `end`'s line."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    return a, (len(text) if b < 0 else b + 1)


# ---------------------------------------------------------------- W101-W104 unused

@check
def unused_layers(ctx: Context) -> Iterator[Finding]:
    used = _used(ctx)
    m = ctx.fe.model
    lines = [(line, "layer") for line in m.graph]
    for name, blk in m.blocks.items():
        if name in used:
            lines += [(line, f"line of block `{name}`") for line in blk.body]
    for line, what in lines:
        names = line.targets.names
        live = [n for n in names if not n.startswith("_")]
        if not live or any(n in used for n in names):
            continue
        p = line.targets.name_pos[0]
        yield warn(codes.UNUSED_LAYER, f"{what} `{', '.join(names)}` is never used", p.span,
                   "use it, list it in `outputs`, or delete the line")


@check
def unused_params(ctx: Context) -> Iterator[Finding]:
    used = _used(ctx)
    m = ctx.fe.model
    node = m.root.get("params")
    for key, _ in m.params:
        if key.value in used or key.value.startswith("_"):
            continue
        yield warn(codes.UNUSED_PARAM, f"param `{key.value}` is never used", key.span,
                   "delete it, or use it in an expression", _remove_entry_fix(ctx.text, node, key))


def _remove_entry_fix(text: str, mapping: Any, key: YScalar) -> Fix | None:
    """Delete a `key: value` line of a block-style mapping, if it is the whole of its line(s)."""
    if not isinstance(mapping, YMap):
        return None
    value = mapping.get(key.value)
    if not isinstance(value, YScalar):
        return None
    a = key.start  # back over the indentation only: a key after anything else is not a whole line (and a
    while a > 0 and text[a - 1] in " \t":  # scan to the line's start would make a long flow mapping quadratic)
        a -= 1
    if (a > 0 and text[a - 1] != "\n") or text[a - 2:a - 1] in ("{", ","):  # flow style, or not first on its line
        return None
    _, b = _line_bounds(text, key.start, value.end)
    after = text[value.end:b].strip()
    if after and not after.startswith("#"):
        return None
    return Fix(f"delete param `{key.value}`", [(a, b, "")])


@check
def unused_inputs(ctx: Context) -> Iterator[Finding]:
    used = _used(ctx)
    for key, _ in ctx.fe.model.inputs:
        if key.value not in used and not key.value.startswith("_"):
            yield warn(codes.UNUSED_INPUT, f"input `{key.value}` is never used", key.span,
                       "no layer, loss or metric reads it: delete it, or use it")


@check
def unused_blocks(ctx: Context) -> Iterator[Finding]:
    used = _used(ctx)
    for name, blk in ctx.fe.model.blocks.items():
        if name not in used and not name.startswith("_"):
            p = blk.sig.span
            yield warn(codes.UNUSED_BLOCK, f"block `{name}` is never called", p, "delete it, or call it from `graph`")


# ---------------------------------------------------------------- W105 shadowing

def _builtin(name: str) -> str | None:
    """What a built-in name is (a model's own name may hide it), looked up for the names a file defines
    rather than listing the registry for each file."""
    from ..evalcore import _BUILTINS, INIT_ALIASES, INITIALIZERS
    from ..ops import REGISTRY

    if name == "repeat":
        return "built-in function"
    op = REGISTRY.get(name)
    if op is not None and not op.hidden:  # an op a model may call (ops.public)
        return "op"
    if name in INITIALIZERS or name in INIT_ALIASES:
        return "initializer"
    return "built-in function" if name in _BUILTINS else None


@check
def shadowed_names(ctx: Context) -> Iterator[Finding]:
    m = ctx.fe.model
    params = {k.value for k, _ in m.params}
    blocks = set(m.blocks)

    def hides(name: str, in_block: bool) -> str | None:
        if in_block and name in params:
            return "the param"
        if name in blocks:
            return "the block"
        kind = _builtin(name)
        return f"the {kind}" if kind else None

    defs: list[tuple[str, SpanLike, bool]] = [(k.value, k.span, False) for k, _ in m.params]  # resolved if shown
    defs += [(k.value, k.span, False) for k, _ in m.inputs]
    for line in m.graph:
        defs += [(n, p, False) for n, p in zip(line.targets.names, line.targets.name_pos)]
    for blk in m.blocks.values():
        defs += [(p.name, p.pos, True) for p in blk.sig.params]
        for line in blk.body:
            defs += [(n, p, True) for n, p in zip(line.targets.names, line.targets.name_pos)]
    for name, span, in_block in defs:
        what = hides(name, in_block)
        if what:
            yield warn(codes.SHADOWED_NAME, f"`{name}` hides {what} `{name}`", resolved(span),
                       f"rename it; while it is in scope, `{name}` means this value, not {what}")


# ---------------------------------------------------------------- W106 version

@check
def missing_version(ctx: Context) -> Iterator[Finding]:
    m = ctx.fe.model
    if m.root.get("nncc") is not None or not m.root.items:
        return
    first = m.root.items[0][0]
    a = ctx.text.rfind("\n", 0, first.start) + 1
    fix = Fix("add `nncc: 1`", [(a, a, "nncc: 1\n")]) if not ctx.text[a:first.start].strip() else None
    yield warn(codes.MISSING_VERSION, "the file does not say which language version it is written in", first.span,
               "add `nncc: 1` as the first line, so a later nncc reads it the same way", fix)


# ---------------------------------------------------------------- W107 targets

@check
def target_support(ctx: Context) -> Iterator[Finding]:
    from .. import target as T
    from ..driver import resolve_options

    fe = ctx.fe
    sec = fe.model.targets
    if sec is None:
        return
    try:
        resolve_options(T.Target("-", ""), fe, {})  # unknown target names in `targets:` (E502)
    except CompileError as e:
        for d in e.diagnostics:
            yield Finding(d)
    for key, _ in sec.items:
        t = T.get(key.value)
        if t is None:
            continue
        try:
            resolve_options(t, fe, {})
        except CompileError as e:
            for d in e.diagnostics:
                if "unknown target" not in d.message:
                    yield Finding(d)
        if t.needs_train and fe.train is None:
            yield warn(codes.TARGET_UNSUPPORTED, f"target `{t.name}` trains the model, but the file has no `train` section",
                       key.span, "add train: {loss: ..., optimizer: ..., batch_size: ...}, "
                       f"or remove `{t.name}` from `targets`")
        seen: set[tuple[str, Span | None]] = set()
        for n in fe.graph.nodes:
            if t.supports(n.op):
                continue
            if (n.op, n.span) in seen:
                continue
            seen.add((n.op, n.span))
            yield warn(codes.TARGET_UNSUPPORTED, f"target `{t.name}` (named in `targets:`) has no equivalent of `{n.op}`", n.span,
                       f"`nncc compile -t {t.name}` will fail here ({codes.UNSUPPORTED_OP}); see `nncc targets`")


# ---------------------------------------------------------------- W108-W110 hyper-parameters

def _kwarg_span(scalar: Any, name: str) -> Span | None:
    if not isinstance(scalar, YScalar):
        return None
    mo = re.search(rf"\b{re.escape(name)}\s*=\s*", scalar.value)
    if mo is None:
        return scalar.span
    end = mo.end()
    while end < len(scalar.value) and scalar.value[end] not in ",)":
        end += 1
    return scalar.sub_span(mo.start(), end)


@check
def high_learning_rate(ctx: Context) -> Iterator[Finding]:
    cfg = ctx.fe.train
    if cfg is None or cfg.optimizer is None:
        return
    lr = cfg.optimizer.args.get("lr")
    if "lr" in cfg.optimizer.given and isinstance(lr, (int, float)) and lr > 1:
        node = ctx.fe.model.train.get("optimizer") if ctx.fe.model.train is not None else None
        yield warn(codes.HIGH_LEARNING_RATE, f"learning rate {lr:g} is above 1", _kwarg_span(node, "lr") or cfg.optimizer.span,
                   "learning rates are usually between 1e-5 and 1; training will likely diverge")
    sch = cfg.schedule
    if sch is not None and sch.name == "fixed_step":
        vals = sch.args.get("values") or []
        if any(v > 1 for v in vals):
            node = ctx.fe.model.train.get("schedule")
            yield warn(codes.HIGH_LEARNING_RATE, f"a learning rate in the schedule is above 1 ({max(vals):g})",
                       _kwarg_span(node, "values") or sch.span,
                       "learning rates are usually between 1e-5 and 1; training will likely diverge")


@check
def suspicious_dropout(ctx: Context) -> Iterator[Finding]:
    from ..ops import has

    seen: set[Span | None] = set()
    for n in ctx.fe.graph.nodes:
        if not has(n.op, "stochastic"):  # dropout: `p` is the probability of dropping
            continue
        p = n.attrs.get("p")
        span = n.span_of("p")
        if span in seen or not isinstance(p, (int, float)):
            continue
        if p >= 0.9:
            seen.add(span)
            yield warn(codes.SUSPICIOUS_DROPOUT, f"dropout drops {p:g} of its input", span,
                       "`p` is the probability of dropping a value, not of keeping it: did you mean "
                       f"p={1 - p:.2g}?")
        elif p == 0:
            seen.add(span)
            yield warn(codes.SUSPICIOUS_DROPOUT, "dropout with p=0 does nothing", span, "delete the layer, or give p > 0")


@check
def batch_divisible(ctx: Context) -> Iterator[Finding]:
    cfg = ctx.fe.train
    if cfg is None or not cfg.distributed:
        return
    d = cfg.distributed
    if d.get("procs_per_trainer"):
        procs, how = d["procs_per_trainer"], f"procs_per_trainer = {d['procs_per_trainer']}"
    elif d.get("workers_per_group"):
        procs, how = d["workers_per_group"], f"workers_per_group = {d['workers_per_group']}"
    else:
        nodes, ppn = d.get("nodes") or 1, d.get("procs_per_node") or 1
        procs, how = nodes * ppn, f"nodes × procs_per_node = {nodes} × {ppn}"
    if not isinstance(procs, int) or procs <= 1:
        return
    batches = [("train.batch_size", cfg.batch_size, cfg.spans.get("batch_size"))]
    for role, ds in cfg.data.items():
        if "batch_size" in ds.fields:
            batches.append((f"data.{role}.batch_size", ds.fields["batch_size"], ds.field_spans.get("batch_size")))
    for what, b, span in batches:
        if isinstance(b, int) and b % procs:
            yield warn(codes.BATCH_NOT_DIVISIBLE, f"{what} {b} is not divisible by the {procs} processes that share it ({how})", span,
                       f"use a multiple of {procs}, e.g. {max(procs, b // procs * procs)}")


# ---------------------------------------------------------------- W111 names

@check
def snake_case(ctx: Context) -> Iterator[Finding]:
    m = ctx.fe.model
    items: list[tuple[str, str, SpanLike]] = [("param", k.value, k.span) for k, _ in m.params]  # resolved if shown
    items += [("input", k.value, k.span) for k, _ in m.inputs]
    for line in m.graph:
        items += [("layer", n, p) for n, p in zip(line.targets.names, line.targets.name_pos)]
    for name, blk in m.blocks.items():
        items.append(("block", name, blk.sig.pos))
        items += [("block parameter", p.name, p.pos) for p in blk.sig.params]
        for line in blk.body:
            items += [("layer", n, p) for n, p in zip(line.targets.names, line.targets.name_pos)]
    if m.train is not None:
        mets = m.train.get("metrics")
        if isinstance(mets, YMap):
            items += [("metric", k.value, k.span) for k, _ in mets.items]
    for what, name, where in items:
        if not _SNAKE.match(name):
            good = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().replace("-", "_")
            span = resolved(where)
            if what == "block":
                span = Span(span.file, span.line, span.col, span.line, span.col + len(name))
            yield warn(codes.NOT_SNAKE_CASE, f"{what} name `{name}` is not snake_case", span, f"write `{good}`")


# ---------------------------------------------------------------- W112 weights

@check
def large_weights(ctx: Context) -> Iterator[Finding]:
    biggest: dict[Span | None, tuple[int, Any]] = {}
    for w in ctx.fe.graph.weights():
        t = w.type
        if t is None or not t.is_static:
            continue
        n = 1
        for dim in t.shape:
            n *= dim
        size = n * DTYPE_BYTES.get(t.dtype, 4)
        if size > ctx.max_weight_bytes:
            span = w.span or (w.owner.span if w.owner is not None else None)
            if span not in biggest or biggest[span][0] < size:
                biggest[span] = (size, w)
    for span, (size, w) in biggest.items():
        yield warn(codes.LARGE_WEIGHT, f"weight `{w.name}` {w.type} takes {_human(size)}, above the limit of "
                   f"{_human(ctx.max_weight_bytes)}", span,
                   "shrink the layer (e.g. pool before a linear layer), or raise `max-weight-bytes` in [tool.nncc]")


def _human(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)

