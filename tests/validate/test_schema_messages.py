"""What the schema rule says about one document: each problem once, counted right."""

from __future__ import annotations

from llmreg.rules import Hit
from llmreg.validate import check_document


def test_each_missing_key_is_reported_once() -> None:
    # jsonschema gives one `required` error per missing key; each used to be translated into
    # every missing key of the mapping, so two missing keys came out as four findings
    problems, more = check_document(
        "provider", {"kind": "Provider", "workspace": "default", "name": "x"}, {}
    )
    assert more == 0
    assert sorted(p.message for p in problems if p.pointer == "") == [
        "missing required key 'host_url' in the document",
        "missing required key 'provider_type' in the document",
    ]
    assert len(problems) == len(set(problems))


def test_missing_keys_in_a_nested_mapping_are_reported_once_each() -> None:
    provider = {
        "kind": "Provider",
        "workspace": "default",
        "name": "x",
        "provider_type": "openai",
        "host_url": "https://api.openai.com/v1",
        "served_models": [{}],
    }
    problems, _ = check_document("provider", provider, {})
    nested = [p for p in problems if p.pointer == "/served_models/0"]
    assert len(nested) == len(set(nested)) >= 2, nested
    assert all(isinstance(p, Hit) for p in problems)


def test_the_count_past_the_limit_counts_each_missing_key_once() -> None:
    problems, more = check_document("provider", {}, {}, limit=1)
    everything, none_left = check_document("provider", {}, {})
    assert none_left == 0
    assert len(problems) == 1
    assert len(problems) + more == len(everything)
