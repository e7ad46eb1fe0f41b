"""Comparing registries and reloading one while readers keep using it.

The Watcher polls with ``os.stat`` rather than using ``watchfiles``: no extra dependency, it
sees changes on every filesystem (NFS, container bind mounts and Kubernetes ConfigMap symlink
swaps, where inotify events go missing), and a stat of every file is cheap next to a reload.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from llmreg.errors import RegistryError
from llmreg.polling import Polling
from llmreg.registry import Registry, load


class Ref(NamedTuple):
    """A definition's identity: ids are unique per kind, so the kind is part of it."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind.lower()} {self.id}"


@dataclass(frozen=True)
class RegistryDiff:
    """What changed from one registry to another; ``changed`` compares config_hash."""

    added: tuple[Ref, ...] = ()
    removed: tuple[Ref, ...] = ()
    changed: tuple[Ref, ...] = ()

    @property
    def equal(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def __bool__(self) -> bool:
        return not self.equal

    def lines(self) -> list[str]:
        """``+ kind id`` / ``- kind id`` / ``~ kind id``, sorted by kind then id."""
        marked = (
            [("+", r) for r in self.added]
            + [("-", r) for r in self.removed]
            + [("~", r) for r in self.changed]
        )
        return [f"{mark} {ref}" for mark, ref in sorted(marked, key=lambda x: (x[1], x[0]))]


def _hashes(registry: Registry) -> dict[Ref, str]:
    # from the hashes alone: a snapshot's definitions are not built for a diff
    return {Ref(kind, ident): h for (kind, ident), h in registry._config_hashes().items()}


def diff(old: Registry, new: Registry) -> RegistryDiff:
    """Added, removed and changed definitions from ``old`` to ``new``."""
    before, after = _hashes(old), _hashes(new)
    return RegistryDiff(
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        changed=tuple(sorted(k for k in before.keys() & after.keys() if before[k] != after[k])),
    )


def load_source(source: str | os.PathLike[str]) -> Registry:
    """A registry from a directory (checked YAML) or a file (a snapshot)."""
    path = Path(source)
    if path.is_dir():
        return load(path)
    from llmreg.snapshot import load_snapshot

    return load_snapshot(path)


Fingerprint = tuple[tuple[str, int, int, int, int], ...]


def _entry(name: str, info: os.stat_result) -> tuple[str, int, int, int, int]:
    if stat.S_ISDIR(info.st_mode):
        # A folder's times change with every entry made in it, hidden ones too (an editor's
        # swap file); what the load reads shows in the entries below it.
        return (name, info.st_ino, 0, 0, 0)
    # ctime as well as mtime: `cp -p` and `rsync --inplace -t` rewrite a file in place, keep
    # its size and set its mtime back, but nothing sets ctime back.
    return (name, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _fingerprint(path: Path) -> Fingerprint:
    """What a change of the source changes: paths, inodes, sizes, mtimes and ctimes."""
    try:
        info = path.stat()
    except OSError:
        return ()
    entries = [_entry(str(path), info)]
    if not stat.S_ISDIR(info.st_mode):
        return tuple(entries)
    root = os.path.realpath(path)
    walked = {root}
    for folder, dirs, files in os.walk(path, followlinks=True):
        # Hidden entries are not read by a load (.git, editors' swap files, a ConfigMap's
        # ..data): watching them would only reload for nothing, or never settle.
        files = [name for name in files if not name.startswith(".")]
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        names = sorted([*dirs, *files])
        # A linked folder is followed when it stays inside the root (the ConfigMap layout links
        # each entry to ..data/<entry>), each real folder once, so a link cycle ends.
        followed = []
        for name in sorted(dirs):
            real = os.path.realpath(os.path.join(folder, name))
            if real not in walked and real.startswith(os.path.join(root, "")):
                walked.add(real)
                followed.append(name)
        dirs[:] = followed
        for name in names:
            full = os.path.join(folder, name)
            try:
                entries.append(_entry(full, os.stat(full)))
            except OSError:
                continue
    return tuple(entries)


def _resolved(source: Path) -> Path:
    """The source with its links resolved, or as given when nothing on the way is a link.

    One resolution per load: a root that is a link swapped during the load (a Kubernetes
    ConfigMap mount, root -> ..2026_x/) is then read from one generation, not from both.
    """
    try:
        real = os.path.realpath(source, strict=True)
    except OSError:
        return source
    return source if real == os.path.abspath(source) else Path(real)


ChangeCallback = Callable[[RegistryDiff, Registry], None]
ErrorCallback = Callable[[RegistryError], None]

# Loads in a row that may see the source change under them before a reload gives up for now.
SETTLE_ATTEMPTS = 5


class Watcher(Polling):
    """Keeps the newest valid registry of a directory or snapshot for concurrent readers.

    ``registry`` is swapped as one reference assignment, so a reader always gets a complete
    Registry. A load is published only when the source did not change while it was read (same
    stats before and after, the root link pointing at the same folder), so it holds one
    generation of the files. A reload that fails keeps the last good registry, stores the
    reason in ``last_error`` and calls ``on_error``; so does one that would replace a registry
    holding definitions with an empty one, unless ``allow_empty`` is true (a sync that emptied
    the folder is more likely than a registry meant to serve nothing). A successful reload
    calls ``on_change`` with the diff when something changed. The first load happens in the
    constructor and raises on error. With ``interval`` (seconds) a daemon thread polls and
    reloads when the files change.
    """

    def __new__(cls, source: str | os.PathLike[str], **options: Any) -> Watcher:
        if cls is Watcher and str(source).startswith(("http://", "https://")):
            from llmreg.remote import UrlWatcher  # the same contract over HTTP

            return UrlWatcher(str(source), **options)  # type: ignore[return-value]
        return super().__new__(cls)

    def __init__(
        self,
        source: str | os.PathLike[str],
        *,
        interval: float | None = None,
        on_change: ChangeCallback | None = None,
        on_error: ErrorCallback | None = None,
        allow_empty: bool = False,
    ) -> None:
        self.source = Path(source)
        self.on_change = on_change
        self.on_error = on_error
        self.allow_empty = allow_empty
        self.last_error: RegistryError | None = None
        self._lock = threading.Lock()
        first, self._seen = self._load_settled()
        if isinstance(first, RegistryError):
            raise first
        self._registry = first
        self._start(interval, "llmreg-watcher")

    def _load_settled(self) -> tuple[Registry | RegistryError, Fingerprint]:
        """Load until one load saw no change of the source: what it gave, and the stats."""
        for _ in range(SETTLE_ATTEMPTS):
            target = _resolved(self.source)
            before = _fingerprint(target)
            outcome: Registry | RegistryError
            try:
                outcome = load_source(target)
            except RegistryError as exc:
                outcome = exc
            if _resolved(self.source) == target and _fingerprint(target) == before:
                return outcome, before
        unsettled = RegistryError(
            f"{self.source} changed during each of {SETTLE_ATTEMPTS} loads in a row; "
            "keeping the last good registry until it settles"
        )
        return unsettled, ()  # () differs from every real fingerprint: the next poll retries

    def reload(self) -> RegistryDiff | None:
        """Re-read the source now: the diff from the previous registry, or None if invalid."""
        with self._lock:
            fresh, self._seen = self._load_settled()
            emptied = isinstance(fresh, Registry) and len(fresh) == 0 < len(self._registry)
            if emptied and not self.allow_empty:
                fresh = RegistryError(
                    f"{self.source} holds no definitions any more (it held "
                    f"{len(self._registry)}); keeping the last good registry "
                    "(Watcher(allow_empty=True) publishes an empty one)"
                )
            if isinstance(fresh, RegistryError):
                self.last_error = fresh
                if self.on_error is not None:
                    self.on_error(fresh)
                return None
            self.last_error = None
            changes = diff(self._registry, fresh)
            self._registry = fresh
        if changes and self.on_change is not None:
            self.on_change(changes, fresh)
        return changes

    def poll(self) -> RegistryDiff | None:
        """Reload only if the files changed since the last (attempted) load."""
        if _fingerprint(_resolved(self.source)) == self._seen:
            return RegistryDiff()
        return self.reload()
