"""What the runtime commands share: the --registry option and opening a registry.

``--registry`` defaults to the ``registry`` of the ``[tool.llmreg]`` settings (``--config``, else
the nearest pyproject.toml), else providers.d, as for ``llmreg check``; a registry folder is
opened with those settings (suppressions, severities, ignored rules, allowed hosts), so every
command agrees with ``llmreg check`` on whether it is valid."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from llmreg.cli._settings import command_settings
from llmreg.exits import EXIT_FINDINGS, EXIT_USAGE

if TYPE_CHECKING:
    from llmreg.registry import Registry

F = TypeVar("F", bound=Callable[..., Any])


def text_or_json_option(help_text: str) -> Callable[[F], F]:
    """The --format option of the runtime commands (text or json)."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=help_text,
    )


def emit(text: str, out: Path | None, notes: list[str]) -> int:
    """Print an export (or write it to ``out`` in one rename), then its notes on standard error,
    so the output can be piped. A file that cannot be written is exit 2."""
    if out is None:
        click.echo(text, nl=False)
    else:
        from llmreg.site import write_file

        try:
            write_file(out, text)
        except OSError as exc:
            click.echo(f"llmreg: cannot write {out}: {exc.strerror or exc}", err=True)
            return EXIT_USAGE
        click.echo(f"wrote {out}", err=True)
    for line in notes:
        click.echo(f"note: {line}", err=True)
    return 0


def open_registry(path: Path, *, invalid_exit: int = EXIT_FINDINGS) -> Registry:
    """Load a folder or snapshot; on failure print why and exit with ``invalid_exit``.

    An invalid registry prints its diagnostics in the text format of ``llmreg check``.
    """
    from llmreg.check import CheckReport
    from llmreg.errors import RegistryError, SnapshotError
    from llmreg.registry import load
    from llmreg.report import text
    from llmreg.snapshot import load_snapshot

    if not path.exists():
        raise click.UsageError(f"{path} does not exist; pass --registry DIR or a snapshot file")
    try:
        if path.is_dir():
            return load(path, settings=command_settings())
        return load_snapshot(path)
    except SnapshotError as exc:
        click.echo(f"llmreg: {exc.message}", err=True)
        raise click.exceptions.Exit(invalid_exit) from None
    except RegistryError as exc:
        if not exc.diagnostics:
            click.echo(f"llmreg: {exc.message}", err=True)
            raise click.exceptions.Exit(EXIT_USAGE) from None
        report = CheckReport(files_checked=exc.files_checked, diagnostics=list(exc.diagnostics))
        text.write(report, sys.stdout)
        raise click.exceptions.Exit(invalid_exit) from None


def unknown_id(exc: KeyError) -> click.exceptions.Exit:
    """Report an unknown id (with its suggestions) and give the exit to raise."""
    click.echo(f"llmreg: {exc}", err=True)
    return click.exceptions.Exit(EXIT_FINDINGS)
