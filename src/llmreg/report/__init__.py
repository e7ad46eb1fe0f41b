"""Reporters: one module per output format, chosen by name from REPORTERS."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from llmreg.results import CheckReport

Reporter = Callable[["CheckReport", "TextIO"], None]


class _Reporters(Mapping[str, Reporter]):
    """Each format's module imported when its reporter is first taken: a check prints one
    format, and importing the other three cost a warm check 1 M instructions for nothing."""

    def __init__(self, modules: dict[str, str]) -> None:
        self._modules = modules
        self._loaded: dict[str, Reporter] = {}

    def __getitem__(self, name: str) -> Reporter:
        found = self._loaded.get(name)
        if found is None:
            module = __import__(f"llmreg.report.{self._modules[name]}", fromlist=["write"])
            found = self._loaded[name] = module.write
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


REPORTERS: Mapping[str, Reporter] = _Reporters(
    {"text": "text", "json": "json_report", "github": "github", "sarif": "sarif"}
)
