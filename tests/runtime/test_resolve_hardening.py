"""Values that passed check and broke later (issue 9, items 8-11), at load() and resolve().

A Registry can be built without check (a snapshot, or definitions made in code), so resolve()
refuses on its own what check reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import llmreg
from helpers.runtime_registry import write_registry
from llmreg.models import Model, Provider

KEY = "sk-hardening-0123456789abcdef"


def _provider(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "Provider",
        "workspace": "t",
        "name": "p",
        "provider_type": "openai",
        "host_url": "https://llm.example.com/v1",
        "api_key_secret_name": "T_KEY",
        "served_models": [{"model_entity_id": "t/m", "served_model_name": "served-m"}],
        **extra,
    }


def _model(name: str = "m") -> dict[str, Any]:
    return {"kind": "Model", "workspace": "t", "name": name}


def unchecked(provider: dict[str, Any], *models: dict[str, Any]) -> llmreg.Registry:
    """A Registry of definitions that never went through check (as from code or a snapshot)."""
    return llmreg.Registry(
        [Provider.model_validate(provider)],
        [Model.model_validate(m) for m in models or (_model(),)],
    )


# -- item 8: a non-ASCII character in ca_cert_pem --------------------------------------------


def test_non_ascii_pem_is_an_invalid_pem_finding_for_load(tmp_path: Path) -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIC\u00a0FzCCAb2g\n-----END CERTIFICATE-----\n"
    root = write_registry(
        tmp_path / "reg", [_provider(network_config={"ca_cert_pem": pem}), _model()]
    )
    with pytest.raises(llmreg.RegistryError) as caught:  # was: TypeError from ssl
        llmreg.load(root)
    assert [(d.rule, d.path) for d in caught.value.errors] == [
        ("invalid-pem", "/network_config/ca_cert_pem")
    ]


# -- item 9: header names and values that cannot be sent -------------------------------------


@pytest.mark.parametrize("value", ["a\r\nX-Admin: 1", "a\nb", "a\0b", "caf\u00e9", " padded"])
def test_a_caller_header_that_cannot_be_sent_is_refused(value: str) -> None:
    reg = unchecked(_provider())
    with pytest.raises(llmreg.RouteError) as caught:
        reg.resolve("t/m", headers={"X-Trace": value}, secrets={"T_KEY": KEY})
    assert "X-Trace" in str(caught.value) and value not in str(caught.value)


def test_a_header_name_that_is_no_token_is_refused() -> None:
    with pytest.raises(llmreg.RouteError, match="not an HTTP token"):
        unchecked(_provider()).resolve("t/m", headers={"X Bad": "1"}, secrets={"T_KEY": KEY})


def test_an_unchecked_definition_header_never_reaches_a_route() -> None:
    reg = unchecked(_provider(default_extra_headers={"X-Team": "blue\r\nX-Admin: 1"}))
    with pytest.raises(llmreg.RouteError, match=r"X-Team.*default_extra_headers"):
        reg.resolve("t/m", secrets={"T_KEY": KEY})


# -- item 10: auth_header_format substitutes, never evaluates -------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "Authorization: Bearer {{ auth_secret * 3 }}",
        "Authorization: Bearer {{ auth_secret | upper }}",
        "X-Key: {{ auth_secret.__class__ }}",
        "X-Key: {% for i in range(3) %}{{ auth_secret }}{% endfor %}",
        "X-Key: {# note #}{{ auth_secret }}",
    ],
)
def test_a_template_that_computes_is_refused_at_resolve(template: str) -> None:
    reg = unchecked(_provider(auth_header_format=template))
    with pytest.raises(llmreg.RouteError, match="auth_header_format is refused") as caught:
        reg.resolve("t/m", secrets={"T_KEY": KEY})
    assert KEY not in str(caught.value)


def test_substitution_keeps_the_literal_text_around_the_key() -> None:
    reg = unchecked(_provider(auth_header_format="X-Key:  key={{auth_secret}};v=1 "))
    route = reg.resolve("t/m", secrets={"T_KEY": KEY})
    assert route.headers["X-Key"] == f"key={KEY};v=1"


# -- item 11: enabled_models names served names first ----------------------------------------


def test_a_served_name_spelled_like_another_models_id_enables_only_its_own_model(
    tmp_path: Path,
) -> None:
    provider = _provider(
        served_models=[
            {"model_entity_id": "t/a", "served_model_name": "t/b"},
            {"model_entity_id": "t/b", "served_model_name": "b-served"},
        ],
        enabled_models=["t/b"],
    )
    reg = llmreg.load(write_registry(tmp_path / "reg", [provider, _model("a"), _model("b")]))
    assert reg.resolve("t/a", secrets={"T_KEY": KEY}).served_model_name == "t/b"
    with pytest.raises(llmreg.RouteError, match="enabled_models"):
        reg.resolve("t/b", secrets={"T_KEY": KEY})  # was: enabled through its id


def test_an_entry_that_is_no_served_name_still_names_a_model_id(tmp_path: Path) -> None:
    provider = _provider(
        served_models=[
            {"model_entity_id": "t/a", "served_model_name": "a-served"},
            {"model_entity_id": "t/b", "served_model_name": "b-served"},
        ],
        enabled_models=["t/b"],
    )
    reg = llmreg.load(write_registry(tmp_path / "reg", [provider, _model("a"), _model("b")]))
    assert reg.resolve("t/b", secrets={"T_KEY": KEY}).served_model_name == "b-served"
    with pytest.raises(llmreg.RouteError, match="enabled_models"):
        reg.resolve("t/a", secrets={"T_KEY": KEY})
