"""The check pipeline: files -> per-file stage -> cross-file rules -> diagnostics.

The per-file stage is pure (bytes in, findings and facts out), so its result can be cached by
content hash (``llmreg.cache``) and computed in worker processes. Cross-file rules need only the
facts of the files that passed the schema, never a re-parse; a file is read again with positions
only when a cross-file rule reports on a file whose stage result came from the cache.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from llmreg import suppress
from llmreg.cache import Cache, RegistryIndex, Signature, Staged, StagedFinding, signature
from llmreg.diagnostics import Diagnostic
from llmreg.rules import cross_file, severity_of
from llmreg.settings import DEFAULT_OPTIONS, DEFAULT_SETTINGS, CheckOptions, Settings

if TYPE_CHECKING:
    from llmreg.source import Document, Limits, SourceProblem

# The readers, the validators and the per-file rules are imported on first use: a check that
# the cache answers entirely needs none of them, and importing PyYAML, jsonschema and the
# compiled readers is most of such a run's start-up (docs/performance.md).

KIND_SCHEMAS = {"Provider": "provider", "Model": "model"}

# Below this many files to compute, worker processes cost about what they save: measured on 2
# cores with forked workers, 50 files take the same time with 1 or 2 jobs, 100 files 8 % less
# with 2, 800 files 35 % less (docs/performance.md).
PARALLEL_MIN_FILES = 100
MAX_DEFAULT_JOBS = 8

Progress = Callable[[int, int], None]


class Located(Protocol):
    """A place in a file: ``llmreg.source.Position`` or ``Place``."""

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> int: ...


class Place(NamedTuple):
    """A 1-based line and column, for findings placed without the reference reader."""

    line: int
    column: int


START = Place(1, 1)


def parse(text: str, limits: Limits | None = None) -> Document:
    """The reference reader, with positions."""
    from llmreg import source

    return source.parse(text, source.DEFAULT_LIMITS if limits is None else limits)


def _default_limits(limits: Limits | None) -> Limits:
    if limits is not None:
        return limits
    from llmreg.source import DEFAULT_LIMITS

    return DEFAULT_LIMITS


@dataclass
class FileResult:
    """The outcome of the per-file stage for one file."""

    path: Path
    display: str
    rel: PurePosixPath | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    document: Document | None = None
    kind: str | None = None
    data: dict[str, Any] | None = None  # set only when the document passed the schema
    model_id: str | None = None  # workspace/name of a Model document, even an invalid one
    cached: bool = False  # the stage result came from the cache (no parse happened)
    _reread: bool = field(default=False, repr=False, compare=False)

    def _positions(self) -> Document | None:
        """The document with positions, read again once when the stage ran elsewhere."""
        if self.document is None and not self._reread:
            from llmreg.source import SourceError, read_text

            self._reread = True
            try:
                self.document = parse(read_text(self.path.read_bytes()))
            except (OSError, SourceError):
                return None
        return self.document

    def add(self, rule: str, message: str, pointer: str = "", *, at_key: bool = False) -> None:
        document = self._positions()
        position: Located = document.position(pointer, at_key=at_key) if document else START
        self.add_at(rule, message, position, pointer, at_key=at_key)

    def add_at(
        self,
        rule: str,
        message: str,
        position: Located,
        pointer: str = "",
        *,
        at_key: bool = False,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(
                file=self.display,
                line=position.line,
                column=position.column,
                rule=rule,
                message=message,
                path=pointer,
                severity=severity_of(rule),
                at_key=at_key,
            )
        )

    def absorb(self, staged: Staged) -> FileResult:
        """Take over what the per-file stage produced."""
        for f in staged.findings:
            self.add_at(f.rule, f.message, Place(f.line, f.column), f.pointer, at_key=f.at_key)
        self.kind = staged.kind
        self.data = staged.data
        self.model_id = staged.model_id
        return self


class _Stage:
    """Collects the findings of one run of the per-file stage."""

    def __init__(self) -> None:
        self.staged = Staged(findings=[])
        self.document: Document | None = None

    def add_at(
        self,
        rule: str,
        message: str,
        position: Located,
        pointer: str = "",
        *,
        at_key: bool = False,
    ) -> None:
        self.staged.findings.append(
            StagedFinding(rule, message, pointer, position.line, position.column, at_key)
        )

    def add_problem(self, problem: SourceProblem) -> None:
        """Record a problem the reader found."""
        self.add_at(problem.rule, problem.message, problem.position, problem.pointer)

    @classmethod
    def failed(cls, problem: SourceProblem) -> Staged:
        """The stage's result for a file the reader could not turn into a document."""
        out = cls()
        out.add_problem(problem)
        return out.staged

    def add(self, rule: str, message: str, pointer: str = "", *, at_key: bool = False) -> None:
        document = self.document
        position: Located = document.position(pointer, at_key=at_key) if document else START
        self.add_at(rule, message, position, pointer, at_key=at_key)


def stage_bytes(
    raw: bytes, limits: Limits | None = None, options: CheckOptions | None = None
) -> tuple[Staged, Document | None]:
    """The per-file stage: read, parse, validate and run the per-file rules on one file's bytes.

    Pure: the result depends on ``raw``, ``limits``, ``options`` and llmreg's code only.
    A plain file is read by the fast reader; a file with any finding is read again by the
    reference reader, so that what is reported and where is the reference's.
    """
    from llmreg import fast_source
    from llmreg.source import Document, SourceError, read_text

    limits = _default_limits(limits)
    try:
        text = read_text(raw, limits)
    except SourceError as exc:
        return _Stage.failed(exc.problem), None
    data = fast_source.load(text, limits)
    if data is not None:
        staged, _document = _stage_document(Document(data=data), options)
        if not staged.findings:
            return staged, None
    try:
        document = parse(text, limits)
    except SourceError as exc:
        return _Stage.failed(exc.problem), None
    return _stage_document(document, options)


def _stage_document(document: Document, options: CheckOptions | None) -> tuple[Staged, Document]:
    from llmreg.rules import per_file
    from llmreg.validate import check_document

    out = _Stage()
    out.document = document
    data = document.data
    kind = data.get("kind")
    if kind == "Model":
        out.staged.model_id = f"{data.get('workspace')}/{data.get('name')}"
    for source_problem in document.problems:
        out.add_problem(source_problem)
    if out.staged.findings:
        # the reading problems come first; what was built is not trustworthy
        return out.staged, document
    schema_kind = KIND_SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema_kind is None:
        if "kind" not in data:
            out.add("schema", "missing required key 'kind' (Provider or Model)")
        else:
            out.add("schema", f"kind must be Provider or Model, not {kind!r}", "/kind")
        return out.staged, document
    out.staged.kind = kind
    schema_problems = check_document(schema_kind, data, document.yaml11)
    flagged = set()
    for schema_problem in schema_problems:
        flagged.add(schema_problem.pointer)
        out.add(
            "schema", schema_problem.message, schema_problem.pointer, at_key=schema_problem.at_key
        )
    for pointer, note in sorted(document.yaml11.items()):
        if pointer not in flagged:
            out.add(
                "yaml11-ambiguous",
                f"unquoted value: {note}; quote it to mean the same to every reader",
                pointer,
            )
    if schema_problems:
        return out.staged, document
    out.staged.data = data
    opts = options or DEFAULT_OPTIONS
    for finding in per_file.run(kind, data, opts):
        out.add(finding.rule, finding.message, finding.pointer, at_key=finding.at_key)
    return out.staged, document


def check_bytes(
    raw: bytes,
    result: FileResult,
    limits: Limits | None = None,
    options: CheckOptions | None = None,
) -> FileResult:
    """Run the per-file stage on one file's bytes and record its outcome in ``result``."""
    staged, document = stage_bytes(raw, limits, options)
    result.document = document
    return result.absorb(staged)


def _read(path: Path, result: FileResult) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        result.add_at("read-error", f"cannot read the file: {reason}", START)
        return None


def check_file(
    path: Path,
    display: str,
    rel: PurePosixPath | None,
    limits: Limits | None = None,
    options: CheckOptions | None = None,
) -> FileResult:
    result = FileResult(path=path, display=display, rel=rel)
    raw = _read(path, result)
    if raw is None:
        return result
    return check_bytes(raw, result, limits, options)


def apply_cross_file(results: Sequence[FileResult]) -> None:
    """Run the cross-file rules over the results and attach their findings."""
    facts = []
    defined_models: set[str] = set()
    for index, result in enumerate(results):
        if result.model_id is not None:
            defined_models.add(result.model_id)
        data = result.data
        if data is None or result.kind is None:
            continue
        facts.append(
            cross_file.Facts(
                index=index,
                rel=result.rel,
                kind=result.kind,
                workspace=data["workspace"],
                name=data["name"],
                data=data,
            )
        )
    for finding in cross_file.run(facts, defined_models):
        results[finding.index].add(finding.rule, finding.message, finding.pointer)


# -- running the per-file stage over many files -------------------------------------------------


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
    import llmreg.rules.per_file
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
        raw = _read(result.path, result)
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


def _walk(root: Path) -> tuple[list[tuple[str, ...]], list[tuple[Path, str]]]:
    """The parts of each definition file's path below ``root``, sorted as paths sort, and the
    folders that could not be read. Strings, not Paths: a large registry spends more time in
    pathlib than in reading its cached results."""
    found: list[tuple[str, ...]] = []
    errors: list[tuple[Path, str]] = []

    def on_error(exc: OSError) -> None:
        errors.append((Path(exc.filename or root), exc.strerror or str(exc)))

    base = os.fspath(root)
    for folder, dirs, files in os.walk(base, onerror=on_error):
        below = os.path.relpath(folder, base)
        parts = () if below == os.curdir else tuple(below.split(os.sep))
        visible = [d for d in dirs if not d.startswith(".")]
        # a folder named like a definition is taken as one, so reading it is reported
        # (read-error) instead of the definition silently not being checked
        found.extend((*parts, d) for d in visible if d.endswith(cross_file.YAML_SUFFIXES))
        dirs[:] = sorted(d for d in visible if not d.endswith(cross_file.YAML_SUFFIXES))
        for name in files:
            if name.endswith(cross_file.YAML_SUFFIXES) and not name.startswith("."):
                found.append((*parts, name))
    found.sort()
    return found, errors


def walk_registry(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Definition files under ``root`` (sorted), and the folders that could not be read."""
    found, errors = _walk(root)
    return [root.joinpath(*parts) for parts in found], errors


def display_path(path: Path, cwd: Path | None = None) -> str:
    """A path as given relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(cwd or Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass
class CheckReport:
    files_checked: int
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "warning")

    @property
    def ok(self) -> bool:
        return self.errors == 0


def check_registry(
    root: Path,
    limits: Limits | None = None,
    *,
    options: CheckOptions | None = None,
    cache: Cache | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> list[FileResult]:
    """Check every file of a registry, with the cross-file rules."""
    files, errors = _walk(root)
    cwd = Path.cwd().resolve()
    # one resolve for the root, not one per file: it is cheaper, and a file that is a symlink
    # loop is then reported when it is read instead of failing here
    shown_root = display_path(root, cwd)
    prefix = "" if shown_root == os.curdir else os.path.join(shown_root, "")
    base = os.path.join(os.fspath(root), "")
    results = []
    names = []
    for parts in files:
        below = os.sep.join(parts)
        name = "/".join(parts)
        names.append(name)
        results.append(
            FileResult(path=Path(base + below), display=prefix + below, rel=PurePosixPath(name))
        )
    index = cache.index(os.fspath(root.resolve())) if cache is not None else None
    stage_files(
        results,
        limits,
        options=options,
        cache=cache,
        jobs=jobs,
        progress=progress,
        index=index,
        index_names=names,
    )
    if index is not None:
        index.save()
    for folder, reason in errors:
        unreadable = FileResult(path=folder, display=display_path(folder, cwd), rel=None)
        unreadable.add_at("read-error", f"cannot read the folder: {reason}", START)
        results.append(unreadable)
    apply_cross_file(results)
    return results


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def run_check(
    paths: Iterable[Path],
    registry: Path,
    limits: Limits | None = None,
    *,
    options: CheckOptions | None = None,
    cache: Cache | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> CheckReport:
    """Check ``paths`` (files or folders; none means the registry) as ``llmreg check`` does.

    Files inside the registry are checked with the whole registry loaded for the cross-file
    rules, but only their own findings are reported. A folder outside the registry is checked
    as a registry of its own; a file outside any registry is checked on its own. ``cache``
    serves unchanged files without parsing them; ``jobs`` sets the worker processes (None:
    chosen from the machine and the work). Suppression comments always apply, then
    ``settings`` (severities, ignored rules) when given (``llmreg.suppress``).
    """
    registry_abs = registry.resolve()
    targets = [p.resolve() for p in paths] or [registry_abs]
    roots: dict[Path, list[Path]] = {}
    standalone: list[Path] = []
    for target in targets:
        if _inside(target, registry_abs):
            roots.setdefault(registry_abs, []).append(target)
        elif target.is_dir():
            roots.setdefault(target, []).append(target)
        else:
            standalone.append(target)
    diagnostics: list[Diagnostic] = []
    checked = 0
    for root, wanted in roots.items():
        whole = wanted == [root]
        # result paths are the resolved root joined with names found below it, so plain string
        # comparison selects them (resolving 10,000 paths costs more than checking them)
        exact = {os.fspath(w) for w in wanted}
        folders = tuple(os.path.join(os.fspath(w), "") for w in wanted)
        for result in check_registry(
            root, limits, options=options, cache=cache, jobs=jobs, progress=progress
        ):
            text = os.fspath(result.path)
            if whole or text in exact or text.startswith(folders):
                checked += 1
                diagnostics.extend(result.diagnostics)
    if standalone:
        results = [
            FileResult(path=path, display=display_path(path), rel=None)
            for path in dict.fromkeys(standalone)
        ]
        stage_files(results, limits, options=options, cache=cache, jobs=jobs)
        for result in results:
            apply_cross_file([result])
            checked += 1
            diagnostics.extend(result.diagnostics)
    diagnostics = suppress.apply(diagnostics, settings or DEFAULT_SETTINGS)
    return CheckReport(files_checked=checked, diagnostics=diagnostics)
