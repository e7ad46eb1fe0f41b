"""Reporters: one module per output format, chosen by name from REPORTERS."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from llmreg.report import github, json_report, sarif, text
from llmreg.results import CheckReport

Reporter = Callable[[CheckReport, TextIO], None]

REPORTERS: dict[str, Reporter] = {
    "text": text.write,
    "json": json_report.write,
    "github": github.write,
    "sarif": sarif.write,
}
