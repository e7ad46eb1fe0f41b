"""Orchestration: the one pipeline every entry point goes through.

::

    settings + paths -> layout.walk (discovery) -> schedule.stage_files (the per-file stage,
    cached, in workers) -> the registry rules -> finish (suppressions, settings) -> findings

``llmreg check`` reports the findings (:func:`run_check`); ``llmreg.load()`` and the runtime
commands build a Registry from the same results (:func:`check_registry`, then
``registry.build_from_results``), with the suppressions and settings applied by the same
:func:`finish`, so a registry that ``check`` passes loads and one it fails does not.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from llmreg import layout, suppress
from llmreg.cache import Cache, RegistryFinding
from llmreg.diagnostics import Diagnostic, sort_key
from llmreg.results import CheckReport as CheckReport  # re-exported: the entry points' types
from llmreg.results import FileResult as FileResult
from llmreg.results import finding
from llmreg.rules import CATALOGUE_RULE, Facts, RegistryContext, registry_rules
from llmreg.schedule import Progress, read, stage_files
from llmreg.settings import DEFAULT_SETTINGS, CheckOptions, Settings
from llmreg.stage import stage_bytes

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from llmreg.source import Limits


def check_bytes(
    raw: bytes,
    result: FileResult,
    limits: Limits | None = None,
    options: CheckOptions | None = None,
) -> FileResult:
    """Run the per-file stage on one file's bytes and record its outcome in ``result``; a
    registry finding the stage did not place is placed in these bytes, not in the file."""
    staged, document = stage_bytes(raw, limits, options)
    result.document = document
    result.staged_from(raw)
    return result.absorb(staged)


def check_file(
    path: Path,
    display: str,
    rel: str | PurePosixPath | None,
    limits: Limits | None = None,
    options: CheckOptions | None = None,
) -> FileResult:
    result = FileResult(path=path, display=display, rel=rel)
    raw = read(path, result, limits)
    if raw is None:
        return result
    return check_bytes(raw, result, limits, options)


def apply_cross_file(
    results: Sequence[FileResult], enabled: frozenset[str] = frozenset()
) -> list[RegistryFinding]:
    """The registry stage: run the registry rules over the results' facts and attach their
    findings (placed by the positions the stage recorded with the facts); returns them as
    (position of the result, rule id, message, pointer, at_key).

    An opt-in rule runs only when ``enabled`` (the settings' ``enable``) names it. The cache
    keys its memory of this stage's findings by what the stage read and by ``enabled``
    (``RegistryIndex.digest``), so enabling a rule needs no cache key of its own."""
    files = []
    defined_models: set[str] = set()
    for index, result in enumerate(results):
        if result.model_id is not None:
            defined_models.add(result.model_id)
        facts = result.facts
        if facts is None or result.kind is None:
            continue
        files.append(
            Facts(index, result.rel, result.kind, facts["workspace"], facts["name"], facts)
        )
    context = RegistryContext(files=files, defined_models=frozenset(defined_models))
    found: list[RegistryFinding] = []
    for rule in registry_rules():
        if rule.check is None or (rule.opt_in and rule.id not in enabled):
            continue
        for index, hit in rule.check(context):
            placed = results[index].placed(rule.id, hit.message, hit.pointer, at_key=hit.at_key)
            results[index].diagnostics.append(placed)
            # redacted, as shown: what the cache keeps of it
            found.append((index, rule.id, placed.message, placed.path, placed.at_key))
    return found


def display_path(path: Path, cwd: Path | None = None) -> str:
    """A path as given relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(cwd or Path.cwd().resolve()))
    except ValueError:
        return str(path)


def finish(results: Iterable[FileResult], settings: Settings = DEFAULT_SETTINGS) -> None:
    """Apply the suppression comments and the settings to each result's findings, in place:
    the one post-filter, for every entry point."""
    for result in results:
        if result.diagnostics:
            result.diagnostics = suppress.apply(
                result.diagnostics, {result.display: result.comments}, settings
            )


def check_registry(
    root: Path,
    limits: Limits | None = None,
    *,
    options: CheckOptions | None = None,
    cache: Cache | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    settings: Settings | None = None,
    enabled: frozenset[str] | None = None,
    keep_data: bool = True,
) -> list[FileResult]:
    """Check every file of a registry, with the registry rules; with ``settings``, finished
    (suppressions and settings applied, and ``options`` and ``enabled`` taken from them when
    not given). ``keep_data`` keeps each valid file's whole data in its result (``load()``
    builds the registry from it); without it the results hold only the facts the registry
    rules read, so memory does not grow with the documents, and the cache answers unchanged
    files (it keeps no whole document)."""
    if settings is not None and options is None:
        options = settings.options
    if enabled is None:
        enabled = settings.enable if settings is not None else frozenset()
    files, errors = layout.walk(root)
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
        # strings, not pathlib objects: a large registry spent more in pathlib than in its cache
        results.append(FileResult(base + below, prefix + below, name))
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
        keep_data=keep_data,
        # the catalogue fields are most of a model's facts and only an opt-in rule reads them:
        # left out, a cold check of 50,000 files holds about 70 MB less (docs/performance.md)
        catalogue=keep_data or CATALOGUE_RULE in enabled,
    )
    staged = len(results)
    for folder, reason in errors:
        # named like the files, by the path below the root: a folder that links elsewhere is
        # shown where it stands in the registry, not where its link leads
        below = os.path.relpath(folder, root)
        inside = below != os.pardir and not below.startswith(os.pardir + os.sep)
        shown = prefix + below if inside and below != os.curdir else display_path(folder, cwd)
        unreadable = FileResult(path=folder, display=shown, rel=None)
        unreadable.diagnostics.append(
            finding("read-error", f"cannot read the folder: {reason}", file=shown)
        )
        results.append(unreadable)
    digest = None if index is None else index.digest(names, results[:staged], enabled)
    remembered = None if index is None or digest is None else index.remembered(digest, staged)
    if remembered is None:
        found = apply_cross_file(results, enabled)
        if index is not None and digest is not None:
            index.remember(digest, found)
    else:
        # nothing the registry rules read changed since the run that found these
        for position, rule, message, pointer, at_key in remembered:
            results[position].add(rule, message, pointer, at_key=at_key)
    if index is not None:
        index.save()
    if settings is not None:
        finish(results, settings)
    return results


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

    Files inside the registry are checked with the whole registry loaded for the registry
    rules, but only their own findings are reported. A folder outside the registry is checked
    as a registry of its own; a file outside any registry is checked on its own. ``cache``
    serves unchanged files without parsing them; ``jobs`` sets the worker processes (None:
    chosen from the machine and the work). Suppression comments always apply, then
    ``settings`` (severities, ignored rules, allowed hosts) when given.
    """
    settings = settings or DEFAULT_SETTINGS
    if options is None:
        options = settings.options
    registry_abs = registry.resolve()
    targets = [p.resolve() for p in paths] or [registry_abs]
    roots: dict[Path, list[Path]] = {}
    standalone: list[Path] = []
    for target in targets:
        if target.is_relative_to(registry_abs):
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
            root,
            limits,
            options=options,
            cache=cache,
            jobs=jobs,
            progress=progress,
            enabled=settings.enable,
            keep_data=False,
        ):
            if whole or (location := result.location) in exact or location.startswith(folders):
                checked += 1
                if result.diagnostics:
                    finish([result], settings)
                    diagnostics.extend(result.diagnostics)
    if standalone:
        results = [
            FileResult(path=path, display=display_path(path), rel=None)
            for path in dict.fromkeys(standalone)
        ]
        stage_files(results, limits, options=options, cache=cache, jobs=jobs, keep_data=False)
        for result in results:
            apply_cross_file([result], settings.enable)
            finish([result], settings)
            checked += 1
            diagnostics.extend(result.diagnostics)
    diagnostics.sort(key=sort_key)
    return CheckReport(files_checked=checked, diagnostics=diagnostics)
