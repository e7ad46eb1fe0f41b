"""LiteLLM: the model map (``model_prices_and_context_window.json`` entries) and the proxy's
``config.yaml`` ``model_list``, out of a whole registry and back into definitions.

Both shapes describe deployments, so the export walks the routable (model, provider) pairs
(``_gateway.deployments``). LiteLLM names a deployment ``<provider prefix>/<served name>``; the
prefixes are LiteLLM's own provider ids (``litellm.provider_list``). API keys travel as
``os.environ/NAME`` references, LiteLLM's own indirection, never as values.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from llmreg.interop._common import Doc, InteropError, Notes, finish, need_object, note
from llmreg.interop._gateway import (
    DEFAULT_BASE,
    deployments,
    public_endpoint,
    secret_ref_name,
    target_type,
)
from llmreg.route import api_root

if TYPE_CHECKING:
    from llmreg.models import Model, Provider
    from llmreg.registry import Registry

# llmreg provider_type -> LiteLLM provider prefix. SGLang serves the OpenAI API and LiteLLM
# documents it as an OpenAI-compatible endpoint; a custom provider speaks its base type.
PREFIX: dict[str, str] = {
    "openai": "openai",
    "azure": "azure",
    "azure_ai_foundry": "azure_ai",
    "anthropic": "anthropic",
    "bedrock": "bedrock",
    "cohere": "cohere_chat",
    "vertex": "vertex_ai",
    "vllm": "hosted_vllm",
    "mistral": "mistral",
    "ollama": "ollama_chat",
    "groq": "groq",
    "sgl": "openai",
    "parasail": "parasail",
    "perplexity": "perplexity",
    "replicate": "replicate",
    "cerebras": "cerebras",
    "gemini": "gemini",
    "openrouter": "openrouter",
    "elevenlabs": "elevenlabs",
    "huggingface": "huggingface",
    "nebius": "nebius",
    "xai": "xai",
    "runway": "runwayml",
    "fireworks": "fireworks_ai",
    "nim": "nvidia_nim",
}
# Import reads the prefixes LiteLLM users write; the first llmreg type per prefix wins.
PROVIDER_TYPE: dict[str, str] = {
    **{prefix: kind for kind, prefix in reversed(PREFIX.items())},
    "cohere": "cohere",
    "ollama": "ollama",
    "vertex_ai_beta": "vertex",
    "vllm": "vllm",
    "text-completion-openai": "openai",
}
# capability flag -> LiteLLM supports_* field
SUPPORTS: dict[str, str] = {
    "vision": "supports_vision",
    "function_calling": "supports_function_calling",
    "tool_choice": "supports_tool_choice",
    "parallel_function_calling": "supports_parallel_function_calling",
    "structured_outputs": "supports_response_schema",
    "reasoning": "supports_reasoning",
    "web_search": "supports_web_search",
    "prompt_caching": "supports_prompt_caching",
    "computer_use": "supports_computer_use",
}
# Request parameters LiteLLM takes per deployment in litellm_params (its completion() args).
CALL_PARAMS = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "seed",
        "stop",
        "presence_penalty",
        "frequency_penalty",
        "reasoning_effort",
    }
)
ENV_REF = re.compile(r"^os\.environ/([A-Za-z_][A-Za-z0-9_.-]*)$")
_MILLION = Decimal(1_000_000)


def _mode(model: Model) -> str:
    outputs = set(model.output_modalities)
    if "embedding" in outputs:
        return "embedding"
    if "image" in outputs and "text" not in outputs:
        return "image_generation"
    if "audio" in outputs and "text" not in outputs:
        return "audio_speech"
    return "chat"


def _per_token(per_million: float) -> float:
    # Through Decimal so 0.8 per million is written 8e-07, not 7.999999999999999e-07.
    return float(Decimal(repr(per_million)) / _MILLION)


def _per_million(per_token: float) -> float:
    return float((Decimal(repr(per_token)) * _MILLION).normalize())


def model_entry(model: Model, prefix: str, notes: Notes) -> dict[str, Any]:
    """One model map entry: what LiteLLM knows about a model it calls."""
    entry: dict[str, Any] = {"litellm_provider": prefix, "mode": _mode(model)}
    if model.context_window is not None:
        entry["max_input_tokens"] = model.context_window
    if model.max_output_tokens is not None:
        entry["max_output_tokens"] = model.max_output_tokens
        entry["max_tokens"] = model.max_output_tokens  # the legacy field older releases read
    pricing = model.pricing
    if pricing is not None and pricing.currency != "USD":
        note(notes, f"{model.id}: prices in {pricing.currency} left out (LiteLLM prices are USD)")
    elif pricing is not None:
        for field, value in (
            ("input_cost_per_token", pricing.input_per_million),
            ("output_cost_per_token", pricing.output_per_million),
            ("cache_read_input_token_cost", pricing.cached_input_per_million),
        ):
            if value is not None:
                entry[field] = _per_token(value)
    inputs = set(model.input_modalities)
    if "audio" in inputs:
        entry["supports_audio_input"] = True
    if "file" in inputs:
        entry["supports_pdf_input"] = True
    if "audio" in model.output_modalities:
        entry["supports_audio_output"] = True
    capabilities = model.meta.capabilities if model.meta is not None else {}
    for capability, flag in sorted(capabilities.items()):
        supports = SUPPORTS.get(capability)
        if supports is not None:
            entry[supports] = flag
    return entry


def export_model_map(registry: Registry, notes: Notes) -> dict[str, Any]:
    """``{"<prefix>/<served name>": entry}`` for every routable deployment.

    A derived model is called under its base model's served name, so it adds no entry.
    """
    result: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for deployment in deployments(registry, notes):
        if not registry.served_by(deployment.model.id):  # derived
            continue
        prefix = target_type(deployment.provider, PREFIX, "LiteLLM")
        key = f"{prefix}/{deployment.served_name}"
        if key in owner and owner[key] != deployment.model.id:
            note(notes, f"{key}: served for {owner[key]} and {deployment.model.id}; kept the first")
            continue
        owner[key] = deployment.model.id
        result[key] = model_entry(deployment.model, prefix, notes)
    return result


def _model_names(registry: Registry) -> dict[str, str]:
    """The model_name clients call: the model's name, or its id where names collide."""
    by_name: dict[str, int] = {}
    for model in registry.models():
        by_name[model.name] = by_name.get(model.name, 0) + 1
    return {m.id: m.name if by_name[m.name] == 1 else m.id for m in registry.models()}


def _api_base(provider: Provider, prefix: str, notes: Notes) -> str | None:
    """The api_base that makes LiteLLM call where ``Registry.resolve`` sends the request.

    None for the provider type's public endpoint, which LiteLLM knows. LiteLLM appends
    ``/v1/messages`` to an Anthropic api_base where resolve's base (``.../v1``) takes
    ``/messages``, so a final ``/v1`` is left out there (measured with a local server).
    """
    host = provider.host_url
    if public_endpoint(provider):
        return None
    if prefix == "anthropic":
        root = api_root(host)
        if root is not None:
            return root
        note(
            notes,
            f"provider {provider.id}: LiteLLM calls <api_base>/v1/messages, and host_url does "
            "not end in /v1: check the URL it calls",
        )
    return host


def export_proxy(registry: Registry, notes: Notes) -> dict[str, Any]:
    """The proxy's ``config.yaml`` content: ``{"model_list": [...]}``, one entry per deployment.

    ``api_base`` is left out where ``host_url`` is the provider type's public endpoint: LiteLLM
    builds each provider's request paths itself from its own default base.
    """
    names = _model_names(registry)
    model_list: list[dict[str, Any]] = []
    noted: set[str] = set()
    for deployment in deployments(registry, notes):
        provider, model = deployment.provider, deployment.model
        prefix = target_type(provider, PREFIX, "LiteLLM")
        params: dict[str, Any] = {"model": f"{prefix}/{deployment.served_name}"}
        base = _api_base(provider, prefix, notes)
        if base is not None:
            params["api_base"] = base
        secret = secret_ref_name(provider)
        if secret is not None:
            params["api_key"] = f"os.environ/{secret}"
        if provider.api_version is not None:
            params["api_version"] = provider.api_version
        if provider.google_project_id is not None:
            params["vertex_project"] = provider.google_project_id
        if provider.google_location is not None:
            params["vertex_location"] = provider.google_location
        network = provider.network_config
        if network is not None:
            if network.default_request_timeout_in_seconds is not None:
                params["timeout"] = network.default_request_timeout_in_seconds
            if network.max_retries is not None:
                params["max_retries"] = network.max_retries
        if provider.concurrency_and_buffer_size is not None:
            params["max_parallel_requests"] = provider.concurrency_and_buffer_size.concurrency
        headers = {**provider.default_extra_headers, **provider.required_extra_headers}
        if headers:
            params["extra_headers"] = headers
        body = {**provider.default_extra_body, **deployment.params, **provider.required_extra_body}
        params.update((k, v) for k, v in body.items() if k in CALL_PARAMS)
        dropped = sorted(k for k in body if k not in CALL_PARAMS)
        if dropped:
            note(
                notes,
                f"{model.id} via {provider.id}: body parameters {', '.join(dropped)} left out "
                "(litellm_params takes only call parameters)",
            )
        custom = provider.custom_provider_config
        left_out = [
            what
            for what, present in (
                (
                    "TLS settings",
                    network is not None
                    and (network.ca_cert_pem is not None or network.insecure_skip_verify),
                ),
                ("proxy_config", provider.proxy_config is not None),
                ("request_path_overrides", custom is not None and custom.request_path_overrides),
            )
            if present
        ]
        if left_out and provider.id not in noted:
            noted.add(provider.id)
            note(
                notes,
                f"provider {provider.id}: {' and '.join(left_out)} left out (no LiteLLM "
                "deployment field; TLS and proxy are set for the whole proxy)",
            )
        model_list.append({"model_name": names[model.id], "litellm_params": params})
    return {"model_list": model_list}


# -- import -------------------------------------------------------------------------------------

_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")


def _shown(value: Any) -> str:
    """A value from the payload, fit for a message: a secret-shaped one is never echoed."""
    from llmreg.secrets import redact

    return repr(redact(value)) if isinstance(value, str) else redact(repr(value))


def identifier(text: str) -> str:
    """A definition name from a LiteLLM name: other characters become ``-``."""
    from llmreg.secrets import redact

    name = _NAME_CHARS.sub("-", text).strip("-")[:255]
    if not name:
        raise InteropError(f"{_shown(text)} gives no usable definition name")
    if redact(name) == "<redacted>":
        raise InteropError("a name looks like an API key; it is not imported (rename it)")
    return name


def _split(model: str, where: str) -> tuple[str, str]:
    prefix, sep, served = model.partition("/")
    if not sep or not served:
        raise InteropError(f"{where}: model {_shown(model)} has no '<provider>/' prefix")
    if prefix not in PROVIDER_TYPE:
        raise InteropError(
            f"{where}: LiteLLM provider {_shown(prefix)} has no llmreg provider_type "
            f"(supported: {', '.join(sorted(PROVIDER_TYPE))})"
        )
    return prefix, served


def _model_doc(name: str, workspace: str, entry: dict[str, Any], notes: Notes) -> Doc:
    doc: Doc = {"kind": "Model", "workspace": workspace, "name": name}
    limits = {"max_input_tokens": "context_window", "max_output_tokens": "max_output_tokens"}
    for source, target in limits.items():
        value = entry.get(source)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            doc[target] = value
    prices: dict[str, Any] = {}
    for source, target in (
        ("input_cost_per_token", "input_per_million"),
        ("output_cost_per_token", "output_per_million"),
        ("cache_read_input_token_cost", "cached_input_per_million"),
    ):
        value = entry.get(source)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            prices[target] = _per_million(float(value))
    if prices:
        doc["pricing"] = {"currency": "USD", **prices}
    capabilities = {
        capability: entry[field]
        for capability, field in SUPPORTS.items()
        if isinstance(entry.get(field), bool)
    }
    if capabilities:
        doc["meta"] = {"capabilities": capabilities}
    mode = entry.get("mode")
    inputs = ["text"]
    if entry.get("supports_vision") is True:
        inputs.append("image")
    if entry.get("supports_audio_input") is True:
        inputs.append("audio")
    if entry.get("supports_pdf_input") is True:
        inputs.append("file")
    doc["input_modalities"] = inputs
    if mode == "embedding":
        doc["output_modalities"] = ["embedding"]
    elif mode == "image_generation":
        doc["output_modalities"] = ["image"]
    elif mode == "audio_speech":
        doc["output_modalities"] = ["audio"]
    elif mode not in (None, "chat", "completion", "responses"):
        note(notes, f"{name}: mode {_shown(mode)} read as a text model")
    return doc


def import_model_map(payload: Any, *, workspace: str, notes: Notes) -> list[Doc]:
    """Model definitions from a LiteLLM model map (no providers: a map names no endpoints)."""
    entries = need_object(payload, "a LiteLLM model map")
    documents: list[Doc] = []
    seen: set[str] = set()
    for key, raw in entries.items():
        if key == "sample_spec":  # the template entry LiteLLM's own file starts with
            continue
        entry = need_object(raw, f"entry {_shown(key)}")
        name = identifier(key.partition("/")[2] or key)  # LiteLLM's own keys may lack a prefix
        if name.lower() in seen:
            note(notes, f"{key}: a model named {name} was already imported; skipped")
            continue
        seen.add(name.lower())
        documents.append(finish(_model_doc(name, workspace, entry, notes), notes))
    return documents


def _secret(value: Any, where: str, notes: Notes) -> str | None:
    if value is None:
        return None
    match = ENV_REF.match(value) if isinstance(value, str) else None
    if match is None:
        note(
            notes,
            f"{where}: api_key is written inline; it is not imported (set api_key_secret_name "
            "to the name of a secret holding it)",
        )
        return None
    return match.group(1)


def import_proxy(payload: Any, *, workspace: str, notes: Notes) -> list[Doc]:
    """Providers and models from a proxy config's ``model_list``.

    Deployments that share provider type, endpoint, key and settings become one provider that
    serves several models; each ``model_name`` becomes one model.
    """
    config = need_object(payload, "a LiteLLM proxy config")
    model_list = config.get("model_list")
    if not isinstance(model_list, list):
        raise InteropError("a LiteLLM proxy config needs a 'model_list' array")
    providers: dict[tuple[Any, ...], Doc] = {}
    models: dict[str, Doc] = {}
    served_by: dict[tuple[int, str], str] = {}
    used_names: set[str] = set()
    for index, raw in enumerate(model_list):
        where = f"model_list[{index}]"
        item = need_object(raw, where)
        model_name = item.get("model_name")
        params = need_object(item.get("litellm_params"), f"{where}.litellm_params")
        if not isinstance(model_name, str) or not isinstance(params.get("model"), str):
            raise InteropError(f"{where}: needs model_name and litellm_params.model strings")
        prefix, served = _split(params["model"], where)
        kind = PROVIDER_TYPE[prefix]
        base = params.get("api_base")
        if base is not None and not isinstance(base, str):
            raise InteropError(f"{where}: api_base must be a string")
        host = base or DEFAULT_BASE.get(kind)
        location = params.get("vertex_location")
        if not base and kind == "vertex" and isinstance(location, str):
            host = f"https://{location}-aiplatform.googleapis.com"  # LiteLLM's own choice
        if host is None:
            raise InteropError(f"{where}: needs api_base (no default endpoint for '{prefix}')")
        if base and prefix == "anthropic":  # LiteLLM's Anthropic base has no /v1 (export)
            host = base.rstrip("/") + "/v1"
        secret = _secret(params.get("api_key"), where, notes)
        headers = params.get("extra_headers")
        settings = (
            kind,
            host,
            secret,
            params.get("api_version"),
            params.get("vertex_project"),
            params.get("vertex_location"),
            params.get("timeout"),
            params.get("max_retries"),
            repr(sorted(headers.items())) if isinstance(headers, dict) else None,
        )
        provider = providers.get(settings)
        if provider is None:
            name = identifier(kind)
            number = 2
            while name.lower() in used_names:
                name, number = f"{identifier(kind)}-{number}", number + 1
            used_names.add(name.lower())
            provider = _provider_doc(name, workspace, kind, host, secret, params, notes, where)
            providers[settings] = provider
        call = {k: v for k, v in params.items() if k in CALL_PARAMS}
        model_doc = models.get(model_name)
        if model_doc is None:
            model_doc = {"kind": "Model", "workspace": workspace, "name": identifier(model_name)}
            if call:
                model_doc["params"] = call
            models[model_name] = model_doc
        elif call != model_doc.get("params", {}):
            note(
                notes,
                f"{where}: call parameters differ from the first {_shown(model_name)}; kept those",
            )
        model_id = f"{workspace}/{model_doc['name']}"
        owner = served_by.setdefault((id(provider), served), model_id)
        if owner == model_id:
            entry = {"model_entity_id": model_id, "served_model_name": served}
            if entry not in provider["served_models"]:
                provider["served_models"].append(entry)
        elif model_doc.get("base_model_id", owner) == owner and not _serves(providers, model_id):
            # The same upstream model under another name: a derived model, as the export
            # writes one (base models come first).
            model_doc["base_model_id"] = owner
        else:
            note(notes, f"{where}: {served} is already served as {owner}; skipped")
        _ignored(params, where, notes)
    return [finish(d, notes) for d in [*providers.values(), *models.values()]]


def _serves(providers: dict[tuple[Any, ...], Doc], model_id: str) -> bool:
    return any(
        entry["model_entity_id"] == model_id
        for provider in providers.values()
        for entry in provider["served_models"]
    )


_READ = CALL_PARAMS | frozenset(
    {
        "model",
        "api_base",
        "api_key",
        "api_version",
        "vertex_project",
        "vertex_location",
        "timeout",
        "max_retries",
        "extra_headers",
    }
)


def _ignored(params: dict[str, Any], where: str, notes: Notes) -> None:
    extra = sorted(k for k in params if k not in _READ)
    if extra:
        note(notes, f"{where}: not imported (no llmreg field): {', '.join(extra)}")


def _provider_doc(
    name: str,
    workspace: str,
    kind: str,
    host: str,
    secret: str | None,
    params: dict[str, Any],
    notes: Notes,
    where: str,
) -> Doc:
    doc: Doc = {
        "kind": "Provider",
        "workspace": workspace,
        "name": name,
        "provider_type": kind,
        "host_url": host,
        "served_models": [],
    }
    if secret is not None:
        doc["api_key_secret_name"] = secret
    for source, target in (
        ("api_version", "api_version"),
        ("vertex_project", "google_project_id"),
        ("vertex_location", "google_location"),
    ):
        if params.get(source) is not None:
            doc[target] = params[source]
    network: dict[str, Any] = {}
    timeout = params.get("timeout")
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout < 1e6:
        network["default_request_timeout_in_seconds"] = max(1, round(timeout))
    elif timeout is not None:
        note(notes, f"{where}: timeout {_shown(timeout)} is not a number of seconds; not imported")
    if params.get("max_retries") is not None:
        network["max_retries"] = params["max_retries"]
    if network:
        doc["network_config"] = network
    headers = params.get("extra_headers")
    if isinstance(headers, dict) and headers:
        doc["default_extra_headers"] = dict(headers)
    return doc
