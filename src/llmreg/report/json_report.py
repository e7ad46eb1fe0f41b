"""Machine-readable output: one JSON object on stdout."""

from __future__ import annotations

import json
from typing import TextIO

from llmreg.results import CheckReport


def write(report: CheckReport, out: TextIO) -> None:
    payload = {
        "ok": report.ok,
        "files_checked": report.files_checked,
        "diagnostics": [d.as_dict() for d in report.diagnostics],
    }
    out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
