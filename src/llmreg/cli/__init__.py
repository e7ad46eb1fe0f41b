"""The command line. The only part of llmreg that imports click.

Exit codes, the same for every command, are in ``llmreg.exits``.
"""

from __future__ import annotations

import atexit
import os
import sys
import traceback
from typing import NoReturn

import click

from llmreg import __version__
from llmreg.exits import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

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
    """The ``llmreg`` script: run, then leave without the interpreter's teardown."""
    exit_now(main())


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` once every output is written, skipping the teardown.

    Tearing the interpreter down (freeing every module and object one by one) takes 10 to 25 ms
    after a check, a tenth of a pre-commit run. Everything that matters at exit is done here
    first: the atexit handlers run, and standard output and error are flushed. Cache and index
    writes are complete files renamed into place before the report is printed, so nothing is
    pending. When another thread is still alive, or a flush fails (a closed pipe), the ordinary
    exit is taken instead, so that case behaves exactly as before.
    """
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        sys.exit(code)
    _flush_or_exit(code)
    atexit._run_exitfuncs()  # then forgotten: a later sys.exit does not run them twice
    _flush_or_exit(code)  # what the handlers printed
    os._exit(code)


def _flush_or_exit(code: int) -> None:
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(code)  # the interpreter reports the failed flush and sets the status, as before
