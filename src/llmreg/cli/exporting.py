"""``llmreg export SYSTEM ID``: print one definition in another system's JSON shape."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from llmreg.cli._settings import command_settings, registry_option
from llmreg.exits import EXIT_FINDINGS, EXIT_USAGE
from llmreg.interop import SYSTEMS
from llmreg.layout import KIND_FOLDERS

_ENTITY_ID = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@click.command("export")
@click.argument("system", type=click.Choice(sorted(SYSTEMS)))
@click.argument("ident", metavar="ID")
@registry_option
def command(system: str, ident: str, registry: Path) -> int:
    """Print the definition ID (workspace/name) as SYSTEM's JSON.

    Open WebUI takes a Model, the other systems a Provider. The definition must pass 'llmreg
    check' (else its diagnostics are printed, exit 1). Secrets appear only as notes naming the
    secret to set; fields the system cannot express are left out and listed in the notes,
    which go to standard error so the JSON can be piped.
    """
    from llmreg.check import run_check
    from llmreg.interop import InteropError, export
    from llmreg.report import text
    from llmreg.source import SourceError, parse, read_text

    if not _ENTITY_ID.match(ident):
        raise click.UsageError(f"ID must be workspace/name, not {ident!r}")
    kind = SYSTEMS[system].kind
    workspace, name = ident.split("/")
    folder = registry / workspace / KIND_FOLDERS[kind]
    found = [p for p in (folder / f"{name}.yaml", folder / f"{name}.yml") if p.is_file()]
    if not found:
        click.echo(f"llmreg: no {kind.lower()} {ident!r} in {registry}", err=True)
        raise click.exceptions.Exit(EXIT_FINDINGS)
    path = found[0]
    report = run_check([path], registry, settings=command_settings())
    if not report.ok:
        text.write(report, sys.stdout)
        raise click.exceptions.Exit(EXIT_FINDINGS)
    try:
        document = parse(read_text(path.read_bytes())).data
    except (OSError, SourceError) as exc:  # changed since the check ran
        click.echo(f"llmreg: cannot read {path}: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_USAGE) from None
    try:
        payload, notes = export(system, document)
    except InteropError as exc:
        click.echo(f"llmreg: cannot export {ident} to {system}: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_USAGE) from None
    click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    for line in notes:
        click.echo(f"note: {line}", err=True)
    return 0
