"""The bundled registry in providers.d/ is the README's main example: it must check clean and
show every kind of provider the seed systems configure."""

from __future__ import annotations

import re
import shutil
import ssl
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmreg.check import run_check
from llmreg.models import REQUEST_TYPES, Model, Provider
from llmreg.source import parse, read_text

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "providers.d"
SCHEMAS = ROOT / "schemas"
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")

FILES = sorted(REGISTRY.rglob("*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    data = parse(read_text(path.read_bytes())).data
    assert isinstance(data, dict), path
    return data


DOCS = {path: _load(path) for path in FILES}
PROVIDERS = [d for d in DOCS.values() if d["kind"] == "Provider"]
MODELS = [d for d in DOCS.values() if d["kind"] == "Model"]
MODEL_IDS = {f"{m['workspace']}/{m['name']}" for m in MODELS}


def _rel(path: Path) -> str:
    return path.relative_to(REGISTRY).as_posix()


def _by_type(provider_type: str) -> list[dict[str, Any]]:
    return [p for p in PROVIDERS if p["provider_type"] == provider_type]


def test_bundled_registry_checks_clean() -> None:
    report = run_check([], REGISTRY)
    found = [f"{d.file}:{d.line}:{d.column}: {d.rule} {d.message}" for d in report.diagnostics]
    assert found == []
    assert (report.errors, report.warnings) == (0, 0)
    assert report.files_checked == len(FILES)


def test_a_broken_copy_is_not_clean(tmp_path: Path) -> None:
    # Guards the clean verdict above: the same checker does see a dangling reference here.
    copy = tmp_path / "providers.d"
    shutil.copytree(REGISTRY, copy)
    (copy / "default" / "models" / "gpt-4o.yaml").unlink()
    report = run_check([], copy)
    assert {d.rule for d in report.diagnostics} == {"unresolved-reference"}
    assert report.errors >= 2  # served by openai and azure-openai, base of code-assistant


def test_registry_size_and_workspaces() -> None:
    assert len(PROVIDERS) >= 7
    assert len(MODELS) >= 12
    assert {d["workspace"] for d in DOCS.values()} >= {"default", "research_team_alpha"}


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_every_file_builds_its_pydantic_definition(path: Path) -> None:
    data = DOCS[path]
    definition = (Provider if data["kind"] == "Provider" else Model).model_validate(data)
    assert definition.id == f"{data['workspace']}/{data['name']}"


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_yaml_1_1_readers_see_the_same_data(path: Path) -> None:
    # Values YAML 1.1 would misread (dates, versions, yes/no) are quoted in the bundled files.
    assert yaml.safe_load(path.read_bytes()) == DOCS[path]


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_every_file_starts_with_a_modeline_to_its_schema(path: Path) -> None:
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    match = MODELINE.match(first_line)
    assert match, f"{_rel(path)} starts with {first_line!r}"
    target = (path.parent / match.group(1)).resolve()
    assert target.is_file()
    assert target == SCHEMAS / f"{DOCS[path]['kind'].lower()}.schema.json"


def test_the_seed_provider_kinds_are_present() -> None:
    types = {p["provider_type"] for p in PROVIDERS}
    assert types >= {"openai", "azure", "anthropic", "gemini", "vertex", "custom"}
    assert types & {"nim", "vllm"}


def test_azure_has_deployment_and_endpoint() -> None:
    assert any(
        p.get("deployment_name") and p.get("api_version") and ".openai.azure.com" in p["host_url"]
        for p in _by_type("azure")
    )


def test_anthropic_sends_its_key_and_version_headers() -> None:
    assert any(
        p.get("auth_header_format") == "x-api-key: {{ auth_secret }}"
        and p.get("required_extra_headers", {}).get("anthropic-version")
        for p in _by_type("anthropic")
    )


def test_vertex_names_project_and_location() -> None:
    assert any(p.get("google_project_id") and p.get("google_location") for p in _by_type("vertex"))


def test_custom_provider_is_openai_compatible() -> None:
    configs = [p["custom_provider_config"] for p in _by_type("custom")]
    assert any(
        c["base_provider_type"] == "openai"
        and c.get("allowed_requests")
        and c.get("request_path_overrides")
        for c in configs
    )
    # A partly listed allowed_requests means "unlisted are off" to Bifrost but "follow the base
    # provider" to llmreg's description; the bundled example lists every type to mean one thing.
    for config in configs:
        assert sorted(config.get("allowed_requests", REQUEST_TYPES)) == sorted(REQUEST_TYPES)


def test_self_hosted_provider_follows_the_nemo_example() -> None:
    seed = next(
        p
        for p in PROVIDERS
        if p["workspace"] == "research_team_alpha" and p["name"] == "llama-3.1-8b"
    )
    assert seed["served_models"] == [
        {
            "model_entity_id": "research_team_alpha/llama-3.1-8b",
            "served_model_name": "llama-3.1-8b-v1",
        }
    ]
    assert seed["enabled_models"] == ["llama-3.1-8b-v1"]
    for key in ("default_extra_headers", "default_extra_body", "required_extra_body"):
        assert seed[key], key
    # The seed's inline 'Authorization: Bearer <token>' is a named secret here.
    assert seed["api_key_secret_name"]
    assert "Authorization" not in seed.get("required_extra_headers", {})


def test_one_provider_is_behind_a_proxy_with_a_budget() -> None:
    assert any(
        p.get("proxy_config", {}).get("password_secret_name")
        and p.get("budget_limit") is not None
        and p.get("budget_alert_threshold") is not None
        and p.get("budget_reset_period")
        and p.get("scope")
        and p.get("network_config", {}).get("max_retries") is not None
        and p.get("concurrency_and_buffer_size")
        for p in PROVIDERS
    )


def test_ca_certificates_are_real_pem() -> None:
    pems = [
        section["ca_cert_pem"]
        for p in PROVIDERS
        for section in (p.get("network_config") or {}, p.get("proxy_config") or {})
        if "ca_cert_pem" in section
    ]
    assert pems
    for text in pems:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cadata=text)
        assert context.cert_store_stats()["x509_ca"] == 1


def test_a_derived_model_has_every_kind_of_access_grant() -> None:
    derived = [m for m in MODELS if m.get("base_model_id") and m.get("access_grants")]
    assert derived
    kinds = {(g["access_type"], g["access_id"] == "*") for m in derived for g in m["access_grants"]}
    assert kinds >= {("user", False), ("group", False), ("public", True)}


def test_every_reference_resolves() -> None:
    served = [s["model_entity_id"] for p in PROVIDERS for s in p.get("served_models", [])]
    assert served
    assert sorted(set(served) - MODEL_IDS) == []
    bases = [m["base_model_id"] for m in MODELS if "base_model_id" in m]
    assert bases
    assert sorted(set(bases) - MODEL_IDS) == []


def test_every_non_derived_model_is_served_somewhere() -> None:
    served = {s["model_entity_id"] for p in PROVIDERS for s in p.get("served_models", [])}
    unserved = sorted(f"{m['workspace']}/{m['name']}" for m in MODELS if "base_model_id" not in m)
    assert [m for m in unserved if m not in served] == []
