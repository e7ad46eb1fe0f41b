"""The scheduler: the per-file stage over many files, from the cache where it holds the answer,
in worker processes where that pays.

The outcome is the same whatever the number of jobs and whether the cache is used: a cache
entry is what the stage produced for the same bytes, limits, options and code.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence

from llmreg.cache import Cache, RegistryIndex, Signature, Stored, entry_parts
from llmreg.constants import MAX_FILE_BYTES
from llmreg.layout import TooLarge, Unreadable, read_file
from llmreg.results import FileResult, Staged, finding
from llmreg.rules import without_catalogue
from llmreg.settings import CheckOptions
from llmreg.stage import stage_bytes

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from llmreg.diagnostics import Diagnostic
    from llmreg.source import Limits

# Below this many files to compute, worker processes cost about what they save: measured on 2
# cores with forked workers, 50 files take the same time with 1 or 2 jobs, 100 files 8 % less
# with 2, 800 files 35 % less (docs/performance.md).
PARALLEL_MIN_FILES = 100
MAX_DEFAULT_JOBS = 8

Progress = Callable[[int, int], None]
Todo = tuple[int, bytes, "str | None"]  # (position, bytes, cache key)


def read(
    path: str | os.PathLike[str], result: FileResult, limits: Limits | None = None
) -> bytes | None:
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


def _running_now(source: str = "/proc/loadavg") -> int | None:
    """Other processes runnable at this moment (Linux ``/proc/loadavg``), or None."""
    try:
        with open(source, "rb") as handle:
            running = handle.read().split()[3].split(b"/")[0]
        return max(0, int(running) - 1)  # this process is running as it reads
    except (OSError, IndexError, ValueError):
        return None


def default_jobs() -> int:
    """Worker processes for a large check: the CPUs this process may use that are not busy
    already, at most 8. ``os.cpu_count()`` counts CPUs that other processes keep busy: on two
    cores with one of them taken, two workers ran 1.2x slower than one (docs/performance.md).

    Busy is the lesser of the one-minute load average and the processes runnable now: the
    average lags a minute behind and counts processes that have ended, such as the tools a
    hook or a CI step ran just before (a check run right after another saw a load of 1.3 on an
    idle second core, and took one worker: 0.28 s instead of 0.22 s with two); the count of
    this moment alone would take a process that runs for an instant as a busy CPU."""
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]  # runnable processes, averaged over the last minute
    except (AttributeError, OSError):
        busy = 0.0
    now = _running_now()
    if now is not None:
        busy = min(busy, now)
    idle = int(available - busy + 0.5)
    return max(1, min(available, idle, MAX_DEFAULT_JOBS))


def _stage_chunk(
    chunk: list[Todo],
    limits: Limits | None,
    options: CheckOptions | None,
    keep_data: bool,
) -> list[tuple[int, Staged]]:
    """Worker: the stage for each (index, bytes, cache key). The parent stores the results:
    a worker writes nothing, so a registry's cache is written once, by one process."""
    done = []
    for index, raw, _key in chunk:
        staged, _document = stage_bytes(raw, limits, options)
        _for_parent(staged, keep_data)
        done.append((index, staged))
    return done


def _for_parent(staged: Staged, keep_data: bool, catalogue: bool = True) -> None:
    """What of ``staged`` a worker sends back (after the index entry is encoded from it)."""
    if not keep_data:
        staged.data = None  # not sent back: the parent would drop it
    elif staged.data is not None:
        staged.data = _shared_strings(staged.data)
    if not catalogue and staged.facts is not None:
        staged.facts = without_catalogue(staged.facts)


# What a worker sends back for one file it read itself: its position and either the
# findings of a file that could not be read, or its content key (None without a cache), its
# result and that result as the index stores it (None: not stored, or no index).
Fresh = tuple[int, "list[Diagnostic] | None", "str | None", "Staged | None", "Stored | None"]


def _read_and_stage_chunk(
    chunk: list[tuple[int, str, str]],
    cache: Cache | None,
    encode: bool,
    limits: Limits | None,
    options: CheckOptions | None,
    keep_data: bool,
    catalogue: bool,
) -> list[Fresh]:
    """Worker: read, hash, stage and encode each (index, path, display). Used when nothing can
    be served by content key (no cache, an empty index, or load()), so the parent neither reads
    nor hashes the files, nor sends their bytes, nor encodes index entries: in a cold check
    with two workers the parent's per-file work was on the critical path."""
    done: list[Fresh] = []
    for index, location, display in chunk:
        result = FileResult(location, display, None)
        raw = read(location, result, limits)
        if raw is None:
            done.append((index, result.diagnostics, None, None, None))
            continue
        key = cache.key(raw) if cache is not None else None
        staged, _document = stage_bytes(raw, limits, options)
        parts = entry_parts(staged) if encode and key is not None else None
        # a result the index does not store keeps its facts whole, as in ``_Run.settle``
        _for_parent(staged, keep_data, catalogue or (encode and parts is None))
        done.append((index, None, key, staged, parts))
    return done


def _warm_stage() -> None:
    """Import what the stage needs and build its validators before the workers are forked, so
    that they share one copy instead of each paying it (jsonschema-rs' import and the two
    validators are about 15 ms a process)."""
    from llmreg import fast_source, fast_validate, locate  # noqa: F401
    from llmreg.rules import file_rules

    file_rules()
    for kind in ("provider", "model"):
        fast_validate._compiled(kind)


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


# Files sent to a worker at once, and chunks in flight per worker: the files are read while the
# workers stage earlier ones, and at most this many files' bytes are held at a time (a cold
# check of 50,000 files held all their bytes before the first was staged).
CHUNK_FILES = 128
IN_FLIGHT_PER_WORKER = 4


def _stage_parallel(
    todo: Iterator[Todo],
    expected: int,
    jobs: int,
    limits: Limits | None,
    options: CheckOptions | None,
    run: _Run,
    paths: list[tuple[int, str, str]] | None = None,
) -> None:
    """Stage ``todo`` (read by the parent) in ``jobs`` workers; with ``paths`` instead, the
    workers read those files themselves (``_read_and_stage_chunk``)."""
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    # imported before the fork, so that each worker inherits the stage's modules instead of
    # importing them again (they are not imported at start-up: see the top of this module)
    import llmreg.validate  # noqa: F401

    _warm_stage()

    # several chunks per worker keep both busy to the end; few enough to keep pickling cheap
    size = min(CHUNK_FILES, max(16, -(-expected // (jobs * 8))))
    keys: dict[int, str | None] = {}
    pending: set[Future[Any]] = set()

    def settle(futures: set[Future[Any]]) -> None:
        for future in futures:
            if paths is None:
                for position, staged in future.result():
                    run.settle(position, keys.pop(position), staged, computed=True)
                continue
            for position, unread, key, fresh, parts in future.result():
                if unread is not None:
                    run.results[position].diagnostics.extend(unread)
                    run.tick()
                elif fresh is not None:
                    if run.cache is not None and not run.keep_data:
                        run.cache.misses += 1  # as the lookup by content key would count it
                    run.settle(position, key, fresh, computed=True, encoded=parts)

    encode = run.index is not None
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context()) as pool:

        def submit(chunk: list[Any]) -> None:
            if paths is None:
                pending.add(pool.submit(_stage_chunk, chunk, limits, options, run.keep_data))
            else:
                pending.add(
                    pool.submit(
                        _read_and_stage_chunk,
                        chunk,
                        run.cache,
                        encode,
                        limits,
                        options,
                        run.keep_data,
                        run.catalogue,
                    )
                )

        chunk: list[Any] = []
        items: Iterator[Any] = todo if paths is None else iter(paths)
        for item in items:
            if paths is None:
                keys[item[0]] = item[2]
            chunk.append(item)
            if len(chunk) < size:
                continue
            submit(chunk)
            chunk = []
            if len(pending) >= jobs * IN_FLIGHT_PER_WORKER:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                settle(done)
        if chunk:
            submit(chunk)
        done, _ = wait(pending)
        settle(done)


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
        keep_data: bool,
        catalogue: bool = True,
    ) -> None:
        import time

        self.results = results
        self.cache = cache
        self.index = index if cache is not None and len(index_names) == len(results) else None
        self.names = index_names
        self.progress = progress
        self.keep_data = keep_data
        self.catalogue = catalogue  # keep the facts' catalogue fields (an opt-in rule reads them)
        self.finished = 0
        # taken before any file is read: a file counts as settled only if it was older than this
        self.seen_ns = time.time_ns()
        self.signatures: dict[int, Signature] = {}
        self.hits = 0  # served by the index, added to the cache's count at the end
        # fresh results are kept as their stored bytes only when the registry stage may not
        # need them decoded: without a remembered registry stage (a cold run) the rules run
        # over every file's facts, and encoding then decoding them cost about a tenth of a run
        self.lazy = self.index is not None and self.index.remembers and not keep_data

    def tick(self, count: int = 1) -> None:
        self.finished += count
        if self.progress is not None:
            self.progress(self.finished, len(self.results))

    def serve_trusted(self) -> list[int]:
        """Serve every file whose signature the index trusts, without reading it; the
        positions left to read. One tight loop: a warm check of 10,000 files is this loop."""
        index = self.index
        if index is None:
            return list(range(len(self.results)))
        left: list[int] = []
        clean = 0
        stat, trusted, names, signatures = os.stat, index.trusted, self.names, self.signatures
        keep_data = self.keep_data
        for position, result in enumerate(self.results):
            try:
                info = stat(result.location)
            except OSError:
                left.append(position)  # reading it reports why
                continue
            sig = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
            if keep_data:  # load() needs whole documents, which are not cached: staged, and
                signatures[position] = sig  # recorded in the index for later checks
                left.append(position)
                continue
            stored = trusted(names[position], sig)
            if stored is None:
                signatures[position] = sig
                left.append(position)
            elif stored.clean:
                result.absorb_later(stored)
                clean += 1
            elif not self._served(position, None, stored):
                left.append(position)
        self.hits += clean
        if clean:
            self.tick(clean)
        return left

    def _from_cache(self, position: int, key: str) -> Staged | Stored | None:
        if self.cache is None:
            return None
        if self.index is None:
            return self.cache.get(key)  # a file outside a registry; counts hits and misses
        stored = self.index.by_key(self.names[position], key)
        if stored is None:
            self.cache.misses += 1
        return stored

    def _served(self, position: int, key: str | None, found: Staged | Stored) -> bool:
        """Record a cached result; False when it cannot be decoded (the file is staged)."""
        if isinstance(found, Stored) and not found.clean:
            staged = found.staged()
            if staged is None:
                if self.index is not None:
                    self.index.untrust(self.names[position])
                return False
            self.settle(position, key, staged, stored=found)
        else:
            self.settle(position, key, found)
        if self.index is not None:
            self.hits += 1  # Cache.get counts its own
        return True

    def lookup(self, position: int, limits: Limits | None) -> Todo | None:
        """Read ``position`` (not trusted by its signature), serve it from the cache by its
        content key, or say it must be computed."""
        result = self.results[position]
        raw = read(result.location, result, limits)
        if raw is None:
            self.tick()
            return None
        key = self.cache.key(raw) if self.cache is not None else None
        cached = None if key is None or self.keep_data else self._from_cache(position, key)
        if cached is not None and self._served(position, key, cached):
            return None
        return position, raw, key

    def settle(
        self,
        position: int,
        key: str | None,
        staged: Staged | Stored,
        *,
        computed: bool = False,
        tick: bool = True,
        stored: Stored | None = None,
        encoded: Stored | None = None,
    ) -> None:
        """Record ``staged`` in its result, and in the cache when it was computed now or the
        index holds the file under another signature (``stored``: its entry as stored;
        ``encoded``: ``staged`` as the index stores it, when a worker encoded it already)."""
        recorded = None
        if key is not None and self.cache is not None:
            sig = self.signatures.get(position)
            if self.index is not None and sig is not None:
                name = self.names[position]
                entry = stored or encoded or staged
                recorded = self.index.record(name, sig, key, entry, self.seen_ns)
            elif self.index is None and computed and isinstance(staged, Staged):
                self.cache.put(key, staged)
        result = self.results[position]
        if isinstance(staged, Stored):
            result.absorb_later(staged)
        elif recorded is not None and self.lazy and not staged.findings:
            # held as the bytes just stored, decoded only if read (the registry stage may be
            # remembered): a large registry then holds no facts as objects
            result.absorb_later(recorded)
        else:
            # a result the index does not store keeps its facts whole: the digest of what the
            # registry stage reads then encodes them (RegistryIndex.digest)
            whole = self.catalogue or (self.index is not None and recorded is None)
            result.absorb(staged, keep_data=self.keep_data, catalogue=whole)
            result.stored_as(recorded)
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
    keep_data: bool = True,
    catalogue: bool = True,
) -> None:
    """Run the per-file stage for every result, from the cache where it holds the answer.

    ``jobs`` None picks the number of worker processes from the machine and from how many
    files the index does not answer by their signature; the outcome is the same whatever
    ``jobs`` is. Files are read as they are staged, so their bytes are not all held at once. With an
    ``index`` (of the registry, ``index_names`` naming each result in it), a file whose
    signature the index trusts is not read at all, and every result is recorded in it (and in
    no per-file entry). ``keep_data`` keeps each valid document's data in its result, for
    load(); the cache does not hold it, so such a run stages every file (and still fills the
    cache). Without it, a result holds only the facts the registry rules read; ``catalogue``
    False leaves out of them the catalogue fields that only an opt-in rule reads (the cache
    stores them all the same).
    """
    run = _Run(results, cache, index, index_names, progress, keep_data, catalogue)
    left = run.serve_trusted()
    # read one file at a time, as it is staged: a generator, not a list of every file's bytes
    todo = (t for t in (run.lookup(p, limits) for p in left) if t is not None)
    # decided before reading: the files not trusted by their signature (a file whose content
    # key the index still knows is then served without staging, in either way)
    workers = _workers(jobs, len(left))
    if workers > 1 and (cache is None or keep_data or (index is not None and index.empty)):
        # nothing can be served by content key: the workers read the files themselves
        paths = [(p, results[p].location, results[p].display) for p in left]
        _stage_parallel(iter(()), len(left), workers, limits, options, run, paths)
    elif workers > 1:
        _stage_parallel(todo, len(left), workers, limits, options, run)
    else:
        for position, raw, key in todo:
            staged, document = stage_bytes(raw, limits, options)
            if keep_data:
                # load() may place what pydantic refuses at any pointer: keep what the stage read
                results[position].document = document
            run.settle(position, key, staged, computed=True)
    if cache is not None:
        cache.hits += run.hits
