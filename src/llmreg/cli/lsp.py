"""``llmreg lsp``: the language server for editors, over standard input and output."""

from __future__ import annotations

from pathlib import Path

import click

from llmreg.cli._settings import cache_dir_option
from llmreg.exits import EXIT_OK, EXIT_USAGE

INSTALL = "pip install 'llmreg[lsp]'"


@click.command("lsp")
@click.option(
    "--registry",
    type=click.Path(path_type=Path),
    default=None,
    help="The registry folder [default: 'registry' in the [tool.llmreg] settings of each "
    "workspace folder, else its providers.d].",
)
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A TOML file with a [tool.llmreg] table [default: the nearest pyproject.toml that "
    "has one, from each workspace folder upward].",
)
@cache_dir_option
@click.option("--no-cache", is_flag=True, help="Check every file of the registry at start.")
@click.option(
    "--stdio",
    is_flag=True,
    help="Talk over standard input and output: the only transport, accepted because editors "
    "pass it.",
)
def command(
    registry: Path | None, config: Path | None, cache_dir: Path | None, no_cache: bool, stdio: bool
) -> int:
    """Run the language server: the findings of 'llmreg check' as an editor's diagnostics,
    on every open definition file and every unsaved change (docs/editors.md)."""
    try:
        from llmreg.lsp import serve
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in ("pygls", "lsprotocol"):
            raise
        click.echo(f"llmreg: the language server needs pygls: {INSTALL}", err=True)
        return EXIT_USAGE
    serve(registry=registry, config=config, cache_dir=cache_dir, use_cache=not no_cache)
    return EXIT_OK
