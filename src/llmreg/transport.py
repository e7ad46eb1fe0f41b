"""httpx clients made from a Route: retries with backoff, proxy, TLS trust, concurrency limit and
the call-time private-network guard. Imported only when a client is asked for (needs httpx).

The SDKs moved from ``httpx`` to its successor ``httpx2`` (same API, other package): this
module is loaded once per library (``llmreg.route.transport_for``), ``httpx`` bound to it.
Everything is done with public httpx API: the retries, the limit and the guard wrap an
``httpx.HTTPTransport``; the guard resolves the host itself and connects to the address it
checked (the ``sni_hostname`` extension keeps TLS verifying the name), so a DNS answer that
changes between the check and the connection cannot reach an internal address.
"""

from __future__ import annotations

import asyncio
import email.utils
import importlib
import ipaddress
import itertools
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

from llmreg.route import load_ca, upstream_context

if TYPE_CHECKING:
    import httpx

    from llmreg.route import Route
else:
    httpx = importlib.import_module(globals().get("HTTP_LIBRARY", "httpx"))


RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


class PrivateNetworkError(httpx.ConnectError):
    """The host resolves to a private, loopback or link-local address and the provider does
    not set network_config.allow_private_network."""


class QueueFullError(httpx.TransportError):
    """concurrency requests are running and buffer_size more are waiting: refused at once."""


# -- proxy and limits ---------------------------------------------------------------------------


def _proxy(route: Route) -> httpx.Proxy | None:
    proxy = route.proxy
    if proxy is None:
        return None
    context = None
    if proxy.ca_cert_pem and proxy.url.lower().startswith("https:"):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        load_ca(context, proxy.ca_cert_pem, route, "proxy_config")
    auth = None
    if proxy.username is not None or proxy.password is not None:
        auth = (proxy.username or "", proxy.password or "")
    return httpx.Proxy(proxy.url, auth=auth, ssl_context=context)


def _limits(route: Route) -> httpx.Limits:
    if route.concurrency is None:
        return httpx.Limits()
    return httpx.Limits(max_connections=route.concurrency)


# -- the private-network guard -----------------------------------------------------------------


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _refuse(host: str, address: str, request: httpx.Request) -> PrivateNetworkError:
    return PrivateNetworkError(
        f"{host} resolves to the internal address {address}; set "
        "network_config.allow_private_network: true if this provider is meant to be internal",
        request=request,
    )


def _pinned(request: httpx.Request, infos: list[Any]) -> httpx.Request:
    """``request`` sent to the checked address of its host (every address must be public)."""
    host = request.url.host
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        if not _is_public(address):
            raise _refuse(host, address, request)
    if not addresses:
        raise httpx.ConnectError(f"{host} does not resolve", request=request)
    extensions = dict(request.extensions)
    if request.url.scheme == "https":
        extensions.setdefault("sni_hostname", host)
    # The Host header was set from the original URL and stays; only the connection is pinned.
    return httpx.Request(
        request.method,
        request.url.copy_with(host=addresses[0]),
        headers=request.headers,
        stream=request.stream,
        extensions=extensions,
    )


def _guarded(route: Route) -> bool:
    # Through a proxy the proxy resolves the name; the guard is then the proxy's to apply.
    return not route.allow_private_network and route.proxy is None


def _port(request: httpx.Request) -> int:
    return request.url.port or (443 if request.url.scheme == "https" else 80)


# -- retries ------------------------------------------------------------------------------------


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _delay(route: Route, attempt: int, response: httpx.Response | None) -> float:
    """Exponential backoff from backoff_initial, capped at backoff_max; Retry-After within it."""
    delay: float = min(route.backoff_initial * 2.0**attempt, route.backoff_max)
    if response is not None:
        asked = _retry_after(response)
        if asked is not None:
            delay = min(asked, route.backoff_max)
    return delay


def _retry_wait(
    route: Route,
    attempt: int,
    *,
    response: httpx.Response | None = None,
    error: Exception | None = None,
) -> float | None:
    """Seconds to wait before sending again, or None to hand the answer or error over."""
    if attempt >= route.max_retries:
        return None
    if error is not None:
        return _delay(route, attempt, None) if _retryable(error) else None
    if response is None or response.status_code not in RETRY_STATUSES:
        return None
    return _delay(route, attempt, response)


def _retryable(error: Exception) -> bool:
    if isinstance(error, (PrivateNetworkError, QueueFullError)):
        return False
    if not isinstance(error, (httpx.TimeoutException, httpx.NetworkError)):
        return False
    cause: BaseException | None = error
    while cause is not None:  # a certificate the configured trust refuses stays refused
        if isinstance(cause, ssl.SSLCertVerificationError):
            return False
        cause = cause.__cause__ or cause.__context__
    return True


# -- concurrency --------------------------------------------------------------------------------


class _Gate:
    """At most ``concurrency`` requests at once, ``buffer_size`` more waiting, the rest refused."""

    def __init__(self, route: Route) -> None:
        self.concurrency = route.concurrency
        self.buffer = route.buffer_size or 0
        self.wait = route.timeout
        self.active = 0
        self.waiting = 0

    def full(self, request: httpx.Request) -> QueueFullError:
        return QueueFullError(
            f"{self.concurrency} requests are running and {self.waiting} waiting "
            "(concurrency_and_buffer_size); request refused",
            request=request,
        )


class _SyncGate(_Gate):
    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.condition = threading.Condition()

    def enter(self, request: httpx.Request) -> None:
        if self.concurrency is None:
            return
        limit = self.concurrency
        with self.condition:
            if self.active >= limit:
                if self.waiting >= self.buffer:
                    raise self.full(request)
                self.waiting += 1
                try:
                    free = self.condition.wait_for(lambda: self.active < limit, self.wait)
                finally:
                    self.waiting -= 1
                if not free:
                    raise httpx.PoolTimeout("no free slot in time", request=request)
            self.active += 1

    def leave(self) -> None:
        if self.concurrency is None:
            return
        with self.condition:
            self.active -= 1
            self.condition.notify()


class _AsyncGate(_Gate):
    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.condition: asyncio.Condition | None = None

    async def enter(self, request: httpx.Request) -> None:
        if self.concurrency is None:
            return
        limit = self.concurrency
        if self.condition is None:
            self.condition = asyncio.Condition()
        async with self.condition:
            if self.active >= limit:
                if self.waiting >= self.buffer:
                    raise self.full(request)
                self.waiting += 1
                try:
                    await asyncio.wait_for(
                        self.condition.wait_for(lambda: self.active < limit), self.wait
                    )
                except asyncio.TimeoutError:
                    raise httpx.PoolTimeout("no free slot in time", request=request) from None
                finally:
                    self.waiting -= 1
            self.active += 1

    async def leave(self) -> None:
        if self.concurrency is None or self.condition is None:
            return
        async with self.condition:
            self.active -= 1
            self.condition.notify()


class _ReleasingStream(httpx.SyncByteStream):
    def __init__(self, stream: httpx.SyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class _AsyncReleasingStream(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], Any]) -> None:
        self._stream = stream
        self._release: Callable[[], Any] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                await release()


# -- transports ---------------------------------------------------------------------------------


class RouteTransport(httpx.BaseTransport):
    """Concurrency limit, then retries with backoff, then the guard, around an HTTPTransport."""

    def __init__(self, route: Route, inner: httpx.BaseTransport) -> None:
        self._route = route
        self._inner = inner
        self._gate = _SyncGate(route)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # a retry sends the body again
        self._gate.enter(request)
        try:
            response = self._with_retries(request)
        except BaseException:
            self._gate.leave()
            raise
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_ReleasingStream(response.stream, self._gate.leave),
            extensions=response.extensions,
        )

    def _with_retries(self, request: httpx.Request) -> httpx.Response:
        for attempt in itertools.count():
            try:
                response = self._inner.handle_request(self._connect_to(request))
            except Exception as error:
                wait = _retry_wait(self._route, attempt, error=error)
                if wait is None:
                    raise
                time.sleep(wait)
                continue
            wait = _retry_wait(self._route, attempt, response=response)
            if wait is None:
                return response
            response.close()
            time.sleep(wait)
        raise AssertionError("unreachable")

    def _connect_to(self, request: httpx.Request) -> httpx.Request:
        if not _guarded(self._route):
            return request
        try:
            infos = socket.getaddrinfo(request.url.host, _port(request), type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        return _pinned(request, infos)

    def close(self) -> None:
        self._inner.close()


class AsyncRouteTransport(httpx.AsyncBaseTransport):
    """The asyncio counterpart of :class:`RouteTransport`."""

    def __init__(self, route: Route, inner: httpx.AsyncBaseTransport) -> None:
        self._route = route
        self._inner = inner
        self._gate = _AsyncGate(route)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        await self._gate.enter(request)
        try:
            response = await self._with_retries(request)
        except BaseException:
            await self._gate.leave()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_AsyncReleasingStream(response.stream, self._gate.leave),
            extensions=response.extensions,
        )

    async def _with_retries(self, request: httpx.Request) -> httpx.Response:
        for attempt in itertools.count():
            try:
                target = await self._connect_to(request)
                response = await self._inner.handle_async_request(target)
            except Exception as error:
                wait = _retry_wait(self._route, attempt, error=error)
                if wait is None:
                    raise
                await asyncio.sleep(wait)
                continue
            wait = _retry_wait(self._route, attempt, response=response)
            if wait is None:
                return response
            await response.aclose()
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _connect_to(self, request: httpx.Request) -> httpx.Request:
        if not _guarded(self._route):
            return request
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(
                request.url.host, _port(request), type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        return _pinned(request, infos)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _client_options(route: Route, with_defaults: bool, options: dict[str, Any]) -> dict[str, Any]:
    settings: dict[str, Any] = {"timeout": route.timeout, "trust_env": False}
    if with_defaults:
        settings["base_url"] = route.base_url
        settings["headers"] = dict(route.headers)
    settings.update(options)
    return settings


def sync_client(route: Route, *, with_defaults: bool, **options: Any) -> httpx.Client:
    inner = httpx.HTTPTransport(
        verify=upstream_context(route), proxy=_proxy(route), limits=_limits(route), trust_env=False
    )
    transport = RouteTransport(route, inner)
    return httpx.Client(transport=transport, **_client_options(route, with_defaults, options))


def async_client(route: Route, *, with_defaults: bool, **options: Any) -> httpx.AsyncClient:
    inner = httpx.AsyncHTTPTransport(
        verify=upstream_context(route), proxy=_proxy(route), limits=_limits(route), trust_env=False
    )
    transport = AsyncRouteTransport(route, inner)
    return httpx.AsyncClient(transport=transport, **_client_options(route, with_defaults, options))
