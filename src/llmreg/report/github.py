"""GitHub Actions workflow commands: one ``::error``/``::warning`` annotation per finding.

GitHub turns each line into an annotation on the file and line in the run summary and the pull
request diff. Values are escaped as the runner's workflow-command parser expects: ``%``, CR and
LF in the message; additionally ``:`` and ``,`` in the properties (file, title), which separate
properties from each other and from the message.
"""

from __future__ import annotations

from llmreg.report.text import summary
from llmreg.results import CheckReport

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

# GitHub keeps at most this many annotations of each kind (error, warning) per step.
ANNOTATIONS_PER_KIND = 10


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def write(report: CheckReport, out: TextIO) -> None:
    for d in report.diagnostics:
        command = "warning" if d.severity == "warning" else "error"
        path = d.file.replace("\\", "/")
        properties = (
            f"file={escape_property(path)},line={d.line},col={d.column},"
            f"title={escape_property(d.rule)}"
        )
        out.write(f"::{command} {properties}::{escape_data(d.message)}\n")
    line = summary(report)
    if report.diagnostics:
        line += (
            f" GitHub shows only the first {ANNOTATIONS_PER_KIND} annotations of each kind "
            "(error, warning) per step; this log lists every finding."
        )
    out.write(line + "\n")
