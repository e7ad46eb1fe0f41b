"""A Route: everything a definition configures for one call, and the clients made from it.

``Registry.resolve`` builds a Route from a provider, a model and the caller's headers and body.
The Route carries the API dialect and what that dialect needs, the network, proxy, TLS and
concurrency settings, and makes configured ``httpx`` clients and the keyword arguments of the
``openai`` and ``anthropic`` SDKs. Importing this module imports no HTTP library: the clients
are built in ``llmreg.transport``, imported when one is asked for. docs/runtime.md documents it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any

from llmreg.errors import MissingSecretError, RouteError
from llmreg.http_fields import auth_template_parts, header_problem, render_auth_header

if TYPE_CHECKING:
    import ssl

    import httpx

    from llmreg.models import Provider

# Unset network settings take the defaults of the openai and anthropic SDKs, so a route without
# network_config behaves as those clients do out of the box.
DEFAULT_TIMEOUT = 600.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_BACKOFF_INITIAL = 0.5
DEFAULT_BACKOFF_MAX = 8.0

_OPENAI_COMPATIBLE = frozenset(
    {
        "openai",
        "vllm",
        "sgl",
        "groq",
        "mistral",
        "ollama",
        "parasail",
        "perplexity",
        "cerebras",
        "openrouter",
        "huggingface",
        "nebius",
        "xai",
        "fireworks",
        "nim",
    }
)
_AZURE = frozenset({"azure", "azure_ai_foundry"})

# operation -> (Bifrost request type, path after the base URL). The base URL is host_url: the
# /v1 base for OpenAI-compatible and Anthropic endpoints (the export convention, docs/interop.md).
_OPENAI_OPERATIONS = {
    "chat": ("chat_completion", "/chat/completions"),
    "completions": ("text_completion", "/completions"),
    "embeddings": ("embedding", "/embeddings"),
    "responses": ("responses", "/responses"),
    "models": ("list_models", "/models"),
    "images": ("image_generation", "/images/generations"),
    "speech": ("speech", "/audio/speech"),
    "transcriptions": ("transcription", "/audio/transcriptions"),
    "batches": ("batch_create", "/batches"),
    "files": ("file_upload", "/files"),
}
_AZURE_OPERATIONS = {
    name: _OPENAI_OPERATIONS[name]
    for name in ("chat", "completions", "embeddings", "images", "speech", "transcriptions")
}
_ANTHROPIC_OPERATIONS = {
    "messages": ("chat_completion", "/messages"),
    "count_tokens": ("count_tokens", "/messages/count_tokens"),
    "models": ("list_models", "/models"),
    "batches": ("batch_create", "/messages/batches"),
}
_GEMINI_OPERATIONS = {
    "generate": ("chat_completion", "/models/{model}:generateContent"),
    "stream": ("chat_completion_stream", "/models/{model}:streamGenerateContent"),
    "embed": ("embedding", "/models/{model}:embedContent"),
    "count_tokens": ("count_tokens", "/models/{model}:countTokens"),
    "models": ("list_models", "/models"),
}
_VERTEX_OPERATIONS = {
    "generate": ("chat_completion", ":generateContent"),
    "stream": ("chat_completion_stream", ":streamGenerateContent"),
    "count_tokens": ("count_tokens", ":countTokens"),
    "embed": ("embedding", ":predict"),
}
# Claude on Vertex (Model Garden) speaks the Messages API behind rawPredict.
_VERTEX_ANTHROPIC_OPERATIONS = {
    "messages": ("chat_completion", ":rawPredict"),
    "stream": ("chat_completion_stream", ":streamRawPredict"),
}
_OPERATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "openai": _OPENAI_OPERATIONS,
    "azure": _AZURE_OPERATIONS,
    "anthropic": _ANTHROPIC_OPERATIONS,
    "gemini": _GEMINI_OPERATIONS,
    "vertex": _VERTEX_OPERATIONS,
}


def api_root(url: str) -> str | None:
    """``url`` without its final ``/v1`` (a trailing slash ignored), or None when it has none.

    A definition's host_url is the ``/v1`` base (what resolve() appends operation paths to);
    Bifrost, LiteLLM's Anthropic provider and the anthropic SDK append ``/v1/...`` themselves
    and take this root instead: the one place that convention is spelled.
    """
    trimmed = url.rstrip("/")
    return trimmed[: -len("/v1")] if trimmed.endswith("/v1") else None


def dialect_of(provider: Provider) -> str:
    """The API the provider speaks: openai (and compatible), azure, anthropic, gemini, vertex,
    or the provider type itself for APIs without operations here (bedrock, cohere, ...)."""
    ptype: str = provider.provider_type
    custom = provider.custom_provider_config
    if custom is not None:
        ptype = custom.base_provider_type
    if ptype in _OPENAI_COMPATIBLE:
        return "openai"
    if ptype in _AZURE:
        return "azure"
    return ptype


@dataclass(frozen=True)
class Proxy:
    """An outbound proxy; the password came from ``secrets`` and is never shown."""

    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_cert_pem: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Route:
    """How to call one model: where, in which dialect, with which headers, body and network.

    ``headers`` may hold the rendered API key, so the repr lists header names only; the key and
    the proxy password are never part of a repr or a message.
    """

    provider_id: str
    model_id: str
    served_model_name: str
    base_url: str
    headers: Mapping[str, str] = field(repr=False)
    body: Mapping[str, Any]
    dialect: str = "openai"
    api_version: str | None = None
    deployment: str | None = None
    project: str | None = None
    location: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_initial: float = DEFAULT_BACKOFF_INITIAL
    backoff_max: float = DEFAULT_BACKOFF_MAX
    verify: bool = True
    ca_cert_pem: str | None = field(default=None, repr=False)
    allow_private_network: bool = False
    proxy: Proxy | None = None
    concurrency: int | None = None
    buffer_size: int | None = None
    allowed_requests: Mapping[str, bool] | None = None
    path_overrides: Mapping[str, str] = field(default_factory=dict)
    api_key: str | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        return (
            f"Route(provider_id={self.provider_id!r}, model_id={self.model_id!r}, "
            f"served_model_name={self.served_model_name!r}, base_url={self.base_url!r}, "
            f"dialect={self.dialect!r}, headers=<{', '.join(self.headers)}>, "
            f"body={dict(self.body)!r})"
        )

    # -- where ------------------------------------------------------------------------------

    def url(self, operation: str) -> str:
        """The full URL of ``operation`` ("chat", "embeddings", "messages", ...) as the dialect
        spells it; RouteError names the dialect when it has no such operation."""
        operations = _OPERATIONS.get(self.dialect, {})
        if self.dialect == "vertex" and self.served_model_name.startswith("claude"):
            operations = _VERTEX_ANTHROPIC_OPERATIONS
        if operation not in operations:
            known = ", ".join(sorted(operations)) or "none that llmreg knows"
            raise RouteError(
                f"provider {self.provider_id}: the {self.dialect} API has no operation "
                f"{operation!r} (operations: {known})"
            )
        request_type, path = operations[operation]
        if self.allowed_requests is not None and not self.allowed_requests.get(request_type):
            raise RouteError(
                f"provider {self.provider_id} does not allow {request_type} "
                "(custom_provider_config.allowed_requests)"
            )
        base = self.base_url.rstrip("/")
        override = self.path_overrides.get(request_type)
        if override is not None:
            return base + override
        if self.dialect == "azure":
            return (
                f"{base}/openai/deployments/{self.deployment}{path}"
                f"?api-version={self._azure_api_version()}"
            )
        if self.dialect == "vertex":
            publisher = "anthropic" if self.served_model_name.startswith("claude") else "google"
            root = base if base.endswith("/v1") else base + "/v1"
            return (
                f"{root}/projects/{self.project}/locations/{self.location}/publishers/"
                f"{publisher}/models/{self.served_model_name}{path}"
            )
        return base + path.replace("{model}", self.served_model_name)

    # -- clients ----------------------------------------------------------------------------

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS trust for the endpoint: exactly ``ca_cert_pem`` when set (plus the proxy's CA
        when a proxy re-signs), otherwise the usual CA bundle; no verification only with
        ``insecure_skip_verify``."""
        return upstream_context(self)

    def httpx_client(self, **options: Any) -> httpx.Client:
        """An ``httpx.Client`` with the route's base URL, headers, timeout, retries and backoff,
        proxy, TLS trust, concurrency limit and private-network guard. ``options`` go to
        ``httpx.Client`` as they are."""
        from llmreg import transport

        return transport.sync_client(self, with_defaults=True, **options)

    def async_httpx_client(self, **options: Any) -> httpx.AsyncClient:
        """The ``httpx.AsyncClient`` counterpart of :meth:`httpx_client`."""
        from llmreg import transport

        return transport.async_client(self, with_defaults=True, **options)

    def openai_kwargs(self, *, asynchronous: bool = False) -> dict[str, Any]:
        """Keyword arguments for ``openai.OpenAI(...)``, or ``openai.AzureOpenAI(...)`` for an
        Azure route (``AsyncOpenAI``/``AsyncAzureOpenAI`` with ``asynchronous=True``)."""
        if self.dialect not in ("openai", "azure"):
            raise RouteError(
                f"provider {self.provider_id} speaks the {self.dialect} API, not OpenAI's; "
                "openai_kwargs() is for OpenAI-compatible and Azure OpenAI providers"
            )
        import openai

        if self.dialect == "azure":
            sdk: type = openai.AsyncAzureOpenAI if asynchronous else openai.AzureOpenAI
        else:
            sdk = openai.AsyncOpenAI if asynchronous else openai.OpenAI
        kwargs = self._sdk_kwargs(asynchronous, sdk)
        if self.dialect == "azure":
            own: tuple[str, ...] = ("api-key", "Authorization")  # releases send either
            kwargs.update(
                azure_endpoint=self.base_url,
                api_version=self._azure_api_version(),
                azure_deployment=self.deployment,
            )
        else:
            own = ("Authorization",)
            kwargs["base_url"] = self._openai_sdk_base()
        kwargs["default_headers"] = _without_sdk_auth(self.headers, own, _omit("openai"))
        return kwargs

    def anthropic_kwargs(self, *, asynchronous: bool = False) -> dict[str, Any]:
        """Keyword arguments for ``anthropic.Anthropic(...)`` (``AsyncAnthropic`` with
        ``asynchronous=True``). The SDK adds ``/v1/...`` itself, so host_url must end in /v1."""
        if self.dialect != "anthropic":
            raise RouteError(
                f"provider {self.provider_id} speaks the {self.dialect} API, not Anthropic's; "
                "anthropic_kwargs() is for Anthropic providers"
            )
        root = api_root(self.base_url)
        if root is None:
            raise RouteError(
                f"provider {self.provider_id}: host_url {self.base_url!r} does not end in /v1, "
                "the base the anthropic SDK appends its paths to"
            )
        import anthropic

        sdk = anthropic.AsyncAnthropic if asynchronous else anthropic.Anthropic
        kwargs = self._sdk_kwargs(asynchronous, sdk)
        kwargs["base_url"] = root
        # Releases differ in the header the SDK sends the key in; send only the registry's.
        kwargs["default_headers"] = _without_sdk_auth(
            self.headers, ("x-api-key", "Authorization"), _omit("anthropic")
        )
        return kwargs

    def _sdk_kwargs(self, asynchronous: bool, sdk: type) -> dict[str, Any]:
        transport = transport_for(_library_of(sdk))  # the SDK's own httpx or httpx2
        # Retries happen in the transport (with the configured backoff), not twice.
        make = transport.async_client if asynchronous else transport.sync_client
        return {
            # The SDKs insist on a key; a key-less route sends none (its header is omitted).
            "api_key": self.api_key or "llmreg-key-less",
            "max_retries": 0,
            "timeout": self.timeout,
            "http_client": make(self, with_defaults=False),
        }

    def _azure_api_version(self) -> str:
        if not self.api_version:
            raise RouteError(
                f"provider {self.provider_id}: Azure OpenAI needs api_version, which the "
                "provider does not set"
            )
        return self.api_version

    def _openai_sdk_base(self) -> str:
        """The SDK's base_url: host_url, or the prefix request_path_overrides share."""
        if not self.path_overrides:
            return self.base_url
        standard = {request_type: path for request_type, path in _OPENAI_OPERATIONS.values()}
        standard["chat_completion_stream"] = standard["chat_completion"]
        prefixes: set[str | None] = set()
        for request_type, override in self.path_overrides.items():
            path = standard.get(request_type)
            if path is None or not override.endswith(path):
                prefixes.add(None)
            else:
                prefixes.add(override[: -len(path)])
        if len(prefixes) != 1 or None in prefixes:
            raise RouteError(
                f"provider {self.provider_id}: request_path_overrides do not share one prefix "
                "before the standard OpenAI paths, so the openai SDK cannot follow them; use "
                "route.url() with httpx_client()"
            )
        return self.base_url.rstrip("/") + str(prefixes.pop())


def _omit(sdk: str) -> object:
    """The SDK's marker that removes a default header (exported at the top in newer releases)."""
    module = importlib.import_module(sdk)
    marker = getattr(module, "Omit", None) or importlib.import_module(f"{sdk}._types").Omit
    return marker()


def _without_sdk_auth(
    headers: Mapping[str, str], sdk_headers: tuple[str, ...], omit: object
) -> dict[str, Any]:
    """The route's headers, and the SDK's own auth headers removed unless the route sets them."""
    result: dict[str, Any] = dict(headers)
    names = {name.lower() for name in headers}
    for name in sdk_headers:
        if name.lower() not in names:
            result[name] = omit
    return result


def transport_for(name: str) -> ModuleType:
    """``llmreg.transport`` built on ``name`` ("httpx" or "httpx2"): clients of that library."""
    if name == "httpx":
        return importlib.import_module("llmreg.transport")
    key = f"llmreg._transport_{name}"
    module = sys.modules.get(key)
    if module is None:
        origin = importlib.util.find_spec("llmreg.transport")
        assert origin is not None and origin.origin is not None
        spec = importlib.util.spec_from_file_location(key, origin.origin)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        module.HTTP_LIBRARY = name  # type: ignore[attr-defined]
        spec.loader.exec_module(module)
        sys.modules[key] = module
    return module


def _library_of(sdk_class: type) -> str:
    """The HTTP library an SDK client class takes as ``http_client``."""
    import inspect

    init = sdk_class.__init__  # type: ignore[misc]
    parameter = inspect.signature(init).parameters.get("http_client")
    annotation = "" if parameter is None else str(parameter.annotation)
    return "httpx2" if "httpx2" in annotation else "httpx"


# -- TLS ----------------------------------------------------------------------------------------


def _default_trust() -> ssl.SSLContext:
    import ssl

    try:  # httpx's own default bundle, so trust does not change with llmreg in between
        import certifi
    except ImportError:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def load_ca(context: ssl.SSLContext, pem: str, route: Route, where: str) -> None:
    import ssl

    try:
        context.load_verify_locations(cadata=pem)
    except (ssl.SSLError, ValueError, TypeError):
        # check reports this as invalid-pem; a snapshot or a hand-made Route may still hold it
        raise RouteError(
            f"provider {route.provider_id}: {where}.ca_cert_pem does not load as PEM certificates"
        ) from None


def upstream_context(route: Route) -> ssl.SSLContext:
    """The trust for the endpoint (docs/runtime.md, TLS)."""
    import ssl

    if not route.verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if route.ca_cert_pem:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # trusts exactly what is loaded
        load_ca(context, route.ca_cert_pem, route, "network_config")
    else:
        context = _default_trust()
    if route.proxy is not None and route.proxy.ca_cert_pem:
        # A TLS-inspecting proxy re-signs upstream certificates with its own CA.
        load_ca(context, route.proxy.ca_cert_pem, route, "proxy_config")
    return context


# -- building a route from a definition -------------------------------------------------------


def check_headers(provider_id: str, headers: Mapping[str, str], where: str) -> None:
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise RouteError(f"provider {provider_id}: {where} must map strings to strings")
        problem = header_problem(name, value)
        if problem:
            raise RouteError(f"provider {provider_id}: header {name!r} in {where}: {problem}")


def auth_header(
    provider: Provider, secrets: Mapping[str, str]
) -> tuple[tuple[str, str] | None, str | None]:
    """The rendered auth header and the key, or (None, None) for a provider sending no key."""
    custom = provider.custom_provider_config
    secret_name = provider.api_key_secret_name
    if secret_name is None or (custom is not None and custom.is_key_less):
        return None, None
    secret = secrets.get(secret_name)
    if not secret:
        raise MissingSecretError(provider.id, secret_name)
    parts = auth_template_parts(provider.auth_header_format)
    if isinstance(parts, str):
        # A snapshot never went through check: refuse here too, evaluating nothing.
        raise RouteError(f"provider {provider.id}: auth_header_format is refused: {parts}")
    rendered = render_auth_header(parts, secret)
    name, sep, value = rendered.partition(":")
    name, value = name.strip(), value.strip(" \t")
    # A line break at either end of the secret would be stripped away by strip(); a secret that
    # holds one is refused rather than repaired.
    if not sep or any(c in rendered for c in "\r\n\0") or header_problem(name, value):
        # The value came from the secret: say what is wrong, not what it holds.
        raise RouteError(
            f"provider {provider.id}: the auth header rendered with secret {secret_name!r} "
            "is not one 'Header-Name: value' line that can be sent (does the secret hold a "
            "line break or a character HTTP does not allow?)"
        )
    return (name, value), secret


def _proxy(provider: Provider, secrets: Mapping[str, str]) -> Proxy | None:
    config = provider.proxy_config
    if config is None:
        return None
    password = None
    if config.password_secret_name is not None:
        password = secrets.get(config.password_secret_name)
        if not password:
            raise MissingSecretError(
                provider.id, config.password_secret_name, "proxy_config.password_secret_name"
            )
    return Proxy(config.url, config.username, password, config.ca_cert_pem)


def build_route(
    provider: Provider,
    model_id: str,
    served_name: str,
    headers: Mapping[str, str],
    body: Mapping[str, Any],
    secrets: Mapping[str, str],
) -> Route:
    """The Route of ``provider`` serving ``model_id``; ``headers`` holds every layer but auth."""
    header, key = auth_header(provider, secrets)
    merged = dict(headers)
    if header is not None:
        for existing in [n for n in merged if n.lower() == header[0].lower()]:
            del merged[existing]
        merged[header[0]] = header[1]
    network = provider.network_config
    limits = provider.concurrency_and_buffer_size
    custom = provider.custom_provider_config
    dialect = dialect_of(provider)
    timeout, retries = DEFAULT_TIMEOUT, DEFAULT_MAX_RETRIES
    initial, largest = DEFAULT_BACKOFF_INITIAL, DEFAULT_BACKOFF_MAX
    if network is not None:
        if network.default_request_timeout_in_seconds is not None:
            timeout = float(network.default_request_timeout_in_seconds)
        if network.max_retries is not None:
            retries = network.max_retries
        if network.retry_backoff_initial is not None:
            initial = network.retry_backoff_initial / 1000
        if network.retry_backoff_max is not None:
            largest = network.retry_backoff_max / 1000
    return Route(
        provider_id=provider.id,
        model_id=model_id,
        served_model_name=served_name,
        base_url=provider.host_url,
        headers=MappingProxyType(merged),
        body=body,
        dialect=dialect,
        api_version=provider.api_version,
        deployment=(provider.deployment_name or served_name) if dialect == "azure" else None,
        project=provider.google_project_id,
        location=provider.google_location,
        timeout=timeout,
        max_retries=retries,
        backoff_initial=initial,
        backoff_max=max(initial, largest),
        verify=not (network is not None and network.insecure_skip_verify),
        ca_cert_pem=network.ca_cert_pem if network is not None else None,
        allow_private_network=network is not None and network.allow_private_network,
        proxy=_proxy(provider, secrets),
        concurrency=limits.concurrency if limits is not None else None,
        buffer_size=limits.buffer_size if limits is not None else None,
        allowed_requests=(
            MappingProxyType({str(k): v for k, v in custom.allowed_requests.items()})
            if custom is not None and custom.allowed_requests is not None
            else None
        ),
        path_overrides=MappingProxyType(
            {str(k): v for k, v in (custom.request_path_overrides or {}).items()}
            if custom is not None
            else {}
        ),
        api_key=key,
    )
