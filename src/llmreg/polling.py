"""What a folder ``Watcher`` and a URL ``UrlWatcher`` share: the published registry, the
polling thread and stopping it. Each says how to ``poll``; after each failed poll (None) in a
row the thread waits twice as long, up to ``max_backoff`` intervals."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, TypeVar

from llmreg.errors import RegistryError

if TYPE_CHECKING:
    from llmreg.registry import Registry
    from llmreg.watch import RegistryDiff

P = TypeVar("P", bound="Polling")


class Polling:
    last_error: RegistryError | None
    _registry: Registry
    max_backoff = 1  # a folder is polled at the interval; a URL backs off after failures

    def _start(self, interval: float | None, name: str) -> None:
        """Start the polling thread when ``interval`` is given (after the first load)."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if interval is not None:
            if interval <= 0:
                raise ValueError("interval must be positive")
            self._thread = threading.Thread(
                target=self._run, args=(interval,), name=name, daemon=True
            )
            self._thread.start()

    @property
    def registry(self) -> Registry:
        return self._registry

    def poll(self) -> RegistryDiff | None:
        raise NotImplementedError

    def _run(self, interval: float) -> None:
        failures = 0
        while not self._stop.wait(interval * min(2**failures, self.max_backoff)):
            try:
                failures = 0 if self.poll() is not None else failures + 1
            except Exception as exc:  # a callback's bug must not end the polling thread
                self.last_error = RegistryError(f"reload failed: {exc.__class__.__name__}: {exc}")

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self: P) -> P:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
