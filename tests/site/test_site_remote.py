"""``llmreg build --site`` served by ``python -m http.server`` on 127.0.0.1, read back with
``llmreg.load_url`` and ``Watcher(URL)``."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import llmreg
from llmreg.cli import main
from llmreg.remote import UrlWatcher

BUNDLED = Path(__file__).resolve().parents[2] / "providers.d"
# Past modification times, one per deploy: Last-Modified then differs from the response Date
DEPLOYS = itertools.count(1_600_000_000, 1000)


def build(registry_dir: Path, site: Path) -> None:
    assert main(["build", "--site", str(site), "--registry", str(registry_dir)]) == 0
    # What a deploy does over seconds, set explicitly: the snapshot's Last-Modified is a
    # usable validator only when it is older than the moment it is served.
    snapshot = site / "registry.snapshot.json"
    stamp = next(DEPLOYS)
    os.utime(snapshot, (stamp, stamp))


@pytest.fixture
def registry_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "registry"
    shutil.copytree(BUNDLED, folder)
    return folder


@pytest.fixture
def site(tmp_path: Path, registry_dir: Path) -> Path:
    folder = tmp_path / "site"
    build(registry_dir, folder)
    return folder


class Server:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def statuses(self) -> list[str]:
        """The status codes the server logged so far (it logs each request on stderr)."""
        self.stop()
        assert self.process.stderr is not None
        return re.findall(r'" (\d{3}) ', self.process.stderr.read())


@pytest.fixture
def server(site: Path) -> Iterator[Server]:
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"],
        cwd=site,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # "Serving HTTP on 127.0.0.1 port N (http://...) ..."
    port = re.search(r"port (\d+)", line)
    assert port, line
    running = Server(process, f"http://127.0.0.1:{port.group(1)}/")
    yield running
    running.stop()


def test_the_site_layout(site: Path) -> None:
    registry = llmreg.load(BUNDLED)
    index = json.loads((site / "index.json").read_text())
    assert index["registry_hash"] == registry.hash
    assert {e["id"]: e["config_hash"] for e in index["models"]} == {
        m.id: m.config_hash for m in registry.models()
    }
    record = json.loads((site / "providers" / "default" / "openai.json").read_text())
    assert record["config_hash"] == registry.provider("default/openai").config_hash
    bifrost = json.loads((site / "bifrost/providers/default/openai.json").read_text())
    assert bifrost["config_hash"] == record["config_hash"]
    assert (site / "nemo/workspaces/default/providers/openai.json").is_file()
    assert (site / "openwebui/models/default/code-assistant.json").is_file()
    assert "default/gpt-4o" in (site / "index.html").read_text()


def test_a_rebuild_removes_what_is_gone(site: Path, registry_dir: Path) -> None:
    (registry_dir / "default" / "models" / "o4-mini.yaml").unlink()
    openai = registry_dir / "default" / "providers" / "openai.yaml"
    text = openai.read_text()
    openai.write_text(re.sub(r"  - model_entity_id: default/o4-mini\n.*\n", "", text))
    build(registry_dir, site)
    assert not (site / "models" / "default" / "o4-mini.json").exists()
    assert not (site / "openwebui/models/default/o4-mini.json").exists()
    assert (site / "models" / "default" / "gpt-4o.json").exists()


def test_load_url_equals_the_local_registry(server: Server) -> None:
    local = llmreg.load(BUNDLED)
    remote = llmreg.load_url(server.url, expected_hash=local.hash)
    assert remote.hash == local.hash
    assert remote.definitions() == local.definitions()


def test_load_url_refuses_another_registry_than_expected(server: Server) -> None:
    with pytest.raises(llmreg.SnapshotError, match="not the expected one"):
        llmreg.load_url(server.url, expected_hash="sha256:" + "0" * 64)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "not an http"),
        ("http://[::1/x", "not a valid URL"),
        ("http://127.0.0.1:99999999/", "not a valid URL"),
        ("http:///nohost", "not an http"),
    ],
)
def test_load_url_refuses_what_is_not_an_http_url(url: str, message: str) -> None:
    with pytest.raises(llmreg.RegistryError, match=message):
        llmreg.load_url(url, retries=0)


def test_the_watcher_picks_up_a_rebuilt_site(
    server: Server, site: Path, registry_dir: Path
) -> None:
    changes = []
    watcher = llmreg.Watcher(server.url, on_change=lambda d, r: changes.append(d))
    assert isinstance(watcher, UrlWatcher)
    before = watcher.registry
    assert watcher.poll() == llmreg.RegistryDiff()  # unchanged: the server answers 304
    gpt4o = registry_dir / "default" / "models" / "gpt-4o.yaml"
    gpt4o.write_text(gpt4o.read_text().replace("context_window: 128000", "context_window: 64000"))
    build(registry_dir, site)
    found = watcher.poll()
    assert found is not None and found.lines() == ["~ model default/gpt-4o"]
    assert watcher.registry.model("default/gpt-4o").context_window == 64000
    assert watcher.registry is not before and changes == [found]
    assert server.statuses() == ["200", "304", "200"]


@pytest.mark.parametrize("damage", ["tampered", "truncated", "missing"])
def test_a_bad_snapshot_keeps_the_last_good_registry(
    server: Server, site: Path, damage: str
) -> None:
    errors: list[llmreg.RegistryError] = []
    watcher = UrlWatcher(server.url, on_error=errors.append, retries=0)
    good = watcher.registry
    snapshot = site / "registry.snapshot.json"
    text = snapshot.read_text()
    if damage == "tampered":
        snapshot.write_text(text.replace("128000", "128001", 1))
    elif damage == "truncated":
        snapshot.write_text(text[: len(text) // 2])
    else:
        snapshot.unlink()
    if snapshot.exists():
        stamp = next(DEPLOYS)
        os.utime(snapshot, (stamp, stamp))
    assert watcher.poll() is None
    assert watcher.registry is good
    assert watcher.last_error is not None and errors == [watcher.last_error]
    expected = {"tampered": "config_hash", "truncated": "truncated", "missing": "404"}[damage]
    assert expected in str(watcher.last_error)


def test_an_unreachable_server_keeps_the_last_good_registry(server: Server) -> None:
    watcher = UrlWatcher(server.url, retries=0)
    good = watcher.registry
    server.stop()
    assert watcher.reload() is None
    assert watcher.registry is good
    assert "Connection" in str(watcher.last_error)


def test_retries_back_off_then_give_up(server: Server) -> None:
    from llmreg.remote import RemoteSnapshot

    url = server.url
    server.stop()
    waits: list[float] = []
    remote = RemoteSnapshot(url, retries=3, backoff=0.5, sleep=waits.append)
    with pytest.raises(llmreg.SnapshotError, match="Connection"):
        remote.refresh()
    assert waits == [0.5, 1.0, 2.0]


def test_load_url_imports_no_yaml_reader_or_jsonschema(server: Server) -> None:
    code = (
        "import sys, llmreg; reg = llmreg.load_url(sys.argv[1]); "
        "print(len(reg), ','.join(m for m in ('yaml', 'jsonschema', 'click') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, server.url], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [str(len(llmreg.load(BUNDLED)))]


def test_an_emptied_site_is_not_published_unless_allowed(
    server: Server, site: Path, tmp_path: Path
) -> None:
    watcher = llmreg.Watcher(server.url, retries=0)
    good = watcher.registry
    empty = tmp_path / "empty"
    empty.mkdir()
    build(empty, site)
    assert watcher.poll() is None
    assert watcher.registry is good and "no definitions any more" in str(watcher.last_error)
    assert watcher.poll() == llmreg.RegistryDiff()  # not modified since: nothing to redo
    assert watcher.registry is good
    assert llmreg.Watcher(server.url, allow_empty=True).registry.hash != good.hash


def test_url_secrets_never_reach_a_message(server: Server) -> None:
    token = "sk-canary-0123456789abcdefghijklmnop"
    signed = f"{server.url}registry.snapshot.json?X-Amz-Signature={token}"
    assert llmreg.load_url(signed).hash == llmreg.load(BUNDLED).hash  # the query is sent
    server.stop()
    for url in (signed, server.url.replace("http://", f"http://user:{token}@")):
        with pytest.raises(llmreg.SnapshotError) as caught:
            llmreg.load_url(url, retries=0)
        assert token not in str(caught.value)
        assert "127.0.0.1" in str(caught.value)


def test_a_forged_definition_is_refused_naming_the_url(registry_dir: Path, tmp_path: Path) -> None:
    """Read from memory, not a temporary file: a definition refused on first use (only a
    snapshot with every hash recomputed gets that far) names the URL it came from."""
    from helpers.snapshots import rewrite
    from llmreg.remote import registry_from_bytes

    snapshot = tmp_path / "registry.snapshot.json"
    llmreg.load(registry_dir).write_snapshot(snapshot)

    def forge(parts: Any) -> None:
        position = next(i for i, row in enumerate(parts.rows) if row[0] == "Model")
        text = parts.texts[position].replace(b'"kind":"Model"', b'"kind":"Model","x":1')
        parts.replace_text(parts.rows[position][1], text)
        parts.rehash_registry()

    rewrite(snapshot, forge)
    registry = registry_from_bytes(snapshot.read_bytes(), "https://config.example.com/llm/")
    with pytest.raises(llmreg.SnapshotError, match=r"^https://config\.example\.com/llm/: Model"):
        registry.models()
