"""The registry layout, in one place: folder names, suffixes, where a definition lives, how the
tree is walked and how one of its files is read.

A registry is ``<root>/<workspace>/providers|models/<name>.yaml``. Walking follows folders that
are symbolic links when they stay inside the root (the Kubernetes ConfigMap layout links each
top-level entry to ``..data/<entry>``), each real folder once, so a link cycle ends; a linked
folder that leads outside the root is reported instead of being passed over in silence.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath

from llmreg.constants import MAX_FILE_BYTES

KIND_FOLDERS = {"Provider": "providers", "Model": "models"}
KIND_SCHEMAS = {"Provider": "provider", "Model": "model"}
YAML_SUFFIXES = (".yaml", ".yml")
DEFAULT_REGISTRY = "providers.d"

# Workspaces and names: letters, digits, '_', '-' and '.', at most 255 characters (the models
# bound the length).
# At least one character that is not a dot: "." and ".." are path components, not names, and a
# definition's path is built from its workspace and name (no lookahead: jsonschema-rs and
# other languages' validators read this pattern too).
_PART = r"\.*[A-Za-z0-9_-][A-Za-z0-9_.-]*"
IDENTIFIER_PATTERN = rf"^{_PART}$"
ENTITY_ID_PATTERN = rf"^{_PART}/{_PART}$"


def expected_path(kind: str, workspace: str, name: str) -> PurePosixPath:
    """Where the definition of ``kind`` with this identity lives, relative to the root."""
    return PurePosixPath(workspace, KIND_FOLDERS[kind], f"{name}.yaml")


def definition_path(root: Path, kind: str, workspace: str, name: str) -> Path:
    return root.joinpath(*expected_path(kind, workspace, name).parts)


def is_definition_name(name: str) -> bool:
    """A file (or folder) name the walk takes as a definition file."""
    return name.endswith(YAML_SUFFIXES) and not name.startswith(".")


_FOLDER_NAMES = tuple(KIND_FOLDERS.values())


def in_layout(parts: tuple[str, ...]) -> bool:
    """``<workspace>/<providers|models>/<name>.yaml``: where a registry keeps its definitions."""
    return (
        len(parts) == 3
        and parts[1] in _FOLDER_NAMES
        and parts[2].endswith(YAML_SUFFIXES)
        and not any(part.startswith(".") for part in parts)
    )


def is_registry_folder(folder: Path) -> bool:
    """At least one definition file where a registry keeps them. A folder without any (the
    repository's root, ``src/``) is not a registry, and saying so beats reporting every YAML
    file in it as misplaced."""
    for kind in _FOLDER_NAMES:
        for suffix in YAML_SUFFIXES:
            for found in folder.glob(f"*/{kind}/*{suffix}"):
                if in_layout(found.relative_to(folder).parts):
                    return True
    return False


class Unreadable(Exception):
    """A path that cannot be read as a definition file; ``reason`` says why, for a finding."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotRegular(Unreadable):
    """A folder, device, FIFO or socket where a file was expected."""


class TooLarge(Unreadable):
    """Larger than the bound, said by the file's ``size`` before any byte was read."""

    def __init__(self, reason: str, size: int) -> None:
        super().__init__(reason)
        self.size = size


Walked = tuple[list[tuple[str, ...]], list[tuple[Path, str]]]


def walk(root: Path) -> Walked:
    """The parts of each definition file's path below ``root``, sorted as paths sort, and the
    folders that could not be walked with the reason. Strings, not Paths: a large registry
    spends more time in pathlib than in reading its cached results."""
    found: list[tuple[str, ...]] = []
    errors: list[tuple[Path, str]] = []
    base = os.fspath(root)
    try:
        real_root = os.path.realpath(base)
    except OSError:  # pragma: no cover - realpath does not raise on Linux
        real_root = base
    walked: set[str] = {real_root}

    def on_error(exc: OSError) -> None:
        errors.append((Path(exc.filename or root), exc.strerror or str(exc)))

    for folder, dirs, files in os.walk(base, onerror=on_error, followlinks=True):
        below = os.path.relpath(folder, base)
        parts = () if below == os.curdir else tuple(below.split(os.sep))
        if parts:
            real = os.path.realpath(folder)
            if os.path.commonpath([real_root, real]) != real_root:
                errors.append((Path(folder), "it links outside the registry (not followed)"))
                dirs[:] = []
                continue
            if real in walked:
                # a link back to a folder read already (a cycle): nothing in it goes unread
                dirs[:] = []
                continue
            walked.add(real)
        keep: list[str] = []
        for d in dirs:
            if d.startswith("."):
                continue
            if d.endswith(YAML_SUFFIXES):
                # a folder named like a definition is taken as one, so reading it is reported
                # (read-error) instead of the definition silently not being checked
                found.append((*parts, d))
            else:
                keep.append(d)
        dirs[:] = sorted(keep)
        found.extend((*parts, name) for name in files if is_definition_name(name))
    found.sort()
    return found, errors


_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_file(
    path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES, *, refuse_larger: bool = False
) -> bytes:
    """The bytes of a regular file, at most ``max_bytes + 1`` of them (one more than the limit,
    so that the caller can tell a file over it), or Unreadable. With ``refuse_larger``, a file
    whose size is already over the bound is TooLarge before anything is read.

    Opened without blocking and checked after opening, so a FIFO or a device (``/dev/zero``,
    ``/dev/urandom``) behind a link is refused at once instead of hanging or filling memory.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise Unreadable(exc.strerror or exc.__class__.__name__) from None
    try:
        info = os.fstat(fd)
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            raise NotRegular(os.strerror(errno.EISDIR))
        if not stat.S_ISREG(mode):
            what = next((text for test, text in _KINDS if test(mode)), "not a regular file")
            raise NotRegular(f"it is {what}, not a regular file")
        if refuse_larger and info.st_size > max_bytes:
            raise TooLarge(f"it is larger than {max_bytes} bytes", info.st_size)
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            # the size fstat gave in one read (a large snapshot is then not copied by a join),
            # and only what is left of the bound when the file grew meanwhile
            chunk = os.read(fd, min(left, max(1 << 20, info.st_size + 1)))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise Unreadable(exc.strerror or exc.__class__.__name__) from None
    finally:
        os.close(fd)
