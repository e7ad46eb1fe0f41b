"""What commands share about settings: the --config option, loading, the registry default."""

from __future__ import annotations

from pathlib import Path

import click

from llmreg.layout import DEFAULT_REGISTRY
from llmreg.settings import Settings, SettingsError, load

config_option = click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A TOML file with a [tool.llmreg] table [default: the nearest pyproject.toml that "
    "has one, from the working directory upward].",
)


def load_settings(config: Path | None) -> Settings:
    """The settings of ``--config``, else of the nearest pyproject.toml; exit 2 when broken."""
    try:
        return load(config)
    except SettingsError as exc:
        raise click.ClickException(f"settings: {exc}") from None


def registry_path(option: Path | None, settings: Settings) -> Path:
    """``--registry`` when given, else the settings' ``registry``, else ``providers.d``."""
    if option is not None:
        return option
    if settings.registry is not None:
        return settings.registry
    return Path(DEFAULT_REGISTRY)
