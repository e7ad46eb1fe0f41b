"""Label Studio model provider connection <-> llmreg Provider (docs/field-mapping.md, section 3).

The export is the JSON body of ``POST /api/model-provider-connections/``. The SDK's create call
(label-studio-sdk ``client.model_providers.create``) names every field of that body except
``budget_limit``, ``budget_reset_period`` and ``model_params``, which travel as additional body
parameters (``request_options={"additional_body_parameters": ...}``); ``model_params`` is a JSON
object, as the SDK's ``ModelProviderConnection`` types it. NIM and vLLM endpoints, which speak
the OpenAI API, go out as ``Custom`` connections (Label Studio's OpenAI-compatible provider).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from llmreg.interop._common import (
    Doc,
    InteropError,
    Notes,
    allow_private_network,
    copy_set,
    drop_fields,
    finish,
    need_object,
    note,
    shown,
    unknown_fields,
)

KIND = "Provider"
SERVER_FIELDS = (
    "id",
    "created_at",
    "created_by",
    "updated_at",
    "organization",
    "budget_total_spent",
    "budget_last_reset_date",
)
TO_TYPE = {
    "OpenAI": "openai",
    "AzureOpenAI": "azure",
    "AzureAIFoundry": "azure_ai_foundry",
    "VertexAI": "vertex",
    "Gemini": "gemini",
    "Anthropic": "anthropic",
    "Custom": "custom",
}
FROM_TYPE = {v: k for k, v in TO_TYPE.items()}
# OpenAI-compatible servers Label Studio has no name for: its Custom provider speaks to them.
OPENAI_COMPATIBLE = ("nim", "vllm")
SHARED = (
    "scope",
    "deployment_name",
    "google_project_id",
    "google_location",
    "budget_limit",
    "budget_alert_threshold",
    "budget_reset_period",
    "is_internal",
)
FIELDS = ("provider_type", "host_url", *SHARED, "model_params", "cached_available_models")
# Label Studio leaves the endpoint empty for hosted APIs; host_url is required, so the public
# URL is written out, in the form the bundled definitions use.
PUBLIC_URLS = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com/v1",
    "gemini": "https://generativelanguage.googleapis.com/v1beta",
}
ENDPOINT_MAX = 512
CACHED_MODELS_MAX = 4096
_SECRET_INPUTS = ("api_key", "auth_token")
_KNOWN = {"provider", "endpoint", "model_params", "cached_available_models", *SHARED}


def suggested_workspace(payload: dict[str, Any]) -> str | None:
    return None


def split(payload: Any) -> list[Any]:
    """One connection, a list of them, or a paginated list response (``results``)."""
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        return list(payload["results"])
    return payload if isinstance(payload, list) else [payload]


def _name(payload: dict[str, Any], ptype: str) -> str:
    """``<type>-<id>``, or ``<type>-<endpoint host>`` for a connection not created yet."""
    ident = payload.get("id")
    if isinstance(ident, (int, str)) and not isinstance(ident, bool) and ident != "":
        return f"{ptype}-{ident}"
    endpoint = payload.get("endpoint")
    try:
        host = urlsplit(endpoint).hostname if isinstance(endpoint, str) else None
    except ValueError:
        host = None
    return f"{ptype}-{host}" if host else ptype


def _host_url(payload: dict[str, Any], ptype: str, notes: Notes | None) -> str:
    endpoint = payload.get("endpoint")
    if endpoint:
        if not isinstance(endpoint, str):
            raise InteropError("endpoint must be a string")
        return endpoint
    if ptype == "vertex" and isinstance(payload.get("google_location"), str):
        url = f"https://{payload['google_location']}-aiplatform.googleapis.com"
    elif ptype in PUBLIC_URLS:
        url = PUBLIC_URLS[ptype]
    else:
        raise InteropError(f"the connection has no endpoint, which a {ptype} provider needs")
    note(notes, f"endpoint is empty: host_url set to the public URL {url}")
    return url


def _model_params(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # already a mapping (or wrong, which the checker reports)
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise InteropError(
            f"model_params is not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None


def _model_names(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith("["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            pass
    return [n for n in re.split(r"[,\s]+", value) if n]


def import_(
    payload: dict[str, Any], *, workspace: str, name: str | None, notes: Notes | None = None
) -> Doc:
    need_object(payload, "a Label Studio model provider connection")
    provider = payload.get("provider")
    if not isinstance(provider, str) or provider not in TO_TYPE:
        known = ", ".join(TO_TYPE)
        raise InteropError(f"provider must be one of {known}, not {shown(provider)}")
    ptype = TO_TYPE[provider]
    if not name:
        name = _name(payload, ptype)
        note(notes, f"named {name!r} (Label Studio connections have no name); pass --name")
    doc: Doc = {"kind": KIND, "workspace": workspace, "name": name, "provider_type": ptype}
    doc["host_url"] = _host_url(payload, ptype, notes)
    copy_set(payload, doc, SHARED)
    if doc.get("is_internal") is False:
        del doc["is_internal"]
    if payload.get("model_params") not in (None, ""):
        doc["model_params"] = _model_params(payload["model_params"])
    if payload.get("cached_available_models") not in (None, ""):
        doc["cached_available_models"] = _model_names(payload["cached_available_models"])
    if ptype == "custom":
        doc["custom_provider_config"] = {"base_provider_type": "openai"}
        note(notes, "custom connection: custom_provider_config.base_provider_type set to openai")
    for key in _SECRET_INPUTS:
        if payload.get(key):
            note(notes, f"dropped {key}: secrets are never imported; set api_key_secret_name")
    drop_fields(payload, SERVER_FIELDS, notes, "observed or assigned by Label Studio")
    unknown_fields(payload, {*_KNOWN, *SERVER_FIELDS, *_SECRET_INPUTS}, notes)
    allow_private_network(doc, notes, "Label Studio")
    return finish(doc, notes)


def export(definition: Doc, *, notes: Notes | None = None) -> dict[str, Any]:
    if definition.get("kind") != KIND:
        raise InteropError("Label Studio connections are made from Provider definitions only")
    ptype = definition["provider_type"]
    custom = definition.get("custom_provider_config") or {}
    if ptype in OPENAI_COMPATIBLE:
        note(
            notes,
            f"provider_type {ptype} goes out as a Custom connection (OpenAI-compatible); "
            "imported back it is a custom provider",
        )
        custom = {"base_provider_type": "openai"}
        ptype = "custom"
    if ptype not in FROM_TYPE:
        raise InteropError(f"Label Studio has no provider {ptype!r}")
    if ptype == "custom" and custom.get("base_provider_type") != "openai":
        raise InteropError("Label Studio custom connections speak the OpenAI API only")
    host_url = definition["host_url"]
    if len(host_url) > ENDPOINT_MAX:
        raise InteropError(f"host_url is longer than Label Studio's {ENDPOINT_MAX} characters")
    out: dict[str, Any] = {"provider": FROM_TYPE[ptype], "endpoint": host_url}
    copy_set(definition, out, SHARED)
    if "model_params" in definition:
        out["model_params"] = definition["model_params"]
    models = definition.get("cached_available_models")
    if models is not None:
        joined = ",".join(models)
        if len(joined) > CACHED_MODELS_MAX:
            note(notes, "cached_available_models left out: longer than Label Studio allows")
        else:
            out["cached_available_models"] = joined
    expressed = {*FIELDS, "kind", "workspace", "name", "api_key_secret_name"}
    left_out = sorted(k for k in definition if k not in expressed)
    if ptype == "custom":
        left_out = [k for k in left_out if k != "custom_provider_config"]
        extra = sorted(k for k in custom if k != "base_provider_type")
        left_out += [f"custom_provider_config.{k}" for k in extra]
    if left_out:
        note(notes, f"not expressible in Label Studio, left out: {', '.join(left_out)}")
    if definition.get("api_key_secret_name"):
        note(
            notes,
            "API key: set it in Label Studio from the secret "
            f"{definition['api_key_secret_name']} (it is write-only there)",
        )
    return out
