"""``llmreg export GATEWAY`` and ``llmreg import GATEWAY FILE``: whole-registry gateway configs.

Called from the ``export``/``import`` commands for the names in ``interop.gateways.GATEWAYS``;
everything here ends in an exit code (0, 1 findings, 2 usage or I/O).
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import click

from llmreg.cli._runtime import EXIT_FINDINGS, EXIT_USAGE, open_registry

if TYPE_CHECKING:
    from llmreg.diagnostics import Diagnostic

SUBFOLDER = {"Provider": "providers", "Model": "models"}


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
    if out is None:
        click.echo(text, nl=False)
    else:
        try:
            from llmreg.site import write_file

            write_file(out, text)
        except OSError as exc:
            click.echo(f"llmreg: cannot write {out}: {exc.strerror or exc}", err=True)
            return EXIT_USAGE
        click.echo(f"wrote {out}", err=True)
    for line in notes:
        click.echo(f"note: {line}", err=True)
    return 0


def _read_payload(file: Path) -> Any:
    """JSON for a .json file, else YAML 1.2 read by llmreg's own reader (config.yaml)."""
    from llmreg.cli.importing import read_json
    from llmreg.source import SourceError, parse, read_text

    if file.suffix.lower() == ".json":
        return read_json(file)
    try:
        return parse(read_text(file.read_bytes())).data
    except OSError as exc:
        click.echo(f"llmreg: cannot read {file}: {exc.strerror or exc}", err=True)
    except SourceError as exc:
        where = exc.problem.position
        click.echo(f"llmreg: {file}:{where.line}:{where.column}: {exc.problem.message}", err=True)
    raise click.exceptions.Exit(EXIT_USAGE)


def import_gateway(system: str, file: Path, workspace: str | None, registry: Path) -> int:
    """Write every definition of the gateway config, or none of them.

    Nothing is written when one target exists or one definition would fail the check, so a
    rerun after fixing the cause starts from the same state.
    """
    from llmreg.check import CheckReport, FileResult, check_bytes, run_check
    from llmreg.interop import InteropError
    from llmreg.interop.gateways import GATEWAYS
    from llmreg.interop.yaml_out import definition_text
    from llmreg.report import text

    importer = GATEWAYS[system].import_
    assert importer is not None  # the command offers only the systems that import
    payload = _read_payload(file)
    notes: list[str] = []
    try:
        documents = importer(payload, workspace=workspace or "default", notes=notes)
    except InteropError as exc:
        click.echo(f"llmreg: cannot import {file}: {exc}; nothing written", err=True)
        return EXIT_USAGE
    staged: list[tuple[Path, bytes]] = []
    problems: list[Diagnostic] = []
    for document in documents:
        kind, ws, name = (document.get(k) for k in ("kind", "workspace", "name"))
        if kind not in SUBFOLDER or not isinstance(ws, str) or not isinstance(name, str):
            click.echo(
                f"llmreg: cannot import {file}: a definition lost its name; nothing written",
                err=True,
            )
            return EXIT_USAGE
        rel = PurePosixPath(ws, SUBFOLDER[kind], f"{name}.yaml")
        target = registry / rel
        if target.exists():
            click.echo(f"llmreg: {target} already exists; nothing written", err=True)
            return EXIT_FINDINGS
        content = definition_text(document, target).encode("utf-8")
        result = check_bytes(content, FileResult(path=target, display=str(target), rel=rel))
        problems.extend(d for d in result.diagnostics if d.severity == "error")
        staged.append((target, content))
    if problems:
        text.write(CheckReport(files_checked=len(staged), diagnostics=problems), sys.stdout)
        click.echo("llmreg: nothing written: these definitions would not pass the check")
        return EXIT_FINDINGS
    for target, content in staged:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("xb") as out:
                out.write(content)
        except OSError as exc:
            click.echo(f"llmreg: cannot write {target}: {exc.strerror or exc}", err=True)
            return EXIT_USAGE
        click.echo(f"wrote {target}")
    for line in notes:
        click.echo(f"note: {line}")
    report = run_check([t for t, _ in staged], registry) if staged else None
    if report is not None and report.diagnostics:
        text.write(report, sys.stdout)
    if report is not None and not report.ok:
        click.echo("llmreg: written, but the registry check reports errors (see above)")
        return EXIT_FINDINGS
    return 0
