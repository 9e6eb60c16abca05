"""Calls in the model language: ops (binding arguments to an op's signature, checking attributes,
adding nodes), blocks (expanded at compile time, within the work budget), `repeat` and
initializers. A part of the Elaborator (elaborate.py), kept apart by concern."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import ast as A
from . import codes
from .diagnostics import (
    SpanLike,
    did_you_mean,
    resolved,
)
from .evalcore import (
    _BUILTINS,
    _TENSOR_BUILTINS,
    INIT_ALIASES,
    INITIALIZERS,
    Bound,
    Callable_,
    EvalError,
    Scope,
    _check_builtin_args,
    _check_size,
    _kind,
    _outside_int64,
    _Poison,
    _PoisonError,
)
from .ir import Init, Node, Value
from .limits import LIMITS  # noqa: E402  (max_nodes, max_repeat, max_call_depth, max_list, max_int_bits)
from .model import Block
from .ops import REGISTRY, OpDef, lookup, public

if TYPE_CHECKING:
    from .elaborate import Elaborator


# ---------------------------------------------------------------- calls

def _e_Call(self: Elaborator, e: A.Call, scope: Scope) -> Any:
    if not isinstance(e.func, A.Name):
        raise EvalError(codes.NOT_CALLABLE, "only named functions, ops and blocks can be called", e.func.span)
    fname = e.func.id
    found, local = scope.get(fname)
    if found and isinstance(local, Callable_):
        fname = local.name
    elif found and not isinstance(local, _Poison):
        raise EvalError(codes.NOT_CALLABLE, f"`{fname}` is {_kind(local)}, not something that can be called", e.func.span)
    if fname == "repeat":
        return self._repeat(e, scope)
    if fname in self.m.blocks:
        args = [self.eval(a, scope) for a in e.args]
        kwargs = {k.name: (self.eval(k.value, scope), k) for k in e.kwargs}
        return self._call_block(fname, args, kwargs, e)
    opdef = lookup(fname)
    if opdef is not None and opdef.hidden:
        opdef = None
    if opdef is not None and fname not in _BUILTINS:
        args = [self.eval(a, scope) for a in e.args]
        kwargs = {k.name: (self.eval(k.value, scope), k) for k in e.kwargs}
        return self._call_op(opdef, args, kwargs, e)
    if fname in INITIALIZERS or fname in INIT_ALIASES:
        return self._make_init(fname, [self.eval(a, scope) for a in e.args],
                               [(k.name, self.eval(k.value, scope), k) for k in e.kwargs], e)
    if fname in _BUILTINS:
        args = [self.eval(a, scope) for a in e.args]
        kwargs = {k.name: (self.eval(k.value, scope), k) for k in e.kwargs}
        if kwargs or any(isinstance(a, Value) for a in args):
            # a built-in function of a tensor is the op of its name (`exp(x)`, `sum(x, axes=1)`); `max`
            # and `min` of two values are the element-wise maximum and minimum
            pair = _TENSOR_BUILTINS.get(fname) if len(args) == 2 and not kwargs else None
            on_tensors = REGISTRY[pair] if pair else opdef
            if on_tensors is not None:
                return self._call_op(on_tensors, args, kwargs, e)
        if e.kwargs:
            raise EvalError(codes.UNKNOWN_ARGUMENT, f"`{fname}` takes no keyword arguments", e.kwargs[0].pos.span)
        if any(isinstance(a, Value) for a in args):
            raise EvalError(codes.NOT_CONSTANT, f"`{fname}` works on compile-time values, not tensors", e.span)
        try:
            _check_builtin_args(fname, args, e.span)
            return _check_size(_BUILTINS[fname](*args), e.span)
        except (TypeError, ValueError, OverflowError) as exc:
            raise EvalError(codes.ARG_TYPE, f"{fname}(): {exc}", e.span) from None
    cands = [*self.m.blocks, *(o.name for o in public()), *INITIALIZERS, *_BUILTINS, "repeat"]
    guess = did_you_mean(fname, cands)
    raise EvalError(codes.NOT_CALLABLE, f"unknown op or block `{fname}`", e.func.span,
                    f"did you mean `{guess}`?" if guess else "see `nncc ops` for the op catalogue")

def _make_init(self: Elaborator, name: str, args: list, kwargs: list, e: A.Expr) -> Init:
    canon = INIT_ALIASES.get(name, name)
    spec = INITIALIZERS[canon]
    if canon == "zeros":
        return Init("constant", (("value", 0.0),))
    if canon == "ones":
        return Init("constant", (("value", 1.0),))
    vals = dict(spec)
    names = [k for k, _ in spec]
    if len(args) > len(names):
        raise EvalError(codes.ARITY, f"{name}() takes at most {len(names)} positional arguments, got {len(args)}",
                        e.span)
    for k, v in zip(names, args):
        vals[k] = v
    for k, v, node in kwargs:
        if k not in vals:
            guess = did_you_mean(k, names)
            raise EvalError(codes.UNKNOWN_ARGUMENT, f"{name}() has no argument `{k}`", node.pos.span,
                            f"did you mean `{guess}`?" if guess else
                            f"it takes: {', '.join(names) or 'no arguments'}")
        vals[k] = v
    for k, v in vals.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise EvalError(codes.ARG_TYPE, f"{name}(): `{k}` must be a number, got {_kind(v)}", e.span)
    if canon == "uniform" and vals["low"] > vals["high"]:
        raise EvalError(codes.BAD_VALUE, f"uniform(): low ({vals['low']}) is above high ({vals['high']})", e.span)
    if canon == "gaussian" and vals["std"] < 0:
        raise EvalError(codes.BAD_VALUE, "gaussian(): std must not be negative", e.span)
    return Init(canon, tuple((k, float(v)) for k, v in vals.items()))

def _bind(self: Elaborator, opdef: OpDef, args: list, kwargs: dict, e: A.Call) -> Bound:
    params = opdef.params
    attrs: dict[str, Any] = {}
    spans: dict[str, SpanLike] = {}  # where each argument was written, resolved when a diagnostic needs it
    given: dict[str, Any] = {}
    arg_nodes = e.args
    if len(args) > len(params):
        extra = arg_nodes[len(params)]
        raise EvalError(codes.ARITY, f"{opdef.name} takes at most {len(params)} positional argument"
                        f"{'s' if len(params) != 1 else ''}, got {len(args)}", extra.span,
                        f"signature: {opdef.signature()}")
    for p, v, node in zip(params, args, arg_nodes):
        given[p.name] = v
        spans[p.name] = node.pos
    wopts: dict[str, Any] = {}
    prefixes = opdef.prefixes
    pnames = [p.name for p in params]
    for k, (v, node) in kwargs.items():
        if k in given:
            raise EvalError(codes.DUPLICATE_ARGUMENT, f"{opdef.name}: argument `{k}` is given twice", node.pos.span)
        if k in pnames:
            given[k] = v
            spans[k] = node.value.pos
            continue
        pre, _, suffix = k.rpartition("_")
        if pre in prefixes and suffix in ("init", "lr", "wd", "share", "name"):
            wopts[k] = (v, node.value.span)
            continue
        valid = pnames + [f"{p}_{s}" for p in prefixes for s in ("init", "lr", "wd")]
        guess = did_you_mean(k, valid)
        raise EvalError(codes.UNKNOWN_ARGUMENT, f"{opdef.name} has no argument `{k}`", node.pos.span,
                        f"did you mean `{guess}`?" if guess else f"signature: {opdef.signature()}")
    inputs: list[Value] = []
    for i, p in enumerate(params):
        if p.name not in given:
            if p.required:
                n_req = sum(1 for q in params if q.required)
                raise EvalError(codes.ARITY, f"{opdef.name} is missing its argument `{p.name}` "
                                f"(it takes {n_req} required argument{'s' if n_req != 1 else ''})",
                                e.span, f"signature: {opdef.signature()}")
            attrs[p.name] = p.default
            continue
        v = given[p.name]
        span = spans.get(p.name, e.pos)
        if p.kind == "tensor":
            like = _like(opdef, given, p.name)
            if not isinstance(v, Value) and like is not None and isinstance(v, (int, float)) and not isinstance(v, bool):
                v = self._constant(float(v), resolved(span), like)  # a number in an element-wise op: a constant of the other's dtype
            if not isinstance(v, Value):
                raise EvalError(codes.ARG_TYPE, f"{opdef.name}: `{p.name}` must be a tensor, got {_kind(v)}", span)
            spans[str(len(inputs))] = span
            inputs.append(v)
        elif p.kind == "tensors":
            vs = list(v) if isinstance(v, (list, tuple)) else [v]
            if not vs or not all(isinstance(x, Value) for x in vs):
                raise EvalError(codes.ARG_TYPE, f"{opdef.name}: `{p.name}` must be a list of tensors, got {_kind(v)}",
                                span)
            for j, x in enumerate(vs):
                sub = e.args[i] if i < len(e.args) else None
                item_span = sub.items[j].pos if isinstance(sub, A.ListExpr) and j < len(sub.items) else span
                spans[str(len(inputs))] = item_span
                inputs.append(x)
        else:
            attrs[p.name] = self._check_attr(opdef, p, v, span)
    for k, (v, span) in wopts.items():
        suffix = k.rpartition("_")[2]
        if suffix == "init" and not isinstance(v, Init):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                v = Init("constant", (("value", float(v)),))
            else:
                raise EvalError(codes.ARG_TYPE, f"`{k}` must be an initializer such as gaussian(std=0.01), got {_kind(v)}",
                                span, "initializers: " + ", ".join(INITIALIZERS))
        if suffix in ("lr", "wd") and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise EvalError(codes.ARG_TYPE, f"`{k}` must be a number, got {_kind(v)}", span)
        if suffix in ("lr", "wd") and v < 0:
            raise EvalError(codes.BAD_VALUE, f"`{k}` must not be negative, got {v}", span)
        if suffix == "share" and not isinstance(v, Value):
            raise EvalError(codes.ARG_TYPE, f"`{k}` must name a layer whose weight to share, got {_kind(v)}", span)
        wopts[k] = (v, span)
    tensors = {p.name for p in opdef.tensor_params}
    return Bound(inputs, attrs, wopts, spans, {k: v for k, v in given.items() if k not in tensors})

def _like(opdef: OpDef, given: dict[str, Any], name: str) -> Value | None:
    """The tensor whose dtype a number given for `name` takes: another value operand of an element-wise op
    (the nearest after it, else before it; never a condition)."""
    if "elementwise" not in opdef.traits:
        return None
    names = [p.name for p in opdef.tensor_params if p.kind == "tensor"]
    i = names.index(name)
    for other in names[i + 1:] + names[:i][::-1]:
        if other != "cond" and isinstance(given.get(other), Value):
            return given[other]
    return None

def _check_attr(self: Elaborator, opdef: OpDef, p, v: Any, span: SpanLike) -> Any:
    def bad(expect: str) -> EvalError:
        return EvalError(codes.ARG_TYPE, f"{opdef.name}: `{p.name}` must be {expect}, got {_kind(v)}", span,
                         f"signature: {opdef.signature()}")

    def is_int(x: Any) -> bool:
        return isinstance(x, int) and not isinstance(x, bool)

    k = p.kind
    if isinstance(v, Value):
        raise bad("a compile-time constant")
    if _outside_int64(v):  # targets store attributes as int64: refuse here, not in an emitter
        raise EvalError(codes.BAD_VALUE, f"{opdef.name}: `{p.name}` has an integer outside the 64-bit range", span)
    if k == "int":
        if not is_int(v):
            raise bad("an integer")
    elif k == "float":
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise bad("a number")
        v = float(v)
    elif k == "bool":
        if not isinstance(v, bool):
            raise bad("true or false")
    elif k == "str":
        if not isinstance(v, str):
            raise bad("a string")
        if p.choices and v not in p.choices:
            raise EvalError(codes.ARG_TYPE, f"{opdef.name}: `{p.name}` must be one of "
                            f"{', '.join(map(repr, p.choices))}, got {v!r}", span)
    elif k in ("spatial", "spatial_or_zero"):
        if v is None and p.default is None:
            return None
        if not (is_int(v) or (isinstance(v, (list, tuple)) and v and all(is_int(x) for x in v))):
            raise bad("an integer or a list of integers")
        v = tuple(v) if isinstance(v, (list, tuple)) else v
    elif k == "pad":
        if isinstance(v, str):
            if v not in ("same", "valid"):
                raise EvalError(codes.ARG_TYPE, f'{opdef.name}: pad must be an integer, a list, "same" or "valid", '
                                f"got {v!r}", span)
        elif not (is_int(v) or (isinstance(v, (list, tuple)) and all(is_int(x) for x in v))):
            raise bad('an integer, a list of integers, "same" or "valid"')
        v = tuple(v) if isinstance(v, (list, tuple)) else v
    elif k == "ints":
        if not isinstance(v, (list, tuple)) or not all(
                is_int(x) or (isinstance(x, (list, tuple)) and all(is_int(y) for y in x)) for x in v):
            raise bad("a list of integers")
        v = tuple(tuple(x) if isinstance(x, (list, tuple)) else x for x in v)
    elif k == "int_or_ints":
        if not (is_int(v) or (isinstance(v, (list, tuple)) and v and all(is_int(x) for x in v))):
            raise bad("an integer or a list of integers")
        v = tuple(v) if isinstance(v, (list, tuple)) else v
    return v

def _call_op(self: Elaborator, opdef: OpDef, args: list, kwargs: dict, e: A.Call) -> Any:
    b = self._bind(opdef, args, kwargs, e)
    outs = self._add_node(opdef.name, b.inputs, b.attrs, b.weight_opts, e.pos, b.spans)
    node = outs[0].producer
    assert node is not None
    node.meta["written"] = b.written  # for independent oracles (tests/torch_ref.py)
    if opdef.weights is not None:
        node.meta["wpath"] = self.weight_path(e)
        node.meta["legacy"] = self.legacy.made(self.prefix, opdef.name)
    return outs[0] if opdef.outputs is None else tuple(outs)

def _add_node(self: Elaborator, op: str, inputs: list[Value], attrs: dict, wopts: dict, span: SpanLike,
              spans: dict[str, SpanLike], like_dtype: Value | None = None) -> list[Value]:
    if self.call_stack or self.repeating:  # made by expansion: what a bomb multiplies (lines written out are
        self.expanded += 1                    # bounded by the file's size)
        if self.expanded > LIMITS["max_nodes"]:
            raise EvalError(codes.TOO_LARGE, f"blocks and repeat expand to more than {LIMITS['max_nodes']} nodes",
                            span, "a repeat count or recursion is far larger than intended (limit: --max-nodes)")
    base = "/".join([*self.prefix, op])
    name = self._unique(base)
    node = Node(op, name, list(inputs), attrs, span=span, arg_spans=spans)
    node.kind = REGISTRY[op].kind
    node.meta = {"weight_opts": wopts}
    if like_dtype is not None:
        node.meta["like"] = like_dtype
    count = REGISTRY[op].outputs  # the attribute that says how many outputs, for multi-output ops
    n_out = 1 if count is None else len(attrs[count]) if isinstance(attrs[count], tuple) else attrs[count]
    if not isinstance(n_out, int) or n_out <= 0 or n_out > LIMITS["max_list"]:
        raise EvalError(codes.BAD_VALUE, f"{op} needs a positive number of {count}", spans.get(count or "", span))
    if n_out == 1:
        node.outputs = [Value(name, None, node, 0, span)]
    else:
        node.outputs = [Value(self._unique(f"{name}:{i}"), None, node, i, span) for i in range(n_out)]
    self.graph.append(node)
    return list(node.outputs)

def _call_block(self: Elaborator, name: str, args: list, kwargs: dict, e: A.Call) -> Any:
    blk: Block = self.m.blocks[name]
    self.used.add(name)
    if name in self.call_stack:
        chain = " → ".join([*self.call_stack[self.call_stack.index(name):], name])
        raise EvalError(codes.RECURSIVE_BLOCK, f"block `{name}` calls itself ({chain})", e.span,
                        "blocks cannot be recursive; use repeat(n, block, ...) to stack copies")
    if len(self.call_stack) >= LIMITS["max_call_depth"]:
        raise EvalError(codes.RECURSIVE_BLOCK, "blocks nest too deeply", e.span)
    cost = self._block_cost(name, 0)
    if self.steps + cost > LIMITS["max_steps"]:
        much = f"more than {cost - 1:,}" if cost > LIMITS["max_steps"] else f"{cost:,}"
        raise EvalError(codes.TOO_LARGE, f"a call of block `{name}` can take {much} evaluation steps, past the "
                        f"limit of {LIMITS['max_steps']:,}", e.span,
                        "blocks that call blocks several times multiply the work; raise the limit with "
                        "--limit max_steps=N if this model is real")
    params = blk.sig.params
    if len(args) > len(params):
        raise EvalError(codes.ARITY, f"block `{name}` takes {len(params)} argument{'s' if len(params) != 1 else ''}, "
                        f"got {len(args)}", e.args[len(params)].span if len(e.args) > len(params) else e.span,
                        f"signature: {blk.sig.pos.text}")
    bound: dict[str, Any] = {}
    for p, v in zip(params, args):
        bound[p.name] = v
    pnames = [p.name for p in params]
    for k, (v, node) in kwargs.items():
        if k not in pnames:
            guess = did_you_mean(k, pnames)
            raise EvalError(codes.UNKNOWN_ARGUMENT, f"block `{name}` has no parameter `{k}`", node.pos.span,
                            f"did you mean `{guess}`?" if guess else f"signature: {blk.sig.pos.text}")
        if k in bound:
            raise EvalError(codes.DUPLICATE_ARGUMENT, f"block `{name}`: argument `{k}` is given twice", node.pos.span)
        bound[k] = v
    for p in params:
        if p.name not in bound:
            if p.default is None:
                raise EvalError(codes.ARITY, f"block `{name}` is missing its argument `{p.name}`", e.span,
                                f"signature: {blk.sig.pos.text}")
            bound[p.name] = self.eval(p.default, self.glob)
    scope = Scope(bound, Scope(dict(self.params)), defs={})
    later: dict[str, SpanLike] = {}
    for line in blk.body:
        for n, pp in zip(line.targets.names, line.targets.name_pos):
            later.setdefault(n, pp)
    scope.later = later
    self.call_stack.append(name)
    seg = self.wnames.segment(e)
    if seg:
        self.wprefix.append(seg)
    errors_before = len(self.bag.items)
    try:
        for line in blk.body:
            self._eval_line(line, scope)
            for n in line.targets.names:
                scope.later.pop(n, None)
        if len(self.bag.items) > errors_before:
            raise _PoisonError()
        if blk.ret is None:
            raise EvalError(codes.MISSING_RETURN, f"block `{name}` has no `return:` line", blk.key.span)
        start = self.graph.stamp
        val = self.eval(blk.ret, scope)
        if self.prefix:
            self.legacy.took_line(val, start, "/".join(self.prefix))
            self._rename(val, "/".join(self.prefix), start)
        return val
    finally:
        self.call_stack.pop()
        if seg:
            self.wprefix.pop()

def _block_cost(self: Elaborator, name: str, depth: int) -> int:
    """An upper bound of the steps one call of `name` takes, from its text, before running it:
    its expressions, plus the cost of each block it calls by name (both branches of an `if`).
    Blocks passed as values (repeat) are counted as they run. Capped just above the limit."""
    if name in self._costs:
        return self._costs[name]
    cap = LIMITS["max_steps"] + 1
    blk = self.m.blocks[name]
    total = 0
    for x in A.walk([line.expr for line in blk.body] + ([blk.ret] if blk.ret is not None else [])):
        if total >= cap:
            break
        total += 1
        if isinstance(x, A.Call) and isinstance(x.func, A.Name) and x.func.id in self.m.blocks \
                and x.func.id != name and depth < LIMITS["max_call_depth"]:
            total += self._block_cost(x.func.id, depth + 1)
    self._costs[name] = min(total, cap)
    return self._costs[name]

def _repeat(self: Elaborator, e: A.Call, scope: Scope) -> Any:
    if len(e.args) < 3:
        raise EvalError(codes.ARITY, "repeat needs an input, a count and a block: x |> repeat(n, block, args...)",
                        e.span)
    x = self.eval(e.args[0], scope)
    n = self.eval(e.args[1], scope)
    if isinstance(n, bool) or not isinstance(n, int):
        raise EvalError(codes.BAD_REPEAT, f"repeat count must be a non-negative integer, got {_kind(n)}"
                        f"{f' ({n})' if isinstance(n, float) else ''}", e.args[1].span,
                        "use // for integer division in params")
    if n < 0:
        raise EvalError(codes.BAD_REPEAT, f"repeat count must be a non-negative integer, got {n}", e.args[1].span)
    if n > LIMITS["max_repeat"]:
        raise EvalError(codes.TOO_LARGE, f"repeat count {n} is above the limit of {LIMITS['max_repeat']}", e.args[1].span,
                        "raise it with --max-repeat if this is intended")
    f = self.eval(e.args[2], scope)
    if not isinstance(f, Callable_):
        raise EvalError(codes.ARG_TYPE, f"repeat's third argument must be a block or an op, got {_kind(f)}",
                        e.args[2].span)
    rest = [self.eval(a, scope) for a in e.args[3:]]
    kwargs = {k.name: (self.eval(k.value, scope), k) for k in e.kwargs}
    fake = A.Call(e.pos, A.Name(e.args[2].pos, f.name), [e.args[0], *e.args[3:]], e.kwargs)
    expanded0, steps0 = self.expanded, self.steps
    seg = self.wnames.segment(e)
    wdepth = len(self.wprefix)
    self.wprefix += [seg] if seg else []
    self.repeating += 1
    try:
        for i in range(n):
            self.prefix.append(str(i))
            self.wprefix.append(str(i))
            try:
                if f.kind == "block":
                    x = self._call_block(f.name, [x, *rest], kwargs, fake)
                else:
                    opdef = lookup(f.name)
                    assert opdef is not None
                    x = self._call_op(opdef, [x, *rest], kwargs, fake)
            finally:
                self.prefix.pop()
                del self.wprefix[wdepth + bool(seg):]
            if i == 0 and n > 1:  # one copy made: refuse now if all n would pass the node or step limit
                per = self.expanded - expanded0
                if self.steps + (self.steps - steps0) * (n - 1) > LIMITS["max_steps"]:
                    raise EvalError(codes.TOO_LARGE, f"repeat({n}, {f.name}) would take "
                                    f"{(self.steps - steps0) * n:,} evaluation steps, more than the limit of "
                                    f"{LIMITS['max_steps']:,}", e.args[1].span,
                                    "raise it with --limit max_steps=N if this is intended")
                if expanded0 + per * n > LIMITS["max_nodes"]:
                    raise EvalError(codes.TOO_LARGE, f"repeat({n}, {f.name}) would expand to {per * n:,} nodes, "
                                    f"more than the limit of {LIMITS['max_nodes']:,}", e.args[1].span,
                                    "raise it with --max-nodes if this is intended")
    finally:
        self.repeating -= 1
        del self.wprefix[wdepth:]
    return x
