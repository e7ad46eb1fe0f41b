"""A progress line on stderr for long checks, shown only to a person watching a terminal."""

from __future__ import annotations

import time
from types import TracebackType

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

# Fewer files than this finish before a progress line would be worth reading.
MIN_FILES = 500
_INTERVAL_S = 0.1


class Progress:
    """Callable as ``progress(done, total)``; draws on ``stream`` only when it is a TTY."""

    def __init__(self, stream: TextIO, min_files: int = MIN_FILES) -> None:
        self.stream = stream
        try:
            self.enabled = stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False
        self.min_files = min_files
        self.drawn = False
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < self.min_files:
            return
        now = time.monotonic()
        if done < total and now - self.last < _INTERVAL_S:
            return
        self.last = now
        self.stream.write(f"\rllmreg: checked {done}/{total} files")
        self.stream.flush()
        self.drawn = True

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")  # erase the line so the report starts clean
            self.stream.flush()
