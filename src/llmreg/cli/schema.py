"""``llmreg schema export|check``: the JSON Schemas exported from the pydantic models."""

from __future__ import annotations

from pathlib import Path

import click

from llmreg import schemas
from llmreg.exits import EXIT_FINDINGS, EXIT_OK


@click.group("schema")
def group() -> None:
    """Export the JSON Schemas, or check the committed ones for drift."""


@group.command("export")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Folder to write provider.schema.json and model.schema.json into.",
)
@click.option(
    "--package/--no-package",
    default=False,
    help="Also refresh the copy inside the llmreg package (for llmreg's own development).",
)
def export(out: Path, package: bool) -> int:
    """Write the schemas the models export."""
    written = schemas.export(out)
    if package:
        written += schemas.export(schemas.packaged_dir())
    for path in written:
        click.echo(f"wrote {path}")
    return 0


@group.command("check")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Folder holding the committed schemas.",
)
def check(directory: Path) -> int:
    """Exit 1 and show the difference when committed schemas differ from the models."""
    drifts = schemas.check([directory, schemas.packaged_dir()])
    for drift in drifts:
        click.echo(f"{drift.file}: differs from what the models export", err=True)
        click.echo(drift.detail, err=True)
    if drifts:
        click.echo("Run 'llmreg schema export --package' and commit the result.", err=True)
        return EXIT_FINDINGS
    click.echo(f"Schemas in {directory} and in the package match the models.")
    return EXIT_OK
