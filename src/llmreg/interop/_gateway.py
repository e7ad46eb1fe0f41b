"""What the registry-wide gateway exports share: the routable (model, provider) pairs.

A gateway config lists deployments, so an export walks every model that ``Registry.resolve``
could route and every provider it could route it to, in the order ``resolve`` tries them
(``preferred_providers`` first, then by provider id). A derived model is routed through its
base model's providers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmreg.interop._common import InteropError, Notes, note

if TYPE_CHECKING:
    from llmreg.models import Model, Provider
    from llmreg.registry import Registry


# The public endpoint of each provider type: gateways use it when given no base URL, so an
# export leaves it out and an import of a deployment without one writes it as host_url.
DEFAULT_BASE: dict[str, str] = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com/v1",
    "gemini": "https://generativelanguage.googleapis.com/v1beta",
    "mistral": "https://api.mistral.ai/v1",
    "groq": "https://api.groq.com/openai/v1",
    "cohere": "https://api.cohere.com/v2",
    "xai": "https://api.x.ai/v1",
    "openrouter": "https://openrouter.ai/api/v1",
    "perplexity": "https://api.perplexity.ai",
    "cerebras": "https://api.cerebras.ai/v1",
    "fireworks": "https://api.fireworks.ai/inference/v1",
    "nim": "https://integrate.api.nvidia.com/v1",
}


def public_endpoint(provider: Provider) -> bool:
    """Whether ``host_url`` is the endpoint a gateway uses for this type when given none."""
    host = provider.host_url.rstrip("/")
    if provider.provider_type == "vertex":
        return host == f"https://{provider.google_location}-aiplatform.googleapis.com"
    return host == DEFAULT_BASE.get(provider.provider_type, "").rstrip("/")


@dataclass(frozen=True)
class Deployment:
    """One way to call ``model``: through ``provider`` under ``served_name``.

    ``params`` are the request parameters of the model and its base models (base first).
    """

    model: Model
    provider: Provider
    served_name: str
    params: dict[str, Any]


def _chain(registry: Registry, model: Model, notes: Notes) -> list[Model] | None:
    """The model and its base models up to the first one some provider serves."""
    chain = [model]
    current = model
    while not registry.served_by(current.id):
        if current.base_model_id is None or any(m.id == current.base_model_id for m in chain):
            note(notes, f"model {model.id} left out: no provider serves it")
            return None
        current = registry.model(current.base_model_id)
        chain.append(current)
    inactive = [m.id for m in chain if not m.is_active]
    if inactive:
        note(notes, f"model {model.id} left out: {', '.join(inactive)} is inactive")
        return None
    return chain


def deployments(registry: Registry, notes: Notes) -> list[Deployment]:
    """Every routable (model, provider) pair: served models by id, then derived ones, and for
    each model its providers by id."""
    found: list[Deployment] = []
    chains = [(m, _chain(registry, m, notes)) for m in registry.models()]
    # Models a provider serves come before the models derived from them.
    for model, chain in sorted(
        ((m, c) for m, c in chains if c is not None), key=lambda mc: (len(mc[1]), mc[0].id)
    ):
        params: dict[str, Any] = {}
        for link in reversed(chain):
            params.update(link.params)
        # resolve()'s order: the first preferred_providers along the chain, then by id
        preferred = next((m.preferred_providers for m in chain if m.preferred_providers), [])
        rank = {provider_id: index for index, provider_id in enumerate(preferred)}
        serving = sorted(registry.served_by(chain[-1].id), key=lambda e: rank.get(e[0], len(rank)))
        for provider_id, served_name in serving:
            provider = registry.provider(provider_id)
            allowed = provider.enabled_models
            if not provider.enabled:
                note(notes, f"{model.id} via {provider_id} left out: the provider is disabled")
            elif allowed is not None and served_name not in allowed and model.id not in allowed:
                note(notes, f"{model.id} via {provider_id} left out: not in its enabled_models")
            else:
                found.append(Deployment(model, provider, served_name, params))
    return found


def wire_type(provider: Provider) -> str:
    """The provider type a gateway sees: a custom provider speaks its base type."""
    custom = provider.custom_provider_config
    return custom.base_provider_type if custom is not None else provider.provider_type


def target_type(provider: Provider, table: dict[str, str], target: str) -> str:
    """The target system's name for the provider's type, or one clear error naming it."""
    kind = wire_type(provider)
    found = table.get(kind)
    if found is None:
        raise InteropError(
            f"provider {provider.id}: {target} has no provider type for '{kind}' "
            f"(supported: {', '.join(sorted(table))})"
        )
    return found


def secret_ref_name(provider: Provider) -> str | None:
    """The secret the provider's API key is read from, None when it sends no key."""
    custom = provider.custom_provider_config
    if custom is not None and custom.is_key_less:
        return None
    return provider.api_key_secret_name
