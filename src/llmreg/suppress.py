"""The post-filter over a check's findings: per-line suppressions, then settings.

A finding is suppressed by a comment on the line it is reported at, naming its rule::

    host_url: http://10.0.0.12:8000/v1  # llmreg: ignore[private-network]
    # several rules: # llmreg: ignore[private-network, insecure-tls]

A bare ``# llmreg: ignore`` (no rule ids) suppresses nothing: silencing every present and future
rule on a line hides too much. It is reported, like a comment naming a rule that does not exist,
as ``invalid-suppression``, on a line that has a finding: a wrong comment on a line without one
goes unnoticed until it has one. The comments are read by the per-file stage (:func:`scan`) from
the bytes it reads anyway, so no file is read a second time for them.

After the comments, the settings re-grade findings (``severity``) or drop them (``ignore``,
``severity = "off"``). Both steps work on finished diagnostics, never on the per-file stage, so
cached per-file results stay valid whatever the comments and settings say.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from llmreg.diagnostics import Diagnostic, sort_key
from llmreg.rules import catalogue
from llmreg.settings import DEFAULT_SETTINGS, Settings

RULE = "invalid-suppression"

# A YAML comment starts at '#' after whitespace or at the start of a line; requiring that keeps
# '#' inside plain scalars such as URLs with fragments from being read as a comment.
_COMMENT = re.compile(r"(?:^|\s)#\s*llmreg:\s*ignore\b(\[(?P<ids>[^\]]*)\]?)?")


# What the comment on one line says: the rule ids it suppresses, and its problems as
# (column, message).
Comment = tuple[tuple[str, ...], tuple[tuple[int, str], ...]]
Comments = dict[int, Comment]


def scan(raw: bytes) -> Comments:
    """The suppression comments of a file's bytes, by 1-based line number.

    Lenient on purpose: a file that is not UTF-8 (NUL bytes, UTF-16) still has its comments
    read, since its findings (encoding) may be suppressed too.
    """
    if b"llmreg:" not in raw:
        return {}
    from llmreg.source import split_lines  # lines as findings count them: not str.splitlines

    found: Comments = {}
    lines = split_lines(raw.replace(b"\x00", b"").decode("utf-8", errors="replace"))
    for number, line in enumerate(lines, 1):
        if "llmreg:" in line:
            ids, problems = _suppressions(line)
            if ids or problems:
                found[number] = (tuple(sorted(ids)), tuple(problems))
    return found


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
        if rule in catalogue():
            ids.add(rule)
        else:
            import difflib

            close = difflib.get_close_matches(rule, list(catalogue()), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append((column, f"'# llmreg: ignore' names unknown rule {rule!r}{hint}"))
    return ids, problems


def apply(
    diagnostics: Iterable[Diagnostic],
    comments: Mapping[str, Comments],
    settings: Settings = DEFAULT_SETTINGS,
) -> list[Diagnostic]:
    """The findings that remain after suppression comments (``comments`` by displayed file
    name) and settings, sorted."""
    kept: list[Diagnostic] = []
    seen_lines: set[tuple[str, int]] = set()
    for d in diagnostics:
        suppressed: tuple[str, ...] = ()
        problems: tuple[tuple[int, str], ...] = ()
        found = comments.get(d.file)
        if found and d.line in found:
            suppressed, problems = found[d.line]
        if (d.file, d.line) not in seen_lines:
            seen_lines.add((d.file, d.line))
            for column, message in problems:
                kept.append(
                    Diagnostic(
                        file=d.file,
                        line=d.line,
                        column=column,
                        rule=RULE,
                        message=message,
                        severity=catalogue()[RULE].severity,
                    )
                )
        if d.rule not in suppressed:
            kept.append(d)
    graded: list[Diagnostic] = []
    for d in kept:
        level = settings.level(d.rule, d.severity)
        if level == "off":
            continue
        graded.append(d if level == d.severity else d.replace(severity=level))
    graded.sort(key=sort_key)
    return graded
