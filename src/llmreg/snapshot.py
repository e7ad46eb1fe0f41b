"""Snapshots: a whole registry in one JSON file, verified on load, read without YAML.

Layout (format_version 2), one JSON document written in exactly these lines::

    {"format":"llmreg-snapshot","format_version":2,"llmreg_version":"...",
     "registry_hash":"sha256:...","count":N,"content_hash":"sha256:...",     <- line 1
    "index":[["Model","ws/a","sha256:..."],...],                              <- line 2
    "sizes":[1808,...],                                                       <- line 3
    "definitions":[                                                           <- line 4
    {...canonical text of the first row...},
    ...
    {...canonical text of the last row...}
    ]}

The index is the sorted ``[kind, id, config_hash]`` list in its RFC 8785 form, the very bytes
the registry hash is taken over; each definition is its canonical text (the bytes its
config_hash covers), in the index's order, ``sizes`` giving their lengths in bytes.
``content_hash`` is the SHA-256 of everything after line 1. So loading verifies the whole file
with two SHA-256 passes and one small JSON decode, without decoding a definition: each is
built (validated by pydantic from its text, its config_hash checked again) when first used.
The checks catch truncation, corruption and hand edits; a snapshot is not signed, so protect it
as any deployed artifact. Format 1 (each definition's text as a JSON string) is still read.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import re
import secrets
import stat
import time
from bisect import bisect_left
from itertools import accumulate, chain, pairwise
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from llmreg.errors import SnapshotError
from llmreg.hashing import PREFIX, digest

if TYPE_CHECKING:
    from llmreg.models import Model, Provider
    from llmreg.registry import Registry

FORMAT = "llmreg-snapshot"
FORMAT_VERSION = 2
# The most load_snapshot reads unless told otherwise: about 100,000 definitions (a snapshot of
# 10,000 is 22 MB), far below what parsing it would need in memory.
MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024


KINDS = ("Model", "Provider")  # in the index's sort order
_kind, _id, _hash = itemgetter(0), itemgetter(1), itemgetter(2)
_HEAD_END = b",\n"
_INDEX_KEY = b'"index":'
_SIZES_KEY = b'"sizes":'
_DEFINITIONS_KEY = b'"definitions":[\n'
_BETWEEN = b",\n"
_TAIL = b"\n]}\n"


def snapshot_parts(registry: Registry) -> tuple[dict[str, Any], list[bytes]]:
    """The header fields (all but content_hash) and the canonical texts, in the index's order."""
    from llmreg import __version__
    from llmreg.hashing import registry_canonical

    rows, texts = [], []
    for kind, ident, config_hash, canonical in sorted(registry._canonical_texts()):
        rows.append((kind, ident, config_hash))
        texts.append(canonical)
    index = registry_canonical(rows)
    if digest(index) != registry.hash:  # pragma: no cover - a bug, not user input
        raise AssertionError("the registry hash is stale")
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "llmreg_version": __version__,
        "registry_hash": registry.hash,
        "count": len(rows),
        "index": index,
    }
    return header, texts


def _body(index: bytes, texts: list[bytes]) -> list[bytes]:
    """Everything after line 1, as chunks."""
    sizes = json.dumps([len(text) for text in texts], separators=(",", ":")).encode("ascii")
    chunks = [_INDEX_KEY, index, _HEAD_END, _SIZES_KEY, sizes, _HEAD_END, _DEFINITIONS_KEY]
    for position, text in enumerate(texts):
        if position:
            chunks.append(_BETWEEN)
        chunks.append(text)
    chunks.append(_TAIL)
    return chunks


def _head(header: dict[str, Any], content_hash: str) -> bytes:
    fields = {k: v for k, v in header.items() if k != "index"}
    fields["content_hash"] = content_hash
    text = json.dumps(fields, separators=(",", ":"), ensure_ascii=True)
    return text[:-1].encode("ascii") + _HEAD_END  # the object goes on: line 1 ends with ','


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
    header, texts = snapshot_parts(registry)
    body = _body(header["index"], texts)
    hasher = hashlib.sha256()
    for chunk in body:
        hasher.update(chunk)
    folder = path.parent if str(path.parent) else Path(".")
    _remove_stale_temps(path, folder)
    handle, temp_name = _open_temp(path, folder)
    try:
        # Written chunk by chunk: one joined copy would be another 20 MB at 10,000 definitions.
        with os.fdopen(handle, "wb") as out:
            out.write(_head(header, PREFIX + hasher.hexdigest()))
            out.writelines(body)
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
    return _from_bytes(_read_bounded(source, max_bytes), source)


def registry_from_bytes(raw: bytes, source: Path | str) -> Registry:
    """The verified registry of a snapshot's bytes (fetched, say); messages name ``source``."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _from_bytes(raw, source)
    finally:
        if collecting:
            gc.enable()


def _from_bytes(raw: bytes, source: Path | str) -> Registry:
    from llmreg.registry import Registry

    header = _line_one(raw)
    if header is None or header.get("format_version") != FORMAT_VERSION:
        return _load_other(source, raw)
    texts, rows = _verify(source, raw, header)
    # sorted by kind, then id: each kind is one run of the rows, its ids in order
    split = bisect_left(rows, ["Provider"])
    ids = {
        kind: dict(zip(map(_id, rows[start:stop]), range(start, stop), strict=True))
        for kind, start, stop in (("Model", 0, split), ("Provider", split, len(rows)))
    }
    if len(ids["Model"]) + len(ids["Provider"]) != len(rows):
        _name_the_duplicate(source, rows)
    return Registry._from_texts(texts, ids["Provider"], ids["Model"], header["registry_hash"])


def _name_the_duplicate(source: Path | str, rows: list[Any]) -> NoReturn:
    for (kind, ident, _), (next_kind, next_ident, _) in pairwise(rows):
        if kind == next_kind and ident == next_ident:
            raise SnapshotError(
                f"{source}: {_shown(kind, quote=False)} {_shown(ident, quote=False)}: appears twice"
            )
    raise AssertionError("no duplicate")  # pragma: no cover - called only when there is one


def _line_one(raw: bytes) -> dict[str, Any] | None:
    """The header of a format 2 snapshot, or None when the file does not start like one."""
    end = raw.find(b"\n")
    if end < 1 or raw[end - 1 : end] != b",":
        return None
    try:
        header = json.loads(raw[: end - 1] + b"}")
    except (ValueError, RecursionError):
        return None
    return header if isinstance(header, dict) and header.get("format") == FORMAT else None


def _verify(
    source: Path | str, raw: bytes, header: dict[str, Any]
) -> tuple[Texts, list[tuple[str, str, str]]]:
    """Check a format 2 snapshot's layout, content hash and registry hash; its texts and rows."""
    count = header.get("count")
    expected_hash = header.get("registry_hash")
    content_hash = header.get("content_hash")
    if not isinstance(expected_hash, str) or not isinstance(content_hash, str):
        raise SnapshotError(f"{source}: 'registry_hash' or 'content_hash' is missing")
    body_start = raw.index(b"\n") + 1
    view = memoryview(raw)
    if not raw.endswith(_TAIL):
        raise SnapshotError(f"{source} is not a complete snapshot (truncated or corrupted)")
    lines = _layout(source, raw, body_start)
    index, sizes_text, definitions_start = lines
    body_ok = digest(view[body_start:]) == content_hash
    try:
        rows = json.loads(index)
        sizes = json.loads(sizes_text)
    except (ValueError, RecursionError):
        rows = sizes = None
    if not (_rows_are_canonical(rows, index) and _sizes_fit(sizes, rows, raw, definitions_start)):
        raise SnapshotError(
            f"{source}: the index does not match the definitions (truncated, modified or corrupted)"
        )
    assert isinstance(rows, list) and isinstance(sizes, list)
    starts = list(accumulate((size + len(_BETWEEN) for size in sizes), initial=definitions_start))
    texts = Texts(view, starts, sizes, list(map(_hash, rows)), source)
    if not body_ok:
        _name_the_changed_one(texts, rows)
        raise SnapshotError(
            f"{source}: content does not match its content_hash (truncated, modified or corrupted)"
        )
    if count != len(rows):
        raise SnapshotError(
            f"{source}: holds {len(rows)} definitions but says {_shown(count)} "
            "(truncated or edited)"
        )
    if digest(index) != expected_hash:
        raise SnapshotError(
            f"{source}: registry_hash does not match the definitions (modified or corrupted)"
        )
    return texts, rows


def _layout(source: Path | str, raw: bytes, body_start: int) -> tuple[bytes, bytes, int]:
    """The index and sizes lines' JSON and where the first definition starts."""
    lines = []
    at = body_start
    for key in (_INDEX_KEY, _SIZES_KEY):
        end = raw.find(b"\n", at)
        if not raw.startswith(key, at) or end < 0 or raw[end - 1 : end] != b",":
            raise SnapshotError(
                f"{source} is not laid out as llmreg writes snapshots (reformatted or edited): "
                "rebuild it with 'llmreg build'"
            )
        lines.append(raw[at + len(key) : end - 1])
        at = end + 1
    if not raw.startswith(_DEFINITIONS_KEY, at):
        raise SnapshotError(
            f"{source} is not laid out as llmreg writes snapshots (reformatted or edited): "
            "rebuild it with 'llmreg build'"
        )
    return lines[0], lines[1], at + len(_DEFINITIONS_KEY)


def _rows_are_canonical(rows: object, index: bytes) -> bool:
    """The rows are [kind, id, hash] strings, sorted, and ``index`` is their RFC 8785 text:
    without white space or escapes, a list of strings has one JSON spelling."""
    if not isinstance(rows, list) or any(c in index for c in (b" ", b"\t", b"\r", b"\\")):
        return False
    if not set(map(type, rows)) <= {list} or not set(map(len, rows)) <= {3}:
        return False
    shaped = set(map(type, chain.from_iterable(rows))) <= {str}
    # equal neighbours are let through here and reported as "appears twice"
    return shaped and set(map(_kind, rows)) <= set(KINDS) and rows == sorted(rows)


def _sizes_fit(sizes: object, rows: object, raw: bytes, start: int) -> bool:
    if not isinstance(sizes, list) or not isinstance(rows, list) or len(sizes) != len(rows):
        return False
    if not all(type(size) is int and size > 0 for size in sizes):
        return False
    between = len(_BETWEEN) * max(0, len(sizes) - 1)
    return start + sum(sizes) + between + len(_TAIL) == len(raw)


def _name_the_changed_one(texts: Texts, rows: list[Any]) -> None:
    """The content hash failed: name the definition whose text fails its config_hash."""
    for position, (kind, ident, config_hash) in enumerate(rows):
        if digest(texts.text(position)) != config_hash:
            raise SnapshotError(
                f"{texts.source}: {_shown(kind, quote=False)} {_shown(ident, quote=False)}: "
                "content does not match its config_hash (modified or corrupted)"
            )


class Texts:
    """The verified canonical texts of a snapshot, each built into its definition on demand."""

    __slots__ = ("hashes", "sizes", "source", "starts", "view")

    def __init__(
        self,
        view: memoryview,
        starts: list[int],
        sizes: list[int],
        hashes: list[str],
        source: Path | str,
    ) -> None:
        self.view = view
        self.starts = starts
        self.sizes = sizes
        self.hashes = hashes
        self.source = source

    def text(self, position: int) -> bytes:
        start = self.starts[position]
        return self.view[start : start + self.sizes[position]].tobytes()

    def build(self, kind: str, ident: str, position: int) -> Provider | Model:
        """The definition at ``position``, validated; SnapshotError when it is not what the
        index says (only a snapshot whose hashes were recomputed over other content)."""
        from pydantic import ValidationError

        from llmreg.models import MODEL_BY_KIND

        cls = MODEL_BY_KIND[kind]
        text = self.text(position)
        config_hash = self.hashes[position]
        if digest(text) != config_hash:
            raise SnapshotError(
                f"{self.source}: {kind} {_shown(ident, quote=False)}: content does not match its "
                "config_hash (modified or corrupted)"
            )
        problem = None
        try:
            definition = cls.model_validate_json(text)
        except ValidationError as exc:
            # kept as text: pydantic's error, which shows the input (it may be a secret), must
            # not become the context of the SnapshotError
            first = exc.errors(include_input=False, include_url=False)[0]
            at = "/".join(_shown(str(part), quote=False) for part in first["loc"])
            problem = f"{at}: {first['msg']}"
        if problem is not None:
            raise SnapshotError(
                f"{self.source}: {kind} {_shown(ident, quote=False)}: not a valid {kind}: {problem}"
            )
        if definition.id != ident:
            raise SnapshotError(
                f"{self.source}: {kind} {_shown(ident, quote=False)}: id does not match its content"
            )
        # Verified: the cached_property slot is filled without re-canonicalizing.
        definition.__dict__["config_hash"] = config_hash
        return definition


def _load_other(source: Path | str, raw: bytes) -> Registry:
    """Any file that is not a format 2 snapshot: format 1 is read, the rest named."""
    from llmreg.registry import Registry

    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise SnapshotError(
            f"{source} is not a complete JSON document (truncated or corrupted): {exc}"
        ) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotError(f"{source} is not an llmreg snapshot (no 'format': '{FORMAT}')")
    version = document.get("format_version")
    if version == FORMAT_VERSION:
        raise SnapshotError(
            f"{source} is not laid out as llmreg writes snapshots (reformatted or edited): "
            "rebuild it with 'llmreg build'"
        )
    if version != 1:
        raise SnapshotError(
            f"{source} has snapshot format_version {_shown(version)}; this llmreg reads "
            f"1 and {FORMAT_VERSION}: rebuild it with 'llmreg build'"
        )
    del raw
    entries = document.get("definitions")
    expected_hash = document.get("registry_hash")
    if not isinstance(entries, list) or not isinstance(expected_hash, str):
        raise SnapshotError(f"{source}: 'definitions' or 'registry_hash' is missing")
    if document.get("count") != len(entries):
        raise SnapshotError(
            f"{source}: holds {len(entries)} definitions but says {_shown(document.get('count'))} "
            "(truncated or edited)"
        )
    found: list[tuple[str, str, str, bytes]] = []
    for index, entry in enumerate(entries):
        where = f"{source}: definition {index}"
        if not isinstance(entry, dict):
            raise SnapshotError(f"{where} is not an object")
        kind = _field(entry, "kind", where)
        ident = _field(entry, "id", where)
        shown = f"{_shown(kind, quote=False)} {_shown(ident, quote=False)}"
        config_hash = _field(entry, "config_hash", where)
        canonical = _field(entry, "canonical", where).encode("utf-8")
        if kind not in KINDS:
            raise SnapshotError(f"{source}: {shown}: unknown kind")
        if digest(canonical) != config_hash:
            raise SnapshotError(
                f"{source}: {shown}: content does not match its config_hash (modified or corrupted)"
            )
        found.append((kind, ident, config_hash, canonical))
    found.sort()
    ids: dict[str, dict[str, int]] = {kind: {} for kind in KINDS}
    starts, sizes, at = [], [], 0
    for position, (kind, ident, _, canonical) in enumerate(found):
        if ident in ids[kind]:
            raise SnapshotError(f"{source}: {kind} {_shown(ident, quote=False)}: appears twice")
        ids[kind][ident] = position
        starts.append(at)
        sizes.append(len(canonical))
        at += len(canonical)
    buffer = memoryview(b"".join(entry[3] for entry in found))
    texts = Texts(buffer, starts, sizes, [entry[2] for entry in found], source)
    from llmreg.hashing import registry_hash

    if registry_hash([entry[:3] for entry in found]) != expected_hash:
        raise SnapshotError(
            f"{source}: registry_hash does not match the definitions (modified or corrupted)"
        )
    return Registry._from_texts(texts, ids["Provider"], ids["Model"], expected_hash)
