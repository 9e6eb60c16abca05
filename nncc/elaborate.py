"""Elaboration: evaluate params, expand blocks and `repeat`, and build the IR graph.

Expressions evaluate to Python constants (int, float, bool, str, None, lists,
tuples), to initializers (`Init`), to callables (blocks and ops, for `repeat`), or
to tensors (`ir.Value`). Arithmetic on constants happens here, at compile time;
arithmetic on tensors becomes element-wise ops. Shapes are not known yet: the
`infer-shapes` pass computes them, so elaboration reports only name, arity and
argument-kind errors.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any, Callable

from . import codes
from . import ast as A
from .diagnostics import CompileError, Diagnostic, DiagnosticBag, Note, Span, did_you_mean
from .ir import DTYPES, Graph, Init, Node, TensorType, Value
from .model import Block, Line, Model
from .ops import REGISTRY, OpDef, lookup, public

from .limits import LIMITS  # noqa: E402  (max_nodes, max_repeat, max_call_depth, max_list, max_int_bits)


class EvalError(Exception):
    def __init__(self, code: str, message: str, span: Span | None, help: str | None = None,
                 notes: list[Note] | None = None):
        super().__init__(message)
        self.diag = Diagnostic(code, message, span, help, notes=notes or [])


@dataclass(frozen=True)
class Callable_:
    """A block or op used as a value (for repeat)."""

    kind: str  # block | op
    name: str

    def __str__(self) -> str:
        return f"<{self.kind} {self.name}>"


@dataclass
class Bound:
    """A call bound to an op's parameters: tensors, attributes and weight settings."""

    inputs: list[Value]
    attrs: dict[str, Any]
    weight_opts: dict[str, Any]
    spans: dict[str, Span]
    written: dict[str, Any]  # the attributes as the call gave them: no defaults, not normalised


INITIALIZERS: dict[str, tuple[tuple[str, Any], ...]] = {
    "constant": (("value", 0.0),),
    "uniform": (("low", -0.05), ("high", 0.05)),
    "gaussian": (("mean", 0.0), ("std", 1.0)),
    "he_normal": (), "he_uniform": (), "xavier_normal": (), "xavier_uniform": (),
    "lecun_normal": (), "lecun_uniform": (), "zeros": (), "ones": (),
}
INIT_ALIASES = {"normal": "gaussian", "kaiming_normal": "he_normal", "kaiming_uniform": "he_uniform",
                "glorot_normal": "xavier_normal", "glorot_uniform": "xavier_uniform"}

_BUILTINS: dict[str, Callable[..., Any]] = {
    "min": min, "max": max, "abs": abs, "int": int, "float": float, "round": round, "len": len,
    "sqrt": math.sqrt, "log": math.log, "exp": math.exp, "floor": math.floor, "ceil": math.ceil,
    "range": lambda *a: list(range(*a)), "sum": sum, "str": str,
}

_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "==": operator.eq,
    "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_TENSOR_OPS = {"+": "add", "-": "sub", "*": "mul", "/": "div"}


def _kind(v: Any) -> str:
    if isinstance(v, Value):
        return "a tensor"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if v is None:
        return "none"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, tuple):
        return f"{len(v)} values"
    if isinstance(v, Init):
        return "an initializer"
    if isinstance(v, Callable_):
        return f"the {v.kind} `{v.name}`"
    return type(v).__name__


class Scope:
    """Names visible while evaluating: a chain of dicts, plus what is defined later (for E302)."""

    def __init__(self, names: dict[str, Any], parent: "Scope | None" = None, later: dict[str, Span] | None = None,
                 defs: dict[str, Span] | None = None):
        self.names = names
        self.parent = parent
        self.later = later or {}
        self.defs = defs if defs is not None else {}

    def get(self, name: str) -> tuple[bool, Any]:
        s: Scope | None = self
        while s is not None:
            if name in s.names:
                return True, s.names[name]
            s = s.parent
        return False, None

    def all_names(self) -> list[str]:
        out: list[str] = []
        s: Scope | None = self
        while s is not None:
            out.extend(s.names)
            s = s.parent
        return out


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
        self.prefix: list[str] = []
        self.line_nodes: list[Node] = []
        self.params: dict[str, Any] = {}
        self.param_defs: dict[str, Span] = {}
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
                       [Note(f"`{name}` was first defined here", first)] if first else None)

    def _eval_graph(self) -> None:
        later: dict[str, Span] = {}
        for line in self.m.graph:
            for n, p in zip(line.targets.names, line.targets.name_pos):
                later.setdefault(n, p.span)
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
                               [Note(f"`{n}` was first defined here", first)] if first else None)
                return
        self.prefix.append(names[0] if len(names) == 1 else "_".join(names))
        start = self.graph.stamp
        try:
            val = self.eval(line.expr, scope)
        except EvalError as e:
            self.bag.add(e.diag)
            self.prefix.pop()
            for n in names:  # poison: later uses are not reported again
                scope.names[n] = _Poison()
            return
        self.prefix.pop()
        scoped = "/".join([*self.prefix, *([names[0]] if len(names) == 1 else [])])
        if len(names) == 1:
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
            scope.defs[n] = p.span

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
                                [Note(f"`{e.id}` is defined later, here", s.later[e.id])])
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
                                "tensors support + - * /; comparisons and ** work on constants only")
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
                i = self.const_eval(sub, scope, "an index")
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
        return self._add_node("slice", [base], attrs, {}, e.span, {"0": e.value.span})[0]

    def _tensor_binop(self, op: str, left: Any, right: Any, e: A.Expr, le: A.Expr, re_: A.Expr) -> Value:
        ins: list[Value] = []
        spans: dict[str, Span] = {}
        ref = left if isinstance(left, Value) else right
        for i, (v, sub) in enumerate(((left, le), (right, re_))):
            if isinstance(v, Value):
                ins.append(v)
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                ins.append(self._constant(float(v), sub.span, ref))
            else:
                raise EvalError(codes.ARG_TYPE, f"`{op}` needs a tensor or a number, got {_kind(v)}", sub.span)
            spans[str(i)] = sub.span
        return self._add_node(_TENSOR_OPS[op], ins, {}, {}, e.span, spans)[0]

    def _constant(self, value: Any, span: Span, like: Value) -> Value:
        return self._add_node("constant", [], {"value": value, "dtype": "f32"}, {}, span, {}, like_dtype=like)[0]

    # ---------------------------------------------------------------- calls

    def _e_Call(self, e: A.Call, scope: Scope) -> Any:
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
        if opdef is not None and not opdef.hidden:
            args = [self.eval(a, scope) for a in e.args]
            kwargs = {k.name: (self.eval(k.value, scope), k) for k in e.kwargs}
            return self._call_op(opdef, args, kwargs, e)
        if fname in INITIALIZERS or fname in INIT_ALIASES:
            return self._make_init(fname, [self.eval(a, scope) for a in e.args],
                                   [(k.name, self.eval(k.value, scope), k) for k in e.kwargs], e)
        if fname in _BUILTINS:
            args = [self.eval(a, scope) for a in e.args]
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

    def _make_init(self, name: str, args: list, kwargs: list, e: A.Expr) -> Init:
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

    def _bind(self, opdef: OpDef, args: list, kwargs: dict, e: A.Call) -> Bound:
        params = opdef.params
        attrs: dict[str, Any] = {}
        spans: dict[str, Span] = {}
        given: dict[str, Any] = {}
        arg_nodes = e.args
        if len(args) > len(params):
            extra = arg_nodes[len(params)]
            raise EvalError(codes.ARITY, f"{opdef.name} takes at most {len(params)} positional argument"
                            f"{'s' if len(params) != 1 else ''}, got {len(args)}", extra.span,
                            f"signature: {opdef.signature()}")
        for p, v, node in zip(params, args, arg_nodes):
            given[p.name] = v
            spans[p.name] = node.span
        wopts: dict[str, Any] = {}
        prefixes = opdef.prefixes
        pnames = [p.name for p in params]
        for k, (v, node) in kwargs.items():
            if k in given:
                raise EvalError(codes.DUPLICATE_ARGUMENT, f"{opdef.name}: argument `{k}` is given twice", node.pos.span)
            if k in pnames:
                given[k] = v
                spans[k] = node.value.span
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
            span = spans.get(p.name, e.span)
            if p.kind == "tensor":
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
                    item_span = sub.items[j].span if isinstance(sub, A.ListExpr) and j < len(sub.items) else span
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

    def _check_attr(self, opdef: OpDef, p, v: Any, span: Span) -> Any:
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

    def _call_op(self, opdef: OpDef, args: list, kwargs: dict, e: A.Call) -> Any:
        b = self._bind(opdef, args, kwargs, e)
        outs = self._add_node(opdef.name, b.inputs, b.attrs, b.weight_opts, e.span, b.spans)
        node = outs[0].producer
        assert node is not None
        node.meta["written"] = b.written  # for independent oracles (tests/torch_ref.py)
        return outs[0] if opdef.outputs is None else tuple(outs)

    def _add_node(self, op: str, inputs: list[Value], attrs: dict, wopts: dict, span: Span,
                  spans: dict[str, Span], like_dtype: Value | None = None) -> list[Value]:
        if len(self.graph.nodes) >= LIMITS["max_nodes"]:
            raise EvalError(codes.TOO_LARGE, f"the model expands to more than {LIMITS['max_nodes']} nodes", span,
                            "a repeat count or recursion is far larger than intended (limit: --max-nodes)")
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

    def _call_block(self, name: str, args: list, kwargs: dict, e: A.Call) -> Any:
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
        later: dict[str, Span] = {}
        for line in blk.body:
            for n, pp in zip(line.targets.names, line.targets.name_pos):
                later.setdefault(n, pp.span)
        scope.later = later
        self.call_stack.append(name)
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
                self._rename(val, "/".join(self.prefix), start)
            return val
        finally:
            self.call_stack.pop()

    def _block_cost(self, name: str, depth: int) -> int:
        """An upper bound of the steps one call of `name` takes, from its text, before running it:
        its expressions, plus the cost of each block it calls by name (both branches of an `if`).
        Blocks passed as values (repeat) are counted as they run. Capped just above the limit."""
        if name in self._costs:
            return self._costs[name]
        cap = LIMITS["max_steps"] + 1
        blk = self.m.blocks[name]
        total = 0
        todo: list[Any] = [line.expr for line in blk.body] + ([blk.ret] if blk.ret is not None else [])
        while todo and total < cap:
            x = todo.pop()
            if isinstance(x, A.Kwarg):
                todo.append(x.value)
                continue
            if not isinstance(x, A.Expr):
                continue
            total += 1
            if isinstance(x, A.Call) and isinstance(x.func, A.Name) and x.func.id in self.m.blocks \
                    and x.func.id != name and depth < LIMITS["max_call_depth"]:
                total += self._block_cost(x.func.id, depth + 1)
            for v in vars(x).values():
                if isinstance(v, (A.Expr, A.Kwarg)):
                    todo.append(v)
                elif isinstance(v, list):
                    todo.extend(v)
        self._costs[name] = min(total, cap)
        return self._costs[name]

    def _repeat(self, e: A.Call, scope: Scope) -> Any:
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
        start, steps0 = self.graph.stamp, self.steps
        for i in range(n):
            self.prefix.append(str(i))
            try:
                if f.kind == "block":
                    x = self._call_block(f.name, [x, *rest], kwargs, fake)
                else:
                    opdef = lookup(f.name)
                    assert opdef is not None
                    x = self._call_op(opdef, [x, *rest], kwargs, fake)
            finally:
                self.prefix.pop()
            if i == 0 and n > 1:  # one copy made: refuse now if all n would pass the node or step limit
                per = self.graph.stamp - start
                if self.steps + (self.steps - steps0) * (n - 1) > LIMITS["max_steps"]:
                    raise EvalError(codes.TOO_LARGE, f"repeat({n}, {f.name}) would take "
                                    f"{(self.steps - steps0) * n:,} evaluation steps, more than the limit of "
                                    f"{LIMITS['max_steps']:,}", e.args[1].span,
                                    "raise it with --limit max_steps=N if this is intended")
                if start + per * n > LIMITS["max_nodes"]:
                    raise EvalError(codes.TOO_LARGE, f"repeat({n}, {f.name}) would expand to {per * n:,} nodes, more than "
                                    f"the limit of {LIMITS['max_nodes']:,}", e.args[1].span,
                                    "raise it with --max-nodes if this is intended")
        return x


def _outside_int64(v: Any, depth: int = 0) -> bool:
    if isinstance(v, int) and not isinstance(v, bool):
        return not -2 ** 62 <= v <= 2 ** 62
    if isinstance(v, (list, tuple)) and depth < 8:
        return any(_outside_int64(x, depth + 1) for x in v)
    return False


def _check_size(v: Any, span: Span) -> Any:
    """Compile-time values stay small: integers of at most max_int_bits, lists and strings of max_list."""
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > LIMITS["max_int_bits"]:
        raise EvalError(codes.ARITH_ERROR, f"integer with more than {LIMITS['max_int_bits']} bits", span,
                        "compile-time integers are limited (--limit max_int_bits=N)")
    if isinstance(v, (list, str, tuple)) and len(v) > LIMITS["max_list"]:
        raise EvalError(codes.TOO_LARGE, f"{_kind(v)} of {len(v)} items; the limit is {LIMITS['max_list']}", span,
                        "raise it with --limit max_list=N if this is intended")
    return v


def _check_builtin_args(fname: str, args: list, span: Span) -> None:
    """Refuse built-in calls whose work or result would be huge, before making them."""
    if fname == "range":
        if not all(isinstance(a, int) for a in args) or not 1 <= len(args) <= 3:
            return  # range() raises its own TypeError
        r = range(*args) if (args[-1] != 0 or len(args) < 3) else None
        if r is not None and len(r) > LIMITS["max_list"]:
            raise EvalError(codes.TOO_LARGE, f"range of {len(r)} items; the limit is {LIMITS['max_list']}", span)
    elif fname == "sum":
        items = args[0] if args else []
        if isinstance(items, (list, tuple)) and not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) for x in [*items, *args[1:]]):
            raise EvalError(codes.ARG_TYPE, "sum() adds numbers", span)
    elif fname == "round" and len(args) == 2 and isinstance(args[1], int) and abs(args[1]) > 1024:
        raise EvalError(codes.ARITH_ERROR, f"round(): {args[1]} digits is too many", span)


class _Poison:
    """Stands for a value whose definition failed, so its uses are not reported again."""


class _PoisonError(EvalError):
    def __init__(self) -> None:
        Exception.__init__(self, "poisoned")
        self.diag = None  # type: ignore[assignment]


def elaborate(model: Model, defines: dict[str, str] | None = None) -> Graph:
    el = Elaborator(model, defines)
    g = el.run()
    el.bag.raise_if_errors()
    g.meta["elaborator"] = el
    return g
