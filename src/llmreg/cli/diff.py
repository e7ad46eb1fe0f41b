"""``llmreg diff OLD NEW``: what was added, removed or changed between two registries."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from llmreg.cli._runtime import open_registry
from llmreg.exits import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from llmreg.registry import Registry


def _fail(message: str) -> click.exceptions.Exit:
    click.echo(f"llmreg: {message}", err=True)
    return click.exceptions.Exit(EXIT_USAGE)


def _open(spec: str, registry: Path | None) -> tuple[Registry, str]:
    """A folder or snapshot when ``spec`` is a path, else the registry at a git revision."""
    path = Path(spec)
    if path.exists():
        from llmreg.layout import is_registry_folder

        if path.is_dir() and not is_registry_folder(path):
            raise _fail(
                f"{spec} is not a registry: no <workspace>/<providers|models>/<name>.yaml "
                "files in it"
            )
        if path.suffix.lower() in (".yaml", ".yml"):
            # read as a snapshot it would be "not a complete JSON document", which misleads
            raise _fail(
                f"{spec} is a YAML file; diff compares registry folders, snapshots written by "
                "'llmreg build' or git revisions"
            )
        return open_registry(path, invalid_exit=EXIT_USAGE), spec
    from llmreg.check import CheckReport
    from llmreg.cli._settings import command_settings, registry_path
    from llmreg.errors import RegistryError
    from llmreg.report import text
    from llmreg.revisions import RevisionError, load_revision, resolve_revision

    try:
        commit = resolve_revision(spec, Path.cwd())
        settings = command_settings()
        loaded = load_revision(spec, registry_path(registry, settings), settings=settings)
    except RevisionError as exc:
        raise _fail(str(exc)) from None
    except RegistryError as exc:
        if not exc.diagnostics:
            raise _fail(f"{spec}: {exc.message}") from None
        report = CheckReport(files_checked=exc.files_checked, diagnostics=list(exc.diagnostics))
        text.write(report, sys.stdout)
        raise click.exceptions.Exit(EXIT_USAGE) from None
    return loaded, f"{spec} ({commit[:12]})"


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help=(
        "text: '+ KIND ID' (added), '- KIND ID' (removed), '~ KIND ID' (changed); json; "
        "markdown: every changed field and the routes it moves, for a step summary or a "
        "pull-request comment."
    ),
)
@click.option(
    "--registry",
    type=click.Path(path_type=Path),
    default=None,
    help=(
        "Where the registry is inside a git revision, relative to the working directory "
        "[default: the registry of [tool.llmreg] in pyproject.toml, else providers.d]."
    ),
)
@click.option(
    "--max-chars",
    type=click.IntRange(min=0),
    default=60_000,
    show_default=True,
    help=(
        "markdown: cut the text at a line to stay within this many characters (GitHub takes "
        "at most 65,536 in a comment); 0: never cut."
    ),
)
def command(old: str, new: str, output_format: str, registry: Path | None, max_chars: int) -> int:
    """Compare two registries: folders, snapshot files or git revisions.

    OLD and NEW that are not paths are read as git revisions (``llmreg diff origin/main HEAD``):
    the registry folder of each is read from git's objects, without a checkout.

    Exit 0 when equal, 1 when they differ (like diff), 2 on usage errors, an unknown revision,
    a folder that is not a registry, or when either registry is invalid (its findings are
    printed).
    """
    old_registry, old_label = _open(old, registry)
    new_registry, new_label = _open(new, registry)
    if output_format == "markdown":
        from llmreg.changes import compare, to_markdown

        comparison = compare(old_registry, new_registry)
        limit = max_chars or None
        click.echo(to_markdown(comparison, old_label, new_label, limit), nl=False)
        return EXIT_OK if comparison.equal else EXIT_FINDINGS
    if output_format == "json":
        from llmreg.changes import compare, to_json

        comparison = compare(old_registry, new_registry)
        click.echo(json.dumps(to_json(comparison), indent=2, ensure_ascii=False))
        return EXIT_OK if comparison.equal else EXIT_FINDINGS
    from llmreg.watch import diff

    changes = diff(old_registry, new_registry)
    for line in changes.lines():
        click.echo(line)
    return EXIT_OK if changes.equal else EXIT_FINDINGS
