"""The registry in memory, for a process that lives on (``llmreg lsp``): re-check one text.

A :class:`Workspace` keeps, for every file of one registry, what the per-file stage found and
the facts the registry rules read. A changed text (an editor's unsaved buffer, or a file saved,
created or deleted on disk) runs the per-file stage for that one file; the registry rules, which
are cheap, then run again over the kept facts; suppressions and settings are applied by the one
:func:`llmreg.check.finish`. So a file gets exactly what ``llmreg check FILE`` reports for the
same text on disk, without reading the other files again.

A :class:`Session` is what an editor's server keeps: the root folders with their
``[tool.llmreg]`` settings, the registry of each (loaded on first use), the open texts and what
was last published for each, so that a change republishes only the files whose findings moved.
Nothing here knows the Language Server Protocol; ``llmreg.lsp`` maps it onto this.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from llmreg.cache import Cache, open_cache
from llmreg.check import (
    FileResult,
    apply_cross_file,
    check_bytes,
    check_file,
    check_registry,
    display_path,
    finish,
)
from llmreg.diagnostics import Diagnostic, sort_key
from llmreg.layout import DEFAULT_REGISTRY, is_definition_name
from llmreg.rules import registry_rules
from llmreg.settings import DEFAULT_SETTINGS, PYPROJECT, Settings, SettingsError
from llmreg.settings import load as load_settings

Log = Callable[[str], None]


def _quiet(message: str) -> None:
    """The default log: nothing."""


def encode(text: str) -> bytes:
    """An editor's text as the bytes a file with that text holds. A lone surrogate (JSON allows
    one) is kept as bytes that are not UTF-8, so the reader reports the encoding problem."""
    return text.encode("utf-8", "surrogatepass")


def _finished(result: FileResult, settings: Settings) -> list[Diagnostic]:
    """``result``'s findings with suppressions and settings applied, on a copy: the result
    itself is kept for the next run of the registry rules."""
    view = FileResult(
        path=result.path,
        display=result.display,
        rel=result.rel,
        diagnostics=list(result.diagnostics),
        comments=result.comments,
    )
    finish([view], settings)
    return sorted(view.diagnostics, key=sort_key)


def check_alone(path: Path, text: str, settings: Settings = DEFAULT_SETTINGS) -> list[Diagnostic]:
    """A text outside any registry, checked on its own as ``llmreg check FILE`` does."""
    result = check_bytes(
        encode(text),
        FileResult(path=path, display=display_path(path), rel=None),
        options=settings.options,
    )
    apply_cross_file([result], settings.enable)
    return _finished(result, settings)


class Workspace:
    """One registry in memory (``root`` resolved, as ``llmreg check`` resolves it)."""

    def __init__(
        self, root: Path, settings: Settings = DEFAULT_SETTINGS, cache: Cache | None = None
    ) -> None:
        self.root = root.resolve()
        self.settings = settings
        self.cache = cache
        self._names: list[str] = []  # sorted, as the walk sorts them: rules see that order
        self._files: list[FileResult] = []
        self._own: list[list[Diagnostic]] = []  # each file's findings before the registry rules
        self._folders: list[FileResult] = []  # folders that could not be walked
        self._registry_ids = frozenset(rule.id for rule in registry_rules())
        shown = display_path(self.root)
        self._prefix = "" if shown == os.curdir else os.path.join(shown, "")
        self._finished: dict[str, list[Diagnostic]] | None = None

    def load(self) -> None:
        """Check every file on disk (through the cache, in this process)."""
        results = check_registry(
            self.root,
            options=self.settings.options,
            cache=self.cache,
            jobs=1,  # no worker processes forked from a server with threads
            enabled=self.settings.enable,
            keep_data=False,  # facts only, so the cache answers unchanged files
        )
        self._names, self._files, self._own, self._folders = [], [], [], []
        for result in results:
            if result.rel is None:
                self._folders.append(result)
                continue
            self._names.append(result.rel)  # the POSIX path below the root
            self._files.append(result)
            self._own.append([d for d in result.diagnostics if d.rule not in self._registry_ids])
        self._finished = None

    def __len__(self) -> int:
        return len(self._files)

    def name_of(self, path: Path) -> str | None:
        """The name below the root of a file the walk takes as a definition, else None: a file
        ``llmreg check`` does not take (hidden folder, not YAML) has no findings."""
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            return None
        if not parts or any(part.startswith(".") for part in parts[:-1]):
            return None
        return "/".join(parts) if is_definition_name(parts[-1]) else None

    def _result(self, name: str) -> FileResult:
        below = name.replace("/", os.sep)
        return FileResult(
            path=Path(os.path.join(self.root, below)),
            display=self._prefix + below,
            rel=PurePosixPath(name),
        )

    def _put(self, name: str, result: FileResult) -> None:
        own = [d for d in result.diagnostics if d.rule not in self._registry_ids]
        at = bisect.bisect_left(self._names, name)
        if at < len(self._names) and self._names[at] == name:
            self._files[at], self._own[at] = result, own
        else:
            self._names.insert(at, name)
            self._files.insert(at, result)
            self._own.insert(at, own)
        self._finished = None

    def set_text(self, path: Path, text: str) -> str | None:
        """``path`` now holds ``text`` (an unsaved buffer): its per-file stage runs again.
        Returns its name, None when the file is not one the registry takes."""
        name = self.name_of(path)
        if name is not None:
            # check_bytes keeps the text: a registry finding is placed in it, not in the file
            self._put(
                name,
                check_bytes(encode(text), self._result(name), options=self.settings.options),
            )
        return name

    def reread(self, path: Path) -> str | None:
        """``path`` changed on disk (saved, created, deleted, or its buffer closed): the file
        as it is on disk now, or gone."""
        name = self.name_of(path)
        if name is None:
            return None
        result = self._result(name)
        if not os.path.lexists(result.path):
            self.remove(path)
            return name
        self._put(
            name, check_file(result.path, result.display, result.rel, None, self.settings.options)
        )
        return name

    def remove(self, path: Path) -> None:
        name = self.name_of(path)
        at = bisect.bisect_left(self._names, name) if name is not None else len(self._names)
        if at < len(self._names) and self._names[at] == name:
            del self._names[at], self._files[at], self._own[at]
            self._finished = None

    def findings(self, path: Path) -> list[Diagnostic]:
        """What ``llmreg check`` reports for ``path`` as the registry is held now."""
        name = self.name_of(path)
        if name is None:
            return []
        if self._finished is None:
            self._rerun_registry_rules()
        assert self._finished is not None
        if name not in self._finished:
            at = bisect.bisect_left(self._names, name)
            if at == len(self._names) or self._names[at] != name:
                return []
            self._finished[name] = _finished(self._files[at], self.settings)
        return self._finished[name]

    def _rerun_registry_rules(self) -> None:
        for result, own in zip(self._files, self._own, strict=True):
            result.diagnostics = list(own)
        apply_cross_file([*self._files, *self._folders], self.settings.enable)
        self._finished = {}


@dataclass
class Project:
    """A root folder: its settings and the registry they name, loaded on first use."""

    root: Path
    settings: Settings
    registry: Path
    cache: Cache | None
    workspace: Workspace | None = None
    said_missing: bool = False

    def workspace_of(self, path: Path, log: Log) -> Workspace | None:
        """The registry holding ``path``, loaded now if it is not yet; None for a file outside
        it (checked on its own) or when the registry folder does not exist."""
        if not path.is_relative_to(self.registry):
            return None
        if self.workspace is None:
            if not self.registry.is_dir():
                if not self.said_missing:
                    self.said_missing = True
                    log(f"the registry {self.registry} is not a folder; files are checked alone")
                return None
            workspace = Workspace(self.registry, self.settings, self.cache)
            workspace.load()
            log(f"loaded the registry {self.registry}: {len(workspace)} files")
            self.workspace = workspace
        return self.workspace


@dataclass
class Session:
    """What a language server keeps: root folders, their registries, the open texts.

    Every method returns the findings to publish, by path: the file the event is about, and
    every other open file whose findings changed (a reference that resolves now, a duplicate
    id gone). Paths are absolute and resolved by the caller.
    """

    roots: list[Path]
    registry: Path | None = None  # --registry: for every root (default: each root's settings)
    config: Path | None = None  # --config: for every root (default: each root's pyproject.toml)
    cache_dir: Path | None = None
    use_cache: bool = True
    log: Log = _quiet
    texts: dict[Path, str] = field(default_factory=dict)
    published: dict[Path, list[Diagnostic]] = field(default_factory=dict)
    _projects: list[Project] | None = None

    def projects(self) -> list[Project]:
        if self._projects is None:
            self._projects = [self._project(root) for root in self.roots or [Path.cwd()]]
        return self._projects

    def _project(self, root: Path) -> Project:
        root = root.resolve()
        try:
            settings = load_settings(self.config, start=root)
        except SettingsError as exc:
            self.log(f"settings: {exc}; using the default settings until it is fixed")
            settings = DEFAULT_SETTINGS
        if self.registry is not None:
            registry = self.registry
        elif settings.registry is not None:
            registry = settings.registry
        else:
            registry = root / DEFAULT_REGISTRY
        cache = None
        if self.use_cache:
            try:
                cache = open_cache(self.cache_dir, settings.options)
            except OSError as exc:
                self.log(f"no cache: {exc}")
        return Project(root=root, settings=settings, registry=registry.resolve(), cache=cache)

    def project_of(self, path: Path) -> Project:
        """The project of the deepest root holding ``path``; else the first (a file outside
        every root is checked as ``llmreg check FILE`` from the first root would)."""
        projects = self.projects()
        holding = [p for p in projects if path.is_relative_to(p.root)]
        return max(holding, key=lambda p: len(p.root.parts)) if holding else projects[0]

    def _findings(self, path: Path) -> list[Diagnostic]:
        project = self.project_of(path)
        workspace = project.workspace_of(path, self.log)
        if workspace is not None:
            return workspace.findings(path)
        return check_alone(path, self.texts.get(path, ""), project.settings)

    def _publish(
        self, changed: Iterable[Path], forced: Path | None
    ) -> dict[Path, list[Diagnostic]]:
        out: dict[Path, list[Diagnostic]] = {}
        for path in changed:
            if path not in self.texts:
                continue
            found = self._findings(path)
            if path == forced or self.published.get(path) != found:
                out[path] = found
                self.published[path] = found
        return out

    def _same_registry(self, path: Path) -> list[Path]:
        """``path`` first, then the other open files whose findings may move with it."""
        project = self.project_of(path)
        workspace = project.workspace_of(path, self.log)
        others = [
            p
            for p in self.texts
            if p != path
            and workspace is not None
            and self.project_of(p).workspace_of(p, self.log) is workspace
        ]
        return [path, *others]

    def set_text(self, path: Path, text: str) -> dict[Path, list[Diagnostic]]:
        """An opened file, or an unsaved change to one."""
        self.texts[path] = text
        workspace = self.project_of(path).workspace_of(path, self.log)
        if workspace is not None:
            workspace.set_text(path, text)
        return self._publish(self._same_registry(path), forced=path)

    def close(self, path: Path) -> dict[Path, list[Diagnostic]]:
        """A closed file: no findings for it any more, and the registry holds it as it is on
        disk again (its unsaved changes are gone)."""
        self.texts.pop(path, None)
        self.published.pop(path, None)
        out: dict[Path, list[Diagnostic]] = {path: []}
        workspace = self.project_of(path).workspace_of(path, self.log)
        if workspace is not None and workspace.reread(path) is not None:
            out.update(self._publish(self._same_registry(path)[1:], forced=None))
        return out

    def on_disk(self, path: Path) -> dict[Path, list[Diagnostic]]:
        """``path`` was saved, created, changed or deleted on disk. An open file keeps its
        editor's text; a settings file reloads everything."""
        if path.name == PYPROJECT:
            return self.reload()
        if path in self.texts:
            return {}
        workspace = self.project_of(path).workspace_of(path, self.log)
        if workspace is None or workspace.reread(path) is None:
            return {}
        return self._publish(self._same_registry(path)[1:], forced=None)

    def reload(self) -> dict[Path, list[Diagnostic]]:
        """Settings changed: read them and the registries again, re-check every open text."""
        self._projects = None
        for path, text in self.texts.items():
            workspace = self.project_of(path).workspace_of(path, self.log)
            if workspace is not None:
                workspace.set_text(path, text)
        return self._publish(list(self.texts), forced=None)
