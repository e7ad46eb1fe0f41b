"""Snapshots: round trip, atomic write, verification of hashes, truncation and format."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import llmreg
import llmreg.hashing
from helpers.runtime_registry import write_registry
from helpers.snapshots import Parts, read_parts, rewrite, sha, write_parts

SECRETS = {"ACME_OPENAI_KEY": "k1", "ACME_AZURE_KEY": "k2"}


@pytest.fixture
def built(tmp_path: Path) -> tuple[llmreg.Registry, Path]:
    reg = llmreg.load(write_registry(tmp_path / "reg"))
    path = tmp_path / "out" / "registry.snapshot.json"
    path.parent.mkdir()
    reg.write_snapshot(path)
    return reg, path


def test_round_trip(built: tuple[llmreg.Registry, Path]) -> None:
    reg, path = built
    loaded = llmreg.load_snapshot(path)
    assert loaded.hash == reg.hash
    assert loaded.definitions() == reg.definitions()
    for original, copy in zip(reg.definitions(), loaded.definitions(), strict=True):
        assert copy.config_hash == original.config_hash
        assert llmreg.config_hash(copy) == original.config_hash  # recomputed, not only trusted
    assert llmreg.diff(reg, loaded).equal
    assert loaded.resolve("acme/coder", secrets=SECRETS) == reg.resolve(
        "acme/coder", secrets=SECRETS
    )
    assert [m.id for m in loaded.models(capability="vision")] == ["acme/gpt-4o"]


def test_snapshot_content(built: tuple[llmreg.Registry, Path]) -> None:
    reg, path = built
    document = json.loads(path.read_text(encoding="utf-8"))  # one JSON document, for jq & co
    assert document["format"] == "llmreg-snapshot"
    assert document["format_version"] == 2
    assert document["llmreg_version"] == llmreg.__version__
    assert document["registry_hash"] == reg.hash
    assert document["count"] == len(document["index"]) == len(document["definitions"]) == len(reg)
    assert document["index"] == sorted(document["index"])
    position = next(i for i, row in enumerate(document["index"]) if row[1] == "acme/openai")
    assert document["definitions"][position]["api_key_secret_name"] == "ACME_OPENAI_KEY"
    assert "k1" not in path.read_text()


def test_snapshot_layout(built: tuple[llmreg.Registry, Path]) -> None:
    """Line by line as documented: the index is the registry hash's text, each definition the
    text its config_hash covers, the content hash covers everything after line 1."""
    reg, path = built
    raw = path.read_bytes()
    parts = read_parts(path)
    assert sha(parts.index()) == reg.hash == parts.header["registry_hash"]
    assert sha(raw.split(b"\n", 1)[1]) == parts.header["content_hash"]
    for (kind, ident, config_hash), text in zip(parts.rows, parts.texts, strict=True):
        definition = reg.provider(ident) if kind == "Provider" else reg.model(ident)
        assert sha(text) == config_hash == definition.config_hash
        assert text == llmreg.hashing.canonical_bytes(definition)
    write_parts(path, parts)  # the helper writes the same bytes back
    assert path.read_bytes() == raw


def test_format_1_is_still_read(built: tuple[llmreg.Registry, Path]) -> None:
    reg, path = built
    parts = read_parts(path)
    entries = [
        {"kind": kind, "id": ident, "config_hash": config_hash, "canonical": text.decode()}
        for (kind, ident, config_hash), text in zip(parts.rows, parts.texts, strict=True)
    ]
    document = {
        "format": "llmreg-snapshot",
        "format_version": 1,
        "llmreg_version": "0.0.1",
        "registry_hash": reg.hash,
        "count": len(entries),
        "definitions": entries[::-1],  # format 1 wrote providers first: any order is read
    }
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    loaded = llmreg.load_snapshot(path)
    assert loaded.hash == reg.hash
    assert loaded.definitions() == reg.definitions()
    loaded.write_snapshot(path)  # and written again as format 2
    assert json.loads(path.read_text(encoding="utf-8"))["format_version"] == 2
    assert llmreg.load_snapshot(path).hash == reg.hash


def test_definitions_are_built_on_first_use(built: tuple[llmreg.Registry, Path]) -> None:
    reg, path = built
    loaded = llmreg.load_snapshot(path)
    assert len(loaded) == len(reg) and repr(loaded) == repr(reg)
    assert loaded._texts is not None and not loaded._models  # nothing built by loading
    model = loaded.model("acme/gpt-4o")
    assert model is loaded.model("acme/gpt-4o") and model == reg.model("acme/gpt-4o")
    assert llmreg.diff(reg, loaded).equal  # compares hashes: builds nothing more
    assert list(loaded._models) == ["acme/gpt-4o"]
    assert loaded.definitions() == reg.definitions()
    assert loaded._texts is None  # every definition built: the file's bytes are let go
    assert loaded.model("acme/gpt-4o") is model
    with pytest.raises(llmreg.UnknownIdError, match="did you mean 'acme/gpt-4o'"):
        loaded.model("acme/gpt-4")


def test_threads_building_at_once_get_one_object(built: tuple[llmreg.Registry, Path]) -> None:
    _, path = built
    for _ in range(20):
        loaded = llmreg.load_snapshot(path)
        ids = [m.id for m in llmreg.load_snapshot(path).models()]
        seen: list[list[object]] = []
        start = threading.Barrier(4)
        workers = [
            threading.Thread(target=_look, args=(loaded, ids, start, seen)) for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert len(seen) == 4
        assert all(a is b for row in seen[1:] for a, b in zip(seen[0], row, strict=True))


def test_atomic_write_leaves_no_temporary_file(built: tuple[llmreg.Registry, Path]) -> None:
    reg, path = built
    reg.write_snapshot(path)  # replacing an existing file
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    assert path.stat().st_mode & 0o044  # readable beyond the owner, unlike mkstemp's 0600


def test_failed_write_keeps_the_old_file(
    built: tuple[llmreg.Registry, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    reg, path = built
    before = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", broken_replace)
    with pytest.raises(OSError):
        reg.write_snapshot(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def _look(
    loaded: llmreg.Registry, ids: list[str], start: threading.Barrier, seen: list[list[object]]
) -> None:
    start.wait()
    seen.append([loaded.model(i) for i in ids] + list(loaded.models()))


def _edit(path: Path, change: object) -> None:
    """Rewrite the snapshot as a plain JSON document (its layout is lost)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)  # type: ignore[operator]
    path.write_text(json.dumps(document), encoding="utf-8")


def _same_length_edit(text: bytes) -> bytes:
    edited = text.replace(b"api.openai.com", b"api.evilai.com")
    assert edited != text
    return edited


def test_tampered_definition_is_detected(built: tuple[llmreg.Registry, Path]) -> None:
    _, path = built
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"api.openai.com", b"api.evilai.com"))  # sizes still fit
    with pytest.raises(llmreg.SnapshotError, match=r"Provider acme/openai.*config_hash"):
        llmreg.load_snapshot(path)


def test_a_changed_length_is_detected(built: tuple[llmreg.Registry, Path]) -> None:
    _, path = built
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"api.openai.com", b"evil.example.com"))
    with pytest.raises(llmreg.SnapshotError, match="index does not match the definitions"):
        llmreg.load_snapshot(path)


def test_consistent_tamper_of_one_hash_fails_the_registry_hash(
    built: tuple[llmreg.Registry, Path],
) -> None:
    _, path = built
    rewrite(
        path,
        lambda p: p.replace_text("acme/openai", _same_length_edit(p.text_of("acme/openai"))),
    )
    with pytest.raises(llmreg.SnapshotError, match="registry_hash"):
        llmreg.load_snapshot(path)


def test_edited_header_is_detected(built: tuple[llmreg.Registry, Path]) -> None:
    _, path = built
    raw = path.read_bytes()
    parts = read_parts(path)
    other = "sha256:" + "0" * 64
    for key, match in (("registry_hash", "registry_hash"), ("content_hash", "content_hash")):
        path.write_bytes(raw.replace(parts.header[key].encode(), other.encode(), 1))
        with pytest.raises(llmreg.SnapshotError, match=match):
            llmreg.load_snapshot(path)


def test_removed_entry_is_detected(built: tuple[llmreg.Registry, Path]) -> None:
    _, path = built

    def remove_last(parts: Parts) -> None:
        parts.rows.pop()
        parts.texts.pop()

    rewrite(path, remove_last)
    with pytest.raises(llmreg.SnapshotError, match="truncated or edited"):
        llmreg.load_snapshot(path)
    rewrite(path, lambda p: p.header.__setitem__("count", len(p.rows)))
    with pytest.raises(llmreg.SnapshotError, match="registry_hash"):
        llmreg.load_snapshot(path)


@pytest.mark.parametrize("keep", [0, 1, 100, -2, -500])
def test_truncation_is_detected(built: tuple[llmreg.Registry, Path], keep: int) -> None:
    _, path = built
    raw = path.read_bytes()
    path.write_bytes(raw[:keep])
    with pytest.raises(llmreg.SnapshotError, match="truncated"):
        llmreg.load_snapshot(path)


def test_wrong_format_and_version(built: tuple[llmreg.Registry, Path], tmp_path: Path) -> None:
    _, path = built
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    with pytest.raises(llmreg.SnapshotError, match="not an llmreg snapshot"):
        llmreg.load_snapshot(other)
    _edit(path, lambda d: None)  # the same document, reformatted
    with pytest.raises(llmreg.SnapshotError, match="not laid out as llmreg writes"):
        llmreg.load_snapshot(path)
    _edit(path, lambda d: d.__setitem__("format_version", 99))
    with pytest.raises(llmreg.SnapshotError, match="format_version 99"):
        llmreg.load_snapshot(path)
    with pytest.raises(llmreg.SnapshotError, match="cannot read"):
        llmreg.load_snapshot(tmp_path / "missing.json")


def _add_key(parts: Parts, ident: str, insert: str, *, registry: bool) -> None:
    name = ident.split("/")[1]
    text = parts.text_of(ident).replace(f'"name":"{name}"'.encode(), insert.encode())
    parts.replace_text(ident, text)
    if registry:
        parts.rehash_registry()


def test_invalid_definition_with_matching_hash_is_refused(
    built: tuple[llmreg.Registry, Path],
) -> None:
    _, path = built
    rewrite(path, lambda p: _add_key(p, "acme/mini", '"name":"mini","x":1', registry=False))
    with pytest.raises(llmreg.SnapshotError, match="registry_hash"):
        llmreg.load_snapshot(path)


@pytest.mark.parametrize("position", [0, -1])
def test_invalid_definition_with_every_hash_recomputed_is_refused_when_used(
    built: tuple[llmreg.Registry, Path], position: int
) -> None:
    """Only a snapshot whose three hashes were all recomputed gets past loading (loading
    trusts the hashes); its invalid definition is refused where it would be built, and no
    invalid definition is ever handed out."""
    reg, path = built
    target = [m.id for m in reg.models()][position]
    name = target.split("/")[1]
    insert = f'"name":"{name}","context_window":"big"'
    rewrite(path, lambda p: _add_key(p, target, insert, registry=True))
    loaded = llmreg.load_snapshot(path)
    other = next(m.id for m in reg.models() if m.id != target)
    assert loaded.model(other) == reg.model(other)
    for use in (lambda: loaded.model(target), loaded.models, loaded.definitions):
        with pytest.raises(llmreg.SnapshotError, match=rf"Model {target}: not a valid Model"):
            use()


def test_a_definition_under_another_id_is_refused_when_used(
    built: tuple[llmreg.Registry, Path],
) -> None:
    reg, path = built
    first, second = [m.id for m in reg.models()][:2]

    def swap(parts: Parts) -> None:
        a, b = parts.position(first), parts.position(second)
        parts.texts[a], parts.texts[b] = parts.texts[b], parts.texts[a]
        parts.rows[a][2], parts.rows[b][2] = parts.rows[b][2], parts.rows[a][2]
        parts.rehash_registry()

    rewrite(path, swap)
    loaded = llmreg.load_snapshot(path)
    with pytest.raises(llmreg.SnapshotError, match=rf"Model {first}: id does not match"):
        loaded.model(first)


def test_loaded_definitions_do_not_share_default_lists(built: tuple[llmreg.Registry, Path]) -> None:
    _, path = built
    models = [
        m
        for m in llmreg.load_snapshot(path).models()
        if "input_modalities" not in m.model_fields_set
    ]
    assert len(models) >= 2
    assert models[0].input_modalities == models[1].input_modalities == ["text"]
    assert models[0].input_modalities is not models[1].input_modalities


def test_a_duplicate_id_is_refused(built: tuple[llmreg.Registry, Path]) -> None:
    reg, path = built
    last = reg.models()[-1].id

    def duplicate_last_model(parts: Parts) -> None:
        position = parts.position(last)
        parts.rows.insert(position, list(parts.rows[position]))
        parts.texts.insert(position, parts.texts[position])
        parts.header["count"] += 1
        parts.rehash_registry()

    rewrite(path, duplicate_last_model)
    with pytest.raises(llmreg.SnapshotError, match=rf"Model {last}: appears twice"):
        llmreg.load_snapshot(path)


# Not regular files and oversized files: one SnapshotError, no hang, nothing read unbounded.


def test_devices_are_refused(tmp_path: Path) -> None:
    for device in ("/dev/zero", "/dev/urandom", "/dev/null"):
        if not Path(device).exists():
            pytest.skip(f"{device} is missing on this system")
        with pytest.raises(llmreg.SnapshotError, match="not a regular file"):
            llmreg.load_snapshot(device)
        link = tmp_path / f"{Path(device).name}.json"  # a registry entry linking to it
        link.symlink_to(device)
        with pytest.raises(llmreg.SnapshotError, match="not a regular file"):
            llmreg.load_snapshot(link)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    fifo = tmp_path / "registry.snapshot.json"
    os.mkfifo(fifo)
    # Without a writer, opening it for reading would block: run it where a hang cannot stall
    # the suite, and fail (not hang) if it does not return.
    outcome: list[BaseException] = []
    worker = threading.Thread(target=_capture, args=(llmreg.load_snapshot, fifo, outcome))
    worker.daemon = True
    worker.start()
    worker.join(60)
    if worker.is_alive():  # unblock the thread before failing: open the FIFO for writing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("load_snapshot blocked on a FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], llmreg.SnapshotError)
    assert "not a regular file" in str(outcome[0])


def _capture(func: Any, arg: Path, outcome: list[BaseException]) -> None:
    try:
        func(arg)
    except BaseException as exc:
        outcome.append(exc)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(llmreg.SnapshotError, match="not a regular file"):
        llmreg.load_snapshot(tmp_path)


def test_an_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    from llmreg.snapshot import MAX_SNAPSHOT_BYTES

    huge = tmp_path / "huge.json"
    with huge.open("wb") as out:  # sparse: no disk used, nothing to read
        out.truncate(MAX_SNAPSHOT_BYTES + 1)
    with pytest.raises(llmreg.SnapshotError, match="larger than"):
        llmreg.load_snapshot(huge)


def test_the_bound_is_a_parameter(built: tuple[llmreg.Registry, Path]) -> None:
    reg, path = built
    size = path.stat().st_size
    assert llmreg.load_snapshot(path, max_bytes=size).hash == reg.hash
    with pytest.raises(llmreg.SnapshotError, match=f"larger than {size - 1} bytes"):
        llmreg.load_snapshot(path, max_bytes=size - 1)


def test_a_file_growing_while_read_is_bounded(
    built: tuple[llmreg.Registry, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """fstat said small, then more bytes came: only the bound plus one byte is ever read."""
    _, path = built
    size = path.stat().st_size
    reads: list[int] = []
    real_read = os.read

    def counting_read(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        reads.append(len(data))
        return data

    with path.open("ab") as out:  # the file is now larger than its fstat will say below
        out.write(b" " * 4096)
    real_fstat = os.fstat

    def stale_fstat(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        values = list(info)
        values[6] = size  # st_size as it was before the growth
        return os.stat_result(values)

    monkeypatch.setattr("os.read", counting_read)
    monkeypatch.setattr("os.fstat", stale_fstat)
    with pytest.raises(llmreg.SnapshotError, match="larger than"):
        llmreg.load_snapshot(path, max_bytes=size)
    assert sum(reads) == size + 1


# Temporary files of killed writes


def _stale(path: Path) -> None:
    old = time.time() - 24 * 3600
    os.utime(path, (old, old), follow_symlinks=False)


def test_stale_temporary_files_of_killed_writes_are_removed(
    built: tuple[llmreg.Registry, Path],
) -> None:
    reg, path = built
    folder = path.parent
    killed = folder / f".{path.name}.0123456789abcdef.tmp"  # what a killed write leaves
    legacy = folder / f".{path.name}.k_3x9q0z.tmp"  # the same, from mkstemp (llmreg <= 0.x)
    for leftover in (killed, legacy):
        leftover.write_text('{"format": "llmreg-snapshot", "defini')
        _stale(leftover)
    kept = {
        # a write in progress right now: not stale
        folder / f".{path.name}.fedcba9876543210.tmp": False,
        # another snapshot's temporary file, other names that only look alike
        folder / ".other.json.0123456789abcdef.tmp": True,
        folder / f".{path.name}.0123456789abcdef.tmp.bak": True,
        folder / f".{path.name}.notours.tmp": True,
        folder / f"{path.name}.0123456789abcdef.tmp": True,
    }
    for name, stale in kept.items():
        name.write_text("keep me")
        if stale:
            _stale(name)
    target = folder / "precious"
    target.write_text("keep me")
    link = folder / f".{path.name}.aaaaaaaaaaaaaaaa.tmp"  # a symlink is never ours
    link.symlink_to(target)
    _stale(link)
    stale_dir = folder / f".{path.name}.bbbbbbbbbbbbbbbb.tmp"
    stale_dir.mkdir()
    _stale(stale_dir)

    reg.write_snapshot(path)
    assert not killed.exists() and not legacy.exists()
    for name in kept:
        assert name.read_text() == "keep me", name
    assert link.is_symlink() and target.read_text() == "keep me"
    assert stale_dir.is_dir()
    assert llmreg.load_snapshot(path).hash == reg.hash


def test_a_killed_write_leaves_a_file_the_next_write_removes(
    built: tuple[llmreg.Registry, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulate the kill: the process dies inside the write, so no cleanup handler runs."""
    reg, path = built

    class Killed(BaseException):
        pass

    def die(*args: object) -> None:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr("os.fsync", die)
        patch.setattr("os.unlink", die)  # a killed process runs no cleanup either
        with pytest.raises(Killed):
            reg.write_snapshot(path)
    leftovers = [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1
    reg.write_snapshot(path)
    assert leftovers[0].exists()  # fresh: it could be a write still running elsewhere
    _stale(leftovers[0])
    reg.write_snapshot(path)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.mark.parametrize("kind", ["device", "fifo", "huge"])
def test_commands_refuse_what_is_not_a_snapshot_in_one_line(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from llmreg.cli import main
    from llmreg.snapshot import MAX_SNAPSHOT_BYTES

    source = tmp_path / "registry.snapshot.json"
    if kind == "device":
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero on this system")
        source.symlink_to("/dev/zero")
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this system")
        os.mkfifo(source)
    else:
        with source.open("wb") as out:
            out.truncate(MAX_SNAPSHOT_BYTES + 1)
    registry = write_registry(tmp_path / "reg")
    for args, exit_code in (
        (["hash", "--registry", str(source)], 1),
        (["show", "model", "acme/gpt-4o", "--registry", str(source)], 1),
        (["diff", str(registry), str(source)], 2),
    ):
        assert main(args) == exit_code
        out, err = capsys.readouterr()
        assert out == ""
        assert len(err.splitlines()) == 1 and err.startswith("llmreg: "), err
        assert ("not a regular file" if kind != "huge" else "larger than") in err


@pytest.mark.parametrize(
    "index",
    [
        b"{}",
        b'[{"a":1,"b":2,"c":3}]',
        b'["abc"]',
        b"[[1,2,3]]",
        b"[" * 100_000,
        b'[["Model","a/b","sha256:x"],["Model","a/a","sha256:x"]]',
        b'[["Thing","a/b","sha256:x"]]',
        b'[["Model", "a/b","sha256:x"]]',
    ],
)
def test_a_hostile_index_is_one_snapshot_error(
    built: tuple[llmreg.Registry, Path], index: bytes
) -> None:
    _, path = built
    raw = path.read_bytes()
    head, _index, rest = raw.split(b"\n", 2)
    path.write_bytes(b"\n".join([head, b'"index":' + index + b",", rest]))
    with pytest.raises(llmreg.SnapshotError, match="index does not match the definitions"):
        llmreg.load_snapshot(path)


def test_an_empty_registry_round_trips(tmp_path: Path) -> None:
    empty = llmreg.Registry([], [])
    path = empty.write_snapshot(tmp_path / "empty.json")
    loaded = llmreg.load_snapshot(path)
    assert loaded.hash == empty.hash and len(loaded) == 0 and loaded.definitions() == ()


def test_every_changed_byte_is_refused_or_harmless(built: tuple[llmreg.Registry, Path]) -> None:
    """A byte changed anywhere: SnapshotError at load, or (in the header's informational
    fields, say llmreg_version) the very same registry; never another exception."""
    import random

    reg, path = built
    raw = path.read_bytes()
    chance = random.Random(13)
    positions = chance.sample(range(len(raw)), 120)
    for position in positions:
        changed = bytearray(raw)
        changed[position] = chance.choice([c for c in b'0aZ{}[],:"\n\\ ' if c != raw[position]])
        path.write_bytes(bytes(changed))
        try:
            loaded = llmreg.load_snapshot(path)
        except llmreg.SnapshotError:
            continue
        assert loaded.hash == reg.hash, position
        assert loaded.definitions() == reg.definitions(), position
