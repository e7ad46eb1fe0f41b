"""Watcher: reload on demand and by polling, last-known-good, diffs."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import llmreg
from helpers.runtime_registry import ALL, GPT4O, LLAMA, write_doc, write_registry
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


# -- one generation per load --------------------------------------------------------------------

# Called with the path of every file opened in this process while set. An audit hook sees each
# open whatever function the loader reads with, and cannot be removed: it is installed once.
_on_open: Callable[[str], None] | None = None
_hook_installed = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _on_open is not None and isinstance(args[0], (str, Path)):
        _on_open(os.fspath(args[0]))


@pytest.fixture
def on_open() -> Iterator[Callable[[Callable[[str], None]], None]]:
    global _hook_installed, _on_open
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True

    def install(callback: Callable[[str], None]) -> None:
        global _on_open
        _on_open = callback

    yield install
    _on_open = None


def _generation(root: Path, mark: str) -> Path:
    """The test registry with every definition marked as generation ``mark``."""
    docs = []
    for doc in ALL:
        field = "description" if doc["kind"] == "Provider" else "display_name"
        docs.append({**doc, field: f"generation {mark}"})
    return write_registry(root, docs)


def _generations(registry: llmreg.Registry) -> set[str]:
    marks = {str(p.description) for p in registry.providers()}
    return marks | {str(m.display_name) for m in registry.models()}


def _swap_link(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` in one rename, as kubelet swaps a ConfigMap's ..data."""
    fresh = link.with_name(link.name + ".new")
    fresh.symlink_to(target, target_is_directory=True)
    os.replace(fresh, link)


def test_a_root_link_swapped_during_a_load_gives_one_generation(
    tmp_path: Path, on_open: Callable[[Callable[[str], None]], None]
) -> None:
    old = _generation(tmp_path / "..2026_a", "a")
    new = _generation(tmp_path / "..2026_b", "b")
    root = tmp_path / "registry"
    root.symlink_to(old, target_is_directory=True)
    watcher = llmreg.Watcher(root)
    assert _generations(watcher.registry) == {"generation a"}

    opened: list[str] = []

    def swap_after_the_first_definition(path: str) -> None:
        # The hook runs before the file is opened: the swap at the second file lets the first
        # be read from the old generation.
        if path.endswith(".yaml"):
            opened.append(path)
            if len(opened) == 2:
                _swap_link(root, new)

    on_open(swap_after_the_first_definition)
    watcher.reload()
    on_open(lambda path: None)
    assert len(opened) >= 2, "the load read less than two definition files"
    assert _generations(watcher.registry) == {"generation b"}
    assert watcher.last_error is None
    assert watcher.poll() == llmreg.RegistryDiff()  # the fingerprint is of what was loaded


def test_a_source_that_never_settles_is_not_published(
    tmp_path: Path, on_open: Callable[[Callable[[str], None]], None]
) -> None:
    root = _generation(tmp_path / "reg", "a")
    errors: list[llmreg.RegistryError] = []
    watcher = llmreg.Watcher(root, on_error=errors.append)
    good = watcher.registry
    target = root / "acme" / "models" / "gpt-4o.yaml"
    marks = iter(range(1000))

    def edit_during_every_load(path: str) -> None:
        if path == str(target):  # rewritten after each read: a new inode each time
            on_open(lambda path: None)
            fresh = target.with_name("new.tmp")
            fresh.write_text(target.read_text().replace("generation a", f"g{next(marks)}"))
            os.replace(fresh, target)
            on_open(edit_during_every_load)

    on_open(edit_during_every_load)
    assert watcher.reload() is None
    on_open(lambda path: None)
    assert watcher.registry is good
    assert errors == [watcher.last_error]
    assert "changed during each of" in str(watcher.last_error)
    assert watcher.poll() is not None  # once quiet, the next poll loads it
    assert watcher.last_error is None


# -- what poll() notices ------------------------------------------------------------------------


def test_poll_sees_an_in_place_rewrite_of_the_same_size_with_its_mtime_restored(
    tmp_path: Path,
) -> None:
    """What `cp -p` and `rsync --inplace -t` do: same inode, same size, the old mtime."""
    root = write_registry(tmp_path / "reg")
    target = root / "acme" / "models" / "gpt-4o.yaml"
    text = target.read_text()
    assert "128000" in text
    watcher = llmreg.Watcher(root)
    before = os.stat(target)
    for _ in range(100):  # the clock ticks in steps; a rewrite in the same step looks unchanged
        with target.open("r+") as out:  # in place: the inode stays
            out.write(text.replace("128000", "256000"))
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
        if os.stat(target).st_ctime_ns != before.st_ctime_ns:
            break
        time.sleep(0.01)
    after = os.stat(target)
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    )
    assert watcher.poll() == llmreg.RegistryDiff(changed=(Ref("Model", "acme/gpt-4o"),))
    assert watcher.registry.model("acme/gpt-4o").context_window == 256000


def _count_reloads(watcher: llmreg.Watcher) -> list[None]:
    reloads: list[None] = []
    real_reload = watcher.reload

    def counted() -> llmreg.RegistryDiff | None:
        reloads.append(None)
        return real_reload()

    watcher.reload = counted  # type: ignore[method-assign]
    return reloads


def test_hidden_entries_do_not_trigger_reloads(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    watcher = llmreg.Watcher(root)
    reloads = _count_reloads(watcher)
    (root / ".git").mkdir()
    (root / ".git" / "index").write_text("x")
    (root / "acme" / "models" / ".gpt-4o.yaml.swp").write_text("x")
    assert watcher.poll() == llmreg.RegistryDiff()
    assert reloads == []


def test_poll_follows_linked_workspace_folders_inside_the_root(tmp_path: Path) -> None:
    """The ConfigMap layout: root/acme -> ..data/acme, ..data -> ..2026_a."""
    root = tmp_path / "reg"
    root.mkdir()
    first = write_registry(root / "..2026_a")
    (root / "..data").symlink_to("..2026_a", target_is_directory=True)
    (root / "acme").symlink_to("..data/acme", target_is_directory=True)
    (root / "loop").symlink_to(".", target_is_directory=True)  # a cycle must end
    watcher = llmreg.Watcher(root)
    reloads = _count_reloads(watcher)
    assert watcher.poll() == llmreg.RegistryDiff()
    assert reloads == []
    edited = first / "acme" / "models" / "gpt-4o.yaml"
    edited.write_text(edited.read_text() + "description: edited\n")
    watcher.poll()  # what the load makes of linked folders is load()'s business
    assert len(reloads) == 1


# -- a registry that lost every definition ------------------------------------------------------


def test_an_emptied_folder_is_not_published(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    errors: list[llmreg.RegistryError] = []
    watcher = llmreg.Watcher(root, on_error=errors.append)
    good = watcher.registry
    shutil.rmtree(root / "acme")  # what a sync that empties the folder leaves
    assert watcher.poll() is None
    assert watcher.registry is good
    assert errors == [watcher.last_error]
    assert "no definitions" in str(watcher.last_error)
    assert "allow_empty" in str(watcher.last_error)
    assert watcher.poll() == llmreg.RegistryDiff()  # reported once, not every interval
    write_registry(root)
    assert watcher.poll() == llmreg.RegistryDiff()  # the same registry is back
    assert watcher.last_error is None


def test_an_emptied_folder_is_published_when_allowed(tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg")
    watcher = llmreg.Watcher(root, allow_empty=True)
    shutil.rmtree(root / "acme")
    result = watcher.poll()
    assert result is not None and len(result.removed) == len(ALL)
    assert len(watcher.registry) == 0 and watcher.last_error is None


def test_an_empty_first_registry_stays_allowed(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    root.mkdir()
    watcher = llmreg.Watcher(root)  # nothing was lost: there was nothing
    assert len(watcher.registry) == 0
    write_registry(root)
    assert watcher.poll() is not None and len(watcher.registry) == len(ALL)


# -- readers during swaps -----------------------------------------------------------------------

GENERATIONS = 12


def _swap_workspace_folder(root: Path, mark: str) -> None:
    """A deploy that replaces the folder: two renames, with an empty registry between them."""
    _generation(root / ".next", mark)
    (root / "acme").rename(root / ".previous")
    (root / ".next" / "acme").rename(root / "acme")
    shutil.rmtree(root / ".previous")
    shutil.rmtree(root / ".next")


def _swap_root_link(root: Path, mark: str) -> None:
    """kubelet's ConfigMap update: a new folder, one atomic link swap, the old folder removed."""
    old = root.resolve()
    _swap_link(root, _generation(root.with_name(f"..gen_{mark}"), mark))
    shutil.rmtree(old)


@pytest.mark.parametrize("swap", [_swap_workspace_folder, _swap_root_link])
def test_readers_never_see_a_mix_of_generations(
    tmp_path: Path, swap: Callable[[Path, str], None]
) -> None:
    if swap is _swap_root_link:
        root = tmp_path / "registry"
        root.symlink_to(_generation(tmp_path / "..gen_0", "0"), target_is_directory=True)
    else:
        root = _generation(tmp_path / "registry", "0")
    watcher = llmreg.Watcher(root)
    polls = threading.Condition()
    polled = 0
    done = threading.Event()
    seen: dict[int, llmreg.Registry] = {}
    problems: list[str] = []

    def watch() -> None:  # the Watcher's reloads, as its polling thread runs them
        nonlocal polled
        while not done.is_set():
            watcher.poll()
            with polls:
                polled += 1
                polls.notify_all()

    def wait_for_polls(count: int) -> None:
        with polls:
            target = polled + count
            assert polls.wait_for(lambda: polled >= target, timeout=60), "the watcher hung"

    def read() -> None:
        while not done.is_set():
            registry = watcher.registry
            if id(registry) in seen:
                time.sleep(0.001)  # let the watcher and the writer run
                continue
            seen[id(registry)] = registry  # kept alive, so an id is never reused
            if _generations(registry) != {_generations(registry).pop()}:
                problems.append(f"a mix: {sorted(_generations(registry))}")
            elif len(registry) != len(ALL):
                problems.append(f"{len(registry)} definitions of {len(ALL)}")

    threads = [threading.Thread(target=watch), *(threading.Thread(target=read) for _ in "ab")]
    for thread in threads:
        thread.start()
    try:
        for generation in range(1, GENERATIONS + 1):
            swap(root, str(generation))
            # Two polls end after the swap: the first may have begun before it and overlap it,
            # the second began after it and so loads this generation.
            wait_for_polls(2)
    finally:
        done.set()
        for thread in threads:
            thread.join(60)
    assert problems == []
    published = {mark for registry in seen.values() for mark in _generations(registry)}
    assert _generations(watcher.registry) == {f"generation {GENERATIONS}"}
    assert published <= {f"generation {g}" for g in range(GENERATIONS + 1)}
    assert len(published) >= 2
