"""TensorZero: ``tensorzero.toml`` ``[models]`` from the whole registry.

One ``[models.<name>]`` per routable model, ``routing`` in the order ``Registry.resolve`` tries
its providers, and one ``[models.<name>.providers.<provider>]`` per provider. The file is
written with tomli-w: names with dots or slashes become quoted keys, strings are escaped as
TOML wants, and the gateway parses it strictly (unknown fields are refused), so every field
written here is one TensorZero's configuration reference lists for that provider type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmreg.interop._common import Notes, note
from llmreg.interop._gateway import (
    Deployment,
    deployments,
    public_endpoint,
    secret_ref_name,
    target_type,
)

if TYPE_CHECKING:
    from llmreg.registry import Registry

# llmreg provider_type -> TensorZero provider type. NIM and Ollama serve the OpenAI API;
# Vertex is split by model family below.
TYPE: dict[str, str] = {
    "openai": "openai",
    "azure": "azure",
    "anthropic": "anthropic",
    "bedrock": "aws_bedrock",
    "vertex": "gcp_vertex_gemini",
    "gemini": "google_ai_studio_gemini",
    "vllm": "vllm",
    "sgl": "sglang",
    "mistral": "mistral",
    "groq": "groq",
    "xai": "xai",
    "fireworks": "fireworks",
    "openrouter": "openrouter",
    "nim": "openai",
    "ollama": "openai",
}
# Types whose endpoint is configurable (api_base); the others call their vendor's host.
_API_BASE = frozenset({"openai", "anthropic", "vllm", "sglang"})
# Types that take the endpoint in their own fields (Azure endpoint, cloud project/location).
_OWN_ENDPOINT = frozenset({"azure", "gcp_vertex_gemini", "gcp_vertex_anthropic", "aws_bedrock"})


def _provider_table(deployment: Deployment, notes: Notes) -> dict[str, Any]:
    provider = deployment.provider
    kind = target_type(provider, TYPE, "TensorZero")
    served = deployment.served_name
    if kind == "gcp_vertex_gemini" and served.startswith("claude"):
        kind = "gcp_vertex_anthropic"
    table: dict[str, Any] = {"type": kind}
    secret = secret_ref_name(provider)
    if kind == "azure":
        table["deployment_id"] = served
        table["endpoint"] = provider.host_url
    elif kind in ("gcp_vertex_gemini", "gcp_vertex_anthropic", "aws_bedrock"):
        table["model_id"] = served
    else:
        table["model_name"] = served
    at_default = public_endpoint(provider)
    if kind in _API_BASE and not at_default:
        table["api_base"] = provider.host_url
    elif kind not in _API_BASE and kind not in _OWN_ENDPOINT and not at_default:
        note(notes, f"{provider.id}: host_url left out ({kind} calls its vendor's endpoint)")
    if kind.startswith("gcp_vertex"):
        table["project_id"] = provider.google_project_id
        table["location"] = provider.google_location
        if secret is not None:
            # TensorZero reads a service-account credential for Vertex; dynamic:: takes it
            # per request under the secret's name, so nothing is read from disk at startup.
            table["credential_location"] = f"dynamic::{secret}"
    elif kind == "aws_bedrock":
        note(notes, f"{provider.id}: Bedrock credentials come from the AWS SDK environment")
    else:
        table["api_key_location"] = f"env::{secret}" if secret is not None else "none"
    network = provider.network_config
    if network is not None and network.default_request_timeout_in_seconds is not None:
        seconds = network.default_request_timeout_in_seconds
        table["timeouts"] = {"non_streaming": {"total_ms": seconds * 1000}}
    headers = {**provider.default_extra_headers, **provider.required_extra_headers}
    if headers:
        table["extra_headers"] = [{"name": k, "value": v} for k, v in headers.items()]
    body = {**provider.default_extra_body, **deployment.params, **provider.required_extra_body}
    if body:
        # Sent as Registry.resolve sends it: each key a top-level body field.
        table["extra_body"] = [
            {"pointer": "/" + key.replace("~", "~0").replace("/", "~1"), "value": value}
            for key, value in body.items()
        ]
    return table


def _names(items: list[tuple[str, str]]) -> dict[str, str]:
    """id -> the short name, or the id itself where two short names collide."""
    count: dict[str, int] = {}
    for _, short in items:
        count[short] = count.get(short, 0) + 1
    return {ident: short if count[short] == 1 else ident for ident, short in items}


def export_config(registry: Registry, notes: Notes) -> dict[str, Any]:
    """``{"models": {...}}``, the part of tensorzero.toml llmreg knows."""
    model_names = _names([(m.id, m.name) for m in registry.models()])
    provider_names = _names([(p.id, p.name) for p in registry.providers()])
    models: dict[str, Any] = {}
    noted: set[str] = set()
    for deployment in deployments(registry, notes):
        provider = deployment.provider
        entry = models.setdefault(
            model_names[deployment.model.id], {"routing": [], "providers": {}}
        )
        name = provider_names[provider.id]
        entry["routing"].append(name)
        entry["providers"][name] = _provider_table(deployment, notes)
        left_out = [
            field
            for field, value in (
                ("max_retries", provider.network_config and provider.network_config.max_retries),
                ("proxy_config", provider.proxy_config),
                ("ca_cert_pem", provider.network_config and provider.network_config.ca_cert_pem),
                ("api_version", provider.api_version),
            )
            if value is not None and value is not False
        ]
        if left_out and provider.id not in noted:
            noted.add(provider.id)
            note(
                notes,
                f"provider {provider.id}: {', '.join(left_out)} left out (no TensorZero "
                "model provider field; retries are set per variant)",
            )
    return {"models": models}


def render(config: dict[str, Any]) -> str:
    import tomli_w

    return tomli_w.dumps(config)
