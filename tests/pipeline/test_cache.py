"""The content-hash cache of the per-file stage, and ``--jobs``.

A second check of an unchanged registry parses nothing (counted by wrapping the parser the
check pipeline calls); corrupt entries are recomputed; concurrent writers never leave an entry
that a reader would trust half-written; the output is the same whatever the number of jobs.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import llmreg.check
import llmreg.schedule
import llmreg.stage
from llmreg import cache as cache_module
from llmreg import fast_source
from llmreg.cache import Cache, decode, encode, open_cache
from llmreg.check import run_check
from llmreg.cli import main
from llmreg.cli.progress import Progress
from llmreg.results import Staged, finding

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import write_registry  # noqa: E402

SECRET = "sk-" + "A1b2C3d4E5f6G7h8I9j0K1l2"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the reads of YAML text by the check pipeline, by either reader."""
    calls: list[str] = []

    def counting(name: str, real: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(llmreg.stage, "parse", counting("reference", llmreg.stage.parse))
    monkeypatch.setattr(fast_source, "load", counting("fast", fast_source.load))
    return calls


def _registry(tmp_path: Path, count: int = 30) -> Path:
    root = tmp_path / "registry"
    write_registry(root, count)
    # one cross-file finding (a dangling reference) and one per-file finding
    model = next(
        p
        for p in sorted(root.glob("*/models/*.yaml"))
        if "base_model_id" not in p.read_text(encoding="utf-8")
    )
    text = model.read_text(encoding="utf-8")
    model.write_text(text + "base_model_id: default/nowhere\n", encoding="utf-8")
    provider = next(root.glob("*/providers/*.yaml"))
    text = provider.read_text(encoding="utf-8")
    provider.write_text(
        text.replace("  X-Request-Source: llmreg\n", f"  X-Request-Source: {SECRET}\n"),
        encoding="utf-8",
    )
    return root


def _entries(directory: Path) -> list[Path]:
    """The per-file entries (not the packed registry indexes)."""
    return sorted(
        p
        for p in directory.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.parent.name != "index"
    )


def _indexes(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("index/*") if not p.name.startswith("."))


def _indexed_files(index: Path) -> list[str]:
    """The definition files a packed index holds (not its NUL-named lines)."""
    return [n for n in cache_module._read_index(str(index)) if not n.startswith("\0")]


def _shown(report: llmreg.check.CheckReport) -> list[tuple[object, ...]]:
    return [(d.file, d.line, d.column, d.rule, d.message, d.severity) for d in report.diagnostics]


def test_second_check_of_an_unchanged_registry_parses_nothing_new(
    tmp_path: Path, parses: list[int]
) -> None:
    root = _registry(tmp_path)
    store = Cache.for_run(tmp_path / "cache")
    first = run_check([], root, cache=store, jobs=1)
    assert parses.count("fast") == 30  # and the reference reads the two files with findings
    assert {d.rule for d in first.diagnostics} == {"unresolved-reference", "inline-secret"}
    parses.clear()
    second = run_check([], root, cache=store, jobs=1)
    # the file with a cross-file finding is not read again: the positions of what the registry
    # rules report on are cached with its facts; the file that holds a secret is never stored,
    # so it is staged again (both readers: it has a finding)
    assert sorted(parses) == ["fast", "reference"]
    assert _shown(second) == _shown(first)
    assert store.hits == 29


def test_a_clean_registry_is_served_entirely_from_the_cache(
    tmp_path: Path, parses: list[int]
) -> None:
    root = tmp_path / "registry"
    write_registry(root, 25)
    store = Cache.for_run(tmp_path / "cache")
    assert run_check([], root, cache=store, jobs=1).diagnostics == []
    parses.clear()
    assert run_check([], root, cache=store, jobs=1).diagnostics == []
    assert parses == []


def test_a_changed_file_alone_is_parsed_again(tmp_path: Path, parses: list[int]) -> None:
    root = tmp_path / "registry"
    files = write_registry(root, 25)
    store = Cache.for_run(tmp_path / "cache")
    run_check([], root, cache=store, jobs=1)
    files[3].write_text(files[3].read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    parses.clear()
    report = run_check([files[3]], root, cache=store, jobs=1)
    assert parses == ["fast"]
    assert report.files_checked == 1 and report.ok


def test_different_settings_or_code_never_share_entries(tmp_path: Path) -> None:
    class Options:
        def __init__(self, fingerprint: str) -> None:
            self.fingerprint = fingerprint

        def options_fingerprint(self) -> str:
            return self.fingerprint

    raw = b"kind: Model\n"
    plain = open_cache(tmp_path).key(raw)
    assert open_cache(tmp_path, Options("a")).key(raw) != plain
    assert open_cache(tmp_path, Options("a")).key(raw) == open_cache(tmp_path, Options("a")).key(
        raw
    )
    assert open_cache(tmp_path, Options("b")).key(raw) != open_cache(tmp_path, Options("a")).key(
        raw
    )
    assert Cache(tmp_path, "other code").key(raw) != plain


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[: len(blob) // 2],  # truncated
        lambda blob: b"",  # empty
        lambda blob: blob[:-3] + b"xyz",  # payload changed, checksum kept
        lambda blob: b"\x00\xff" * 50,  # not an entry at all
    ],
    ids=["truncated", "empty", "tampered", "garbage"],
)
def test_a_corrupt_entry_is_ignored_and_recomputed(
    tmp_path: Path, parses: list[int], damage: object
) -> None:
    # files checked outside any registry keep one entry file each (a registry's files are
    # kept in its packed index: tests/pipeline/test_cache_index.py)
    root = _registry(tmp_path, 12)
    loose = sorted(root.rglob("*.yaml"))
    elsewhere = tmp_path / "no-registry"
    store = Cache.for_run(tmp_path / "cache")
    first = run_check(loose, elsewhere, cache=store, jobs=1)
    entries = _entries(tmp_path / "cache")
    assert len(entries) == 11  # the file with a secret is not stored
    assert not _indexes(tmp_path / "cache")
    assert callable(damage)
    for entry in entries[:5]:
        entry.write_bytes(damage(entry.read_bytes()))
    parses.clear()
    second = run_check(loose, elsewhere, cache=store, jobs=1)
    assert _shown(second) == _shown(first)
    # the five damaged files and the file with a secret, each read again (twice if it has a
    # finding)
    assert parses.count("fast") == 6
    assert len(parses) <= 6 + 6
    assert all(decode(e.read_bytes()) is not None for e in _entries(tmp_path / "cache"))


def test_an_intact_entry_of_the_wrong_shape_is_not_trusted() -> None:
    facts = {"kind": "Model", "workspace": "w", "name": "n"}
    positions = {"": (1, 1), "/kind": (1, 7), "/workspace": (2, 12), "/name": (3, 7)}
    staged = Staged(
        [finding("schema", "m", "/a", 1, 1)], "Model", None, "w/n", {}, facts, positions
    )
    good = encode(staged)
    assert good is not None and decode(good) == staged
    header, _payload = good.split(b"\n", 1)
    import hashlib

    for bad in (
        b'["Model",null,[["schema","m","/a",0,1,false]],[],null,null]',
        b'["Model",null,[["no-such-rule","m","/a",1,1,false]],[],null,null]',
        b'["Robot",null,[],[],null,null]',
        b'[null,null,[],[],{"kind":"Model","workspace":"w","name":"n"},null]',
        b'["Model",null,[],[],{"kind":"Provider","workspace":"w","name":"n"},null]',
        b'["Model",null,[],[],{"kind":"Model","workspace":1,"name":"n"},null]',
        b'["Model",null,[],[],{"kind":"Model","workspace":"w","name":"n",'
        b'"preferred_providers":[1]},null]',
        b'["Provider",null,[],[],{"kind":"Provider","workspace":"w","name":"n",'
        b'"provider_type":"openai","served_models":[{"model_entity_id":"w/m"}]},null]',
        b'["Model",null,[],[],{"kind":"Model","workspace":"w","name":"n"},[1,1,2,1]]',
        b'["Model",null,[],[],null,[1,1]]',
        b'["Model",null,[],[[1,[3],[]]],null,null]',
        b'["Model",null,[],[],null]',
        b"[]",
        b"{}",
    ):
        forged = header[:-64] + hashlib.sha256(bad).hexdigest().encode() + b"\n" + bad
        assert decode(forged) is None, bad


def test_the_cache_does_not_keep_an_inline_secret(tmp_path: Path) -> None:
    root = _registry(tmp_path, 12)
    report = run_check([], root, cache=Cache.for_run(tmp_path / "cache"), jobs=1)
    assert any(d.rule == "inline-secret" for d in report.diagnostics)
    blobs = b"".join(
        e.read_bytes() for e in [*_entries(tmp_path / "cache"), *_indexes(tmp_path / "cache")]
    )
    assert blobs and SECRET.encode() not in blobs


def _hammer(args: tuple[str, str, int]) -> list[tuple[object, ...]]:
    root, directory, rounds = args
    shown: list[tuple[object, ...]] = []
    for _ in range(rounds):
        report = run_check([], Path(root), cache=Cache.for_run(Path(directory)), jobs=1)
        shown = _shown(report)
    return shown


def test_concurrent_checks_share_a_cache_safely(tmp_path: Path) -> None:
    root = _registry(tmp_path, 40)
    directory = tmp_path / "cache"
    expected = _shown(run_check([], root, jobs=1))
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)
    with context.Pool(3) as pool:
        outcomes = pool.map(_hammer, [(str(root), str(directory), 3)] * 3)
    assert all(outcome == expected for outcome in outcomes)
    # one index, whole, holding every file but the one with a secret; no entry files
    (index,) = _indexes(directory)
    assert len(_indexed_files(index)) == 39
    assert _entries(directory) == []
    assert not [p for p in directory.rglob(".tmp-*")]


def test_a_reader_never_trusts_a_half_written_entry(tmp_path: Path) -> None:
    store = Cache(tmp_path, "salt")
    big = Staged([finding("schema", "x" * 200_000)], "Model", None, "w/n")
    other = Staged([finding("schema", "y" * 300_000)], "Model", None, "w/n")
    key = store.key(b"same")
    store.put(key, big)  # an entry exists before the race starts
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            store.put(key, big)
            store.put(key, other)

    writers = [threading.Thread(target=write) for _ in range(2)]
    for thread in writers:
        thread.start()
    seen = []
    try:
        for _ in range(300):
            got = store.get(key)
            if got is not None:
                seen.append(got.findings)
    finally:
        stop.set()
        for thread in writers:
            thread.join()
    assert seen and all(found in (big.findings, other.findings) for found in seen)


def test_an_unwritable_cache_only_costs_time(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    root = _registry(tmp_path, 12)
    report = run_check([], root, cache=Cache.for_run(blocker / "cache"), jobs=1)
    assert _shown(report) == _shown(run_check([], root, jobs=1))


def test_output_is_the_same_whatever_the_number_of_jobs(tmp_path: Path) -> None:
    root = _registry(tmp_path, 60)
    broken = next(root.glob("*/models/*.yaml"))
    broken.with_name("broken.yaml").write_text("kind: Model\nname: [\n", encoding="utf-8")
    serial = run_check([], root, jobs=1)
    parallel = run_check([], root, jobs=2)
    assert _shown(parallel) == _shown(serial)
    rules = {d.rule for d in serial.diagnostics}
    assert {"unresolved-reference", "inline-secret", "yaml-syntax"} <= rules
    # workers fill the cache too, and a later serial run agrees with it
    store = Cache.for_run(tmp_path / "cache")
    assert _shown(run_check([], root, cache=store, jobs=2)) == _shown(serial)
    (index,) = _indexes(tmp_path / "cache")  # written once, by the parent; no entry files
    assert _entries(tmp_path / "cache") == []
    assert len(_indexed_files(index)) == 60  # the file with a secret is not stored
    assert _shown(run_check([], root, cache=store, jobs=1)) == _shown(serial)
    assert store.hits == 60


def test_data_from_workers_is_the_same_and_shares_its_strings(tmp_path: Path) -> None:
    """load() receives each file's data from the workers: equal to what the stage gives in
    this process, with keys and short values as one string each, not one per use."""
    from llmreg.check import check_registry

    root = _registry(tmp_path, 30)
    serial = check_registry(root, jobs=1)
    parallel = check_registry(root, jobs=2)
    assert [r.data for r in parallel] == [r.data for r in serial]
    models = [r.data for r in parallel if r.data is not None and r.kind == "Model"]
    assert len(models) >= 2
    first, second = (list(data) for data in models[:2])
    assert first[0] == second[0] and first[0] is second[0]  # a key
    assert models[0]["kind"] is models[1]["kind"]  # a short value


def test_progress_reaches_the_total(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    write_registry(root, 20)
    seen: list[tuple[int, int]] = []
    run_check([], root, jobs=2, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (20, 20)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_only_on_a_terminal_and_only_for_many_files() -> None:
    terminal = _Terminal()
    with Progress(terminal, min_files=10) as progress:
        progress(5, 10)
        progress(10, 10)
    assert "checked 10/10 files" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r\033[K")
    piped = io.StringIO()
    with Progress(piped, min_files=10) as progress:
        progress(10, 10)
    assert piped.getvalue() == ""
    few = _Terminal()
    with Progress(few, min_files=10) as progress:
        progress(3, 3)
    assert few.getvalue() == ""


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    yield tmp_path


def test_cli_cache_options(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_registry(in_tmp / "providers.d", 12)
    assert main(["check", "--cache-dir", "c1", "--jobs", "2"]) == 0
    assert len(_indexes(in_tmp / "c1")) == 1
    assert main(["check", "--cache-dir", "c2", "--no-cache"]) == 0
    assert not (in_tmp / "c2").exists()
    monkeypatch.setenv(cache_module.ENV_VAR, str(in_tmp / "c3"))
    assert main(["check"]) == 0
    assert len(_indexes(in_tmp / "c3")) == 1
    assert main(["check", "--jobs", "0"]) == 2


def test_check_does_not_import_the_commands_it_does_not_run() -> None:
    import subprocess

    from llmreg.cli import COMMANDS

    probe = (
        "import sys; from llmreg.cli import main; main(['check', '--help']); "
        "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'llmreg.cli.'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(eval(done.stdout.strip().splitlines()[-1]))
    others = {target.split(":")[0] for name, target in COMMANDS.items() if name != "check"}
    assert "llmreg.cli.check" in loaded
    assert not loaded & others
    assert not any(m.startswith("pydantic") for m in loaded)


def test_a_temporary_file_is_new_private_and_retried_on_a_taken_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, name = cache_module._create_temporary(str(tmp_path))
    os.close(handle)
    assert Path(name).parent == tmp_path and Path(name).name.startswith(".tmp-")
    assert Path(name).stat().st_mode & 0o777 == 0o600
    # a name already taken (or a link planted there) is never opened: the next one is tried
    target = tmp_path / "elsewhere"
    os.symlink(target, tmp_path / ".tmp-000000000000")
    draws = iter([b"\0" * 6, b"\1" * 6])
    monkeypatch.setattr(cache_module.os, "urandom", lambda n: next(draws))
    handle, name = cache_module._create_temporary(str(tmp_path))
    os.close(handle)
    assert Path(name).name == ".tmp-010101010101" and not target.exists()
    monkeypatch.setattr(cache_module.os, "urandom", lambda n: b"\0" * n)
    with pytest.raises(FileExistsError):
        cache_module._create_temporary(str(tmp_path))
