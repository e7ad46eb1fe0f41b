"""``llmreg build --out FILE`` / ``--site DIR``: a verified snapshot, or a static site."""

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
    default=None,
    help="The snapshot file to write (replaced atomically).",
)
@click.option(
    "--site",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A folder to write the registry into as a static site (docs/runtime.md).",
)
@registry_option
def command(out: Path | None, site: Path | None, registry: Path) -> int:
    """Check the registry and write its snapshot, for llmreg.load_snapshot(), or a site.

    --site DIR writes the snapshot, index.json and every definition as JSON, also in the NeMo,
    Bifrost and Open WebUI shapes, for any web server to serve to llmreg.load_url(). An
    invalid registry prints its diagnostics, writes nothing and exits 1.
    """
    if out is None and site is None:
        raise click.UsageError("give --out FILE, --site DIR or both")
    reg = open_registry(registry)
    target = out
    try:
        if out is not None:
            reg.write_snapshot(out)
        if site is not None:
            from llmreg.site import build_site

            target = site
            report = build_site(reg, site)
    except OSError as exc:
        click.echo(f"llmreg: cannot write {target}: {exc.strerror or exc}", err=True)
        return EXIT_USAGE
    if site is not None:
        for line in report.notes:
            click.echo(f"note: {line}", err=True)
        click.echo(f"wrote {site}: {report.files} files, {report.removed} removed")
    if out is not None:
        click.echo(
            f"wrote {out}: {len(reg.providers())} providers, {len(reg.models())} models, "
            f"registry_hash {reg.hash}"
        )
    return 0
