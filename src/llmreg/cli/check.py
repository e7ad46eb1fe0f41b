"""``llmreg check``: validate definition files and the registry they belong to."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from llmreg.cache import open_cache
from llmreg.check import run_check
from llmreg.cli._settings import command_settings, registry_option
from llmreg.cli.progress import Progress
from llmreg.exits import EXIT_FINDINGS, EXIT_OK
from llmreg.report import REPORTERS


@click.command("check")
@click.argument(
    "paths", nargs=-1, type=click.Path(exists=True, file_okay=True, dir_okay=True, path_type=Path)
)
@registry_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(REPORTERS)),
    default=None,
    help="Output format [default: github when GITHUB_ACTIONS=true, else text].",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where results of unchanged files are kept [default: $LLMREG_CACHE_DIR, else the "
    "user cache folder].",
)
@click.option("--no-cache", is_flag=True, help="Parse and validate every file again.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for the files that must be checked [default: one per CPU, at most "
    "8; one when fewer than 100 files must be computed].",
)
def command(
    paths: tuple[Path, ...],
    registry: Path,
    output_format: str | None,
    cache_dir: Path | None,
    no_cache: bool,
    jobs: int | None,
) -> int:
    """Check definition files (PATHS: files or folders; default: the registry)."""
    settings = command_settings()
    if output_format is None:
        output_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    if not paths and not registry.is_dir():
        raise click.UsageError(
            f"the registry folder {registry} does not exist; pass PATHS or --registry DIR"
        )
    cache = None if no_cache else open_cache(cache_dir, settings.options)
    with Progress(sys.stderr) as progress:
        report = run_check(
            paths,
            registry,
            options=settings.options,
            cache=cache,
            jobs=jobs,
            progress=progress,
            settings=settings,
        )
    REPORTERS[output_format](report, sys.stdout)
    return EXIT_OK if report.ok else EXIT_FINDINGS
