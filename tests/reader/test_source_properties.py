"""Property tests of the YAML reader, ``llmreg.source.parse``."""

from __future__ import annotations

import json
import os
import re
import string
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmreg.source import Document, Position, SourceError, parse

FAST = settings(
    max_examples=int(os.environ.get("LLMREG_PROPERTY_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# JSON values. JSON is YAML except for characters YAML does not allow in a stream at all (json
# writes DEL and the C1 controls raw; U+FFFE/U+FFFF are not printable in YAML). NEL, U+2028 and
# U+2029 are ordinary characters in YAML 1.2 and JSON, and so for the reader.
_NOT_IN_YAML = "\x7f\ufffe\uffff" + "".join(c for c in map(chr, range(0x80, 0xA0)) if c != "\x85")
json_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters=_NOT_IN_YAML), max_size=20
)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)  # JSON-exact integers
    | st.floats(allow_nan=False, allow_infinity=False)
    | json_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(json_text, children, max_size=4)
    ),
    max_leaves=25,
)
json_mappings = st.dictionaries(json_text, json_values, max_size=6)

# Data that ``yaml.safe_dump`` (YAML 1.1) writes so that YAML 1.2 reads it back the same: strings
# without digits or dots cannot be mistaken for numbers by either version, and safe_dump quotes
# the 1.1 booleans and nulls, a superset of 1.2's.
plain_text = st.text(alphabet=string.ascii_letters + " _-'\"#:,[]{}&*!|>%@`", max_size=15)
yaml_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False, width=64)
    | plain_text
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(plain_text, children, max_size=4)
    ),
    max_leaves=25,
)
yaml_mappings = st.dictionaries(plain_text, yaml_values, max_size=6)

# the lines editors, git and GitHub count, and YAML 1.2: NEL, LS and PS do not end a line
_BREAKS = re.compile("\r\n|[\r\n]")


def _same(a: Any, b: Any) -> bool:
    """Equality that also tells 1 from 1.0 and True from 1, as JSON and YAML do."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _within(text: str, position: Position) -> bool:
    lines = _BREAKS.split(text)
    if not 1 <= position.line <= len(lines):
        return False
    return 1 <= position.column <= len(lines[position.line - 1]) + 1


def _positions(doc: Document) -> list[Position]:
    return [
        *doc.value_positions.values(),
        *doc.key_positions.values(),
        *(Position(p.line, p.column) for p in doc.problems),
    ]


@FAST
@given(json_mappings)
def test_json_text_reads_back_as_the_same_data(data: dict[str, Any]) -> None:
    texts = [json.dumps(data, indent=2, ensure_ascii=False)]
    if max(map(ord, json.dumps(data, ensure_ascii=False))) <= 0xFFFF:
        # outside the BMP json writes surrogate pair escapes, which YAML (libyaml) refuses
        texts.append(json.dumps(data))
    for text in texts:
        doc = parse(text)
        assert _same(doc.data, data)
        assert doc.problems == []


@FAST
@given(yaml_mappings, st.booleans())
def test_safe_dump_reads_back_as_the_same_data(data: dict[str, Any], flow: bool) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    if not data:
        return  # '{}' is an empty mapping; the empty-file rule is tested elsewhere
    doc = parse(text)
    assert _same(doc.data, data)
    assert [p.rule for p in doc.problems] == []
    for position in _positions(doc):
        assert _within(text, position)


@FAST
@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_source_error_within_the_text(text: str) -> None:
    try:
        doc = parse(text)
    except SourceError as exc:
        assert _within(text, Position(exc.problem.line, exc.problem.column)), exc.problem
        return
    assert isinstance(doc.data, dict)
    for position in _positions(doc):
        assert _within(text, position)


_FRAGMENTS = ("b:", "- ", "&x ", "*x", "? ", "!!str ", "!t ", "<<: ", "---\n", "...\n", "no")
yaml_fragments = st.lists(
    st.sampled_from([*"ab[]{},:'\"#|>1\t\\ \n", *_FRAGMENTS]), max_size=40
).map("".join)


@FAST
@given(yaml_fragments)
def test_yaml_shaped_text_raises_only_source_error_within_the_text(text: str) -> None:
    test_arbitrary_text_raises_only_source_error_within_the_text.hypothesis.inner_test(text)  # type: ignore[attr-defined]


keys = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=8)


@FAST
@given(
    st.lists(keys, min_size=1, max_size=6, unique=True),
    st.data(),
    st.sampled_from(["block", "flow", "nested"]),
)
def test_a_repeated_key_is_always_a_duplicate_key(
    names: list[str], data: st.DataObject, style: str
) -> None:
    repeated = data.draw(st.sampled_from(names))
    order = [*names, repeated]
    order = data.draw(st.permutations(order))
    values = [json.dumps(data.draw(json_scalars), ensure_ascii=False) for _ in order]
    pairs = [(json.dumps(k), v) for k, v in zip(order, values, strict=True)]
    if style == "flow":
        text = "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}\n"
    elif style == "nested":
        text = "outer:\n" + "".join(f"  {k}: {v}\n" for k, v in pairs)
    else:
        text = "".join(f"{k}: {v}\n" for k, v in pairs)
    doc = parse(text)
    duplicates = [p for p in doc.problems if p.rule == "duplicate-key"]
    assert len(duplicates) == 1
    assert repeated in duplicates[0].message
    prefix = "/outer/" if style == "nested" else "/"
    assert duplicates[0].path == prefix + repeated.replace("~", "~0").replace("/", "~1")
    second = len(order) - 1 - order[::-1].index(repeated)
    expected_line = 1 if style == "flow" else second + 1 + (style == "nested")
    assert duplicates[0].line == expected_line
