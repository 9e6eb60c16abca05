"""Parsing the expressions inside YAML scalars: grammars/expr.lark, run by nncc/exprparse.py."""
from __future__ import annotations

from . import codes
from . import ast as A
from .diagnostics import CompileError, Diagnostic
from .exprparse import Token, UnexpectedCharacters, UnexpectedToken, parse as _parse
from .source import YScalar

MAX_EXPR_DEPTH = 200  # default of LIMITS["max_expr_depth"] (nncc/limits.py); see docs/security.md

_TOKEN_NAMES = {
    "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`", "RSQB": "`]`", "COMMA": "`,`", "COLON": "`:`",
    "EQUAL": "`=`", "NAME": "a name", "INT": "an integer", "FLOAT": "a number", "STRING": "a string",
    "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`", "SLASH": "`/`", "COMPOP": "a comparison",
    "DTYPE": "a dtype (f32, i64, ...)", "$END": "end of expression", "<END-OF-FILE>": "end of expression", "__ANON_0": "`|>`",
    "DOUBLESTAR": "`**`", "PERCENT": "`%`", "DOUBLESLASH": "`//`",
}


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


class _ToAST:
    """One method per node name of the grammar (an alias such as `-> add`, or the rule's name):
    (start, end, children) → AST node; `start:end` is the node's text within the scalar."""

    def __init__(self, scalar: YScalar):
        self.scalar = scalar

    def _tok(self, t: Token) -> A.Pos:
        return A.Pos(self.scalar, t.start_pos, t.end_pos)

    # atoms
    def var(self, s, e, ch):
        return A.Name(self._tok(ch[0]), str(ch[0]))

    def int(self, s, e, ch):
        try:
            value = int(ch[0].value)
        except ValueError:  # longer than Python's int_max_str_digits (4300 by default)
            raise CompileError([Diagnostic(codes.EXPR_SYNTAX, f"integer literal of {len(ch[0].value)} digits is "
                                           "too long to read", self.scalar.sub_span(s, e))]) from None
        return A.Const(A.Pos(self.scalar, s, e), value)

    def float(self, s, e, ch):
        return A.Const(A.Pos(self.scalar, s, e), float(ch[0].value))

    def string(self, s, e, ch):
        return A.Const(A.Pos(self.scalar, s, e), _unescape(str(ch[0])))

    def true(self, s, e, ch):
        return A.Const(A.Pos(self.scalar, s, e), True)

    def false(self, s, e, ch):
        return A.Const(A.Pos(self.scalar, s, e), False)

    def none(self, s, e, ch):
        return A.Const(A.Pos(self.scalar, s, e), None)

    def list(self, s, e, ch):
        return A.ListExpr(A.Pos(self.scalar, s, e), [c for c in ch if c is not None])

    def tuple(self, s, e, ch):
        return A.TupleExpr(A.Pos(self.scalar, s, e), [c for c in ch if c is not None])

    # operators
    @staticmethod
    def _bin(op: str):
        def f(self, s, e, ch):
            return A.BinOp(A.Pos(self.scalar, s, e), op, ch[0], ch[1])
        return f

    add, sub, mul, div = _bin("+"), _bin("-"), _bin("*"), _bin("/")
    floordiv, mod, pow = _bin("//"), _bin("%"), _bin("**")
    or_, and_ = _bin("or"), _bin("and")

    def compare(self, s, e, ch):
        return A.BinOp(A.Pos(self.scalar, s, e), str(ch[1]), ch[0], ch[2])

    def neg(self, s, e, ch):
        return A.Unary(A.Pos(self.scalar, s, e), "-", ch[0])

    def pos(self, s, e, ch):
        return A.Unary(A.Pos(self.scalar, s, e), "+", ch[0])

    def not_(self, s, e, ch):
        return A.Unary(A.Pos(self.scalar, s, e), "not", ch[0])

    def ifexp(self, s, e, ch):
        return A.IfExp(A.Pos(self.scalar, s, e), ch[1], ch[0], ch[2])

    # calls
    def arguments(self, s, e, ch):
        return ch

    def kwarg(self, s, e, ch):
        return A.Kwarg(str(ch[0]), ch[1], A.Pos(self.scalar, s, e))

    def call(self, s, e, ch):
        func = ch[0]
        if isinstance(func, Token):
            func = A.Name(self._tok(func), str(func))
        args: list[A.Expr] = []
        kwargs: list[A.Kwarg] = []
        for a in ch[1] or []:
            (kwargs if isinstance(a, A.Kwarg) else args).append(a)
        return A.Call(A.Pos(self.scalar, s, e), func, args, kwargs)

    def pipe(self, s, e, ch):
        lhs, target = ch
        if isinstance(target, A.Name):
            return A.Call(A.Pos(self.scalar, s, e), target, [lhs], [], piped=True)
        assert isinstance(target, A.Call)
        return A.Call(A.Pos(self.scalar, s, e), target.func, [lhs, *target.args], target.kwargs, piped=True)

    def index(self, s, e, ch):
        return A.Index(A.Pos(self.scalar, s, e), ch[0], ch[1])

    def subscripts(self, s, e, ch):
        return ch

    def slice(self, s, e, ch):
        lo, hi, step = (list(ch) + [None, None, None])[:3]
        return A.Slice(A.Pos(self.scalar, s, e), lo, hi, step)

    # declarations
    def tensor_type(self, s, e, ch):
        return A.TensorTypeExpr(A.Pos(self.scalar, s, e), str(ch[0]), ch[1] or [])

    def dims(self, s, e, ch):
        return ch

    def signature(self, s, e, ch):
        return A.Signature(A.Pos(self.scalar, s, e), str(ch[0]), ch[1] or [])

    def sig_params(self, s, e, ch):
        return ch

    def sig_param(self, s, e, ch):
        return A.SigParam(str(ch[0]), ch[1], self._tok(ch[0]))

    def targets(self, s, e, ch):
        return A.Targets(A.Pos(self.scalar, s, e), [str(t) for t in ch], [self._tok(t) for t in ch])


def _nesting_depth(text: str) -> int:
    depth = best = 0
    for ch in text:
        if ch in "([":
            depth += 1
            best = max(best, depth)
        elif ch in ")]":
            depth -= 1
    return best


def parse(scalar: YScalar, start: str = "expr") -> A.Expr:
    """Parse a scalar's value; raises CompileError with an E1xx diagnostic."""
    from .limits import LIMITS

    text = scalar.value
    max_depth = LIMITS["max_expr_depth"]
    deep = text.count("(") + text.count("[") > max_depth and _nesting_depth(text) > max_depth  # (at most that many)
    if deep or text.count("|>") > 10_000:
        raise CompileError([Diagnostic(codes.EXPR_TOO_DEEP, f"expression nested deeper than {max_depth} levels",
                                       scalar.span, "split it into several named lines")])
    if not text.strip():
        what = {"expr": "an expression", "tensor_type": "a tensor type such as f32[N, 3, 32, 32]",
                "signature": "a block signature such as basic(x, ch, stride=1)",
                "targets": "a name"}[start]
        raise CompileError([Diagnostic(codes.EXPR_SYNTAX, f"expected {what}, found an empty value", scalar.span)])
    try:
        node, depth = _parse(text, start, _ToAST(scalar), max_depth)  # LALR: iterative, any depth
    except (UnexpectedCharacters, UnexpectedToken) as e:
        raise CompileError([_syntax_diag(scalar, e, start)]) from None
    if depth > max_depth:  # the elaborator and the evaluator recurse over the AST
        raise CompileError([Diagnostic(codes.EXPR_TOO_DEEP, f"expression nested deeper than {max_depth} levels",
                                       scalar.span, "split it into several named lines")])
    return node


def _syntax_diag(scalar: YScalar, e: UnexpectedCharacters | UnexpectedToken, start: str) -> Diagnostic:
    text = scalar.value
    if isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream
        ch = text[pos] if pos < len(text) else ""
        return Diagnostic(codes.EXPR_SYNTAX, f"unexpected character `{ch}` in expression", scalar.sub_span(pos, pos + 1),
                          _hint(ch, start))
    tok = e.token
    if tok.type == "$END" and text.count("(") + text.count("[") > text.count(")") + text.count("]") and not scalar.style:
        return Diagnostic(codes.EXPR_SYNTAX, "unexpected end of expression: a bracket is not closed",
                          scalar.sub_span(len(text) - 1, len(text)),
                          "inside YAML [...] or {...}, a comma ends the value: quote the whole expression, "
                          "e.g. \"accuracy(logits, label)\"")
    if tok.type == "$END":
        end = len(text.rstrip())
        return Diagnostic(codes.EXPR_SYNTAX, "unexpected end of expression", scalar.sub_span(max(end - 1, 0), end),
                          _expected(e.expected))
    start_pos, end_pos = tok.start_pos, tok.end_pos
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
