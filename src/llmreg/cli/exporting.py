"""``llmreg export SYSTEM ID``: print one definition in another system's JSON shape."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from llmreg.interop import SYSTEMS
from llmreg.interop.gateways import GATEWAYS

EXIT_FINDINGS = 1
EXIT_USAGE = 2
SUBFOLDER = {"Provider": "providers", "Model": "models"}
_ENTITY_ID = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@click.command("export")
@click.argument("system", type=click.Choice(sorted([*SYSTEMS, *GATEWAYS])))
@click.argument("ident", metavar="[ID]", required=False)
@click.option(
    "--registry",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("providers.d"),
    show_default=True,
    help="The registry folder holding the definition.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Gateways: write the config to this file (replaced atomically) instead of stdout.",
)
def command(system: str, ident: str | None, registry: Path, out: Path | None) -> int:
    """Print the definition ID (workspace/name) as SYSTEM's JSON.

    The gateways (litellm, litellm-proxy, tensorzero) take no ID: their config holds every routable
    model of the registry; see docs/interop.md.

    Open WebUI takes a Model, the other systems a Provider. The definition must pass 'llmreg
    check' (else its diagnostics are printed, exit 1). Secrets appear only as notes naming the
    secret to set; fields the system cannot express are left out and listed in the notes,
    which go to standard error so the JSON can be piped.
    """
    from llmreg.check import run_check
    from llmreg.interop import InteropError, export
    from llmreg.report import text
    from llmreg.source import SourceError, parse, read_text

    if system in GATEWAYS:
        if ident is not None:
            raise click.UsageError(f"{system} exports the whole registry; it takes no ID")
        from llmreg.cli.gateways import export_gateway

        return export_gateway(system, registry, out)
    if ident is None or out is not None:
        raise click.UsageError(f"{system} takes an ID and writes to stdout (no --out)")
    if not _ENTITY_ID.match(ident):
        raise click.UsageError(f"ID must be workspace/name, not {ident!r}")
    kind = SYSTEMS[system].kind
    workspace, name = ident.split("/")
    folder = registry / workspace / SUBFOLDER[kind]
    found = [p for p in (folder / f"{name}.yaml", folder / f"{name}.yml") if p.is_file()]
    if not found:
        click.echo(f"llmreg: no {kind.lower()} {ident!r} in {registry}", err=True)
        raise click.exceptions.Exit(EXIT_FINDINGS)
    path = found[0]
    report = run_check([path], registry)
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
