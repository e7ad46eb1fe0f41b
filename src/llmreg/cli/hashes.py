"""``llmreg hash``: the config_hash of every definition and the registry hash."""

from __future__ import annotations

import json
from pathlib import Path

import click

from llmreg.cli._runtime import open_registry, text_or_json_option
from llmreg.cli._settings import registry_option


@click.command("hash")
@registry_option
@text_or_json_option(
    "text: 'KIND ID sha256:...' per definition, then 'registry PATH sha256:...'; json."
)
def command(registry: Path, output_format: str) -> int:
    """Print config hashes (docs/config-hash.md). An invalid registry prints its diagnostics
    and exits 1."""
    reg = open_registry(registry)
    if output_format == "json":
        payload = {
            "registry_hash": reg.hash,
            "providers": {p.id: p.config_hash for p in reg.providers()},
            "models": {m.id: m.config_hash for m in reg.models()},
        }
        click.echo(json.dumps(payload, indent=2))
        return 0
    for definition in reg.definitions():
        click.echo(f"{definition.kind.lower()} {definition.id} {definition.config_hash}")
    click.echo(f"registry {registry} {reg.hash}")
    return 0
