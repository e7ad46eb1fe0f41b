"""What the runtime commands share: the --registry option and opening a registry."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from llmreg.registry import Registry

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FINDINGS = 1
EXIT_USAGE = 2


def registry_option(func: F) -> F:
    return click.option(
        "--registry",
        type=click.Path(path_type=Path),
        default=Path("providers.d"),
        show_default=True,
        help="The registry folder, or a snapshot file written by 'llmreg build'.",
    )(func)


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


def open_registry(path: Path, *, invalid_exit: int = EXIT_FINDINGS) -> Registry:
    """Load a folder or snapshot; on failure print why and exit with ``invalid_exit``.

    An invalid registry prints its diagnostics in the text format of ``llmreg check``.
    """
    from llmreg.check import CheckReport
    from llmreg.errors import RegistryError, SnapshotError
    from llmreg.report import text
    from llmreg.watch import load_source

    if not path.exists():
        raise click.UsageError(f"{path} does not exist; pass --registry DIR or a snapshot file")
    try:
        return load_source(path)
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
