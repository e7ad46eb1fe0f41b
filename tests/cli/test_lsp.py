"""``llmreg lsp`` driven as an editor drives it: a real ``python -m llmreg lsp`` subprocess, spoken
to over its standard input and output (tests/helpers/lsp_client.py, written from the
specification, not with pygls). What it publishes for an unsaved text must be what
``llmreg check --format json FILE`` reports once that text is on disk: rule ids, lines,
columns, messages and severities, with the settings and suppression comments applied.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers.lsp_client import LspClient, LspError

pytest.importorskip("pygls")

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SETTINGS = """\
[tool.llmreg]
registry = "providers.d"
severity = { unresolved-reference = "warning" }
"""
SECRET = "sk-proj-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCD"


def _utf16_column(text: str, line: int, column: int) -> int:
    """A 1-based column in characters as the 0-based UTF-16 offset LSP counts."""
    lines = text.splitlines()
    prefix = lines[line - 1][: column - 1] if line <= len(lines) else ""
    return len(prefix.encode("utf-16-le")) // 2


def _check(project: Path, path: Path, text: str) -> list[tuple[str, int, int, str, str]]:
    """``llmreg check --format json`` of ``text`` written to ``path``, as LSP would place it."""
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "llmreg", "check", "--format", "json", "--no-cache", str(path)],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    return sorted(
        (
            d["rule"],
            d["line"] - 1,
            _utf16_column(text, d["line"], d["column"]),
            d["message"],
            d["severity"],
        )
        for d in report["diagnostics"]
    )


def _published(diagnostics: list[dict[str, Any]]) -> list[tuple[str, int, int, str, str]]:
    severities = {1: "error", 2: "warning"}
    for d in diagnostics:
        assert d["source"] == "llmreg"
        start, end = d["range"]["start"], d["range"]["end"]
        assert (end["line"], end["character"]) >= (start["line"], start["character"])
    return sorted(
        (
            d["code"],
            d["range"]["start"]["line"],
            d["range"]["start"]["character"],
            d["message"],
            severities[d["severity"]],
        )
        for d in diagnostics
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder holding the unresolved-reference golden registry and settings that
    grade that rule as a warning."""
    root = tmp_path / "project"
    shutil.copytree(GOLDEN / "invalid" / "unresolved-reference", root / "providers.d")
    (root / "pyproject.toml").write_text(SETTINGS, encoding="utf-8")
    return root


@pytest.fixture
def server(project: Path, tmp_path: Path) -> Any:
    with (tmp_path / "server.err").open("wb") as stderr:
        client = LspClient(
            [sys.executable, "-m", "llmreg", "lsp", "--cache-dir", str(tmp_path / "cache")],
            cwd=project,
            stderr=stderr,
        )
        try:
            yield client
        finally:
            client.kill()
    assert "Traceback" not in (tmp_path / "server.err").read_text(errors="replace")


def test_changes_publish_what_check_reports(server: LspClient, project: Path) -> None:
    capabilities = server.initialize(project)["capabilities"]
    assert capabilities["textDocumentSync"]["change"] == 2  # incremental
    model = project / "providers.d" / "default" / "models" / "gpt-4o.yaml"
    provider = project / "providers.d" / "default" / "providers" / "p.yaml"
    original = model.read_text(encoding="utf-8")

    uri = server.open(model, original)
    found = _published(server.diagnostics(uri))
    assert [f[0] for f in found] == ["unresolved-reference"]
    assert found[0][4] == "warning"  # the settings' severity
    assert found == _check(project, model, original)

    # unsaved: an inline secret after a character of two UTF-16 code units, another
    # unresolved reference and a suppressed finding
    edited = original.replace("other/gpt-4o", "elsewhere/gpt-9") + (
        f"params:\n  \U0001f680 note: {SECRET}\n  flag: yes  # llmreg: ignore[yaml11-ambiguous]\n"
    )
    server.change(uri, 2, edited)
    found = _published(server.diagnostics(uri))
    assert sorted({f[0] for f in found}) == ["inline-secret", "unresolved-reference"]
    assert SECRET not in json.dumps(found)
    assert found == _check(project, model, edited)

    # incremental: the reference (line 4) now resolves, to the model itself
    line = edited.splitlines()[3]
    start = line.index("elsewhere/gpt-9")
    server.change(
        uri,
        3,
        "default/gpt-4o",
        {
            "start": {"line": 3, "character": start},
            "end": {"line": 3, "character": start + len("elsewhere/gpt-9")},
        },
    )
    resolved = edited.replace("elsewhere/gpt-9", "default/gpt-4o")
    found = _published(server.diagnostics(uri))
    assert [f[0] for f in found] == ["inline-secret", "reference-cycle"]
    assert found == _check(project, model, resolved)

    # another open file whose cross-file findings move with this one is published again
    provider_uri = server.open(provider, provider.read_text(encoding="utf-8"))
    before = _published(server.diagnostics(provider_uri))
    assert [f[0] for f in before] == ["unresolved-reference"]  # default/gpt-5o
    renamed = resolved.replace("name: gpt-4o", "name: gpt-5o")
    server.change(uri, 4, renamed)
    assert _published(server.diagnostics(uri)) == _check(project, model, renamed)
    after = _published(server.diagnostics(provider_uri))
    assert after == _check(project, provider, provider.read_text(encoding="utf-8"))
    assert after != before  # gpt-5o is defined now, gpt-4o is not

    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert server.diagnostics(uri) == []
    assert server.close() == 0


def test_bad_input_never_stops_the_server(server: LspClient, project: Path, tmp_path: Path) -> None:
    server.initialize(project)
    models = project / "providers.d" / "default" / "models"
    cases = {
        "broken.yaml": ("kind: Model\nname: [unclosed\n", "yaml-syntax"),
        "binary.yaml": ("kind: Model\x00\x01\x02\n", "encoding"),
        "huge.yaml": ("# " + "x" * 2_000_000 + "\n", "yaml-limit"),
        "lone.yaml": ("kind: Model\nname: \ud800\n", "encoding"),
    }
    for name, (text, rule) in cases.items():
        uri = server.open(models / name, text)
        assert rule in {d["code"] for d in server.diagnostics(uri)}, name
    # a file outside any registry is checked on its own (no reference rules)
    outside = tmp_path / "loose.yaml"
    text = GOLDEN / "invalid" / "unresolved-reference" / "default" / "models" / "gpt-4o.yaml"
    uri = server.open(outside, text.read_text(encoding="utf-8"))
    assert _published(server.diagnostics(uri)) == _check(project, outside, text.read_text())
    # a buffer that is not a file yet
    untitled = "untitled:Untitled-1"
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": untitled, "languageId": "yaml", "version": 1, "text": "- 1\n"}},
    )
    assert {d["code"] for d in server.diagnostics(untitled)} == {"not-a-mapping"}
    assert server.close() == 0


def test_a_registry_that_does_not_exist_is_logged(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    client = LspClient(
        [sys.executable, "-m", "llmreg", "lsp", "--no-cache", "--registry", "nowhere"], cwd=root
    )
    try:
        client.initialize(root)
        uri = client.open(root / "nowhere" / "default" / "models" / "m.yaml", "kind: Model\n")
        assert {d["code"] for d in client.diagnostics(uri)} == {"schema"}
        assert any("is not a folder" in line for line in client.log)
        assert client.close() == 0
    finally:
        client.kill()


def test_an_unknown_request_is_an_error_not_a_crash(server: LspClient, project: Path) -> None:
    server.initialize(project)
    with pytest.raises(LspError):
        server.request("llmreg/nothing", {})
    assert server.close() == 0


def test_without_pygls_it_says_what_to_install(tmp_path: Path) -> None:
    hide = "import sys; sys.modules['pygls'] = None; from llmreg.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", hide, "lsp"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "llmreg: the language server needs pygls: pip install 'llmreg[lsp]'"
    ]


def test_each_workspace_folder_has_its_settings_and_registry(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    client = LspClient([sys.executable, "-m", "llmreg", "lsp", "--no-cache"], cwd=tmp_path)
    try:
        client.initialize(other)
        model = project / "providers.d" / "default" / "models" / "gpt-4o.yaml"
        uri = client.open(model, model.read_text(encoding="utf-8"))
        # outside every folder: checked as from the first folder, where it is in no registry
        assert client.diagnostics(uri) == []
        client.notify(
            "workspace/didChangeWorkspaceFolders",
            {"event": {"added": [{"uri": project.as_uri(), "name": "project"}], "removed": []}},
        )
        found = _published(client.diagnostics(uri))
        assert [(f[0], f[4]) for f in found] == [("unresolved-reference", "warning")]
        assert client.close() == 0
    finally:
        client.kill()


def test_files_created_and_deleted_on_disk_republish(server: LspClient, project: Path) -> None:
    server.initialize(project)
    provider = project / "providers.d" / "default" / "providers" / "p.yaml"
    uri = server.open(provider, provider.read_text(encoding="utf-8"))
    assert [d["code"] for d in server.diagnostics(uri)] == ["unresolved-reference"]
    # asked for while handling 'initialized', so before these diagnostics were sent
    (request,) = server.server_requests
    assert request["method"] == "client/registerCapability"
    created = project / "providers.d" / "default" / "models" / "gpt-5o.yaml"
    created.write_text("kind: Model\nworkspace: default\nname: gpt-5o\n", encoding="utf-8")
    changes = [{"uri": created.as_uri(), "type": 1}]  # Created
    server.notify("workspace/didChangeWatchedFiles", {"changes": changes})
    assert server.diagnostics(uri) == []  # default/gpt-5o is defined now
    created.unlink()
    changes = [{"uri": created.as_uri(), "type": 3}]  # Deleted
    server.notify("workspace/didChangeWatchedFiles", {"changes": changes})
    assert [d["code"] for d in server.diagnostics(uri)] == ["unresolved-reference"]
    assert server.close() == 0
