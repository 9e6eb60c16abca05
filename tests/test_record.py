"""nncc/record.py: plain slotted classes keep what the dataclasses they replaced gave (issue 22)."""
from __future__ import annotations

import dataclasses
import pickle

import pytest

from nncc.ast import Name, Pos
from nncc.diagnostics import Diagnostic, Note, Span
from nncc.record import FrozenRecord, Plain, Record


class Point(FrozenRecord):
    __slots__ = ("x", "y")

    def __init__(self, x: int, y: float = 0.0) -> None:
        self.x = x
        self.y = y


class Cached(Record):
    __slots__ = ("key", "cache")
    HIDDEN = ("cache",)

    def __init__(self, key: str, cache: dict | None = None) -> None:
        self.key = key
        self.cache = cache


@dataclasses.dataclass(frozen=True)
class PointDC:
    x: int
    y: float = 0.0


def test_repr_equality_and_hash_as_a_dataclass() -> None:
    nan = float("nan")
    for a, b in ((Point(1, 2.5), PointDC(1, 2.5)), (Point(3), PointDC(3)), (Point(1, nan), PointDC(1, nan))):
        assert repr(a).replace("Point", "PointDC", 1) == repr(b)
        assert (a == Point(a.x, a.y)) == (b == PointDC(b.x, b.y))  # the same object in a field: equal, NaN too
    assert Point(1, 2) != Point(1, 3) and Point(1, 2) != (1, 2)
    assert hash(Point(1, 2)) == hash(Point(1, 2)) and {Point(1, 2): "a"}[Point(1, 2)] == "a"
    assert Diagnostic("E301", "m", Span("f", 1, 2, 1, 3)) == Diagnostic("E301", "m", Span("f", 1, 2, 1, 3))
    assert repr(Note("n")) == "Note(message='n', span=None)"
    with pytest.raises(TypeError):
        hash(Cached("k"))  # a Record is not hashable, as a dataclass with eq=True


def test_hidden_fields_and_identity() -> None:
    assert Cached("k", {"a": 1}) == Cached("k") and repr(Cached("k", {})) == "Cached(key='k')"
    n = Name(Pos(None, 0, 1), "x")
    assert n != Name(n.pos, "x") and n == n  # Plain: equality is identity (ast nodes, eq=False before)
    assert isinstance(n, Plain) and Name.FIELDS == ("pos", "id")


def test_replace_and_pickle() -> None:
    p = Point(1, 2.0)
    assert p.replace(y=5.0) == Point(1, 5.0) and p == Point(1, 2.0)
    assert Cached("k", {"a": 1}).replace(key="j") == Cached("j")
    d = Diagnostic("E301", "m", Span("f", 1, 2, 1, 3), notes=[Note("n")])  # lint -j sends results between processes
    assert pickle.loads(pickle.dumps(d)) == d
    with pytest.raises(AttributeError):
        p.z = 1  # type: ignore[attr-defined]  # slotted: no stray attributes
