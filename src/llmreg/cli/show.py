"""``llmreg show provider|model ID``: one definition with its config_hash."""

from __future__ import annotations

import json
from pathlib import Path

import click

from llmreg.cli._runtime import open_registry, unknown_id
from llmreg.cli._settings import registry_option


@click.command("show")
@click.argument("kind", type=click.Choice(["provider", "model"]))
@click.argument("ident", metavar="ID")
@registry_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="yaml: a definition file with the hash in a comment; json: an object.",
)
@click.option(
    "--all-fields",
    is_flag=True,
    help="Also show fields at their default value (the hash never covers those).",
)
def command(kind: str, ident: str, registry: Path, output_format: str, all_fields: bool) -> int:
    """Show one definition and its config_hash.

    Without --all-fields the definition is shown in its normalized form: exactly what the
    config_hash covers. Secrets appear only as the names of their references
    (api_key_secret_name, password_secret_name). An unknown ID exits 1 and suggests close ids;
    an invalid registry prints its diagnostics and exits 1.
    """
    from llmreg.errors import UnknownIdError
    from llmreg.hashing import normalize

    reg = open_registry(registry)
    try:
        definition = reg.provider(ident) if kind == "provider" else reg.model(ident)
    except UnknownIdError as exc:
        raise unknown_id(exc) from None
    data = definition.model_dump(mode="json") if all_fields else normalize(definition)
    if output_format == "json":
        payload = {
            "kind": definition.kind,
            "id": definition.id,
            "config_hash": definition.config_hash,
            "definition": data,
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        import yaml

        click.echo(f"# config_hash: {definition.config_hash}")
        click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), nl=False)
    return 0
