"""Machine-readable output: one JSON object on stdout."""

from __future__ import annotations

import json

from llmreg.results import CheckReport

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def write(report: CheckReport, out: TextIO) -> None:
    payload = {
        "ok": report.ok,
        "files_checked": report.files_checked,
        "diagnostics": [d.as_dict() for d in report.diagnostics],
    }
    out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
