"""``llmreg diff OLD NEW``: what was added, removed or changed between two registries."""

from __future__ import annotations

import json
from pathlib import Path

import click

from llmreg.cli._runtime import open_registry, text_or_json_option
from llmreg.exits import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE


@click.command("diff")
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@text_or_json_option(
    "text: '+ KIND ID' (added), '- KIND ID' (removed), '~ KIND ID' (changed); json."
)
def command(old: Path, new: Path, output_format: str) -> int:
    """Compare two registries (folders or snapshots) by config_hash.

    Exit 0 when equal, 1 when they differ (like diff), 2 on usage errors or when either
    registry is invalid or unreadable (its diagnostics are printed).
    """
    from llmreg.watch import diff

    changes = diff(
        open_registry(old, invalid_exit=EXIT_USAGE), open_registry(new, invalid_exit=EXIT_USAGE)
    )
    if output_format == "json":
        payload = {
            "equal": changes.equal,
            "added": [list(r) for r in changes.added],
            "removed": [list(r) for r in changes.removed],
            "changed": [list(r) for r in changes.changed],
        }
        click.echo(json.dumps(payload, indent=2))
    else:
        for line in changes.lines():
            click.echo(line)
    return EXIT_OK if changes.equal else EXIT_FINDINGS
