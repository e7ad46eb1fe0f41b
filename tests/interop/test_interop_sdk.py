"""Exports driven through the systems' own SDK clients (opt-in: the ``interop`` extra).

The real SDK calls build the request and parse the response with their own types; a fake
server on an httpx mock transport (nothing leaves the process) stores what it is sent and
returns it with its own fields, as the real servers do. Every bundled provider must be accepted
by ``create`` (an unknown keyword is a TypeError there) and come back equal.

    pip install -e '.[test,interop]'   # label-studio-sdk; nemo-platform needs Python 3.11+
    python -m pytest -m system_sdk
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import llmreg
from llmreg.interop import SYSTEMS, export, import_, nemo
from llmreg.models import Provider

pytestmark = pytest.mark.system_sdk
httpx = pytest.importorskip("httpx")
ROOT = Path(__file__).resolve().parents[2]


def bundled_providers() -> list[dict[str, Any]]:
    registry = llmreg.load(ROOT / "providers.d")
    return [
        p.model_dump(mode="json", exclude_defaults=True) | {"kind": "Provider"}
        for p in registry.providers()
    ]


def comparable(document: dict[str, Any], keep: set[str]) -> str:
    data = {k: v for k, v in document.items() if k in {"kind", "workspace", "name", *keep}}
    data.setdefault("provider_type", "custom")
    data.setdefault("host_url", "https://placeholder.invalid")
    if data["provider_type"] == "custom":
        data.setdefault("custom_provider_config", {"base_provider_type": "openai"})
    return Provider.model_validate(data).config_hash


class FakeServer:
    """Stores JSON bodies by path; answers with the stored object plus ``extra`` fields."""

    def __init__(self, extra: dict[str, Any]) -> None:
        self.extra = extra
        self.objects: dict[str, dict[str, Any]] = {}
        self.bodies: list[dict[str, Any]] = []

    def handle(self, request: Any) -> Any:
        path = request.url.path.rstrip("/")
        if request.method in ("POST", "PUT", "PATCH"):
            body = json.loads(request.content or b"{}")
            self.bodies.append(body)
            key = path.removesuffix("/status")
            if request.method == "POST":
                key = f"{path}/{body.get('name', len(self.objects))}"
            stored = {**self.objects.get(key, {}), **body, **self.extra}
            if "/workspaces/" in path:  # NeMo's workspace is a path parameter, not in the body
                stored["workspace"] = path.split("/workspaces/")[1].split("/")[0]
            self.objects[key] = stored
            return httpx.Response(200, json=self.objects[key])
        return httpx.Response(200, json=self.objects[path])


@pytest.mark.parametrize("document", bundled_providers(), ids=lambda d: d["name"])
def test_nemo_platform_sdk_creates_sets_status_and_reads_back(document: dict[str, Any]) -> None:
    platform = pytest.importorskip("nemo_platform")
    server = FakeServer(
        {"id": "p-1", "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"}
    )
    client = platform.NeMoPlatform(
        base_url="http://nemo.test",
        workspace="unused",
        access_token="not-a-secret",
        http_client=httpx.Client(transport=httpx.MockTransport(server.handle)),
        _strict_response_validation=True,
    )
    body, _ = export("nemo", document)
    created = client.inference.providers.create(**body)  # TypeError on any other keyword
    status = nemo.status_update(document)
    if status:
        client.inference.providers.update_status(
            body["name"], workspace=body["workspace"], **status
        )
    returned = client.inference.providers.retrieve(body["name"], workspace=body["workspace"])
    assert created.name == document["name"]
    back, _ = import_("nemo", returned.model_dump(mode="json", exclude_none=True))
    back["provider_type"] = document["provider_type"]  # NeMo has no type
    keep = set(nemo.SHARED) | {"provider_type"}
    assert comparable(back, keep) == comparable(document, keep)


@pytest.mark.parametrize("document", bundled_providers(), ids=lambda d: d["name"])
def test_label_studio_sdk_creates_and_reads_back(document: dict[str, Any]) -> None:
    sdk = pytest.importorskip("label_studio_sdk.client")
    import inspect

    server = FakeServer({"id": 7, "organization": 1, "budget_total_spent": 0.0})
    client = sdk.LabelStudio(
        base_url="http://ls.test",
        api_key="not-a-secret",
        httpx_client=httpx.Client(transport=httpx.MockTransport(server.handle)),
    )
    body, _ = export("labelstudio", document)
    named = set(inspect.signature(client.model_providers.create).parameters)
    arguments = {k: v for k, v in body.items() if k in named}
    additional = {k: v for k, v in body.items() if k not in named}
    assert set(additional) <= {"budget_limit", "budget_reset_period", "model_params"}
    returned = client.model_providers.create(
        **arguments, request_options={"additional_body_parameters": additional}
    )
    assert server.bodies[-1] == body  # the SDK sent exactly the export
    data = returned.dict() if hasattr(returned, "dict") else returned.model_dump()
    assert data.get("model_params") == body.get("model_params")  # typed as a mapping
    back, _ = import_(
        "labelstudio", json.loads(json.dumps(data, default=str)), name=document["name"]
    )
    back["workspace"] = document["workspace"]
    keep = set(SYSTEMS["labelstudio"].fields)
    if document["provider_type"] in ("nim", "vllm"):
        keep.discard("provider_type")  # they go out as Custom connections
    assert comparable(back, keep) == comparable(document, keep)
