"""Servers the route tests start on 127.0.0.1: a recording upstream, a forward proxy, TLS.

Everything runs in daemon threads and stops at the end of the test; nothing leaves the machine.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass
class Behaviour:
    """How the upstream answers: ``failures`` times ``failure_status`` first (with
    ``retry_after`` as Retry-After), then success; ``slow`` makes every answer wait until the
    test ends."""

    failures: int = 0
    failure_status: int = 503
    retry_after: str | None = None
    slow: bool = False
    hold: threading.Event = field(default_factory=threading.Event)


OPENAI_REPLY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 0,
    "model": "stub",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}
ANTHROPIC_REPLY = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "stub",
    "content": [{"type": "text", "text": "hi"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 1, "output_tokens": 1},
}


class Upstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _UpstreamHandler)
        self.seen: list[Seen] = []
        self.behaviour = Behaviour()
        self.lock = threading.Lock()
        self.active = 0
        self.most_active = 0

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _UpstreamHandler(BaseHTTPRequestHandler):
    server: Upstream
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        server = self.server
        target = urlsplit(self.path)
        path = target.path
        with server.lock:
            server.seen.append(
                Seen(
                    self.command,
                    path,
                    target.query,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
            )
            failing = server.behaviour.failures > 0
            if failing:
                server.behaviour.failures -= 1
            server.active += 1
            server.most_active = max(server.most_active, server.active)
        try:
            if server.behaviour.slow:
                server.behaviour.hold.wait(10)
            if failing:
                status, reply = server.behaviour.failure_status, {"error": {"message": "busy"}}
            else:
                status = 200
                reply = ANTHROPIC_REPLY if path.endswith("/messages") else OPENAI_REPLY
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if failing and server.behaviour.retry_after is not None:
                self.send_header("Retry-After", server.behaviour.retry_after)
            self.end_headers()
            self.wfile.write(data)
        finally:
            with server.lock:
                server.active -= 1

    do_GET = do_POST = _answer


@contextmanager
def _serving(server: ThreadingHTTPServer) -> Iterator[None]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def upstream(tls: ssl.SSLContext | None = None) -> Iterator[Upstream]:
    server = Upstream()
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    with _serving(server):
        try:
            yield server
        finally:
            server.behaviour.hold.set()  # let slow answers end before the shutdown


# -- a forward proxy ------------------------------------------------------------------------------


@dataclass
class ProxySeen:
    method: str
    target: str
    authorized: bool


class Proxy(ThreadingHTTPServer):
    """CONNECT and absolute-form forwarding, with Basic proxy credentials required.

    With ``intercept`` (a server TLS context and the upstream to hand requests to) it ends the
    client's TLS itself, as a TLS-inspecting corporate proxy does, instead of tunnelling.
    """

    daemon_threads = True

    def __init__(self, user: str, password: str) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.seen: list[ProxySeen] = []
        self.intercept: tuple[ssl.SSLContext, Upstream] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(BaseHTTPRequestHandler):
    server: Proxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _authorized(self) -> bool:
        ok = self.headers.get("Proxy-Authorization") == self.server.expected
        self.server.seen.append(ProxySeen(self.command, self.path, ok))
        if not ok:
            self.send_response(407)
            self.send_header("Proxy-Authenticate", 'Basic realm="test"')
            self.send_header("Content-Length", "0")
            self.end_headers()
        return ok

    def do_CONNECT(self) -> None:
        if not self._authorized():
            return
        self.send_response(200)
        self.end_headers()
        self.close_connection = True
        if self.server.intercept is not None:
            context, target = self.server.intercept
            tls = context.wrap_socket(self.connection, server_side=True)
            _UpstreamHandler(tls, self.client_address, target)
            return
        host, _, port = self.path.rpartition(":")
        with socket.create_connection((host, int(port)), timeout=5) as remote:
            _pipe(self.connection, remote)

    def _forward(self) -> None:
        if not self._authorized():
            return
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        head = [f"{self.command} {parts.path or '/'} HTTP/1.1"]
        head += [f"{k}: {v}" for k, v in self.headers.items() if k.lower() != "proxy-authorization"]
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=5) as remote:
            remote.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            self.close_connection = True
            _pipe(self.connection, remote)

    do_GET = do_POST = _forward


def _pipe(a: socket.socket, b: socket.socket) -> None:
    def copy(source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            with suppress(OSError):
                target.shutdown(socket.SHUT_WR)

    other = threading.Thread(target=copy, args=(b, a), daemon=True)
    other.start()
    copy(a, b)
    other.join(5)


@contextmanager
def proxy(user: str, password: str) -> Iterator[Proxy]:
    server = Proxy(user, password)
    with _serving(server):
        yield server
