"""config_hash: golden vectors, invariance properties, the registry hash (docs/config-hash.md)."""

from __future__ import annotations

import copy
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

import llmreg
from llmreg.hashing import (
    HashError,
    canonical_bytes,
    config_hash,
    config_hash_of_data,
    definition_from_data,
    normalize,
    registry_hash,
)
from llmreg.source import parse, read_text


def doc_of(text: str) -> dict[str, Any]:
    document = parse(read_text(text.encode("utf-8")))
    assert not document.problems
    return document.data


def hash_of(text: str) -> str:
    data = doc_of(text)
    return config_hash_of_data(data["kind"], data)


# -- golden vectors: an accidental change of the algorithm fails here -------------------------

MINIMAL = """kind: Model
workspace: ws
name: m
"""

PROVIDER = """kind: Provider
workspace: default
name: openai
provider_type: openai
description: "OpenAI — the public API"
host_url: https://api.openai.com/v1
api_key_secret_name: OPENAI_API_KEY
served_models:
  - model_entity_id: default/gpt-4o
    served_model_name: gpt-4o
default_extra_body:
  temperature: 0.7
  stop: ["\\n\\n", "END"]
required_extra_headers:
  X-Client-Id: acme-001
network_config:
  default_request_timeout_in_seconds: 30
  max_retries: 3
budget_limit: 100
"""

DERIVED = """kind: Model
workspace: default
name: code-assistant
display_name: Code Assistant
base_model_id: default/gpt-4o
params:
  temperature: 1.0
  max_tokens: 2000
  nested: {b: [1, 2.5, null, true], a: "x"}
meta:
  capabilities: {vision: true}
  tags: [coding]
access_grants:
  - {access_type: group, access_id: eng, permission: write}
pricing: {input_per_million: 2.5, output_per_million: 10}
deprecation_date: 2026-01-31
input_modalities: [text, image]
"""

GOLDEN = [
    (MINIMAL, "sha256:a02275d54145d2b4f33ec656f611584d850daa748f451a818d13acc620819883"),
    (PROVIDER, "sha256:93ea747cbf9f2cad287ac616325c69ad0e161ef42023fde4f1a1df82ae4b5792"),
    (DERIVED, "sha256:3c4330723acddd294801ff984f1410f71c329d506d91e78bed7cdeb1adef0ed2"),
]


@pytest.mark.parametrize(("text", "expected"), GOLDEN)
def test_golden_vectors(text: str, expected: str) -> None:
    assert hash_of(text) == expected


def test_minimal_canonical_form_is_the_rfc8785_text_and_its_sha256() -> None:
    data = doc_of(MINIMAL)
    canonical = canonical_bytes(definition_from_data("Model", data))
    assert canonical == b'{"kind":"Model","name":"m","workspace":"ws"}'
    assert hash_of(MINIMAL) == "sha256:" + hashlib.sha256(canonical).hexdigest()


def test_numbers_follow_rfc8785() -> None:
    canonical = canonical_bytes(definition_from_data("Model", doc_of(DERIVED))).decode()
    assert '"temperature":1}' in canonical  # 1.0 is written 1
    assert '"output_per_million":10}' in canonical  # a float field given 10
    assert '"permission":"write"' in canonical  # not the default, so kept


def test_document_and_definition_paths_agree(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    (root / "default" / "providers").mkdir(parents=True)
    (root / "default" / "models").mkdir(parents=True)
    (root / "default" / "providers" / "openai.yaml").write_text(PROVIDER, encoding="utf-8")
    (root / "default" / "models" / "gpt-4o.yaml").write_text(
        "kind: Model\nworkspace: default\nname: gpt-4o\n", encoding="utf-8"
    )
    reg = llmreg.load(root)
    provider = reg.provider("default/openai")
    assert provider.config_hash == GOLDEN[1][1]
    assert config_hash(provider) == GOLDEN[1][1]
    snapshot = tmp_path / "s.json"
    reg.write_snapshot(snapshot)
    assert llmreg.load_snapshot(snapshot).provider("default/openai").config_hash == GOLDEN[1][1]


# -- same meaning, same hash ------------------------------------------------------------------


def test_comments_quoting_flow_style_and_key_order_keep_the_hash() -> None:
    rewritten = """# a comment
name: 'm'        # quoted differently
"workspace": ws
kind: "Model"
"""
    assert hash_of(rewritten) == hash_of(MINIMAL)
    flow = '{kind: Model, name: "m", workspace: ws}\n'
    assert hash_of(flow) == hash_of(MINIMAL)


def test_anchors_and_aliases_keep_the_hash() -> None:
    anchored = PROVIDER.replace(
        "required_extra_headers:\n  X-Client-Id: acme-001\n",
        "required_extra_headers: &h\n  X-Client-Id: acme-001\n",
    )
    plain = PROVIDER.replace(
        "default_extra_body:\n",
        "default_extra_headers:\n  X-Client-Id: acme-001\ndefault_extra_body:\n",
    )
    aliased = anchored + "default_extra_headers: *h\n"
    assert hash_of(aliased) == hash_of(plain)
    assert hash_of(plain) != hash_of(PROVIDER)


EXPLICIT_DEFAULTS = {
    "Provider": {
        "enabled": True,
        "description": None,
        "auth_header_format": "Authorization: Bearer {{ auth_secret }}",
        "enabled_models": None,
        "default_extra_headers": {},
        "required_extra_body": {},
        "send_back_raw_request": False,
        "is_internal": False,
        "proxy_config": None,
    },
    "Model": {
        "is_active": True,
        "params": {},
        "display_name": None,
        "input_modalities": ["text"],
        "output_modalities": ["text"],
        "access_grants": None,
    },
}


@pytest.mark.parametrize("text", [MINIMAL, PROVIDER, DERIVED])
def test_every_explicit_default_keeps_the_hash(text: str) -> None:
    data = doc_of(text)
    for key, value in EXPLICIT_DEFAULTS[data["kind"]].items():
        if key in data:
            continue
        with_default = {**data, key: value}
        assert config_hash_of_data(data["kind"], with_default) == hash_of(text), key


def test_nested_defaults_keep_the_hash() -> None:
    data = doc_of(PROVIDER)
    data["network_config"] = {**data["network_config"], "insecure_skip_verify": False}
    assert config_hash_of_data("Provider", data) == hash_of(PROVIDER)
    model = doc_of(DERIVED)
    model["pricing"] = {**model["pricing"], "currency": "USD"}
    model["access_grants"] = [{**model["access_grants"][0]}]
    assert config_hash_of_data("Model", model) == hash_of(DERIVED)
    model["access_grants"][0]["permission"] = "read"  # now a different meaning
    assert config_hash_of_data("Model", model) != hash_of(DERIVED)


def _shuffled(value: Any, rnd: st.DataObject) -> Any:
    if isinstance(value, dict):
        keys = rnd.draw(st.permutations(list(value)))
        return {k: _shuffled(value[k], rnd) for k in keys}
    if isinstance(value, list):
        return [_shuffled(v, rnd) for v in value]
    return value


@settings(max_examples=40, deadline=None)
@given(data=st.data(), which=st.sampled_from([PROVIDER, DERIVED]))
def test_key_order_never_matters(data: st.DataObject, which: str) -> None:
    doc = doc_of(which)
    assert config_hash_of_data(doc["kind"], _shuffled(doc, data)) == hash_of(which)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), which=st.sampled_from([PROVIDER, DERIVED]))
def test_any_subset_of_explicit_defaults_keeps_the_hash(data: st.DataObject, which: str) -> None:
    doc = doc_of(which)
    defaults = {k: v for k, v in EXPLICIT_DEFAULTS[doc["kind"]].items() if k not in doc}
    chosen = data.draw(st.lists(st.sampled_from(sorted(defaults)), unique=True))
    extended = {**doc, **{k: copy.deepcopy(defaults[k]) for k in chosen}}
    assert config_hash_of_data(doc["kind"], _shuffled(extended, data)) == hash_of(which)


# -- any change of meaning changes the hash ---------------------------------------------------

CHANGES: list[tuple[str, str, Any]] = [
    (PROVIDER, "name", "openai2"),
    (PROVIDER, "workspace", "other"),
    (PROVIDER, "provider_type", "azure"),
    (PROVIDER, "description", "OpenAI - the public API"),
    (PROVIDER, "host_url", "https://api.openai.com/v2"),
    (PROVIDER, "api_key_secret_name", "OTHER_KEY"),
    (PROVIDER, "served_models", [{"model_entity_id": "default/gpt-4o", "served_model_name": "x"}]),
    (PROVIDER, "default_extra_body", {"temperature": 0.71, "stop": ["\n\n", "END"]}),
    (PROVIDER, "default_extra_body", {"temperature": 0.7, "stop": ["END", "\n\n"]}),
    (PROVIDER, "required_extra_headers", {"X-Client-Id": "acme-002"}),
    (PROVIDER, "network_config", {"default_request_timeout_in_seconds": 31, "max_retries": 3}),
    (PROVIDER, "budget_limit", 100.5),
    (PROVIDER, "enabled", False),
    (PROVIDER, "auth_header_format", "X-Api-Key: {{ auth_secret }}"),
    (DERIVED, "params", {"temperature": 1.0, "max_tokens": 2001, "nested": {}}),
    (DERIVED, "is_active", False),
    (DERIVED, "deprecation_date", "2026-02-01"),
    (DERIVED, "input_modalities", ["image", "text"]),
    (DERIVED, "access_grants", []),
    (DERIVED, "meta", {"capabilities": {"vision": False}, "tags": ["coding"]}),
    (DERIVED, "base_model_id", "default/gpt-4o-mini"),
]


@pytest.mark.parametrize(("text", "key", "value"), CHANGES)
def test_changing_a_field_changes_the_hash(text: str, key: str, value: Any) -> None:
    doc = doc_of(text)
    changed = {**doc, key: value}
    assert config_hash_of_data(doc["kind"], changed) != hash_of(text)


@settings(max_examples=60, deadline=None)
@given(
    key=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=8),
    value=st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**53) + 1, 2**53 - 1)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
        max_leaves=6,
    ),
)
def test_adding_any_param_changes_the_hash(key: str, value: Any) -> None:
    doc = doc_of(DERIVED)
    params = dict(doc["params"])
    if key in params:
        return
    params[key] = value
    assert config_hash_of_data("Model", {**doc, "params": params}) != hash_of(DERIVED)


def test_secrets_are_hashed_by_reference_only() -> None:
    data = doc_of(PROVIDER)
    canonical = canonical_bytes(definition_from_data("Provider", data))
    assert b"OPENAI_API_KEY" in canonical
    assert set(json.loads(canonical)) & {"api_key", "secret", "password"} == set()


def test_numbers_without_an_exact_json_form_are_reported() -> None:
    model = definition_from_data("Model", {**doc_of(MINIMAL), "params": {"seed": 2**60}})
    with pytest.raises(HashError) as caught:
        config_hash(model)
    assert caught.value.pointer == "/params/seed"
    nan = definition_from_data("Model", {**doc_of(MINIMAL), "params": {"x": [float("nan")]}})
    with pytest.raises(HashError) as caught:
        config_hash(nan)
    assert caught.value.pointer == "/params/x/0"
    # JSON-mode dumping would turn infinity into null, hashing it like "no limit"
    unlimited = definition_from_data("Provider", {**doc_of(PROVIDER), "budget_limit": math.inf})
    with pytest.raises(HashError) as caught:
        config_hash(unlimited)
    assert caught.value.pointer == "/budget_limit"


def test_normalize_drops_defaults_only() -> None:
    definition = definition_from_data("Model", {**doc_of(MINIMAL), "is_active": False})
    assert normalize(definition) == {
        "kind": "Model",
        "workspace": "ws",
        "name": "m",
        "is_active": False,
    }


def test_cached_hash_follows_model_copy() -> None:
    model = definition_from_data("Model", doc_of(MINIMAL))
    before = model.config_hash
    copied = model.model_copy(update={"is_active": False})
    assert copied.config_hash != before
    assert copied.config_hash == config_hash(copied)
    assert model == definition_from_data("Model", doc_of(MINIMAL))  # caching keeps equality


# -- the registry hash --------------------------------------------------------------------------


def test_registry_hash_is_order_free_and_matches_rfc8785() -> None:
    entries = [
        ("Provider", "default/openai", "sha256:" + "a" * 64),
        ("Model", "default/gpt-4o", "sha256:" + "b" * 64),
        ("Model", "default/gpt-4.1", "sha256:" + "c" * 64),
    ]
    expected = "sha256:" + hashlib.sha256(rfc8785.dumps(sorted(map(list, entries)))).hexdigest()
    assert registry_hash(entries) == expected
    assert registry_hash(reversed(entries)) == expected
    assert registry_hash(entries[:2]) != expected
    changed = [*entries[:2], ("Model", "default/gpt-4.1", "sha256:" + "d" * 64)]
    assert registry_hash(changed) != expected


def test_registry_hash_of_unusual_strings_uses_rfc8785() -> None:
    entries = [("Model", "ws/é\u2028", "sha256:00")]
    expected = "sha256:" + hashlib.sha256(rfc8785.dumps([list(entries[0])])).hexdigest()
    assert registry_hash(entries) == expected
