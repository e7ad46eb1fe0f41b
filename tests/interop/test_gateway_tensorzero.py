"""TensorZero export: the TOML here, and the verdict of TensorZero's embedded gateway (in the
``test`` extra) in the ``gateways``-marked tests."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import llmreg
from llmreg.cli import main
from llmreg.interop.tensorzero import export_config, render

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BUNDLED = Path(__file__).resolve().parents[2] / "providers.d"
CANARY = "sk-canary-0123456789abcdefghijklmnop"


@pytest.fixture(scope="module")
def registry() -> llmreg.Registry:
    return llmreg.load(BUNDLED)


def key_names(registry: llmreg.Registry) -> set[str]:
    return {p.api_key_secret_name for p in registry.providers() if p.api_key_secret_name}


def test_every_routable_model_is_there_in_resolve_order(registry: llmreg.Registry) -> None:
    text = render(export_config(registry, []))
    assert '[models."gemini-2.5-flash"]' in text  # a name with a dot is a quoted key
    models = tomllib.loads(text)["models"]
    assert "claude-3-5-sonnet" not in models  # inactive
    assert models["gpt-4o"]["routing"] == ["azure-openai", "openai"]
    assert models["claude-sonnet-4"]["routing"] == ["anthropic", "vertex-ai"]
    assert models["claude-sonnet-4"]["providers"]["vertex-ai"]["type"] == "gcp_vertex_anthropic"
    azure = models["gpt-4o"]["providers"]["azure-openai"]
    assert azure == {
        "type": "azure",
        "deployment_id": "gpt-4o-prod",
        "endpoint": "https://acme-openai-eastus2.openai.azure.com",
        "api_key_location": "env::AZURE_OPENAI_API_KEY",
        "timeouts": {"non_streaming": {"total_ms": 90000}},
    }
    # a derived model is routed through its base model's providers, with its params
    derived = models["code-assistant"]["providers"]["openai"]
    assert {"pointer": "/temperature", "value": 0.7} in derived["extra_body"]
    routable = {m.name for m in registry.models() if m.is_active}
    assert set(models) == routable


def test_no_key_value_is_written(
    registry: llmreg.Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in key_names(registry):
        monkeypatch.setenv(name, CANARY)
    out = tmp_path / "tensorzero.toml"
    assert main(["export", "tensorzero", "--registry", str(BUNDLED), "--out", str(out)]) == 0
    assert CANARY not in out.read_text()


def test_an_unknown_provider_type_names_itself_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "reg"
    shutil.copytree(BUNDLED, root)
    openai = root / "default" / "providers" / "openai.yaml"
    openai.write_text(openai.read_text().replace("provider_type: openai", "provider_type: cohere"))
    out = tmp_path / "tensorzero.toml"
    assert main(["export", "tensorzero", "--registry", str(root), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "default/openai" in err and "'cohere'" in err and "nothing written" in err
    assert not out.exists()


# -- TensorZero's own verdict -------------------------------------------------------------------


@pytest.fixture(scope="module")
def tensorzero() -> Any:
    return pytest.importorskip("tensorzero")


def build(tensorzero: Any, config: Path) -> Any:
    return tensorzero.TensorZeroGateway.build_embedded(config_file=str(config))


@pytest.fixture
def config(registry: llmreg.Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The exported tensorzero.toml, with every key variable set (the gateway reads them)."""
    path = tmp_path / "tensorzero.toml"
    path.write_text(render(export_config(registry, [])))
    for name in key_names(registry):
        monkeypatch.setenv(name, CANARY)
    return path


@pytest.mark.gateways
def test_the_embedded_gateway_starts_from_the_export(tensorzero: Any, config: Path) -> None:
    build(tensorzero, config).close()


@pytest.mark.gateways
def test_the_gateway_reads_the_key_references(
    tensorzero: Any, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The gateway resolves each api_key_location at startup: without the variable it refuses
    # to start and names it, so the provider tables are read, not skipped.
    monkeypatch.delenv("VLLM_GPU_CLUSTER_API_KEY")
    with pytest.raises(Exception, match="VLLM_GPU_CLUSTER_API_KEY"):
        build(tensorzero, config)


def test_routing_follows_preferred_providers(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    shutil.copytree(BUNDLED, root)
    gpt4o = root / "default" / "models" / "gpt-4o.yaml"
    gpt4o.write_text(gpt4o.read_text() + "preferred_providers: [default/openai]\n")
    registry = llmreg.load(root)
    models = tomllib.loads(render(export_config(registry, [])))["models"]
    assert models["gpt-4o"]["routing"] == ["openai", "azure-openai"]
    first = registry.resolve("default/gpt-4o", secrets={"OPENAI_API_KEY": CANARY})
    assert first.provider_id == "default/openai"
