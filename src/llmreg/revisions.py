"""A registry as it is in a git revision, read from git's objects (no checkout).

``llmreg diff origin/main HEAD`` is what a CI job of a pull request has: two revisions and one
working tree. The registry folder of a revision is listed with ``git ls-tree`` and its blobs are
read with one ``git cat-file --batch``; they are written into a private temporary folder and
loaded from there by the same :func:`llmreg.load` as a working tree, so a revision is judged by
exactly the rules of ``llmreg check``. The working tree, the index and HEAD are never touched.
Findings name their file as git does, ``REV:path/in/the/revision.yaml``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING

from llmreg.errors import RegistryError
from llmreg.layout import YAML_SUFFIXES, in_layout

if TYPE_CHECKING:
    from llmreg.registry import Registry
    from llmreg.settings import Settings

_CHUNK = 1 << 16


def _git_env() -> dict[str, str]:
    # never prompt for credentials; take no optional locks (a CI job may run git alongside)
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}


class RevisionError(Exception):
    """A revision that cannot be read; the message is one line for the user."""


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
            env=_git_env(),
        )
    except FileNotFoundError:
        raise RevisionError("git is not installed (needed to read a revision)") from None
    except OSError as exc:
        raise RevisionError(f"cannot run git: {exc.strerror or exc}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RevisionError(reason[-1] if reason else f"git {args[0]} failed")
    return done.stdout


def resolve_revision(spec: str, cwd: Path) -> str:
    """The commit id ``spec`` names in the repository around ``cwd``."""
    if not spec or spec.startswith("-"):
        raise RevisionError(f"{spec!r} is not a git revision")
    try:
        out = _git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", spec + "^{commit}"], cwd
        )
    except RevisionError as exc:
        # rev-parse --quiet says nothing for an unknown name; git's own reason otherwise
        # (e.g. "not a git repository")
        detail = str(exc)
        if detail.startswith("git rev-parse"):
            detail = "unknown revision"
        raise RevisionError(
            f"{spec!r} is not a folder, a snapshot or a git revision ({detail})"
        ) from None
    return out.decode("ascii").strip()


def _tree_entries(commit: str, folder: str, cwd: Path) -> list[tuple[str, str, str]]:
    """(mode, object id, path) of every file below ``folder`` at ``commit``; paths as git gives
    them relative to ``cwd``."""
    out = _git(["ls-tree", "-r", "-z", "--end-of-options", commit, "--", folder], cwd)
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        info, _, raw_path = record.partition(b"\t")
        mode, kind, oid = info.decode("ascii").split()
        if kind != "blob":
            continue  # a submodule (a commit) has no content here
        entries.append((mode, oid, os.fsdecode(raw_path)))
    return entries


def _copy_blob(stream: IO[bytes], size: int, target: IO[bytes]) -> None:
    """Copy ``size`` bytes of ``stream`` in chunks: a large blob is never whole in memory."""
    left = size
    while left:
        chunk = stream.read(min(_CHUNK, left))
        if not chunk:
            raise RevisionError("git cat-file ended early")
        left -= len(chunk)
        target.write(chunk)


def _write_blobs(entries: list[tuple[str, Path]], cwd: Path) -> None:
    try:
        process = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_git_env(),
        )
    except OSError as exc:
        raise RevisionError(f"cannot run git: {exc.strerror or exc}") from None
    assert process.stdin is not None and process.stdout is not None
    try:
        # one id asked, its object read, then the next: neither pipe can fill up and block
        for oid, target in entries:
            process.stdin.write(oid.encode("ascii") + b"\n")
            process.stdin.flush()
            header = process.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise RevisionError(f"git cat-file cannot read object {oid}")
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                _copy_blob(process.stdout, int(header[2]), out)
            process.stdout.read(1)  # the newline after each object
    finally:
        process.stdin.close()
        process.stdout.close()
        process.wait()


def _renamed(exc: RegistryError, tmp: str, label: str) -> RegistryError:
    prefix = os.path.join(tmp, "")
    diagnostics = [
        replace(d, file=label + d.file[len(prefix) :].replace(os.sep, "/"))
        if d.file.startswith(prefix)
        else d
        for d in exc.diagnostics
    ]
    return RegistryError(exc.message, diagnostics, files_checked=exc.files_checked)


def load_revision(
    spec: str,
    registry: str | os.PathLike[str],
    cwd: Path | None = None,
    *,
    settings: Settings | None = None,
) -> Registry:
    """The registry in folder ``registry`` as it is at git revision ``spec``.

    Raises :class:`RevisionError` (one line) when ``spec`` names no commit or the revision has
    no registry there (no definition where a registry keeps them), and :class:`RegistryError`
    with every finding when the files are not a valid registry. ``settings`` (default: those
    of the working directory, as for ``llmreg check``) apply as they do to a folder.
    """
    from llmreg import settings as settings_module
    from llmreg.registry import load

    here = Path.cwd() if cwd is None else cwd
    commit = resolve_revision(spec, here)
    folder = Path(registry)
    if folder.is_absolute():
        folder = Path(os.path.relpath(folder, here))
    where = PurePosixPath(folder.as_posix())
    entries = [
        (mode, oid, path)
        for mode, oid, path in _tree_entries(commit, str(where), here)
        if path.endswith(YAML_SUFFIXES)
    ]
    if not any(in_layout(PurePosixPath(path).parts[len(where.parts) :]) for _, _, path in entries):
        raise RevisionError(
            f"{spec}: no registry at {where} "
            "(no <workspace>/<providers|models>/<name>.yaml files there)"
        )
    links = [path for mode, _oid, path in entries if mode == "120000"]
    if links:
        raise RevisionError(
            f"{spec}:{links[0]} is a symbolic link; a registry in a revision is read without "
            "following links"
        )
    tmp = tempfile.mkdtemp(prefix="llmreg-rev-")
    try:
        root = Path(tmp)
        placed = []
        for _mode, oid, path in entries:
            # git lists the paths relative to cwd, below the folder asked for
            parts = PurePosixPath(path).parts[len(where.parts) :]
            if not parts or ".." in parts:
                raise RevisionError(f"{spec}: unexpected path {path!r} in the tree")
            placed.append((oid, root.joinpath(*parts)))
        _write_blobs(placed, here)
        try:
            if settings is None:
                try:
                    settings = settings_module.load(start=here)
                except settings_module.SettingsError as exc:
                    raise RegistryError(f"settings: {exc}") from None
            return load(root, settings=settings)
        except RegistryError as exc:
            label = f"{spec}:" if not where.parts else f"{spec}:{where}/"
            raise _renamed(exc, tmp, label) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
