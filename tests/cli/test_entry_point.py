"""The ``llmreg`` script's own process: it leaves without the interpreter's teardown
(``llmreg.cli.exit_now``), and must still give the exit code, every byte of output, the atexit
handlers and the cache index, exactly as an ordinary exit would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers.cli import run_in_process, run_subprocess

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from generate import write_registry


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment
    )


def test_buffered_output_atexit_handlers_and_the_code_survive_the_fast_exit() -> None:
    # a block-buffered stdout (no PYTHONUNBUFFERED) holding far more than one buffer
    done = _python(
        "import atexit, sys\n"
        "from llmreg.cli import exit_now\n"
        "atexit.register(lambda: print('from atexit'))\n"
        "sys.stdout.write('x' * 200_000)\n"
        "sys.stderr.write('note')\n"
        "exit_now(3)\n"
    )
    assert done.returncode == 3
    assert done.stdout == "x" * 200_000 + "from atexit\n"
    assert done.stderr == "note"


def test_a_live_thread_takes_the_ordinary_exit_which_waits_for_it() -> None:
    done = _python(
        "import threading, time\n"
        "from llmreg.cli import exit_now\n"
        "threading.Thread(target=lambda: (time.sleep(0.2), print('thread done'))).start()\n"
        "exit_now(4)\n"
    )
    assert done.returncode == 4
    assert done.stdout == "thread done\n"


def test_a_failed_flush_is_reported_as_an_ordinary_exit_reports_it() -> None:
    # stdout is a pipe whose reader is gone: the interpreter's own message and status (120)
    results = []
    for ending in ("exit_now(0)", "sys.exit(0)"):
        read, write = os.pipe()
        os.close(read)
        environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
        code = f"import sys\nfrom llmreg.cli import exit_now\nprint('x' * 10)\n{ending}\n"
        done = subprocess.run(
            [sys.executable, "-c", code],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        os.close(write)
        results.append((done.returncode, done.stderr))
    assert results[0] == results[1]
    assert results[0][0] == 120 and "BrokenPipeError" in results[0][1]


def test_the_cache_index_written_before_a_fast_exit_answers_the_next_run(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    write_registry(root, 12)
    probe = (
        "import sys; import llmreg.cache; llmreg.cache.SETTLE_NS = 0\n"
        "from llmreg.cli import exit_now, main\n"
        f"code = main(['check', '--registry', {str(root)!r}, '--cache-dir', "
        f"{str(tmp_path / 'cache')!r}])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('yaml_rs', 'llmreg.fast_source'))))\n"
        "exit_now(code)\n"
    )
    first, second = _python(probe), _python(probe)
    assert first.returncode == second.returncode == 0
    assert first.stdout.startswith("All good: 12 files checked") and "yaml_rs" in first.stdout
    # every file answered by the index the first process wrote: nothing read or parsed
    assert second.stdout.splitlines() == ["All good: 12 files checked, no problems.", "[]"]


def test_the_script_gives_the_exit_code_and_output_of_main(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    write_registry(root, 12)
    model = next((root / "default" / "models").iterdir())
    model.write_text(model.read_text(encoding="utf-8") + "surprise: 1\n", encoding="utf-8")
    for args in (
        ["check", "--registry", str(root), "--no-cache"],
        ["check", "--registry", str(root), "--no-cache", "--format", "json"],
        ["check", "--registry", str(tmp_path / "nowhere")],
        ["rules"],
    ):
        in_process = run_in_process(args, tmp_path)
        script = run_subprocess(args, tmp_path)
        assert (script.code, script.out, script.err) == (
            in_process.code,
            in_process.out,
            in_process.err,
        )
