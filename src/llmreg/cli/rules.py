"""``llmreg rules [ID]``: the rule catalogue, or one rule with an example of the mistake and fix."""

from __future__ import annotations

import difflib
import textwrap

import click

from llmreg.rules import catalogue


def _indent(block: str) -> str:
    return textwrap.indent(block, "    ")


@click.command("rules")
@click.argument("rule_id", required=False)
@click.option(
    "--markdown", is_flag=True, help="Print the catalogue as docs/rules.md (every rule, examples)."
)
def command(rule_id: str | None, markdown: bool) -> int:
    """List every rule id with its severity, or explain RULE_ID with an example and the fix."""
    known = catalogue()
    if markdown:
        from llmreg.rules.doc import render

        click.echo(render(), nl=False)
        return 0
    if rule_id is None:
        width = max(len(r) for r in known)
        for rule in known.values():
            click.echo(f"{rule.id:<{width}}  {rule.severity:<7}  {rule.summary}")
        click.echo(
            f"\n{len(known)} rules. 'llmreg rules ID' shows an example of the mistake and the fix; "
            "'# llmreg: ignore[ID]' on a line suppresses it there."
        )
        return 0
    found = known.get(rule_id) or known.get(rule_id.strip().lower())
    if found is None:
        close = difflib.get_close_matches(rule_id.strip().lower(), list(known), n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise click.UsageError(f"unknown rule id {rule_id!r}{hint} ('llmreg rules' lists them)")
    rule = found
    click.echo(f"{rule.id} ({rule.severity})\n")
    click.echo(textwrap.fill(rule.summary, width=96))
    click.echo("\nExample of the mistake:\n")
    click.echo(_indent(rule.bad))
    click.echo("\nThe fix:\n")
    click.echo(_indent(rule.good))
    click.echo(
        f"\nSuppress one finding on its line with '# llmreg: ignore[{rule.id}]'; turn the rule "
        f"off or change its severity in [tool.llmreg] (ignore, severity)."
    )
    return 0
