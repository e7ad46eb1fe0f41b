"""Bifrost provider configuration <-> llmreg Provider (docs/field-mapping.md, section 2).

Two shapes: one provider as its HTTP API takes it (``POST /api/providers``, with a ``provider``
key) and returns it (``GET /api/providers/{provider}``), and the whole ``config.json``
(``providers`` keyed by provider id), checked against Bifrost's own JSON Schema
(``transports/config.schema.json``). Keys carry the API key as ``env.NAME`` and, for Azure,
Vertex and vLLM, the per-key settings those providers read their endpoint from.

URLs: Bifrost appends its own ``/v1/...`` path to the base URL of OpenAI-, Anthropic- and
vLLM-style providers, where llmreg's ``host_url`` (what ``resolve()`` returns) ends in ``/v1``.
The export strips that ``/v1`` and the import adds it back, so the request Bifrost sends goes to
the URL ``resolve()`` gives.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

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
    optional_object,
    secret_name,
    shown,
    unknown_fields,
)
from llmreg.models import PROVIDER_TYPES
from llmreg.route import api_root

KIND = "Provider"
SERVER_FIELDS = ("status", "description", "config_hash")
# Types whose Bifrost provider appends /v1/<path> to the base URL (core/providers/*).
V1_APPENDED = ("openai", "anthropic", "vllm")
# Types Bifrost has no provider for that speak the OpenAI API: its custom provider takes them.
OPENAI_COMPATIBLE = ("nim",)
# config.json spells the backoff in milliseconds with a suffix (config.schema.json).
CONFIG_RENAMES = {
    "retry_backoff_initial": "retry_backoff_initial_ms",
    "retry_backoff_max": "retry_backoff_max_ms",
}
# What config.schema.json's provider entry has no property for.
CONFIG_UNSUPPORTED_NETWORK = ("insecure_skip_verify", "ca_cert_pem", "allow_private_network")
CONFIG_UNSUPPORTED = ("send_back_raw_request", "store_raw_request_response")
KEY_CONFIGS = ("azure_key_config", "vertex_key_config", "vllm_key_config")
_ENV = re.compile(r"^env\.([A-Za-z_][A-Za-z0-9_.-]*)$")
BIFROST_TYPES = tuple(t for t in PROVIDER_TYPES if t not in ("azure_ai_foundry", "nim", "custom"))
# What Bifrost itself uses when base_url is empty (core/providers/*: NewXProvider).
PUBLIC_BASE_URLS = {"openai": "https://api.openai.com", "anthropic": "https://api.anthropic.com"}
NETWORK = (
    "default_request_timeout_in_seconds",
    "max_retries",
    "retry_backoff_initial",
    "retry_backoff_max",
    "insecure_skip_verify",
    "ca_cert_pem",
    "allow_private_network",
)
FLAGS = ("send_back_raw_request", "send_back_raw_response", "store_raw_request_response")
CUSTOM = ("base_provider_type", "is_key_less", "allowed_requests", "request_path_overrides")
PROXY = ("url", "username", "ca_cert_pem")
FIELDS = (
    "provider_type",
    "host_url",
    "default_extra_headers",
    "network_config",
    "concurrency_and_buffer_size",
    "proxy_config",
    *FLAGS,
    "custom_provider_config",
)
_KNOWN = {
    "provider",
    "name",
    "keys",
    "network_config",
    "concurrency_and_buffer_size",
    "proxy_config",
    "custom_provider_config",
    "pricing_overrides",
    *FLAGS,
    *SERVER_FIELDS,
}


def suggested_workspace(payload: dict[str, Any]) -> str | None:
    return None


def split(payload: Any) -> list[Any]:
    """The providers of a payload: one configuration, a list, or a whole config.json."""
    if isinstance(payload, dict) and isinstance(payload.get("providers"), dict):
        out = []
        for key, entry in payload["providers"].items():
            if isinstance(entry, dict) and "provider" not in entry:
                entry = {"provider": key, **entry}
            out.append(entry)
        return out
    return payload if isinstance(payload, list) else [payload]


def _with_v1(url: str) -> str:
    return url if api_root(url) is not None else url.rstrip("/") + "/v1"


def _without_v1(url: str, notes: Notes | None) -> str:
    root = api_root(url)
    if root is not None:
        return root
    note(
        notes,
        f"host_url {url} does not end in /v1: Bifrost appends /v1/... to it, so its requests "
        "do not go where resolve() sends them unless request_path_overrides say otherwise",
    )
    return url


# The OpenAI paths a custom provider is given when its endpoint is not <origin>/v1: Bifrost then
# calls exactly <host_url><path>, as resolve()'s callers do.
OPENAI_PATHS = {
    "list_models": "/models",
    "text_completion": "/completions",
    "text_completion_stream": "/completions",
    "chat_completion": "/chat/completions",
    "chat_completion_stream": "/chat/completions",
    "responses": "/responses",
    "responses_stream": "/responses",
    "embedding": "/embeddings",
}


def _openai_overrides(prefix: str) -> dict[str, str]:
    return {request: prefix + path for request, path in OPENAI_PATHS.items()}


def _overrides_prefix(custom: dict[str, Any]) -> str | None:
    """The host path of overrides :func:`_openai_overrides` wrote, or None for any others."""
    overrides = custom.get("request_path_overrides")
    chat = overrides.get("chat_completion") if isinstance(overrides, dict) else None
    if custom.get("base_provider_type") != "openai" or not isinstance(chat, str):
        return None
    prefix = chat.removesuffix(OPENAI_PATHS["chat_completion"])
    return prefix if overrides == _openai_overrides(prefix) else None


def _appends_v1(ptype: str, custom: dict[str, Any] | None) -> bool:
    if custom is not None:
        overrides = custom.get("request_path_overrides")
        return custom.get("base_provider_type") in V1_APPENDED and not overrides
    return ptype in V1_APPENDED


def _set_strings(source: dict[str, Any], target: Doc, keys: tuple[str, ...]) -> None:
    """Copy set values; Bifrost writes an unset string as "" (Go's zero value)."""
    for key in keys:
        value = source.get(key)
        if value is not None and value != "":
            target[key] = value


def _provider_key(payload: dict[str, Any], name: str | None) -> str:
    for key in ("provider", "name"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
    if name:
        return name
    raise InteropError(
        "a Bifrost provider configuration does not carry its provider id; pass --name PROVIDER"
    )


def _proxy(raw: dict[str, Any], provider: str, notes: Notes | None) -> Doc | None:
    proxy: Doc = {}
    _set_strings(raw, proxy, PROXY)
    url = proxy.get("url")
    if raw.get("type") in ("none", "environment"):
        if url:
            note(
                notes, f"dropped proxy_config: its type is {shown(raw['type'])}, the url is unused"
            )
        return None
    if not isinstance(url, str) or not url:
        if proxy:
            note(notes, "dropped proxy_config: it has no url")
        return None
    password = raw.get("password")
    reference = _ENV.match(password) if isinstance(password, str) else None
    if reference:  # config.json's env.NAME: already a secret reference
        proxy["password_secret_name"] = reference.group(1)
    has_password = bool(password) and not reference
    try:
        parts = urlsplit(url)
        in_url = parts.password
        port = parts.port
    except ValueError as exc:
        raise InteropError(f"proxy_config.url is not a valid URL ({exc})") from None
    if in_url:
        host = parts.hostname or ""
        if port is not None:
            host = f"{host}:{port}"
        proxy["url"] = urlunsplit(parts._replace(netloc=host))
        if parts.username and "username" not in proxy:
            proxy["username"] = parts.username
        has_password = True
    if has_password:
        proxy["password_secret_name"] = secret_name(provider, "PROXY_PASSWORD")
        note(
            notes,
            "the proxy password was not imported: store it in the secret "
            f"{proxy['password_secret_name']} (proxy_config.password_secret_name)",
        )
    return proxy


def _keys(payload: dict[str, Any], provider: str, notes: Notes | None) -> tuple[Doc, str | None]:
    """What the keys say: the API key's secret name, and the settings of the first key config."""
    raw = payload.get("keys")
    if raw is None:
        return {}, None
    if not isinstance(raw, list):
        raise InteropError("keys must be a JSON array")
    found: Doc = {}
    names: list[str] = []
    for index, key in enumerate(raw):
        key = need_object(key, f"keys[{index}]")
        value = key.get("value")
        match = _ENV.match(value) if isinstance(value, str) else None
        if match:
            names.append(match.group(1))
        elif value:
            names.append(secret_name(provider, "API_KEY"))
            note(
                notes,
                f"keys[{index}].value is an inline key: never written; the definition "
                f"references the secret {secret_name(provider, 'API_KEY')} instead, store the "
                "key there",
            )
        for config in KEY_CONFIGS:
            if config in key and config not in found:
                found[config] = optional_object(key[config], f"keys[{index}].{config}")
    distinct = list(dict.fromkeys(names))
    if len(distinct) > 1:
        note(
            notes,
            f"the keys reference {len(distinct)} secrets ({', '.join(distinct)}); a definition "
            f"has one: {distinct[0]} (Bifrost's load balancing over keys is not kept)",
        )
    return found, (distinct[0] if distinct else None)


def import_(
    payload: dict[str, Any], *, workspace: str, name: str | None, notes: Notes | None = None
) -> Doc:
    need_object(payload, "a Bifrost provider configuration")
    provider = _provider_key(payload, name)
    custom_raw = payload.get("custom_provider_config")
    if custom_raw is not None:
        ptype = "custom"
    elif provider in BIFROST_TYPES:
        ptype = provider
    else:
        raise InteropError(
            f"{shown(provider)} is not a Bifrost provider id and the configuration has no "
            "custom_provider_config"
        )
    doc: Doc = {"kind": KIND, "workspace": workspace, "name": name or provider}
    doc["provider_type"] = ptype
    key_configs, secret = _keys(payload, doc["name"], notes)
    if secret:
        doc["api_key_secret_name"] = secret
    network_raw = optional_object(payload.get("network_config"), "network_config")
    custom: Doc | None = None
    if custom_raw is not None:
        custom_in = need_object(custom_raw, "custom_provider_config")
        custom = {}
        copy_set(custom_in, custom, CUSTOM)
        if custom.get("request_path_overrides") == {}:
            del custom["request_path_overrides"]  # Bifrost's "no overrides"
    base_url = network_raw.get("base_url")
    azure = key_configs.get("azure_key_config") or {}
    vertex = key_configs.get("vertex_key_config") or {}
    vllm = key_configs.get("vllm_key_config") or {}
    if ptype == "azure" and azure.get("endpoint"):
        base_url = base_url or azure["endpoint"]
    if ptype == "vllm" and vllm.get("url"):
        base_url = base_url or vllm["url"]
    if base_url:
        if not isinstance(base_url, str):
            raise InteropError("network_config.base_url must be a string")
        prefix = _overrides_prefix(custom) if custom is not None else None
        if custom is not None and prefix is not None:
            doc["host_url"] = base_url.rstrip("/") + prefix
            del custom["request_path_overrides"]
        elif _appends_v1(ptype, custom):
            doc["host_url"] = _with_v1(base_url)
        else:
            doc["host_url"] = base_url
    elif ptype in PUBLIC_BASE_URLS:
        doc["host_url"] = _with_v1(PUBLIC_BASE_URLS[ptype])
        note(notes, f"base_url is empty: host_url set to Bifrost's default {doc['host_url']}")
    elif ptype == "vertex" and isinstance(vertex.get("region"), str):
        doc["host_url"] = f"https://{vertex['region']}-aiplatform.googleapis.com"
    else:
        raise InteropError(
            "network_config.base_url is empty and llmreg does not know Bifrost's default URL "
            f"for {ptype!r}; set base_url in the payload"
        )
    if azure:
        copy_set(azure, doc, ("api_version",))
        deployments = azure.get("deployments")
        if isinstance(deployments, dict) and len(set(deployments.values())) == 1:
            doc["deployment_name"] = next(iter(deployments.values()))
    if vertex:
        if vertex.get("project_id"):
            doc["google_project_id"] = vertex["project_id"]
        if vertex.get("region"):
            doc["google_location"] = vertex["region"]
    served = _served_names(payload)
    if served:
        # the model each served name stands for is not in Bifrost: named after the served name
        doc["served_models"] = [
            {"model_entity_id": f"{workspace}/{_entity_name(n)}", "served_model_name": n}
            for n in served
        ]
    headers = network_raw.get("extra_headers")
    if headers:
        doc["default_extra_headers"] = dict(need_object(headers, "network_config.extra_headers"))
    network: Doc = {}
    # both spellings: the HTTP API's and config.json's (milliseconds suffixed)
    renamed = {k: k for k in NETWORK} | {v: k for k, v in CONFIG_RENAMES.items()}
    for key, value in network_raw.items():
        target = renamed.get(key)
        # an export writes every switch; False is the definition's default, not a setting
        if target and value not in (None, "", False):
            network[target] = value
    if network:
        doc["network_config"] = network
    unknown_fields(
        {f"network_config.{k}": v for k, v in network_raw.items()},
        {
            f"network_config.{k}"
            for k in (*NETWORK, *CONFIG_RENAMES.values(), "base_url", "extra_headers")
        },
        notes,
    )
    concurrency = payload.get("concurrency_and_buffer_size")
    if concurrency is not None:
        doc["concurrency_and_buffer_size"] = concurrency
    proxy_raw = optional_object(payload.get("proxy_config"), "proxy_config")
    proxy = _proxy(proxy_raw, doc["name"], notes)
    if proxy is not None:
        doc["proxy_config"] = proxy
    copy_set(payload, doc, FLAGS)
    if custom is not None:
        doc["custom_provider_config"] = custom
    if "allow_private_network" not in network_raw:  # config.json has no such switch
        allow_private_network(doc, notes, "Bifrost")
    drop_fields(payload, SERVER_FIELDS, notes, "observed or computed by Bifrost")
    drop_fields(payload, ("pricing_overrides",), notes, "llmreg keeps prices on models")
    unknown_fields(payload, _KNOWN, notes)
    return finish(doc, notes)


def _served_names(payload: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for key in payload.get("keys") or []:
        if not isinstance(key, dict):
            continue
        models = key.get("models")
        listed: list[Any] = models if isinstance(models, list) else []
        vllm = key.get("vllm_key_config")
        if isinstance(vllm, dict) and isinstance(vllm.get("model_name"), str):
            listed = [*listed, vllm["model_name"]]
        for served in listed:
            if isinstance(served, str) and served and served not in names:
                names.append(served)
    return names


def _entity_name(served: str) -> str:
    """A model name for a served name (``Qwen/Qwen2.5-Coder`` -> ``qwen2.5-coder``).

    Lower case: two providers serving one model often spell it differently.
    """
    tail = served.rsplit("/", 1)[-1].lower()
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", tail).strip("-")
    return cleaned if cleaned.strip(".") else "model"


def _entry(
    definition: Doc, notes: Notes | None, *, config_file: bool
) -> tuple[str, dict[str, Any]]:
    """Bifrost's provider id and its configuration for one Provider definition."""
    if definition.get("kind") != KIND:
        raise InteropError("Bifrost provider configurations are made from Provider definitions")
    ptype = definition["provider_type"]
    custom = definition.get("custom_provider_config")
    if ptype in OPENAI_COMPATIBLE:
        note(
            notes,
            f"provider_type {ptype} goes out as a Bifrost custom provider speaking the OpenAI "
            "API; imported back it is a custom provider",
        )
        ptype, custom = "custom", {"base_provider_type": "openai"}
    if ptype != "custom" and ptype not in BIFROST_TYPES:
        raise InteropError(f"Bifrost has no provider type {ptype!r}")
    ident = definition["name"] if ptype == "custom" else ptype
    served = [m["served_model_name"] for m in definition.get("served_models") or []]
    secret = definition.get("api_key_secret_name")
    key: dict[str, Any] = {
        "name": f"{definition['name']}-key",
        "value": f"env.{secret}" if secret else "",
        "models": served,
        "weight": 1.0,
    }
    host_url = definition["host_url"]
    base_url = host_url
    if _appends_v1(ptype, custom):
        parts = urlsplit(host_url)
        path = parts.path.rstrip("/")
        if (
            custom is not None
            and custom.get("base_provider_type") == "openai"
            and (not path.endswith("/v1"))
        ):
            # Bifrost would call <host_url>/v1/...: give it the exact paths instead
            base_url = urlunsplit(parts._replace(path="", query="", fragment=""))
            custom = {**custom, "request_path_overrides": _openai_overrides(path)}
        else:
            base_url = _without_v1(host_url, notes)
    network: dict[str, Any] = {}
    if ptype == "azure":
        if not definition.get("api_version"):
            raise InteropError("Bifrost's azure keys need api_version; set it in the definition")
        azure: dict[str, Any] = {"endpoint": host_url, "api_version": definition["api_version"]}
        if definition.get("deployment_name"):
            azure["deployments"] = {n: definition["deployment_name"] for n in served}
        key["azure_key_config"] = azure
    elif ptype == "vertex":
        key["vertex_key_config"] = {
            "project_id": definition["google_project_id"],
            "region": definition["google_location"],
        }
    elif ptype == "vllm":
        keys = [
            {
                **key,
                "name": f"{definition['name']}-{i}",
                "models": [n],
                "vllm_key_config": {"url": base_url, "model_name": n},
            }
            for i, n in enumerate(served, 1)
        ]
    else:
        network["base_url"] = base_url
    if ptype != "vllm":
        keys = [key]
    if not keys:
        raise InteropError("Bifrost's vllm keys name the model they serve: add served_models")
    if not secret:
        note(notes, "no api_key_secret_name: the key's value is empty")
    out: dict[str, Any] = {"keys": keys}
    if definition.get("default_extra_headers"):
        network["extra_headers"] = dict(definition["default_extra_headers"])
    settings = dict(definition.get("network_config") or {})
    if config_file:
        dropped = [
            k for k in CONFIG_UNSUPPORTED_NETWORK if settings.pop(k, None) not in (None, False)
        ]
        if dropped:
            note(
                notes,
                f"config.json has no network_config.{', network_config.'.join(dropped)}: left out",
            )
        settings = {CONFIG_RENAMES.get(k, k): v for k, v in settings.items()}
    else:
        # Bifrost's API shape has every switch; writing the defaults says "off", not "unknown"
        settings.setdefault("insecure_skip_verify", False)
        settings.setdefault("allow_private_network", False)
    network.update(settings)
    if network:
        out["network_config"] = network
    copy_set(definition, out, ("concurrency_and_buffer_size",))
    proxy = definition.get("proxy_config")
    if proxy:
        out["proxy_config"] = {
            "type": "socks5" if proxy["url"].lower().startswith("socks5") else "http",
            **{k: v for k, v in proxy.items() if k != "password_secret_name"},
        }
        if "password_secret_name" in proxy and config_file:
            out["proxy_config"]["password"] = f"env.{proxy['password_secret_name']}"
        elif "password_secret_name" in proxy:
            note(
                notes,
                "proxy_config.password: Bifrost holds it; set it from the secret "
                f"{proxy['password_secret_name']}",
            )
    flags = ("send_back_raw_response",) if config_file and ptype != "custom" else FLAGS
    for flag in flags:
        out[flag] = definition.get(flag, False)
    if config_file and ptype != "custom":
        dropped = [f for f in CONFIG_UNSUPPORTED if definition.get(f)]
        if dropped:
            note(notes, f"config.json has no {', '.join(dropped)}: left out")
    if custom is not None:
        out["custom_provider_config"] = {"is_key_less": False, **custom}
    expressed = {*FIELDS, "kind", "workspace", "name", "api_key_secret_name", "served_models"}
    expressed |= {"api_version", "deployment_name"} if ptype == "azure" else set()
    expressed |= {"google_project_id", "google_location"} if ptype == "vertex" else set()
    left_out = sorted(k for k in definition if k not in expressed)
    if ptype != "custom" and definition["name"] != ptype:
        left_out.insert(0, f"name ({definition['name']!r}; Bifrost keys it by {ptype!r})")
    if left_out:
        note(notes, f"not expressible in Bifrost, left out: {', '.join(left_out)}")
    return ident, out


def export(definition: Doc, *, notes: Notes | None = None) -> dict[str, Any]:
    """The body of Bifrost's ``POST /api/providers`` for one Provider."""
    ident, entry = _entry(definition, notes, config_file=False)
    return {"provider": ident, **entry}


def export_all(definitions: list[Doc], *, notes: Notes | None = None) -> dict[str, Any]:
    """A Bifrost ``config.json`` holding every Provider, keyed by Bifrost's provider id."""
    providers: dict[str, Any] = {}
    for definition in definitions:
        if definition.get("kind") != KIND:
            continue
        mine: Notes = []
        where = f"{definition['workspace']}/{definition['name']}"
        try:
            ident, entry = _entry(definition, mine, config_file=True)
        except InteropError as exc:
            note(notes, f"{where}: left out of config.json: {exc}")
            continue
        if notes is not None:
            notes += [f"{where}: {n}" for n in mine]
        if ident in providers:
            raise InteropError(
                f"two definitions are Bifrost's provider {ident!r}; config.json holds one "
                "provider per id (export them one by one)"
            )
        providers[ident] = entry
    return {"$schema": "https://www.getbifrost.ai/schema", "providers": providers}
