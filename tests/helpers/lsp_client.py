"""A Language Server Protocol client over a subprocess's standard input and output, written
against the specification (JSON-RPC 2.0, ``Content-Length`` framing) rather than with pygls,
so that the server is judged by something that does not share its code. Used by
tests/cli/test_lsp.py and by the lsp-change case of benchmarks/run.py.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

Message = dict[str, Any]
# Only a guard against a hung server; nothing is asserted about how long a step takes.
PATIENCE_S = 120.0


class LspError(AssertionError):
    """The server broke the protocol, answered with an error, or went silent."""


def file_uri(path: Path) -> str:
    return path.resolve().as_uri()


class LspClient:
    def __init__(
        self,
        argv: Sequence[str],
        cwd: Path,
        stderr: IO[bytes] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr if stderr is not None else subprocess.DEVNULL,
        )
        self._next_id = 0
        self._write_lock = threading.Lock()
        self._inbox: queue.Queue[Message | None] = queue.Queue()
        self.server_requests: list[Message] = []  # requests the server made (answered null)
        self.log: list[str] = []  # window/logMessage texts
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # -- framing ---------------------------------------------------------------------------

    def _send(self, message: Message) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        with self._write_lock:
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()

    def _read_message(self, stream: IO[bytes]) -> Message | None:
        length = None
        while True:
            line = stream.readline()
            if not line:
                return None
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("ascii").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            raise LspError("a message without Content-Length")
        body = stream.read(length)
        message: Message = json.loads(body.decode("utf-8"))
        return message

    def _read_loop(self) -> None:
        assert self.process.stdout is not None
        try:
            while True:
                message = self._read_message(self.process.stdout)
                if message is None:
                    break
                if "method" in message and "id" in message:  # a request from the server
                    self.server_requests.append(message)
                    self._send({"id": message["id"], "result": None})
                    continue
                if message.get("method") == "window/logMessage":
                    self.log.append(message["params"]["message"])
                self._inbox.put(message)
        finally:
            self._inbox.put(None)

    # -- requests and notifications ----------------------------------------------------------

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self._next_id += 1
        ident = self._next_id
        self._send({"id": ident, "method": method, "params": params})
        reply = self.wait(lambda m: m.get("id") == ident and "method" not in m)
        if "error" in reply:
            raise LspError(f"{method}: {reply['error']}")
        return reply.get("result")

    def wait(self, wanted: Callable[[Message], bool], patience: float = PATIENCE_S) -> Message:
        """The next message ``wanted`` accepts; the ones before it are dropped."""
        deadline = time.monotonic() + patience
        while True:
            left = deadline - time.monotonic()
            try:
                message = self._inbox.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise LspError("no answer from the server") from None
            if message is None:
                raise LspError(f"the server closed its output (exit code {self.process.poll()})")
            if wanted(message):
                return message

    def diagnostics(self, uri: str) -> list[Message]:
        """The next diagnostics published for ``uri``."""
        message = self.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
            )
        )
        found: list[Message] = message["params"]["diagnostics"]
        return found

    # -- the session -------------------------------------------------------------------------

    def initialize(self, root: Path) -> Any:
        result = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": file_uri(root),
                "workspaceFolders": [{"uri": file_uri(root), "name": root.name}],
                "capabilities": {
                    "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}},
                    "textDocument": {"publishDiagnostics": {"versionSupport": True}},
                },
            },
        )
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str, version: int = 1) -> str:
        uri = file_uri(path)
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "yaml", "version": version, "text": text}},
        )
        return uri

    def change(self, uri: str, version: int, text: str, range_: Message | None = None) -> None:
        """A full change, or with ``range_`` an incremental one replacing that range."""
        change: Message = {"text": text} if range_ is None else {"range": range_, "text": text}
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
        )

    def close(self) -> int:
        """shutdown, exit, and the server's exit code."""
        self.request("shutdown", None)
        self.notify("exit", None)
        try:
            return self.process.wait(timeout=PATIENCE_S)
        finally:
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
