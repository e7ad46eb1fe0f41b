"""A real Open WebUI 0.12.4 server takes every bundled model and gives it back equal (opt-in).

The server is about 7 GB with its dependencies, so it lives in its own virtual environment and
this test runs only when asked (README, Development):

    python3 -m venv /path/owui && /path/owui/bin/pip install open-webui==0.12.4
    LLMREG_OPEN_WEBUI=/path/owui/bin/open-webui python -m pytest -m openwebui_server

It starts the server offline on 127.0.0.1 with authentication off and a temporary data folder.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import llmreg
from llmreg.interop import SYSTEMS, export, export_all, import_, split
from llmreg.models import Model

ROOT = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("LLMREG_OPEN_WEBUI")

pytestmark = [
    pytest.mark.openwebui_server,
    pytest.mark.skipif(
        not SERVER, reason="set LLMREG_OPEN_WEBUI to an open-webui 0.12.4 executable"
    ),
]


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.token = ""

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A fresh server per test: each test starts from an empty model table."""
    assert SERVER
    port = free_port()
    env = os.environ | {
        "DATA_DIR": str(tmp_path_factory.mktemp("owui")),
        "WEBUI_AUTH": "False",
        "OFFLINE_MODE": "true",
        "HF_HUB_OFFLINE": "1",
        "ENABLE_OLLAMA_API": "False",
        "ENABLE_OPENAI_API": "False",
        "RAG_EMBEDDING_MODEL_AUTO_UPDATE": "False",
        "ENABLE_VERSION_UPDATE_CHECK": "False",
        "WEBUI_SECRET_KEY": "llmreg-test-only",
    }
    log = tmp_path_factory.mktemp("owui-log") / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [SERVER, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    client = Client(f"http://127.0.0.1:{port}")
    try:
        for _ in range(300):
            try:
                if client.call("GET", "/health").get("status"):
                    break
            except (urllib.error.URLError, ConnectionError, json.JSONDecodeError):
                pass
            if process.poll() is not None:
                pytest.fail(f"open-webui exited: see {log}")
            time.sleep(1)
        client.token = client.call("POST", "/api/v1/auths/signin", {"email": "", "password": ""})[
            "token"
        ]
        yield client
    finally:
        process.terminate()
        process.wait(timeout=30)


def bundled_models() -> list[dict[str, Any]]:
    registry = llmreg.load(ROOT / "providers.d")
    return [
        d.model_dump(mode="json", exclude_defaults=True) | {"kind": "Model"}
        for d in registry.models()
    ]


def comparable(document: dict[str, Any]) -> str:
    keep = {"kind", "workspace", "name", *SYSTEMS["openwebui"].fields}
    return Model.model_validate({k: v for k, v in document.items() if k in keep}).config_hash


def test_every_bundled_model_is_created_and_comes_back_equal(server: Client) -> None:
    for document in bundled_models():
        body, _ = export("openwebui", document)
        server.call("POST", "/api/v1/models/create", body)
        returned = server.call("GET", f"/api/v1/models/model?id={quote(body['id'], safe='')}")
        assert len(returned["access_grants"]) == len(body.get("access_grants", []))
        back, _ = import_("openwebui", returned, workspace=document["workspace"])
        assert comparable(back) == comparable(document), body["id"]


def test_whole_configuration_through_the_admin_import_and_export(server: Client) -> None:
    documents = bundled_models()
    models, _ = export_all("openwebui", documents)
    assert server.call("POST", "/api/v1/models/import", {"models": models}) is True
    # the admin export lists the models built on a base model; the base models are at /base
    exported = server.call("GET", "/api/v1/models/export")
    exported += server.call("GET", "/api/v1/models/base")
    by_id = {f"{d['workspace']}/{d['name']}": d for d in documents}
    seen = 0
    for item in split("openwebui", exported):
        back, _ = import_("openwebui", item)
        original = by_id[f"{back['workspace']}/{back['name']}"]
        assert comparable(back) == comparable(original)
        seen += 1
    assert seen == len(documents)
