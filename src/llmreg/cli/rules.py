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
            mark = " (opt-in)" if rule.opt_in else ""
            click.echo(f"{rule.id:<{width}}  {rule.severity:<7}  {rule.summary}{mark}")
        click.echo(
            f"\n{len(known)} rules. 'llmreg rules ID' shows an example of the mistake and the fix; "
            "'# llmreg: ignore[ID]' on a line suppresses it there; an opt-in rule runs only "
            "when [tool.llmreg] enable lists it."
        )
        return 0
    found = known.get(rule_id) or known.get(rule_id.strip().lower())
    if found is None:
        close = difflib.get_close_matches(rule_id.strip().lower(), list(known), n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise click.UsageError(f"unknown rule id {rule_id!r}{hint} ('llmreg rules' lists them)")
    rule = found
    click.echo(f"{rule.id} ({rule.severity}{', opt-in' if rule.opt_in else ''})\n")
    click.echo(textwrap.fill(rule.summary, width=96))
    if rule.details:
        click.echo("\n" + textwrap.fill(rule.details, width=96, break_on_hyphens=False))
    click.echo("\nExample of the mistake:\n")
    click.echo(_indent(rule.bad))
    click.echo("\nThe fix:\n")
    click.echo(_indent(rule.good))
    if rule.opt_in:
        click.echo(
            f'\nOff unless turned on: enable = ["{rule.id}"] in [tool.llmreg]. Suppress one '
            f"finding on its line with '# llmreg: ignore[{rule.id}]'."
        )
    else:
        click.echo(
            f"\nSuppress one finding on its line with '# llmreg: ignore[{rule.id}]'; turn the "
            f"rule off or change its severity in [tool.llmreg] (ignore, severity)."
        )
    return 0
