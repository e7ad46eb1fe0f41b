"""Reporters: one module per output format, chosen by name from REPORTERS."""

from __future__ import annotations

from collections.abc import Callable

from llmreg.report import github, json_report, sarif, text

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from llmreg.results import CheckReport

Reporter = Callable[["CheckReport", "TextIO"], None]

REPORTERS: dict[str, Reporter] = {
    "text": text.write,
    "json": json_report.write,
    "github": github.write,
    "sarif": sarif.write,
}
