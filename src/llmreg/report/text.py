"""Human-readable output: ``FILE:LINE:COL: RULE-ID message`` per finding, then a summary."""

from __future__ import annotations

from llmreg.results import CheckReport

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: CheckReport) -> str:
    files = _plural(report.files_checked, "file")
    if not report.diagnostics:
        return f"All good: {files} checked, no problems."
    counts = f"{_plural(report.errors, 'error')}, {_plural(report.warnings, 'warning')}"
    return f"Found {counts} in {files} checked."


def write(report: CheckReport, out: TextIO) -> None:
    for d in report.diagnostics:
        prefix = "warning: " if d.severity == "warning" else ""
        out.write(f"{d.file}:{d.line}:{d.column}: {d.rule} {prefix}{d.message}\n")
    out.write(summary(report) + "\n")
