"""A small registry written into a temporary folder, for the runtime tests."""

from __future__ import annotations

from pathlib import Path

import yaml

OPENAI = {
    "kind": "Provider",
    "workspace": "acme",
    "name": "openai",
    "provider_type": "openai",
    "host_url": "https://api.openai.com/v1",
    "api_key_secret_name": "ACME_OPENAI_KEY",
    "served_models": [
        {"model_entity_id": "acme/gpt-4o", "served_model_name": "gpt-4o-2024-08-06"},
        {"model_entity_id": "acme/mini", "served_model_name": "gpt-4o-mini"},
    ],
    "default_extra_headers": {"X-Team": "default-team", "X-Trace": "off"},
    "required_extra_headers": {"X-Client-Id": "acme-001"},
    "default_extra_body": {"temperature": 0.2, "max_tokens": 100, "user": "default-user"},
    "required_extra_body": {"client_id": "acme-001"},
}
AZURE = {
    "kind": "Provider",
    "workspace": "acme",
    "name": "azure",
    "provider_type": "azure",
    "host_url": "https://acme.openai.azure.com",
    "api_key_secret_name": "ACME_AZURE_KEY",
    "auth_header_format": "api-key: {{ auth_secret }}",
    "deployment_name": "gpt4o-prod",
    "api_version": "2024-10-21",
    "served_models": [{"model_entity_id": "acme/gpt-4o", "served_model_name": "gpt4o-prod"}],
}
LOCAL = {
    "kind": "Provider",
    "workspace": "acme",
    "name": "local",
    "provider_type": "custom",
    "host_url": "https://llm.internal.example.com/v1",
    "custom_provider_config": {"base_provider_type": "openai", "is_key_less": True},
    "served_models": [{"model_entity_id": "acme/llama", "served_model_name": "llama-3.1-8b"}],
}
GPT4O = {
    "kind": "Model",
    "workspace": "acme",
    "name": "gpt-4o",
    "display_name": "GPT-4o",
    "params": {"temperature": 0.5, "top_p": 0.9},
    "meta": {"capabilities": {"vision": True, "function_calling": True}},
    "context_window": 128000,
}
MINI = {
    "kind": "Model",
    "workspace": "acme",
    "name": "mini",
    "meta": {"capabilities": {"vision": False}},
    "access_grants": [{"access_type": "group", "access_id": "staff"}],
}
LLAMA = {
    "kind": "Model",
    "workspace": "acme",
    "name": "llama",
    "access_grants": [{"access_type": "user", "access_id": "u1"}],
}
CODER = {
    "kind": "Model",
    "workspace": "acme",
    "name": "coder",
    "base_model_id": "acme/gpt-4o",
    "params": {"temperature": 0.1, "system": "You write code."},
    "access_grants": [],
}
PUBLIC = {
    "kind": "Model",
    "workspace": "acme",
    "name": "public",
    "base_model_id": "acme/llama",
    "access_grants": [{"access_type": "public", "access_id": "*"}],
}

ALL = [OPENAI, AZURE, LOCAL, GPT4O, MINI, LLAMA, CODER, PUBLIC]


def path_of(doc: dict[str, object]) -> Path:
    folder = "providers" if doc["kind"] == "Provider" else "models"
    return Path(str(doc["workspace"]), folder, f"{doc['name']}.yaml")


def write_doc(root: Path, doc: dict[str, object]) -> Path:
    target = root / path_of(doc)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return target


def write_registry(root: Path, docs: list[dict[str, object]] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for doc in ALL if docs is None else docs:
        write_doc(root, doc)
    return root
