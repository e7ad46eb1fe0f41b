"""Running the command line in tests: in process (click's CliRunner isolation, so stdout and
stderr are captured as a terminal would see them) or as a real ``python -m llmreg`` subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from llmreg import cli as cli_module


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    def no_traceback(self) -> None:
        assert "Traceback" not in self.out + self.err
        assert 'File "' not in self.err


Run = Callable[[Sequence[str], Path], Outcome]


def run_in_process(args: Sequence[str], cwd: Path) -> Outcome:
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        with runner.isolation() as streams:
            code = cli_module.main(list(args))
            sys.stdout.flush()
            sys.stderr.flush()
    out, err = streams[0], streams[1]
    return Outcome(code, out.getvalue().decode(), err.getvalue().decode())


def run_subprocess(args: Sequence[str], cwd: Path) -> Outcome:
    done = subprocess.run(
        [sys.executable, "-m", "llmreg", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)
