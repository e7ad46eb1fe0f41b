"""``llmreg list``: the ids of the registry's definitions, optionally filtered."""

from __future__ import annotations

import json
from pathlib import Path

import click

from llmreg.cli._runtime import open_registry, text_or_json_option, unknown_id
from llmreg.cli._settings import registry_option


@click.command("list")
@click.option("--kind", type=click.Choice(["provider", "model"]), help="Only this kind.")
@click.option("--capability", help="Only models with this capability set to true.")
@click.option("--provider", "provider_id", metavar="ID", help="Only models this provider serves.")
@registry_option
@text_or_json_option("text: 'KIND ID' per line (with 'disabled'/'inactive' when so); json: a list.")
def command(
    kind: str | None,
    capability: str | None,
    provider_id: str | None,
    registry: Path,
    output_format: str,
) -> int:
    """List providers and models, sorted by kind and id.

    --capability and --provider select models. An unknown --provider ID exits 1 and suggests
    close ids; an invalid registry prints its diagnostics and exits 1.
    """
    from llmreg.errors import UnknownIdError

    if kind == "provider" and (capability or provider_id):
        raise click.UsageError("--capability and --provider select models, not providers")
    reg = open_registry(registry)
    rows: list[tuple[str, str, str, bool]] = []
    if kind != "model" and not (capability or provider_id):
        rows.extend(("provider", p.id, p.config_hash, p.enabled) for p in reg.providers())
    if kind != "provider":
        try:
            models = reg.models(capability=capability, provider=provider_id)
        except UnknownIdError as exc:
            raise unknown_id(exc) from None
        rows.extend(("model", m.id, m.config_hash, m.is_active) for m in models)
    if output_format == "json":
        payload = [{"kind": k, "id": i, "config_hash": h, "routable": on} for k, i, h, on in rows]
        click.echo(json.dumps(payload, indent=2))
        return 0
    for k, i, _, on in rows:
        state = "" if on else ("  disabled" if k == "provider" else "  inactive")
        click.echo(f"{k} {i}{state}")
    return 0
