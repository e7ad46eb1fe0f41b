"""``llmreg check``: validate definition files and the registry they belong to."""

from __future__ import annotations

from pathlib import Path

import click

from llmreg.cli._direct import registry_problem, run
from llmreg.cli._settings import cache_dir_option, command_settings, registry_option
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
@cache_dir_option
@click.option("--no-cache", is_flag=True, help="Parse and validate every file again.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for the files that must be checked [default: one per CPU not busy "
    "already, at most 8; one when fewer than 100 files must be computed].",
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
    # the body is shared with the run without click (cli/_direct.py), which declines whatever
    # would end in one of click's errors here
    problem = registry_problem(paths, registry)
    if problem is not None:
        raise click.UsageError(problem)
    return run(
        paths,
        registry,
        command_settings(),
        output_format=output_format,
        cache_dir=cache_dir,
        no_cache=no_cache,
        jobs=jobs,
    )
