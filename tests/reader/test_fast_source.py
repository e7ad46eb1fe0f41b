"""The fast reader either declines or reads exactly what the reference reader reads.

Corpus: every golden example, the bundled registry, a generated registry, and the scalars and
constructs where yaml-rs and the reference are known to differ.
"""

from __future__ import annotations

import copy
import datetime
import math
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from llmreg import fast_source, source
from llmreg.constants import SAFE_INTEGER
from llmreg.source import Limits, SourceError, parse, read_text

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


# -- the text checks against the forms they replaced (old vs new over generated texts) ---------

# '!', '&' and '*' left out: they count only where a node starts now (fast_source._NODE_PROPERTY,
# judged by the reader agreement tests), which the reference below takes from fast_source
_OLD_RISKY_TEXT = ("\t", "<<", "\n%", "\n---", "\n...", "\ufeff")
_OLD_RISKY_NUMBER = re.compile(r"(?:[:\[,{?\n]|- )[ ]*[-+]?(?:0\d|\.?\d[\d.]*[_:eExXoObB])")
_OLD_CONTROL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")


def _old_flow_over_lines(text: str) -> bool:
    for line in text.split("\n"):
        if "[" not in line and "{" not in line:
            continue
        if '"' in line or "'" in line:
            line = fast_source._QUOTED.sub("", line)
            if '"' in line or "'" in line:
                return True
        if line.count("[") + line.count("{") > line.count("]") + line.count("}"):
            return True
    return False


def _old_risky(text: str) -> bool:
    """fast_source._risky before its checks were made cheaper, kept as the reference."""
    if any(marker in text for marker in _OLD_RISKY_TEXT):
        return True
    if fast_source._NODE_PROPERTY.search(text):
        return True
    if text.startswith(("%", "---", "...")):
        return True
    if not text.endswith("\n"):
        return True
    if fast_source._LONE_CR.search(text) or fast_source._BARE_COLON.search(text):
        return True
    if ("[" in text or "{" in text) and _old_flow_over_lines(text):
        return True
    if (_OLD_CONTROL if text.isascii() else fast_source._NOT_ALLOWED).search(text):
        return True
    return bool(fast_source._SHORT_DATE.search(text) or _OLD_RISKY_NUMBER.search(text))


def _same_checks(text: str) -> None:
    assert fast_source._risky(text) == _old_risky(text), repr(text)
    assert fast_source._flow_over_lines(text) == _old_flow_over_lines(text), repr(text)
    numbers = fast_source._RISKY_NUMBER.search(text) or fast_source._RISKY_ITEM_NUMBER.search(text)
    assert bool(numbers) == bool(_OLD_RISKY_NUMBER.search(text)), repr(text)


@pytest.mark.parametrize(("name", "text"), TEXTS, ids=[n for n, _ in TEXTS])
def test_text_checks_agree_with_their_old_form_on_the_corpus(name: str, text: str) -> None:
    _same_checks(text)


_SOUP = list("ab019eExXoO_.:-+ ?,[]{}'\"\n\r\t\x07\x7f\x85é!&*<%")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(_SOUP), max_size=40))
@example("a: - 017\n")
@example("k: [1, {a: 0x1}]\n")
@example("- -  +.5e3\n")
@example("a: b\n[\nx\n")
def test_text_checks_agree_with_their_old_form(text: str) -> None:
    _same_checks(text)
    _same_checks(text + "\n")


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=8, max_size=300))
def test_text_checks_agree_with_their_old_form_on_grammar_texts(data: bytes) -> None:
    from helpers.yamlish import document_from_bytes

    _same_checks(document_from_bytes(data))


def test_the_yaml11_words_are_the_reference_booleans() -> None:
    # the pattern's words, and each with the final line break that '$' lets through
    words = source._YAML11_BOOL.pattern.removeprefix("^(?:").removesuffix(")$").split("|")
    assert {w + end for w in words for end in ("", "\n")} == fast_source._YAML11_WORDS


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("yYeEsSnNoOfF01+-:_. \nx")), max_size=7))
def test_the_string_check_keeps_every_yaml11_answer(text: str) -> None:
    # old: yaml11_reading for every string of at most five characters or number-like start
    old = (len(text) <= 5 or text[:1] in fast_source._NUMBER_START) and bool(
        source.yaml11_reading(text)
    )
    new = (
        bool(source.yaml11_reading(text))
        if text[:1] in fast_source._NUMBER_START
        else text in fast_source._YAML11_WORDS
    )
    assert new == old


def _old_plain(data: Any, limits: Limits) -> bool:
    """fast_source._plain before it judged scalars in place, kept as the reference."""
    nodes = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        nodes += 1
        kind = type(item)
        if kind is dict:
            if depth >= limits.max_depth:
                return False
            for key, value in item.items():
                if type(key) is not str or key[:1] in fast_source._INDICATOR_START:
                    return False
                if type(value) is datetime.date:
                    item[key] = value = value.isoformat()
                nodes += 1
                stack.append((value, depth + 1))
        elif kind is list:
            if depth >= limits.max_depth:
                return False
            for index, value in enumerate(item):
                if type(value) is datetime.date:
                    item[index] = value = value.isoformat()
                stack.append((value, depth + 1))
        elif kind is str:
            if item[:1] in fast_source._INDICATOR_START or (item.isspace() and "\n" in item):
                return False
            if (len(item) <= 5 or item[:1] in fast_source._NUMBER_START) and source.yaml11_reading(
                item
            ):
                return False
        elif kind is float:
            if not math.isfinite(item):
                return False
        elif kind is int:
            if not -SAFE_INTEGER < item < SAFE_INTEGER:
                return False
        elif item is not None and kind is not int and kind is not bool:
            return False
        if nodes > limits.max_nodes:
            return False
    return True


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(),
    st.dates(),
    st.datetimes(),
    st.binary(max_size=2),
    st.sampled_from(["yes", "No", "off\n", "y", "017", "1:20", "1_0", "|x", ">", "?", " \n"]),
    st.text(alphabet=st.sampled_from(list("aY01+-:|> \n")), max_size=6),
)
_KEYS = st.one_of(st.text(alphabet=st.sampled_from(list("ab:?|@ ")), max_size=3), st.integers(0, 3))
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(
    data=_DATA,
    max_depth=st.integers(1, 6),
    max_nodes=st.integers(0, 60),
)
def test_plain_agrees_with_its_old_form(data: Any, max_depth: int, max_nodes: int) -> None:
    limits = Limits(max_depth=max_depth, max_nodes=max_nodes)
    old_data, new_data = copy.deepcopy(data), copy.deepcopy(data)
    old = _old_plain(old_data, limits)
    assert fast_source._plain(new_data, limits) == old
    if old:  # the dates were written as text the same way
        assert repr(new_data) == repr(old_data)
