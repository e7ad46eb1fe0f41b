"""Exports accepted by the systems' own contracts, and what they return imported back equal.

The default suite checks against what each system publishes and this repository can carry:
Bifrost's JSON Schema for config.json and NeMo Platform's OpenAPI document (extracts in
tests/data/systems/, with their source). The systems' SDKs and a real Open WebUI server are
heavier: tests/interop/test_interop_sdk.py and tests/interop/test_interop_openwebui.py, opt-in
(README, Development).
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import llmreg
from llmreg.interop import SYSTEMS, InteropError, export, export_all, import_, nemo, split
from llmreg.models import MODEL_BY_KIND

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "providers.d"
SYSTEM_DATA = Path(__file__).resolve().parents[1] / "data" / "systems"


@functools.cache
def bundled_registry() -> llmreg.Registry:
    return llmreg.load(BUNDLED)


def bundled(kind: str) -> list[dict[str, Any]]:
    registry = bundled_registry()
    return [
        d.model_dump(mode="json", exclude_defaults=True) | {"kind": d.kind}
        for d in registry.definitions()
        if d.kind == kind
    ]


def ident(document: dict[str, Any]) -> str:
    return f"{document['workspace']}/{document['name']}"


def config_hash(document: dict[str, Any], keep: set[str]) -> str:
    """The config_hash of the fields ``keep`` of a definition (what a system can carry).

    Required fields left out of ``keep`` are set to one placeholder on both sides.
    """
    kind = document["kind"]
    data = {k: v for k, v in document.items() if k in {"kind", "workspace", "name", *keep}}
    data.setdefault("provider_type", "custom") if kind == "Provider" else None
    data.setdefault("host_url", "https://placeholder.invalid") if kind == "Provider" else None
    if data.get("provider_type") == "custom":
        data.setdefault("custom_provider_config", {"base_provider_type": "openai"})
    return MODEL_BY_KIND[kind].model_validate(data).config_hash


def load_schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SYSTEM_DATA / name).read_text())
    return data


# -- Bifrost: config.json against Bifrost's schema -----------------------------------------

BIFROST_SCHEMA = load_schema("bifrost-config.schema.extract.json")
# what the config.json entry of each type carries (besides workspace and name)
BIFROST_CONFIG_FIELDS = {
    "provider_type",
    "host_url",
    "api_key_secret_name",
    "default_extra_headers",
    "concurrency_and_buffer_size",
    "send_back_raw_response",
}


def bifrost_config_errors(config: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft201909Validator(BIFROST_SCHEMA)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(config)]


def test_bifrost_config_json_of_the_bundled_registry_validates() -> None:
    providers = bundled("Provider")
    config, _notes = export_all("bifrost", providers)
    assert bifrost_config_errors(config) == []
    assert len(config["providers"]) == len(providers)
    # the schema checks the providers it knows by name: custom ones are not checked by it
    known = set(BIFROST_SCHEMA["properties"]["providers"]["properties"])
    assert len([p for p in config["providers"] if p in known]) >= 6


def test_bifrost_schema_extract_refuses_what_the_issue_found() -> None:
    """The extract is strict where Bifrost is: the old export shape is refused by it."""
    old = {
        "providers": {
            "openai": {"network_config": {"base_url": "https://api.openai.com/v1"}},
            "azure": {"keys": [{"name": "k", "value": "env.K", "weight": 1}]},
        }
    }
    errors = bifrost_config_errors(old)
    assert any("'keys' is a required property" in e for e in errors)
    assert any("azure_key_config" in e for e in errors)
    proxy = {"keys": [{"name": "k", "weight": 1}], "proxy_config": {"url": "http://p:1"}}
    assert bifrost_config_errors({"providers": {"openai": proxy}})


def test_bifrost_keys_are_env_references_and_key_configs() -> None:
    config, _ = export_all("bifrost", bundled("Provider"))
    providers = config["providers"]
    for entry in providers.values():
        for key in entry["keys"]:
            assert key["value"].startswith("env."), key
    assert providers["azure"]["keys"][0]["azure_key_config"]["api_version"] == "2024-10-21"
    assert providers["vertex"]["keys"][0]["vertex_key_config"] == {
        "project_id": "acme-ml-prod",
        "region": "us-central1",
    }
    vllm = providers["vllm"]
    assert "base_url" not in vllm.get("network_config", {})
    assert {k["vllm_key_config"]["model_name"] for k in vllm["keys"]} == {
        "Qwen/Qwen2.5-Coder-32B-Instruct",
        "meta-llama/Llama-3.1-8B-Instruct",
    }
    assert providers["azure"]["proxy_config"]["type"] == "http"
    assert providers["azure"]["proxy_config"]["password"] == "env.CORP_EGRESS_PROXY_PASSWORD"
    nim = providers["llama-3.1-8b"]
    assert nim["custom_provider_config"]["base_provider_type"] == "openai"


# Bifrost's request paths (core/providers/*): appended to the base URL it is given.
BIFROST_CHAT_PATH = {"openai": "/v1/chat/completions", "anthropic": "/v1/messages"}


@pytest.mark.parametrize(
    "provider_id", ["default/openai", "default/anthropic", "research_team_alpha/llama-3.1-8b"]
)
def test_bifrost_calls_the_url_resolve_gives(provider_id: str) -> None:
    registry = bundled_registry()
    provider = registry.provider(provider_id)
    exported, _ = export("bifrost", provider.model_dump(mode="json") | {"kind": "Provider"})
    base = exported["network_config"]["base_url"]
    overrides = exported.get("custom_provider_config", {}).get("request_path_overrides", {})
    path = overrides.get("chat_completion") or BIFROST_CHAT_PATH[provider.provider_type]
    sent_by_bifrost = base + path
    secrets = {p.api_key_secret_name: "x" for p in registry.providers() if p.api_key_secret_name}
    routes = []
    for served in provider.served_models:
        try:
            model = served.model_entity_id
            routes.append(registry.resolve(model, provider=provider_id, secrets=secrets))
        except llmreg.RouteError:
            continue  # an inactive model
    route = routes[0]
    tail = "/messages" if provider.provider_type == "anthropic" else "/chat/completions"
    assert route.base_url + tail == sent_by_bifrost
    assert not sent_by_bifrost.count("/v1/v1")


def test_bifrost_config_json_round_trip() -> None:
    providers = bundled("Provider")
    config, _ = export_all("bifrost", providers)
    back = {}
    for item in split("bifrost", json.loads(json.dumps(config))):
        document, _ = import_("bifrost", item, workspace="default")
        back[document["name"]] = document
    for original in providers:
        key = original["name"] if original["provider_type"] in ("custom", "nim") else None
        key = key or original["provider_type"]
        returned = back[key] | {"workspace": original["workspace"], "name": original["name"]}
        keep = set(BIFROST_CONFIG_FIELDS)
        if original["provider_type"] == "nim":  # goes out as a custom provider
            keep -= {"provider_type"}
        if original["provider_type"] == "azure":
            keep |= {"api_version", "deployment_name"}
        if original["provider_type"] == "vertex":
            keep |= {"google_project_id", "google_location"}
        assert returned.get("proxy_config") == original.get("proxy_config"), ident(original)
        network = {k: v for k, v in (original.get("network_config") or {}).items()}
        # config.json cannot say these; a private endpoint comes back allowed (Bifrost calls it)
        for dropped in ("insecure_skip_verify", "ca_cert_pem"):
            network.pop(dropped, None)
        assert returned.get("network_config") == (network or None), ident(original)
        assert config_hash(returned, keep) == config_hash(original, keep), ident(original)


def test_bifrost_import_takes_the_http_api_shape_and_older_spellings() -> None:
    payload = {
        "provider": "openai",
        "keys": [{"name": "main", "value": "env.OPENAI_API_KEY", "models": [], "weight": 1}],
        "network_config": {"base_url": "https://api.openai.com", "retry_backoff_initial": 500},
    }
    document, _ = import_("bifrost", payload)
    assert document["host_url"] == "https://api.openai.com/v1"
    assert document["api_key_secret_name"] == "OPENAI_API_KEY"
    assert document["network_config"] == {"retry_backoff_initial": 500}


def test_bifrost_inline_key_becomes_a_reference_with_a_note() -> None:
    inline = "sk-proj-" + "Q" * 40
    payload = {"provider": "openai", "keys": [{"name": "k", "value": inline, "weight": 1}]}
    document, notes = import_("bifrost", payload, name="team-openai")
    assert document["api_key_secret_name"] == "TEAM_OPENAI_API_KEY"
    assert inline not in json.dumps(document) and inline not in " ".join(notes)
    assert any("inline key" in n and "TEAM_OPENAI_API_KEY" in n for n in notes)


# -- NeMo: the create request and the status call against NeMo's OpenAPI ------------------

NEMO = load_schema("nemo-providers.openapi.extract.json")


def nemo_errors(body: dict[str, Any], component: str) -> list[str]:
    schema = {"$defs": NEMO["$defs"], "$ref": f"#/$defs/{component}"}
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]


def nemo_server(create: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    """What NeMo returns after the create and status calls: the bodies plus its own fields."""
    return {
        **create,
        **status,
        "id": "provider-1",
        "created_at": "2026-12-01T10:00:00Z",
        "updated_at": "2026-12-01T10:00:01Z",
        "status": "READY",
        "status_message": "",
    }


NEMO_FIELDS = set(nemo.SHARED)


@pytest.mark.parametrize("document", bundled("Provider"), ids=ident)
def test_nemo_create_and_status_bodies_are_accepted(document: dict[str, Any]) -> None:
    body, _notes = export("nemo", document)
    create_args = set(NEMO["$defs"]["CreateModelProviderRequest"]["properties"]) | {"workspace"}
    assert set(body) <= create_args  # the SDK's create() takes no other keyword
    path_free = {k: v for k, v in body.items() if k != "workspace"}  # a path parameter
    assert nemo_errors(path_free, "CreateModelProviderRequest") == []
    status = nemo.status_update(document)
    assert nemo_errors(status, "UpdateModelProviderStatusRequest") == []
    response = nemo_server(body, status)
    assert nemo_errors(response, "ModelProvider") == []
    back, _ = import_("nemo", response, name=None)
    back["provider_type"] = document["provider_type"]  # NeMo has no type: imported as nim
    keep = NEMO_FIELDS | {"provider_type"}
    assert config_hash(back, keep) == config_hash(document, keep)


def test_nemo_old_export_shape_is_refused_by_the_contract() -> None:
    """served_models in the create body is what made every export fail (issue 11)."""
    document = bundled("Provider")[0]
    body, _ = export("nemo", document)
    assert "served_models" not in body
    create_args = set(NEMO["$defs"]["CreateModelProviderRequest"]["properties"])
    assert "served_models" not in create_args


def test_nemo_list_response_and_older_api_objects() -> None:
    legacy = {
        "name": "llama",
        "namespace": "team-a",
        "host_url": "https://nim.example.com/v1",
        "api_key_id": "NIM_KEY",
    }
    items = split("nemo", {"data": [legacy], "pagination": {"page": 1}})
    document, notes = import_("nemo", items[0])
    assert document["workspace"] == "team-a"
    assert document["api_key_secret_name"] == "NIM_KEY"
    assert any("namespace" in n for n in notes)


# -- Label Studio: the create body ---------------------------------------------------------

# Fields the SDK's create() names; the rest of the body travels as additional body parameters.
LABEL_STUDIO_CREATE = {
    "api_key",
    "auth_token",
    "budget_alert_threshold",
    "cached_available_models",
    "deployment_name",
    "endpoint",
    "google_application_credentials",
    "google_location",
    "google_project_id",
    "is_internal",
    "provider",
    "scope",
}


@pytest.mark.parametrize("document", bundled("Provider"), ids=ident)
def test_labelstudio_export_of_every_bundled_provider(document: dict[str, Any]) -> None:
    body, _notes = export("labelstudio", document)
    assert set(body) <= LABEL_STUDIO_CREATE | {
        "budget_limit",
        "budget_reset_period",
        "model_params",
    }
    if "model_params" in body:
        assert isinstance(body["model_params"], dict)  # the SDK types it as a mapping
    for key in ("budget_limit", "budget_reset_period"):
        assert body.get(key) == document.get(key)
    if document["provider_type"] in ("nim", "vllm"):
        assert body["provider"] == "Custom"
    server = {**body, "id": 7, "organization": 1, "budget_total_spent": 0.0}
    back, _ = import_("labelstudio", server, name=document["name"])
    keep = set(SYSTEMS["labelstudio"].fields)
    if document["provider_type"] in ("nim", "vllm"):
        keep.discard("provider_type")
    back = back | {"workspace": document["workspace"]}
    assert config_hash(back, keep) == config_hash(document, keep)


def test_labelstudio_bad_provider_values_are_one_line() -> None:
    for bad in ({}, [], 3, None):
        with pytest.raises(InteropError, match="provider must be one of"):
            import_("labelstudio", {"provider": bad})


# -- Open WebUI: grants as the server keeps them --------------------------------------------


def test_openwebui_grants_are_principals_and_public_is_user_star() -> None:
    model = {
        "kind": "Model",
        "workspace": "default",
        "name": "m",
        "display_name": "M",
        "access_grants": [
            {"access_type": "public", "access_id": "*"},
            {"access_type": "group", "access_id": "g1", "permission": "write"},
        ],
    }
    exported, _ = export("openwebui", model)
    assert exported["access_grants"] == [
        {"principal_type": "user", "principal_id": "*", "permission": "read"},
        {"principal_type": "group", "principal_id": "g1", "permission": "write"},
    ]
    # the server's GET adds its own fields to each grant
    returned = copy.deepcopy(exported)
    for number, grant in enumerate(returned["access_grants"]):
        grant.update(id=f"grant-{number}", resource_type="model", resource_id="m", created_at=1)
    returned.update(user_id="u1", created_at=1, updated_at=2, write_access=True)
    back, notes = import_("openwebui", returned)
    keep = set(SYSTEMS["openwebui"].fields)
    assert config_hash(back, keep) == config_hash(model, keep)
    assert any("resource_id" in n for n in notes)


@pytest.mark.parametrize("document", bundled("Model"), ids=ident)
def test_openwebui_round_trip_of_every_bundled_model(document: dict[str, Any]) -> None:
    exported, _ = export("openwebui", document)
    back, _ = import_(
        "openwebui", json.loads(json.dumps(exported)), workspace=document["workspace"]
    )
    keep = set(SYSTEMS["openwebui"].fields)
    assert config_hash(back, keep) == config_hash(document, keep)


def test_openwebui_server_get_output_imports_back_equal() -> None:
    """The recorded GET of a real Open WebUI 0.12.4 after creating the export of code-assistant."""
    recorded = json.loads((ROOT / "tests/data/seeds/openwebui-server-get.json").read_text())
    assert {"id", "resource_id", "created_at"} <= set(recorded["access_grants"][0])
    back, _ = import_("openwebui", recorded)
    original = next(d for d in bundled("Model") if d["name"] == "code-assistant")
    keep = set(SYSTEMS["openwebui"].fields)
    assert config_hash(back, keep) == config_hash(original, keep)


def test_openwebui_everyone_is_a_public_read_grant_both_ways() -> None:
    """Open WebUI gives a model without grants to nobody: omitted grants go out as user '*'."""
    everyone = {"kind": "Model", "workspace": "default", "name": "m", "display_name": "M"}
    exported, _ = export("openwebui", everyone)
    assert exported["access_grants"] == [
        {"principal_type": "user", "principal_id": "*", "permission": "read"}
    ]
    back, _ = import_("openwebui", exported)
    assert "access_grants" not in back
    nobody, _ = export("openwebui", everyone | {"access_grants": []})
    assert nobody["access_grants"] == []
    assert import_("openwebui", nobody)[0]["access_grants"] == []


def test_bifrost_several_keys_keep_the_first_secret_with_a_note() -> None:
    keys = [
        {"name": "a", "value": "env.OPENAI_KEY_A", "weight": 0.5},
        {"name": "b", "value": "env.OPENAI_KEY_B", "weight": 0.5},
    ]
    document, notes = import_("bifrost", {"provider": "openai", "keys": keys})
    assert document["api_key_secret_name"] == "OPENAI_KEY_A"
    assert any("OPENAI_KEY_A, OPENAI_KEY_B" in n for n in notes)
