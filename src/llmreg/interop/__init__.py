"""Import from and export to the systems llmreg's fields come from (docs/interop.md).

Each system is one module with ``import_(payload, *, workspace, name, notes)`` returning a
definition document (plain data, defaults omitted, no secret values) and ``export(document, *,
notes)`` returning the system's JSON shape. ``notes`` collects what was dropped or converted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from llmreg.interop import bifrost, labelstudio, nemo, openwebui
from llmreg.interop._common import Doc, InteropError, Notes

__all__ = ["SYSTEMS", "InteropError", "System", "export", "import_"]


@dataclass(frozen=True)
class System:
    name: str
    title: str
    kind: str  # the llmreg kind it maps to: Provider or Model
    import_: Callable[..., Doc]
    export: Callable[..., dict[str, Any]]
    suggested_workspace: Callable[[dict[str, Any]], str | None]
    fields: tuple[str, ...]  # the llmreg fields (besides workspace/name) it can express


SYSTEMS: dict[str, System] = {
    m.__name__.rsplit(".", 1)[1]: System(
        m.__name__.rsplit(".", 1)[1],
        title,
        m.KIND,
        m.import_,
        m.export,
        m.suggested_workspace,
        tuple(m.FIELDS),
    )
    for m, title in (
        (nemo, "NVIDIA NeMo ModelProvider"),
        (bifrost, "Bifrost provider configuration"),
        (labelstudio, "Label Studio model provider connection"),
        (openwebui, "Open WebUI model"),
    )
}


def import_(
    system: str, payload: Any, *, workspace: str | None = None, name: str | None = None
) -> tuple[Doc, Notes]:
    """A definition document from ``system``'s JSON, and the notes on what was not kept.

    ``workspace`` None takes the payload's own (NeMo workspace, Open WebUI id prefix), else
    ``default``.
    """
    chosen = SYSTEMS[system]
    if not isinstance(payload, dict):
        raise InteropError(f"a {chosen.title} is a JSON object")
    notes: Notes = []
    workspace = workspace or chosen.suggested_workspace(payload) or "default"
    document = chosen.import_(payload, workspace=workspace, name=name, notes=notes)
    return document, notes


def export(system: str, document: Doc) -> tuple[dict[str, Any], Notes]:
    """``system``'s JSON for a definition document, and the notes on what was left out."""
    notes: Notes = []
    return SYSTEMS[system].export(document, notes=notes), notes
