"""The compiled fast path and the reference validator give the same verdict.

Every golden example, every bundled definition, generated registries and mutated copies of
them (integral floats where integers belong, bounds, bad dates, unknown keys) are judged by
both. The fast path may decline (None); whenever it answers, its answer is the reference's.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmreg import fast_validate
from llmreg.source import SourceError, parse, read_text
from llmreg.validate import check_document, validator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import generate  # noqa: E402

KINDS = {"Provider": "provider", "Model": "model"}


def _documents() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    paths = sorted(
        p
        for base in (ROOT / "tests" / "golden", ROOT / "providers.d")
        if base.is_dir()
        for p in base.rglob("*.y*ml")
        if p.is_file()
    )
    texts = [(str(p.relative_to(ROOT)), p.read_bytes()) for p in paths]
    texts += [(f"generated/{g.rel}", g.text.encode()) for g in generate(20, seed=11)]
    for name, raw in texts:
        try:
            document = parse(read_text(raw))
        except SourceError:
            continue
        kind = document.data.get("kind")
        if kind in KINDS:
            found.append((name, document.data))
    return found


def _mutations(kind: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Variants near the edges where a compiled validator could judge differently."""
    out = []
    edits: list[tuple[str, Any]] = [("extra_key_nobody_knows", 1)]
    if kind == "Model":
        edits += [
            ("context_window", 8192.0),  # integral float where an integer belongs
            ("context_window", 0),
            ("context_window", 100_000_000),
            ("context_window", 100_000_001),
            ("context_window", 2**60),
            ("max_output_tokens", True),
            ("deprecation_date", "2026-02-30"),
            ("deprecation_date", "2026-1-05"),
            (
                "deprecation_date",
                "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0665",
            ),  # Arabic-Indic digits
            ("deprecation_date", "2026-01-05\n"),
            ("name", "bad name"),
            ("name", "trailing-newline\n"),
            ("pricing", {"input_per_million": 3.0, "output_per_million": -1.0}),
            ("pricing", {"input_per_million": 3.0}),
        ]
    else:
        edits += [
            ("budget_limit", 100.0),  # integral float where a number belongs: valid
            ("budget_limit", -1.0),
            ("network_config", {"max_retries": 3.0}),
            ("network_config", {"max_retries": 100.0}),
            ("network_config", {"max_retries": 101}),
            ("network_config", {"default_request_timeout_in_seconds": 0.0}),
            ("provider_type", "openai "),
            ("host_url", ""),
            ("served_models", [{"model_entity_id": "a/b", "served_model_name": ""}]),
        ]
    for key, value in edits:
        changed = copy.deepcopy(data)
        changed[key] = value
        out.append(changed)
    return out


DOCUMENTS = _documents()


def test_the_corpus_is_not_empty() -> None:
    assert len(DOCUMENTS) >= 20
    assert any(fast_validate.is_valid(KINDS[d["kind"]], d) for _, d in DOCUMENTS)


@pytest.mark.parametrize(("name", "data"), DOCUMENTS, ids=[n for n, _ in DOCUMENTS])
def test_same_verdict(name: str, data: dict[str, Any]) -> None:
    kind = KINDS[data["kind"]]
    reference = not list(validator(kind).iter_errors(data))
    assert fast_validate.is_valid(kind, data) in (reference, None)
    for variant in _mutations(data["kind"], data):
        reference = not list(validator(kind).iter_errors(variant))
        fast = fast_validate.is_valid(kind, variant)
        # a yes is final; a no only sends the document to the reference (Python's '$' also
        # matches before a final newline, Rust's does not, so 'name\n' is such a no)
        assert not (fast and not reference), (name, variant)
        # what llmreg reports goes through the fast path first: it never changes a verdict
        assert (not check_document(kind, variant, {})[0]) == reference, (name, variant)


def test_a_trailing_newline_is_a_fast_no_that_the_reference_overrules() -> None:
    model = next(
        d for _, d in DOCUMENTS if d["kind"] == "Model" and fast_validate.is_valid("model", d)
    )
    variant = {**model, "name": "x\n"}
    assert fast_validate.is_valid("model", variant) is False
    assert check_document("model", variant, {}) == ([], 0)


def test_integral_floats_are_not_integers_on_the_fast_path() -> None:
    model = next(
        d for _, d in DOCUMENTS if d["kind"] == "Model" and fast_validate.is_valid("model", d)
    )
    assert fast_validate.is_valid("model", {**model, "context_window": 8192}) is True
    assert fast_validate.is_valid("model", {**model, "context_window": 8192.0}) is False


def test_unsafe_schemas_make_the_fast_path_decline_integral_floats() -> None:
    assert fast_validate._shift_is_safe({"properties": {"a": {"minimum": 0, "maximum": 5}}})
    assert not fast_validate._shift_is_safe({"properties": {"a": {"exclusiveMinimum": 0}}})
    assert not fast_validate._shift_is_safe({"properties": {"a": {"minimum": 0.5}}})
    assert not fast_validate._shift_is_safe({"properties": {"a": {"enum": [1, 2]}}})
    assert not fast_validate._shift_is_safe({"items": [{"multipleOf": 2}]})


def _old_needs_shift(value: Any) -> bool:
    """fast_validate._needs_shift before it was one pass with _shifted, kept as the reference."""
    import math

    from llmreg.constants import SAFE_INTEGER

    found = False
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float:
            if not math.isfinite(item):
                raise fast_validate._Declined
            if item.is_integer():
                if not -SAFE_INTEGER < item < SAFE_INTEGER:
                    raise fast_validate._Declined
                found = True
        elif kind is int and not -SAFE_INTEGER < item < SAFE_INTEGER:
            raise fast_validate._Declined
    return found


_NUMBERS = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.text(max_size=2),
        st.integers(min_value=-(2**54), max_value=2**54),
        st.floats(),
        st.sampled_from([1.0, -0.0, 2.0**53, 2.0**53 - 1, 1.5]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=2), inner, max_size=4)
    ),
    max_leaves=25,
)


def _old_shifted(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: _old_shifted(item) for key, item in value.items()}
    if kind is list:
        return [_old_shifted(item) for item in value]
    if kind is float and value.is_integer():
        return value + 0.5
    return value


def _old_outcome(value: Any) -> object:
    try:
        needs = _old_needs_shift(value)
    except fast_validate._Declined:
        return "declined"
    return needs, repr(_old_shifted(value) if needs else value)


def _new_outcome(value: Any) -> object:
    before = repr(value)
    try:
        shifted = fast_validate._shifted(value)
    except fast_validate._Declined:
        return "declined"
    assert repr(value) == before  # the document itself is never changed
    return shifted is not value, repr(shifted)


@settings(max_examples=500, deadline=None)
@given(_NUMBERS)
def test_shifting_agrees_with_its_old_form(value: Any) -> None:
    assert _new_outcome(value) == _old_outcome(value)
