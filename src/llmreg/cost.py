"""The price of one call from a model's pricing, exact in Decimal (``Registry.cost``).

Token counts follow the providers' usage reports: ``input_tokens`` counts every input token,
the ``cached_input_tokens`` among them included, which are billed at the cached price (at the
input price when the model lists none). Prices are per million tokens and written as decimal
numbers in the files, so each is turned into a Decimal from its shortest repr: 0.075 stays
0.075, not the binary float nearest to it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmreg.models import Model, Pricing
    from llmreg.registry import Registry

_MILLION = Decimal(1_000_000)


class PricingError(ValueError):
    """The model has no price for the tokens asked about, or the counts are impossible."""


def _priced(registry: Registry, model: Model) -> Pricing:
    """The model's pricing, else its base model's: a derived model is billed as its base."""
    seen = {model.id}
    current = model
    while current.pricing is None:
        if current.base_model_id is None or current.base_model_id in seen:
            raise PricingError(f"model {model.id} has no pricing (nor has a base model)")
        current = registry.model(current.base_model_id)
        seen.add(current.id)
    return current.pricing


def _price(per_million: float | None, tokens: int, what: str, model_id: str) -> Decimal:
    if tokens == 0:
        return Decimal(0)
    if per_million is None:
        raise PricingError(f"model {model_id} has no {what} price")
    return Decimal(repr(per_million)) * tokens / _MILLION


def call_cost(
    registry: Registry,
    model_id: str,
    *,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cached_input_tokens: int = 0,
) -> Decimal:
    for name, value in (
        ("input_tokens", input_tokens),
        ("output_tokens", output_tokens),
        ("cached_input_tokens", cached_input_tokens),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PricingError(f"{name} must be a whole number of tokens >= 0, not {value!r}")
    if cached_input_tokens > input_tokens:
        raise PricingError("cached_input_tokens are counted in input_tokens; it cannot be more")
    pricing = _priced(registry, registry.model(model_id))
    cached_rate = pricing.cached_input_per_million
    if cached_rate is None:
        cached_rate = pricing.input_per_million
    return (
        _price(pricing.input_per_million, input_tokens - cached_input_tokens, "input", model_id)
        + _price(cached_rate, cached_input_tokens, "cached input", model_id)
        + _price(pricing.output_per_million, output_tokens, "output", model_id)
    )
