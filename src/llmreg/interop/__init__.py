"""Import from and export to the systems llmreg's fields come from (docs/interop.md).

Each system is one module with ``KIND``, ``FIELDS`` and ``export(document, *, notes)``
returning the system's JSON for one definition. Optional: ``import_(payload, *, workspace,
name, notes)`` returning a definition document (plain data, defaults omitted, no secret values)
with ``suggested_workspace(payload)`` (an export-only system has neither; ``llmreg import``
does not offer it), ``split(payload)`` (the objects of a list or of the system's whole
configuration; default: a list is its items) and ``export_all(documents, *, notes)`` (the
system's whole configuration; default: the list of exports). ``notes`` collects what was
dropped or converted. A new system is one more module and one more line in :data:`_MODULES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from llmreg.interop import bifrost, labelstudio, nemo, openwebui
from llmreg.interop._common import Doc, InteropError, Notes, check_text

__all__ = [
    "IMPORTABLE",
    "SYSTEMS",
    "InteropError",
    "System",
    "export",
    "export_all",
    "import_",
    "split",
]


@dataclass(frozen=True)
class System:
    name: str
    title: str
    kind: str  # the llmreg kind it maps to: Provider or Model
    import_: Callable[..., Doc] | None
    export: Callable[..., Any]
    suggested_workspace: Callable[[dict[str, Any]], str | None]
    fields: tuple[str, ...]  # the llmreg fields (besides workspace/name) it can express
    split: Callable[[Any], list[Any]]
    export_all: Callable[..., Any] | None


def _no_workspace(payload: dict[str, Any]) -> str | None:
    return None


def _items(payload: Any) -> list[Any]:
    return list(payload) if isinstance(payload, list) else [payload]


def system(module: ModuleType, title: str) -> System:
    """The :class:`System` a converter module describes."""
    return System(
        name=module.__name__.rsplit(".", 1)[1],
        title=title,
        kind=module.KIND,
        import_=getattr(module, "import_", None),
        export=module.export,
        suggested_workspace=getattr(module, "suggested_workspace", _no_workspace),
        fields=tuple(module.FIELDS),
        split=getattr(module, "split", _items),
        export_all=getattr(module, "export_all", None),
    )


_MODULES: tuple[tuple[ModuleType, str], ...] = (
    (nemo, "NVIDIA NeMo ModelProvider"),
    (bifrost, "Bifrost provider configuration"),
    (labelstudio, "Label Studio model provider connection"),
    (openwebui, "Open WebUI model"),
)
SYSTEMS: dict[str, System] = {s.name: s for s in (system(m, t) for m, t in _MODULES)}
IMPORTABLE = sorted(name for name, s in SYSTEMS.items() if s.import_ is not None)


def import_(
    system: str, payload: Any, *, workspace: str | None = None, name: str | None = None
) -> tuple[Doc, Notes]:
    """A definition document from one of ``system``'s objects, and the notes on what was not kept.

    ``workspace`` None takes the payload's own (NeMo workspace, Open WebUI id prefix), else
    ``default``.
    """
    chosen = SYSTEMS[system]
    if chosen.import_ is None:
        raise InteropError(f"llmreg does not import from {chosen.title}")
    if not isinstance(payload, dict):
        raise InteropError(f"a {chosen.title} is a JSON object")
    check_text(payload)
    notes: Notes = []
    workspace = workspace or chosen.suggested_workspace(payload) or "default"
    document = chosen.import_(payload, workspace=workspace, name=name, notes=notes)
    return document, notes


def split(system: str, payload: Any) -> list[Any]:
    """The objects of ``payload``: one object, a list, or the system's whole configuration."""
    check_text(payload)
    return SYSTEMS[system].split(payload)


def export(system: str, document: Doc) -> tuple[Any, Notes]:
    """``system``'s JSON for a definition document, and the notes on what was left out."""
    notes: Notes = []
    return SYSTEMS[system].export(document, notes=notes), notes


def export_all(system: str, documents: list[Doc]) -> tuple[Any, Notes]:
    """``system``'s whole configuration for every definition of its kind in ``documents``."""
    chosen = SYSTEMS[system]
    mine = [d for d in documents if d.get("kind") == chosen.kind]
    notes: Notes = []
    if chosen.export_all is not None:
        return chosen.export_all(mine, notes=notes), notes
    out = []
    for document in mine:
        ident = f"{document.get('workspace')}/{document.get('name')}"
        mine_notes: Notes = []
        try:
            out.append(chosen.export(document, notes=mine_notes))
        except InteropError as exc:
            notes.append(f"{ident}: left out of the whole configuration: {exc}")
            continue
        notes += [f"{ident}: {n}" for n in mine_notes]
    return out, notes
