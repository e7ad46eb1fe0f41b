"""Fuzz target: the fast reader against the reference reader, and the per-file stage on any bytes.

Not part of the test suite. Each input is turned into a definition file, either by the YAML-ish
grammar in ``tests/helpers/yamlish.py`` (driven by the input's bytes) or taken as raw bytes, and:

- ``llmreg.check.stage_bytes`` must return findings, never raise;
- ``llmreg.source.parse`` must raise nothing but ``SourceError``, with positions in the text;
- whatever ``llmreg.fast_source.load`` accepts, the reference must read to the same data
  with no problem and no YAML 1.1 note (else the fast path would answer alone, and wrongly).

Run with atheris (coverage-guided; ``pip install atheris``):

    python fuzz/reader_diff.py -atheris_runs=200000 [corpus_dir]

or without it, the same checks over grammar texts from a seeded random source:

    python fuzz/reader_diff.py --random 200000 [--seed 1]

A failure prints the input; add it to ``tests/helpers/hostile_cases.py`` or
``tests/reader/test_reader_agreement.py`` as a test.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from helpers.yamlish import document_from_bytes

if "--random" not in sys.argv:  # atheris: instrument llmreg's own code as it is imported
    import atheris

    with atheris.instrument_imports(include=["llmreg"]):
        from llmreg import fast_source
        from llmreg.check import stage_bytes
        from llmreg.source import Position, SourceError, parse, read_text
else:
    from llmreg import fast_source
    from llmreg.check import stage_bytes
    from llmreg.source import Position, SourceError, parse, read_text

_LINES = re.compile("\r\n|[\r\n]")


def _within(text: str, position: Position) -> bool:
    lines = _LINES.split(text)
    return 1 <= position.line <= len(lines) and (
        1 <= position.column <= len(lines[position.line - 1]) + 1
    )


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def check_text(text: str) -> None:
    """Every property above for one text; AssertionError names the one that failed."""
    raw = text.encode("utf-8", errors="surrogatepass")
    check_bytes(raw)
    try:
        text = read_text(raw)
    except SourceError:
        return
    fast = fast_source.load(text)
    try:
        doc = parse(text)
    except SourceError as exc:
        assert _within(text, exc.problem.position), (text, exc.problem)
        assert fast is None, ("fast reader accepts what the reference refuses", text, fast)
        return
    for position in [*doc.value_positions.values(), *doc.key_positions.values()]:
        assert _within(text, position), (text, position)
    if fast is not None:
        assert not doc.problems and not doc.yaml11, ("reference has findings", text, fast)
        assert _json(fast) == _json(doc.data), ("readers disagree", text, fast, doc.data)


def check_bytes(raw: bytes) -> None:
    staged, _ = stage_bytes(raw)
    assert staged is not None


def one_input(data: bytes) -> None:
    if not data:
        return
    if data[0] % 4:
        check_text(document_from_bytes(data[1:]))
    else:
        check_bytes(data[1:])
        check_text(data[1:].decode("utf-8", errors="replace"))


def _random(runs: int, seed: int) -> int:
    rng = random.Random(seed)
    started = time.monotonic()
    failures = 0
    accepted = 0
    for done in range(1, runs + 1):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(16, 400)))
        text = document_from_bytes(data[1:]) if data[0] % 4 else data[1:].decode("utf-8", "replace")
        accepted += fast_source.load(text) is not None
        try:
            check_text(text)
        except AssertionError as exc:
            failures += 1
            print("FAILED:", repr(exc.args[0])[:2000], flush=True)
        if done % 20000 == 0:
            print(f"{done} inputs, {accepted} fast-accepted, {failures} failures, "
                  f"{time.monotonic() - started:.0f} s", flush=True)  # fmt: skip
    print(f"done: {runs} inputs, {accepted} fast-accepted, {failures} failures, "
          f"{time.monotonic() - started:.0f} s")  # fmt: skip
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    if argv[1:2] == ["--random"]:
        seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
        return _random(int(argv[2]), seed)
    atheris.Setup(argv, one_input)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
