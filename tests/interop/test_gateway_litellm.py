"""LiteLLM export and import: shapes and round trips here, LiteLLM's own verdict in the
``gateways``-marked tests (``pip install -e '.[gateways]'``; skipped without litellm)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

import llmreg
from llmreg.cli import main
from llmreg.interop.litellm import (
    CALL_PARAMS,
    PREFIX,
    export_model_map,
    export_proxy,
    identifier,
    model_entry,
)
from llmreg.models import PROVIDER_TYPES

BUNDLED = Path(__file__).resolve().parents[2] / "providers.d"
CANARY = "sk-canary-0123456789abcdefghijklmnop"


@pytest.fixture(scope="module")
def registry() -> llmreg.Registry:
    return llmreg.load(BUNDLED)


class Result(NamedTuple):
    exit_code: int
    output: str


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[[list[str]], Result]:
    def invoke(args: list[str]) -> Result:
        code = main(args)
        captured = capsys.readouterr()
        return Result(code, captured.out + captured.err)

    return invoke


def run_text(args: list[str]) -> str:
    """Standard output of a CLI run that must succeed."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main([*args, "--registry", str(BUNDLED)]) == 0
    return out.getvalue()


def secret_names(registry: llmreg.Registry) -> set[str]:
    return {p.api_key_secret_name for p in registry.providers() if p.api_key_secret_name}


def test_every_provider_type_has_a_litellm_prefix_but_custom() -> None:
    assert set(PROVIDER_TYPES) - set(PREFIX) == {"custom"}


def test_proxy_config_references_keys_and_never_holds_them(
    registry: llmreg.Registry,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run: Callable[[list[str]], Result],
) -> None:
    for name in secret_names(registry):
        monkeypatch.setenv(name, CANARY)
    out = tmp_path / "config.yaml"
    result = run(["export", "litellm-proxy", "--registry", str(BUNDLED), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert CANARY not in text
    entries = yaml.safe_load(text)["model_list"]
    keys = {e["litellm_params"].get("api_key") for e in entries}
    assert keys == {f"os.environ/{n}" for n in secret_names(registry)}
    # every routable pair, none of the inactive model's
    pairs = {(e["model_name"], e["litellm_params"]["model"]) for e in entries}
    assert ("gpt-4o", "azure/gpt-4o-prod") in pairs
    assert ("code-assistant", "openai/gpt-4o") in pairs
    assert not any(name == "claude-3-5-sonnet" for name, _ in pairs)
    vertex = next(
        e["litellm_params"] for e in entries if e["litellm_params"]["model"].startswith("vertex")
    )
    assert (vertex["vertex_project"], vertex["vertex_location"]) == ("acme-ml-prod", "us-central1")


def test_model_map_prices_are_per_token(registry: llmreg.Registry) -> None:
    entries = export_model_map(registry, [])
    gpt4o = entries["openai/gpt-4o"]
    assert gpt4o["input_cost_per_token"] == 2.5e-06
    assert gpt4o["cache_read_input_token_cost"] == 1.25e-06
    assert gpt4o["max_input_tokens"] == 128000
    assert gpt4o["supports_vision"] is True
    assert entries["openai/text-embedding-3-small"]["mode"] == "embedding"
    assert "openai/gpt-4o" in entries and not any("code-assistant" in k for k in entries)


def test_proxy_round_trip_gives_the_same_deployments(
    registry: llmreg.Registry, tmp_path: Path, run: Callable[[list[str]], Result]
) -> None:
    original = export_proxy(registry, [])
    # A private endpoint is not imported without allow_private_network (its own test below).
    original["model_list"] = [
        e
        for e in original["model_list"]
        if ".internal" not in e["litellm_params"].get("api_base", "")
    ]
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(original))
    target = tmp_path / "reg"
    result = run(["import", "litellm-proxy", str(config), "--registry", str(target)])
    assert result.exit_code == 0, result.output
    again = export_proxy(llmreg.load(target), [])

    def deployments(config: dict[str, Any]) -> set[tuple[str, str]]:
        # Call parameters come back as model params from a model's first deployment (a
        # provider's own body defaults cannot be told apart); max_parallel_requests is not
        # imported (llmreg's concurrency also needs a buffer size): both are noted.
        return {
            (
                e["model_name"],
                json.dumps(
                    {
                        k: v
                        for k, v in e["litellm_params"].items()
                        if k not in CALL_PARAMS and k != "max_parallel_requests"
                    },
                    sort_keys=True,
                ),
            )
            for e in config["model_list"]
        }

    assert deployments(again) == deployments(original)


def test_inline_proxy_key_is_refused_with_a_note(
    tmp_path: Path, run: Callable[[list[str]], Result]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_list:\n"
        "  - model_name: fast\n"
        "    litellm_params:\n"
        "      model: groq/llama-3.1-8b-instant\n"
        f"      api_key: {CANARY}\n"
    )
    target = tmp_path / "reg"
    result = run(["import", "litellm-proxy", str(config), "--registry", str(target)])
    assert result.exit_code == 0, result.output
    assert "api_key is written inline" in result.output
    written = "".join(p.read_text() for p in target.rglob("*.yaml"))
    assert CANARY not in written and CANARY not in result.output
    provider = llmreg.load(target).provider("default/groq")
    assert provider.host_url == "https://api.groq.com/openai/v1"
    assert provider.api_key_secret_name is None


def test_unknown_litellm_prefix_writes_nothing(
    tmp_path: Path, run: Callable[[list[str]], Result]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_list:\n  - model_name: x\n    litellm_params: {model: nosuch/m}\n")
    target = tmp_path / "reg"
    result = run(["import", "litellm-proxy", str(config), "--registry", str(target)])
    assert result.exit_code == 2
    assert "'nosuch'" in result.output
    assert not target.exists()


def test_model_map_round_trip_keeps_every_value(
    registry: llmreg.Registry, tmp_path: Path, run: Callable[[list[str]], Result]
) -> None:
    exported = export_model_map(registry, [])
    source = tmp_path / "map.json"
    source.write_text(json.dumps(exported))
    target = tmp_path / "reg"
    result = run(["import", "litellm", str(source), "--registry", str(target)])
    assert result.exit_code == 0, result.output
    imported = llmreg.load(target)
    for key, entry in exported.items():
        model = imported.model("default/" + identifier(key.split("/", 1)[1]))
        assert model_entry(model, entry["litellm_provider"], []) == entry


def test_a_private_endpoint_is_not_imported_silently(
    tmp_path: Path, run: Callable[[list[str]], Result]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_list:\n"
        "  - model_name: local\n"
        "    litellm_params: {model: hosted_vllm/llama, api_base: 'http://10.0.0.5:8000/v1'}\n"
    )
    target = tmp_path / "reg"
    result = run(["import", "litellm-proxy", str(config), "--registry", str(target)])
    assert result.exit_code == 1
    assert "private-network" in result.output and "nothing written" in result.output
    assert not target.exists()


# -- LiteLLM's own verdict ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def litellm(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import os

    # LiteLLM fetches its model map from GitHub on import unless told to use its bundled copy.
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return pytest.importorskip("litellm")


@pytest.mark.gateways
def test_litellm_registers_the_map_and_gives_every_value_back(
    registry: llmreg.Registry, litellm: Any
) -> None:
    exported = export_model_map(registry, [])
    litellm.register_model(json.loads(json.dumps(exported)))
    for key, entry in exported.items():
        info = litellm.get_model_info(key)
        assert {field: info.get(field) for field in entry} == entry, key
        assert litellm.get_llm_provider(key)[1] == entry["litellm_provider"]


@pytest.mark.gateways
def test_litellm_router_takes_the_proxy_model_list(
    registry: llmreg.Registry, litellm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in secret_names(registry):
        monkeypatch.setenv(name, CANARY)
    config = yaml.safe_load(run_text(["export", "litellm-proxy"]))
    router = litellm.Router(model_list=config["model_list"])
    assert set(router.get_model_names()) == {e["model_name"] for e in config["model_list"]}
    for entry in config["model_list"]:
        model, provider, _key, _base = litellm.get_llm_provider(entry["litellm_params"]["model"])
        assert f"{provider}/{model}" == entry["litellm_params"]["model"]
        # LiteLLM reads os.environ/NAME as a reference: the variable's value, at run time
        reference = entry["litellm_params"].get("api_key")
        assert reference is None or litellm.get_secret(reference) == CANARY


@pytest.mark.parametrize(
    ("litellm_params", "message"),
    [
        ("{model: openai/x, timeout: .inf}", "timeout inf is not a number of seconds"),
        ("{model: openai/x, timeout: .nan}", "timeout nan is not a number of seconds"),
        ("{model: openai/x, api_base: 5}", "api_base must be a string"),
        ("{model: together/x}", "'together' has no llmreg provider_type"),
        ("{model: x}", "has no '<provider>/' prefix"),
        ("[1]", "litellm_params must be a JSON object"),
    ],
)
def test_a_hostile_proxy_config_is_reported_in_one_line(
    tmp_path: Path, run: Callable[[list[str]], Result], litellm_params: str, message: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"model_list:\n  - model_name: a\n    litellm_params: {litellm_params}\n")
    result = run(["import", "litellm-proxy", str(config), "--registry", str(tmp_path / "r")])
    assert result.exit_code in (0, 2), result.output
    assert message in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


@pytest.mark.parametrize("model", [CANARY, f"{CANARY}/gpt-4o", f"openai/{CANARY}"])
def test_a_key_in_the_wrong_field_is_never_echoed(
    tmp_path: Path, run: Callable[[list[str]], Result], model: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"model_list:\n  - model_name: {CANARY}\n    litellm_params: {{model: {model}}}\n"
    )
    result = run(["import", "litellm-proxy", str(config), "--registry", str(tmp_path / "r")])
    assert result.exit_code == 2 and "internal error" not in result.output
    assert CANARY not in result.output
    written = "".join(p.read_text() for p in (tmp_path / "r").rglob("*.yaml"))
    assert CANARY not in written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "litellm", "default/gpt-4o"], "exports the whole registry; it takes no ID"),
        (["import", "litellm-proxy", "c.yaml", "--name", "x"], "drop --name"),
    ],
)
def test_gateway_usage_errors(
    run: Callable[[list[str]], Result], args: list[str], message: str
) -> None:
    result = run(args)
    assert result.exit_code == 2
    assert message in result.output


def test_a_dry_run_lists_the_files_and_writes_none(
    tmp_path: Path, run: Callable[[list[str]], Result]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_list:\n  - model_name: fast\n    litellm_params: {model: groq/llama-3.1-8b}\n"
    )
    target = tmp_path / "reg"
    result = run(["import", "litellm-proxy", str(config), "--registry", str(target), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would write" in result.output and "groq.yaml" in result.output
    assert not target.exists()
