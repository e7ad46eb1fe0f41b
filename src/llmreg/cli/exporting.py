"""``llmreg export SYSTEM [ID]``: definitions in another system's JSON shape."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from llmreg.cli._runtime import emit
from llmreg.cli._settings import command_settings, registry_option
from llmreg.cli.importing import fail
from llmreg.exits import EXIT_FINDINGS
from llmreg.interop import SYSTEMS
from llmreg.interop.gateways import GATEWAYS


def _one(system: str, ident: str, registry: Path) -> dict[str, Any]:
    """The document of the definition ID, after it passed the check."""
    from llmreg.check import run_check
    from llmreg.interop import InteropError
    from llmreg.interop._common import definition_path
    from llmreg.report import text
    from llmreg.source import SourceError, parse, read_text

    kind = SYSTEMS[system].kind
    _need_registry(registry)
    workspace, _, name = ident.partition("/")
    try:
        path = definition_path(registry, kind, workspace, name)
    except InteropError as exc:
        raise click.UsageError(f"ID must be workspace/name: {exc}") from None
    found = [p for p in (path, path.with_suffix(".yml")) if p.is_file()]
    if not found:
        raise fail(f"no {kind.lower()} {ident!r} in {registry}", EXIT_FINDINGS)
    report = run_check([found[0]], registry, settings=command_settings())
    if not report.ok:
        text.write(report, sys.stdout)
        raise click.exceptions.Exit(EXIT_FINDINGS)
    try:
        document: dict[str, Any] = parse(read_text(found[0].read_bytes())).data
    except (OSError, SourceError) as exc:  # changed since the check ran
        raise fail(f"cannot read {found[0]}: {exc}") from None
    return document


def _need_registry(registry: Path) -> None:
    if not registry.is_dir():
        raise fail(f"{registry} is not a directory")


def _all(registry: Path) -> list[dict[str, Any]]:
    """Every definition of the registry as a document, after the whole registry passed the check."""
    import llmreg
    from llmreg.layout import is_registry_folder
    from llmreg.report import text

    _need_registry(registry)
    if not is_registry_folder(registry):
        # an empty configuration out of a mistyped folder helps no one
        raise fail(
            f"{registry} is not a registry: no <workspace>/<providers|models>/<name>.yaml "
            "files in it"
        )
    try:
        loaded = llmreg.load(registry, settings=command_settings())
    except llmreg.RegistryError as exc:
        from llmreg.check import CheckReport

        if exc.diagnostics:
            report = CheckReport(files_checked=exc.files_checked, diagnostics=list(exc.diagnostics))
            text.write(report, sys.stdout)
            raise click.exceptions.Exit(EXIT_FINDINGS) from None
        raise fail(exc.message) from None
    return [
        d.model_dump(mode="json", exclude_defaults=True) | {"kind": d.kind}
        for d in loaded.definitions()
    ]


@click.command("export")
@click.argument("system", type=click.Choice(sorted([*SYSTEMS, *GATEWAYS])))
@click.argument("ident", metavar="[ID]", required=False)
@registry_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the output to this file instead of standard output ('-': standard output).",
)
def command(system: str, ident: str | None, registry: Path, out: Path | None) -> int:
    """Print the definition ID (workspace/name) as SYSTEM's JSON; without ID, the whole registry.

    Open WebUI takes Models, the other systems Providers. Without ID the output is the system's
    whole configuration: a Bifrost config.json, a list of NeMo create requests, of Label Studio
    connections, of Open WebUI models. What is exported must pass 'llmreg check' (else its
    diagnostics are printed, exit 1). Secrets appear only as references (Bifrost's env.NAME)
    or in notes naming the secret to set; fields the system cannot express are left out and
    listed in the notes, which go to standard error so the JSON can be piped.

    The gateways (litellm, litellm-proxy, tensorzero) take no ID: their configuration holds
    every routable model of the registry (docs/interop.md).
    """
    from llmreg.interop import InteropError, export, export_all

    if out == Path("-"):  # the usual spelling of standard output, not a file named '-'
        out = None
    if system in GATEWAYS:
        if ident is not None:
            raise click.UsageError(f"{system} exports the whole registry; it takes no ID")
        from llmreg.cli.gateways import export_gateway

        return export_gateway(system, registry, out)

    try:
        if ident is None:
            payload, notes = export_all(system, _all(registry))
        else:
            payload, notes = export(system, _one(system, ident, registry))
    except InteropError as exc:
        raise fail(f"cannot export {ident or registry} to {system}: {exc}") from None
    return emit(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", out, list(notes))
