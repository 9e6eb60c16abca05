"""The expression parser at run time: a lexer and an LALR(1) driver over nncc/exprtables.py.

The tables are Lark's, built from grammars/expr.lark by tools/gen_parser.py; this module
runs them without importing Lark (its import and table loading were most of `nncc lint`'s
start-up) and hands each reduction straight to a callback, without building a parse tree
first. It keeps Lark's semantics, which tests/test_exprparse.py checks against Lark itself:

* the lexer is contextual, as Lark's LALR lexer is: in each parser state it matches only
  the terminals that state accepts (so `true` is a name in a block signature, and `f32`
  a dtype only where a tensor type starts), longest literal first;
* a node spans the text of everything it was reduced from, brackets and commas included,
  as Lark's `propagate_positions` has it; `[x]` gives None when absent, `?rule` passes a
  single child through and `_rule` is inlined into its parent.
"""
from __future__ import annotations

import re
from typing import Any

from .exprtables import ACTIONS, ALTERNATIVES, END, IGNORE, PATTERNS, RULES, START, STRINGS
from .exprtables import LITERALS as _STRING_LITERALS


class Token:
    __slots__ = ("type", "value", "start_pos", "end_pos")

    def __init__(self, type_: str, value: str, start: int, end: int):
        self.type, self.value, self.start_pos, self.end_pos = type_, value, start, end

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r}, {self.start_pos}, {self.end_pos})"


class UnexpectedCharacters(Exception):
    """No token of the language starts at `pos_in_stream`."""

    def __init__(self, pos: int):
        super().__init__(pos)
        self.pos_in_stream = pos


class UnexpectedToken(Exception):
    """`token` (type `$END` at the end of the text) cannot come here; `expected`: the terminals that could."""

    def __init__(self, token: Token, expected: set[str]):
        super().__init__(token, expected)
        self.token, self.expected = token, expected


# every literal the lexer knows: terminals written as one string, and each alternative of those written as
# several (a dtype, a comparison)
LITERALS = {**_STRING_LITERALS, **{s: t for t, alts in ALTERNATIVES.items() for s in alts}}
# one pattern for every token: the regex terminals in Lark's order (longest pattern first), then the
# literals longest first; which of them a parser state accepts is decided after the match
_WORDS = {s: t for s, t in LITERALS.items() if re.fullmatch(PATTERNS["NAME"], s)}
_PUNCT = sorted((s for s in LITERALS if s not in _WORDS), key=lambda s: (-len(s), s))
_TOKEN = re.compile(f"(?:{IGNORE})?(?:" + "|".join(f"(?P<{n}>{PATTERNS[n]})" for n in ("FLOAT", "STRING", "NAME", "INT"))
                    + "|(?P<PUNCT>" + "|".join(re.escape(s) for s in _PUNCT) + "))")
_SPACE = re.compile(f"(?:{IGNORE})?")
# keywords written as one string: where NAME is accepted too, Lark's lexer reads them as NAME and turns
# them into the keyword when the state accepts it (and leaves them out of `expected`)
_FOLDED = {w: t for w, t in _WORDS.items() if t in STRINGS}


def _next(text: str, pos: int, accepts: dict[str, int]) -> Token | None:
    """The token at `pos` (after blanks) that a state accepting `accepts` would lex; None at the end."""
    m = _TOKEN.match(text, pos)
    if m is None or m.lastgroup is None:
        start = _SPACE.match(text, pos).end()  # type: ignore[union-attr]  # matches the empty string
        if start >= len(text):
            return None
        raise _refused(text, start, accepts)
    kind = m.lastgroup
    start, end, value = m.start(kind), m.end(), m.group(kind)
    if kind == "NAME":
        kw = _WORDS.get(value)
        if "NAME" in accepts:
            return Token(kw if kw is not None and kw in accepts else "NAME", value, start, end)
        # a state without NAME matches its keywords as literals, so a prefix of the word
        best = max((s for s, t in _WORDS.items() if t in accepts and value.startswith(s)), key=len, default=None)
        if best is not None:
            return Token(_WORDS[best], best, start, start + len(best))
        raise _refused(text, start, accepts)
    if kind == "PUNCT":
        for n in range(len(value), 0, -1):  # the longest literal this state accepts
            t = LITERALS.get(value[:n])
            if t is not None and t in accepts:
                return Token(t, value[:n], start, start + n)
        raise _refused(text, start, accepts)
    if kind in accepts:
        return Token(kind, value, start, end)
    raise _refused(text, start, accepts)


def _refused(text: str, pos: int, accepts: dict[str, int]) -> Exception:
    """What Lark reports when a state's lexer finds nothing it accepts at `pos`: the token any state
    would have read there, as unexpected, or no token at all."""
    m = _TOKEN.match(text, pos)
    if m is None or m.lastgroup is None or m.start(m.lastgroup) != pos:
        return UnexpectedCharacters(pos)
    value = m.group(m.lastgroup)
    kind = m.lastgroup if m.lastgroup != "PUNCT" else LITERALS[value]
    if kind == "NAME":
        kind = _FOLDED.get(value, "NAME")
    terms = {t for t in accepts if t.isupper() and t != "$END"}
    if "NAME" in terms:
        terms -= set(_FOLDED.values())
    return UnexpectedToken(Token(kind, value, pos, m.end()), terms or {"<END-OF-FILE>"})


# a `?rule` of one symbol whose node is that symbol's: reducing it only changes the state (most reductions
# are these, the precedence levels an operand climbs through)
_UNIT = [size == 1 and single and not inline and keep == ((0, False, 0),) and not after
         for _, _, size, keep, after, single, inline in RULES]
_ENDS = set(END.values())
# (state below, state on top, lookahead) -> the state on top once every unit reduction the lookahead makes
# there is done: an operand climbs the precedence levels one reduction each, always over the same state
# below, so the climb is looked up once and then taken in one step (filled as parses meet them)
_CLIMB: dict[tuple[int, int, str], int] = {}


def _climb(below: int, top: int, ttype: str) -> int:
    while True:
        act = ACTIONS[top].get(ttype)
        if act is None or act >= 0 or not _UNIT[-1 - act]:
            return top
        top = ACTIONS[below][RULES[-1 - act][1]]
        if ttype == "$END" and top in _ENDS:
            return top


def _uncaptured(pattern: str) -> str:
    """The pattern with its groups made non-capturing (the terminals' patterns have no brackets in classes)."""
    return re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern)


# The same tokens as _TOKEN, for a whole text at once: findall gives each match as (blanks before, token), as
# strings, without a match object per token. The tokens only have to agree with what the contextual lexer
# reads while each parser state accepts them; where one does not, the parse goes on with _next.
_ALL = re.compile(f"((?:{IGNORE})?)(" + "|".join(_uncaptured(PATTERNS[n]) for n in ("FLOAT", "STRING", "NAME", "INT"))
                  + "|" + "|".join(re.escape(s) for s in _PUNCT) + ")")
assert _ALL.groups == 2
# a token's terminal where it is not a literal, by its first character (a NAME, a STRING, a number: INT if
# all digits, else FLOAT); no literal but the words starts like those
_FIRST = {**{c: "NAME" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"},
          **{c: "INT" for c in "0123456789"}, ".": "FLOAT", '"': "STRING", "'": "STRING"}
assert not any(s[0] in _FIRST for s in _PUNCT)


def _tokens(text: str) -> list[tuple[str, int]]:
    """(text, start) of each token a context-free read finds; [] unless the tokens and blanks cover the
    whole text (a character no token starts with: the contextual lexer reports it)."""
    out = []
    pos = 0
    for blank, tok in _ALL.findall(text):
        pos += len(blank)
        out.append((tok, pos))
        pos += len(tok)
    # findall skips what matches nothing; the lengths then add up short of the last token's end (never blank)
    return out if _SPACE.match(text, pos).end() == len(text) else []  # type: ignore[union-attr]


def _type(word: str, accepts: dict[str, int]) -> str | None:
    """The terminal a state accepting `accepts` reads a context-free token as; None where it reads
    something else (a keyword's prefix, a shorter literal) or nothing."""
    t = LITERALS.get(word)
    if t is not None:
        if t in accepts:
            return t
        return "NAME" if word in _WORDS and "NAME" in accepts else None
    t = _FIRST[word[0]]
    if t == "INT" and not word.isdigit():
        t = "FLOAT"
    return t if t in accepts else None


# each rule as (node name, origin, symbols, kept children, Nones after, pass one child through, inlined,
# a unit reduction, the kept children's indices where they are all there is to do)
_RULES = [(*r, u, tuple(i for i, _, _ in r[3]) if r[4] == 0 and not any(x or n for _, x, n in r[3]) else None)
          for r, u in zip(RULES, _UNIT)]


def parse(text: str, start: str, callbacks: Any, max_depth: int) -> tuple[Any, int]:
    """Parse `text` from the start symbol `start`; return the callbacks' result and the tree's depth
    (counted as Lark's tree would have it, stopping once past `max_depth`).

    callbacks.NAME(start, end, children) builds a node of that name; children are Tokens, None (an absent
    `[x]`) and what callbacks returned. Raises UnexpectedCharacters or UnexpectedToken."""
    actions, rules, climb = ACTIONS, _RULES, _CLIMB
    state = START[start]
    states = [state]
    entries: list[tuple[Any, int, int, int]] = []  # (value, start, end, depth) above each state but the first
    end_state = END[start]
    pos = 0
    last: Token | None = None
    toks = _tokens(text)
    k, n = 0, len(toks)
    while True:
        accepts = actions[state]
        tok: Token | None = None
        if k < n:
            word, at = toks[k]
            ttype = _type(word, accepts)
            if ttype is not None:
                tok = Token(ttype, word, at, at + len(word))
                k += 1
            else:  # read on from here as the contextual lexer does
                tok, n = _next(text, pos, accepts), 0
        elif n == 0:
            tok = _next(text, pos, accepts)
        if tok is None:
            tok = Token("$END", "", last.start_pos, last.end_pos) if last else Token("$END", "", 0, 1)
        else:
            pos = tok.end_pos
            last = tok
        ttype = tok.type
        while True:
            act = accepts.get(ttype)
            if act is None:
                raise UnexpectedToken(tok, {t for t in accepts if t.isupper()})
            if act >= 0:
                state = act
                states.append(act)
                entries.append((tok, tok.start_pos, tok.end_pos, 0))
                break
            name, origin, size, keep, after, single, inline, unit, plain = rules[-1 - act]
            if unit:
                key = (states[-2], state, ttype)
                top = climb.get(key)
                if top is None:
                    top = climb[key] = _climb(*key)
                if top == end_state and ttype == "$END":
                    return entries[-1][0], entries[-1][3]
                state = states[-1] = top
                accepts = actions[state]
                continue
            kids = entries[-size:]
            children: list[Any]
            if plain is not None:
                children = [kids[i][0] for i in plain]
            else:
                children = []
                for i, inlined, nones in keep:
                    if nones:
                        children += [None] * nones
                    if inlined:
                        children += kids[i][0]
                    else:
                        children.append(kids[i][0])
                if after:
                    children += [None] * after
            if size == 1:
                s, e, d = kids[0][1], kids[0][2], kids[0][3]
            else:
                s, e, d = kids[0][1], kids[-1][2], max([kid[3] for kid in kids])
            del states[-size:], entries[-size:]
            if inline:
                value = children
            elif single and len(children) == 1:
                value = children[0]
            else:
                d = min(d + 1, max_depth + 1)
                value = getattr(callbacks, name)(s, e, children)
            state = actions[states[-1]][origin]
            if state == end_state and ttype == "$END":
                return value, d
            states.append(state)
            entries.append((value, s, e, d))
            accepts = actions[state]
