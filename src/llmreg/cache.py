"""A content-hash cache of the per-file stage of ``llmreg check``.

An entry holds what the per-file stage produced for one file's bytes: its findings with their
positions, the kind, the id of a Model document, the suppression comments, and the facts the
registry rules read (``llmreg.rules.registry_facts``) with the positions of the pointers they
report on; never the whole document. A file that holds a secret is never stored
(``_payload``). The key is a hash of the bytes together with everything else the stage depends
on (llmreg's version and code, the packaged schemas, the limits, the settings' fingerprint), so
an entry is never reused for a different question.

The files of a registry are kept in one packed index per registry (:class:`RegistryIndex`),
written once per run; a file checked outside any registry gets an entry file of its own. Both
are written to a temporary file and renamed into place, so two checks running at once never see
half of one. Each carries a SHA-256 of its payload and is decoded strictly: one that is
truncated, corrupt or of another shape is ignored and recomputed, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from llmreg.diagnostics import Diagnostic
from llmreg.results import FileResult, Positions, Staged
from llmreg.rules import catalogue, fact_pointers, flat_positions

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from llmreg.settings import CheckOptions
    from llmreg.suppress import Comments

# Bumped whenever the layout of an entry changes; it is part of every key and of the folder.
FORMAT = 3
_MAGIC = b"llmreg-cache-%d " % FORMAT
ENV_VAR = "LLMREG_CACHE_DIR"


def default_directory() -> Path:
    """``$LLMREG_CACHE_DIR``, else the user cache folder of this operating system."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("llmreg", appauthor=False))


def code_stamp() -> str:
    """The version and a fingerprint of llmreg's own modules and packaged schemas.

    A released version changes its number with its code, but an editable install does not: the
    sizes and modification times of the modules make a changed rule invalidate old entries
    without hashing the whole package on every run. The schemas are hashed by content.
    """
    from llmreg import __version__

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0".encode())
    for module in sorted(package.rglob("*.py")):
        try:
            stat = module.stat()
        except OSError:
            continue
        relative = module.relative_to(package).as_posix()
        digest.update(f"{relative}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    for schema in sorted((package / "_schemas").glob("*.json")):
        try:
            digest.update(schema.name.encode() + b"\0" + schema.read_bytes() + b"\0")
        except OSError:
            digest.update(schema.name.encode() + b"\0unreadable\0")
    return digest.hexdigest()


class Cache:
    """Entries under ``directory``; ``salt`` holds everything besides the bytes in the key."""

    def __init__(self, directory: Path, salt: str) -> None:
        self.directory = directory
        self.salt = salt.encode()
        self.root = directory / f"v{FORMAT}"
        self._root_text = os.fspath(self.root)
        self.hits = 0
        self.misses = 0

    @classmethod
    def for_run(cls, directory: Path, *parts: str) -> Cache:
        """A cache whose keys depend on llmreg's code and on ``parts`` (limits, settings)."""
        return cls(directory, "\0".join((code_stamp(), *parts)))

    def key(self, raw: bytes) -> str:
        digest = hashlib.sha256(self.salt)
        digest.update(b"\0")
        digest.update(raw)
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self._root_text, key[:2], key[2:])

    def get(self, key: str) -> Staged | None:
        """The entry for ``key``, or None when it is missing, unreadable or not trustworthy."""
        try:
            with open(self._path(key), "rb") as entry:
                blob = entry.read()
        except OSError:
            self.misses += 1
            return None
        staged = decode(blob)
        if staged is None:
            self.misses += 1
        else:
            self.hits += 1
        return staged

    def put(self, key: str, staged: Staged) -> None:
        """Store an entry; a cache that cannot be written only makes the next check slower."""
        blob = encode(staged)
        if blob is not None:
            _write_atomic(self._path(key), blob)

    def index(self, registry_root: str) -> RegistryIndex:
        """The packed index of the registry at ``registry_root`` (an absolute path)."""
        digest = hashlib.sha256(self.salt)
        digest.update(b"\0index\0" + os.fsencode(registry_root))
        path = os.path.join(self._root_text, "index", digest.hexdigest())
        return RegistryIndex(path, _read_index(path))


def _payload(staged: Staged) -> list[list[Any]] | None:
    """The JSON-ready form of ``staged``, or None when it must not be stored.

    A file that holds a secret (an ``inline-secret`` finding, even one a comment suppresses) is
    never stored: the cache would keep the secret, and storing the data with the secret replaced
    would change what the registry rules see on the next run. Such a file is staged on every run,
    which keeps cached and uncached output the same. Messages and pointers are redacted already
    (``llmreg.results.finding``). The whole document is never stored, only its facts.

    Two lists: what the registry stage reads, ``[kind, model_id, facts]``, and the rest,
    ``[findings, comments, positions]``, the positions being the (line, column) of each of
    ``fact_pointers(facts)`` in that order, flattened. The index keeps them apart, so that a
    check decodes the second only for a file with findings."""
    if any(f.rule == "inline-secret" for f in staged.findings):
        return None
    return [
        registry_part(staged.kind, staged.model_id, staged.facts),
        [
            [[f.rule, f.message, f.path, f.line, f.column, f.at_key] for f in staged.findings],
            [
                [line, list(ids), [list(p) for p in problems]]
                for line, (ids, problems) in sorted(staged.comments.items())
            ],
            _flat_positions(staged),
        ],
    ]


def registry_part(kind: str | None, model_id: str | None, facts: Any) -> list[Any]:
    """What the registry rules read of one file, as stored (see ``RegistryIndex.digest``)."""
    return [kind, model_id, facts]


def _flat_positions(staged: Staged) -> list[int] | None:
    if staged.positions is None or staged.facts is None:
        return None
    return flat_positions(staged.positions, staged.facts)


# one encoder for every entry: json.dumps with options builds a new one on each call
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _dumps(value: object) -> bytes:
    return _ENCODER.encode(value).encode()


def encode(staged: Staged) -> bytes | None:
    """The bytes of an entry, or None for a result that cannot be stored as JSON."""
    entry = _payload(staged)
    if entry is None:
        return None
    try:
        payload = _dumps(entry)
    except (TypeError, ValueError):
        return None
    return _MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def _checked(blob: bytes, magic: bytes) -> bytes | None:
    """The payload of ``blob`` when it starts with ``magic`` and its checksum holds."""
    header_end = len(magic) + 64
    if not blob.startswith(magic) or blob[header_end : header_end + 1] != b"\n":
        return None
    payload = blob[header_end + 1 :]
    if hashlib.sha256(payload).hexdigest().encode() != blob[len(magic) : header_end]:
        return None
    return payload


def decode(blob: bytes) -> Staged | None:
    """The entry in ``blob`` when it is intact and has exactly the expected shape; else None."""
    payload = _checked(blob, _MAGIC)
    if payload is None:
        return None
    try:
        entry = json.loads(payload)
    except ValueError:
        return None
    return _staged(entry)


def _staged(entry: object) -> Staged | None:
    """The Staged that a decoded entry describes, when it has exactly the expected shape."""
    if not isinstance(entry, list) or len(entry) != 2:
        return None
    return _halves(entry[0], entry[1])


def _halves(registry: object, rest: object) -> Staged | None:
    if not (isinstance(registry, list) and len(registry) == 3):
        return None
    if not (isinstance(rest, list) and len(rest) == 3):
        return None
    kind, model_id, facts = registry
    rows, comment_rows, flat = rest
    if kind not in (None, "Provider", "Model") or (kind is None and facts is not None):
        return None
    if not (model_id is None or isinstance(model_id, str)) or not isinstance(rows, list):
        return None
    if facts is not None and not _valid_facts(kind, facts):
        return None
    findings = []
    rules = catalogue() if rows else {}
    for row in rows:
        if not (
            isinstance(row, list)
            and len(row) == 6
            and all(isinstance(v, str) for v in row[:3])
            and all(type(v) is int and v >= 1 for v in row[3:5])
            and isinstance(row[5], bool)
            and row[0] in rules
        ):
            return None
        rule, message, pointer, line, column, at_key = row
        findings.append(
            Diagnostic("", line, column, rule, message, pointer, rules[rule].severity, at_key)
        )
    comments = _comments(comment_rows) if comment_rows else {}
    if comments is None:
        return None
    positions = None
    if flat is not None:
        positions = _positions(facts, flat)
        if positions is None:
            return None
    return Staged(
        findings=findings,
        kind=kind,
        model_id=model_id,
        comments=comments,
        facts=facts,
        positions=positions,
    )


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _valid_facts(kind: str, facts: object) -> bool:
    """Facts of the shape the registry rules read (what the schema guaranteed when stored)."""
    if not (
        isinstance(facts, dict)
        and facts.get("kind") == kind
        and isinstance(facts.get("workspace"), str)
        and isinstance(facts.get("name"), str)
    ):
        return False
    if kind == "Provider":
        served = facts.get("served_models", [])
        return isinstance(facts.get("provider_type"), str) and (
            isinstance(served, list)
            and all(
                isinstance(e, dict)
                and isinstance(e.get("model_entity_id"), str)
                and isinstance(e.get("served_model_name"), str)
                for e in served
            )
        )
    base = facts.get("base_model_id")
    preferred = facts.get("preferred_providers")
    return (base is None or isinstance(base, str)) and (preferred is None or _strings(preferred))


def _positions(facts: object, flat: object) -> Positions | None:
    if not isinstance(facts, dict) or not isinstance(flat, list):
        return None
    pointers = fact_pointers(facts)
    if len(flat) != 2 * len(pointers) or not all(type(v) is int and v >= 1 for v in flat):
        return None
    return {pointer: (flat[2 * i], flat[2 * i + 1]) for i, pointer in enumerate(pointers)}


def _comments(rows: object) -> Comments | None:
    if not isinstance(rows, list):
        return None
    comments: Comments = {}
    for row in rows:
        if not (isinstance(row, list) and len(row) == 3 and type(row[0]) is int):
            return None
        line, ids, problems = row
        if not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
            return None
        if not isinstance(problems, list) or not all(
            isinstance(p, list) and len(p) == 2 and type(p[0]) is int and isinstance(p[1], str)
            for p in problems
        ):
            return None
        comments[line] = (tuple(ids), tuple((p[0], p[1]) for p in problems))
    return comments


# -- the packed index of one registry -----------------------------------------------------------

_INDEX_MAGIC = b"llmreg-index-%d " % FORMAT

# A file whose modification time is this close to the moment it was looked at may still change
# within the same timestamp tick (coarse file systems count whole seconds, some two), so its
# (size, mtime, ctime, inode) is not trusted on the next run: it is read and hashed again.
SETTLE_NS = 3_000_000_000

# What must stay equal for a file to be taken as unchanged without reading it: its size,
# mtime, ctime and inode (``schedule._Run.serve_trusted``).
Signature = tuple[int, int, int, int]


class Stored:
    """One file's entry in the index, as bytes: decoded only when something reads it.

    ``registry`` is what the registry stage reads (``[kind, model_id, facts]``); a warm check
    whose registry stage is remembered (``RegistryIndex.remembered``) never decodes it. Held as
    the index line and two offsets: slicing every line would copy the whole index once more."""

    __slots__ = ("_line", "_split", "_start")

    def __init__(self, line: bytes, start: int, split: int) -> None:
        self._line = line  # ... TAB registry TAB rest
        self._start = start
        self._split = split

    @classmethod
    def of(cls, registry: bytes, rest: bytes) -> Stored:
        return cls(registry + b"\t" + rest, 0, len(registry))

    @property
    def registry(self) -> bytes:
        return self._line[self._start : self._split]

    @property
    def rest(self) -> bytes:
        return self._line[self._split + 1 :]

    @property
    def clean(self) -> bool:
        """No per-file finding (the findings come first in ``rest``)."""
        return self._line.startswith(b"[[],", self._split + 1)

    def staged(self) -> Staged | None:
        """The entry, when it has exactly the expected shape; else None."""
        try:
            return _halves(json.loads(self.registry), json.loads(self.rest))
        except ValueError:
            return None


def entry_parts(staged: Staged) -> Stored | None:
    """``staged`` as an index entry stores it, or None when it is not stored (``_payload``).
    A worker process encodes its results with this, so that the parent only records bytes."""
    entry = _payload(staged)
    if entry is None:
        return None
    try:
        return Stored.of(_dumps(entry[0]), _dumps(entry[1]))
    except (TypeError, ValueError):
        return None


_MEMO = "\0registry"

# (position of the file in the run, rule id, message, JSON Pointer, at_key)
RegistryFinding = tuple[int, str, str, str, bool]


class RegistryIndex:
    """The cache of one registry folder, in one file: each definition file's signature, content
    key and result (findings, facts and positions, never the whole document), and the findings
    of the last run's registry stage.

    A warm check reads this one file and stats the definition files instead of reading and
    hashing them; a cold check writes it once instead of one entry file per definition. A
    signature is trusted alone only when the file had settled (``SETTLE_NS``) at the time it
    was recorded; otherwise the file is hashed and its key compared. An index that is missing,
    truncated, tampered with or of another format counts as empty.

    The layout is one line per file, ``name TAB size TAB mtime TAB ctime TAB inode TAB key TAB
    settled TAB registry-JSON TAB rest-JSON``, under a checksum of the whole: a line is split
    only when its file is looked up, its JSON decoded only when read, and a run that changed one
    file writes the other lines back untouched. The entry a changed file had is kept until the
    next change under the name NUL + key, so that an undone edit (a stash popped, a checkout
    back) is served without staging the file again. One more line, NUL + ``registry``, holds
    the registry stage's findings with the digest of everything that stage read
    (:meth:`digest`): when nothing it reads changed (the usual pre-commit edit), its findings
    are taken from there instead of decoding every file's facts and running the rules.
    """

    def __init__(self, path: str, lines: dict[str, bytes]) -> None:
        self.path = path
        self._old = lines
        self._new: dict[str, bytes] = {}
        self._changed = False

    def _fields(self, name: str) -> list[bytes] | None:
        line = self._old.get(name)
        if line is None:
            return None
        fields = line.split(b"\t", 8)
        return fields if len(fields) == 9 else None

    def trusted(self, name: str, sig: Signature) -> Stored | None:
        """The entry of ``name`` when its recorded signature is ``sig`` and had settled."""
        line = self._old.get(name)
        if line is None:
            return None
        # compared as bytes, without splitting the line: this runs for every file of every check.
        # The line starts with the name and a tab (the index is keyed by that field).
        start = line.find(b"\t") + 1
        head = b"%d\t%d\t%d\t%d\t" % sig
        if not line.startswith(head, start):
            return None
        settled = line.find(b"\t", start + len(head))  # after the key
        if not line.startswith(b"\t1\t", settled):
            return None
        split = line.rfind(b"\t")  # JSON never holds a raw tab: the last one ends the registry part
        if split <= settled + 2:
            return None
        self._new[name] = line
        return Stored(line, settled + 3, split)

    @property
    def empty(self) -> bool:
        """Nothing was read (no index yet, or one not trusted): no file can be served from it,
        by its signature or by its content key."""
        return not self._old

    def untrust(self, name: str) -> None:
        """Forget ``name``'s entry (it could not be decoded): its file is staged again."""
        if self._new.pop(name, None) is not None:
            self._changed = True

    def by_key(self, name: str, key: str) -> Stored | None:
        """The entry recorded for ``name`` when its content key is ``key`` (the file changed
        its signature but not its bytes, e.g. after a checkout), or the entry of those bytes
        that a recent edit of the file replaced."""
        for fields in (self._fields(name), self._fields("\0" + key)):
            if fields is not None and fields[5] == key.encode():
                return Stored.of(fields[7], fields[8])
        return None

    def record(
        self, name: str, sig: Signature, key: str, staged: Staged | Stored, seen_ns: int
    ) -> Stored | None:
        """Remember the result of ``name``; ``seen_ns`` is the wall time before it was read.
        Returns the entry as stored, or None when it is not stored."""
        if "\t" in name or "\n" in name or "\0" in name:
            return None  # such a name cannot be a field; its file is read on every run instead
        if isinstance(staged, Stored):
            registry, rest = staged.registry, staged.rest
        else:
            parts = entry_parts(staged)
            if parts is None:
                return None
            registry, rest = parts.registry, parts.rest
        settled = sig[1] <= seen_ns - SETTLE_NS and sig[2] <= seen_ns - SETTLE_NS
        head = "\t".join((name, *map(str, sig), key, "1" if settled else "0"))
        try:
            head_bytes = head.encode()
        except UnicodeEncodeError:
            return None  # a name that is not UTF-8 on disk: read on every run instead
        line = b"\t".join((head_bytes, registry, rest))
        self._new[name] = line
        self._changed = True
        old = self._fields(name)
        if old is not None and old[5] != key.encode():
            retired = old[5].decode("ascii", "replace")
            self._new["\0" + retired] = b"\t".join([b"\0" + old[5], *old[1:]])
        start = len(head_bytes) + 1
        return Stored(line, start, start + len(registry))

    # -- the registry stage ---------------------------------------------------------------------

    @staticmethod
    def digest(
        names: Sequence[str], results: Sequence[FileResult], enabled: frozenset[str]
    ) -> str | None:
        """A digest of everything the registry stage reads: each file's name and what it reads
        of it (``registry_part``, as stored), in order, and the opt-in rules enabled (the
        rules' code is in the index's own key, the code stamp). None when a part cannot be
        written as JSON."""
        digest = hashlib.sha256("\0".join(sorted(enabled)).encode())
        chunks: list[bytes] = []
        for name, result in zip(names, results, strict=True):
            part = result.stored_registry_part
            if part is None:  # staged in this run, or decoded already
                try:
                    part = _dumps(registry_part(result.kind, result.model_id, result.facts))
                except (TypeError, ValueError):
                    return None
            chunks.append(name.encode("utf-8", "surrogateescape"))
            chunks.append(part)
            if len(chunks) >= 2048:  # hashed in batches: one join of everything would copy it
                digest.update(b"\0\n" + b"\0\n".join(chunks))
                chunks.clear()
        if chunks:
            # NUL and line breaks appear in neither a name (refused by record) nor compact JSON
            digest.update(b"\0\n" + b"\0\n".join(chunks))
        return digest.hexdigest()

    @property
    def remembers(self) -> bool:
        """The index holds a registry stage's findings (so this run's may be taken from it)."""
        return _MEMO in self._old

    def remembered(self, digest: str, count: int) -> list[RegistryFinding] | None:
        """The registry stage's findings of the last run when what it read had ``digest``;
        each is (position of the file, rule id, message, pointer, at_key)."""
        line = self._old.get(_MEMO)
        if line is None:
            return None
        fields = line.split(b"\t", 2)
        if len(fields) != 3 or fields[1] != digest.encode():
            return None
        try:
            rows = json.loads(fields[2])
        except ValueError:
            return None
        if not isinstance(rows, list):
            return None
        rules = catalogue() if rows else {}
        found: list[RegistryFinding] = []
        for row in rows:
            if not (
                isinstance(row, list)
                and len(row) == 5
                and type(row[0]) is int
                and 0 <= row[0] < count
                and all(isinstance(v, str) for v in row[1:4])
                and isinstance(row[4], bool)
                and row[1] in rules
            ):
                return None
            found.append((row[0], row[1], row[2], row[3], row[4]))
        self._new[_MEMO] = line
        return found

    def remember(self, digest: str, found: Sequence[RegistryFinding]) -> None:
        """Keep the registry stage's findings with the digest of what it read."""
        try:
            rows = _dumps([list(row) for row in found])
        except (TypeError, ValueError):
            return
        line = b"\t".join((_MEMO.encode(), digest.encode(), rows))
        if self._old.get(_MEMO) != line:
            self._changed = True
        self._new[_MEMO] = line

    def save(self) -> None:
        """Write the index when it differs from what was read; atomically, never half. The
        entries kept for undone edits stay until a run changes something."""
        kept = {name for name in self._old if not name.startswith("\0") or name == _MEMO}
        if not self._changed and self._new.keys() == kept:
            return
        names = sorted(self._new)
        _write_atomic(self.path, b"", [self._new[name] for name in names], _INDEX_MAGIC)


def _read_index(path: str) -> dict[str, bytes]:
    try:
        with open(path, "rb") as handle:
            blob = handle.read()
    except OSError:
        return {}
    header_end = len(_INDEX_MAGIC) + 64
    if (
        not blob.startswith(_INDEX_MAGIC)
        or blob[header_end : header_end + 1] != b"\n"
        # hashed in place: a copy of the body would double what a large index costs
        or hashlib.sha256(memoryview(blob)[header_end + 1 :]).hexdigest().encode()
        != blob[len(_INDEX_MAGIC) : header_end]
    ):
        return {}
    lines = blob.split(b"\n")
    del blob, lines[0]  # the header; only the lines are kept
    if lines == [b""]:
        return {}
    # the names decoded in one call, not one per line (a warm check of 10,000 files reads them all)
    names = b"\n".join([line[: line.find(b"\t")] for line in lines])
    try:
        return dict(zip(names.decode().split("\n"), lines, strict=True))
    except (UnicodeDecodeError, ValueError):
        return {}


def _write_atomic(
    target: str, blob: bytes, lines: Sequence[bytes] = (), magic: bytes = b""
) -> None:
    """Write to a temporary file beside ``target`` and rename it into place; a cache that
    cannot be written only makes the next check slower.

    With ``lines``, the file is ``magic``, the SHA-256 of the lines joined by line breaks, a
    line break and those lines, written in batches: a large index is never joined whole."""
    folder = os.path.dirname(target)
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        handle, temporary = _create_temporary(folder)
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(blob)
            if magic:
                digest = hashlib.sha256()
                out.write(magic + b"0" * 64 + b"\n")  # the checksum, written at the end
                for start in range(0, len(lines), 2048):
                    batch = (b"\n" if start else b"") + b"\n".join(lines[start : start + 2048])
                    digest.update(batch)
                    out.write(batch)
                out.seek(len(blob) + len(magic))
                out.write(digest.hexdigest().encode())
        os.replace(temporary, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


# the flags tempfile.mkstemp opens with: a new file only (never one an attacker placed or
# linked there), not inherited by child processes
_CREATE = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
_CREATE |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _create_temporary(folder: str) -> tuple[int, str]:
    """A new file ``.tmp-<random>`` in ``folder``, mode 0600, as ``tempfile.mkstemp`` makes
    one; without importing tempfile (with shutil, random and the compression modules it
    brings, about 11 M instructions, a thirtieth of a one-file check)."""
    for _attempt in range(100):
        path = os.path.join(folder, ".tmp-" + os.urandom(6).hex())
        try:
            return os.open(path, _CREATE, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def open_cache(directory: Path | None = None, options: CheckOptions | None = None) -> Cache:
    """The cache for a check run with ``options`` (settings with an ``options_fingerprint()``).

    The settings' fingerprint joins the key because the settings decide some findings of the
    per-file stage. The command line always uses the source module's default limits; that
    module's size and modification time are in ``code_stamp()``, which covers them without
    importing the YAML reader on a run that the cache answers entirely.
    """
    parts = ["default-limits"]
    if options is not None:
        parts.append(options.options_fingerprint())
    return Cache.for_run(directory or default_directory(), *parts)
