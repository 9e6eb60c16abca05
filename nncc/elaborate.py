"""Elaboration: evaluate params, expand blocks and `repeat`, and build the IR graph.

Expressions evaluate to Python constants (int, float, bool, str, None, lists,
tuples), to initializers (`Init`), to callables (blocks and ops, for `repeat`), or
to tensors (`ir.Value`). Arithmetic on constants happens here, at compile time;
arithmetic on tensors becomes element-wise ops. Shapes are not known yet: the
`infer-shapes` pass computes them, so elaboration reports only name, arity and
argument-kind errors.
"""
from __future__ import annotations

from typing import Any

from . import ast as A
from . import calls, codes
from .diagnostics import (
    CompileError,
    DiagnosticBag,
    Note,
    Span,
    SpanLike,
    did_you_mean,
    resolved,
)
from .evalcore import (
    _BINOPS,
    _TENSOR_OPS,
    INIT_ALIASES,
    INITIALIZERS,
    Callable_,
    EvalError,
    Scope,
    _check_size,
    _kind,
    _Poison,
    _PoisonError,
)
from .ir import DTYPES, Graph, Node, TensorType, Value
from .limits import LIMITS  # noqa: E402  (max_nodes, max_repeat, max_call_depth, max_list, max_int_bits)
from .model import Line, Model
from .ops import lookup
from .wnames import LegacyNames, WeightNaming


class Elaborator:
    def __init__(self, model: Model, defines: dict[str, str] | None = None):
        self.m = model
        self.defines = defines or {}
        self.bag = DiagnosticBag()
        self.graph = Graph(model.name)
        self.names_used: set[str] = set()
        self._free_from: dict[str, int] = {}  # base name → no `base_i` with a smaller i is free
        self.steps = 0  # expressions evaluated and blocks called, against LIMITS["max_steps"]
        self._costs: dict[str, int] = {}  # block → most steps one call of it can take (_block_cost)
        self.call_stack: list[str] = []
        self.repeating = 0  # repeats in progress
        self.expanded = 0  # nodes made inside block calls and repeats, against LIMITS["max_nodes"]
        self.prefix: list[str] = []
        self.wnames = WeightNaming(model)  # what each call adds to its weights' names (nncc/wnames.py)
        self.wprefix: list[str] = []  # the weight path so far: lines, weighted calls, repeat indices
        self.wpaths: set[str] = set()
        self.legacy = LegacyNames()  # nncc 0.1's weight names, read with W503
        self.line_nodes: list[Node] = []
        self.params: dict[str, Any] = {}
        self.param_defs: dict[str, SpanLike] = {}
        self.used: set[str] = set()
        # until run() makes the real one: a block called from a param sees the params so far
        self.glob = Scope(self.params, defs=self.param_defs)

    # ---------------------------------------------------------------- driver

    def run(self) -> Graph:
        self._eval_params()
        self.bag.raise_if_errors()
        self.glob = Scope(dict(self.params), defs=dict(self.param_defs))
        self._eval_inputs()
        self._check_blocks()
        self._eval_graph()
        self._eval_outputs()
        return self.graph  # the caller raises, after reading `train` for independent errors

    def _eval_params(self) -> None:
        overrides = dict(self.defines)
        scope = Scope(self.params)
        for key, expr in self.m.params:
            if self.bag.full:  # past max_diagnostics errors the rest are not looked for
                break
            name = key.value
            if name in self.params:
                self.bag.error(codes.DUPLICATE_DEFINITION, f"param `{name}` is defined twice", key.span)
                continue
            try:
                val = self.const_eval(expr, scope, f"param `{name}`")
            except EvalError as e:
                self.bag.add(e.diag)
                continue
            if name in overrides:
                val = self._define(name, overrides.pop(name), scope)
            self.params[name] = val
            self.param_defs[name] = key.span
        for name in overrides:
            guess = did_you_mean(name, self.params)
            self.bag.error(codes.UNKNOWN_DEFINE, f"-D {name}: the model has no param `{name}`", None,
                           f"did you mean `{guess}`?" if guess else
                           f"params are: {', '.join(self.params) or '(none)'}")

    def _define(self, name: str, text: str, scope: Scope) -> Any:
        from .source import SourceFile, YScalar
        from .syntax import parse

        src = SourceFile(f"<-D {name}>", text)
        sc = YScalar(text, "tag:yaml.org,2002:str", src.span(0, len(text)), src, 0, len(text))
        try:
            return self.const_eval(parse(sc), scope, f"-D {name}")
        except CompileError as e:
            self.bag.extend(e.diagnostics)
        except EvalError as e:
            self.bag.add(e.diag)
        return None

    def _eval_inputs(self) -> None:
        for key, texpr in self.m.inputs:
            name = key.value
            if name in self.glob.names:
                self._dup(name, key.span)
                continue
            try:
                t = self.eval_type(texpr)
            except EvalError as e:
                self.bag.add(e.diag)
                continue
            v = Value(name, t, None, 0, key.span)
            self.graph.add_input(v)
            self.glob.names[name] = v
            self.glob.defs[name] = key.span
            self.names_used.add(name)

    def eval_type(self, texpr: A.TensorTypeExpr) -> TensorType:
        if texpr.dtype not in DTYPES:
            raise EvalError(codes.BAD_TYPE, f"unknown dtype `{texpr.dtype}`", texpr.span,
                            f"dtypes are {', '.join(DTYPES)}")
        dims: list[int | str] = []
        for d in texpr.dims:
            if isinstance(d, A.Name) and d.id not in self.params:
                dims.append(d.id)
                continue
            v = self.const_eval(d, Scope(self.params), "a dimension")
            if isinstance(v, bool) or not isinstance(v, int):
                raise EvalError(codes.BAD_TYPE, f"a dimension must be an integer or a symbolic name, got {_kind(v)}", d.span)
            if v <= 0:
                raise EvalError(codes.BAD_VALUE, f"dimension must be positive, got {v}", d.span,
                                "use a symbolic name such as N for a size known only at run time")
            if v > 2 ** 40:
                raise EvalError(codes.BAD_VALUE, f"dimension {v} is larger than any real tensor", d.span)
            dims.append(v)
        return TensorType(texpr.dtype, tuple(dims))

    def _check_blocks(self) -> None:
        for name, blk in self.m.blocks.items():
            if lookup(name) is not None:
                canon = lookup(name).name  # type: ignore[union-attr]
                what = f"an alias of the built-in op `{canon}`" if canon != name else "the name of a built-in op"
                self.bag.error(codes.DUPLICATE_DEFINITION, f"block `{name}` has {what}", blk.sig.span, "rename the block")
            if name in self.params:
                self._dup(name, blk.sig.span)

    def _dup(self, name: str, span: Span) -> None:
        first = self.glob.defs.get(name)
        self.bag.error(codes.DUPLICATE_DEFINITION, f"`{name}` is defined twice", span, "give each value its own name",
                       [Note(f"`{name}` was first defined here", resolved(first))] if first else None)

    def _eval_graph(self) -> None:
        later: dict[str, SpanLike] = {}
        for line in self.m.graph:
            for n, p in zip(line.targets.names, line.targets.name_pos):
                later.setdefault(n, p)
        self.glob.later = later
        for line in self.m.graph:
            if self.bag.full:
                break
            self._eval_line(line, self.glob)
            for n in line.targets.names:
                self.glob.later.pop(n, None)

    def _eval_line(self, line: Line, scope: Scope) -> None:
        names = line.targets.names
        for n, p in zip(names, line.targets.name_pos):
            if n in scope.names:
                first = scope.defs.get(n)
                self.bag.error(codes.DUPLICATE_DEFINITION, f"`{n}` is defined twice", p.span, "give each value its own name",
                               [Note(f"`{n}` was first defined here", resolved(first))] if first else None)
                return
        self.prefix.append(names[0] if len(names) == 1 else "_".join(names))
        self.wprefix.append(self.prefix[-1])
        start = self.graph.stamp
        try:
            val = self.eval(line.expr, scope)
        except EvalError as e:
            self.bag.add(e.diag)
            self.prefix.pop()
            self.wprefix.pop()
            for n in names:  # poison: later uses are not reported again
                scope.names[n] = _Poison()
            return
        self.prefix.pop()
        self.wprefix.pop()
        scoped = "/".join([*self.prefix, *([names[0]] if len(names) == 1 else [])])
        if len(names) == 1:
            self.legacy.took_line(val, start, scoped)
            self._rename(val, scoped, start)
            scope.names[names[0]] = val
        else:
            if not isinstance(val, tuple) or len(val) != len(names):
                n_have = len(val) if isinstance(val, tuple) else 1
                self.bag.error(codes.UNPACK_MISMATCH, f"{len(names)} names on the left but the expression gives {n_have} value"
                               f"{'s' if n_have != 1 else ''}", line.targets.span)
                for n in names:
                    scope.names[n] = _Poison()
                return
            for n, v in zip(names, val):
                self._rename(v, "/".join([*self.prefix, n]), start, multi=True)
                scope.names[n] = v
        for n, p in zip(names, line.targets.name_pos):
            scope.defs[n] = p

    def _rename(self, val: Any, name: str, start: int, multi: bool = False) -> None:
        """Give the node that made a line's value the line's name (nodes made by this line only: stamp ≥ start)."""
        if not isinstance(val, Value) or val.producer is None:
            return
        node = val.producer
        if node.graph is not self.graph or node.stamp < start:
            return
        if multi:
            if val.name not in self.names_used or val.name.startswith(node.name):
                self._release(val.name)
                val.name = self._unique(name)
            return
        if len(node.outputs) == 1:
            self._release(node.name)
            node.name = self._unique(name)
            val.name = node.name

    def weight_path(self, call: A.Expr) -> str:
        """The path of the weights of the op that `call` makes (nncc/wnames.py); unique, `_k` added
        only where two paths would meet (a block line named like an op its return calls)."""
        seg = self.wnames.segment(call)
        path = "/".join([*self.wprefix, seg] if seg else self.wprefix) or "weights"
        base, k = path, 1
        while path in self.wpaths:
            path, k = f"{base}_{k}", k + 1
        self.wpaths.add(path)
        return path

    def _unique(self, name: str) -> str:
        """`name`, or `name_i` with the smallest free i; amortised O(1), so naming stays linear."""
        if name not in self.names_used:
            self.names_used.add(name)
            return name
        i = self._free_from.get(name, 1)
        while f"{name}_{i}" in self.names_used:
            i += 1
        self._free_from[name] = i + 1
        self.names_used.add(f"{name}_{i}")
        return f"{name}_{i}"

    def _release(self, name: str) -> None:
        self.names_used.discard(name)
        base, _, k = name.rpartition("_")
        if base and k.isdigit() and int(k) < self._free_from.get(base, 1):
            self._free_from[base] = int(k)

    def _eval_outputs(self) -> None:
        seen = set()
        for o in self.m.outputs:
            found, v = self.glob.get(o.value)
            if not found:
                guess = did_you_mean(o.value, self.glob.all_names())
                self.bag.error(codes.BAD_OUTPUT, f"output `{o.value}` is not defined", o.span,
                               f"did you mean `{guess}`?" if guess else "outputs name values defined in `graph`")
                continue
            if isinstance(v, _Poison):
                continue
            if not isinstance(v, Value):
                self.bag.error(codes.BAD_OUTPUT, f"output `{o.value}` is {_kind(v)}, not a tensor", o.span)
                continue
            if o.value in seen:
                self.bag.error(codes.DUPLICATE_DEFINITION, f"output `{o.value}` is listed twice", o.span)
                continue
            seen.add(o.value)
            self.used.add(o.value)
            self.graph.add_output(v)

    # ---------------------------------------------------------------- evaluation

    def const_eval(self, e: A.Expr, scope: Scope, what: str) -> Any:
        v = self.eval(e, scope)
        if isinstance(v, Value):
            raise EvalError(codes.NOT_CONSTANT, f"{what} must be a compile-time constant, not a tensor", e.span)
        return v

    def eval(self, e: A.Expr, scope: Scope) -> Any:
        self.steps += 1
        if self.steps > LIMITS["max_steps"]:
            raise EvalError(codes.TOO_LARGE, f"evaluating the model takes more than {LIMITS['max_steps']:,} steps",
                            getattr(e, "span", None), "blocks that call blocks several times multiply the work; "
                            "raise the limit with --limit max_steps=N if this model is real")
        meth = getattr(self, "_e_" + type(e).__name__)
        return meth(e, scope)

    def _e_Const(self, e: A.Const, scope: Scope) -> Any:
        return e.value

    def _e_Name(self, e: A.Name, scope: Scope) -> Any:
        found, v = scope.get(e.id)
        if found:
            self.used.add(e.id)
            if isinstance(v, _Poison):
                raise _PoisonError()
            return v
        if e.id in self.m.blocks:
            return Callable_("block", e.id)
        if (o := lookup(e.id)) is not None and not o.hidden:
            return Callable_("op", e.id)
        if e.id in INITIALIZERS or e.id in INIT_ALIASES:
            return self._make_init(e.id, [], [], e)
        s: Scope | None = scope
        while s is not None:
            if e.id in s.later:
                raise EvalError(codes.USE_BEFORE_DEF, f"`{e.id}` is used before it is defined", e.span,
                                "graph lines run in order: move this line below the definition",
                                [Note(f"`{e.id}` is defined later, here", resolved(s.later[e.id]))])
            s = s.parent
        guess = did_you_mean(e.id, [*scope.all_names(), *self.m.blocks])
        raise EvalError(codes.UNDEFINED_NAME, f"undefined name `{e.id}`", e.span,
                        f"did you mean `{guess}`?" if guess else "define it in `params`, `inputs` or `graph` first")

    def _e_ListExpr(self, e: A.ListExpr, scope: Scope) -> Any:
        return [self.eval(i, scope) for i in e.items]

    def _e_TupleExpr(self, e: A.TupleExpr, scope: Scope) -> Any:
        return tuple(self.eval(i, scope) for i in e.items)

    def _e_IfExp(self, e: A.IfExp, scope: Scope) -> Any:
        c = self.eval(e.cond, scope)
        if isinstance(c, Value):
            raise EvalError(codes.NOT_CONSTANT, "the condition of `if` must be a compile-time constant, not a tensor",
                            e.cond.span, "conditions choose between layers when the model is compiled")
        return self.eval(e.then if c else e.orelse, scope)

    def _e_Unary(self, e: A.Unary, scope: Scope) -> Any:
        v = self.eval(e.operand, scope)
        if isinstance(v, Value):
            if e.op == "not":
                raise EvalError(codes.NOT_CONSTANT, "`not` needs a compile-time boolean, not a tensor", e.operand.span)
            if e.op == "+":
                return v
            return self._tensor_binop("*", v, -1.0, e, e.operand, e.operand)
        if e.op == "not":
            return not v
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise EvalError(codes.ARG_TYPE, f"unary `{e.op}` needs a number, got {_kind(v)}", e.operand.span)
        return -v if e.op == "-" else +v

    def _e_BinOp(self, e: A.BinOp, scope: Scope) -> Any:
        if e.op in ("and", "or"):
            left = self.eval(e.left, scope)
            if isinstance(left, Value):
                raise EvalError(codes.NOT_CONSTANT, f"`{e.op}` needs compile-time values, not tensors", e.left.span)
            if (e.op == "and" and not left) or (e.op == "or" and left):
                return left
            right = self.eval(e.right, scope)
            if isinstance(right, Value):
                raise EvalError(codes.NOT_CONSTANT, f"`{e.op}` needs compile-time values, not tensors", e.right.span)
            return right
        left = self.eval(e.left, scope)
        right = self.eval(e.right, scope)
        if isinstance(left, Value) or isinstance(right, Value):
            if e.op not in _TENSOR_OPS:
                raise EvalError(codes.NOT_CONSTANT, f"`{e.op}` is not defined on tensors", e.span,
                                "tensors support + - * / ** and comparisons; // % and `not` work on constants only")
            return self._tensor_binop(e.op, left, right, e, e.left, e.right)
        try:
            if e.op in ("+", "-", "*", "/", "//", "%", "**"):
                for side, v in ((e.left, left), (e.right, right)):
                    if not isinstance(v, (int, float)) and not (e.op in "+*" and isinstance(v, (list, str))):
                        raise EvalError(codes.ARG_TYPE, f"`{e.op}` needs numbers, got {_kind(v)}", side.span)
                if e.op == "**" and isinstance(right, (int, float)) and abs(right) > 1024:
                    raise EvalError(codes.ARITH_ERROR, f"exponent {right} is too large", e.right.span)
                if e.op == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 and \
                        left.bit_length() * right > LIMITS["max_int_bits"]:  # before computing it
                    raise EvalError(codes.ARITH_ERROR, f"the result of `**` would have more than {LIMITS['max_int_bits']} bits",
                                    e.span, "compile-time integers are limited (--limit max_int_bits=N)")
                if e.op == "*" and isinstance(left, (list, str)) or isinstance(right, (list, str)) and e.op == "*":
                    n = right if isinstance(left, (list, str)) else left
                    if isinstance(n, int) and n * max(len(left if isinstance(left, (list, str)) else right), 1) > \
                            LIMITS["max_list"]:
                        raise EvalError(codes.TOO_LARGE, "list would be too long", e.span)
            return _check_size(_BINOPS[e.op](left, right), e.span)
        except ZeroDivisionError:
            raise EvalError(codes.ARITH_ERROR, "division by zero", e.right.span,
                            "the right-hand side evaluates to 0") from None
        except (TypeError, ValueError, OverflowError) as exc:
            raise EvalError(codes.ARG_TYPE, f"cannot apply `{e.op}` to {_kind(left)} and {_kind(right)} ({exc})",
                            e.span) from None

    def _e_Index(self, e: A.Index, scope: Scope) -> Any:
        base = self.eval(e.value, scope)
        if isinstance(base, Value):
            return self._tensor_index(base, e, scope)
        if len(e.subs) != 1:
            raise EvalError(codes.ARG_TYPE, f"{_kind(base)} takes one index", e.span)
        sub = e.subs[0]
        if not isinstance(base, (list, tuple, str)):
            raise EvalError(codes.ARG_TYPE, f"cannot index {_kind(base)}", e.value.span)
        if isinstance(sub, A.Slice):
            parts = [self.const_eval(x, scope, "a slice bound") if x is not None else None
                     for x in (sub.lower, sub.upper, sub.step)]
            if parts[2] == 0:
                raise EvalError(codes.BAD_VALUE, "slice step cannot be zero", sub.span)
            for x, v in zip((sub.lower, sub.upper, sub.step), parts):
                if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
                    raise EvalError(codes.ARG_TYPE, f"slice bounds must be integers, got {_kind(v)}", x.span)  # type: ignore
            return base[slice(*parts)]
        i = self.eval(sub, scope)
        if isinstance(i, bool) or not isinstance(i, int):
            raise EvalError(codes.ARG_TYPE, f"an index must be an integer, got {_kind(i)}", sub.span)
        if not -len(base) <= i < len(base):
            raise EvalError(codes.BAD_VALUE, f"index {i} is out of range for {_kind(base)} of length {len(base)}", sub.span)
        return base[i]

    def _tensor_index(self, base: Value, e: A.Index, scope: Scope) -> Value:
        starts, ends, axes, steps, squeeze = [], [], [], [], []
        index = {ax: self.eval(sub, scope) for ax, sub in enumerate(e.subs) if not isinstance(sub, A.Slice)}
        by_tensor = [ax for ax, v in index.items() if isinstance(v, Value)]
        if by_tensor:
            return self._gather_index(base, e, by_tensor[0], index[by_tensor[0]])
        for ax, sub in enumerate(e.subs):
            if isinstance(sub, A.Slice):
                vals = []
                for x, dflt in ((sub.lower, None), (sub.upper, None), (sub.step, 1)):
                    v = self.const_eval(x, scope, "a slice bound") if x is not None else dflt
                    if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
                        raise EvalError(codes.ARG_TYPE, f"slice bounds must be integers, got {_kind(v)}", x.span)  # type: ignore
                    vals.append(dflt if v is None else v)  # `none` is an omitted bound, as in Python
                lo, hi, st = (None if x is None else max(-2 ** 62, min(x, 2 ** 62)) for x in vals)  # as int64
                assert st is not None
                if st == 0:
                    raise EvalError(codes.BAD_VALUE, "slice step cannot be zero", sub.span)
                if lo is None and hi is None and st == 1:
                    continue
                if lo is None:
                    lo = 0 if st > 0 else -1
                if hi is None:
                    hi = 2 ** 62 if st > 0 else -(2 ** 62)
                starts.append(lo)
                ends.append(hi)
                axes.append(ax)
                steps.append(st)
            else:
                i = index[ax]
                if isinstance(i, bool) or not isinstance(i, int):
                    raise EvalError(codes.ARG_TYPE, f"a tensor index must be an integer or a slice, got {_kind(i)}", sub.span)
                starts.append(i)
                ends.append(i + 1 if i != -1 else 2 ** 62)
                axes.append(ax)
                steps.append(1)
                squeeze.append(ax)
        attrs = {"starts": tuple(starts), "ends": tuple(ends), "axes": tuple(axes), "steps": tuple(steps),
                 "squeeze": tuple(squeeze)}
        if not axes:
            return base
        return self._add_node("slice", [base], attrs, {}, e.pos, {"0": e.value.pos})[0]

    def _gather_index(self, base: Value, e: A.Index, ax: int, idx: Value) -> Value:
        """`x[:, i]` with a tensor i: the gather op along that axis (the other subscripts must be `:`)."""
        sub = e.subs[ax]
        for other in e.subs:
            if other is not sub and not (isinstance(other, A.Slice) and other.lower is None and other.upper is None
                                         and other.step is None):
                raise EvalError(codes.ARG_TYPE, "indexing by a tensor takes `:` for every other dim", other.span,
                                f"slice first, then index: y: x[...] then y[{', '.join([':'] * ax + ['i'])}]")
        node = self._add_node("gather", [base, idx], {"axis": ax}, {}, e.pos, {"0": e.value.pos, "1": sub.pos})
        return node[0]

    def _tensor_binop(self, op: str, left: Any, right: Any, e: A.Expr, le: A.Expr, re_: A.Expr) -> Value:
        ins: list[Value] = []
        spans: dict[str, SpanLike] = {}
        ref = left if isinstance(left, Value) else right
        for i, (v, sub) in enumerate(((left, le), (right, re_))):
            if isinstance(v, Value):
                ins.append(v)
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                ins.append(self._constant(float(v), sub.pos, ref))
            else:
                raise EvalError(codes.ARG_TYPE, f"`{op}` needs a tensor or a number, got {_kind(v)}", sub.span)
            spans[str(i)] = sub.pos
        return self._add_node(_TENSOR_OPS[op], ins, {}, {}, e.pos, spans)[0]

    def _constant(self, value: Any, span: SpanLike, like: Value) -> Value:
        return self._add_node("constant", [], {"value": value, "dtype": "f32"}, {}, span, {}, like_dtype=like)[0]

    # calls: nncc/calls.py
    _e_Call = calls._e_Call
    _make_init = calls._make_init
    _bind = calls._bind
    _check_attr = calls._check_attr
    _call_op = calls._call_op
    _add_node = calls._add_node
    _call_block = calls._call_block
    _block_cost = calls._block_cost
    _repeat = calls._repeat


def elaborate(model: Model, defines: dict[str, str] | None = None) -> Graph:
    el = Elaborator(model, defines)
    g = el.run()
    el.bag.raise_if_errors()
    g.meta["elaborator"] = el
    return g
