"""Bifrost provider configuration <-> llmreg Provider (docs/field-mapping.md, section 2).

Bifrost keys a configuration by its provider id (a path parameter, not part of the body), so
the id is read from a ``provider`` or ``name`` key when the payload has one (the create request
has ``provider``), else from the name given to the import.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from llmreg.interop._common import (
    Doc,
    InteropError,
    Notes,
    copy_set,
    drop_fields,
    finish,
    need_object,
    note,
    optional_object,
    secret_name,
    unknown_fields,
)
from llmreg.models import PROVIDER_TYPES

KIND = "Provider"
SERVER_FIELDS = ("status", "description", "config_hash")
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
    *FLAGS,
    *SERVER_FIELDS,
}


def suggested_workspace(payload: dict[str, Any]) -> str | None:
    return None


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
    if not isinstance(url, str) or not url:
        if proxy:
            note(notes, "dropped proxy_config: it has no url")
        return None
    has_password = bool(raw.get("password"))
    try:
        parts = urlsplit(url)
        in_url = parts.password
    except ValueError:
        in_url = None
    if in_url:
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
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
            f"{provider!r} is not a Bifrost provider id and the configuration has no "
            "custom_provider_config"
        )
    doc: Doc = {"kind": KIND, "workspace": workspace, "name": name or provider}
    doc["provider_type"] = ptype
    network_raw = optional_object(payload.get("network_config"), "network_config")
    base_url = network_raw.get("base_url")
    if base_url:
        doc["host_url"] = base_url
    elif ptype in PUBLIC_BASE_URLS:
        doc["host_url"] = PUBLIC_BASE_URLS[ptype]
        note(notes, f"base_url is empty: host_url set to Bifrost's default {doc['host_url']}")
    else:
        raise InteropError(
            "network_config.base_url is empty and llmreg does not know Bifrost's default URL "
            f"for {ptype!r}; set base_url in the payload"
        )
    headers = network_raw.get("extra_headers")
    if headers:
        doc["default_extra_headers"] = dict(need_object(headers, "network_config.extra_headers"))
    network: Doc = {}
    _set_strings(network_raw, network, NETWORK)
    if network:
        doc["network_config"] = network
    unknown_fields(
        {f"network_config.{k}": v for k, v in network_raw.items()},
        {f"network_config.{k}" for k in (*NETWORK, "base_url", "extra_headers")},
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
    if custom_raw is not None:
        custom_in = need_object(custom_raw, "custom_provider_config")
        custom: Doc = {}
        copy_set(custom_in, custom, CUSTOM)
        if custom.get("request_path_overrides") == {}:
            del custom["request_path_overrides"]  # Bifrost's "no overrides"
        doc["custom_provider_config"] = custom
    if payload.get("keys"):
        note(
            notes,
            "dropped keys: API key values are never imported; set api_key_secret_name to the "
            "secret that holds the key",
        )
    drop_fields(payload, SERVER_FIELDS, notes, "observed or computed by Bifrost")
    unknown_fields(payload, _KNOWN, notes)
    return finish(doc, notes)


def export(definition: Doc, *, notes: Notes | None = None) -> dict[str, Any]:
    if definition.get("kind") != KIND:
        raise InteropError("Bifrost provider configurations are made from Provider definitions")
    ptype = definition["provider_type"]
    if ptype != "custom" and ptype not in BIFROST_TYPES:
        raise InteropError(f"Bifrost has no provider type {ptype!r}")
    out: dict[str, Any] = {"provider": definition["name"] if ptype == "custom" else ptype}
    network: dict[str, Any] = {"base_url": definition["host_url"]}
    if definition.get("default_extra_headers"):
        network["extra_headers"] = dict(definition["default_extra_headers"])
    network.update(definition.get("network_config") or {})
    # Bifrost's shape has every switch; writing the defaults says "off" rather than "unknown"
    network.setdefault("insecure_skip_verify", False)
    network.setdefault("allow_private_network", False)
    out["network_config"] = network
    copy_set(definition, out, ("concurrency_and_buffer_size",))
    proxy = definition.get("proxy_config")
    if proxy:
        out["proxy_config"] = {k: v for k, v in proxy.items() if k != "password_secret_name"}
        if "password_secret_name" in proxy:
            note(
                notes,
                "proxy_config.password left out: set it in Bifrost from the secret "
                f"{proxy['password_secret_name']}",
            )
    for flag in FLAGS:
        out[flag] = definition.get(flag, False)
    if "custom_provider_config" in definition:
        out["custom_provider_config"] = {
            "is_key_less": False,
            **definition["custom_provider_config"],
        }
    left_out = sorted(
        k
        for k in definition
        if k not in (*FIELDS, "kind", "workspace", "name", "api_key_secret_name")
    )
    if ptype != "custom" and definition["name"] != ptype:
        left_out.insert(0, f"name ({definition['name']!r}; Bifrost keys it by {ptype!r})")
    if left_out:
        note(notes, f"not expressible in Bifrost, left out: {', '.join(left_out)}")
    if definition.get("api_key_secret_name"):
        note(
            notes,
            f"API key: add a key in Bifrost whose value comes from the secret "
            f"{definition['api_key_secret_name']}",
        )
    return out
