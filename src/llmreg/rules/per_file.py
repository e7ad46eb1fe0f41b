"""Rules that need one schema-valid document and nothing else.

Each rule is a function of the document's data that yields findings; the data has passed the
JSON Schema, so its types can be trusted.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from llmreg import secrets
from llmreg.constants import DEFAULT_AUTH_HEADER_FORMAT
from llmreg.diagnostics import pointer_join
from llmreg.http_fields import auth_template_parts, header_problem, render_auth_header
from llmreg.settings import DEFAULT_OPTIONS, CheckOptions


@dataclass(frozen=True)
class Finding:
    rule: str
    pointer: str
    message: str
    at_key: bool = False


Doc = dict[str, Any]
FileRule = Callable[[str, Doc], Iterator[Finding]]


# -- inline secrets --------------------------------------------------------------------------


def _walk_strings(value: Any, pointer: str) -> Iterator[tuple[str, str, str | None]]:
    """(pointer, string, key it sits under) for every string value in ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            child = pointer_join(pointer, key)
            if isinstance(item, str):
                yield child, item, key
            else:
                yield from _walk_strings(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            child = pointer_join(pointer, index)
            if isinstance(item, str):
                yield child, item, None
            else:
                yield from _walk_strings(item, child)


_HEADER_MAPS = ("default_extra_headers", "required_extra_headers")
_BODY_MAPS = ("default_extra_body", "required_extra_body")


def inline_secret(kind: str, doc: Doc) -> Iterator[Finding]:
    flagged: set[str] = set()
    for name in _HEADER_MAPS:
        for header, value in (doc.get(name) or {}).items():
            pointer = pointer_join(f"/{name}", header)
            if header.lower() in secrets.CREDENTIAL_HEADERS:
                flagged.add(pointer)
                yield Finding(
                    "inline-secret",
                    pointer,
                    f"header {header!r} in {name} carries a credential; send the key with "
                    "api_key_secret_name and auth_header_format instead",
                )
            elif secrets.credential_in_header(value):
                flagged.add(pointer)
                yield Finding(
                    "inline-secret",
                    pointer,
                    f"header {header!r} in {name} holds a literal credential "
                    "(Bearer/Basic/Token value); reference the secret with api_key_secret_name",
                )
    for name in (*_BODY_MAPS, "params"):
        yield from _credential_keys(doc.get(name), f"/{name}", name, flagged)
    for pointer, value, _key in _walk_strings(doc, ""):
        if pointer in flagged:
            continue
        what = secrets.key_shape(value) or secrets.url_credentials(value)
        if what:
            flagged.add(pointer)
            yield Finding(
                "inline-secret",
                pointer,
                f"this value looks like {what}; files name secrets (api_key_secret_name, "
                "password_secret_name), never hold them",
            )


def _credential_keys(value: Any, pointer: str, where: str, flagged: set[str]) -> Iterator[Finding]:
    if isinstance(value, dict):
        for key, item in value.items():
            child = pointer_join(pointer, key)
            if isinstance(item, str) and item and secrets.CREDENTIAL_KEYS.match(key):
                flagged.add(child)
                yield Finding(
                    "inline-secret",
                    child,
                    f"{key!r} in {where} holds a credential; secrets are referenced by name "
                    "(api_key_secret_name), never written into definitions",
                )
            else:
                yield from _credential_keys(item, child, where, flagged)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _credential_keys(item, pointer_join(pointer, index), where, flagged)


# -- provider rules --------------------------------------------------------------------------

_HEADER_LINE = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(\S.*)$", re.DOTALL)


def auth_header_format(kind: str, doc: Doc) -> Iterator[Finding]:
    template = doc.get("auth_header_format")
    if kind != "Provider" or template is None or template == DEFAULT_AUTH_HEADER_FORMAT:
        return
    pointer = "/auth_header_format"
    if not _HEADER_LINE.match(template):
        yield Finding(
            "auth-header-format",
            pointer,
            "auth_header_format must read 'Header-Name: value', e.g. "
            "'X-Api-Key: {{ auth_secret }}'",
        )
        return
    # resolve() substitutes {{ auth_secret }} and evaluates nothing else; say so here first.
    parts = auth_template_parts(template)
    if isinstance(parts, str):
        yield Finding("auth-header-format", pointer, f"auth_header_format is refused: {parts}")
        return
    name, _, value = render_auth_header(parts, "key").partition(":")
    problem = header_problem(name, value.strip(" \t"))
    if problem:
        yield Finding(
            "auth-header-format", pointer, f"auth_header_format cannot be sent: {problem}"
        )


def header_values(kind: str, doc: Doc) -> Iterator[Finding]:
    for name in _HEADER_MAPS:
        for header, value in (doc.get(name) or {}).items():
            problem = header_problem(header, value)
            if problem:
                yield Finding(
                    "invalid-header",
                    pointer_join(f"/{name}", header),
                    f"header {header!r} in {name} cannot be sent: {problem}",
                )


_PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".svc")


def _host_is_private(host: str) -> str | None:
    """Why ``host`` is private, loopback or link-local, or None for a public host."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        lowered = host.lower().rstrip(".")
        if lowered == "localhost" or lowered.endswith(_PRIVATE_SUFFIXES):
            return f"{host} is a local or internal host name"
        if "." not in lowered:
            return f"{host} is a single-label host name, resolved on a private network"
        return None
    if address.is_loopback:
        return f"{host} is a loopback address"
    if address.is_link_local:
        return f"{host} is a link-local address"
    if address.is_private or address.is_reserved or address.is_unspecified:
        return f"{host} is a private address"
    return None


def _urls(doc: Doc) -> Iterator[tuple[str, str]]:
    if isinstance(doc.get("host_url"), str):
        yield "/host_url", doc["host_url"]
    proxy = doc.get("proxy_config")
    if isinstance(proxy, dict) and isinstance(proxy.get("url"), str):
        yield "/proxy_config/url", proxy["url"]


def urls(kind: str, doc: Doc, options: CheckOptions = DEFAULT_OPTIONS) -> Iterator[Finding]:
    if kind != "Provider":
        return
    allow = bool((doc.get("network_config") or {}).get("allow_private_network"))
    for pointer, url in _urls(doc):
        proxy = pointer.startswith("/proxy_config")
        schemes = ("http", "https", "socks5", "socks5h") if proxy else ("http", "https")
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError as exc:
            yield Finding("invalid-url", pointer, f"{url!r} is not a valid URL: {exc}")
            continue
        if parts.scheme not in schemes or not host:
            yield Finding(
                "invalid-url",
                pointer,
                f"{secrets.redact(url)!r} must be an absolute URL with a scheme "
                f"({', '.join(schemes)}) and a host",
            )
            continue
        if allow or proxy or options.host_allowed(host):
            continue
        reason = _host_is_private(host)
        if parts.scheme == "http" and reason is None:
            reason = "it uses plain http://"
        if reason:
            yield Finding(
                "private-network",
                pointer,
                f"{reason}; set network_config.allow_private_network: true if this is meant",
            )


def insecure_tls(kind: str, doc: Doc) -> Iterator[Finding]:
    network = doc.get("network_config") or {}
    if network.get("insecure_skip_verify") is True:
        yield Finding(
            "insecure-tls",
            "/network_config/insecure_skip_verify",
            "TLS certificates of this provider are not verified; trust its CA with "
            "ca_cert_pem instead",
        )


def pem(kind: str, doc: Doc) -> Iterator[Finding]:
    for section in ("network_config", "proxy_config"):
        text = (doc.get(section) or {}).get("ca_cert_pem")
        if not isinstance(text, str):
            continue
        pointer = f"/{section}/ca_cert_pem"
        if secrets.key_shape(text):
            continue  # a private key here is reported by inline-secret
        problem = _pem_problem(text)
        if problem:
            yield Finding("invalid-pem", pointer, f"{section}.ca_cert_pem {problem}")


def _pem_problem(text: str) -> str | None:
    import ssl

    if "-----BEGIN CERTIFICATE-----" not in text:
        return "holds no '-----BEGIN CERTIFICATE-----' block"
    if not text.isascii():
        # ssl takes PEM text as ASCII only (TypeError otherwise): a pasted typographic quote or
        # non-breaking space is the usual cause.
        return "holds non-ASCII characters; PEM is ASCII text (was it pasted from a document?)"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cadata=text)
    except (ssl.SSLError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        return f"does not parse as PEM certificates ({reason})"
    return None


_AZURE_TYPES = ("azure", "azure_ai_foundry")
_GOOGLE_TYPES = ("vertex", "gemini")


def provider_settings(kind: str, doc: Doc) -> Iterator[Finding]:
    if kind != "Provider":
        return
    ptype = doc.get("provider_type")
    custom = doc.get("custom_provider_config")
    if ptype == "custom" and custom is None:
        yield Finding(
            "provider-settings",
            "/provider_type",
            "provider_type custom needs custom_provider_config (at least base_provider_type)",
        )
    if custom is not None and ptype != "custom":
        yield Finding(
            "provider-settings",
            "/custom_provider_config",
            f"custom_provider_config is only for provider_type custom, not {ptype}",
            at_key=True,
        )
    if isinstance(custom, dict):
        if custom.get("base_provider_type") == "custom":
            yield Finding(
                "provider-settings",
                "/custom_provider_config/base_provider_type",
                "base_provider_type names the protocol spoken, so it cannot be custom itself",
            )
        if custom.get("is_key_less") and doc.get("api_key_secret_name"):
            yield Finding(
                "provider-settings",
                "/api_key_secret_name",
                "the provider is key-less (custom_provider_config.is_key_less), yet names an "
                "API key secret",
            )
    if ptype == "vertex":
        for key in ("google_project_id", "google_location"):
            if not doc.get(key):
                yield Finding("provider-settings", "", f"provider_type vertex needs {key}")
    if ptype not in _GOOGLE_TYPES:
        for key in ("google_project_id", "google_location"):
            if key in doc:
                yield Finding(
                    "provider-settings",
                    f"/{key}",
                    f"{key} applies to vertex and gemini providers, not {ptype}",
                    at_key=True,
                )
    if ptype not in _AZURE_TYPES:
        for key in ("deployment_name", "api_version"):
            if key in doc:
                yield Finding(
                    "provider-settings",
                    f"/{key}",
                    f"{key} applies to Azure providers, not {ptype}",
                    at_key=True,
                )


def budget(kind: str, doc: Doc) -> Iterator[Finding]:
    threshold = doc.get("budget_alert_threshold")
    limit = doc.get("budget_limit")
    if threshold is None:
        return
    if limit is None:
        yield Finding(
            "budget-threshold",
            "/budget_alert_threshold",
            "budget_alert_threshold is set but budget_limit is not; an alert needs a limit",
        )
    elif threshold > limit:
        yield Finding(
            "budget-threshold",
            "/budget_alert_threshold",
            f"budget_alert_threshold {threshold} is above budget_limit {limit}",
        )


def model_params_schema(kind: str, doc: Doc) -> Iterator[Finding]:
    params = doc.get("model_params")
    if kind != "Provider" or params is None:
        return
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(params)
    except SchemaError as exc:
        pointer = "/model_params"
        for token in exc.absolute_path:
            pointer = pointer_join(pointer, token)
        where = "/".join(str(p) for p in exc.absolute_path)
        at = f" at {where}" if where else ""
        yield Finding(
            "model-params-schema",
            pointer,
            f"model_params is not a valid JSON Schema{at}: {secrets.redact(exc.message)}",
        )


def served_models(kind: str, doc: Doc) -> Iterator[Finding]:
    if kind != "Provider":
        return
    served = doc.get("served_models") or []
    seen_ids: set[str] = set()
    seen_names: set[str] = set()
    for index, entry in enumerate(served):
        for field_name, seen in (
            ("model_entity_id", seen_ids),
            ("served_model_name", seen_names),
        ):
            value = entry[field_name]
            if value in seen:
                yield Finding(
                    "duplicate-served-model",
                    f"/served_models/{index}/{field_name}",
                    f"{field_name} {value!r} is listed twice in served_models",
                )
            seen.add(value)
    enabled = doc.get("enabled_models")
    if enabled is None:
        return
    for index, name in enumerate(enabled):
        if name not in seen_names and name not in seen_ids:
            known = ", ".join(sorted(seen_names)) or "nothing: served_models is empty"
            yield Finding(
                "enabled-not-served",
                f"/enabled_models/{index}",
                f"enabled model {name!r} is not in served_models (served: {known})",
            )


def model_limits(kind: str, doc: Doc) -> Iterator[Finding]:
    if kind != "Model":
        return
    context = doc.get("context_window")
    output = doc.get("max_output_tokens")
    if context is not None and output is not None and output > context:
        yield Finding(
            "output-exceeds-context",
            "/max_output_tokens",
            f"max_output_tokens {output} is larger than context_window {context}",
        )
    deprecated = doc.get("deprecation_date")
    retired = doc.get("retirement_date")
    if deprecated and retired and str(retired) < str(deprecated):
        yield Finding(
            "date-order",
            "/retirement_date",
            f"retirement_date {retired} is before deprecation_date {deprecated}",
        )
    for index, grant in enumerate(doc.get("access_grants") or []):
        public = grant["access_type"] == "public"
        if public != (grant["access_id"] == "*"):
            yield Finding(
                "access-grant",
                f"/access_grants/{index}/access_id",
                "a public grant has access_id '*'"
                if public
                else f"access_id '*' means everyone: use access_type public, not "
                f"{grant['access_type']}",
            )


PER_FILE_RULES: tuple[FileRule, ...] = (
    inline_secret,
    auth_header_format,
    header_values,
    urls,
    insecure_tls,
    pem,
    provider_settings,
    budget,
    model_params_schema,
    served_models,
    model_limits,
)


def run(kind: str, doc: Doc, options: CheckOptions = DEFAULT_OPTIONS) -> list[Finding]:
    findings: list[Finding] = []
    for rule in PER_FILE_RULES:
        # urls is the one rule settings change (allowed-hosts); options reach it alone
        findings.extend(urls(kind, doc, options) if rule is urls else rule(kind, doc))
    return findings
