"""``llmreg build --out FILE``: write the registry as one verified snapshot file."""

from __future__ import annotations

from pathlib import Path

import click

from llmreg.cli._runtime import open_registry
from llmreg.cli._settings import registry_option
from llmreg.exits import EXIT_USAGE


@click.command("build")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The snapshot file to write (replaced atomically).",
)
@registry_option
def command(out: Path, registry: Path) -> int:
    """Check the registry and write its snapshot, for llmreg.load_snapshot().

    An invalid registry prints its diagnostics, writes nothing and exits 1.
    """
    reg = open_registry(registry)
    try:
        reg.write_snapshot(out)
    except OSError as exc:
        click.echo(f"llmreg: cannot write {out}: {exc.strerror or exc}", err=True)
        return EXIT_USAGE
    click.echo(
        f"wrote {out}: {len(reg.providers())} providers, {len(reg.models())} models, "
        f"registry_hash {reg.hash}"
    )
    return 0
