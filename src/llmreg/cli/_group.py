"""The click group of every command, and what an exception ends as (``llmreg.cli.main``)."""

from __future__ import annotations

import click

from llmreg import __version__
from llmreg.cli import COMMANDS
from llmreg.exits import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        import importlib

        module_name, attribute = COMMANDS[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        self.add_command(command, cmd_name)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="llmreg")
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Keep LLM provider and model definitions as reviewed, validated YAML files."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def run(args: list[str]) -> object:
    """Parse ``args`` with click and run the command (its return value)."""
    return cli.main(args=args, prog_name="llmreg", standalone_mode=False)


def outcome(exc: BaseException, args: list[str]) -> int:
    """The exit code of a run that raised ``exc`` (called while it is being handled)."""
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if isinstance(exc, click.ClickException):  # usage errors included
        exc.show()
        return EXIT_USAGE
    if isinstance(exc, click.Abort):
        click.echo("Aborted.", err=True)
        return EXIT_USAGE
    if isinstance(exc, BrokenPipeError):
        return EXIT_OK
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    from llmreg.errors import SnapshotError

    if isinstance(exc, SnapshotError):
        # a snapshot's definition refused where it is first built (load_snapshot trusts the
        # hashes it verified, docs/runtime.md): invalid input, not a bug
        click.echo(f"llmreg: {exc.message}", err=True)
        return EXIT_FINDINGS
    if "--debug" in args:
        import traceback

        traceback.print_exception(exc)
    click.echo(
        f"llmreg: internal error: {exc.__class__.__name__}: {exc}\n"
        "This is a bug in llmreg; please report it with the command you ran "
        "(rerun with --debug for a traceback).",
        err=True,
    )
    return EXIT_INTERNAL
