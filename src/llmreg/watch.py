"""Comparing registries and reloading one while readers keep using it.

The Watcher polls with ``os.stat`` rather than using ``watchfiles``: no extra dependency, it
sees changes on every filesystem (NFS, container bind mounts and Kubernetes ConfigMap symlink
swaps, where inotify events go missing), and a stat of every file is cheap next to a reload.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from llmreg.errors import RegistryError
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
    return {Ref(d.kind, d.id): d.config_hash for d in registry.definitions()}


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


def _fingerprint(path: Path) -> tuple[tuple[str, int, int, int], ...]:
    """What a change of the source changes: paths, inodes, sizes and mtimes."""
    entries: list[tuple[str, int, int, int]] = []
    try:
        info = path.stat()
    except OSError:
        return ()
    entries.append((str(path), info.st_ino, info.st_size, info.st_mtime_ns))
    if path.is_dir():
        for folder, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted([*dirs, *files]):
                full = os.path.join(folder, name)
                try:
                    info = os.stat(full)
                except OSError:
                    continue
                entries.append((full, info.st_ino, info.st_size, info.st_mtime_ns))
    return tuple(entries)


ChangeCallback = Callable[[RegistryDiff, Registry], None]
ErrorCallback = Callable[[RegistryError], None]


class Watcher:
    """Keeps the newest valid registry of a directory or snapshot for concurrent readers.

    ``registry`` is swapped as one reference assignment, so a reader always gets a complete
    Registry. A reload that fails keeps the last good registry, stores the reason in
    ``last_error`` and calls ``on_error``; a successful one calls ``on_change`` with the diff
    when something changed. The first load happens in the constructor and raises on error.
    With ``interval`` (seconds) a daemon thread polls and reloads when the files change.
    """

    def __new__(cls, source: str | os.PathLike[str], **options: Any) -> Watcher:
        from llmreg.remote import UrlWatcher, is_url

        if cls is Watcher and is_url(source):  # the same contract over HTTP (remote.py)
            return UrlWatcher(str(source), **options)  # type: ignore[return-value]
        return super().__new__(cls)

    def __init__(
        self,
        source: str | os.PathLike[str],
        *,
        interval: float | None = None,
        on_change: ChangeCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> None:
        self.source = Path(source)
        self.on_change = on_change
        self.on_error = on_error
        self.last_error: RegistryError | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen = _fingerprint(self.source)
        self._registry = load_source(self.source)
        if interval is not None:
            if interval <= 0:
                raise ValueError("interval must be positive")
            self._thread = threading.Thread(
                target=self._poll, args=(interval,), name="llmreg-watcher", daemon=True
            )
            self._thread.start()

    @property
    def registry(self) -> Registry:
        return self._registry

    def reload(self) -> RegistryDiff | None:
        """Re-read the source now: the diff from the previous registry, or None if invalid."""
        with self._lock:
            fingerprint = _fingerprint(self.source)
            try:
                fresh = load_source(self.source)
            except RegistryError as exc:
                self._seen = fingerprint
                self.last_error = exc
                if self.on_error is not None:
                    self.on_error(exc)
                return None
            self._seen = fingerprint
            self.last_error = None
            changes = diff(self._registry, fresh)
            self._registry = fresh
        if changes and self.on_change is not None:
            self.on_change(changes, fresh)
        return changes

    def poll(self) -> RegistryDiff | None:
        """Reload only if the files changed since the last (attempted) load."""
        if _fingerprint(self.source) == self._seen:
            return RegistryDiff()
        return self.reload()

    def _poll(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.poll()
            except Exception as exc:  # a callback's bug must not end the polling thread
                self.last_error = RegistryError(f"reload failed: {exc.__class__.__name__}: {exc}")

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
