"""Watcher: reload on demand and by polling, last-known-good, diffs."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import llmreg
from _runtime_registry import GPT4O, LLAMA, write_doc, write_registry
from llmreg import Ref


def test_reload_reports_added_removed_changed(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    changes: list[llmreg.RegistryDiff] = []
    watcher = llmreg.Watcher(root, on_change=lambda d, _reg: changes.append(d))
    first = watcher.registry
    write_doc(root, {**GPT4O, "context_window": 64000})
    write_doc(root, {"kind": "Model", "workspace": "acme", "name": "new"})
    (root / "acme" / "models" / "llama.yaml").unlink()
    (root / "acme" / "models" / "public.yaml").unlink()  # it derives from llama
    (root / "acme" / "providers" / "local.yaml").unlink()  # it serves llama
    result = watcher.reload()
    assert result == llmreg.RegistryDiff(
        added=(Ref("Model", "acme/new"),),
        removed=(
            Ref("Model", "acme/llama"),
            Ref("Model", "acme/public"),
            Ref("Provider", "acme/local"),
        ),
        changed=(Ref("Model", "acme/gpt-4o"),),
    )
    assert changes == [result]
    assert watcher.registry is not first
    assert watcher.registry.model("acme/gpt-4o").context_window == 64000
    assert first.model("acme/gpt-4o").context_window == 128000  # old readers unaffected
    assert result.lines()[0] == "~ model acme/gpt-4o"
    assert watcher.reload() == llmreg.RegistryDiff()  # nothing changed since


def test_invalid_edit_keeps_the_last_good_registry(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    errors: list[llmreg.RegistryError] = []
    watcher = llmreg.Watcher(root, on_error=errors.append)
    good = watcher.registry
    write_doc(root, {**LLAMA, "context_window": "lots"})
    assert watcher.reload() is None
    assert watcher.registry is good
    assert watcher.last_error is not None
    assert [d.rule for d in watcher.last_error.errors] == ["schema"]
    assert errors == [watcher.last_error]
    write_doc(root, {**LLAMA, "context_window": 8192})
    fixed = watcher.reload()
    assert fixed is not None and fixed.changed == (Ref("Model", "acme/llama"),)
    assert watcher.last_error is None


def test_first_load_must_succeed(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    write_doc(root, {**LLAMA, "is_active": "yes"})
    with pytest.raises(llmreg.RegistryError):
        llmreg.Watcher(root)


def test_snapshot_source_and_poll(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    snapshot = tmp_path / "s.json"
    llmreg.load(root).write_snapshot(snapshot)
    watcher = llmreg.Watcher(snapshot)
    assert watcher.poll() == llmreg.RegistryDiff()  # unchanged files: no reload
    write_doc(root, {**GPT4O, "display_name": "GPT-4o (2024-08-06)"})
    llmreg.load(root).write_snapshot(snapshot)
    assert watcher.poll() == llmreg.RegistryDiff(changed=(Ref("Model", "acme/gpt-4o"),))
    snapshot.write_text(snapshot.read_text()[:50])
    assert watcher.poll() is None
    assert isinstance(watcher.last_error, llmreg.SnapshotError)
    assert watcher.registry.model("acme/gpt-4o").display_name == "GPT-4o (2024-08-06)"


def test_polling_thread_swaps_the_registry(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    changed = threading.Event()
    with llmreg.Watcher(root, interval=0.05, on_change=lambda d, r: changed.set()) as watcher:
        before = watcher.registry
        write_doc(root, {"kind": "Model", "workspace": "acme", "name": "late"})
        assert changed.wait(30), "the polling thread never reloaded"
        assert watcher.registry is not before
        assert watcher.registry.model("acme/late")
    assert watcher._thread is not None and not watcher._thread.is_alive()


def test_diff_of_identical_registries_is_equal(tmp_path: Path) -> None:
    a = llmreg.load(write_registry(tmp_path / "a"))
    b = llmreg.load(write_registry(tmp_path / "b"))
    result = llmreg.diff(a, b)
    assert result.equal and not result and result.lines() == []
