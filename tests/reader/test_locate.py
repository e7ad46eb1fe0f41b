"""``llmreg.locate``: where the registry rules' pointers start in a plain file, found in its text,
must be where the reference reader puts them, or not given at all."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers.yamlish import document_from_bytes
from llmreg import fast_source
from llmreg.locate import locate
from llmreg.rules import fact_pointers, registry_facts
from llmreg.source import SourceError, parse, read_text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import generate  # noqa: E402

FAST = settings(
    max_examples=int(os.environ.get("LLMREG_PROPERTY_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _texts() -> list[tuple[str, str]]:
    found = []
    for base in (ROOT / "tests" / "golden", ROOT / "providers.d"):
        for path in sorted(base.rglob("*.y*ml")):
            try:
                found.append((str(path.relative_to(ROOT)), read_text(path.read_bytes())))
            except SourceError:
                continue
    found += [(f"generated/{g.rel}", g.text) for g in generate(40, seed=5)]
    return found


TEXTS = _texts()

# shapes the locator must follow, or decline
SHAPES = [
    "kind: Model   # c\nworkspace: w\nname: 'n'\n",
    "# lead\n\nkind: Model\npreferred_providers:\n- a/b\n-   'c/d'\n",
    "kind: Model\ninput_modalities: [text,  'image' , \"audio\"]\nx: []\n",
    "kind: Model\npricing:\n    currency: USD\n    input_per_million: 1\n",
    "served_models:\n  -   model_entity_id: x/y\n      served_model_name: z\n"
    "  - served_model_name: z\n    model_entity_id: x/w\n",
    "a:\n  - - a\n    - b\n  - c\n",
    "description: |\n  foo: bar\n  - x\nbase_model_id:\n  x/y\n",
    "d: plain over\n  two lines\n'q': \"v\"\nk: {a: 1}\n",
    "served_models:\n  - {model_entity_id: a/b, served_model_name: c}\n",
    "a: [x, ]\n",
    "a:\nb: 1\n",
    "  kind: Model\n  name: n\n",
]


def _compare(text: str) -> None:
    """Every value pointer the locator answers for is where the reference reader puts it."""
    if fast_source.load(text) is None:
        return
    document = parse(text)
    wanted = sorted(document.value_positions)
    whole = locate(text, wanted)
    for pointer in wanted:
        one = locate(text, [pointer])
        if one is None:
            assert whole is None
            continue
        where = document.value_positions[pointer]
        assert one[pointer] == (where.line, where.column), pointer
    if whole is not None:
        assert whole == {p: (w.line, w.column) for p, w in document.value_positions.items()}


@pytest.mark.parametrize("text", SHAPES)
def test_shapes_are_located_as_the_reference_reader_does_or_declined(text: str) -> None:
    _compare(text)


@pytest.mark.parametrize(("name", "text"), TEXTS, ids=[n for n, _ in TEXTS])
def test_files_are_located_as_the_reference_reader_does(name: str, text: str) -> None:
    _compare(text)


def test_the_registry_pointers_of_plain_files_are_found() -> None:
    """What the stage asks for in the generated and bundled registries' plain files."""
    asked = 0
    for name, text in TEXTS:
        data = fast_source.load(text)
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind not in ("Provider", "Model") or name.startswith("tests/"):
            continue
        try:
            facts = registry_facts(kind, data)
        except (KeyError, TypeError):
            continue
        asked += 1
        assert locate(text, fact_pointers(facts)) is not None, name
    assert asked >= 40


@FAST
@given(st.binary(min_size=8, max_size=300))
def test_grammar_texts_are_located_as_the_reference_reader_does(data: bytes) -> None:
    _compare(document_from_bytes(data))


@FAST
@given(st.text(alphabet=st.sampled_from(list("ab1:-'\"#[], \n|")), max_size=60))
@example("a:\n- b\n- c: d\n  e: f\n")
@example("- a\n")
def test_indicator_soup_is_located_as_the_reference_reader_does(text: str) -> None:
    _compare(text)
