"""A base for the small value classes a check builds, instead of ``@dataclass``.

Importing ``dataclasses`` (it brings ``inspect``, ``ast``, ``dis`` and ``tokenize``) and building
each decorated class at import took about a fifth of the instructions of a warm ``llmreg check``
(docs/performance.md, "The fixed cost of a process"). A class here lists its fields in order
in ``_fields`` (and in ``__slots__`` too, unless its instances keep a ``__dict__`` to pickle as
a dataclass did), writes its own ``__init__``, and gets from :class:`Record` what the dataclass
gave: equality and hashing over ``_compare`` (every field unless narrowed), a ``repr`` of
``_repr`` in the dataclass's form, and with :class:`Frozen` the ``FrozenInstanceError`` on
assignment.
"""

from __future__ import annotations


class Record:
    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _compare: tuple[str, ...] = ()  # empty: all of _fields
    _repr: tuple[str, ...] = ()  # empty: all of _fields

    def __init_subclass__(cls) -> None:
        if "_compare" not in cls.__dict__:
            cls._compare = cls._fields
        if "_repr" not in cls.__dict__:
            cls._repr = cls._fields

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._compare)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            assert isinstance(other, Record)
            return self._values() == other._values()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass without frozen=True

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._repr)
        return f"{self.__class__.__qualname__}({shown})"


class Frozen(Record):
    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(self._values())

    def __setattr__(self, name: str, value: object) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        # rebuilt through __init__: the default way would assign the slots one by one
        return (self.__class__, tuple(getattr(self, name) for name in self._fields))
