"""The pydantic models: the single source of truth for definitions and exported schemas.

Field names follow the systems users already configure (NVIDIA NeMo ModelProvider, Bifrost,
Label Studio model provider connections, Open WebUI models); ``docs/field-mapping.md`` maps every
seed field to its field here. Fields a server observes rather than a user configures (status,
timestamps, spend, numeric ids) are deliberately absent.

Every model is strict (``"30"`` is not an int, ``"no"`` is not a bool), forbids unknown keys and
is frozen, so a loaded definition cannot drift from the file it came from.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from typing_extensions import Self

from llmreg.constants import DEFAULT_AUTH_HEADER_FORMAT

# the name patterns belong to the layout; re-exported for the callers that import the models
from llmreg.layout import ENTITY_ID_PATTERN as ENTITY_ID_PATTERN
from llmreg.layout import IDENTIFIER_PATTERN as IDENTIFIER_PATTERN

ProviderType = Literal[
    "openai",
    "azure",
    "azure_ai_foundry",
    "anthropic",
    "bedrock",
    "cohere",
    "vertex",
    "vllm",
    "mistral",
    "ollama",
    "groq",
    "sgl",
    "parasail",
    "perplexity",
    "replicate",
    "cerebras",
    "gemini",
    "openrouter",
    "elevenlabs",
    "huggingface",
    "nebius",
    "xai",
    "runway",
    "fireworks",
    "nim",
    "custom",
]
PROVIDER_TYPES: tuple[str, ...] = get_args(ProviderType)

RequestType = Literal[
    "list_models",
    "text_completion",
    "text_completion_stream",
    "chat_completion",
    "chat_completion_stream",
    "responses",
    "responses_stream",
    "count_tokens",
    "embedding",
    "speech",
    "speech_stream",
    "transcription",
    "transcription_stream",
    "image_generation",
    "image_generation_stream",
    "batch_create",
    "batch_list",
    "batch_retrieve",
    "batch_cancel",
    "batch_results",
    "file_upload",
    "file_list",
    "file_retrieve",
    "file_delete",
    "file_content",
]
REQUEST_TYPES: tuple[str, ...] = get_args(RequestType)

Modality = Literal["text", "image", "audio", "video", "file", "embedding"]

Identifier = Annotated[
    str,
    Field(min_length=1, max_length=255, pattern=IDENTIFIER_PATTERN),
]
EntityId = Annotated[
    str,
    Field(
        min_length=3,
        max_length=511,
        pattern=ENTITY_ID_PATTERN,
        description="A definition's identity, written as workspace/name.",
    ),
]
SecretName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$",
        description=(
            "The name of a secret (an environment variable or a secret-store key), never its "
            "value. The value is looked up at call time."
        ),
    ),
]
HeaderMap = dict[Annotated[str, Field(pattern=r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")], str]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _parse_iso_date(value: object) -> object:
    # YAML is read as YAML 1.2 (docs/yaml.md), so a date arrives as a string; the JSON Schema
    # says "string, format date". Accept exactly that shape here so both give the same verdict.
    if isinstance(value, str):
        if not _ISO_DATE.match(value):
            raise ValueError("expected a date written as YYYY-MM-DD")
        return _dt.date.fromisoformat(value)
    return value


IsoDate = Annotated[
    _dt.date,
    BeforeValidator(_parse_iso_date),
    Field(json_schema_extra={"pattern": _ISO_DATE.pattern}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=False,
        regex_engine="python-re",
    )


class _Definition(_Strict):
    """A top-level definition: it has a config_hash (docs/config-hash.md)."""

    @functools.cached_property
    def config_hash(self) -> str:
        """``sha256:<hex>`` of the canonical form; computed once per object.

        cached_property writes into the instance ``__dict__``, which pydantic's equality and
        dumps ignore, so a computed hash never makes equal definitions compare unequal.
        """
        from llmreg.hashing import config_hash

        return config_hash(self)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("config_hash", None)  # a copy with updates has another hash
        return copied


# --------------------------------------------------------------------------------------------
# Provider parts
# --------------------------------------------------------------------------------------------


class ServedModel(_Strict):
    """How one model entity is served by this provider (NeMo ServedModelMapping)."""

    model_entity_id: EntityId = Field(
        description="The model definition this entry serves, as workspace/name.",
    )
    served_model_name: str = Field(
        min_length=1,
        max_length=255,
        description="The name sent to the backend in the request's 'model' field.",
    )


class NetworkConfig(_Strict):
    """Connection behaviour (Bifrost network_config). The endpoint itself is host_url."""

    default_request_timeout_in_seconds: int | None = Field(
        default=None, ge=1, le=3600, description="Timeout of one upstream request, in seconds."
    )
    max_retries: int | None = Field(
        default=None, ge=0, le=100, description="How often a failed request is retried."
    )
    retry_backoff_initial: int | None = Field(
        default=None,
        ge=0,
        description="First backoff between retries, in milliseconds.",
    )
    retry_backoff_max: int | None = Field(
        default=None,
        ge=0,
        description="Largest backoff between retries, in milliseconds.",
    )
    insecure_skip_verify: bool = Field(
        default=False,
        description="Skip TLS certificate verification. Only for testing; a warning is reported.",
    )
    ca_cert_pem: str | None = Field(
        default=None,
        max_length=65536,
        description="A PEM-encoded CA certificate (or bundle) to trust for this endpoint.",
    )
    allow_private_network: bool = Field(
        default=False,
        description=(
            "Allow plain http:// and private, loopback or link-local hosts. Without it such "
            "endpoints are reported (rule private-network)."
        ),
    )


class ConcurrencyAndBufferSize(_Strict):
    """Bifrost concurrency_and_buffer_size."""

    concurrency: int = Field(ge=1, le=100000, description="Concurrent requests to the provider.")
    buffer_size: int = Field(ge=1, le=1000000, description="Requests queued before rejecting.")


class ProxyConfig(_Strict):
    """An outbound proxy (Bifrost proxy_config). Its password is a secret reference."""

    url: str = Field(min_length=1, max_length=2048, description="The proxy URL.")
    username: str | None = Field(default=None, max_length=255, description="Proxy user name.")
    password_secret_name: SecretName | None = Field(
        default=None,
        description="Name of the secret holding the proxy password (never the password).",
    )
    ca_cert_pem: str | None = Field(
        default=None,
        max_length=65536,
        description="A PEM-encoded CA certificate to trust for the proxy.",
    )


class CustomProviderConfig(_Strict):
    """An OpenAI-compatible or otherwise custom endpoint (Bifrost custom_provider_config)."""

    base_provider_type: ProviderType = Field(
        description="The wire protocol this custom provider speaks (e.g. openai).",
    )
    is_key_less: bool = Field(
        default=False, description="The endpoint needs no API key (no secret is looked up)."
    )
    allowed_requests: dict[RequestType, bool] | None = Field(
        default=None,
        description=(
            "Which request types may be sent (Bifrost semantics): when given, types not listed "
            "are not allowed; omitted entirely, the base provider's request types are allowed."
        ),
    )
    request_path_overrides: dict[RequestType, str] | None = Field(
        default=None,
        description="A URL path per request type, replacing the base provider's path.",
    )


ProviderScope = Literal["Organization", "User", "Model"]
BudgetResetPeriod = Literal["Monthly", "Yearly"]


class Provider(_Definition):
    """A reachable inference endpoint serving one or more models (one file in providers.d/)."""

    kind: Literal["Provider"] = Field(description="Always 'Provider' for a provider file.")
    workspace: Identifier = Field(
        description="Workspace of the definition; with name it forms the id workspace/name."
    )
    name: Identifier = Field(
        description="Name of the provider, unique per workspace (letters, digits, _ - .).",
    )
    provider_type: ProviderType = Field(
        description="Which API the endpoint speaks (Bifrost provider identifier, plus nim/custom)."
    )
    description: str | None = Field(
        default=None, max_length=1000, description="What this provider is for."
    )
    project: str | None = Field(
        default=None,
        max_length=255,
        pattern=r"^[A-Za-z0-9_./-]+$",
        description="URN of the project this provider belongs to (NeMo project).",
    )
    enabled: bool = Field(
        default=True, description="A disabled provider stays defined but is never routed to."
    )
    host_url: str = Field(
        min_length=1,
        max_length=2048,
        description="The network endpoint of the provider (NeMo host_url, Bifrost base_url).",
    )
    api_key_secret_name: SecretName | None = Field(
        default=None,
        description="Name of the secret (environment variable) holding the API key.",
    )
    auth_header_format: str = Field(
        default=DEFAULT_AUTH_HEADER_FORMAT,
        max_length=1024,
        description=(
            "The header sending the API key upstream, 'Header-Name: value', where "
            "{{ auth_secret }} stands for the key; nothing else is substituted or evaluated."
        ),
    )
    served_models: list[ServedModel] = Field(
        default_factory=list,
        description="Models this provider serves, with the name the backend knows them by.",
    )
    enabled_models: list[str] | None = Field(
        default=None,
        description=(
            "Served models to enable, by served_model_name (or by model id where no served name "
            "is spelled the same); omitted means all."
        ),
    )
    default_extra_headers: HeaderMap = Field(
        default_factory=dict,
        description="Headers sent with every request; a caller may override them.",
    )
    default_extra_body: dict[str, Any] = Field(
        default_factory=dict,
        description="Body parameters sent with every request; a caller may override them.",
    )
    required_extra_headers: HeaderMap = Field(
        default_factory=dict,
        description="Headers sent with every request; a caller may not override them.",
    )
    required_extra_body: dict[str, Any] = Field(
        default_factory=dict,
        description="Body parameters sent with every request; a caller may not override them.",
    )
    model_deployment_id: str | None = Field(
        default=None,
        max_length=255,
        description="The NeMo ModelDeployment this provider was created for, if any.",
    )
    network_config: NetworkConfig | None = Field(
        default=None, description="Timeouts, retries, TLS and private-network settings."
    )
    concurrency_and_buffer_size: ConcurrencyAndBufferSize | None = Field(
        default=None, description="Concurrency and queue size towards this provider."
    )
    proxy_config: ProxyConfig | None = Field(
        default=None, description="Outbound proxy to reach the provider."
    )
    send_back_raw_request: bool = Field(
        default=False, description="Return the raw upstream request to the caller."
    )
    send_back_raw_response: bool = Field(
        default=False, description="Return the raw upstream response to the caller."
    )
    store_raw_request_response: bool = Field(
        default=False, description="Store raw requests and responses in logs."
    )
    custom_provider_config: CustomProviderConfig | None = Field(
        default=None, description="Settings for a custom (e.g. OpenAI-compatible) endpoint."
    )
    scope: ProviderScope | None = Field(
        default=None,
        description="Who the connection belongs to (Label Studio scope).",
    )
    is_internal: bool = Field(
        default=False, description="Internal connection, not shown to end users."
    )
    budget_limit: float | None = Field(
        default=None, ge=0, description="Spending limit per budget period; omitted is unlimited."
    )
    budget_alert_threshold: float | None = Field(
        default=None, ge=0, description="Spend at which an alert is raised; at most budget_limit."
    )
    budget_reset_period: BudgetResetPeriod | None = Field(
        default=None, description="When the budget resets; omitted means it never does."
    )
    deployment_name: str | None = Field(
        default=None, max_length=512, description="Azure OpenAI deployment name."
    )
    api_version: str | None = Field(
        default=None, max_length=64, description="Azure OpenAI API version (e.g. 2024-10-21)."
    )
    google_project_id: str | None = Field(
        default=None, max_length=255, description="Google Cloud project id (Vertex AI)."
    )
    google_location: str | None = Field(
        default=None, max_length=255, description="Google Cloud location (Vertex AI)."
    )
    model_params: dict[str, Any] | None = Field(
        default=None,
        description="A JSON Schema of the model parameters this provider accepts.",
    )
    cached_available_models: list[str] | None = Field(
        default=None,
        max_length=1000,
        description="Models the provider was last seen to offer (Label Studio).",
    )

    @property
    def id(self) -> str:
        return f"{self.workspace}/{self.name}"


# --------------------------------------------------------------------------------------------
# Model parts
# --------------------------------------------------------------------------------------------


class ModelMeta(_Strict):
    """What a user sees about a model (Open WebUI meta)."""

    description: str | None = Field(default=None, max_length=4000, description="User-facing text.")
    profile_image_url: str | None = Field(
        default=None, max_length=8192, description="URL or data URI of the model's image."
    )
    capabilities: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)], bool] = (
        Field(
            default_factory=dict,
            description="Capability flags such as vision, function_calling, web_search.",
        )
    )
    tags: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, description="Free-form tags for grouping and search."
    )


class AccessGrant(_Strict):
    """Who may use a model (Open WebUI access grant)."""

    access_type: Literal["user", "group", "public"] = Field(
        description="A single user, a group, or everyone ('public', with access_id '*')."
    )
    access_id: str = Field(
        min_length=1, max_length=255, description="User or group id; '*' for public."
    )
    permission: Literal["read", "write"] = Field(
        default="read", description="read: may use the model; write: may also edit it."
    )


class Pricing(_Strict):
    """Prices per million tokens."""

    currency: Literal["USD", "EUR", "GBP", "JPY", "CNY"] = Field(
        default="USD", description="Currency of the prices."
    )
    input_per_million: float | None = Field(
        default=None, ge=0, description="Price of one million input tokens."
    )
    output_per_million: float | None = Field(
        default=None, ge=0, description="Price of one million output tokens."
    )
    cached_input_per_million: float | None = Field(
        default=None, ge=0, description="Price of one million cached input tokens."
    )


def _text_only() -> list[Modality]:
    # A factory, not default=["text"]: pydantic deep-copies an unhashable default for every
    # object it validates (a tenth of loading a 10,000-definition snapshot); the JSON Schema
    # default stays ["text"] through json_schema_extra.
    return ["text"]


class Model(_Definition):
    """A model users call by name (one file in providers.d/)."""

    kind: Literal["Model"] = Field(description="Always 'Model' for a model file.")
    workspace: Identifier = Field(
        description="Workspace of the definition; with name it forms the id workspace/name."
    )
    name: Identifier = Field(
        description="Name of the model, unique per workspace; the id used in API calls.",
    )
    display_name: str | None = Field(
        default=None, max_length=255, description="Human-readable name (Open WebUI name)."
    )
    base_model_id: EntityId | None = Field(
        default=None,
        description="The model this one derives from, as workspace/name (Open WebUI).",
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Default request parameters such as temperature or system prompt.",
    )
    preferred_providers: list[EntityId] | None = Field(
        default=None,
        max_length=100,
        description=(
            "Providers to route to first, in this order, as workspace/name; the other providers "
            "serving the model follow in id order."
        ),
    )
    meta: ModelMeta | None = Field(default=None, description="Description, image, capabilities.")
    access_grants: list[AccessGrant] | None = Field(
        default=None,
        description="Who may use the model; omitted means everyone, an empty list means nobody.",
    )
    is_active: bool = Field(default=True, description="An inactive model is never routed to.")
    context_window: int | None = Field(
        default=None, ge=1, le=100_000_000, description="Context window, in tokens."
    )
    max_output_tokens: int | None = Field(
        default=None, ge=1, le=100_000_000, description="Most tokens one response may have."
    )
    input_modalities: list[Modality] = Field(
        default_factory=_text_only,
        json_schema_extra={"default": ["text"]},
        description="What the model accepts.",
    )
    output_modalities: list[Modality] = Field(
        default_factory=_text_only,
        json_schema_extra={"default": ["text"]},
        description="What the model produces.",
    )
    pricing: Pricing | None = Field(default=None, description="Prices per million tokens.")
    deprecation_date: IsoDate | None = Field(
        default=None, description="Date the model is deprecated (YYYY-MM-DD)."
    )
    retirement_date: IsoDate | None = Field(
        default=None, description="Date the model stops working (YYYY-MM-DD)."
    )

    @property
    def id(self) -> str:
        return f"{self.workspace}/{self.name}"


MODEL_BY_KIND: dict[str, type[Provider] | type[Model]] = {"Provider": Provider, "Model": Model}
