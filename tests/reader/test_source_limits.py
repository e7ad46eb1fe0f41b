"""The reader's limits give the same rule id whichever PyYAML (and bundled libyaml) is installed.

libyaml 0.2.6 (PyYAML 6.0.3 and later) refuses nesting past 1,000 levels while scanning, before
the builder's own 64-level bound is reached; older releases have no such bound. Either way the
finding is ``yaml-limit``. ``bash .ci/pyyaml-range`` runs these tests at both ends of the range.
"""

from __future__ import annotations

import pytest

from llmreg.source import DEFAULT_LIMITS, SourceError, parse

DEEP = {
    "flow, far past libyaml's bound": "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "flow, between the two bounds": "a: " + "[" * 500 + "]" * 500 + "\n",
    "flow, just past the builder's bound": "a: " + "[" * 64 + "]" * 64 + "\n",
    "block, far past libyaml's bound": "".join(" " * i + f"k{i}:\n" for i in range(2_000)),
    "block sequences": "a:\n" + "".join(" " * (2 * i + 1) + "-\n" for i in range(1_500)),
    "flow mappings": "a: " + "{b: " * 3_000 + "1" + "}" * 3_000 + "\n",
}


@pytest.mark.parametrize("text", list(DEEP.values()), ids=list(DEEP))
def test_deep_nesting_is_a_limit(text: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse(text)
    problem = caught.value.problem
    assert problem.rule == "yaml-limit"
    assert f"deeper than {DEFAULT_LIMITS.max_depth} levels" in problem.message
    assert problem.line >= 1 and problem.column >= 1


def test_nesting_at_the_bound_is_read() -> None:
    depth = DEFAULT_LIMITS.max_depth - 1  # the top-level mapping is one level
    doc = parse("a: " + "[" * depth + "]" * depth + "\n")
    value = doc.data["a"]
    for _ in range(depth - 1):
        value = value[0]
    assert value == []
