"""The post-filter over a check's findings: per-line suppressions, then settings.

A finding is suppressed by a comment on the line it is reported at, naming its rule::

    host_url: http://10.0.0.12:8000/v1  # llmreg: ignore[private-network]
    # several rules: # llmreg: ignore[private-network, insecure-tls]

A bare ``# llmreg: ignore`` (no rule ids) suppresses nothing: silencing every present and future
rule on a line hides too much. It is reported, like a comment naming a rule that does not exist,
as ``invalid-suppression``. Only the files that have findings are read again, so a wrong comment
in a file without findings goes unnoticed until that file has one.

After the comments, the settings re-grade findings (``severity``) or drop them (``ignore``,
``severity = "off"``). Both steps work on finished diagnostics, never on the per-file stage, so
cached per-file results stay valid whatever the comments and settings say.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from llmreg.diagnostics import Diagnostic, sort_key
from llmreg.rules import RULES
from llmreg.settings import DEFAULT_SETTINGS, Settings

RULE = "invalid-suppression"

# A YAML comment starts at '#' after whitespace or at the start of a line; requiring that keeps
# '#' inside plain scalars such as URLs with fragments from being read as a comment.
_COMMENT = re.compile(r"(?:^|\s)#\s*llmreg:\s*ignore\b(\[(?P<ids>[^\]]*)\]?)?")


def _line_texts(file: str) -> list[str] | None:
    try:
        raw = Path(file).read_bytes()
    except OSError:
        return None
    from llmreg.source import split_lines  # lines as findings count them: not str.splitlines

    return split_lines(raw.replace(b"\x00", b"").decode("utf-8", errors="replace"))


def _suppressions(line: str) -> tuple[set[str], list[tuple[int, str]]]:
    """Rule ids suppressed on ``line``, and problems with the comment as (column, message)."""
    match = _COMMENT.search(line)
    if not match:
        return set(), []
    column = match.start() + (0 if line[match.start()] == "#" else 1) + 1
    ids_text = match.group("ids")
    bracket = match.group(1)
    if bracket is None or ids_text is None or not ids_text.strip():
        return set(), [
            (
                column,
                "'# llmreg: ignore' must name the rules it suppresses, "
                "e.g. '# llmreg: ignore[private-network]'; it suppresses nothing as written",
            )
        ]
    if not bracket.endswith("]"):
        return set(), [(column, "'# llmreg: ignore[' is missing its closing ']'")]
    ids: set[str] = set()
    problems: list[tuple[int, str]] = []
    for item in ids_text.split(","):
        rule = item.strip()
        if not rule:
            continue
        if rule in RULES:
            ids.add(rule)
        else:
            import difflib

            close = difflib.get_close_matches(rule, list(RULES), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append((column, f"'# llmreg: ignore' names unknown rule {rule!r}{hint}"))
    return ids, problems


def apply(
    diagnostics: Iterable[Diagnostic], settings: Settings = DEFAULT_SETTINGS
) -> list[Diagnostic]:
    """The findings that remain after suppression comments and settings, sorted."""
    by_file: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_file.setdefault(d.file, []).append(d)
    kept: list[Diagnostic] = []
    for file, found in by_file.items():
        lines = _line_texts(file)
        seen_lines: set[int] = set()
        for d in found:
            line = lines[d.line - 1] if lines is not None and 0 < d.line <= len(lines) else ""
            suppressed, problems = _suppressions(line)
            if d.line not in seen_lines:
                seen_lines.add(d.line)
                for column, message in problems:
                    kept.append(
                        Diagnostic(
                            file=file,
                            line=d.line,
                            column=column,
                            rule=RULE,
                            message=message,
                            severity=RULES[RULE].severity,
                        )
                    )
            if d.rule not in suppressed:
                kept.append(d)
    graded: list[Diagnostic] = []
    for d in kept:
        level = settings.level(d.rule, d.severity)
        if level == "off":
            continue
        graded.append(d if level == d.severity else replace(d, severity=level))
    graded.sort(key=sort_key)
    return graded
