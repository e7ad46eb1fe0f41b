"""The fast reader either declines or reads exactly what the reference reader reads.

Corpus: every golden example, the bundled registry, a generated registry, and the scalars and
constructs where yaml-rs and the reference are known to differ.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmreg import fast_source, source
from llmreg.source import SourceError, parse, read_text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import generate  # noqa: E402

SCALARS = [
    "True",
    "TRUE",
    "false",
    "Null",
    "NULL",
    "~",
    "",
    "0x1F",
    "-0x1F",
    "+0o7",
    "0o17",
    "+1",
    "-1",
    ".5",
    "1.",
    "1.5e3",
    "1E3",
    "+.inf",
    "-.INF",
    ".NaN",
    "00",
    "017",
    "1.0",
    "12345678901234567890",
    "1_000",
    "0b11",
    "yes",
    "No",
    "on",
    "y",
    "'a'",
    '"b\\tc"',
    "a b",
    "2025-10-22",
    "'2025-10-22'",
    '"2025-1-5"',
    "2025-1-5",
    "2025-10-22T10:00:00Z",
    "12:30",
    "1:20",
    "1e3",
    "x #y",
    "!!str 1",
    "!!python/object:os.system x",
    "&a 1",
    "[1, [2, {a: b}]]",
    "{a: 1, a: 2}",
    "|\n  x\n\n  y",
    ">-\n  p\n  q",
    "'it''s'",
    '"\\u00e9"',
    "\u0085x",
]
CONSTRUCTS = [
    "a: 1\na: 2\n",
    "1: x\n",
    "true: x\n",
    "? [a]\n: b\n",
    "a: &x {b: 1}\nc:\n  <<: *x\n",
    "--- \na: 1\n--- \nb: 2\n",
    "%YAML 1.2\n---\na: 1\n",
    "- a\n- b\n",
    "",
    "# only a comment\n",
    "a:\n\tb: 1\n",
    "a: " + "[" * 70 + "]" * 70 + "\n",
    "a: x\x07\n",
    "a: [1, 2\n",
]


def _texts() -> list[tuple[str, str]]:
    found = []
    for base in (ROOT / "tests" / "golden", ROOT / "providers.d"):
        for path in sorted(base.rglob("*.y*ml")) if base.is_dir() else []:
            try:
                found.append((str(path.relative_to(ROOT)), read_text(path.read_bytes())))
            except SourceError:
                continue
    found += [(f"generated/{g.rel}", g.text) for g in generate(60, seed=3)]
    found += [(f"scalar {s!r}", f"kind: Model\nk: {s}\n") for s in SCALARS]
    found += [(f"construct {c!r}", c) for c in CONSTRUCTS]
    return found


TEXTS = _texts()


@pytest.mark.parametrize(("name", "text"), TEXTS, ids=[n for n, _ in TEXTS])
def test_fast_reader_declines_or_agrees(name: str, text: str) -> None:
    fast = fast_source.load(text)
    if fast is None:
        return
    document = parse(text)  # raises (failing the test) if the reference refuses the text
    assert fast == document.data
    assert document.problems == [] and document.yaml11 == {}


def test_fast_reader_takes_the_plain_files() -> None:
    generated = [t for n, t in TEXTS if n.startswith("generated/")]
    assert all(fast_source.load(t) is not None for t in generated)
    bundled = [t for n, t in TEXTS if n.startswith("providers.d")]
    assert sum(fast_source.load(t) is not None for t in bundled) >= len(bundled) // 2


def test_quoted_dates_stay_text() -> None:
    assert fast_source.load('kind: Model\nd: "2027-11-05"\n') == {
        "kind": "Model",
        "d": "2027-11-05",
    }


YAML11_PATTERNS = [v for k, v in vars(source).items() if k.startswith("_YAML11")]


@pytest.mark.parametrize("pattern", YAML11_PATTERNS, ids=lambda p: p.pattern)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_string_prefilter_keeps_every_yaml11_look_alike(
    pattern: re.Pattern[str], data: st.DataObject
) -> None:
    text = data.draw(st.from_regex(pattern, fullmatch=True))
    assert len(text) <= 5 or text[:1] in fast_source._NUMBER_START
