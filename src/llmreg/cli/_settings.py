"""What commands share about settings: the --config and --registry options, loading, the
registry default. One ``--registry`` for every command: the option, else the ``registry`` of
``[tool.llmreg]``, else providers.d."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from llmreg.cli._direct import registry_path as registry_path  # shared with the run without click
from llmreg.settings import Settings, SettingsError, load

config_option = click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A TOML file with a [tool.llmreg] table [default: the nearest pyproject.toml that "
    "has one, from the working directory upward].",
)

# the commands that keep the per-file results of a registry (check, lsp)
cache_dir_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where results of unchanged files are kept [default: $LLMREG_CACHE_DIR, else the "
    "user cache folder].",
)


def load_settings(config: Path | None) -> Settings:
    """The settings of ``--config``, else of the nearest pyproject.toml; exit 2 when broken."""
    try:
        return load(config)
    except SettingsError as exc:
        raise click.ClickException(f"settings: {exc}") from None


F = TypeVar("F", bound=Callable[..., Any])
_SETTINGS = "llmreg.settings"


def registry_option(func: F) -> F:
    """``--registry`` and ``--config``; the command receives ``registry`` resolved from both."""

    @functools.wraps(func)
    def wrapper(*args: Any, registry: Path | None, config: Path | None, **kwargs: Any) -> Any:
        settings = command_settings(config)
        return func(*args, registry=registry_path(registry, settings), **kwargs)

    option = click.option(
        "--registry",
        type=click.Path(path_type=Path),
        default=None,
        help="The registry folder, or a snapshot file written by 'llmreg build' "
        "[default: 'registry' in [tool.llmreg] settings, else providers.d].",
    )
    return option(config_option(wrapper))  # type: ignore[return-value]


def command_settings(config: Path | None = None) -> Settings:
    """The settings of this command run, loaded once (exit 2 when they are broken)."""
    meta = click.get_current_context().meta
    if _SETTINGS not in meta:
        meta[_SETTINGS] = load_settings(config)
    settings: Settings = meta[_SETTINGS]
    return settings
