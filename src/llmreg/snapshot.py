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
import re
import secrets
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from llmreg.errors import SnapshotError
from llmreg.hashing import canonical_bytes, digest

if TYPE_CHECKING:
    from llmreg.models import Model, Provider
    from llmreg.registry import Registry

FORMAT = "llmreg-snapshot"
FORMAT_VERSION = 1
# The most load_snapshot reads unless told otherwise: about 100,000 definitions (a snapshot of
# 10,000 is 22 MB), far below what parsing it would need in memory.
MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024


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


# A write goes to ".NAME.<16 hex>.tmp" beside the target, then is renamed over it. A process
# killed in between leaves that file behind; the next write of the same target removes those
# nobody has written to for STALE_TEMP_SECONDS (a live write touches its file continuously).
# Earlier releases named them with mkstemp (8 characters of [a-z0-9_]), so that form is ours too.
STALE_TEMP_SECONDS = 3600
_TEMP_TAIL = re.compile(r"\.(?:[0-9a-f]{16}|[a-z0-9_]{8})\.tmp")


def _open_temp(path: Path, folder: Path) -> tuple[int, str]:
    while True:
        name = str(folder / f".{path.name}.{secrets.token_hex(8)}.tmp")
        try:
            # 0o666 less the umask: a snapshot is no secret, readers run as other users.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            return os.open(name, flags, 0o666), name
        except FileExistsError:  # pragma: no cover - 64 random bits
            continue


def _remove_stale_temps(path: Path, folder: Path) -> None:
    """Remove temporary files of earlier, killed writes of ``path``: only ours, only stale."""
    prefix = f".{path.name}"
    now = time.time()
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not name.startswith(prefix) or not _TEMP_TAIL.fullmatch(name, len(prefix)):
            continue
        candidate = os.path.join(folder, name)
        with contextlib.suppress(OSError):
            info = os.lstat(candidate)
            # Never follow a link, never touch a folder or another user's file.
            if not stat.S_ISREG(info.st_mode) or info.st_uid != _uid():
                continue
            if now - info.st_mtime >= STALE_TEMP_SECONDS:
                os.unlink(candidate)


def _uid() -> int:
    getuid = getattr(os, "geteuid", None)  # Windows has no owners: every match is ours
    return getuid() if getuid is not None else 0


def write_snapshot(registry: Registry, path: Path) -> Path:
    """Write the snapshot atomically: a temporary file in the same folder, fsync, rename.

    Readers see the old file or the new one, never a partial one, even across a crash; the
    temporary files a crash leaves are removed by a later write once stale.
    """
    document = snapshot_document(registry)
    folder = path.parent if str(path.parent) else Path(".")
    _remove_stale_temps(path, folder)
    handle, temp_name = _open_temp(path, folder)
    try:
        # Streamed: the whole text and its UTF-8 bytes would be two more copies of the registry
        # in memory (about 45 MB at 10,000 definitions) at the peak of a load() then build.
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            for chunk in json.JSONEncoder(ensure_ascii=False, indent=1).iterencode(document):
                out.write(chunk)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
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


def _shown(value: object, *, quote: bool = True) -> str:
    """A value read from the snapshot, fit for a message: never a secret-shaped text."""
    from llmreg.secrets import redact

    text = redact(value if isinstance(value, str) else repr(value))
    return repr(text) if quote and isinstance(value, str) else text


def _field(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str):
        raise SnapshotError(f"{where}: '{key}' is missing or not a string")
    return value


def load_snapshot(path: str | os.PathLike[str], *, max_bytes: int = MAX_SNAPSHOT_BYTES) -> Registry:
    """Load and verify a snapshot; raises SnapshotError naming what is wrong.

    Only a regular file (or a link to one) of at most ``max_bytes`` bytes is read.
    """
    # Many small objects are made and none is garbage: the cyclic collector would only rescan
    # them (measured: about a third of the load time at 10,000 definitions).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_snapshot(Path(path), max_bytes)
    finally:
        if collecting:
            gc.enable()


def _read_bounded(source: Path, max_bytes: int) -> bytes:
    """The file's bytes: never from a device, FIFO or folder, never more than ``max_bytes``."""
    from llmreg.layout import NotRegular, TooLarge, Unreadable, read_file

    too_big = SnapshotError(
        f"{source} is larger than {max_bytes} bytes, the most a snapshot may hold "
        "(load_snapshot's max_bytes)"
    )
    try:
        raw = read_file(source, max_bytes, refuse_larger=True)
    except NotRegular:
        raise SnapshotError(
            f"{source} is not a regular file (a folder, device or FIFO): a snapshot is a "
            "file written by 'llmreg build'"
        ) from None
    except TooLarge:
        raise too_big from None
    except Unreadable as exc:
        raise SnapshotError(f"cannot read snapshot {source}: {exc.reason}") from exc
    if len(raw) > max_bytes:  # it grew after its size was taken
        raise too_big
    return raw


def _load_snapshot(source: Path, max_bytes: int) -> Registry:
    from llmreg.models import Model, Provider
    from llmreg.registry import Registry

    raw = _read_bounded(source, max_bytes)
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
            f"{source} has snapshot format_version {_shown(version)}; this llmreg reads "
            f"{FORMAT_VERSION}: rebuild it with 'llmreg build'"
        )
    entries = document.get("definitions")
    expected_hash = document.get("registry_hash")
    if not isinstance(entries, list) or not isinstance(expected_hash, str):
        raise SnapshotError(f"{source}: 'definitions' or 'registry_hash' is missing")
    if document.get("count") != len(entries):
        raise SnapshotError(
            f"{source}: holds {len(entries)} definitions but says {_shown(document.get('count'))} "
            "(truncated or edited)"
        )
    del raw, document  # freed before the definitions are built: a lower peak RSS
    batches = {"Provider": _Batch(Provider, source), "Model": _Batch(Model, source)}
    for index, entry in enumerate(entries):
        where = f"{source}: definition {index}"
        if not isinstance(entry, dict):
            raise SnapshotError(f"{where} is not an object")
        kind = _field(entry, "kind", where)
        ident = _field(entry, "id", where)
        shown = f"{_shown(kind, quote=False)} {_shown(ident, quote=False)}"
        config_hash = _field(entry, "config_hash", where)
        canonical = _field(entry, "canonical", where).encode("utf-8")
        entries[index] = None  # its text is copied into the batch: the entry can go now
        batch = batches.get(kind)
        if batch is None:
            raise SnapshotError(f"{source}: {shown}: unknown kind")
        if digest(canonical) != config_hash:
            raise SnapshotError(
                f"{source}: {shown}: content does not match its config_hash (modified or corrupted)"
            )
        batch.add(ident, config_hash, canonical)
    providers = batches["Provider"].finish()
    models = batches["Model"].finish()
    registry = Registry(providers, models)
    if registry.hash != expected_hash:
        raise SnapshotError(
            f"{source}: registry_hash does not match the definitions (modified or corrupted)"
        )
    return registry


_BATCH_BYTES = 1 << 20


class _Batch:
    """The verified texts of one kind, validated a batch at a time.

    One validation call per about a megabyte of texts keeps pydantic's per-call cost small
    while the batch buffer, not a copy of every text, is all that lives beside the definitions.
    """

    def __init__(self, cls: type[Provider] | type[Model], source: Path) -> None:
        from pydantic import TypeAdapter

        self.cls = cls
        self.source = source
        self.adapter: TypeAdapter[list[Any]] = TypeAdapter(list[cls])  # type: ignore[valid-type]
        self.built: list[Any] = []
        self.seen: set[str] = set()
        self._reset()

    def _reset(self) -> None:
        self.array = bytearray(b"[")
        self.ends = [0]  # text i ends at ends[i + 1], one byte (its "[" or ",") after ends[i]
        self.checked: list[tuple[str, str]] = []

    def add(self, ident: str, config_hash: str, canonical: bytes) -> None:
        if self.checked:
            self.array += b","
        self.array += canonical
        self.ends.append(len(self.array))
        self.checked.append((ident, config_hash))
        if len(self.array) >= _BATCH_BYTES:
            self._flush()

    def finish(self) -> list[Any]:
        if self.checked:
            self._flush()
        return self.built

    def _flush(self) -> None:
        """Validate the batch in one call; hashes were verified before."""
        from pydantic import ValidationError

        cls, source = self.cls, self.source
        self.array += b"]"
        try:
            built = self.adapter.validate_json(self.array)
        except ValidationError:
            built = None
        if built is None:  # named outside the handler: no error showing the input as context
            self._name_the_invalid_one()
        for definition, (ident, config_hash) in zip(built, self.checked, strict=True):
            if definition.id != ident or ident in self.seen:
                shown = _shown(ident, quote=False)
                raise SnapshotError(
                    f"{source}: {cls.__name__} {shown}: id does not match its content or "
                    "appears twice"
                )
            self.seen.add(ident)
            # Verified: the cached_property slot is filled without re-canonicalizing.
            definition.__dict__["config_hash"] = config_hash
        self.built.extend(built)
        self._reset()

    def _name_the_invalid_one(self) -> NoReturn:
        cls, source, ends = self.cls, self.source, self.ends
        for (ident, _), start, end in zip(self.checked, ends[:-1], ends[1:], strict=True):
            problem = _first_problem(cls, self.array[start + 1 : end])
            if problem is not None:
                raise SnapshotError(
                    f"{source}: {cls.__name__} {_shown(ident, quote=False)}: not a valid "
                    f"{cls.__name__}: {problem}"
                )
        raise SnapshotError(f"{source}: the {cls.__name__} definitions are not valid")


def _first_problem(cls: type[Provider] | type[Model], text: bytes | bytearray) -> str | None:
    """Where and why ``text`` is not a valid ``cls``, without the input (it may be a secret).

    Returned, not raised from the handler: pydantic's error, which shows the input, must not
    become the context of the SnapshotError.
    """
    from pydantic import ValidationError

    try:
        cls.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        at = "/".join(_shown(str(part), quote=False) for part in first["loc"])
        return f"{at}: {first['msg']}"
    return None
