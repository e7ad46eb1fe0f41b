"""The literal prefilter of ``secrets.key_shape`` never hides a match of its patterns."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmreg import secrets


@pytest.mark.parametrize(
    ("what", "pattern"), secrets._KEY_SHAPES, ids=[w for w, _ in secrets._KEY_SHAPES]
)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_every_match_passes_the_prefilter(what: str, pattern: object, data: st.DataObject) -> None:
    import re

    assert isinstance(pattern, re.Pattern)
    text = data.draw(st.from_regex(pattern))
    assert any(literal in text for literal in secrets._KEY_LITERALS), text
    assert secrets.key_shape(text) is not None


def test_ordinary_text_is_not_a_secret() -> None:
    assert secrets.key_shape("general purpose assistant through high tier; sk- no") is None
