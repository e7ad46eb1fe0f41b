"""The committed JSON Schemas and the pydantic models give the same verdict on every example.

Plain ``jsonschema`` (Draft 2020-12, with format assertions) against ``schemas/*.schema.json``
is what other tools see; ``Provider.model_validate`` / ``Model.model_validate`` is what the
runtime builds. Every golden document that parses as a mapping is judged by both.

One known difference is pinned rather than hidden: JSON Schema counts 30.0 as an integer, a
strict pydantic model does not. llmreg's own validator redefines "integer" to agree with
pydantic, so for documents holding such a number pydantic must agree with llmreg's validator
and disagree with plain jsonschema.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import ValidationError

from llmreg.models import Model, Provider
from llmreg.source import SourceError, parse, read_text
from llmreg.validate import validator as llmreg_validator

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "tests" / "golden", ROOT / "providers.d"]


def _documents() -> list[Path]:
    found: list[Path] = []
    for base in SOURCES:
        if base.is_dir():
            found.extend(p for p in base.rglob("*") if p.suffix in (".yaml", ".yml"))
    return sorted(p for p in found if p.is_file())


def _parsed(path: Path) -> dict[str, Any] | None:
    try:
        data = parse(read_text(path.read_bytes())).data
    except SourceError:
        return None
    return data if isinstance(data, dict) else None


DOCUMENTS = [(p, d) for p in _documents() if (d := _parsed(p)) is not None]


@cache
def plain_validator(kind: str) -> Draft202012Validator:
    schema = json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _has_integral_float(value: Any) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, dict):
        return any(_has_integral_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_integral_float(v) for v in value)
    return False


def _pydantic_accepts(model: type[Provider] | type[Model], data: dict[str, Any]) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


def test_there_are_documents_of_both_kinds_and_both_verdicts() -> None:
    kinds = {d.get("kind") for _, d in DOCUMENTS}
    assert {"Provider", "Model"} <= kinds
    verdicts = {plain_validator("provider").is_valid(d) for _, d in DOCUMENTS}
    assert verdicts == {True, False}


@pytest.mark.parametrize(
    ("path", "data"),
    DOCUMENTS,
    ids=[p.relative_to(ROOT).as_posix() for p, _ in DOCUMENTS],
)
def test_jsonschema_and_pydantic_agree(path: Path, data: dict[str, Any]) -> None:
    # A document without a valid kind is judged against both kinds: both must reject it.
    pairs: list[tuple[str, type[Provider] | type[Model]]] = [
        ("provider", Provider),
        ("model", Model),
    ]
    if data.get("kind") == "Provider":
        pairs = pairs[:1]
    elif data.get("kind") == "Model":
        pairs = pairs[1:]
    for kind, model in pairs:
        by_pydantic = _pydantic_accepts(model, data)
        by_llmreg = llmreg_validator(kind).is_valid(data)
        by_jsonschema = plain_validator(kind).is_valid(data)
        assert by_llmreg == by_pydantic, f"{kind}: llmreg's validator and pydantic disagree"
        if by_jsonschema != by_pydantic and _has_integral_float(data):
            # the known edge: 30.0 is an integer to JSON Schema only
            assert by_jsonschema and not by_pydantic
            continue
        errors = [e.message for e in plain_validator(kind).iter_errors(data)]
        assert by_jsonschema == by_pydantic, f"{kind}: jsonschema {errors} vs pydantic"


def test_the_integer_edge_is_pinned() -> None:
    """30.0 for an integer: plain jsonschema accepts it, pydantic and llmreg's validator do not."""
    path = ROOT / "tests" / "golden" / "valid" / "basic" / "default" / "providers" / "openai.yaml"
    data = _parsed(path)
    assert data is not None
    edge = {**data, "network_config": {"max_retries": 3.0}}
    assert plain_validator("provider").is_valid(edge)
    assert not _pydantic_accepts(Provider, edge)
    assert not llmreg_validator("provider").is_valid(edge)
    fixed = {**data, "network_config": {"max_retries": 3}}
    assert plain_validator("provider").is_valid(fixed)
    assert _pydantic_accepts(Provider, fixed)
