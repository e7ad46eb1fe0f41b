"""``llmreg check``: validate definition files and the registry they belong to."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from llmreg.check import run_check
from llmreg.report import REPORTERS


@click.command("check")
@click.argument(
    "paths", nargs=-1, type=click.Path(exists=True, file_okay=True, dir_okay=True, path_type=Path)
)
@click.option(
    "--registry",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("providers.d"),
    show_default=True,
    help="The registry folder; files in it are checked with the whole registry loaded.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="Output format.",
)
def command(paths: tuple[Path, ...], registry: Path, output_format: str) -> int:
    """Check definition files (PATHS: files or folders; default: the registry)."""
    if not paths and not registry.is_dir():
        raise click.UsageError(
            f"the registry folder {registry} does not exist; pass PATHS or --registry DIR"
        )
    report = run_check(paths, registry)
    REPORTERS[output_format](report, sys.stdout)
    return 0 if report.ok else 1
