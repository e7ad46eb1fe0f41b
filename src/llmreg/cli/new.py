"""``llmreg new provider|model``: write a valid starting definition at the right path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from llmreg import scaffold
from llmreg.cli._settings import registry_option
from llmreg.exits import EXIT_FINDINGS

_workspace = click.option(
    "--workspace", default="default", show_default=True, help="Workspace of the definition."
)


@click.group("new")
def group() -> None:
    """Create a provider or model definition with the modeline and commented optional fields."""


def _write(make: Callable[[], scaffold.Written]) -> scaffold.Written:
    try:
        written = make()
    except scaffold.ScaffoldError as exc:
        click.echo(f"llmreg: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_FINDINGS) from None
    click.echo(f"wrote {written.path}")
    if not written.schema.is_file():
        click.echo(
            f"note: its modeline points at {written.schema}, which does not exist yet; write it "
            f"with 'llmreg schema export --out {written.schema.parent}' so editors can use it",
            err=True,
        )
    return written


def _check_name(value: str, what: str) -> str:
    try:
        return scaffold.check_identifier(value, what)
    except scaffold.ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None


@group.command("provider")
@click.argument("name")
@click.option(
    "--type",
    "provider_type",
    type=click.Choice(scaffold.PROVIDER_TYPES),
    required=True,
    help="Which API the endpoint speaks.",
)
@_workspace
@registry_option
def provider(
    name: str,
    provider_type: str,
    workspace: str,
    registry: Path,
) -> int:
    """Write <registry>/<workspace>/providers/NAME.yaml for a provider of --type."""
    _check_name(name, "provider name")
    _check_name(workspace, "workspace")
    root = registry
    _write(lambda: scaffold.new_provider(root, name, provider_type, workspace))
    return 0


@group.command("model")
@click.argument("name")
@click.option(
    "--provider",
    "provider_id",
    required=True,
    help="The provider that serves it: 'name' (same workspace) or 'workspace/name'.",
)
@_workspace
@registry_option
def model(
    name: str,
    provider_id: str,
    workspace: str,
    registry: Path,
) -> int:
    """Write <registry>/<workspace>/models/NAME.yaml, and say how PROVIDER serves it."""
    _check_name(name, "model name")
    _check_name(workspace, "workspace")
    root = registry
    try:
        full_id, provider_path = scaffold.provider_file(root, provider_id, workspace)
    except scaffold.ScaffoldError as exc:
        raise click.UsageError(f"--provider: {exc}") from None
    _write(lambda: scaffold.new_model(root, name, workspace))
    snippet = scaffold.served_models_snippet(workspace, name)
    if provider_path.is_file():
        click.echo(
            f"\nTo serve it, add this entry to served_models in {provider_path} "
            f"(llmreg does not edit your files):\n\n{snippet}"
        )
    else:
        click.echo(
            f"\nThere is no provider {full_id} yet ({provider_path}); create it with "
            f"'llmreg new provider {full_id.rpartition('/')[2]} --type ...' and serve the "
            f"model with:\n\n{snippet}"
        )
    return 0
