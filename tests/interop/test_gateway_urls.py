"""The gateways call where ``Registry.resolve`` sends a request: each exported deployment is
called once, against a server on 127.0.0.1 that records the path and answers 400."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

import llmreg
from llmreg.interop.litellm import export_proxy
from llmreg.interop.tensorzero import export_config, render

KEY = "sk-canary-0123456789abcdefghijklmnop"
# provider type -> the path the API appends to resolve()'s base URL
SUFFIX = {"openai": "/chat/completions", "anthropic": "/messages", "vllm": "/chat/completions"}


class Recorder(http.server.BaseHTTPRequestHandler):
    paths: list[str]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.paths.append(self.path)
        body = b'{"error": {"message": "recorded", "type": "invalid_request_error"}}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str]]]:
    paths: list[str] = []
    handler = type("Handler", (Recorder,), {"paths": paths})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", paths
    server.shutdown()
    server.server_close()


@pytest.fixture
def registry(tmp_path: Path, recorder: tuple[str, list[str]]) -> llmreg.Registry:
    """One provider per type, each under its own path of the recording server."""
    origin, _ = recorder
    root = tmp_path / "reg"
    for kind in SUFFIX:
        provider = {
            "kind": "Provider",
            "workspace": "default",
            "name": f"{kind}-local",
            "provider_type": kind,
            "host_url": f"{origin}/{kind}-gw/v1",
            "api_key_secret_name": "LOCAL_KEY",
            "network_config": {"allow_private_network": True, "max_retries": 0},
            "served_models": [{"model_entity_id": f"default/{kind}-m", "served_model_name": "m"}],
        }
        model = {"kind": "Model", "workspace": "default", "name": f"{kind}-m"}
        for sub, doc in (("providers", provider), ("models", model)):
            (root / "default" / sub).mkdir(parents=True, exist_ok=True)
            (root / "default" / sub / f"{doc['name']}.yaml").write_text(yaml.safe_dump(doc))
    return llmreg.load(root)


def expected_paths(registry: llmreg.Registry) -> dict[str, str]:
    found = {}
    for provider in registry.providers():
        route = registry.resolve(f"default/{provider.provider_type}-m", secrets={"LOCAL_KEY": KEY})
        found[f"{provider.provider_type}-m"] = (
            urlsplit(route.base_url).path + SUFFIX[provider.provider_type]
        )
    return found


MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.mark.gateways
def test_tensorzero_calls_where_resolve_sends(
    registry: llmreg.Registry,
    recorder: tuple[str, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tensorzero = pytest.importorskip("tensorzero")
    _, paths = recorder
    config = tmp_path / "tensorzero.toml"
    config.write_text(render(export_config(registry, [])))
    monkeypatch.setenv("LOCAL_KEY", KEY)
    gateway = tensorzero.TensorZeroGateway.build_embedded(config_file=str(config))
    called = {}
    for name in expected_paths(registry):
        paths.clear()
        with pytest.raises(tensorzero.TensorZeroError):
            gateway.inference(
                model_name=name,
                input={"messages": MESSAGES},
                params={"chat_completion": {"max_tokens": 5}},
            )
        called[name] = paths[0]
    assert called == expected_paths(registry)


@pytest.mark.gateways
def test_litellm_calls_where_resolve_sends(
    registry: llmreg.Registry, recorder: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    litellm = pytest.importorskip("litellm")
    _, paths = recorder
    monkeypatch.setenv("LOCAL_KEY", KEY)
    router = litellm.Router(model_list=export_proxy(registry, [])["model_list"], num_retries=0)
    called = {}
    for name in expected_paths(registry):
        paths.clear()
        with pytest.raises(Exception, match="recorded"):
            router.completion(model=name, messages=MESSAGES, max_tokens=5)
        called[name] = paths[0]
    assert called == expected_paths(registry)


def test_a_proxy_config_imports_back_to_the_same_host_urls(registry: llmreg.Registry) -> None:
    from llmreg.interop.litellm import import_proxy

    documents = import_proxy(export_proxy(registry, []), workspace="default", notes=[])
    hosts = {d["provider_type"]: d["host_url"] for d in documents if d["kind"] == "Provider"}
    assert hosts == {p.provider_type: p.host_url for p in registry.providers()}
