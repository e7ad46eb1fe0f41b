"""Reading a registry over HTTP: ``load_url`` and the URL flavour of ``Watcher``.

The URL names a snapshot (``llmreg build --site DIR`` puts it at
``DIR/registry.snapshot.json``; a URL ending in ``/`` gets that name appended). It is fetched
with the standard library's urllib, conditionally once known (``If-None-Match`` with the
server's ETag, ``If-Modified-Since`` with its Last-Modified: ``python -m http.server`` and many
object stores send only the latter), and verified like a local snapshot before use: every
config_hash, the registry hash, and ``expected_hash`` when given. A failed fetch never
replaces a good registry. llmreg runs no server; any static host serves the site.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from typing import TYPE_CHECKING

from llmreg.errors import RegistryError, SnapshotError
from llmreg.polling import Polling

if TYPE_CHECKING:
    from llmreg.registry import Registry
    from llmreg.watch import ChangeCallback, ErrorCallback, RegistryDiff

SNAPSHOT_NAME = "registry.snapshot.json"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 256 * 1024 * 1024  # load_snapshot's own bound
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class FetchError(SnapshotError):
    """The snapshot could not be fetched (network, HTTP status, size); ``retry`` says whether
    trying again later can help."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


def shown(url: str) -> str:
    """The URL for messages: without user info and query, where tokens and signatures go."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except (ValueError, TypeError):
        return "<an invalid URL>"
    return urllib.parse.urlunsplit((parts.scheme, host + port, parts.path, "", ""))


def snapshot_url(url: str) -> str:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except (ValueError, TypeError):
        raise RegistryError(f"{shown(url)!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RegistryError(f"{shown(url)!r} is not an http:// or https:// URL")
    if parts.path.endswith("/"):
        path = parts.path + SNAPSHOT_NAME
        return urllib.parse.urlunsplit(parts._replace(path=path))
    return url


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: not modified since the validators were taken
    etag: str | None
    last_modified: str | None


def _said(reason: object, url: str) -> str:
    """An error's text without the URL's user info or query (an invalid URL is quoted back)."""
    from llmreg.secrets import redact

    text = str(reason)
    parts = urllib.parse.urlsplit(url)
    for secret in (parts.netloc.rpartition("@")[0], parts.query):
        if secret:
            text = text.replace(secret, "<redacted>")
    return redact(text)


def _header(headers: Message, name: str) -> str | None:
    value = headers.get(name)
    return str(value) if value else None


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Fetched:
    """One GET, conditional when validators are given; FetchError on any failure."""
    where = shown(url)
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if etag is not None:
        request.add_header("If-None-Match", etag)
    if last_modified is not None:
        request.add_header("If-Modified-Since", last_modified)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(max_bytes + 1)
            headers = response.headers
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(None, etag, last_modified)
        raise FetchError(
            f"{where}: HTTP {exc.code} {_said(exc.reason, url)}", retry=exc.code in _RETRY_STATUS
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        # URLError wraps refused connections and DNS failures; OSError covers timeouts and
        # http.client.IncompleteRead (a body shorter than its Content-Length) among others.
        reason = getattr(exc, "reason", None) or exc
        said = _said(reason, url)
        raise FetchError(f"{where}: {reason.__class__.__name__}: {said}", retry=True) from None
    if len(body) > max_bytes:
        raise FetchError(f"{where}: the snapshot is larger than {max_bytes} bytes", retry=False)
    return Fetched(body, _header(headers, "ETag"), _strong_last_modified(headers))


def _strong_last_modified(headers: Message) -> str | None:
    """Last-Modified, when it can tell a later change apart (RFC 9110, 8.8.2.2).

    It has one-second resolution: a file rewritten in the second it was served keeps its
    Last-Modified, so a date less than a second before the response's Date is not used.
    """
    from email.utils import parsedate_to_datetime

    modified, date = _header(headers, "Last-Modified"), _header(headers, "Date")
    if modified is None or date is None:
        return None
    try:
        age = parsedate_to_datetime(date) - parsedate_to_datetime(modified)
    except (TypeError, ValueError):
        return None
    return modified if age.total_seconds() >= 1 else None


def registry_from_bytes(
    body: bytes, url: str, expected_hash: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Registry:
    """Verify and build a snapshot's registry; SnapshotError names ``url``."""
    from llmreg.snapshot import registry_from_bytes as from_bytes

    where = shown(url)
    if len(body) > max_bytes:
        raise SnapshotError(f"{where}: the snapshot is larger than {max_bytes} bytes")
    # read from memory, not from a temporary file: the definitions, built on first use, are
    # then refused (if ever) naming the URL as well
    registry = from_bytes(body, where)
    if expected_hash is not None and registry.hash != expected_hash:
        raise SnapshotError(f"{where}: registry hash {registry.hash} is not the expected one")
    return registry


def load_url(
    url: str,
    *,
    expected_hash: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = 3,
    backoff: float = 0.5,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Registry:
    """The verified registry of the snapshot at ``url``; raises SnapshotError otherwise.

    Network errors and 408/429/5xx answers are retried ``retries`` times, waiting ``backoff``
    seconds and doubling; a 404 or a body that fails verification is not. Messages show the
    URL without its user info and query (tokens, signatures).
    """
    return RemoteSnapshot(
        url,
        expected_hash=expected_hash,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        max_bytes=max_bytes,
    ).refresh(force=True)[0]


class RemoteSnapshot:
    """The last good registry of a URL and the validators to ask whether it changed."""

    def __init__(
        self,
        url: str,
        *,
        expected_hash: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.5,
        max_bytes: int = DEFAULT_MAX_BYTES,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = snapshot_url(url)
        self.expected_hash = expected_hash
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.sleep = sleep
        self.registry: Registry | None = None
        self.etag: str | None = None
        self.last_modified: str | None = None

    def _fetch(self, force: bool) -> Fetched:
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                return fetch(
                    self.url,
                    etag=None if force else self.etag,
                    last_modified=None if force else self.last_modified,
                    timeout=self.timeout,
                    max_bytes=self.max_bytes,
                )
            except FetchError as exc:
                if not exc.retry or attempt == self.retries:
                    raise
            self.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def refresh(self, *, force: bool = False) -> tuple[Registry, bool]:
        """(the current registry, whether it is new); the last good one is kept on failure.

        Without ``force`` the GET is conditional; a 304 answer keeps the registry as it is.
        """
        fetched = self._fetch(force or self.registry is None)
        if fetched.body is None and self.registry is not None:
            return self.registry, False
        registry = registry_from_bytes(
            fetched.body or b"", self.url, self.expected_hash, self.max_bytes
        )
        self.registry = registry
        self.etag, self.last_modified = fetched.etag, fetched.last_modified
        return registry, True


class UrlWatcher(Polling):
    """``Watcher(URL)``: the newest verified registry of a URL, for concurrent readers.

    The same contract as ``Watcher`` on a folder: the first load happens in the constructor
    and raises; later failures keep the last good registry, set ``last_error`` and call
    ``on_error``, and so does an empty registry replacing one with definitions unless
    ``allow_empty``. ``poll()`` asks the server with a conditional GET; with ``interval`` a
    daemon thread polls, waiting up to 32 intervals (doubling) after consecutive failures.
    """

    max_backoff = 32  # a failing server is asked less often

    def __init__(
        self,
        source: str,
        *,
        interval: float | None = None,
        on_change: ChangeCallback | None = None,
        on_error: ErrorCallback | None = None,
        allow_empty: bool = False,
        expected_hash: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = 1,
        backoff: float = 0.5,
    ) -> None:
        self.source = source
        self.on_change = on_change
        self.on_error = on_error
        self.allow_empty = allow_empty
        self.last_error: RegistryError | None = None
        self._remote = RemoteSnapshot(
            source, expected_hash=expected_hash, timeout=timeout, retries=retries, backoff=backoff
        )
        self._lock = threading.Lock()
        self._registry = self._remote.refresh(force=True)[0]
        self._start(interval, "llmreg-url-watcher")

    def _update(self, force: bool) -> RegistryDiff | None:
        from llmreg.watch import RegistryDiff, diff

        with self._lock:
            previous = self._registry
            try:
                fresh, new = self._remote.refresh(force=force)
                if new and len(fresh) == 0 < len(previous) and not self.allow_empty:
                    raise RegistryError(
                        f"{shown(self.source)} holds no definitions any more (it held "
                        f"{len(previous)}); keeping the last good registry "
                        "(Watcher(allow_empty=True) publishes an empty one)"
                    )
            except RegistryError as exc:
                self.last_error = exc
                if self.on_error is not None:
                    self.on_error(exc)
                return None
            if not new:  # not modified: as a folder Watcher whose files did not change
                return RegistryDiff()
            self.last_error = None
            self._registry = fresh
        changes = diff(previous, fresh)
        if changes and self.on_change is not None:
            self.on_change(changes, fresh)
        return changes

    def reload(self) -> RegistryDiff | None:
        """Fetch the snapshot again, unconditionally: the diff, or None when it failed."""
        return self._update(force=True)

    def poll(self) -> RegistryDiff | None:
        """Fetch only if the server says it changed: the diff (empty when not), or None."""
        return self._update(force=False)
