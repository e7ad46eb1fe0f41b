"""``llmreg check`` without click, for the argument lists it understands exactly.

The pre-commit hook and CI run ``llmreg check [--registry DIR] [FILE...]`` on every commit;
importing click and building the command line took about 15 ms of such a run (a tenth of a
one-file check, more of a warm one). So ``llmreg.cli.main`` first offers the arguments to
:func:`check` here, and click handles whatever this returns None for.

The options are declared once, in ``cli/check.py`` with click. This parser accepts a strict
subset of what click accepts and, for that subset, gives :func:`run` the values click would give
the command: one option of the table below at most once, as ``--name VALUE`` or
``--name=VALUE`` (``-j VALUE``), a value click takes as is (a choice, a count written in plain
digits, a path that passes click's existence and type checks), and paths that exist. Anything
else (--help, an unknown, repeated or misspelled option, ``--``, a value click would convert,
a path or settings click would refuse, an unusable registry) returns None before anything is
printed, so click parses the arguments again and writes its own message. ``tests/cli/
test_direct.py`` checks the table against the click command's declared parameters and runs a
matrix of argument lists both ways, comparing output and exit code.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path

from llmreg.exits import EXIT_FINDINGS, EXIT_OK

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from llmreg.settings import Settings

# option -> (the command's parameter, the click type's constraints): ("path", exists, file_okay,
# dir_okay) for click.Path with those (readable, the default, is checked too); ("choice",) for
# click.Choice of the reporters; ("count",) for click.IntRange(min=1); ("flag",) for is_flag.
OPTIONS: dict[str, tuple[str, tuple[object, ...]]] = {
    "--registry": ("registry", ("path", False, True, True)),
    "--config": ("config", ("path", True, True, False)),
    "--format": ("output_format", ("choice",)),
    "--cache-dir": ("cache_dir", ("path", False, False, True)),
    "--no-cache": ("no_cache", ("flag",)),
    "--jobs": ("jobs", ("count",)),
    "-j": ("jobs", ("count",)),
}
# the PATHS argument: click.Path(exists=True) of files or folders
PATHS = ("path", True, True, True)
# click answers shell completion instead of running when this is set (``_<PROG>_COMPLETE``)
COMPLETE_VAR = "_LLMREG_COMPLETE"


def registry_path(option: Path | None, settings: Settings) -> Path:
    """``--registry`` when given, else the settings' ``registry``, else ``providers.d``."""
    from llmreg.layout import DEFAULT_REGISTRY

    if option is not None:
        return option
    if settings.registry is not None:
        return settings.registry
    return Path(DEFAULT_REGISTRY)


def registry_problem(paths: Sequence[Path], registry: Path) -> str | None:
    """Why ``llmreg check`` cannot run (a usage error), or None."""
    if not paths and not registry.is_dir():
        return f"the registry folder {registry} does not exist; pass PATHS or --registry DIR"
    return None


def run(
    paths: Sequence[Path],
    registry: Path,
    settings: Settings,
    *,
    output_format: str | None,
    cache_dir: Path | None,
    no_cache: bool,
    jobs: int | None,
) -> int:
    """Check, print the report and give the exit code: the body of ``llmreg check``, whichever
    parser read the arguments."""
    from llmreg.cache import open_cache
    from llmreg.check import run_check
    from llmreg.cli.progress import Progress
    from llmreg.report import REPORTERS

    if output_format is None:
        output_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    cache = None if no_cache else open_cache(cache_dir, settings.options)
    with Progress(sys.stderr) as progress:
        report = run_check(
            tuple(paths),
            registry,
            options=settings.options,
            cache=cache,
            jobs=jobs,
            progress=progress,
            settings=settings,
        )
    REPORTERS[output_format](report, sys.stdout)
    return EXIT_OK if report.ok else EXIT_FINDINGS


def check(args: Sequence[str]) -> int | None:
    """Run ``llmreg check`` when ``args`` are understood exactly; None leaves them to click."""
    parsed = parse(args)
    if parsed is None:
        return None
    paths, values = parsed
    from llmreg.settings import SettingsError, load

    try:
        settings = load(values.get("config"))
    except SettingsError:
        return None  # click reports it, as for every command
    registry = registry_path(values.get("registry"), settings)
    if registry_problem(paths, registry) is not None:
        return None
    return run(
        paths,
        registry,
        settings,
        output_format=values.get("output_format"),
        cache_dir=values.get("cache_dir"),
        no_cache=values.get("no_cache", False),
        jobs=values.get("jobs"),
    )


def parse(args: Sequence[str]) -> tuple[list[Path], dict[str, Any]] | None:
    """The paths and option values of ``check ...``, or None when not understood exactly."""
    if not args or args[0] != "check" or COMPLETE_VAR in os.environ:
        return None
    paths: list[Path] = []
    values: dict[str, Any] = {}
    rest = list(args[1:])
    at = 0
    while at < len(rest):
        token = rest[at]
        at += 1
        if not token.startswith("-"):
            path = _value(PATHS, token)
            if path is None:
                return None
            paths.append(path)
            continue
        name, equals, value = token.partition("=")
        known = OPTIONS.get(name)
        if known is None or known[0] in values:
            return None
        parameter, kind = known
        if kind == ("flag",):
            if equals:
                return None
            values[parameter] = True
            continue
        if equals:
            if not name.startswith("--"):
                return None  # '-j=2': click reads the value '=2'
        elif at < len(rest):
            value = rest[at]
            at += 1
        else:
            return None
        converted = _value(kind, value)
        if converted is None:
            return None
        values[parameter] = converted
    return paths, values


def _value(kind: tuple[object, ...], value: str) -> Any:
    """``value`` as click's type ``kind`` gives it, or None where click might differ."""
    if kind == ("choice",):
        from llmreg.report import REPORTERS

        return value if value in REPORTERS else None
    if kind == ("count",):
        # plain digits, where click's int() gives the same number; '+2', ' 2', '02' go to click
        return int(value) if value.isascii() and value.isdigit() and value[0] != "0" else None
    _, exists, file_okay, dir_okay = kind
    if not value:
        return None  # click reads '' as the current folder
    # click.Path.convert, step by step (not resolved, readable, not writable or executable)
    try:
        mode = os.stat(value).st_mode
    except OSError:
        return None if exists else Path(value)
    except ValueError:
        return None  # a NUL in the path: click's own error
    if not file_okay and stat.S_ISREG(mode):
        return None
    if not dir_okay and stat.S_ISDIR(mode):
        return None
    return Path(value) if os.access(value, os.R_OK) else None
