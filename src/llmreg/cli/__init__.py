"""The command line. The only part of llmreg that imports click.

Exit codes, the same for every command, are in ``llmreg.exits``.

This module does not import click: ``llmreg check`` with the arguments the pre-commit hook and
CI pass runs without it (``cli._direct``); every other command line goes through the click
group in ``cli._group``.
"""

from __future__ import annotations

import atexit
import os
import sys

from llmreg.exits import EXIT_OK

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

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


def __getattr__(name: str) -> Any:
    if name == "cli":  # the click group, for click's test runner
        from llmreg.cli._group import cli

        return cli
    raise AttributeError(f"module 'llmreg.cli' has no attribute {name!r}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and turn every outcome into an exit code, in this one place."""
    args = sys.argv[1:] if argv is None else argv
    try:
        from llmreg.cli._direct import check

        result: object = check(args)
        if result is None:  # not understood without click: click parses it (and any error)
            from llmreg.cli._group import run

            result = run(args)
    except (Exception, KeyboardInterrupt) as exc:
        from llmreg.cli._group import outcome

        return outcome(exc, args)
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
