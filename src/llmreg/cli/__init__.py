"""The command line. The only part of llmreg that imports click.

Exit codes, the same for every command:
  0  success (warnings allowed)
  1  the check found errors (or, for drift and diff commands, a difference)
  2  usage or I/O problem: unknown option, a PATH that does not exist
  3  internal error: a bug in llmreg, to be reported (traceback with --debug)
"""

from __future__ import annotations

import sys
import traceback

import click

from llmreg import __version__
from llmreg.cli import check, new, rules, schema

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="llmreg")
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Keep LLM provider and model definitions as reviewed, validated YAML files."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


cli.add_command(check.command)
cli.add_command(schema.group)
cli.add_command(rules.command)
cli.add_command(new.group)


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
        return 130
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
    sys.exit(main())
