"""The one finding type, from the reader to the reporters: what a check finds, where, and under
which stable rule id. ``llmreg.results`` makes them (redacted, with the catalogue's severity)."""

from __future__ import annotations

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import Field
    from typing import Any, ClassVar, Literal

    Severity = Literal["error", "warning"]


def pointer_join(parent: str, token: str | int) -> str:
    """Append one reference token to a JSON Pointer (RFC 6901 escaping)."""
    text = str(token).replace("~", "~0").replace("/", "~1")
    return f"{parent}/{text}"


def pointer_tokens(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


# The fields of a Diagnostic in order, and those that equality, ordering and hashing compare
# (``at_key`` does not).
_FIELDS = ("file", "line", "column", "rule", "message", "path", "severity", "at_key")


class Diagnostic:
    """One finding. Line and column are 1-based; ``path`` is a JSON Pointer into the document.

    ``at_key`` says the finding is about a mapping key (an unknown or duplicate key), so its
    position is the key's, not the value's.

    Written out instead of ``@dataclass(frozen=True, order=True)``: importing ``dataclasses``
    (it brings ``inspect``, ``ast`` and ``dis``) and building the class took a tenth of a warm
    check's instructions. It behaves as that dataclass did: frozen (``FrozenInstanceError``),
    equal, ordered and hashed by every field but ``at_key``, the same ``repr``, and
    ``dataclasses.fields``, ``replace`` and ``asdict`` work on it (``tests/reporting/
    test_diagnostic.py``).
    """

    __slots__ = _FIELDS
    __match_args__ = ("file", "line", "column", "rule", "message", "path", "severity", "at_key")
    if TYPE_CHECKING:  # so that type checkers accept dataclasses.replace and fields on it
        __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    file: str
    line: int
    column: int
    rule: str
    message: str
    path: str
    severity: Severity
    at_key: bool

    def __init__(
        self,
        file: str,
        line: int,
        column: int,
        rule: str,
        message: str,
        path: str = "",
        severity: Severity = "error",
        at_key: bool = False,
    ) -> None:
        put = object.__setattr__
        put(self, "file", file)
        put(self, "line", line)
        put(self, "column", column)
        put(self, "rule", rule)
        put(self, "message", message)
        put(self, "path", path)
        put(self, "severity", severity)
        put(self, "at_key", at_key)

    def _key(self) -> tuple[str, int, int, str, str, str, str]:
        return (
            self.file,
            self.line,
            self.column,
            self.rule,
            self.message,
            self.path,
            self.severity,
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._key() == other._key()
        return NotImplemented

    def __lt__(self, other: Diagnostic) -> bool:
        if other.__class__ is self.__class__:
            return self._key() < other._key()
        return NotImplemented

    def __le__(self, other: Diagnostic) -> bool:
        if other.__class__ is self.__class__:
            return self._key() <= other._key()
        return NotImplemented

    def __gt__(self, other: Diagnostic) -> bool:
        if other.__class__ is self.__class__:
            return self._key() > other._key()
        return NotImplemented

    def __ge__(self, other: Diagnostic) -> bool:
        if other.__class__ is self.__class__:
            return self._key() >= other._key()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__qualname__}(file={self.file!r}, line={self.line!r}, "
            f"column={self.column!r}, rule={self.rule!r}, message={self.message!r}, "
            f"path={self.path!r}, severity={self.severity!r}, at_key={self.at_key!r})"
        )

    def __setattr__(self, name: str, value: object) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[type[Diagnostic], tuple[object, ...]]:
        return (self.__class__, tuple(getattr(self, name) for name in _FIELDS))

    def replace(self, **changes: object) -> Diagnostic:
        """A copy with ``changes`` (``dataclasses.replace`` without importing dataclasses)."""
        values = {name: getattr(self, name) for name in _FIELDS}
        values.update(changes)
        return Diagnostic(**values)

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
        }


class _DataclassFields:
    """``__dataclass_fields__`` of :class:`Diagnostic`, made on first use by the dataclass it
    replaced, so that ``dataclasses.fields``, ``replace``, ``asdict`` and ``is_dataclass`` keep
    working for users without a check importing ``dataclasses``."""

    def __get__(self, instance: object, owner: type) -> dict[str, object]:
        import dataclasses

        twin = dataclasses.make_dataclass(
            owner.__name__,
            [
                ("file", str),
                ("line", int),
                ("column", int),
                ("rule", str),
                ("message", str),
                ("path", str, dataclasses.field(default="")),
                ("severity", str, dataclasses.field(default="error")),
                ("at_key", bool, dataclasses.field(default=False, compare=False)),
            ],
            frozen=True,
            order=True,
        )
        fields: dict[str, object] = twin.__dataclass_fields__  # type: ignore[attr-defined]
        type.__setattr__(owner, "__dataclass_fields__", fields)
        type.__setattr__(owner, "__dataclass_params__", twin.__dataclass_params__)  # type: ignore[attr-defined]
        return fields


Diagnostic.__dataclass_fields__ = _DataclassFields()  # type: ignore[assignment]


def sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.file, d.line, d.column, d.rule, d.message)
