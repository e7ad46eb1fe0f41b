"""``llmreg import SYSTEM FILE.json``: turn another system's configuration into a definition."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from llmreg.cli._settings import command_settings, registry_option
from llmreg.exits import EXIT_FINDINGS, EXIT_USAGE
from llmreg.interop import SYSTEMS
from llmreg.layout import expected_path


def read_json(path: Path) -> Any:
    """The JSON value of a file; a one-line error and exit 2 when it cannot be had."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        click.echo(f"llmreg: cannot read {path}: {exc.strerror or exc}", err=True)
        raise click.exceptions.Exit(EXIT_USAGE) from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        click.echo(f"llmreg: {path} is not UTF-8 text", err=True)
    except json.JSONDecodeError as exc:
        click.echo(
            f"llmreg: {path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            err=True,
        )
    except RecursionError:
        click.echo(f"llmreg: {path} is nested too deeply to read as JSON", err=True)
    raise click.exceptions.Exit(EXIT_USAGE)


def _print_report(diagnostics: list[Any]) -> None:
    from llmreg.check import CheckReport
    from llmreg.report import text

    text.write(CheckReport(files_checked=1, diagnostics=diagnostics), sys.stdout)


@click.command("import")
@click.argument("system", type=click.Choice(sorted(SYSTEMS)))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--workspace",
    default=None,
    help="Workspace of the definition [default: the payload's own (NeMo workspace, Open WebUI "
    "id prefix), else 'default'].",
)
@click.option("--name", default=None, help="Name of the definition [default: from the payload].")
@registry_option
def command(
    system: str, file: Path, workspace: str | None, name: str | None, registry: Path
) -> int:
    """Import FILE.json (SYSTEM's JSON for one object) as a definition file in the registry.

    Server-observed fields are dropped and secrets are never written: the notes printed say
    what was dropped, converted or must be set by hand. An existing file is never overwritten
    (exit 1); a definition that would not pass 'llmreg check' is not written (exit 1).
    """
    from llmreg.check import FileResult, check_bytes, finish, run_check
    from llmreg.interop import InteropError, import_
    from llmreg.interop.yaml_out import definition_text

    settings = command_settings()
    payload = read_json(file)
    try:
        document, notes = import_(system, payload, workspace=workspace, name=name)
    except InteropError as exc:
        click.echo(f"llmreg: cannot import {file}: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_USAGE) from None
    kind = SYSTEMS[system].kind
    ws, nm = str(document.get("workspace")), str(document.get("name"))
    rel = expected_path(kind, ws, nm)
    target = registry / rel
    if target.exists():
        click.echo(f"llmreg: {target} already exists; not overwritten", err=True)
        raise click.exceptions.Exit(EXIT_FINDINGS)
    content = definition_text(document, target).encode("utf-8")
    staged = check_bytes(
        content, FileResult(path=target, display=str(target), rel=rel), options=settings.options
    )
    finish([staged], settings)
    if any(d.severity == "error" for d in staged.diagnostics):
        _print_report(staged.diagnostics)
        click.echo(f"llmreg: {target} not written: the definition would not pass the check")
        raise click.exceptions.Exit(EXIT_FINDINGS)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as out:
            out.write(content)
    except FileExistsError:
        click.echo(f"llmreg: {target} already exists; not overwritten", err=True)
        raise click.exceptions.Exit(EXIT_FINDINGS) from None
    except OSError as exc:
        click.echo(f"llmreg: cannot write {target}: {exc.strerror or exc}", err=True)
        raise click.exceptions.Exit(EXIT_USAGE) from None
    click.echo(f"wrote {target}")
    for line in notes:
        click.echo(f"note: {line}")
    report = run_check([target], registry, settings=settings)
    if report.diagnostics:
        _print_report(report.diagnostics)
    if not report.ok:
        click.echo("llmreg: written, but the registry check reports errors (see above)")
        raise click.exceptions.Exit(EXIT_FINDINGS)
    return 0
