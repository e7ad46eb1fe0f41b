"""What the stages produce: findings made in one way, the per-file result and the result of one
file in a run.

Every finding is made by :func:`finding`, so every message and JSON Pointer goes through the one
redaction (:func:`llmreg.secrets.scrub`) and gets the catalogue's severity; nothing secret-shaped
reaches a reporter, a cache entry or an exception.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from llmreg._record import Record
from llmreg.diagnostics import Diagnostic
from llmreg.rules import fact_pointers, flat_positions, severity_of, without_catalogue

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

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


# Where the pointers a registry rule may report on start: pointer -> (line, column)
Positions = dict[str, tuple[int, int]]


class Staged(Record):
    """What the per-file stage produced for one file's bytes (picklable and cacheable).

    ``findings`` are placed in the file but carry no file name (``file`` is empty). ``data``
    is never cached: the cache keeps ``facts`` (what the registry rules read) instead.
    (Instances keep a ``__dict__``: they pickle between processes as the dataclass did.)"""

    _fields = ("findings", "kind", "data", "model_id", "comments", "facts", "positions")

    def __init__(
        self,
        findings: list[Diagnostic],
        kind: str | None = None,  # set when the document names a known kind
        data: dict[str, Any] | None = None,  # set only when the document passed the schema
        model_id: str | None = None,  # workspace/name of a Model document, valid or not
        comments: Comments | None = None,  # suppression comments by line
        facts: dict[str, Any] | None = None,  # llmreg.rules.registry_facts, set with data
        positions: Positions | None = None,  # of llmreg.rules.fact_pointers, when known
    ) -> None:
        self.findings = findings
        self.kind = kind
        self.data = data
        self.model_id = model_id
        self.comments: Comments = {} if comments is None else comments
        self.facts = facts
        self.positions = positions


if TYPE_CHECKING:

    class Pending(Protocol):
        """A cached result decoded on first use (``llmreg.cache.Stored``)."""

        @property
        def registry(self) -> bytes: ...

        def staged(self) -> Staged | None: ...


class FileResult:
    """One file of a run: where it is, and what the stages found.

    ``path`` may be given as a string: a check of 10,000 files builds no pathlib object per
    file (``location`` is the string form). ``rel`` is the POSIX path inside the registry. A
    result served from the cache without findings is decoded only when its kind, model id,
    facts, comments or positions are first read (a warm check may read none of them)."""

    _fields = (
        "_comments",
        "_facts",
        "_kind",
        "_model_id",
        "_path",
        "_pending",
        "_positions",
        "_reread",
        "_stored",
        "_text",
        "data",
        "diagnostics",
        "display",
        "document",
        "rel",
    )
    __slots__ = _fields

    def __init__(
        self,
        path: str | os.PathLike[str],
        display: str,
        rel: str | PurePosixPath | None,
        diagnostics: list[Diagnostic] | None = None,
        comments: Comments | None = None,
    ) -> None:
        self._path = path
        self.display = display
        self.rel = None if rel is None else str(rel)
        self.diagnostics: list[Diagnostic] = [] if diagnostics is None else diagnostics
        self.document: Document | None = None
        self.data: dict[str, Any] | None = None  # only when the caller keeps data (load())
        self._kind: str | None = None
        self._model_id: str | None = None
        self._comments: Comments = {} if comments is None else comments
        self._facts: dict[str, Any] | None = None
        # a dict, or (held for every file of a large check) the flat (line, column) pairs of
        # fact_pointers(facts) in that order, as the index stores them: about a tenth the size
        self._positions: Positions | tuple[int, ...] | None = None
        self._pending: Pending | None = None
        self._stored: Pending | None = None  # the entry as stored, sliced when read
        self._reread = False
        self._text: bytes | None = None  # the bytes staged, when they may not be the file's

    def _decode(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        staged = pending.staged()
        if staged is not None:  # else a line no llmreg wrote under a valid checksum: no facts
            self.absorb(staged, keep_data=False)
            self._stored = pending

    @property
    def kind(self) -> str | None:  # set when the document names a known kind
        if self._pending is not None:
            self._decode()
        return self._kind

    @kind.setter
    def kind(self, value: str | None) -> None:
        self._kind = value

    @property
    def model_id(self) -> str | None:  # workspace/name of a Model document, even invalid
        if self._pending is not None:
            self._decode()
        return self._model_id

    @model_id.setter
    def model_id(self, value: str | None) -> None:
        self._model_id = value

    @property
    def comments(self) -> Comments:
        if self._pending is not None:
            self._decode()
        return self._comments

    @comments.setter
    def comments(self, value: Comments) -> None:
        self._comments = value

    @property
    def facts(self) -> dict[str, Any] | None:  # set only when the document passed the schema
        if self._pending is not None:
            self._decode()
        return self._facts

    @facts.setter
    def facts(self, value: dict[str, Any] | None) -> None:
        self._facts = value

    @property
    def positions(self) -> Positions | None:
        if self._pending is not None:
            self._decode()
        positions = self._positions
        if type(positions) is tuple:  # read only to place a finding
            pointers = fact_pointers(self._facts or {})
            pairs = zip(positions[::2], positions[1::2], strict=True)
            return dict(zip(pointers, pairs, strict=True))
        return positions  # type: ignore[return-value]

    @positions.setter
    def positions(self, value: Positions | None) -> None:
        self._positions = value

    @property
    def stored_registry_part(self) -> bytes | None:
        """What the registry stage reads of this file, as the cache stored it, when known
        (``llmreg.cache.RegistryIndex.digest``: it then needs no encoding or decoding)."""
        stored = self._pending if self._pending is not None else self._stored
        return None if stored is None else stored.registry

    def stored_as(self, entry: Pending | None) -> None:
        """Remember ``entry``, this result as the cache just stored it (held as the index line
        it is part of, not as a copy of its registry part: a cold check of 50,000 files holds
        one per file)."""
        self._stored = entry

    def absorb_later(self, pending: Pending) -> FileResult:
        """Take over a cached result without findings, decoded when first read."""
        self._pending = pending
        return self

    @property
    def path(self) -> Path:
        return self._path if isinstance(self._path, Path) else Path(self._path)

    @property
    def location(self) -> str:
        return os.fspath(self._path)

    def __repr__(self) -> str:
        return f"FileResult({self.display!r}, {len(self.diagnostics)} findings)"

    def staged_from(self, raw: bytes) -> None:
        """Say that ``raw``, not the file on disk, is what was staged (an editor's unsaved
        text, an import not yet written): a finding the stage did not place is placed in it."""
        self._text = raw

    def _reread_document(self) -> Document | None:
        """The document with positions, for a finding on a pointer whose position the stage
        did not record (the fast reader keeps none): parsed once more, from the bytes staged
        when they were given, else read from the file."""
        if self.document is None and not self._reread:
            from llmreg.layout import Unreadable, read_file
            from llmreg.source import SourceError, read_text
            from llmreg.stage import parse

            self._reread = True
            try:
                raw = self._text if self._text is not None else read_file(self._path)
                self.document = parse(read_text(raw))
            except (Unreadable, SourceError):
                return None
        return self.document

    def placed(
        self, rule: str, message: str, pointer: str = "", *, at_key: bool = False
    ) -> Diagnostic:
        """A finding at ``pointer`` of this file, placed by the positions the stage recorded,
        else by the document's."""
        recorded = None if at_key or self.positions is None else self.positions.get(pointer)
        if recorded is not None:
            line, column = recorded
        else:
            document = self._reread_document()
            line, column = 1, 1
            if document is not None:
                position = document.position(pointer, at_key=at_key)
                line, column = position.line, position.column
        return finding(rule, message, pointer, line, column, at_key=at_key, file=self.display)

    def add(self, rule: str, message: str, pointer: str = "", *, at_key: bool = False) -> None:
        self.diagnostics.append(self.placed(rule, message, pointer, at_key=at_key))

    def absorb(
        self, staged: Staged, *, keep_data: bool = True, catalogue: bool = True
    ) -> FileResult:
        """Take over what the per-file stage produced; ``keep_data`` False leaves the whole
        document out (a check needs only the facts, and its memory stays flat); ``catalogue``
        False leaves the facts' catalogue fields out (``llmreg.rules.without_catalogue``)."""
        if staged.findings:
            display = self.display
            self.diagnostics.extend(d.replace(file=display) for d in staged.findings)
        self._pending = None
        self._kind = staged.kind
        if keep_data:
            self.data = staged.data
        self._model_id = staged.model_id
        self._comments = staged.comments
        facts = staged.facts
        self._facts = facts if catalogue or facts is None else without_catalogue(facts)
        self._positions = _compact(staged.positions, facts)
        return self


def _compact(
    positions: Positions | None, facts: dict[str, Any] | None
) -> Positions | tuple[int, ...] | None:
    """``positions`` as the flat pairs of ``fact_pointers(facts)`` when it holds exactly those
    (what the stage records), else as it is: a check of 50,000 files holds one per file."""
    if positions is None or facts is None:
        return positions
    flat = flat_positions(positions, facts)
    if flat is None or len(flat) != 2 * len(positions):  # not exactly those pointers
        return positions
    return tuple(flat)


class CheckReport(Record):
    _fields = ("files_checked", "diagnostics")
    __slots__ = _fields

    def __init__(self, files_checked: int, diagnostics: list[Diagnostic]) -> None:
        self.files_checked = files_checked
        self.diagnostics = diagnostics

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "warning")

    @property
    def ok(self) -> bool:
        return self.errors == 0
