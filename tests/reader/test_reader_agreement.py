"""Property tests: the fast reader answers only what the reference would; any text gives findings.

The texts come from the grammar of tricky YAML constructs in ``tests/helpers/yamlish.py`` (the fuzz
target ``fuzz/reader_diff.py`` runs the same checks with a large budget) and from arbitrary
text. ``LLMREG_PROPERTY_EXAMPLES`` raises the number of examples.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers.yamlish import document_from_bytes
from llmreg import fast_source
from llmreg.check import stage_bytes
from llmreg.source import SourceError, parse

FAST = settings(
    max_examples=int(os.environ.get("LLMREG_PROPERTY_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _agree(text: str) -> None:
    fast = fast_source.load(text)
    if fast is None:
        return
    try:
        doc = parse(text)
    except SourceError as exc:
        raise AssertionError(f"the fast reader accepts what the reference refuses: {exc}") from exc
    assert (doc.problems, doc.yaml11) == ([], {})
    assert _json(fast) == _json(doc.data)  # json tells 1, 1.0 and True apart


@FAST
@given(st.binary(min_size=8, max_size=300))
def test_fast_and_reference_readers_agree_on_grammar_texts(data: bytes) -> None:
    _agree(document_from_bytes(data))


@FAST
@given(st.text(alphabet=st.sampled_from(list("ab1:-?|>[]{}, \n'\"#.\u2028")), max_size=60))
@example("tags: [|qwen, coding]\n")
@example("a: |\n  hello")
@example('a: {x: 1, "y\n  z": 2}\n')
@example("a:\n  1_000\n")
@example("a: +.5_0\n")
@example("tags: [a, b:]\n\n")
@example("x : {'': = , \"a}b\r\n   http://h:8/v1\": +.5 } # c\n")
def test_fast_and_reference_readers_agree_on_indicator_soup(text: str) -> None:
    _agree(text)


@FAST
@given(st.text(alphabet=st.sampled_from(list("ab1:-|[]{}, \n'\"#!&*")), max_size=60))
@example("access_grants:\n  - {access_type: public, access_id: '*'}\n")
@example("k: a*b\nl: R&D\nm: Hello!\nn: https://h/v1?a=1&b=2\n")
@example("k: &a x\nl: *a\n")
@example("k: [*a]\n")
@example('{"a":*b}\n')
@example("k: !!str 1\n")
@example("k: 'a' *b\n")
@example("k: claude-3-5-haiku\nd: 2027-1-5\ne: x-2027-1-5\n")
def test_fast_and_reference_readers_agree_on_node_properties(text: str) -> None:
    # '!', '&' and '*' inside scalars leave a file to the fast reader; where a node starts
    # they are tags, anchors and aliases, which only the reference reads
    _agree(text)


@FAST
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace")))
def test_any_bytes_give_findings_never_an_exception(raw: bytes) -> None:
    staged, _ = stage_bytes(raw)
    assert staged is not None


@FAST
@given(st.binary(min_size=8, max_size=300))
def test_grammar_texts_give_findings_never_an_exception(data: bytes) -> None:
    stage_bytes(document_from_bytes(data).encode("utf-8", "surrogatepass"))
