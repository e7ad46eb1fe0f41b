"""``llmreg build --site DIR``: the registry as a static tree any web server or bucket serves.

Layout (format_version 1, shared with ``catalog.py`` for ``index.html``)::

    DIR/registry.snapshot.json                  the verified snapshot (llmreg.load_url reads it)
    DIR/index.json                              registry hash, every id with its config_hash
    DIR/providers/<workspace>/<name>.json       {"kind", "id", "config_hash", "definition"}
    DIR/models/<workspace>/<name>.json          the same for models
    DIR/nemo/workspaces/<workspace>/providers/<name>.json   a NeMo ModelProvider
    DIR/bifrost/providers/<workspace>/<name>.json           a Bifrost provider + config_hash
    DIR/openwebui/models/<workspace>/<name>.json            an Open WebUI model
    DIR/index.html                              the catalog page (llmreg.catalog.render_catalog)

Every file is replaced atomically and the snapshot and ``index.json`` are written last, so a
reader polling the snapshot never sees it before the files it describes. Files of definitions
that no longer exist are removed; nothing else in DIR is touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmreg.models import Model, Provider
    from llmreg.registry import Registry

FORMAT = "llmreg-site"
FORMAT_VERSION = 1
SNAPSHOT = "registry.snapshot.json"
INDEX = "index.json"
FOLDER = {"Provider": "providers", "Model": "models"}
# system -> (kind it exports, path of one definition)
SYSTEM_PATHS: dict[str, tuple[str, str]] = {
    "nemo": ("Provider", "nemo/workspaces/{workspace}/providers/{name}.json"),
    "bifrost": ("Provider", "bifrost/providers/{workspace}/{name}.json"),
    "openwebui": ("Model", "openwebui/models/{workspace}/{name}.json"),
}
_MANAGED = ("providers", "models", "nemo", "bifrost", "openwebui")


@dataclass
class SiteReport:
    files: int = 0
    removed: int = 0
    notes: list[str] = field(default_factory=list)


def write_file(path: Path, text: str) -> None:
    """Replace ``path`` in one rename: a server never hands out half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; a site is published
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def definition_record(definition: Provider | Model) -> dict[str, Any]:
    """What ``llmreg show --format json`` prints for one definition."""
    from llmreg.hashing import normalize

    return {
        "kind": definition.kind,
        "id": definition.id,
        "config_hash": definition.config_hash,
        "definition": normalize(definition),
    }


def _system_files(definition: Provider | Model, report: SiteReport) -> dict[str, str]:
    from llmreg.interop import InteropError, export

    files: dict[str, str] = {}
    document = definition.model_dump(mode="json", exclude_defaults=True)
    for system, (kind, pattern) in SYSTEM_PATHS.items():
        if definition.kind != kind:
            continue
        try:
            payload, _notes = export(system, document)
        except InteropError as exc:
            report.notes.append(f"{system}: {definition.id} not published: {exc}")
            continue
        if system == "bifrost":
            payload["config_hash"] = definition.config_hash  # Bifrost's GET shows one
        files[pattern.format(workspace=definition.workspace, name=definition.name)] = _json(payload)
    return files


def build_site(registry: Registry, folder: Path) -> SiteReport:
    """Write the site of ``registry`` into ``folder`` (created if missing)."""
    from llmreg.catalog import render_catalog
    from llmreg.snapshot import write_snapshot

    report = SiteReport()
    files: dict[str, str] = {}
    entries: dict[str, list[dict[str, str]]] = {"providers": [], "models": []}
    for definition in registry.definitions():
        rel = f"{FOLDER[definition.kind]}/{definition.workspace}/{definition.name}.json"
        files[rel] = _json(definition_record(definition))
        files.update(_system_files(definition, report))
        entries[FOLDER[definition.kind]].append(
            {"id": definition.id, "config_hash": definition.config_hash, "path": rel}
        )
    files["index.html"] = render_catalog(registry)
    folder.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        write_file(folder.joinpath(*PurePosixPath(rel).parts), text)
    report.removed = _remove_stale(folder, set(files))
    write_snapshot(registry, folder / SNAPSHOT)
    write_file(
        folder / INDEX,
        _json(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "registry_hash": registry.hash,
                "snapshot": SNAPSHOT,
                **entries,
            }
        ),
    )
    report.files = len(files) + 2
    return report


def _remove_stale(folder: Path, keep: set[str]) -> int:
    """Remove the JSON files of definitions gone since the last build, and emptied folders."""
    removed = 0
    for top in _MANAGED:
        base = folder / top
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.json"), reverse=True):
            if path.relative_to(folder).as_posix() not in keep:
                path.unlink()
                removed += 1
        for sub in sorted((p for p in base.rglob("*") if p.is_dir()), reverse=True):
            with contextlib.suppress(OSError):
                sub.rmdir()  # only empty ones go
    return removed
