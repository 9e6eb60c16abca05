"""Parsing the expressions inside YAML scalars with the Lark grammar in grammars/expr.lark."""
from __future__ import annotations

import functools
from importlib import resources

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import codes
from . import ast as A
from .diagnostics import CompileError, Diagnostic
from .source import YScalar

MAX_EXPR_DEPTH = 200  # default of LIMITS["max_expr_depth"] (nncc/limits.py); see docs/security.md

_TOKEN_NAMES = {
    "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`", "RSQB": "`]`", "COMMA": "`,`", "COLON": "`:`",
    "EQUAL": "`=`", "NAME": "a name", "INT": "an integer", "FLOAT": "a number", "STRING": "a string",
    "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`", "SLASH": "`/`", "COMPOP": "a comparison",
    "DTYPE": "a dtype (f32, i64, ...)", "$END": "end of expression", "__ANON_0": "`|>`",
    "DOUBLESTAR": "`**`", "PERCENT": "`%`", "DOUBLESLASH": "`//`",
}


@functools.lru_cache(maxsize=None)
def _parser() -> Lark:
    text = resources.files("nncc.grammars").joinpath("expr.lark").read_text()
    return Lark(text, parser="lalr", start=["expr", "tensor_type", "signature", "targets"],
                propagate_positions=True, maybe_placeholders=True, cache=_cache_path())


def _cache_path() -> str | bool:
    """A per-user file for Lark's parser-table cache (building the tables takes ~0.2 s; loading ~0.01 s).

    Lark checks the grammar's hash stored in the file, so an outdated cache is rebuilt;
    a user-owned directory (not the shared /tmp) because the cache is a pickle.
    NNCC_NO_PARSER_CACHE=1 turns it off.
    """
    import os

    if os.environ.get("NNCC_NO_PARSER_CACHE"):
        return False
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    d = os.path.join(base, "nncc")
    try:
        os.makedirs(d, mode=0o700, exist_ok=True)
    except OSError:
        return False
    if not os.access(d, os.W_OK):
        return False
    import lark

    return os.path.join(d, f"expr-lark{lark.__version__}.cache")


@functools.lru_cache(maxsize=16384)
def _parse_tree(text: str, start: str):
    """Parse trees by text: model files repeat many expressions (`relu`, `batch_norm`, types), and a
    Transformer never mutates the tree, so a tree is reused for every scalar with the same text."""
    return _parser().parse(text, start=start)


def _unescape(s: str) -> str:
    body = s[1:-1]
    if "\\" not in body:
        return body
    out, i = [], 0
    esc = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(esc.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@v_args(meta=True)
class _ToAST(Transformer):
    def __init__(self, scalar: YScalar):
        super().__init__()
        self.scalar = scalar

    def _pos(self, meta) -> A.Pos:
        if getattr(meta, "empty", True):
            return A.Pos(self.scalar, 0, len(self.scalar.value))
        return A.Pos(self.scalar, meta.start_pos, meta.end_pos)

    def _tok(self, t: Token) -> A.Pos:
        assert t.start_pos is not None and t.end_pos is not None, "the parser's tokens carry positions"
        return A.Pos(self.scalar, t.start_pos, t.end_pos)

    # atoms
    def var(self, meta, ch):
        return A.Name(self._tok(ch[0]), str(ch[0]))

    def int(self, meta, ch):
        return A.Const(self._pos(meta), int(ch[0]))

    def float(self, meta, ch):
        return A.Const(self._pos(meta), float(ch[0]))

    def string(self, meta, ch):
        return A.Const(self._pos(meta), _unescape(str(ch[0])))

    def true(self, meta, ch):
        return A.Const(self._pos(meta), True)

    def false(self, meta, ch):
        return A.Const(self._pos(meta), False)

    def none(self, meta, ch):
        return A.Const(self._pos(meta), None)

    def list(self, meta, ch):
        return A.ListExpr(self._pos(meta), [c for c in ch if c is not None])

    def tuple(self, meta, ch):
        return A.TupleExpr(self._pos(meta), [c for c in ch if c is not None])

    # operators
    @staticmethod
    def _bin(op: str):
        def f(self, meta, ch):
            return A.BinOp(self._pos(meta), op, ch[0], ch[1])
        return f

    add, sub, mul, div = _bin("+"), _bin("-"), _bin("*"), _bin("/")
    floordiv, mod, pow = _bin("//"), _bin("%"), _bin("**")
    or_, and_ = _bin("or"), _bin("and")

    def compare(self, meta, ch):
        return A.BinOp(self._pos(meta), str(ch[1]), ch[0], ch[2])

    def neg(self, meta, ch):
        return A.Unary(self._pos(meta), "-", ch[0])

    def pos(self, meta, ch):
        return A.Unary(self._pos(meta), "+", ch[0])

    def not_(self, meta, ch):
        return A.Unary(self._pos(meta), "not", ch[0])

    def ifexp(self, meta, ch):
        return A.IfExp(self._pos(meta), ch[1], ch[0], ch[2])

    # calls
    def arguments(self, meta, ch):
        return ch

    def kwarg(self, meta, ch):
        return A.Kwarg(str(ch[0]), ch[1], self._pos(meta))

    def call(self, meta, ch):
        func = ch[0]
        if isinstance(func, Token):
            func = A.Name(self._tok(func), str(func))
        args: list[A.Expr] = []
        kwargs: list[A.Kwarg] = []
        for a in ch[1] or []:
            (kwargs if isinstance(a, A.Kwarg) else args).append(a)
        return A.Call(self._pos(meta), func, args, kwargs)

    def pipe(self, meta, ch):
        lhs, target = ch
        if isinstance(target, A.Name):
            return A.Call(self._pos(meta), target, [lhs], [], piped=True)
        assert isinstance(target, A.Call)
        return A.Call(self._pos(meta), target.func, [lhs, *target.args], target.kwargs, piped=True)

    def index(self, meta, ch):
        return A.Index(self._pos(meta), ch[0], ch[1])

    def subscripts(self, meta, ch):
        return ch

    def slice(self, meta, ch):
        lo, hi, step = (list(ch) + [None, None, None])[:3]
        return A.Slice(self._pos(meta), lo, hi, step)

    # declarations
    def tensor_type(self, meta, ch):
        return A.TensorTypeExpr(self._pos(meta), str(ch[0]), ch[1] or [])

    def dims(self, meta, ch):
        return ch

    def signature(self, meta, ch):
        return A.Signature(self._pos(meta), str(ch[0]), ch[1] or [])

    def sig_params(self, meta, ch):
        return ch

    def sig_param(self, meta, ch):
        return A.SigParam(str(ch[0]), ch[1], self._tok(ch[0]))

    def targets(self, meta, ch):
        return A.Targets(self._pos(meta), [str(t) for t in ch], [self._tok(t) for t in ch])


def _nesting_depth(text: str) -> int:
    depth = best = 0
    for ch in text:
        if ch in "([":
            depth += 1
            best = max(best, depth)
        elif ch in ")]":
            depth -= 1
    return best


def _tree_depth(tree, stop: int) -> int:
    """Depth of a Lark tree, without recursion; stops counting once past `stop`."""
    from lark import Tree

    best = 0
    stack = [(tree, 1)]
    while stack:
        t, d = stack.pop()
        if d > best:
            best = d
            if best > stop:
                return best
        stack.extend((c, d + 1) for c in t.children if isinstance(c, Tree))
    return best


def parse(scalar: YScalar, start: str = "expr") -> A.Expr:
    """Parse a scalar's value; raises CompileError with an E1xx diagnostic."""
    from .limits import LIMITS

    text = scalar.value
    max_depth = LIMITS["max_expr_depth"]
    if _nesting_depth(text) > max_depth or text.count("|>") > 10_000:
        raise CompileError([Diagnostic(codes.EXPR_TOO_DEEP, f"expression nested deeper than {max_depth} levels",
                                       scalar.span, "split it into several named lines")])
    if not text.strip():
        what = {"expr": "an expression", "tensor_type": "a tensor type such as f32[N, 3, 32, 32]",
                "signature": "a block signature such as basic(x, ch, stride=1)",
                "targets": "a name"}[start]
        raise CompileError([Diagnostic(codes.EXPR_SYNTAX, f"expected {what}, found an empty value", scalar.span)])
    try:
        tree = _parse_tree(text, start)  # LALR: iterative, any depth
        if _tree_depth(tree, max_depth) > max_depth:  # the transformer and the evaluator recurse: check first
            raise CompileError([Diagnostic(codes.EXPR_TOO_DEEP, f"expression nested deeper than {max_depth} levels",
                                           scalar.span, "split it into several named lines")])
        return _ToAST(scalar).transform(tree)
    except UnexpectedInput as e:
        raise CompileError([_syntax_diag(scalar, e, start)]) from None
    except VisitError as e:  # pragma: no cover - transformer bug surfaced as a diagnostic
        if isinstance(e.orig_exc, RecursionError):
            raise CompileError([Diagnostic(codes.EXPR_TOO_DEEP, "expression nested too deeply", scalar.span,
                                           "split it into several named lines")]) from None
        raise CompileError([Diagnostic(codes.EXPR_SYNTAX, f"cannot parse expression: {e.orig_exc}", scalar.span)]) from None
    except RecursionError:
        raise CompileError([Diagnostic(codes.EXPR_TOO_DEEP, "expression nested too deeply", scalar.span,
                                       "split it into several named lines")]) from None


def _syntax_diag(scalar: YScalar, e: UnexpectedInput, start: str) -> Diagnostic:
    text = scalar.value
    if isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream
        assert pos is not None, "the lexer reports where it stopped"
        ch = text[pos] if pos < len(text) else ""
        return Diagnostic(codes.EXPR_SYNTAX, f"unexpected character `{ch}` in expression", scalar.sub_span(pos, pos + 1),
                          _hint(ch, start))
    if (isinstance(e, UnexpectedEOF) or getattr(getattr(e, "token", None), "type", "") == "$END") and \
            text.count("(") + text.count("[") > text.count(")") + text.count("]") and not scalar.style:
        return Diagnostic(codes.EXPR_SYNTAX, "unexpected end of expression: a bracket is not closed",
                          scalar.sub_span(len(text) - 1, len(text)),
                          "inside YAML [...] or {...}, a comma ends the value: quote the whole expression, "
                          "e.g. \"accuracy(logits, label)\"")
    if isinstance(e, UnexpectedEOF):
        return Diagnostic(codes.EXPR_SYNTAX, "unexpected end of expression", scalar.sub_span(len(text) - 1, len(text)),
                          "an opening bracket or operator is not closed or completed")
    assert isinstance(e, UnexpectedToken)
    tok = e.token
    if tok.type == "$END":
        end = len(text.rstrip())
        return Diagnostic(codes.EXPR_SYNTAX, "unexpected end of expression", scalar.sub_span(max(end - 1, 0), end),
                          _expected(e.expected))
    start_pos = tok.start_pos if tok.start_pos is not None else 0
    end_pos = tok.end_pos if tok.end_pos is not None else start_pos + 1
    help_ = _expected(e.expected)
    if start == "tensor_type":
        help_ = "write a tensor type as DTYPE[dims], e.g. f32[N, 3, 224, 224]; dtypes: f16 bf16 f32 f64 i8 i32 i64 bool"
    return Diagnostic(codes.EXPR_SYNTAX, f"unexpected `{tok}` in expression", scalar.sub_span(start_pos, end_pos), help_)


def _expected(expected) -> str:
    names = sorted({_TOKEN_NAMES.get(x, f"`{x.lower()}`" if x.isalpha() else x) for x in expected})
    if len(names) > 8:
        return "the expression is incomplete or has an extra token here"
    return "expected " + ", ".join(names)


def _hint(ch: str, start: str) -> str | None:
    if ch == "=":
        return "use `==` to compare, or `name=value` only inside a call's arguments"
    if ch in "{}":
        return "mappings are YAML, not expressions: put them in YAML flow or block style"
    if ch in "@$`&!?;":
        return f"`{ch}` is not part of the expression language"
    return None
