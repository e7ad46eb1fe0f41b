"""Routes through the real clients: openai, anthropic and httpx against servers on 127.0.0.1.

Each test writes a small registry, resolves a route and sends a real request; the stub upstream
and the proxy record what arrived (tests/helpers/servers.py). Timeouts are the schema's minimum
(1 s) and the backoff a few milliseconds, so the file runs in a few seconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import ssl
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")
openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")
trustme = pytest.importorskip("trustme")

import llmreg  # noqa: E402
from helpers.runtime_registry import write_registry  # noqa: E402
from helpers.servers import Upstream, proxy, upstream  # noqa: E402
from llmreg import transport  # noqa: E402

KEY = "sk-route-test-0123456789abcdef"
SECRETS = {"T_KEY": KEY, "T_PROXY_PASSWORD": "proxy-pass-4711"}
MESSAGES = [{"role": "user", "content": "hello"}]


def provider(url: str, **extra: Any) -> dict[str, Any]:
    network = {
        "allow_private_network": True,
        "max_retries": 0,
        "default_request_timeout_in_seconds": 5,
        "retry_backoff_initial": 1,
        "retry_backoff_max": 5,
        **extra.pop("network", {}),
    }
    return {
        "kind": "Provider",
        "workspace": "t",
        "name": "p",
        "provider_type": "openai",
        "host_url": url,
        "api_key_secret_name": "T_KEY",
        "served_models": [{"model_entity_id": "t/m", "served_model_name": "served-m"}],
        "network_config": network,
        **extra,
    }


MODEL = {"kind": "Model", "workspace": "t", "name": "m"}


def route_for(tmp_path: Path, doc: dict[str, Any], **resolve: Any) -> llmreg.Route:
    reg = llmreg.load(write_registry(tmp_path / "reg", [doc, MODEL]))
    return reg.resolve("t/m", secrets=resolve.pop("secrets", SECRETS), **resolve)


@pytest.fixture(scope="module")
def bundled() -> llmreg.Registry:
    return llmreg.load(Path(__file__).resolve().parents[2] / "providers.d")


@pytest.fixture(scope="module")
def ca() -> Any:
    return trustme.CA()


def server_context(ca: Any, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


def pem(ca: Any) -> str:
    return str(ca.cert_pem.bytes().decode("ascii"))


# -- what arrives ---------------------------------------------------------------------------------


def test_openai_sdk_sends_path_headers_and_body(tmp_path: Path) -> None:
    with upstream() as stub:
        doc = provider(
            f"http://127.0.0.1:{stub.port}/v1",
            default_extra_headers={"X-Team": "blue"},
            required_extra_headers={"X-Client-Id": "c-1"},
            default_extra_body={"temperature": 0.2},
            required_extra_body={"client_id": "c-1"},
        )
        route = route_for(tmp_path, doc, headers={"X-Trace": "on"})
        client = openai.OpenAI(**route.openai_kwargs())
        reply = client.chat.completions.create(
            model=route.served_model_name, messages=MESSAGES, extra_body=dict(route.body)
        )
    assert reply.choices[0].message.content == "hi"
    [seen] = stub.seen
    assert (seen.method, seen.path) == ("POST", "/v1/chat/completions")
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    assert (seen.headers["x-team"], seen.headers["x-client-id"]) == ("blue", "c-1")
    assert seen.headers["x-trace"] == "on"
    assert seen.body["model"] == "served-m" and seen.body["messages"] == MESSAGES
    assert (seen.body["temperature"], seen.body["client_id"]) == (0.2, "c-1")


def test_anthropic_sdk_sends_the_registry_auth_header_only(tmp_path: Path) -> None:
    with upstream() as stub:
        doc = provider(
            f"http://127.0.0.1:{stub.port}/v1",
            provider_type="anthropic",
            auth_header_format="x-api-key: {{ auth_secret }}",
            required_extra_headers={"anthropic-version": "2023-06-01"},
            default_extra_body={"max_tokens": 64},
        )
        route = route_for(tmp_path, doc)
        client = anthropic.Anthropic(**route.anthropic_kwargs())
        reply = client.messages.create(
            model=route.served_model_name,
            max_tokens=route.body["max_tokens"],
            messages=MESSAGES,  # type: ignore[arg-type]
            extra_body=dict(route.body),
        )
    assert reply.content[0].text == "hi"  # type: ignore[union-attr]
    [seen] = stub.seen
    assert seen.path == "/v1/messages" == "/v1" + route.url("messages").split("/v1", 1)[1]
    assert seen.headers["x-api-key"] == KEY
    assert "authorization" not in seen.headers
    assert seen.headers["anthropic-version"] == "2023-06-01"
    assert seen.body["model"] == "served-m" and seen.body["max_tokens"] == 64


def test_httpx_client_posts_to_the_operation_url(tmp_path: Path) -> None:
    with upstream() as stub:
        doc = provider(f"http://127.0.0.1:{stub.port}/v1", default_extra_headers={"X-A": "1"})
        route = route_for(tmp_path, doc)
        with route.httpx_client() as client:
            response = client.post(route.url("embeddings"), json=dict(route.body))
    assert response.status_code == 200
    [seen] = stub.seen
    assert seen.path == "/v1/embeddings"
    assert seen.headers["x-a"] == "1" and seen.headers["authorization"] == f"Bearer {KEY}"
    assert seen.body == {"model": "served-m"}


def test_azure_openai_sdk_reaches_the_deployment_with_the_api_version(tmp_path: Path) -> None:
    with upstream() as stub:
        doc = provider(
            f"http://127.0.0.1:{stub.port}",
            provider_type="azure",
            auth_header_format="api-key: {{ auth_secret }}",
            deployment_name="dep-1",
            api_version="2024-10-21",
        )
        route = route_for(tmp_path, doc)
        client = openai.AzureOpenAI(**route.openai_kwargs())
        client.chat.completions.create(model=route.served_model_name, messages=MESSAGES)
        with route.httpx_client() as plain:
            plain.post(route.url("chat"), json=dict(route.body))
    sdk, direct = stub.seen
    assert sdk.path == direct.path == "/openai/deployments/dep-1/chat/completions"
    assert sdk.query == direct.query == "api-version=2024-10-21"
    assert sdk.headers["api-key"] == KEY and "authorization" not in sdk.headers


def test_custom_path_overrides_reach_the_sdk_and_url(tmp_path: Path) -> None:
    with upstream() as stub:
        doc = provider(
            f"http://127.0.0.1:{stub.port}",
            provider_type="custom",
            custom_provider_config={
                "base_provider_type": "openai",
                "allowed_requests": {"chat_completion": True, "embedding": False},
                "request_path_overrides": {"chat_completion": "/gw/v1/chat/completions"},
            },
        )
        route = route_for(tmp_path, doc)
        openai.OpenAI(**route.openai_kwargs()).chat.completions.create(
            model=route.served_model_name, messages=MESSAGES
        )
    assert stub.seen[0].path == "/gw/v1/chat/completions"
    assert route.url("chat") == f"http://127.0.0.1:{stub.port}/gw/v1/chat/completions"
    with pytest.raises(llmreg.RouteError, match="does not allow embedding"):
        route.url("embeddings")


# -- retries, backoff and timeout -----------------------------------------------------------------


def _httpx_call(route: llmreg.Route) -> Any:
    with route.httpx_client() as client:
        response = client.post(route.url("chat"), json=dict(route.body))
        if response.status_code >= 400:
            raise RuntimeError(f"status {response.status_code}")
        return response


def _openai_call(route: llmreg.Route) -> Any:
    return openai.OpenAI(**route.openai_kwargs()).chat.completions.create(
        model=route.served_model_name, messages=MESSAGES
    )


def _anthropic_call(route: llmreg.Route) -> Any:
    return anthropic.Anthropic(**route.anthropic_kwargs()).messages.create(
        model=route.served_model_name,
        max_tokens=8,
        messages=MESSAGES,  # type: ignore[arg-type]
    )


CALLS: dict[str, tuple[Callable[[llmreg.Route], Any], dict[str, Any]]] = {
    "httpx": (_httpx_call, {}),
    "openai": (_openai_call, {}),
    "anthropic": (
        _anthropic_call,
        {"provider_type": "anthropic", "auth_header_format": "x-api-key: {{ auth_secret }}"},
    ),
}


@pytest.mark.parametrize("client", sorted(CALLS))
def test_retries_the_configured_number_of_times_with_the_backoff(
    tmp_path: Path, client: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    call, extra = CALLS[client]
    waits: list[float] = []
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    with upstream() as stub:
        network = {"max_retries": 2, "retry_backoff_initial": 2, "retry_backoff_max": 3}
        route = route_for(
            tmp_path, provider(f"http://127.0.0.1:{stub.port}/v1", network=network, **extra)
        )
        stub.behaviour.failures, stub.behaviour.failure_status = 2, 429
        call(route)  # two refusals, then the answer
        assert len(stub.seen) == 3
        assert waits == [0.002, 0.003]  # from retry_backoff_initial, doubled, capped at the max
        stub.behaviour.failures, stub.behaviour.failure_status = 3, 503
        stub.behaviour.retry_after = "0"
        with pytest.raises(Exception) as caught:
            call(route)
        assert len(stub.seen) == 6  # one try and two retries, then the 503 reaches the caller
        assert waits[2:] == [0.0, 0.0]  # Retry-After is followed (up to the max)
    assert "503" in str(caught.value) or getattr(caught.value, "status_code", None) == 503


def test_backoff_grows_from_initial_to_max() -> None:
    route = llmreg.Route(
        "t/p", "t/m", "m", "https://x", {}, {}, backoff_initial=0.5, backoff_max=2.0
    )
    assert [transport._delay(route, n, None) for n in range(4)] == [0.5, 1.0, 2.0, 2.0]
    asked = httpx.Response(429, headers={"Retry-After": "1.5"})
    assert transport._delay(route, 0, asked) == 1.5
    too_long = httpx.Response(429, headers={"Retry-After": "3600"})
    assert transport._delay(route, 0, too_long) == 2.0


def test_every_client_gives_up_after_the_configured_timeout(tmp_path: Path) -> None:
    with upstream() as stub:
        stub.behaviour.slow = True
        url = f"http://127.0.0.1:{stub.port}/v1"
        routes = {
            name: route_for(
                tmp_path / name,
                provider(url, network={"default_request_timeout_in_seconds": 1}, **dict(extra)),
            )
            for name, (_, extra) in CALLS.items()
        }
        timeouts = {
            "httpx": httpx.TimeoutException,
            "openai": openai.APITimeoutError,
            "anthropic": anthropic.APITimeoutError,
        }

        def expect_timeout(name: str) -> type[BaseException]:
            try:
                CALLS[name][0](routes[name])
            except timeouts[name] as error:
                return type(error)
            raise AssertionError(f"{name} did not give up")

        with ThreadPoolExecutor(len(CALLS)) as pool:  # the three waits overlap: one second
            results = dict(zip(CALLS, pool.map(expect_timeout, CALLS), strict=True))
    assert set(results) == set(CALLS)
    assert all(route.timeout == 1.0 for route in routes.values())


def test_async_client_retries_and_sends_the_headers(tmp_path: Path) -> None:
    with upstream() as stub:
        doc = provider(f"http://127.0.0.1:{stub.port}/v1", network={"max_retries": 1})
        route = route_for(tmp_path, doc)
        stub.behaviour.failures = 1

        async def call() -> int:
            async with route.async_httpx_client() as client:
                response = await client.post(route.url("chat"), json=dict(route.body))
            sdk = openai.AsyncOpenAI(**route.openai_kwargs(asynchronous=True))
            await sdk.chat.completions.create(model=route.served_model_name, messages=MESSAGES)
            return response.status_code

        assert asyncio.run(call()) == 200
    assert len(stub.seen) == 3
    assert all(s.headers["authorization"] == f"Bearer {KEY}" for s in stub.seen)


# -- proxy ----------------------------------------------------------------------------------------


def _proxy_config(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "url": url,
        "username": "svc",
        "password_secret_name": "T_PROXY_PASSWORD",
        **extra,
    }


def test_requests_go_through_the_proxy_with_its_credentials(tmp_path: Path, ca: Any) -> None:
    with upstream(server_context(ca, "127.0.0.1")) as stub, proxy("svc", "proxy-pass-4711") as fwd:
        doc = provider(
            f"https://127.0.0.1:{stub.port}/v1",
            network={"ca_cert_pem": pem(ca)},
            proxy_config=_proxy_config(fwd.url),
        )
        route = route_for(tmp_path, doc)
        assert "proxy-pass" not in repr(route)
        _openai_call(route)
        _httpx_call(route)
        assert len(stub.seen) == 2
        assert [(s.method, s.authorized) for s in fwd.seen] == [("CONNECT", True)] * 2
        assert fwd.seen[0].target == f"127.0.0.1:{stub.port}"

        wrong = route_for(tmp_path / "w", doc, secrets={**SECRETS, "T_PROXY_PASSWORD": "nope"})
        with pytest.raises(httpx.ProxyError):
            _httpx_call(wrong)
        with pytest.raises(openai.APIConnectionError):
            _openai_call(wrong)
    assert len(stub.seen) == 2  # nothing passed the proxy without the password


def test_a_missing_proxy_password_names_the_secret(tmp_path: Path) -> None:
    doc = provider("https://llm.example.com/v1", proxy_config=_proxy_config("http://proxy:3128"))
    with pytest.raises(llmreg.MissingSecretError) as caught:
        route_for(tmp_path, doc, secrets={"T_KEY": KEY})
    assert caught.value.secret_name == "T_PROXY_PASSWORD"
    assert "proxy_config.password_secret_name" in str(caught.value)
    assert KEY not in str(caught.value)


def test_a_tls_inspecting_proxy_is_trusted_through_its_ca(tmp_path: Path, ca: Any) -> None:
    proxy_ca = trustme.CA()
    with upstream() as stub, proxy("svc", "proxy-pass-4711") as fwd:
        fwd.intercept = (server_context(proxy_ca, "llm.example.com"), stub)
        config = _proxy_config(fwd.url, ca_cert_pem=pem(proxy_ca))
        doc = provider("https://llm.example.com/v1", proxy_config=config)
        _openai_call(route_for(tmp_path, doc))
        assert stub.seen[0].path == "/v1/chat/completions"
        without = {**doc, "proxy_config": _proxy_config(fwd.url)}
        with pytest.raises(openai.APIConnectionError):
            _openai_call(route_for(tmp_path / "without", without))
    assert len(stub.seen) == 1


# -- TLS ------------------------------------------------------------------------------------------


def test_trusts_exactly_the_configured_ca(tmp_path: Path, ca: Any) -> None:
    with upstream(server_context(ca, "127.0.0.1")) as stub:
        url = f"https://127.0.0.1:{stub.port}/v1"
        _httpx_call(route_for(tmp_path / "a", provider(url, network={"ca_cert_pem": pem(ca)})))
        other = provider(url, network={"ca_cert_pem": pem(trustme.CA())})
        for call in (_httpx_call, _openai_call):
            with pytest.raises((httpx.ConnectError, openai.APIConnectionError)) as caught:
                call(route_for(tmp_path / "b", other))
            assert "CERTIFICATE_VERIFY_FAILED" in repr(caught.value.__cause__ or caught.value)
        with pytest.raises(httpx.ConnectError):  # nor does the usual CA bundle trust it
            _httpx_call(route_for(tmp_path / "c", provider(url)))
        skip = provider(url, network={"insecure_skip_verify": True})
        _httpx_call(route_for(tmp_path / "d", skip))
    assert len(stub.seen) == 2


def test_a_ca_that_does_not_load_is_a_route_error() -> None:
    route = llmreg.Route("t/p", "t/m", "m", "https://x", {}, {}, ca_cert_pem="not a pem")
    with pytest.raises(llmreg.RouteError, match=r"network_config.ca_cert_pem does not load"):
        route.httpx_client()


# -- the private-network guard --------------------------------------------------------------------


@pytest.fixture
def resolves_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """llm.example.com, a public name, resolves to 127.0.0.1 (as a rebinding DNS would)."""
    real = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == "llm.example.com" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.usefixtures("resolves_to_loopback")
def test_a_public_name_resolving_to_an_internal_address_is_refused(tmp_path: Path, ca: Any) -> None:
    with upstream(server_context(ca, "llm.example.com")) as stub:
        url = f"https://llm.example.com:{stub.port}/v1"
        network = {"ca_cert_pem": pem(ca)}
        doc = provider(url, network={**network, "allow_private_network": False})
        route = route_for(tmp_path / "a", doc)
        with pytest.raises(transport.PrivateNetworkError, match=r"127\.0\.0\.1"):
            _httpx_call(route)
        with pytest.raises(openai.APIConnectionError):
            _openai_call(route)

        async def call() -> None:
            async with route.async_httpx_client() as client:
                await client.get(route.url("models"))

        with pytest.raises(transport.PrivateNetworkError):
            asyncio.run(call())
        assert stub.seen == []
        _httpx_call(route_for(tmp_path / "b", provider(url, network=network)))  # allowed
    assert len(stub.seen) == 1


@pytest.mark.usefixtures("resolves_to_loopback")
def test_the_guard_connects_to_the_address_it_checked(
    tmp_path: Path, ca: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend 127.0.0.1 is public: the guard passes, pins the connection to that address, and
    # TLS still verifies the certificate against the name in the URL.
    monkeypatch.setattr(transport, "_is_public", lambda address: True)
    with upstream(server_context(ca, "llm.example.com")) as stub:
        url = f"https://llm.example.com:{stub.port}/v1"
        doc = provider(url, network={"allow_private_network": False, "ca_cert_pem": pem(ca)})
        response = _httpx_call(route_for(tmp_path, doc))
    assert str(response.request.url).startswith("https://llm.example.com:")
    assert stub.seen[0].headers["host"] == f"llm.example.com:{stub.port}"


# -- concurrency ----------------------------------------------------------------------------------


def _one_slot(tmp_path: Path, stub: Upstream) -> llmreg.Route:
    """A route with one request at a time and one waiting, to a stub that answers slowly."""
    doc = provider(
        f"http://127.0.0.1:{stub.port}/v1",
        concurrency_and_buffer_size={"concurrency": 1, "buffer_size": 1},
    )
    stub.behaviour.slow = True
    return route_for(tmp_path, doc)


def test_concurrency_limit_and_buffer(tmp_path: Path) -> None:
    with upstream() as stub:
        route = _one_slot(tmp_path, stub)
        with route.httpx_client() as client, ThreadPoolExecutor(2) as pool:
            running = [pool.submit(client.post, route.url("chat"), json={}) for _ in range(2)]
            gate = client._transport._gate  # type: ignore[attr-defined]  # our RouteTransport
            deadline = time.monotonic() + 5
            while (not stub.seen or gate.waiting < 1) and time.monotonic() < deadline:
                time.sleep(0.01)  # until one request runs upstream and the other waits
            with pytest.raises(transport.QueueFullError):
                client.post(route.url("chat"), json={})  # one running, one waiting: full
            stub.behaviour.hold.set()
            assert [f.result().status_code for f in running] == [200, 200]
    assert stub.most_active == 1 and len(stub.seen) == 2


def test_async_concurrency_limit_and_buffer(tmp_path: Path) -> None:
    with upstream() as stub:
        route = _one_slot(tmp_path, stub)

        async def scenario() -> list[int]:
            async with route.async_httpx_client() as client:
                gate = client._transport._gate  # type: ignore[attr-defined]
                running = [
                    asyncio.create_task(client.post(route.url("chat"), json={})) for _ in range(2)
                ]
                for _ in range(500):  # until one runs upstream and the other waits
                    if stub.seen and gate.waiting == 1:
                        break
                    await asyncio.sleep(0.01)
                with pytest.raises(transport.QueueFullError):
                    await client.post(route.url("chat"), json={})
                stub.behaviour.hold.set()
                return [(await task).status_code for task in running]

        assert asyncio.run(scenario()) == [200, 200]
    assert stub.most_active == 1 and len(stub.seen) == 2


# -- dialects and URLs ----------------------------------------------------------------------------


def test_operation_urls_per_dialect(bundled: llmreg.Registry) -> None:
    reg = bundled
    env = {
        "OPENAI_API_KEY": "k1",
        "AZURE_OPENAI_API_KEY": "k2",
        "CORP_EGRESS_PROXY_PASSWORD": "p",
        "ANTHROPIC_API_KEY": "k3",
        "GEMINI_API_KEY": "k4",
        "GOOGLE_VERTEX_ACCESS_TOKEN": "k5",
    }
    azure = reg.resolve("default/gpt-4o", provider="default/azure-openai", secrets=env)
    assert azure.url("chat") == (
        "https://acme-openai-eastus2.openai.azure.com/openai/deployments/gpt-4o-prod"
        "/chat/completions?api-version=2024-10-21"
    )
    gemini = reg.resolve("default/gemini-2.5-pro", provider="default/gemini", secrets=env)
    assert gemini.url("generate") == (
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent"
    )
    vertex = reg.resolve("default/gemini-2.5-pro", provider="default/vertex-ai", secrets=env)
    assert vertex.url("generate") == (
        "https://us-central1-aiplatform.googleapis.com/v1/projects/acme-ml-prod/locations/"
        "us-central1/publishers/google/models/gemini-2.5-pro:generateContent"
    )
    claude = reg.resolve("default/claude-sonnet-4", provider="default/anthropic", secrets=env)
    assert claude.url("messages") == "https://api.anthropic.com/v1/messages"
    assert claude.anthropic_kwargs()["base_url"] == "https://api.anthropic.com"
    with pytest.raises(llmreg.RouteError, match=r"the anthropic API has no operation 'chat'"):
        claude.url("chat")
    with pytest.raises(llmreg.RouteError, match="not OpenAI's"):
        claude.openai_kwargs()
    with pytest.raises(llmreg.RouteError, match="not Anthropic's"):
        gemini.anthropic_kwargs()
    without_version = dataclasses.replace(azure, api_version=None)
    with pytest.raises(llmreg.RouteError, match="Azure OpenAI needs api_version"):
        without_version.url("chat")


# -- the bundled registry -------------------------------------------------------------------------


def test_bundled_routes_carry_every_network_setting(bundled: llmreg.Registry) -> None:
    reg = bundled
    env = {"AZURE_OPENAI_API_KEY": "k", "CORP_EGRESS_PROXY_PASSWORD": "pw-123"}
    azure = reg.resolve("default/gpt-4o", provider="default/azure-openai", secrets=env)
    assert (azure.timeout, azure.max_retries) == (90.0, 4)
    assert (azure.backoff_initial, azure.backoff_max) == (1.0, 30.0)
    assert (azure.concurrency, azure.buffer_size) == (32, 256)
    assert azure.proxy is not None
    assert (azure.proxy.url, azure.proxy.username, azure.proxy.password) == (
        "http://egress-proxy.corp.example.com:3128",
        "svc-llm-egress",
        "pw-123",
    )
    issuers = {
        dict(part[0] for part in cert["subject"]).get("commonName")
        for cert in azure.ssl_context().get_ca_certs()
    }
    assert "Example Corp Egress Proxy CA" in issuers  # the proxy re-signs: its CA is trusted
    assert "pw-123" not in repr(azure)
    vllm = reg.resolve(
        "research_team_alpha/qwen2.5-coder-32b-instruct",
        provider="research_team_alpha/vllm-gpu-cluster",
        secrets={"VLLM_GPU_CLUSTER_API_KEY": "k"},
    )
    assert vllm.allow_private_network and vllm.concurrency == 16
    [only] = vllm.ssl_context().get_ca_certs()
    assert dict(p[0] for p in only["subject"])["commonName"].startswith("Example Research GPU")


# -- provider choice --------------------------------------------------------------------------


def _two_providers(tmp_path: Path, model: dict[str, Any]) -> llmreg.Registry:
    first = provider("https://a.example.com/v1", name="a", api_key_secret_name="A_KEY")
    second = provider("https://b.example.com/v1", name="b", api_key_secret_name="B_KEY")
    return llmreg.load(write_registry(tmp_path / "two", [first, second, model]))


def test_the_first_provider_with_its_secrets_is_used(tmp_path: Path) -> None:
    reg = _two_providers(tmp_path, MODEL)
    assert reg.resolve("t/m", secrets={"B_KEY": "b"}).provider_id == "t/b"
    assert [
        r.provider_id for r in reg.resolve_all("t/m", secrets={"A_KEY": "a", "B_KEY": "b"})
    ] == [
        "t/a",
        "t/b",
    ]
    with pytest.raises(llmreg.RouteError) as caught:
        reg.resolve("t/m", secrets={})
    assert "'A_KEY'" in str(caught.value) and "'B_KEY'" in str(caught.value)
    with pytest.raises(llmreg.RouteError):
        reg.resolve_all("t/m", secrets={})


def test_preferred_providers_come_first_in_their_order(tmp_path: Path) -> None:
    reg = _two_providers(tmp_path, {**MODEL, "preferred_providers": ["t/b"]})
    both = {"A_KEY": "a", "B_KEY": "b"}
    assert reg.resolve("t/m", secrets=both).provider_id == "t/b"
    assert [r.provider_id for r in reg.resolve_all("t/m", secrets=both)] == ["t/b", "t/a"]
    assert reg.resolve("t/m", secrets={"A_KEY": "a"}).provider_id == "t/a"  # the fallback
    assert (
        reg.model("t/m").config_hash
        != _two_providers(tmp_path / "x", MODEL).model("t/m").config_hash
    )


def test_bundled_gpt_4o_falls_back_to_openai_when_only_its_key_is_set(
    bundled: llmreg.Registry,
) -> None:
    reg = bundled
    route = reg.resolve("default/gpt-4o", secrets={"OPENAI_API_KEY": "sk-only-openai"})
    assert route.provider_id == "default/openai"


def test_import_llmreg_route_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, llmreg.route\n"
        "heavy = {'httpx', 'openai', 'anthropic', 'ssl', 'jinja2'} & set(sys.modules)\n"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
