"""The per-file stage: one file's bytes in, its findings and facts out.

Pure: the result depends on the bytes, the limits, the options and llmreg's code only, so it
can run in worker processes and be cached by content hash (``llmreg.schedule``). Every rule runs
on every file it can read: the rules declared ``valid_only=False`` (``inline-secret``) run even
when the schema fails, so one run reports every problem of a file.
"""

from __future__ import annotations

from llmreg import suppress
from llmreg.diagnostics import Diagnostic
from llmreg.layout import KIND_SCHEMAS
from llmreg.results import Staged, finding
from llmreg.rules import FileContext, fact_pointers, file_rules, registry_facts
from llmreg.settings import DEFAULT_OPTIONS, CheckOptions

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from llmreg.source import Document, Limits

# The readers, the validators and the per-file rules' heavy imports happen on first use: a check
# that the cache answers entirely needs none of them (docs/performance.md).

# A file reports at most this many findings; the rest are counted in one more finding
# (too-many-findings). Errors come before warnings, so a file with errors never passes.
MAX_FINDINGS = 200
LIMIT_RULE = "too-many-findings"


def parse(text: str, limits: Limits | None = None) -> Document:
    """The reference reader, with positions."""
    from llmreg import source

    return source.parse(text, source.DEFAULT_LIMITS if limits is None else limits)


class _Findings:
    """The findings of one run of the stage on one document, placed by its positions."""

    def __init__(self, document: Document | None = None) -> None:
        self.document = document
        self.items: list[Diagnostic] = []
        self.hidden = 0  # findings left out before they were made (too many of one kind)

    def problem(self, problem: Diagnostic) -> None:
        """A finding of the reader, placed by the reader."""
        self.items.append(problem)

    def add(self, rule: str, message: str, pointer: str = "", *, at_key: bool = False) -> None:
        line, column = 1, 1
        if self.document is not None:
            where = self.document.position(pointer, at_key=at_key)
            line, column = where.line, where.column
        self.items.append(finding(rule, message, pointer, line, column, at_key=at_key))


def stage_bytes(
    raw: bytes, limits: Limits | None = None, options: CheckOptions | None = None
) -> tuple[Staged, Document | None]:
    """Read, parse, validate and run the per-file rules on one file's bytes.

    A plain file is read by the fast reader; a file with any finding is read again by the
    reference reader, so that what is reported and where is the reference's.
    """
    out, staged, document = _stage(raw, limits, options or DEFAULT_OPTIONS)
    staged.findings = _capped(out.items, out.hidden)
    staged.comments = suppress.scan(raw)
    return staged, document


Outcome = tuple["_Findings", Staged, "Document | None"]


def _failed(problem: Diagnostic) -> Outcome:
    out = _Findings()
    out.problem(problem)
    return out, Staged(findings=out.items), None


def _stage(raw: bytes, limits: Limits | None, options: CheckOptions) -> Outcome:
    from llmreg import fast_source
    from llmreg.source import DEFAULT_LIMITS, Document, SourceError, read_text

    limits = DEFAULT_LIMITS if limits is None else limits
    try:
        text = read_text(raw, limits)
    except SourceError as exc:
        return _failed(exc.problem)
    data = fast_source.load(text, limits)
    if data is not None:
        out, staged = _stage_document(Document(data=data), options, text, positions=False)
        if not out.items and not out.hidden:
            _locate_facts(staged, text)
            return out, staged, None
    try:
        document = parse(text, limits)
    except SourceError as exc:
        return _failed(exc.problem)
    out, staged = _stage_document(document, options, text)
    return out, staged, document


def _stage_document(
    document: Document, options: CheckOptions, text: str, *, positions: bool = True
) -> tuple[_Findings, Staged]:
    from llmreg.validate import check_document

    out = _Findings(document if positions else None)
    staged = Staged(findings=out.items)
    data: Any = document.data
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind == "Model":
        staged.model_id = f"{data.get('workspace')}/{data.get('name')}"
    for source_problem in document.problems:
        out.problem(source_problem)
    schema_kind = KIND_SCHEMAS.get(kind) if isinstance(kind, str) else None
    if out.items or schema_kind is None or not isinstance(data, dict):
        # what was built is not trustworthy or has no kind: only the rules that read any data
        if not out.items:
            if isinstance(data, dict) and "kind" not in data:
                out.add("schema", "missing required key 'kind' (Provider or Model)")
            else:
                out.add("schema", f"kind must be Provider or Model, not {kind!r}", "/kind")
        _run_rules(out, str(kind), data, options, text, valid=False)
        return out, staged
    staged.kind = kind
    schema_problems, out.hidden = check_document(schema_kind, data, document.yaml11, MAX_FINDINGS)
    flagged = set()
    for schema_problem in schema_problems:
        flagged.add(schema_problem.pointer)
        out.add(
            "schema", schema_problem.message, schema_problem.pointer, at_key=schema_problem.at_key
        )
    for pointer, note in sorted(document.yaml11.items()):
        if pointer not in flagged:
            out.add(
                "yaml11-ambiguous",
                f"unquoted value: {note}; quote it to mean the same to every reader",
                pointer,
            )
    valid = not schema_problems
    if valid:
        staged.data = data
        _record_facts(staged, str(kind), data, document if positions else None)
    _run_rules(out, str(kind), data, options, text, valid=valid)
    return out, staged


def _record_facts(
    staged: Staged, kind: str, data: dict[str, Any], document: Document | None
) -> None:
    """The facts the registry rules read, and where each pointer they may report on starts
    when the reference reader gave positions (the fast reader has none: see FileResult.placed)."""
    staged.facts = registry_facts(kind, data)
    if document is not None:
        staged.positions = {
            pointer: (where.line, where.column)
            for pointer in fact_pointers(staged.facts)
            for where in (document.position(pointer),)
        }


def _locate_facts(staged: Staged, text: str) -> None:
    """Where the registry rules' pointers start in a file the fast reader read (which keeps no
    positions): found in the text, so that a registry finding on it never needs the file again."""
    if staged.facts is not None:
        from llmreg.locate import locate

        staged.positions = locate(text, fact_pointers(staged.facts))


def _run_rules(
    out: _Findings, kind: str, data: Any, options: CheckOptions, text: str, *, valid: bool
) -> None:
    if not isinstance(data, dict):
        return
    context = FileContext(kind=kind, data=data, options=options, text=text)
    for rule in file_rules():
        runs = rule.kinds is None or kind in rule.kinds
        if runs and (valid or not rule.valid_only) and rule.check is not None:
            for hit in rule.check(context):
                out.add(rule.id, hit.message, hit.pointer, at_key=hit.at_key)


def _left_out(count: int) -> str:
    return (
        f"{count:,} more finding{'s are' if count != 1 else ' is'} in this file not shown; "
        f"at most {MAX_FINDINGS} are reported per file"
    )


def _capped(findings: list[Diagnostic], hidden: int) -> list[Diagnostic]:
    """At most MAX_FINDINGS findings, errors first, and one more that counts the rest."""
    if len(findings) <= MAX_FINDINGS and not hidden:
        return findings
    ordered = sorted(findings, key=lambda d: (d.severity != "error", d.line, d.column, d.rule))
    kept = ordered[:MAX_FINDINGS]
    kept.append(finding(LIMIT_RULE, _left_out(hidden + len(ordered) - len(kept))))
    return kept
