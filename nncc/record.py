"""Plain data classes, without what `@dataclass` costs at import.

A dataclass's __init__, __repr__ and __eq__ are written as source text and compiled when its module is
imported: about 0.3 ms a class, and the ~60 classes a one-file `nncc lint` imports were a fifth of its
time (issue 22). nncc's data classes on that path write their `__init__` and declare `__slots__` (the
fields, in __init__'s order after the bases' own); these bases give them a dataclass's repr and
equality, computed from the fields when used:

* Plain: repr; equality is identity (a dataclass with eq=False).
* Record: equal when of the same class with equal fields; not hashable (a dataclass).
* FrozenRecord: a Record hashed by its fields (a frozen dataclass; nothing assigns to one after __init__).

A field named in the class's HIDDEN (a cache) is left out of repr and equality.
"""
from __future__ import annotations

from typing import Any, ClassVar, TypeVar

R = TypeVar("R", bound="Plain")


class Plain:
    __slots__ = ()
    HIDDEN: ClassVar[tuple[str, ...]] = ()
    FIELDS: ClassVar[tuple[str, ...]] = ()  # every field, the bases' first: __init__'s parameters
    _SHOWN: ClassVar[tuple[str, ...]] = ()  # FIELDS less HIDDEN

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls.FIELDS = tuple(f for c in reversed(cls.__mro__) for f in c.__dict__.get("__slots__", ()))
        cls._SHOWN = tuple(f for f in cls.FIELDS if f not in cls.HIDDEN)

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}({', '.join(f'{f}={getattr(self, f)!r}' for f in self._SHOWN)})"

    def replace(self: R, **changes: Any) -> R:
        """A copy with some fields changed (dataclasses.replace)."""
        return type(self)(**({f: getattr(self, f) for f in self.FIELDS if f not in self.HIDDEN} | changes))


class Record(Plain):
    __slots__ = ()

    def _values(self) -> tuple:
        return tuple(getattr(self, f) for f in self._SHOWN)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()


class FrozenRecord(Record):
    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())
