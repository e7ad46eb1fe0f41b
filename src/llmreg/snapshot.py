"""Snapshots: a whole registry in one JSON file, verified on load, read without YAML.

Layout (format_version 1)::

    {"format": "llmreg-snapshot", "format_version": 1, "llmreg_version": "...",
     "registry_hash": "sha256:...", "count": N,
     "definitions": [{"kind": "Provider", "id": "ws/name", "config_hash": "sha256:...",
                      "canonical": "<the RFC 8785 text the config_hash was taken over>"}, ...]}

Each definition is stored as its canonical text, the exact bytes its config_hash covers, so
verifying it is one SHA-256 over those bytes and never a re-canonicalization (the pure-Python
RFC 8785 implementation costs ~160 us per definition, the hash ~2 us), and pydantic parses and
validates the text in Rust (``model_validate_json``, ~22 us). The checks protect against
truncation, corruption and hand edits; a snapshot is not signed, so protect it as any deployed
artifact.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmreg.errors import SnapshotError
from llmreg.hashing import canonical_bytes, digest

if TYPE_CHECKING:
    from llmreg.models import Model, Provider
    from llmreg.registry import Registry

FORMAT = "llmreg-snapshot"
FORMAT_VERSION = 1


def snapshot_document(registry: Registry) -> dict[str, Any]:
    from llmreg import __version__

    entries = []
    for definition in registry.definitions():
        canonical = canonical_bytes(definition)
        config_hash = digest(canonical)
        if config_hash != definition.config_hash:  # pragma: no cover - a bug, not user input
            raise AssertionError(f"{definition.id}: cached config_hash is stale")
        entries.append(
            {
                "kind": definition.kind,
                "id": definition.id,
                "config_hash": config_hash,
                "canonical": canonical.decode("utf-8"),
            }
        )
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "llmreg_version": __version__,
        "registry_hash": registry.hash,
        "count": len(entries),
        "definitions": entries,
    }


def write_snapshot(registry: Registry, path: Path) -> Path:
    """Write the snapshot atomically: a temporary file in the same folder, fsync, rename.

    Readers see the old file or the new one, never a partial one, even across a crash.
    """
    data = json.dumps(snapshot_document(registry), ensure_ascii=False, indent=1).encode("utf-8")
    folder = path.parent if str(path.parent) else Path(".")
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.write(b"\n")
            out.flush()
            os.fsync(out.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp_name, 0o666 & ~umask)  # mkstemp makes 0600; a snapshot is no secret
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where the OS allows
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return path


def _field(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str):
        raise SnapshotError(f"{where}: '{key}' is missing or not a string")
    return value


def load_snapshot(path: str | os.PathLike[str]) -> Registry:
    """Load and verify a snapshot; raises SnapshotError naming what is wrong."""
    # Many small objects are made and none is garbage: the cyclic collector would only rescan
    # them (measured: about a third of the load time at 10,000 definitions).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_snapshot(Path(path))
    finally:
        if collecting:
            gc.enable()


def _load_snapshot(source: Path) -> Registry:

    from llmreg.models import Model, Provider
    from llmreg.registry import Registry

    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"cannot read snapshot {source}: {exc.strerror or exc}") from exc
    from pydantic_core import from_json

    try:
        # pydantic-core's parser: about three times as fast as json.loads on a 22 MB snapshot.
        document = from_json(raw)
    except (ValueError, RecursionError) as exc:
        raise SnapshotError(
            f"{source} is not a complete JSON document (truncated or corrupted): {exc}"
        ) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotError(f"{source} is not an llmreg snapshot (no 'format': '{FORMAT}')")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise SnapshotError(
            f"{source} has snapshot format_version {version!r}; this llmreg reads "
            f"{FORMAT_VERSION}: rebuild it with 'llmreg build'"
        )
    entries = document.get("definitions")
    expected_hash = document.get("registry_hash")
    if not isinstance(entries, list) or not isinstance(expected_hash, str):
        raise SnapshotError(f"{source}: 'definitions' or 'registry_hash' is missing")
    if document.get("count") != len(entries):
        raise SnapshotError(
            f"{source}: holds {len(entries)} definitions but says {document.get('count')!r} "
            "(truncated or edited)"
        )
    del raw, document  # freed before the definitions are built: a lower peak RSS
    # Each kind's texts go straight into one JSON array, the input of its single validation call:
    # no list of texts plus a joined copy of it alive at the same time.
    arrays: dict[str, bytearray] = {"Provider": bytearray(b"["), "Model": bytearray(b"[")}
    ends: dict[str, list[int]] = {"Provider": [0], "Model": [0]}
    checked: dict[str, list[tuple[str, str]]] = {"Provider": [], "Model": []}
    for index, entry in enumerate(entries):
        where = f"{source}: definition {index}"
        if not isinstance(entry, dict):
            raise SnapshotError(f"{where} is not an object")
        kind = _field(entry, "kind", where)
        ident = _field(entry, "id", where)
        config_hash = _field(entry, "config_hash", where)
        canonical = _field(entry, "canonical", where).encode("utf-8")
        if kind not in arrays:
            raise SnapshotError(f"{source}: {kind} {ident}: unknown kind")
        if digest(canonical) != config_hash:
            raise SnapshotError(
                f"{source}: {kind} {ident}: content does not match its config_hash "
                "(modified or corrupted)"
            )
        array = arrays[kind]
        if len(array) > 1:
            array += b","
        array += canonical
        ends[kind].append(len(array))
        checked[kind].append((ident, config_hash))
    del entries
    providers = _build(
        Provider, arrays.pop("Provider"), ends["Provider"], checked["Provider"], source
    )
    models = _build(Model, arrays.pop("Model"), ends["Model"], checked["Model"], source)
    registry = Registry(providers, models)
    if registry.hash != expected_hash:
        raise SnapshotError(
            f"{source}: registry_hash does not match the definitions (modified or corrupted)"
        )
    return registry


def _build(
    cls: type[Provider] | type[Model],
    array: bytearray,
    ends: list[int],
    checked: list[tuple[str, str]],
    source: Path,
) -> list[Any]:
    """Validate every definition of one kind in one call; hashes were verified before."""
    from pydantic import TypeAdapter, ValidationError

    try:
        adapter: TypeAdapter[list[Any]] = TypeAdapter(list[cls])  # type: ignore[valid-type]
        array += b"]"
        built = adapter.validate_json(array)
    except ValidationError:
        built = None
    if built is None:  # find the culprit, for a message naming it
        # Text i ends at ends[i + 1] and starts one byte (its "[" or ",") after ends[i].
        for (ident, _), start, end in zip(checked, ends[:-1], ends[1:], strict=True):
            try:
                cls.model_validate_json(array[start + 1 : end])
            except ValidationError as exc:
                first = exc.errors()[0]
                at = "/".join(str(p) for p in first["loc"])
                raise SnapshotError(
                    f"{source}: {cls.__name__} {ident}: not a valid {cls.__name__}: "
                    f"{at}: {first['msg']}"
                ) from exc
        raise SnapshotError(f"{source}: the {cls.__name__} definitions are not valid")
    seen: set[str] = set()
    for definition, (ident, config_hash) in zip(built, checked, strict=True):
        if definition.id != ident or ident in seen:
            raise SnapshotError(
                f"{source}: {cls.__name__} {ident}: id does not match its content or appears twice"
            )
        seen.add(ident)
        # Verified: the cached_property slot is filled without re-canonicalizing.
        definition.__dict__["config_hash"] = config_hash
    return list(built)
