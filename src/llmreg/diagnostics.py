"""The one finding type, from the reader to the reporters: what a check finds, where, and under
which stable rule id. ``llmreg.results`` makes them (redacted, with the catalogue's severity)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


def pointer_join(parent: str, token: str | int) -> str:
    """Append one reference token to a JSON Pointer (RFC 6901 escaping)."""
    text = str(token).replace("~", "~0").replace("/", "~1")
    return f"{parent}/{text}"


def pointer_tokens(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding. Line and column are 1-based; ``path`` is a JSON Pointer into the document.

    ``at_key`` says the finding is about a mapping key (an unknown or duplicate key), so its
    position is the key's, not the value's.
    """

    file: str
    line: int
    column: int
    rule: str
    message: str
    path: str = ""
    severity: Severity = "error"
    at_key: bool = field(default=False, compare=False)

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


def sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.file, d.line, d.column, d.rule, d.message)
