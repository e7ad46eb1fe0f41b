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
from llmreg.layout import Unreadable, read_file
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


def read(path: Path, result: FileResult, limits: Limits | None = None) -> bytes | None:
    """The file's bytes (at most the size limit plus one), or None with a read-error recorded."""
    try:
        return read_file(path, MAX_FILE_BYTES if limits is None else limits.max_bytes)
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
    chunk: list[tuple[int, bytes, str | None]],
    limits: Limits | None,
    options: CheckOptions | None,
    cache: Cache | None,
) -> list[tuple[int, Staged, bytes | None]]:
    """Worker: the stage for each (index, bytes, cache key); stores each result in the cache
    and returns it with its encoded entry, which the registry index reuses."""
    done = []
    for index, raw, key in chunk:
        staged, _document = stage_bytes(raw, limits, options)
        payload = cache.put(key, staged) if cache is not None and key is not None else None
        done.append((index, staged, payload))
    return done


def _pool_context() -> Any:
    import multiprocessing

    # fork starts a worker in about a millisecond with llmreg already imported; the spawn
    # default of other platforms re-imports everything in each worker
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _stage_parallel(
    todo: list[tuple[int, bytes, str | None]],
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
    total = len(results)
    finished = 0

    def tick(count: int) -> None:
        nonlocal finished
        finished += count
        if progress is not None:
            progress(finished, total)

    import time

    indexed = index if cache is not None and len(index_names) == len(results) else None
    # taken before any file is read: a file counts as settled only if it was older than this
    seen_ns = time.time_ns()
    signatures: dict[int, Signature] = {}

    def remember(
        position: int, key: str | None, staged: Staged, payload: bytes | None = None
    ) -> None:
        sig = signatures.get(position)
        if indexed is not None and sig is not None and key is not None:
            indexed.record(index_names[position], sig, key, staged, seen_ns, payload)

    todo: list[tuple[int, bytes, str | None]] = []
    for position, result in enumerate(results):
        if indexed is not None and cache is not None:
            try:
                sig = signature(os.stat(result.path))
            except OSError:
                pass  # reading it reports why
            else:
                staged = indexed.trusted(index_names[position], sig)
                if staged is not None:
                    cache.hits += 1
                    result.cached = True
                    result.absorb(staged)
                    tick(1)
                    continue
                signatures[position] = sig
        raw = read(result.path, result, limits)
        if raw is None:
            tick(1)
            continue
        key = cache.key(raw) if cache is not None else None
        staged = None
        if cache is not None and key is not None:
            if indexed is not None:
                staged = indexed.by_key(index_names[position], key)
            if staged is None:
                staged = cache.get(key)
            else:
                cache.hits += 1
        if staged is not None:
            remember(position, key, staged)
            result.cached = True
            result.absorb(staged)
            tick(1)
            continue
        todo.append((position, raw, key))
    workers = default_jobs() if jobs is None else max(1, jobs)
    if jobs is None and len(todo) < PARALLEL_MIN_FILES:
        workers = 1
    workers = min(workers, max(1, len(todo)))
    if workers > 1:
        keys = {position: key for position, _raw, key in todo}
        for position, (staged, payload) in sorted(
            _stage_parallel(todo, workers, limits, options, cache, tick).items()
        ):
            remember(position, keys[position], staged, payload)
            results[position].absorb(staged)
        return
    for position, raw, key in todo:
        staged, document = stage_bytes(raw, limits, options)
        payload = cache.put(key, staged) if cache is not None and key is not None else None
        remember(position, key, staged, payload)
        results[position].document = document
        results[position].absorb(staged)
        tick(1)
