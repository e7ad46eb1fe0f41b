"""Rules on one document.

Each rule is one function declared with :func:`llmreg.rules.file_rule`: it receives a
:class:`~llmreg.rules.FileContext` and yields :class:`~llmreg.rules.Hit` s. Unless declared with
``valid_only=False`` it runs only on a document that passed the JSON Schema, so its types can be
trusted; ``inline-secret`` runs on every document the reader could build, so a leaked key is
reported on the first run even when the file has a schema error too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from llmreg.constants import DEFAULT_AUTH_HEADER_FORMAT
from llmreg.diagnostics import pointer_join
from llmreg.rules import FileContext, Hit, file_rule

if TYPE_CHECKING:
    from urllib.parse import SplitResult

    from llmreg import secrets

# This module is imported wherever the rule catalogue is read (a check the cache answers
# entirely among them), so what the rules need is imported when they first run.

# -- inline secrets --------------------------------------------------------------------------


@file_rule(
    "inline-secret",
    "error",
    "A secret value is written in the file (API-key-shaped strings, credentials in headers, "
    "body keys or URLs). Name the secret instead.",
    bad="required_extra_headers:\n  Authorization: Bearer sk-proj-abc123...",
    good="api_key_secret_name: OPENAI_API_KEY",
    valid_only=False,
)
def inline_secret(ctx: FileContext) -> Iterator[Hit]:
    from llmreg import secrets

    for leak in secrets.locate(ctx.data, ctx.text):
        pointer = "".join(pointer_join("", token) for token in leak.path)
        yield Hit(pointer, _leak_message(leak), at_key=leak.at_key)


def _leak_message(leak: secrets.Leak) -> str:
    where, name = leak.path[0], leak.path[-1]
    if leak.how == "header":
        return (
            f"header {name!r} in {where} carries a credential; send the key with "
            "api_key_secret_name and auth_header_format instead"
        )
    if leak.how == "header-value":
        return (
            f"header {name!r} in {where} holds a literal credential "
            "(Bearer/Basic/Token value); reference the secret with api_key_secret_name"
        )
    if leak.how == "credential-key":
        return (
            f"{name!r} in {where} holds a credential; secrets are referenced by name "
            "(api_key_secret_name), never written into definitions"
        )
    held = "key" if leak.at_key else "value"
    return (
        f"this {held} looks like {leak.what}; files name secrets (api_key_secret_name, "
        "password_secret_name), never hold them"
    )


# -- provider rules --------------------------------------------------------------------------

_HEADER_LINE = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(\S.*)$", re.DOTALL)


@file_rule(
    "auth-header-format",
    "error",
    "auth_header_format is not one 'Header-Name: value' line that substitutes "
    "{{ auth_secret }} and nothing else (no expressions, filters or statements).",
    bad="auth_header_format: 'X-Api-Key: {{ auth_secret | upper }}'",
    good="auth_header_format: 'X-Api-Key: {{ auth_secret }}'",
    kinds=("Provider",),
    details="`resolve()` replaces `{{ auth_secret }}` with the key and evaluates nothing else, so "
    "a template\nthat would compute (`{{ auth_secret * 400000000 }}`, filters, `{% ... %}`) is "
    "refused here\nrather than sent as written.",
)
def auth_header_format(ctx: FileContext) -> Iterator[Hit]:
    template = ctx.data.get("auth_header_format")
    if template is None or template == DEFAULT_AUTH_HEADER_FORMAT:
        return
    pointer = "/auth_header_format"
    if not _HEADER_LINE.match(template):
        yield Hit(
            pointer,
            "auth_header_format must read 'Header-Name: value', e.g. "
            "'X-Api-Key: {{ auth_secret }}'",
        )
        return
    from llmreg.http_fields import auth_template_parts, header_problem, render_auth_header

    # resolve() substitutes {{ auth_secret }} and evaluates nothing else; say so here first.
    parts = auth_template_parts(template)
    if isinstance(parts, str):
        yield Hit(pointer, f"auth_header_format is refused: {parts}")
        return
    name, _, value = render_auth_header(parts, "key").partition(":")
    problem = header_problem(name, value.strip(" \t"))
    if problem:
        yield Hit(pointer, f"auth_header_format cannot be sent: {problem}")


@file_rule(
    "invalid-header",
    "error",
    "A header in default_extra_headers or required_extra_headers cannot be sent: a line "
    "break or control character, non-ASCII text, or white space at either end.",
    bad='default_extra_headers:\n  X-Team: "blue\\r\\nX-Admin: 1"',
    good="default_extra_headers:\n  X-Team: blue",
    kinds=("Provider",),
    details="A line break in a value would start another header (header injection); HTTP "
    "clients refuse the\nothers. `resolve()` refuses the same values in the caller's headers.",
)
def invalid_header(ctx: FileContext) -> Iterator[Hit]:
    from llmreg.http_fields import header_problem
    from llmreg.secrets import HEADER_MAPS

    for name in HEADER_MAPS:
        for header, value in (ctx.data.get(name) or {}).items():
            problem = header_problem(header, value)
            if problem:
                yield Hit(
                    pointer_join(f"/{name}", header),
                    f"header {header!r} in {name} cannot be sent: {problem}",
                )


_PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".svc")


def _host_is_private(host: str) -> str | None:
    """Why ``host`` is private, loopback or link-local, or None for a public host."""
    import ipaddress

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


def _mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else an empty one: the rules declared valid_only=False
    read documents of any shape."""
    return value if isinstance(value, dict) else {}


def _urls(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if isinstance(doc.get("host_url"), str):
        yield "/host_url", doc["host_url"]
    proxy = doc.get("proxy_config")
    if isinstance(proxy, dict) and isinstance(proxy.get("url"), str):
        yield "/proxy_config/url", proxy["url"]


def _parsed_urls(doc: dict[str, Any]) -> Iterator[tuple[str, str, bool, SplitResult | None, str]]:
    """(pointer, url, is-proxy, parts or None, why it is invalid) for each URL of a provider."""
    from urllib.parse import urlsplit

    for pointer, url in _urls(doc):
        proxy = pointer.startswith("/proxy_config")
        schemes = ("http", "https", "socks5", "socks5h") if proxy else ("http", "https")
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError as exc:
            yield pointer, url, proxy, None, f"{url!r} is not a valid URL: {exc}"
            continue
        if parts.scheme not in schemes or not host:
            yield (
                pointer,
                url,
                proxy,
                None,
                f"{url!r} must be an absolute URL with a scheme ({', '.join(schemes)}) and a host",
            )
            continue
        yield pointer, url, proxy, parts, ""


@file_rule(
    "invalid-url",
    "error",
    "An endpoint or proxy URL is not an absolute http(s) URL with a host.",
    bad="host_url: api.openai.com/v1",
    good="host_url: https://api.openai.com/v1",
    kinds=("Provider",),
    valid_only=False,
)
def invalid_url(ctx: FileContext) -> Iterator[Hit]:
    for pointer, _url, _proxy, parts, why in _parsed_urls(ctx.data):
        if parts is None:
            yield Hit(pointer, why)


@file_rule(
    "private-network",
    "error",
    "A plain http:// URL, or a private, loopback, link-local or single-label host, without "
    "network_config.allow_private_network: true.",
    bad="host_url: http://10.0.0.12:8000/v1",
    good="host_url: http://10.0.0.12:8000/v1\nnetwork_config:\n  allow_private_network: true",
    kinds=("Provider",),
    valid_only=False,
)
def private_network(ctx: FileContext) -> Iterator[Hit]:
    if _mapping(ctx.data.get("network_config")).get("allow_private_network"):
        return
    for pointer, _url, proxy, parts, _why in _parsed_urls(ctx.data):
        host = parts.hostname if parts is not None else None
        if proxy or host is None or parts is None or ctx.options.host_allowed(host):
            continue
        reason = _host_is_private(host)
        if parts.scheme == "http" and reason is None:
            reason = "it uses plain http://"
        if reason:
            yield Hit(
                pointer,
                f"{reason}; set network_config.allow_private_network: true if this is meant",
            )


@file_rule(
    "insecure-tls",
    "warning",
    "network_config.insecure_skip_verify turns off certificate checks.",
    bad="network_config:\n  insecure_skip_verify: true",
    good="network_config:\n  ca_cert_pem: |\n    -----BEGIN CERTIFICATE-----\n    ...",
    kinds=("Provider",),
    valid_only=False,
)
def insecure_tls(ctx: FileContext) -> Iterator[Hit]:
    if _mapping(ctx.data.get("network_config")).get("insecure_skip_verify") is True:
        yield Hit(
            "/network_config/insecure_skip_verify",
            "TLS certificates of this provider are not verified; trust its CA with "
            "ca_cert_pem instead",
        )


@file_rule(
    "invalid-pem",
    "error",
    "ca_cert_pem does not parse as one or more PEM certificates.",
    bad="ca_cert_pem: MIIBszCCAVmgAwIBAgIU...",
    good=(
        "ca_cert_pem: |\n  -----BEGIN CERTIFICATE-----\n  MIIBszCCAVmgAwIBAgIU...\n  -----END "
        "CERTIFICATE-----"
    ),
    kinds=("Provider",),
)
def pem(ctx: FileContext) -> Iterator[Hit]:
    doc = ctx.data
    for section in ("network_config", "proxy_config"):
        text = (doc.get(section) or {}).get("ca_cert_pem")
        if not isinstance(text, str):
            continue
        pointer = f"/{section}/ca_cert_pem"
        from llmreg import secrets

        if secrets.key_shape(text):
            continue  # a private key here is reported by inline-secret
        problem = _pem_problem(text)
        if problem:
            yield Hit(pointer, f"{section}.ca_cert_pem {problem}")


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


@file_rule(
    "provider-settings",
    "error",
    "Settings that do not fit the provider type: custom_provider_config without provider_type "
    "custom (or the reverse), Vertex without project and location, Azure or Google settings on "
    "other types, a key-less provider with a key.",
    bad="provider_type: vertex\nhost_url: https://us-central1-aiplatform.googleapis.com",
    good="provider_type: vertex\ngoogle_project_id: my-proj\ngoogle_location: us-central1",
    kinds=("Provider",),
)
def provider_settings(ctx: FileContext) -> Iterator[Hit]:
    doc = ctx.data
    ptype = doc.get("provider_type")
    custom = doc.get("custom_provider_config")
    if ptype == "custom" and custom is None:
        yield Hit(
            "/provider_type",
            "provider_type custom needs custom_provider_config (at least base_provider_type)",
        )
    if custom is not None and ptype != "custom":
        yield Hit(
            "/custom_provider_config",
            f"custom_provider_config is only for provider_type custom, not {ptype}",
            at_key=True,
        )
    if isinstance(custom, dict):
        if custom.get("base_provider_type") == "custom":
            yield Hit(
                "/custom_provider_config/base_provider_type",
                "base_provider_type names the protocol spoken, so it cannot be custom itself",
            )
        if custom.get("is_key_less") and doc.get("api_key_secret_name"):
            yield Hit(
                "/api_key_secret_name",
                "the provider is key-less (custom_provider_config.is_key_less), yet names an "
                "API key secret",
            )
    if ptype == "vertex":
        for key in ("google_project_id", "google_location"):
            if not doc.get(key):
                yield Hit("", f"provider_type vertex needs {key}")
    if ptype not in _GOOGLE_TYPES:
        for key in ("google_project_id", "google_location"):
            if key in doc:
                yield Hit(
                    f"/{key}",
                    f"{key} applies to vertex and gemini providers, not {ptype}",
                    at_key=True,
                )
    if ptype not in _AZURE_TYPES:
        for key in ("deployment_name", "api_version"):
            if key in doc:
                yield Hit(
                    f"/{key}",
                    f"{key} applies to Azure providers, not {ptype}",
                    at_key=True,
                )


@file_rule(
    "budget-threshold",
    "error",
    "budget_alert_threshold is above budget_limit, or set without a limit.",
    bad="budget_limit: 100\nbudget_alert_threshold: 150",
    good="budget_limit: 100\nbudget_alert_threshold: 80",
)
def budget(ctx: FileContext) -> Iterator[Hit]:
    doc = ctx.data
    threshold = doc.get("budget_alert_threshold")
    limit = doc.get("budget_limit")
    if threshold is None:
        return
    if limit is None:
        yield Hit(
            "/budget_alert_threshold",
            "budget_alert_threshold is set but budget_limit is not; an alert needs a limit",
        )
    elif threshold > limit:
        yield Hit(
            "/budget_alert_threshold",
            f"budget_alert_threshold {threshold} is above budget_limit {limit}",
        )


@file_rule(
    "model-params-schema",
    "error",
    "model_params is not a valid JSON Schema.",
    bad="model_params:\n  type: dictionary",
    good="model_params:\n  type: object",
    kinds=("Provider",),
)
def model_params_schema(ctx: FileContext) -> Iterator[Hit]:
    params = ctx.data.get("model_params")
    if params is None:
        return
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    from llmreg import secrets

    try:
        Draft202012Validator.check_schema(params)
    except SchemaError as exc:
        pointer = "/model_params"
        for token in exc.absolute_path:
            pointer = pointer_join(pointer, token)
        where = "/".join(str(p) for p in exc.absolute_path)
        at = f" at {where}" if where else ""
        yield Hit(
            pointer,
            f"model_params is not a valid JSON Schema{at}: {secrets.redact(exc.message)}",
        )


@file_rule(
    "duplicate-served-model",
    "error",
    "A provider lists the same model or served_model_name twice in served_models.",
    bad=(
        "served_models:\n  - {model_entity_id: default/a, served_model_name: a}\n  - "
        "{model_entity_id: default/a, served_model_name: a2}"
    ),
    good="served_models:\n  - {model_entity_id: default/a, served_model_name: a}",
    kinds=("Provider",),
)
def duplicate_served_model(ctx: FileContext) -> Iterator[Hit]:
    for field_name in ("model_entity_id", "served_model_name"):
        seen: set[str] = set()
        for index, entry in enumerate(ctx.data.get("served_models") or []):
            value = entry[field_name]
            if value in seen:
                yield Hit(
                    f"/served_models/{index}/{field_name}",
                    f"{field_name} {value!r} is listed twice in served_models",
                )
            seen.add(value)


@file_rule(
    "enabled-not-served",
    "error",
    "enabled_models names a model the provider does not serve (by served_model_name or model id).",
    bad="served_models: [{model_entity_id: default/a, served_model_name: a}]\nenabled_models: [b]",
    good="enabled_models: [a]",
    kinds=("Provider",),
)
def enabled_not_served(ctx: FileContext) -> Iterator[Hit]:
    served = ctx.data.get("served_models") or []
    names = {entry["served_model_name"] for entry in served}
    ids = {entry["model_entity_id"] for entry in served}
    for index, name in enumerate(ctx.data.get("enabled_models") or []):
        if name not in names and name not in ids:
            known = ", ".join(sorted(names)) or "nothing: served_models is empty"
            yield Hit(
                f"/enabled_models/{index}",
                f"enabled model {name!r} is not in served_models (served: {known})",
            )


@file_rule(
    "output-exceeds-context",
    "error",
    "max_output_tokens is larger than context_window.",
    bad="context_window: 8192\nmax_output_tokens: 16384",
    good="context_window: 128000\nmax_output_tokens: 16384",
    kinds=("Model",),
)
def output_exceeds_context(ctx: FileContext) -> Iterator[Hit]:
    context = ctx.data.get("context_window")
    output = ctx.data.get("max_output_tokens")
    if context is not None and output is not None and output > context:
        yield Hit(
            "/max_output_tokens",
            f"max_output_tokens {output} is larger than context_window {context}",
        )


@file_rule(
    "date-order",
    "error",
    "retirement_date is before deprecation_date.",
    bad="deprecation_date: 2026-06-01\nretirement_date: 2026-01-01",
    good="deprecation_date: 2026-01-01\nretirement_date: 2026-06-01",
    kinds=("Model",),
)
def date_order(ctx: FileContext) -> Iterator[Hit]:
    deprecated = ctx.data.get("deprecation_date")
    retired = ctx.data.get("retirement_date")
    if deprecated and retired and str(retired) < str(deprecated):
        yield Hit(
            "/retirement_date",
            f"retirement_date {retired} is before deprecation_date {deprecated}",
        )


@file_rule(
    "access-grant",
    "error",
    "A public access grant must have access_id '*', and only public grants may.",
    bad="access_grants:\n  - {access_type: public, access_id: everyone}",
    good="access_grants:\n  - {access_type: public, access_id: '*'}",
    kinds=("Model",),
)
def access_grant(ctx: FileContext) -> Iterator[Hit]:
    for index, grant in enumerate(ctx.data.get("access_grants") or []):
        public = grant["access_type"] == "public"
        if public != (grant["access_id"] == "*"):
            yield Hit(
                f"/access_grants/{index}/access_id",
                "a public grant has access_id '*'"
                if public
                else f"access_id '*' means everyone: use access_type public, not "
                f"{grant['access_type']}",
            )
