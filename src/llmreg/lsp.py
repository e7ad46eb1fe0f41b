"""``llmreg lsp``: the Language Server Protocol over standard input and output (pygls).

The protocol only: the registry in memory and what a change re-checks are
:class:`llmreg.workspace.Session`'s. This module turns the editor's notifications into the
session's events and its findings into ``textDocument/publishDiagnostics``: ``code`` the rule
id, ``source`` "llmreg", positions converted from llmreg's 1-based lines and columns (counted in
characters, as libyaml counts them) to LSP's 0-based lines and UTF-16 code units.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from llmreg import __version__
from llmreg.diagnostics import Diagnostic
from llmreg.workspace import Session, check_alone

NAME = "llmreg"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # LSP's line breaks
_COMMENT = re.compile(r"[ \t]#")  # where a YAML comment starts (a '#' after a blank)
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
}
P = TypeVar("P")


def _utf16(text: str) -> int:
    """The length of ``text`` in UTF-16 code units, LSP's default position encoding."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def lsp_range(finding: Diagnostic, lines: Sequence[str]) -> types.Range:
    """From the finding's position to the end of its line's text (a trailing comment and
    blanks left out), in LSP's 0-based lines and UTF-16 columns; clamped to the text."""
    line = min(max(finding.line - 1, 0), max(len(lines) - 1, 0))
    text = lines[line] if lines else ""
    start = min(max(finding.column - 1, 0), len(text))
    comment = _COMMENT.search(text, start)
    end = len(text[: comment.start() if comment else len(text)].rstrip())
    if end <= start:
        end = len(text)
    return types.Range(
        start=types.Position(line=line, character=_utf16(text[:start])),
        end=types.Position(line=line, character=_utf16(text[:end])),
    )


def lsp_diagnostics(findings: Sequence[Diagnostic], text: str) -> list[types.Diagnostic]:
    lines = _LINE_BREAK.split(text)
    return [
        types.Diagnostic(
            range=lsp_range(d, lines),
            message=d.message,
            severity=_SEVERITY[d.severity],
            code=d.rule,
            source=NAME,
        )
        for d in findings
    ]


class LlmregServer(LanguageServer):
    """A pygls server holding one :class:`Session`; the handlers are registered by
    :func:`make_server`."""

    def __init__(
        self,
        registry: Path | None = None,
        config: Path | None = None,
        cache_dir: Path | None = None,
        use_cache: bool = True,
    ) -> None:
        super().__init__(
            NAME, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental
        )
        self.options = (registry, config, cache_dir, use_cache)
        self.session = self._session([])
        self.uris: dict[Path, str] = {}  # each open file's URI as the editor spells it
        self.versions: dict[Path, int] = {}

    def _session(self, roots: list[Path]) -> Session:
        registry, config, cache_dir, use_cache = self.options
        return Session(
            roots=roots,
            registry=registry,
            config=config,
            cache_dir=cache_dir,
            use_cache=use_cache,
            log=self.log,
        )

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=f"llmreg: {message}"))

    def publish(self, found: dict[Path, list[Diagnostic]]) -> None:
        for path, findings in found.items():
            uri = self.uris.get(path)
            if uri is None:
                continue
            text = self.session.texts.get(path, "")
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=uri,
                    diagnostics=lsp_diagnostics(findings, text),
                    version=self.versions.get(path),
                )
            )

    def guarded(self, what: str, event: Callable[[], None]) -> None:
        """Run one event; a failure is logged with its traceback and the server goes on (it is
        a bug in llmreg, as exit code 3 is for ``llmreg check``)."""
        try:
            event()
        except Exception as exc:  # the server must outlive any one file
            self.log(
                f"internal error on {what}: {exc.__class__.__name__}: {exc} (a bug in llmreg; "
                f"please report it)\n{traceback.format_exc()}",
                types.MessageType.Error,
            )


def _path(uri: str) -> Path | None:
    """The resolved path of a ``file:`` URI; None for other schemes (an unsaved buffer)."""
    if not uri.startswith("file:"):
        return None
    fs_path = to_fs_path(uri)
    return Path(fs_path).resolve() if fs_path else None


def _roots(params: types.InitializeParams) -> list[Path]:
    uris = [folder.uri for folder in params.workspace_folders or []]
    if not uris and params.root_uri:
        uris = [params.root_uri]
    return [p for p in (_path(uri) for uri in uris) if p is not None]


def make_server(
    registry: Path | None = None,
    config: Path | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
) -> LlmregServer:
    server = LlmregServer(registry, config, cache_dir, use_cache)

    @server.feature(types.INITIALIZE)
    def initialize(ls: LlmregServer, params: types.InitializeParams) -> None:
        ls.session = ls._session(_roots(params))

    @server.feature(types.INITIALIZED)
    def initialized(ls: LlmregServer, params: types.InitializedParams) -> None:
        ls.guarded("initialized", lambda: _watch_files(ls))

    def text_changed(ls: LlmregServer, uri: str, version: int | None) -> None:
        text = ls.workspace.get_text_document(uri).source
        path = _path(uri)
        if path is None:
            # a buffer not saved yet: checked on its own, as a file outside any registry
            found = check_alone(Path(uri), text, ls.session.project_of(Path.cwd()).settings)
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=uri, diagnostics=lsp_diagnostics(found, text), version=version
                )
            )
            return
        ls.uris[path] = uri
        if version is not None:
            ls.versions[path] = version
        ls.publish(ls.session.set_text(path, text))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LlmregServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        ls.guarded(
            f"opening {document.uri}", lambda: text_changed(ls, document.uri, document.version)
        )

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LlmregServer, params: types.DidChangeTextDocumentParams) -> None:
        document = params.text_document
        ls.guarded(
            f"a change of {document.uri}",
            lambda: text_changed(ls, document.uri, document.version),
        )

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LlmregServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri

        def close() -> None:
            path = _path(uri)
            if path is None:
                ls.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
                )
                return
            found = ls.session.close(path)
            ls.publish({p: f for p, f in found.items() if p != path})
            ls.uris.pop(path, None)
            ls.versions.pop(path, None)
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )

        ls.guarded(f"closing {uri}", close)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LlmregServer, params: types.DidSaveTextDocumentParams) -> None:
        path = _path(params.text_document.uri)
        if path is not None:
            ls.guarded(f"saving {path}", lambda: ls.publish(ls.session.on_disk(path)))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def files_changed(ls: LlmregServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            path = _path(change.uri)
            if path is not None:
                ls.guarded(
                    f"the change of {path} on disk",
                    lambda: ls.publish(ls.session.on_disk(path)),  # noqa: B023 - run at once
                )

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders_changed(ls: LlmregServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        def refold() -> None:
            # pygls has applied the change to its own list of folders by now
            uris = [folder.uri for folder in ls.workspace.folders.values()]
            ls.session.roots = [p for p in (_path(uri) for uri in uris) if p is not None]
            ls.publish(ls.session.reload())

        ls.guarded("the change of workspace folders", refold)

    return server


def _watch_files(ls: LlmregServer) -> None:
    """Ask the client to report definition files and settings changed on disk, when it can
    register that dynamically (VS Code and Neovim can; otherwise saves of open files still
    arrive as didSave)."""
    capabilities = ls.client_capabilities.workspace
    watched = capabilities.did_change_watched_files if capabilities else None
    if not (watched and watched.dynamic_registration):
        return
    ls.client_register_capability(
        types.RegistrationParams(
            registrations=[
                types.Registration(
                    id="llmreg-watched-files",
                    method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=types.DidChangeWatchedFilesRegistrationOptions(
                        watchers=[
                            types.FileSystemWatcher(glob_pattern="**/*.{yaml,yml}"),
                            types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
                        ]
                    ),
                )
            ]
        )
    )


def serve(
    registry: Path | None = None,
    config: Path | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
) -> None:
    """Serve over standard input and output until the client says exit."""
    make_server(registry, config, cache_dir, use_cache).start_io()
