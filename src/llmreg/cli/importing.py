"""``llmreg import SYSTEM FILE``: turn another system's configuration into definition files."""

from __future__ import annotations

import json
import math
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import click

from llmreg.cli._settings import command_settings, registry_option
from llmreg.exits import EXIT_FINDINGS, EXIT_USAGE
from llmreg.interop import IMPORTABLE, SYSTEMS
from llmreg.interop.gateways import GATEWAYS

# The longest file name of the common file systems (ext4, XFS, APFS, NTFS), in bytes; names are
# ASCII, so in characters too.
NAME_MAX = 255
# A whole gateway configuration is far below this; anything larger is not one.
MAX_IMPORT_BYTES = 32 * 1024 * 1024


def fail(message: str, code: int = EXIT_USAGE) -> click.exceptions.Exit:
    click.echo(f"llmreg: {message}", err=True)
    return click.exceptions.Exit(code)


def read_bounded(path: Path, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; never blocks on a FIFO or device."""
    from llmreg.layout import NotRegular, TooLarge, Unreadable, read_file

    too_big = f"cannot read {path}: larger than {limit // (1024 * 1024)} MiB"
    try:
        raw = read_file(path, limit, refuse_larger=True)
    except NotRegular:
        raise fail(f"cannot read {path}: not a regular file") from None
    except TooLarge:
        raise fail(too_big) from None
    except Unreadable as exc:
        raise fail(f"cannot read {path}: {exc.reason}") from None
    if len(raw) > limit:
        raise fail(too_big)
    return raw


class _BadNumber(ValueError):
    pass


def _constant(name: str) -> Any:
    raise _BadNumber(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _BadNumber(f"the number {text[:40]} is too large for a double")
    return value


def _int(text: str) -> int:
    # Python refuses longer integer strings (a ValueError deep in the parser)
    if len(text) > 4000:
        raise _BadNumber(f"a number of {len(text)} digits is too large")
    return int(text)


# The levels a whole configuration adds around a definition ({"providers": {id: ...}}); a
# payload deeper than a definition may nest plus these cannot become one, and the converters and
# the YAML writer recurse, so it is refused before them.
WRAPPER_DEPTH = 8


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack += [(v, depth + 1) for v in (item.values() if isinstance(item, dict) else item)]
    return False


def read_json(path: Path) -> Any:
    """The JSON value of a file; a one-line error and exit 2 when it cannot be had.

    NaN, Infinity and numbers beyond a double are refused: Python's reader takes them, and they
    would be written as null, a value the file never held.
    """
    from llmreg.source import DEFAULT_LIMITS

    raw = read_bounded(path)
    try:
        value = json.loads(
            raw.decode("utf-8-sig"), parse_constant=_constant, parse_float=_float, parse_int=_int
        )
    except UnicodeDecodeError:
        message = f"{path} is not UTF-8 text"
    except json.JSONDecodeError as exc:
        message = f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    except _BadNumber as exc:
        message = f"{path} is not valid JSON: {exc}"
    except RecursionError:
        message = f"{path} is nested too deeply to read as JSON"
    else:
        if not _deeper_than(value, DEFAULT_LIMITS.max_depth + WRAPPER_DEPTH):
            return value
        message = f"{path} nests deeper than a definition may ({DEFAULT_LIMITS.max_depth} levels)"
    raise fail(message)


def _print_report(diagnostics: list[Any]) -> None:
    from llmreg.check import CheckReport
    from llmreg.report import text

    text.write(CheckReport(files_checked=1, diagnostics=diagnostics), sys.stdout)


@dataclass
class _Planned:
    target: Path
    rel: PurePosixPath
    content: bytes
    notes: list[str] = field(default_factory=list)


def _plan(
    system: str,
    file: Path,
    payload: Any,
    workspace: str | None,
    name: str | None,
    registry: Path,
    known: Existing,
    with_models: bool,
) -> list[_Planned]:
    """Every file the import would write, converted and rendered; nothing is written here."""
    from llmreg.interop import InteropError, import_, split
    from llmreg.interop._common import definition_path
    from llmreg.interop.yaml_out import definition_text

    try:
        objects = split(system, payload)
        if name is not None and len(objects) != 1:
            raise InteropError(f"--name names one definition, the file holds {len(objects)}")
        documents: list[tuple[dict[str, Any], list[str]]] = []
        for index, item in enumerate(objects):
            where = f"item {index + 1}: " if len(objects) > 1 else ""
            try:
                documents.append(import_(system, item, workspace=workspace, name=name))
            except InteropError as exc:
                raise InteropError(f"{where}{exc}") from None
        if with_models:
            documents += _missing_models(documents, known)
        planned: list[_Planned] = []
        for document, notes in documents:
            target = definition_path(
                registry, document["kind"], document.get("workspace"), document.get("name")
            )
            text = definition_text(document, target)
            planned.append(
                _Planned(
                    target,
                    PurePosixPath(target.relative_to(registry).as_posix()),
                    text.encode("utf-8"),
                    notes,
                )
            )
    except InteropError as exc:
        raise fail(f"cannot import {file}: {exc}") from None
    seen: dict[str, Path] = {}
    for item in planned:
        other = seen.setdefault(str(item.rel).lower(), item.target)
        if other is not item.target:
            raise fail(f"cannot import {file}: two definitions would both be {item.rel}")
        if len(item.target.name) > NAME_MAX:
            raise fail(
                f"cannot import {file}: the name of {item.rel.parent}/{item.target.stem[:40]}... "
                f"is too long for a file name (at most {NAME_MAX - len('.yaml')} characters)"
            )
        if not _inside(registry, item.target):
            raise fail(
                f"cannot import {file}: {item.target.parent} links out of the registry {registry}"
            )
    return planned


def _inside(registry: Path, target: Path) -> bool:
    """Whether writing ``target`` stays in ``registry``: a folder of the registry may be a
    symlink (followed, as a ConfigMap's ``..data`` links are) but not one that leads out."""
    folder = target.parent
    while not os.path.lexists(folder):
        if folder == registry:
            return True  # all of it is made new by the import
        folder = folder.parent
    # a dangling link resolves to where it points, so it is judged by that too
    return folder.resolve().is_relative_to(registry.resolve())


def _missing_models(
    documents: list[tuple[dict[str, Any], list[str]]], existing: Existing
) -> list[tuple[dict[str, Any], list[str]]]:
    """Minimal Model definitions for the models the import refers to (served models, base
    models) that are neither in the import nor in the registry."""
    from llmreg.layout import KIND_FOLDERS
    from llmreg.models import ENTITY_ID_PATTERN

    # ids are unique ignoring case, as the checker counts them
    have = {
        f"{d.get('workspace')}/{d.get('name')}".lower()
        for d, _ in documents
        if d["kind"] == "Model"
    }
    out: list[tuple[dict[str, Any], list[str]]] = []
    for entity, why in _referred_models(documents):
        # an id the schema refuses is the referrer's check finding, not a model to write
        if not isinstance(entity, str) or not re.match(ENTITY_ID_PATTERN, entity):
            continue
        if entity.lower() in have:
            continue
        workspace, name = entity.split("/")
        if existing.of(PurePosixPath(workspace, KIND_FOLDERS["Model"], f"{name}.yaml")):
            continue
        have.add(entity.lower())
        model = {"kind": "Model", "workspace": workspace, "name": name}
        out.append((model, [f"minimal model {entity}: {why} and not defined yet; describe it"]))
    return out


def _referred_models(documents: list[tuple[dict[str, Any], list[str]]]) -> list[tuple[Any, str]]:
    referred: list[tuple[Any, str]] = []
    for document, _ in documents:
        for served in document.get("served_models") or []:
            if isinstance(served, dict):
                referred.append((served.get("model_entity_id"), f"served by {document['name']}"))
        if document["kind"] == "Model" and "base_model_id" in document:
            referred.append((document["base_model_id"], f"the base of {document['name']}"))
    return referred


@click.command("import")
@click.argument(
    "system",
    type=click.Choice([*IMPORTABLE, *sorted(n for n, g in GATEWAYS.items() if g.import_)]),
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--workspace",
    default=None,
    help="Workspace of the definitions [default: the payload's own (NeMo workspace, Open WebUI "
    "id prefix), else 'default'].",
)
@click.option(
    "--name", default=None, help="Name of the definition (one object only) [default: from it]."
)
@registry_option
@click.option("--dry-run", is_flag=True, help="Print what would be written; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite definition files that exist.")
@click.option(
    "--no-models",
    is_flag=True,
    help="Do not write minimal model definitions for served or base models that are not defined.",
)
def command(
    system: str,
    file: Path,
    workspace: str | None,
    name: str | None,
    registry: Path,
    dry_run: bool,
    force: bool,
    no_models: bool,
) -> int:
    """Import FILE (SYSTEM's JSON: one object, a list, or the system's whole configuration).

    One definition file is written per object, plus a minimal model definition for each served
    or base model not defined yet (unless --no-models). Server-observed fields are dropped and
    secrets are never written: the notes printed say what was dropped, converted or must be set
    by hand. Nothing is written when any object cannot be converted or there is none (exit 2),
    would not pass 'llmreg check' (exit 1), or would overwrite a file of the same id (ignoring
    case, .yml too) without --force (exit 1, the files listed; --force replaces them).
    """
    from llmreg.check import FileResult, check_bytes, finish, run_check

    settings = command_settings()
    for option, value in (("--workspace", workspace), ("--name", name)):
        if value == "":
            raise click.UsageError(f"{option} is empty")
    known = Existing(registry)
    if system in GATEWAYS:  # a gateway config is read and split its own way (cli/gateways.py)
        from llmreg.cli.gateways import plan_gateway

        planned = plan_gateway(system, file, workspace, name, registry)
    else:
        payload = read_json(file)
        planned = _plan(system, file, payload, workspace, name, registry, known, not no_models)
        if not planned:
            raise fail(f"nothing to import: {file} holds no {SYSTEMS[system].title}")
    failed = False
    for item in planned:
        staged = check_bytes(
            item.content,
            FileResult(path=item.target, display=str(item.target), rel=item.rel),
            options=settings.options,
        )
        finish([staged], settings)
        if any(d.severity == "error" for d in staged.diagnostics):
            _print_report(staged.diagnostics)
            failed = True
    if failed:
        click.echo("llmreg: nothing written: a definition would not pass the check (see above)")
        raise click.exceptions.Exit(EXIT_FINDINGS)
    existing = [(item, known.of(item.rel)) for item in planned]
    if any(found for _, found in existing) and not force:
        for _, found in existing:
            for path in found:
                click.echo(f"llmreg: {path} already exists", err=True)
        click.echo("llmreg: nothing written; --force overwrites", err=True)
        raise click.exceptions.Exit(EXIT_FINDINGS)
    verb = "would write" if dry_run else "wrote"
    created: list[Path] = []
    for item, found in existing:
        if not dry_run:
            new = not os.path.lexists(item.target)
            try:
                _write(item, force)
            except click.exceptions.Exit:
                # all or nothing: a write that fails (disk full, permissions) takes back the
                # files this import made
                for path in created:
                    path.unlink(missing_ok=True)
                if created:
                    click.echo(
                        f"llmreg: removed the {len(created)} file(s) written before", err=True
                    )
                raise
            if new:
                created.append(item.target)
        _remove_replaced(item, found, dry_run)
        click.echo(f"{verb} {item.target}")
        for line in item.notes:
            click.echo(f"note: {line}")
    if dry_run:
        return 0
    report = run_check([item.target for item in planned], registry, settings=settings)
    if report.diagnostics:
        _print_report(report.diagnostics)
    if not report.ok:
        click.echo("llmreg: written, but the registry check reports errors (see above)")
        raise click.exceptions.Exit(EXIT_FINDINGS)
    return 0


class Existing:
    """The definition files of a registry by id: ids are unique ignoring case (as the checker
    counts them) and a definition may be ``.yaml`` or ``.yml``. Listed once, looked up per
    definition (a scan per definition made importing 3,000 over 3,000 take half a minute)."""

    def __init__(self, registry: Path) -> None:
        self._files: dict[tuple[str, str, str], list[Path]] = {}
        for workspace in _entries(registry):
            for folder in _entries(workspace):
                for path in _entries(folder):
                    if path.suffix.lower() in (".yaml", ".yml"):
                        key = (workspace.name.lower(), folder.name.lower(), path.stem.lower())
                        self._files.setdefault(key, []).append(path)

    def of(self, rel: PurePosixPath) -> list[Path]:
        """The files holding the definition that belongs at ``rel``."""
        workspace, folder, filename = rel.parts
        stem = filename.rsplit(".", 1)[0]
        return sorted(self._files.get((workspace.lower(), folder.lower(), stem.lower()), []))


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir()) if folder.is_dir() else []
    except OSError:
        return []


def _remove_replaced(item: _Planned, found: list[Path], dry_run: bool) -> None:
    """With --force the import replaces the definition: other files of the same id go, else the
    registry would hold the id twice."""
    for path in found:
        if path == item.target:
            continue
        try:
            if not dry_run:
                path.unlink()
        except OSError as exc:
            raise fail(f"cannot remove {path}: {exc.strerror or exc}") from None
        click.echo(f"{'would remove' if dry_run else 'removed'} {path} (the same id)")


def _write(item: _Planned, force: bool) -> None:
    try:
        item.target.parent.mkdir(parents=True, exist_ok=True)
        if force:
            # a new file of a name no one could have planted (a link there is not followed)
            fd, temp = tempfile.mkstemp(prefix=f".{item.target.name}.", dir=item.target.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(item.content)
                os.replace(temp, item.target)
            except BaseException:
                os.unlink(temp)
                raise
        else:
            with item.target.open("xb") as out:
                out.write(item.content)
    except FileExistsError:
        raise fail(
            f"{item.target} appeared while importing; not overwritten", EXIT_FINDINGS
        ) from None
    except OSError as exc:
        raise fail(f"cannot write {item.target}: {exc.strerror or exc}") from None
