"""``llmreg import SYSTEM FILE``: turn another system's configuration into definition files."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import click

from llmreg.cli._settings import command_settings, registry_option
from llmreg.exits import EXIT_FINDINGS, EXIT_USAGE
from llmreg.interop import IMPORTABLE

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


def read_json(path: Path) -> Any:
    """The JSON value of a file; a one-line error and exit 2 when it cannot be had."""
    raw = read_bounded(path)
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        message = f"{path} is not UTF-8 text"
    except json.JSONDecodeError as exc:
        message = f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    except RecursionError:
        message = f"{path} is nested too deeply to read as JSON"
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
            documents += _missing_models(documents, registry)
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
    return planned


def _missing_models(
    documents: list[tuple[dict[str, Any], list[str]]], registry: Path
) -> list[tuple[dict[str, Any], list[str]]]:
    """Minimal Model definitions for served models neither in the import nor in the registry."""
    from llmreg.layout import KIND_FOLDERS
    from llmreg.models import ENTITY_ID_PATTERN

    # ids are unique ignoring case, as the checker counts them
    have = {
        f"{d.get('workspace')}/{d.get('name')}".lower()
        for d, _ in documents
        if d["kind"] == "Model"
    }
    out: list[tuple[dict[str, Any], list[str]]] = []
    for document, _ in documents:
        for served in document.get("served_models") or []:
            entity = served.get("model_entity_id") if isinstance(served, dict) else None
            # an id the schema refuses is the provider's check finding, not a model to write
            if not isinstance(entity, str) or not re.match(ENTITY_ID_PATTERN, entity):
                continue
            if entity.lower() in have:
                continue
            workspace, name = entity.split("/")
            folder = registry / workspace / KIND_FOLDERS["Model"]
            if any((folder / f"{name}{ext}").exists() for ext in (".yaml", ".yml")):
                continue
            have.add(entity.lower())
            model = {"kind": "Model", "workspace": workspace, "name": name}
            out.append(
                (
                    model,
                    [
                        f"minimal model {entity}: served by {document['name']} and not "
                        "defined yet; describe it"
                    ],
                )
            )
    return out


@click.command("import")
@click.argument("system", type=click.Choice(IMPORTABLE))
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
    help="Do not write minimal model definitions for served models that are not defined.",
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
    model not defined yet (unless --no-models). Server-observed fields are dropped and secrets
    are never written: the notes printed say what was dropped, converted or must be set by hand.
    Nothing is written when any object cannot be converted (exit 2), would not pass 'llmreg
    check' (exit 1), or would overwrite a file without --force (exit 1, the files listed).
    """
    from llmreg.check import FileResult, check_bytes, finish, run_check

    settings = command_settings()
    payload = read_json(file)
    planned = _plan(system, file, payload, workspace, name, registry, not no_models)
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
    existing = [item.target for item in planned if item.target.exists()]
    if existing and not force:
        for target in existing:
            click.echo(f"llmreg: {target} already exists", err=True)
        click.echo("llmreg: nothing written; --force overwrites", err=True)
        raise click.exceptions.Exit(EXIT_FINDINGS)
    verb = "would write" if dry_run else "wrote"
    for item in planned:
        if not dry_run:
            _write(item, force)
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


def _write(item: _Planned, force: bool) -> None:
    try:
        item.target.parent.mkdir(parents=True, exist_ok=True)
        if force:
            temp = item.target.with_name(f".{item.target.name}.llmreg-import")
            temp.write_bytes(item.content)
            os.replace(temp, item.target)
        else:
            with item.target.open("xb") as out:
                out.write(item.content)
    except FileExistsError:
        raise fail(
            f"{item.target} appeared while importing; not overwritten", EXIT_FINDINGS
        ) from None
    except OSError as exc:
        raise fail(f"cannot write {item.target}: {exc.strerror or exc}") from None
