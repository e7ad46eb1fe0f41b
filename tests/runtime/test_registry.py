"""llmreg.load, lookups, access grants and resolve (docs/runtime.md)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import llmreg
from helpers.runtime_registry import (
    ALL,
    CODER,
    GPT4O,
    LOCAL,
    MINI,
    OPENAI,
    write_doc,
    write_registry,
)
from llmreg import Principal

SECRETS = {"ACME_OPENAI_KEY": "sk-test-openai-0123456789", "ACME_AZURE_KEY": "azure-0123456789"}


@pytest.fixture
def reg(tmp_path: Path) -> llmreg.Registry:
    return llmreg.load(write_registry(tmp_path / "reg"))


def with_changes(tmp_path: Path, *docs: dict[str, object]) -> llmreg.Registry:
    changed = {(d["kind"], d["name"]): d for d in docs}
    merged = [changed.pop((d["kind"], d["name"]), d) for d in ALL] + list(changed.values())
    return llmreg.load(write_registry(tmp_path / "changed", merged))


# -- load ---------------------------------------------------------------------------------------


def test_load_reports_every_error_of_the_check(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    (root / "acme" / "models" / "mini.yaml").write_text("kind: Model\nworkspace: acme\n")
    write_doc(root, {**LOCAL, "host_url": "ftp://nowhere"})
    with pytest.raises(llmreg.RegistryError) as caught:
        llmreg.load(root)
    rules = {(Path(d.file).name, d.rule) for d in caught.value.errors}
    assert ("mini.yaml", "schema") in rules
    assert ("local.yaml", "invalid-url") in rules
    assert isinstance(caught.value, ValueError)
    assert "mini.yaml" in str(caught.value)


def test_warnings_do_not_fail_the_load(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    path = root / "acme" / "models" / "llama.yaml"
    path.write_text(path.read_text() + "display_name: no\n")  # yaml11-ambiguous warning
    reg = llmreg.load(root)
    assert [d.rule for d in reg.warnings] == ["yaml11-ambiguous"]
    assert reg.model("acme/llama").display_name == "no"


def test_load_of_a_missing_folder_is_a_registry_error(tmp_path: Path) -> None:
    with pytest.raises(llmreg.RegistryError, match="not a directory"):
        llmreg.load(tmp_path / "nope")


def test_number_without_json_form_is_a_diagnostic(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    write_doc(root, {**GPT4O, "params": {"seed": 2**60}})
    with pytest.raises(llmreg.RegistryError) as caught:
        llmreg.load(root)
    [error] = caught.value.errors
    assert error.path == "/params/seed" and error.line > 1


# -- lookups ------------------------------------------------------------------------------------


def test_lookups_by_id(reg: llmreg.Registry) -> None:
    assert reg.provider("acme/openai").host_url == "https://api.openai.com/v1"
    assert reg.model("acme/gpt-4o").context_window == 128000
    assert [p.id for p in reg.providers()] == ["acme/azure", "acme/local", "acme/openai"]
    assert [m.id for m in reg.models()] == [
        "acme/coder",
        "acme/gpt-4o",
        "acme/llama",
        "acme/mini",
        "acme/public",
    ]
    assert reg.model("acme/gpt-4o").config_hash.startswith("sha256:")
    assert reg.hash.startswith("sha256:") and len(reg.hash) == 71


def test_unknown_ids_suggest_close_matches(reg: llmreg.Registry) -> None:
    with pytest.raises(KeyError) as caught:
        reg.model("acme/gpt4o")
    assert isinstance(caught.value, llmreg.UnknownIdError)
    assert "did you mean 'acme/gpt-4o'" in str(caught.value)
    with pytest.raises(llmreg.UnknownIdError) as nothing_close:
        reg.provider("zzz/zzz")
    assert nothing_close.value.suggestions == ()


def test_models_by_capability_and_provider(reg: llmreg.Registry) -> None:
    assert [m.id for m in reg.models(capability="vision")] == ["acme/gpt-4o"]  # mini: false
    assert reg.models(capability="teleportation") == ()
    assert [m.id for m in reg.models(provider="acme/openai")] == ["acme/gpt-4o", "acme/mini"]
    assert [m.id for m in reg.models(capability="vision", provider="acme/local")] == []
    with pytest.raises(llmreg.UnknownIdError):
        reg.models(provider="acme/opneai")


def test_access_grants(reg: llmreg.Registry) -> None:
    def visible(principal: Principal) -> list[str]:
        return [m.id for m in reg.models(visible_to=principal)]

    # gpt-4o: no grants (everyone); coder: [] (nobody); llama: user u1; mini: group staff;
    # public: a public grant.
    assert visible(Principal()) == ["acme/gpt-4o", "acme/public"]
    assert visible(Principal("u1")) == ["acme/gpt-4o", "acme/llama", "acme/public"]
    assert visible(Principal("u2", frozenset({"staff"}))) == [
        "acme/gpt-4o",
        "acme/mini",
        "acme/public",
    ]
    assert visible(Principal("staff")) == ["acme/gpt-4o", "acme/public"]  # a user is no group


def test_registry_is_immutable(reg: llmreg.Registry) -> None:
    with pytest.raises(AttributeError):
        reg.warnings = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        reg._models["x"] = None  # type: ignore[index]
    with pytest.raises(Exception, match="frozen"):
        reg.model("acme/gpt-4o").name = "x"  # type: ignore[misc]


# -- resolve ------------------------------------------------------------------------------------


def test_merge_order_and_auth(reg: llmreg.Registry) -> None:
    route = reg.resolve(
        "acme/gpt-4o",
        provider="acme/openai",
        headers={"x-team": "caller-team", "X-Client-Id": "caller-override", "X-New": "1"},
        body={"max_tokens": 5, "top_p": 0.1, "client_id": "caller", "model": "acme/gpt-4o"},
        secrets=SECRETS,
    )
    assert route.provider_id == "acme/openai"
    assert route.model_id == "acme/gpt-4o"
    assert route.served_model_name == "gpt-4o-2024-08-06"
    assert route.base_url == "https://api.openai.com/v1"
    assert dict(route.headers) == {
        "x-team": "caller-team",  # caller beats default_extra_headers (names ignore case)
        "X-Trace": "off",  # default kept
        "X-Client-Id": "acme-001",  # required beats caller
        "X-New": "1",
        "Authorization": "Bearer sk-test-openai-0123456789",
    }
    assert dict(route.body) == {
        "temperature": 0.5,  # model params beat default_extra_body
        "max_tokens": 5,  # caller beats default_extra_body
        "user": "default-user",
        "top_p": 0.1,  # caller beats model params
        "client_id": "acme-001",  # required beats caller
        "model": "gpt-4o-2024-08-06",  # the served name
    }


def test_custom_auth_header_format(reg: llmreg.Registry) -> None:
    route = reg.resolve("acme/gpt-4o", provider="acme/azure", secrets=SECRETS)
    assert route.headers["api-key"] == "azure-0123456789"
    assert "Authorization" not in route.headers
    assert route.served_model_name == "gpt4o-prod"


def test_default_provider_is_the_first_routable_by_id(tmp_path: Path) -> None:
    reg = llmreg.load(write_registry(tmp_path / "reg"))
    assert reg.resolve("acme/gpt-4o", secrets=SECRETS).provider_id == "acme/azure"
    disabled = with_changes(tmp_path, {**_azure(), "enabled": False})
    assert disabled.resolve("acme/gpt-4o", secrets=SECRETS).provider_id == "acme/openai"
    with pytest.raises(llmreg.RouteError, match="disabled"):
        disabled.resolve("acme/gpt-4o", provider="acme/azure", secrets=SECRETS)


def _azure() -> dict[str, object]:
    from helpers.runtime_registry import AZURE

    return copy.deepcopy(AZURE)


def test_enabled_models_excludes(tmp_path: Path) -> None:
    reg = with_changes(tmp_path, {**OPENAI, "enabled_models": ["gpt-4o-mini"]})
    with pytest.raises(llmreg.RouteError, match="enabled_models"):
        reg.resolve("acme/gpt-4o", provider="acme/openai", secrets=SECRETS)
    assert reg.resolve("acme/mini", secrets=SECRETS).provider_id == "acme/openai"
    by_id = with_changes(tmp_path / "b", {**OPENAI, "enabled_models": ["acme/gpt-4o"]})
    assert by_id.resolve("acme/gpt-4o", provider="acme/openai", secrets=SECRETS)
    with pytest.raises(llmreg.RouteError, match="no provider can serve"):
        by_id.resolve("acme/mini", secrets=SECRETS)


def test_inactive_models_are_not_routed(tmp_path: Path) -> None:
    reg = with_changes(tmp_path, {**MINI, "is_active": False}, {**GPT4O, "is_active": False})
    with pytest.raises(llmreg.RouteError, match="inactive"):
        reg.resolve("acme/mini", secrets=SECRETS)
    with pytest.raises(llmreg.RouteError, match="derives from inactive acme/gpt-4o"):
        reg.resolve("acme/coder", secrets=SECRETS)


def test_provider_that_does_not_serve_the_model(reg: llmreg.Registry) -> None:
    with pytest.raises(llmreg.RouteError, match="does not serve"):
        reg.resolve("acme/llama", provider="acme/openai", secrets=SECRETS)
    with pytest.raises(llmreg.UnknownIdError):
        reg.resolve("acme/llama", provider="acme/nope")


def test_derived_model_routes_via_its_base(reg: llmreg.Registry) -> None:
    route = reg.resolve("acme/coder", provider="acme/openai", body={"top_p": 1.0}, secrets=SECRETS)
    assert route.model_id == "acme/coder"
    assert route.served_model_name == "gpt-4o-2024-08-06"
    assert route.body["temperature"] == 0.1  # the derived model's params beat the base's
    assert route.body["system"] == "You write code."
    assert route.body["top_p"] == 1.0  # the caller beats both
    two_levels = reg.resolve("acme/public", secrets={})
    assert two_levels.provider_id == "acme/local"


def test_missing_secret_names_it_and_never_shows_a_value(reg: llmreg.Registry) -> None:
    secrets = {"ACME_AZURE_KEY": "azure-value-should-not-leak", "OTHER": "other-value"}
    with pytest.raises(llmreg.MissingSecretError) as caught:
        reg.resolve("acme/gpt-4o", provider="acme/openai", secrets=secrets)
    message = str(caught.value)
    assert "ACME_OPENAI_KEY" in message
    assert "acme/openai" in message
    assert "should-not-leak" not in message and "other-value" not in message
    with pytest.raises(llmreg.MissingSecretError):
        reg.resolve("acme/gpt-4o", provider="acme/openai", secrets={"ACME_OPENAI_KEY": ""})


def test_secret_defaults_to_the_environment_at_call_time(
    reg: llmreg.Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACME_OPENAI_KEY", raising=False)
    with pytest.raises(llmreg.MissingSecretError):
        reg.resolve("acme/mini")
    monkeypatch.setenv("ACME_OPENAI_KEY", "from-env-123")
    assert reg.resolve("acme/mini").headers["Authorization"] == "Bearer from-env-123"


def test_secret_with_a_line_break_is_refused_without_echo(reg: llmreg.Registry) -> None:
    bad = {"ACME_OPENAI_KEY": "abc\r\nX-Injected: 1"}
    with pytest.raises(llmreg.RouteError) as caught:
        reg.resolve("acme/mini", secrets=bad)
    assert "ACME_OPENAI_KEY" in str(caught.value) and "Injected" not in str(caught.value)


def test_key_less_providers_need_no_secret(reg: llmreg.Registry, tmp_path: Path) -> None:
    route = reg.resolve("acme/llama", secrets={})
    assert route.provider_id == "acme/local"
    assert "Authorization" not in route.headers
    no_name = {k: v for k, v in OPENAI.items() if k != "api_key_secret_name"}
    plain = with_changes(tmp_path, no_name)
    assert "Authorization" not in plain.resolve("acme/mini", secrets={}).headers


def test_route_is_frozen_detached_and_hides_the_key(reg: llmreg.Registry) -> None:
    route = reg.resolve("acme/gpt-4o", provider="acme/openai", secrets=SECRETS)
    assert "sk-test-openai" not in repr(route)
    with pytest.raises(TypeError):
        route.body["x"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        route.model_id = "x"  # type: ignore[misc]
    nested = reg.resolve(
        "acme/gpt-4o", provider="acme/openai", body={"a": {"b": [1]}}, secrets=SECRETS
    )
    assert nested.body["a"] == {"b": [1]}
    nested.body["a"]["b"].append(2)  # a copy: nothing shared with the next call
    again = reg.resolve(
        "acme/gpt-4o", provider="acme/openai", body={"a": {"b": [1]}}, secrets=SECRETS
    )
    assert again.body["a"] == {"b": [1]}
    assert reg.provider("acme/openai").default_extra_body == OPENAI["default_extra_body"]


def test_model_served_by_nobody(tmp_path: Path) -> None:
    lonely = {"kind": "Model", "workspace": "acme", "name": "lonely"}
    reg = with_changes(tmp_path, lonely)
    with pytest.raises(llmreg.RouteError, match="served by no provider"):
        reg.resolve("acme/lonely")


def test_coder_grant_is_nobody_but_still_resolvable(reg: llmreg.Registry) -> None:
    # Access grants filter listings; resolve is the caller's decision after that check.
    assert CODER["access_grants"] == []
    assert reg.resolve("acme/coder", provider="acme/openai", secrets=SECRETS)
