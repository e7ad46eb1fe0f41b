"""The command line. The only part of llmreg that imports click.

Exit codes, the same for every command, are in ``llmreg.exits``.
"""

from __future__ import annotations

import sys
import traceback

import click

from llmreg import __version__
from llmreg.exits import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

# Each command's module is imported only when that command runs (or for --help): the pre-commit
# hook runs `llmreg check FILE` on every commit, and importing the commands that build runtime
# definitions would load pydantic for nothing (docs/performance.md).
COMMANDS = {
    "check": "llmreg.cli.check:command",
    "schema": "llmreg.cli.schema:group",
    "show": "llmreg.cli.show:command",
    "list": "llmreg.cli.listing:command",
    "diff": "llmreg.cli.diff:command",
    "build": "llmreg.cli.build:command",
    "hash": "llmreg.cli.hashes:command",
    "rules": "llmreg.cli.rules:command",
    "new": "llmreg.cli.new:group",
    "import": "llmreg.cli.importing:command",
    "export": "llmreg.cli.exporting:command",
    "facts": "llmreg.cli.facts:command",
    "lsp": "llmreg.cli.lsp:command",
}


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


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and turn every outcome into an exit code, in this one place."""
    args = sys.argv[1:] if argv is None else argv
    try:
        result = cli.main(args=args, prog_name="llmreg", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        exc.show()
        return EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:
        from llmreg.errors import SnapshotError

        if isinstance(exc, SnapshotError):
            # a snapshot's definition refused where it is first built (load_snapshot trusts
            # the hashes it verified, docs/runtime.md): invalid input, not a bug
            click.echo(f"llmreg: {exc.message}", err=True)
            return EXIT_FINDINGS
        if "--debug" in args:
            traceback.print_exc()
        click.echo(
            f"llmreg: internal error: {exc.__class__.__name__}: {exc}\n"
            "This is a bug in llmreg; please report it with the command you ran "
            "(rerun with --debug for a traceback).",
            err=True,
        )
        return EXIT_INTERNAL
    return result if isinstance(result, int) else EXIT_OK


def entry_point() -> None:
    sys.exit(main())
