"""``llmreg export GATEWAY`` and ``llmreg import GATEWAY FILE``: whole-registry gateway configs.

Called from the ``export``/``import`` commands for the names in ``interop.gateways.GATEWAYS``:
the export writes the config, the import plans the files that ``llmreg import`` then checks
and writes like any other. Exit codes: 0, 1 findings, 2 usage or I/O.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import click

from llmreg.cli._runtime import emit, open_registry
from llmreg.exits import EXIT_USAGE

if TYPE_CHECKING:
    from llmreg.cli.importing import _Planned


def export_gateway(system: str, registry: Path, out: Path | None) -> int:
    from llmreg.interop import InteropError
    from llmreg.interop.gateways import GATEWAYS

    reg = open_registry(registry)
    notes: list[str] = []
    try:
        text = GATEWAYS[system].export(reg, notes)
    except InteropError as exc:
        click.echo(f"llmreg: cannot export to {system}: {exc}; nothing written", err=True)
        return EXIT_USAGE
    return emit(text, out, notes)


def _read_payload(file: Path) -> Any:
    """JSON for a .json file, else YAML 1.2 read by llmreg's own reader (config.yaml)."""
    from llmreg.cli.importing import MAX_IMPORT_BYTES, fail, read_bounded, read_json
    from llmreg.source import Limits, SourceError, parse, read_text

    if file.suffix.lower() == ".json":
        return read_json(file)
    limits = Limits(max_bytes=MAX_IMPORT_BYTES)  # a whole config, not one definition file
    try:
        return parse(read_text(read_bounded(file), limits), limits).data
    except SourceError as exc:
        where = exc.problem
        raise fail(f"{file}:{where.line}:{where.column}: {where.message}") from None


def plan_gateway(
    system: str, file: Path, workspace: str | None, name: str | None, registry: Path
) -> list[_Planned]:
    """The files a gateway config's import would write, for ``llmreg import`` to check and
    write (all or nothing, --dry-run, --force) as it does every import."""
    from llmreg.cli.importing import _Planned, fail
    from llmreg.interop import InteropError
    from llmreg.interop._common import definition_path
    from llmreg.interop.gateways import GATEWAYS
    from llmreg.interop.yaml_out import definition_text

    importer = GATEWAYS[system].import_
    assert importer is not None  # the command offers only the systems that import
    if name is not None:
        raise click.UsageError(f"{system} names its definitions itself; drop --name")
    payload = _read_payload(file)
    notes: list[str] = []
    try:
        documents = importer(payload, workspace=workspace or "default", notes=notes)
        planned = []
        for document in documents:
            target = definition_path(
                registry, document["kind"], document.get("workspace"), document.get("name")
            )
            rel = PurePosixPath(target.relative_to(registry).as_posix())
            planned.append(_Planned(target, rel, definition_text(document, target).encode()))
    except InteropError as exc:
        raise fail(f"cannot import {file}: {exc}; nothing written") from None
    if planned:
        planned[-1].notes.extend(notes)  # about the whole config: printed after the last file
    return planned
