"""What the stages produce: findings made in one way, the per-file result and the result of one
file in a run.

Every finding is made by :func:`finding`, so every message and JSON Pointer goes through the one
redaction (:func:`llmreg.secrets.scrub`) and gets the catalogue's severity; nothing secret-shaped
reaches a reporter, a cache entry or an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from llmreg.diagnostics import Diagnostic
from llmreg.rules import severity_of

if TYPE_CHECKING:
    from llmreg.source import Document
    from llmreg.suppress import Comments


def finding(
    rule: str,
    message: str,
    pointer: str = "",
    line: int = 1,
    column: int = 1,
    *,
    at_key: bool = False,
    file: str = "",
) -> Diagnostic:
    from llmreg.secrets import scrub  # only a run with findings needs the secret shapes

    return Diagnostic(
        file=file,
        line=line,
        column=column,
        rule=rule,
        message=scrub(message),
        path=scrub(pointer),
        severity=severity_of(rule),
        at_key=at_key,
    )


@dataclass
class Staged:
    """What the per-file stage produced for one file's bytes (picklable and cacheable).

    ``findings`` are placed in the file but carry no file name (``file`` is empty)."""

    findings: list[Diagnostic]
    kind: str | None = None  # set when the document names a known kind
    data: dict[str, Any] | None = None  # set only when the document passed the schema
    model_id: str | None = None  # workspace/name of a Model document, valid or not
    comments: Comments = field(default_factory=dict)  # suppression comments by line


@dataclass
class FileResult:
    """One file of a run: where it is, and what the stages found."""

    path: Path
    display: str
    rel: PurePosixPath | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    document: Document | None = None
    kind: str | None = None
    data: dict[str, Any] | None = None  # set only when the document passed the schema
    model_id: str | None = None  # workspace/name of a Model document, even an invalid one
    comments: Comments = field(default_factory=dict)
    _reread: bool = field(default=False, repr=False, compare=False)

    def _positions(self) -> Document | None:
        """The document with positions, for a finding of the registry stage on a file whose
        stage ran elsewhere (a worker, the cache, the fast reader): read again once."""
        if self.document is None and not self._reread:
            from llmreg.layout import Unreadable, read_file
            from llmreg.source import SourceError, read_text
            from llmreg.stage import parse

            self._reread = True
            try:
                self.document = parse(read_text(read_file(self.path)))
            except (Unreadable, SourceError):
                return None
        return self.document

    def placed(
        self, rule: str, message: str, pointer: str = "", *, at_key: bool = False
    ) -> Diagnostic:
        """A finding at ``pointer`` of this file, placed by the document's positions."""
        document = self._positions()
        line, column = 1, 1
        if document is not None:
            position = document.position(pointer, at_key=at_key)
            line, column = position.line, position.column
        return finding(rule, message, pointer, line, column, at_key=at_key, file=self.display)

    def add(self, rule: str, message: str, pointer: str = "", *, at_key: bool = False) -> None:
        self.diagnostics.append(self.placed(rule, message, pointer, at_key=at_key))

    def absorb(self, staged: Staged) -> FileResult:
        """Take over what the per-file stage produced."""
        self.diagnostics.extend(replace(d, file=self.display) for d in staged.findings)
        self.kind = staged.kind
        self.data = staged.data
        self.model_id = staged.model_id
        self.comments = staged.comments
        return self


@dataclass
class CheckReport:
    files_checked: int
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "warning")

    @property
    def ok(self) -> bool:
        return self.errors == 0
