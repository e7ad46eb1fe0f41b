"""The check pipeline: files -> per-file stage -> cross-file rules -> diagnostics.

The per-file stage is pure (bytes in, facts and diagnostics out). Cross-file rules need only
the facts of the files that passed the schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from llmreg import suppress
from llmreg.diagnostics import Diagnostic
from llmreg.rules import cross_file, per_file, severity_of
from llmreg.settings import DEFAULT_OPTIONS, DEFAULT_SETTINGS, CheckOptions, Settings
from llmreg.source import (
    DEFAULT_LIMITS,
    Document,
    Limits,
    Position,
    SourceError,
    parse,
    read_text,
)
from llmreg.validate import check_document

KIND_SCHEMAS = {"Provider": "provider", "Model": "model"}


@dataclass
class FileResult:
    """The outcome of the per-file stage for one file."""

    path: Path
    display: str
    rel: PurePosixPath | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    document: Document | None = None
    kind: str | None = None
    data: dict[str, Any] | None = None  # set only when the document passed the schema

    def add(self, rule: str, message: str, pointer: str = "", *, at_key: bool = False) -> None:
        position = (
            self.document.position(pointer, at_key=at_key) if self.document else Position(1, 1)
        )
        self.add_at(rule, message, position, pointer, at_key=at_key)

    def add_at(
        self,
        rule: str,
        message: str,
        position: Position,
        pointer: str = "",
        *,
        at_key: bool = False,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(
                file=self.display,
                line=position.line,
                column=position.column,
                rule=rule,
                message=message,
                path=pointer,
                severity=severity_of(rule),
                at_key=at_key,
            )
        )


def check_bytes(
    raw: bytes,
    result: FileResult,
    limits: Limits = DEFAULT_LIMITS,
    options: CheckOptions = DEFAULT_OPTIONS,
) -> FileResult:
    """Read, parse, validate and run the per-file rules on one file's bytes."""
    try:
        document = parse(read_text(raw, limits), limits)
    except SourceError as exc:
        problem = exc.problem
        result.add_at(problem.rule, problem.message, problem.position, problem.pointer)
        return result
    result.document = document
    for source_problem in document.problems:
        result.add_at(
            source_problem.rule,
            source_problem.message,
            source_problem.position,
            source_problem.pointer,
        )
    if result.diagnostics:
        return result  # the reading problems come first; what was built is not trustworthy
    data = document.data
    kind = data.get("kind")
    schema_kind = KIND_SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema_kind is None:
        if "kind" not in data:
            result.add("schema", "missing required key 'kind' (Provider or Model)")
        else:
            result.add(
                "schema",
                f"kind must be Provider or Model, not {kind!r}",
                "/kind",
            )
        return result
    result.kind = kind
    schema_problems = check_document(schema_kind, data, document.yaml11)
    flagged = set()
    for schema_problem in schema_problems:
        flagged.add(schema_problem.pointer)
        result.add(
            "schema", schema_problem.message, schema_problem.pointer, at_key=schema_problem.at_key
        )
    for pointer, note in sorted(document.yaml11.items()):
        if pointer not in flagged:
            result.add(
                "yaml11-ambiguous",
                f"unquoted value: {note}; quote it to mean the same to every reader",
                pointer,
            )
    if schema_problems:
        return result
    result.data = data
    for finding in per_file.run(kind, data, options):
        result.add(finding.rule, finding.message, finding.pointer, at_key=finding.at_key)
    return result


def check_file(
    path: Path,
    display: str,
    rel: PurePosixPath | None,
    limits: Limits = DEFAULT_LIMITS,
    options: CheckOptions = DEFAULT_OPTIONS,
) -> FileResult:
    result = FileResult(path=path, display=display, rel=rel)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        result.add_at("read-error", f"cannot read the file: {reason}", Position(1, 1))
        return result
    return check_bytes(raw, result, limits, options)


def apply_cross_file(results: Sequence[FileResult]) -> None:
    """Run the cross-file rules over the results and attach their findings."""
    facts = []
    defined_models: set[str] = set()
    for index, result in enumerate(results):
        raw = result.document.data if result.document else None
        if isinstance(raw, dict) and raw.get("kind") == "Model":
            defined_models.add(f"{raw.get('workspace')}/{raw.get('name')}")
        data = result.data
        if data is None or result.kind is None:
            continue
        facts.append(
            cross_file.Facts(
                index=index,
                rel=result.rel,
                kind=result.kind,
                workspace=data["workspace"],
                name=data["name"],
                data=data,
            )
        )
    for finding in cross_file.run(facts, defined_models):
        results[finding.index].add(finding.rule, finding.message, finding.pointer)


def walk_registry(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Definition files under ``root`` (sorted), and the folders that could not be read."""
    found: list[Path] = []
    errors: list[tuple[Path, str]] = []

    def on_error(exc: OSError) -> None:
        errors.append((Path(exc.filename or root), exc.strerror or str(exc)))

    for folder, dirs, files in os.walk(root, onerror=on_error):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if name.endswith(cross_file.YAML_SUFFIXES) and not name.startswith("."):
                found.append(Path(folder, name))
    found.sort()
    return found, errors


def display_path(path: Path) -> str:
    """A path as given relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


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


def check_registry(
    root: Path, limits: Limits = DEFAULT_LIMITS, options: CheckOptions = DEFAULT_OPTIONS
) -> list[FileResult]:
    """Check every file of a registry, with the cross-file rules."""
    files, errors = walk_registry(root)
    results = [
        check_file(
            path,
            display_path(path),
            PurePosixPath(path.relative_to(root).as_posix()),
            limits,
            options,
        )
        for path in files
    ]
    for folder, reason in errors:
        unreadable = FileResult(path=folder, display=display_path(folder), rel=None)
        unreadable.add_at("read-error", f"cannot read the folder: {reason}", Position(1, 1))
        results.append(unreadable)
    apply_cross_file(results)
    return results


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def run_check(
    paths: Iterable[Path],
    registry: Path,
    limits: Limits = DEFAULT_LIMITS,
    *,
    options: CheckOptions = DEFAULT_OPTIONS,
    settings: Settings | None = None,
) -> CheckReport:
    """Check ``paths`` (files or folders; none means the registry) as ``llmreg check`` does.

    Files inside the registry are checked with the whole registry loaded for the cross-file
    rules, but only their own findings are reported. A folder outside the registry is checked
    as a registry of its own; a file outside any registry is checked on its own.
    Suppression comments always apply, then ``settings`` (severities, ignored rules) when given
    (``llmreg.suppress``).
    """
    registry_abs = registry.resolve()
    targets = [p.resolve() for p in paths] or [registry_abs]
    roots: dict[Path, list[Path]] = {}
    standalone: list[Path] = []
    for target in targets:
        if _inside(target, registry_abs):
            roots.setdefault(registry_abs, []).append(target)
        elif target.is_dir():
            roots.setdefault(target, []).append(target)
        else:
            standalone.append(target)
    diagnostics: list[Diagnostic] = []
    checked = 0
    for root, wanted in roots.items():
        for result in check_registry(root, limits, options):
            if any(result.path.resolve() == w or _inside(result.path.resolve(), w) for w in wanted):
                checked += 1
                diagnostics.extend(result.diagnostics)
    for path in dict.fromkeys(standalone):
        result = check_file(path, display_path(path), None, limits, options)
        apply_cross_file([result])
        checked += 1
        diagnostics.extend(result.diagnostics)
    diagnostics = suppress.apply(diagnostics, settings or DEFAULT_SETTINGS)
    return CheckReport(files_checked=checked, diagnostics=diagnostics)
