"""Reading model files: YAML structure with exact source positions.

PyYAML's composer gives a node tree with marks; we convert it into a small tree of
our own (`YMap`, `YSeq`, `YScalar`) that keeps key order, rejects duplicate keys,
unknown tags and runaway alias expansion, and can map a character offset inside a
scalar's *value* back to the file, so diagnostics point at the exact character
of an expression inside a YAML string.
"""
from __future__ import annotations

import bisect
import os
from typing import Iterable, Union

import yaml

from . import codes
from .diagnostics import CompileError, Diagnostic, Sources, Span
from .record import Record

try:  # libyaml is much faster; fall back to the pure-Python composer
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

_STD_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}

# Limits on what a model file may make us build (one table for nncc: nncc/limits.py); see docs/security.md.
from .limits import LIMITS  # noqa: E402


class SourceFile:
    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text
        self._line_starts = [0]
        i = text.find("\n")
        while i >= 0:  # str.find, not a per-character loop: a 10 MB file takes milliseconds
            self._line_starts.append(i + 1)
            i = text.find("\n", i + 1)

    def offset(self, line0: int, col0: int) -> int:
        """0-based line and column to an offset into the text."""
        if line0 >= len(self._line_starts):
            return len(self.text)
        return min(self._line_starts[line0] + col0, len(self.text))

    def position(self, offset: int) -> tuple[int, int]:
        """Offset to 1-based (line, col)."""
        line0 = bisect.bisect_right(self._line_starts, offset) - 1
        return line0 + 1, offset - self._line_starts[line0] + 1

    def span(self, start: int, end: int) -> Span:
        l1, c1 = self.position(start)
        l2, c2 = self.position(max(end, start))
        return Span(self.path, l1, c1, l2, c2)


class YScalar(Record):
    value: str
    tag: str
    span: Span
    src: SourceFile
    start: int  # offset of the node's raw text in the file
    end: int
    style: str | None
    _map: list[int] | range | None
    __slots__ = ("value", "tag", "span", "src", "start", "end", "style", "_map")
    HIDDEN = ("_map",)

    def __init__(self, value: str, tag: str, span: Span, src: SourceFile, start: int, end: int,
                 style: str | None = None, _map: list[int] | range | None = None) -> None:
        self.value = value
        self.tag = tag
        self.span = span
        self.src = src
        self.start = start
        self.end = end
        self.style = style
        self._map = _map

    def _offsets(self) -> list[int] | range:
        """File offset of each character of `value` (plus one past the end)."""
        if self._map is None:
            raw = self.src.text[self.start:self.end]
            if raw == self.value:
                self._map = range(self.start, self.end + 1)  # the raw text itself: no list of offsets
            else:
                m: list[int] = []
                j = 0
                for ch in self.value:
                    k = raw.find(ch, j) if not ch.isspace() else j
                    if ch.isspace():
                        # whitespace may be folded from a newline/indent: take the next blank
                        while k < len(raw) and not raw[k].isspace():
                            k += 1
                    if k < 0 or k >= len(raw):
                        k = min(j, len(raw) - 1) if raw else 0
                    m.append(self.start + k)
                    j = k + 1
                m.append(self.start + min(j, len(raw)))
                self._map = m
        return self._map

    def sub_span(self, start: int, end: int) -> Span:
        """Span of value[start:end] in the file."""
        m = self._offsets()
        start = max(0, min(start, len(m) - 1))
        end = max(start, min(end, len(m) - 1))
        if end > start:
            return self.src.span(m[start], m[end - 1] + 1)
        return self.src.span(m[start], m[start] + 1)

    @property
    def is_null(self) -> bool:
        return self.tag.endswith(":null")


class YMap(Record):
    items: list[tuple[YScalar, "YNode"]]
    span: Span
    _index: dict[str, int] | None
    __slots__ = ("items", "span", "_index")
    HIDDEN = ("_index",)

    def __init__(self, items: list[tuple[YScalar, "YNode"]], span: Span, _index: dict[str, int] | None = None) -> None:
        self.items = items
        self.span = span
        self._index = _index

    def _find(self, key: str) -> int | None:
        """Position of `key` in items, from an index built once (a lookup per key stays O(1))."""
        if self._index is None or len(self._index) != len(self.items):
            self._index = {}
            for i, (k, _) in enumerate(self.items):
                self._index.setdefault(k.value, i)
        at = self._index.get(key)
        return at if at is not None and at < len(self.items) and self.items[at][0].value == key else None

    def get(self, key: str) -> "YNode | None":
        i = self._find(key)
        return None if i is None else self.items[i][1]

    def key_node(self, key: str) -> YScalar | None:
        i = self._find(key)
        return None if i is None else self.items[i][0]


class YSeq(Record):
    items: list["YNode"]
    span: Span
    __slots__ = ("items", "span")

    def __init__(self, items: list["YNode"], span: Span) -> None:
        self.items = items
        self.span = span


YNode = Union[YScalar, YMap, YSeq]


def _error(code: str, msg: str, span: Span | None, help: str | None = None) -> CompileError:
    return CompileError([Diagnostic(code, msg, span, help)])


def read_source(path: str) -> bytes:
    """A model file's bytes, read the bounded way every command reads one: regular files only
    (a FIFO or a device is E007 at once, never opened for a blocking read), no more than
    max_file_bytes (E006, known from the size before reading), and any OSError as E007."""
    import errno
    import stat

    limit = LIMITS["max_file_bytes"]
    where = Span(path, 1, 1, 1, 2)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        why = "a link to nothing" if e.errno == errno.ENOENT and os.path.islink(path) else (e.strerror or str(e))
        raise _error(codes.CANNOT_READ, f"cannot read this path: {why}", where) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode) else \
                "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a regular file"
            raise _error(codes.CANNOT_READ, f"cannot read this path: it is {kind}", where,
                         "nncc reads model files that are regular files")
        if st.st_size > limit:
            raise _too_big(path)
        chunks, got = [], 0
        while got <= limit:  # the file may grow while it is read: stop one byte past the limit
            b = os.read(fd, min(1 << 20, limit + 1 - got))
            if not b:
                break
            chunks.append(b)
            got += len(b)
    except OSError as e:
        raise _error(codes.CANNOT_READ, f"cannot read this path: {e.strerror or e}", where) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def sources_of(paths: Iterable[str], known: dict[str, str] | None = None) -> Sources:
    """The files diagnostics point into, for their excerpts: each read once, the bounded way
    (`known`: texts already in hand, such as standard input's)."""
    out = Sources(known)
    for p in dict.fromkeys(paths):
        if p in out.texts:
            continue
        try:
            out.texts[p] = read_source(p).decode("utf-8", errors="replace")
        except CompileError:
            pass  # the diagnostic is shown without an excerpt
    return out


def _too_big(path: str) -> CompileError:
    return _error(codes.FILE_TOO_LARGE, f"file is larger than the limit of {LIMITS['max_file_bytes']} bytes",
                  Span(path, 1, 1, 1, 2), "raise the limit with --max-file-bytes if this model is real")


def decode(path: str, data: bytes) -> str:
    if len(data) > LIMITS["max_file_bytes"]:
        raise _too_big(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise _error(codes.NOT_UTF8, f"file is not valid UTF-8 (byte 0x{data[e.start]:02x})",
                     Span(path, line, col, line, col + 1), "save the file as UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _tab_near(text: str, line: int) -> tuple[int, int] | None:
    """(line, column) of a tab in the leading white space of the error's line or the one before."""
    lines = text.splitlines()
    for n in (line, line - 1):
        if 0 <= n < len(lines):
            lead = lines[n][:len(lines[n]) - len(lines[n].lstrip(" \t"))]
            if "\t" in lead:
                return n, lead.index("\t")
    return None


def _dedented_line(text: str, line: int) -> int | None:
    """The line (0-based) above the error that dips below its neighbours' indentation, if the
    error is an over-indented line right after it: YAML only notices a dedent one line late."""
    lines = text.splitlines()
    prev = line - 1
    while prev >= 0 and not lines[prev].strip():
        prev -= 1
    before = prev - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    if before < 0 or line >= len(lines) or lines[prev].lstrip().startswith("#"):
        return None
    dip = _indent(lines[prev])
    return prev if dip < _indent(lines[before]) and dip < _indent(lines[line]) else None


def load_yaml(path: str, text: str) -> tuple[SourceFile, YNode | None]:
    """Parse YAML text into our positioned tree; YAML errors become diagnostics."""
    src = SourceFile(path, text)
    try:
        _prescan(src, text)  # before compose: libyaml's composer recurses in C and would crash on deep nesting
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        if _refused_for_size(e):
            raise _size_refusal(src, text, e) from None
        mark = e.problem_mark or e.context_mark
        span = None
        if mark is not None:
            off = src.offset(mark.line, mark.column)
            span = src.span(off, off + 1)
        problem = (e.problem or e.context or "invalid YAML").strip()
        ctx = f" ({e.context})" if e.context and e.problem else ""
        help = "check indentation, and quote values that start with '[', '{', '*', '&', '!' or contain ': '"
        if mark is not None:
            tab = _tab_near(text, mark.line)
            if tab is not None:
                off = src.offset(*tab)
                raise _error(codes.YAML_SYNTAX, "a tab character in the indentation", src.span(off, off + 1),
                             "YAML indents with spaces only; replace the tab with spaces") from None
            dip = _dedented_line(text, mark.line)
            if dip is not None:
                off = src.offset(dip, 0)
                width = len(text.splitlines()[dip]) or 1
                raise _error(codes.YAML_SYNTAX, "this line is indented less than the lines around it",
                             src.span(off, off + width),
                             "indent it like the line above, so it stays inside the same section") from None
        raise _error(codes.YAML_SYNTAX, f"YAML syntax error: {problem}{ctx}", span, help) from None
    except yaml.YAMLError as e:
        raise _error(codes.YAML_SYNTAX, f"YAML error: {e}", Span(path, 1, 1, 1, 2)) from None
    except (RecursionError, MemoryError):
        raise _size_refusal(src, text, None) from None
    if root is None:
        return src, None
    conv = _Converter(src)
    return src, conv.convert(root, 0)


_DEPTH_HELP = "model files nest a few levels; raise the limit with --limit max_depth=N"
# How YAML libraries word a refusal for depth or size rather than syntax (libyaml ≥ 0.2.5 stops
# flow collections nested 1,000 deep with "exceeded maximum nesting depth"; others may differ).
_SIZE_WORDS = ("nesting", "depth", "recursion", "memory", "too long", "too large", "too many", "exceeded")


def _refused_for_size(e: yaml.MarkedYAMLError) -> bool:
    said = f"{e.problem or ''} {e.context or ''}".lower()
    return any(w in said for w in _SIZE_WORDS)


def _too_deep(span: Span | None) -> CompileError:
    return _error(codes.TOO_LARGE, f"YAML nesting deeper than {LIMITS['max_depth']} levels", span, _DEPTH_HELP)


def _size_refusal(src: SourceFile, text: str, e: yaml.MarkedYAMLError | None) -> CompileError:
    """One diagnostic whichever layer noticed first: the YAML library or nncc's own limits.

    The library may give up before nncc's prescan reaches its (lower) depth limit, because its
    scanner reads ahead. The pure-Python event parser has no depth limit of its own and is
    iterative, so a second prescan with it finds nncc's limit at the same character nncc would
    have reported; only if nncc's limits were raised past the library's is the library's
    position used.
    """
    try:
        _prescan(src, text, yaml.SafeLoader)
    except CompileError as ours:
        return ours
    except (yaml.YAMLError, RecursionError, MemoryError):
        pass
    span = Span(src.path, 1, 1, 1, 2)
    mark = e.problem_mark or e.context_mark if e is not None else None
    if mark is not None:
        off = src.offset(mark.line, mark.column)
        span = src.span(off, off + 1)
    return _too_deep(span)


def _prescan(src: SourceFile, text: str, loader_class: type | None = None) -> None:
    """Walk the YAML events (an iterative parser) and stop at the first collection nested too deeply,
    and as soon as aliases expand the document by too many nodes, or it has too many characters.

    yaml.compose builds the node tree recursively (in C with libyaml, where running out of
    stack is a crash, not an exception), so `[[[[…` a million deep must be refused before it.
    Each node is counted once, where it appears; an alias counts the nodes and characters of
    what it stands for, so a small file cannot make the expression parser read gigabytes.
    The node limit is on what aliases add (what an alias bomb multiplies); the nodes written
    out in the file are bounded by its size (max_file_bytes), so a long model is never refused
    for its length.
    """
    limit, max_nodes, max_chars = LIMITS["max_depth"], LIMITS["max_yaml_nodes"], LIMITS["max_yaml_chars"]
    open_: list[list[int]] = []      # [nodes, characters] so far in each open collection
    anchors: list[str | None] = []
    anchored: dict[str, tuple[int, int]] = {}  # anchor → (nodes, characters) of its node
    nodes = 0                        # nodes that aliases add
    chars = 0                        # the whole document, aliases expanded
    loader = (loader_class or _Loader)(text)

    def where(ev) -> Span:
        off = src.offset(ev.start_mark.line, ev.start_mark.column)
        return src.span(off, off + 1)

    try:
        while loader.check_event():
            ev = loader.get_event()
            if isinstance(ev, yaml.ScalarEvent):  # (most events are scalars: tested first)
                n, c, a = 1, len(ev.value), ev.anchor
                chars += c
            elif isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                if len(open_) >= limit:
                    raise _too_deep(where(ev))
                open_.append([1, 0])
                anchors.append(ev.anchor)
                continue
            elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                n, c = open_.pop()
                a = anchors.pop()  # already counted in `nodes` and `chars` as its items came
            elif isinstance(ev, yaml.AliasEvent):
                (n, c), a = anchored.get(ev.anchor, (1, 0)), None
                nodes, chars = nodes + n, chars + c
            else:
                continue
            if a is not None:
                anchored[a] = (n, c)
            if open_:
                open_[-1][0] = min(open_[-1][0] + n, max_nodes + 1)
                open_[-1][1] = min(open_[-1][1] + c, max_chars + 1)
            if nodes > max_nodes:
                raise _error(codes.TOO_LARGE, f"aliases expand the document by more than {max_nodes} YAML nodes "
                             "(an alias/anchor bomb)", where(ev),
                             "raise the limit with --limit max_yaml_nodes=N if this model is real")
            if chars > max_chars:
                raise _error(codes.TOO_LARGE, f"the document expands to more than {max_chars:,} characters of "
                             "scalars (aliases of long values)", where(ev),
                             "raise the limit with --limit max_yaml_chars=N if this model is real")
    finally:
        loader.dispose()


class _Converter:
    def __init__(self, src: SourceFile):
        self.src = src
        self.count = 0  # nodes visited again through an alias (the same node object)
        self.seen: set[int] = set()

    def _span(self, node: yaml.Node) -> tuple[Span, int, int]:
        s = self.src.offset(node.start_mark.line, node.start_mark.column)
        e = self.src.offset(node.end_mark.line, node.end_mark.column)
        return self.src.span(s, e), s, e

    def convert(self, node: yaml.Node, depth: int, aliased: bool = False) -> YNode:
        aliased = aliased or id(node) in self.seen
        self.seen.add(id(node))
        span, s, e = self._span(node)
        if aliased:
            self.count += 1
            if self.count > LIMITS["max_yaml_nodes"]:
                raise _error(codes.TOO_LARGE, f"aliases expand the document by more than {LIMITS['max_yaml_nodes']} "
                             "YAML nodes (an alias/anchor bomb)", span)
        if depth > LIMITS["max_depth"]:
            raise _too_deep(span)
        if node.tag not in _STD_TAGS:
            raise _error(codes.YAML_TAG, f"YAML tag `{node.tag}` is not allowed in model files", span,
                         "remove the tag; model files hold plain maps, lists and scalars")
        if isinstance(node, yaml.ScalarNode):
            if len(node.value) > LIMITS["max_scalar_chars"]:
                raise _error(codes.TOO_LARGE, f"scalar of {len(node.value)} characters; the limit is "
                             f"{LIMITS['max_scalar_chars']}", span)
            # the raw text of a quoted scalar includes its quotes; keep them in the span
            return YScalar(node.value, node.tag, span, self.src, s, e, node.style)
        if isinstance(node, yaml.SequenceNode):
            return YSeq([self.convert(n, depth + 1, aliased) for n in node.value], span)
        assert isinstance(node, yaml.MappingNode)
        items: list[tuple[YScalar, YNode]] = []
        seen: dict[str, YScalar] = {}
        for k, v in node.value:
            key = self.convert(k, depth + 1, aliased)
            if not isinstance(key, YScalar):
                raise _error(codes.DUPLICATE_KEY, "mapping keys must be plain names", key.span)
            if key.value in seen:
                first = seen[key.value]
                raise CompileError([Diagnostic(
                    codes.DUPLICATE_KEY, f"duplicate key `{key.value}`", key.span,
                    "each name may be defined once; rename one of them",
                    notes=[_note(f"`{key.value}` was first defined here", first.span)])])
            seen[key.value] = key
            items.append((key, self.convert(v, depth + 1, aliased)))
        return YMap(items, span)


def _note(msg: str, span: Span):
    from .diagnostics import Note

    return Note(msg, span)
