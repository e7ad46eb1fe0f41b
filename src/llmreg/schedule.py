"""The scheduler: the per-file stage over many files, from the cache where it holds the answer,
in worker processes where that pays.

The outcome is the same whatever the number of jobs and whether the cache is used: a cache
entry is what the stage produced for the same bytes, limits, options and code.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmreg.cache import Cache, RegistryIndex, Signature, signature
from llmreg.constants import MAX_FILE_BYTES
from llmreg.layout import TooLarge, Unreadable, read_file
from llmreg.results import FileResult, Staged, finding
from llmreg.settings import CheckOptions
from llmreg.stage import stage_bytes

if TYPE_CHECKING:
    from llmreg.source import Limits

# Below this many files to compute, worker processes cost about what they save: measured on 2
# cores with forked workers, 50 files take the same time with 1 or 2 jobs, 100 files 8 % less
# with 2, 800 files 35 % less (docs/performance.md).
PARALLEL_MIN_FILES = 100
MAX_DEFAULT_JOBS = 8

Progress = Callable[[int, int], None]
Todo = tuple[int, bytes, "str | None"]  # (position, bytes, cache key)


def read(path: Path, result: FileResult, limits: Limits | None = None) -> bytes | None:
    """The file's bytes (at most the size limit plus one), or None with a read-error recorded."""
    max_bytes = MAX_FILE_BYTES if limits is None else limits.max_bytes
    try:
        return read_file(path, max_bytes, refuse_larger=True)
    except TooLarge as exc:
        # said here, with the file's size, since only the bound plus one byte would be read
        result.diagnostics.append(
            finding(
                "yaml-limit",
                f"the file is {exc.size} bytes; definition files may be at most {max_bytes} bytes",
                file=result.display,
            )
        )
        return None
    except Unreadable as exc:
        result.diagnostics.append(
            finding("read-error", f"cannot read the file: {exc.reason}", file=result.display)
        )
        return None


def default_jobs() -> int:
    """Worker processes for a large check: the CPUs this process may use, at most 8."""
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    return max(1, min(available, MAX_DEFAULT_JOBS))


def _stage_chunk(
    chunk: list[Todo],
    limits: Limits | None,
    options: CheckOptions | None,
    cache: Cache | None,
) -> list[tuple[int, Staged, bytes | None]]:
    """Worker: the stage for each (index, bytes, cache key); stores each result in the cache
    and returns it with its encoded entry, which the registry index reuses."""
    done = []
    for index, raw, key in chunk:
        staged, _document = stage_bytes(raw, limits, options)
        if staged.data is not None:
            staged.data = _shared_strings(staged.data)
        payload = cache.put(key, staged) if cache is not None and key is not None else None
        done.append((index, staged, payload))
    return done


# Strings up to this long are shared by value; longer ones (descriptions, prompts, URLs) are
# rarely repeated across files.
_SHARED_MAX = 16


def _shared_strings(value: Any) -> Any:
    """``value`` with its keys and short strings interned, for the trip back from a worker.

    pickle writes an object it has already written in the same message as a reference, so
    every key and repeated value then arrives as one string per chunk instead of one per use:
    at 10,000 files the data returned for load() takes about 30 MB less (docs/performance.md),
    the messages are a third smaller and unpickling them is faster; the walk costs less than
    the pickling it saves.
    """
    if type(value) is dict:
        return {
            sys.intern(k) if type(k) is str else k: _shared_strings(v) for k, v in value.items()
        }
    if type(value) is list:
        return [_shared_strings(v) for v in value]
    if type(value) is str and len(value) <= _SHARED_MAX:
        return sys.intern(value)
    return value


def _pool_context() -> Any:
    import multiprocessing

    # fork starts a worker in about a millisecond with llmreg already imported; the spawn
    # default of other platforms re-imports everything in each worker
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _stage_parallel(
    todo: list[Todo],
    jobs: int,
    limits: Limits | None,
    options: CheckOptions | None,
    cache: Cache | None,
    tick: Callable[[int], None],
) -> dict[int, tuple[Staged, bytes | None]]:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # imported before the fork, so that each worker inherits the stage's modules instead of
    # importing them again (they are not imported at start-up: see the top of this module)
    import llmreg.fast_source
    import llmreg.validate  # noqa: F401

    # several chunks per worker keep both busy to the end; few enough to keep pickling cheap
    size = max(16, -(-len(todo) // (jobs * 8)))
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    out: dict[int, tuple[Staged, bytes | None]] = {}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context()) as pool:
        futures = [pool.submit(_stage_chunk, chunk, limits, options, cache) for chunk in chunks]
        for future in as_completed(futures):
            done = future.result()
            out.update((index, (staged, payload)) for index, staged, payload in done)
            tick(len(done))
    return out


class _Run:
    """One run of the stage over ``results``: what the cache answers, what must be computed,
    and where each outcome is recorded (the result, the cache index, the progress)."""

    def __init__(
        self,
        results: Sequence[FileResult],
        cache: Cache | None,
        index: RegistryIndex | None,
        index_names: Sequence[str],
        progress: Progress | None,
    ) -> None:
        import time

        self.results = results
        self.cache = cache
        self.index = index if cache is not None and len(index_names) == len(results) else None
        self.names = index_names
        self.progress = progress
        self.finished = 0
        # taken before any file is read: a file counts as settled only if it was older than this
        self.seen_ns = time.time_ns()
        self.signatures: dict[int, Signature] = {}

    def tick(self, count: int = 1) -> None:
        self.finished += count
        if self.progress is not None:
            self.progress(self.finished, len(self.results))

    def _from_index(self, position: int) -> Staged | None:
        """The result the index trusts by the file's signature alone, without reading it."""
        if self.index is None:
            return None
        try:
            sig = signature(os.stat(self.results[position].path))
        except OSError:
            return None  # reading it reports why
        staged = self.index.trusted(self.names[position], sig)
        if staged is None:
            self.signatures[position] = sig
        return staged

    def _from_cache(self, position: int, key: str) -> Staged | None:
        if self.cache is None:
            return None
        staged = self.index.by_key(self.names[position], key) if self.index else None
        if staged is None:
            return self.cache.get(key)  # counts its own hits and misses
        self.cache.hits += 1
        return staged

    def lookup(self, position: int, limits: Limits | None) -> Todo | None:
        """Serve ``position`` from the cache, or read it and say it must be computed."""
        result = self.results[position]
        staged = self._from_index(position)
        if staged is not None and self.cache is not None:
            self.cache.hits += 1
            self.settle(position, None, staged, record=False)
            return None
        raw = read(result.path, result, limits)
        if raw is None:
            self.tick()
            return None
        key = self.cache.key(raw) if self.cache is not None else None
        staged = self._from_cache(position, key) if key is not None else None
        if staged is not None:
            self.settle(position, key, staged)
            return None
        return position, raw, key

    def settle(
        self,
        position: int,
        key: str | None,
        staged: Staged,
        payload: bytes | None = None,
        *,
        record: bool = True,
        tick: bool = True,
    ) -> None:
        sig = self.signatures.get(position)
        if record and self.index is not None and sig is not None and key is not None:
            self.index.record(self.names[position], sig, key, staged, self.seen_ns, payload)
        self.results[position].absorb(staged)
        if tick:
            self.tick()


def _workers(jobs: int | None, todo: int) -> int:
    if jobs is None:
        workers = default_jobs() if todo >= PARALLEL_MIN_FILES else 1
    else:
        workers = max(1, jobs)
    return min(workers, max(1, todo))


def stage_files(
    results: Sequence[FileResult],
    limits: Limits | None = None,
    *,
    options: CheckOptions | None = None,
    cache: Cache | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    index: RegistryIndex | None = None,
    index_names: Sequence[str] = (),
) -> None:
    """Run the per-file stage for every result, from the cache where it holds the answer.

    ``jobs`` None picks the number of worker processes from the machine and from how many
    files must really be computed; the outcome is the same whatever ``jobs`` is. With an
    ``index`` (of the registry, ``index_names`` naming each result in it), a file whose
    signature the index trusts is not read at all, and every result is recorded in it.
    """
    run = _Run(results, cache, index, index_names, progress)
    todo = [t for t in (run.lookup(p, limits) for p in range(len(results))) if t is not None]
    workers = _workers(jobs, len(todo))
    if workers > 1:
        keys = {position: key for position, _raw, key in todo}
        done = _stage_parallel(todo, workers, limits, options, cache, run.tick)
        for position, (staged, payload) in sorted(done.items()):
            run.settle(position, keys[position], staged, payload, tick=False)
        return
    for position, raw, key in todo:
        # in this process the reference document is kept, to place registry findings later
        staged, document = stage_bytes(raw, limits, options)
        payload = cache.put(key, staged) if cache is not None and key is not None else None
        results[position].document = document
        run.settle(position, key, staged, payload)
