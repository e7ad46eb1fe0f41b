"""The packed per-registry index of the check cache (``llmreg.cache.RegistryIndex``)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import llmreg.check
import llmreg.schedule
import llmreg.stage
from llmreg import cache as cache_module
from llmreg import fast_source
from llmreg.cache import Cache, RegistryIndex
from llmreg.check import run_check
from llmreg.results import Staged, finding

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from generate import write_registry


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts file reads and parses of the check pipeline."""
    seen: list[str] = []

    def counting(name: str, real: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            seen.append(name)
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(llmreg.schedule, "read", counting("read", llmreg.schedule.read))
    monkeypatch.setattr(llmreg.stage, "parse", counting("reference", llmreg.stage.parse))
    monkeypatch.setattr(fast_source, "load", counting("fast", fast_source.load))
    return seen


@pytest.fixture
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test count as settled as soon as they are looked at."""
    monkeypatch.setattr(cache_module, "SETTLE_NS", 0)


def _indexes(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("index/*") if not p.name.startswith("."))


def _shown(report: llmreg.check.CheckReport) -> list[tuple[object, ...]]:
    return [(d.file, d.line, d.column, d.rule, d.message, d.severity) for d in report.diagnostics]


def _registry_with_findings(tmp_path: Path, count: int = 20) -> tuple[Path, list[Path]]:
    root = tmp_path / "registry"
    files = write_registry(root, count)
    model = next(p for p in files if "/models/" in p.as_posix())
    model.write_text(
        model.read_text(encoding="utf-8") + "base_model_id: default/nowhere\n", encoding="utf-8"
    )
    (root / "default" / "models" / "broken.yaml").write_text("kind: Model\nname: [\n")
    return root, files


@pytest.mark.usefixtures("settled_at_once")
def test_an_unchanged_registry_is_answered_by_the_index_without_reading_files(
    tmp_path: Path, calls: list[str]
) -> None:
    root = tmp_path / "registry"
    write_registry(root, 25)
    store = Cache.for_run(tmp_path / "cache")
    assert run_check([], root, cache=store, jobs=1).ok
    assert len(_indexes(tmp_path / "cache")) == 1
    index_bytes = _indexes(tmp_path / "cache")[0].read_bytes()
    calls.clear()
    store.hits = 0
    assert run_check([], root, cache=store, jobs=1).ok
    assert calls == []
    assert store.hits == 25
    # nothing changed, so the index was not written again
    assert _indexes(tmp_path / "cache")[0].read_bytes() == index_bytes


@pytest.mark.usefixtures("settled_at_once")
def test_an_edited_file_is_read_again_and_its_new_findings_reported(
    tmp_path: Path, calls: list[str]
) -> None:
    root = tmp_path / "registry"
    files = write_registry(root, 25)
    store = Cache.for_run(tmp_path / "cache")
    assert run_check([], root, cache=store, jobs=1).ok
    target = next(p for p in files if "/models/" in p.as_posix())
    text = target.read_text(encoding="utf-8")
    # same size, so only the times and the bytes tell the edit apart
    target.write_text(text.replace("kind: Model", "kind: Mode!"), encoding="utf-8")
    calls.clear()
    report = run_check([], root, cache=store, jobs=1)
    assert calls.count("read") == 1 and calls.count("fast") == 1
    # its schema finding, and the cross-file findings of the models that referred to it
    assert [d.file.endswith(target.name) for d in report.diagnostics if d.rule == "schema"] == [
        True
    ]
    assert {d.rule for d in report.diagnostics} <= {"schema", "unresolved-reference"}
    # and the edit back is served by the per-file entry of the original bytes
    target.write_text(text, encoding="utf-8")
    calls.clear()
    assert run_check([], root, cache=store, jobs=1).ok
    assert calls == ["read"]


def test_a_recent_signature_is_not_trusted_alone(tmp_path: Path) -> None:
    index = RegistryIndex(str(tmp_path / "index"), {})
    staged = Staged([finding("schema", "m", "/a", 2, 3)], "Model", None, "w/n")
    now = time.time_ns()
    recent = (10, now - 1_000, now - 1_000, 7)
    old = (10, now - 60 * 10**9, now - 60 * 10**9, 8)
    index.record("recent.yaml", recent, "k1", staged, now)
    index.record("old.yaml", old, "k2", staged, now)
    index.save()
    reread = RegistryIndex(index.path, cache_module._read_index(index.path))
    # a file that may still change within its timestamp tick is hashed again...
    assert reread.trusted("recent.yaml", recent) is None
    found = reread.by_key("recent.yaml", "k1")
    assert found is not None and found.staged() == staged
    assert reread.by_key("recent.yaml", "other") is None
    # ...one that had settled is trusted on its signature, and only on an equal one
    found = reread.trusted("old.yaml", old)
    assert found is not None and found.staged() == staged
    assert reread.trusted("old.yaml", (11, *old[1:])) is None
    assert reread.trusted("old.yaml", (*old[:3], 9)) is None
    assert reread.trusted("missing.yaml", old) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[: len(blob) // 2],
        lambda blob: b"",
        lambda blob: blob[:-3] + b"xyz",
        lambda blob: b"\x00\xff" * 50,
    ],
    ids=["truncated", "empty", "tampered", "garbage"],
)
@pytest.mark.usefixtures("settled_at_once")
def test_a_corrupt_index_is_ignored_and_rewritten(
    tmp_path: Path, calls: list[str], damage: object
) -> None:
    root, _files = _registry_with_findings(tmp_path)
    store = Cache.for_run(tmp_path / "cache")
    first = run_check([], root, cache=store, jobs=1)
    assert callable(damage)
    (index_path,) = _indexes(tmp_path / "cache")
    index_path.write_bytes(damage(index_path.read_bytes()))
    calls.clear()
    second = run_check([], root, cache=store, jobs=1)
    assert _shown(second) == _shown(first)
    # every file read again (served by its per-file entry), and the index is whole again
    assert calls.count("read") == 21
    calls.clear()
    assert _shown(run_check([], root, cache=store, jobs=1)) == _shown(first)
    assert calls.count("read") == 0


@pytest.mark.usefixtures("settled_at_once")
def test_output_is_the_same_without_cache_cold_and_from_the_index(tmp_path: Path) -> None:
    root, files = _registry_with_findings(tmp_path)
    secret_file = next(p for p in files if "/providers/" in p.as_posix())
    secret = "sk-" + "A1b2C3d4E5f6G7h8I9j0K1l2"
    secret_file.write_text(
        secret_file.read_text(encoding="utf-8").replace(
            "  X-Request-Source: llmreg\n", f"  X-Request-Source: {secret}\n"
        ),
        encoding="utf-8",
    )
    expected = _shown(run_check([], root, jobs=1))
    assert {"unresolved-reference", "yaml-syntax", "inline-secret"} <= {r[3] for r in expected}
    store = Cache.for_run(tmp_path / "cache")
    assert _shown(run_check([], root, cache=store, jobs=2)) == expected
    assert _shown(run_check([], root, cache=store, jobs=1)) == expected
    assert _shown(run_check([files[4]], root, cache=store, jobs=1)) == [
        row for row in expected if row[0].endswith(files[4].name)
    ]
    (index_path,) = _indexes(tmp_path / "cache")
    assert secret.encode() not in index_path.read_bytes()


def test_a_fully_cached_check_imports_no_reader_validator_or_pydantic(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    write_registry(root, 15)
    probe = (
        "import sys; import llmreg.cache; llmreg.cache.SETTLE_NS = 0; "
        "from llmreg.cli import main; "
        f"code = main(['check', '--registry', {str(root)!r}, '--cache-dir', "
        f"{str(tmp_path / 'cache')!r}]); "
        "heavy = ('yaml', 'yaml_rs', 'jsonschema', 'jsonschema_rs', 'jinja2', 'pydantic', "
        "'llmreg.source', 'llmreg.validate'); "
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in heavy "
        "or m in heavy))"
    )

    def loaded() -> str:
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        return done.stdout.strip().splitlines()[-1]

    first = loaded()
    assert first.startswith("0 ") and "yaml" in first  # the cold run had to read YAML
    assert loaded() == "0 []"


# -- facts only, no second read, the remembered registry stage -----------------------------------

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
TREES = sorted(p for kind in ("valid", "invalid") for p in (GOLDEN / kind).iterdir() if p.is_dir())


@pytest.fixture
def file_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every read of a definition file's bytes, by the stage or to place a finding."""
    import llmreg.layout

    seen: list[str] = []
    real = llmreg.layout.read_file

    def counting(path: Any, *args: Any, **kwargs: Any) -> bytes:
        seen.append(os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(llmreg.layout, "read_file", counting)
    monkeypatch.setattr(llmreg.schedule, "read_file", counting)
    return seen


@pytest.mark.parametrize("tree", TREES, ids=[f"{p.parent.name}/{p.name}" for p in TREES])
@pytest.mark.usefixtures("settled_at_once")
def test_golden_output_is_the_same_cold_warm_and_after_an_edit(tmp_path: Path, tree: Path) -> None:
    from llmreg import settings

    root = tmp_path / "tree"
    shutil.copytree(tree, root, symlinks=True)
    options = settings.load(start=root)
    expected = _shown(run_check([], root, jobs=1, settings=options))
    store = Cache.for_run(tmp_path / "cache")
    for _ in range(2):  # cold, then from the index and the remembered registry stage
        assert _shown(run_check([], root, cache=store, jobs=1, settings=options)) == expected
    # a comment added to one file: its positions move; the registry stage is remembered
    target = max(root.rglob("*.yaml"), key=lambda p: p.stat().st_size)
    target.write_bytes(b"# moved down\n" + target.read_bytes())
    moved = _shown(run_check([], root, jobs=1, settings=options))
    assert _shown(run_check([], root, cache=store, jobs=1, settings=options)) == moved
    assert _shown(run_check([], root, cache=store, jobs=1, settings=options)) == moved


@pytest.mark.usefixtures("settled_at_once")
def test_a_registry_finding_on_a_cached_file_does_not_read_it_again(
    tmp_path: Path, file_reads: list[str]
) -> None:
    root = tmp_path / "registry"
    files = write_registry(root, 30)
    models = [p for p in files if "/models/" in p.as_posix()]
    dangling = models[2]
    dangling.write_text(
        dangling.read_text(encoding="utf-8") + "base_model_id: default/nowhere\n", encoding="utf-8"
    )
    store = Cache.for_run(tmp_path / "cache")
    first = _shown(run_check([], root, cache=store, jobs=1))
    assert [row[3] for row in first] == ["unresolved-reference"]
    assert file_reads.count(str(dangling)) == 1  # read once, by the stage
    file_reads.clear()
    assert _shown(run_check([], root, cache=store, jobs=1)) == first
    assert file_reads == []
    # another file changes what the registry rules read: they run again, over cached facts,
    # and place the finding on the cached file by its cached positions
    other = models[5]
    other.write_text(
        other.read_text(encoding="utf-8").replace("name: ", "name: renamed-", 1), encoding="utf-8"
    )
    file_reads.clear()
    second = _shown(run_check([], root, cache=store, jobs=1))
    assert {row[3] for row in second} == {"unresolved-reference", "path-mismatch"}
    assert [row for row in second if row[0] == str(dangling)] == first
    assert file_reads == [str(other)]


@pytest.mark.usefixtures("settled_at_once")
def test_the_registry_stage_runs_again_only_when_what_it_reads_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import llmreg.rules

    runs: list[int] = []
    real = llmreg.check.registry_rules

    def counting() -> list[llmreg.rules.Rule]:
        runs.append(1)
        return real()

    monkeypatch.setattr(llmreg.check, "registry_rules", counting)
    root = tmp_path / "registry"
    files = write_registry(root, 30)
    store = Cache.for_run(tmp_path / "cache")
    assert run_check([], root, cache=store, jobs=1).ok and len(runs) == 1
    assert run_check([], root, cache=store, jobs=1).ok and len(runs) == 1
    model = next(p for p in files if "/models/" in p.as_posix())
    text = model.read_text(encoding="utf-8")
    model.write_text(text + "# a comment changes no fact\n", encoding="utf-8")
    assert run_check([model], root, cache=store, jobs=1).ok and len(runs) == 1
    model.write_text(text + "base_model_id: default/nowhere\n", encoding="utf-8")
    report = run_check([model], root, cache=store, jobs=1)
    assert [d.rule for d in report.diagnostics] == ["unresolved-reference"] and len(runs) == 2
    model.write_text(text, encoding="utf-8")
    assert run_check([], root, cache=store, jobs=1).ok and len(runs) == 3


def test_the_digest_covers_names_facts_and_the_enabled_rules(tmp_path: Path) -> None:
    def result(name: str, facts: dict[str, Any]) -> llmreg.check.FileResult:
        made = llmreg.check.FileResult(name, name, name)
        made.kind, made.model_id, made.facts = "Model", f"w/{facts['name']}", facts
        return made

    facts = {"kind": "Model", "workspace": "w", "name": "a"}
    one = [result("w/models/a.yaml", facts)]
    base = RegistryIndex.digest(["w/models/a.yaml"], one, frozenset())
    assert base == RegistryIndex.digest(["w/models/a.yaml"], one, frozenset())
    assert base != RegistryIndex.digest(["w/models/b.yaml"], one, frozenset())
    assert base != RegistryIndex.digest(["w/models/a.yaml"], one, frozenset({"x"}))
    other = [result("w/models/a.yaml", {**facts, "base_model_id": "w/b"})]
    assert base != RegistryIndex.digest(["w/models/a.yaml"], other, frozenset())


@pytest.mark.usefixtures("settled_at_once")
def test_a_check_keeps_no_whole_document(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    write_registry(root, 30)
    store = Cache.for_run(tmp_path / "cache")
    for cache in (None, store, store):
        results = llmreg.check.check_registry(root, cache=cache, jobs=1, keep_data=False)
        assert all(r.data is None and r.document is None for r in results)
        assert all(r.facts is not None and "params" not in r.facts for r in results)
    # load() keeps each document's data until it builds the definition from it
    kept = llmreg.check.check_registry(root, cache=store, jobs=1)
    assert all(r.data is not None and "params" in r.data for r in kept if r.kind == "Model")


@pytest.mark.usefixtures("settled_at_once")
def test_a_line_of_the_wrong_shape_under_a_valid_checksum_is_staged_again(
    tmp_path: Path, calls: list[str]
) -> None:
    root, _files = _registry_with_findings(tmp_path)
    store = Cache.for_run(tmp_path / "cache")
    first = _shown(run_check([], root, cache=store, jobs=1))
    (index_path,) = _indexes(tmp_path / "cache")
    lines = cache_module._read_index(str(index_path))
    name = "default/models/broken.yaml"  # a file with a finding: its entry is decoded at once
    fields = lines[name].split(b"\t")
    fields[8] = b'[[["no-such-rule","m","",1,1,false]],[],null]'
    lines[name] = b"\t".join(fields)
    body = b"\n".join(lines[n] for n in sorted(lines))
    digest = hashlib.sha256(body).hexdigest().encode()
    index_path.write_bytes(cache_module._INDEX_MAGIC + digest + b"\n" + body)
    calls.clear()
    assert _shown(run_check([], root, cache=store, jobs=1)) == first
    assert calls.count("read") == 1  # that file alone


def test_workers_follow_the_cpus_that_are_free(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llmreg.schedule, "_running_now", lambda: None)  # not on Linux
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    for load, jobs in ((0.0, 2), (0.4, 2), (0.6, 1), (1.0, 1), (3.5, 1)):
        monkeypatch.setattr(os, "getloadavg", lambda load=load: (load, load, load))
        assert llmreg.schedule.default_jobs() == jobs, load
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(16)), raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (2.0, 2.0, 2.0))
    assert llmreg.schedule.default_jobs() == llmreg.schedule.MAX_DEFAULT_JOBS


def test_busy_is_the_lesser_of_the_load_average_and_the_processes_running_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The load average lags: the tools that ran just before count as busy for a minute."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    cases = ((1.3, 0, 2), (1.3, 1, 1), (0.2, 3, 2), (2.5, 2, 1), (0.0, 0, 2))
    for load, running, jobs in cases:
        monkeypatch.setattr(os, "getloadavg", lambda load=load: (load, load, load))
        monkeypatch.setattr(llmreg.schedule, "_running_now", lambda running=running: running)
        assert llmreg.schedule.default_jobs() == jobs, (load, running)


def test_the_processes_running_now_do_not_count_this_one(tmp_path: Path) -> None:
    source = tmp_path / "loadavg"
    for text, running in (("1.30 1.45 1.44 1/91 6728\n", 0), ("0.10 0.2 0.3 4/120 99\n", 3)):
        source.write_text(text)
        assert llmreg.schedule._running_now(str(source)) == running
    for text in ("", "1.0 1.0 1.0 x/9 1\n", "1.0 1.0\n"):
        source.write_text(text)
        assert llmreg.schedule._running_now(str(source)) is None
    assert llmreg.schedule._running_now(str(tmp_path / "missing")) is None


@pytest.mark.usefixtures("settled_at_once")
def test_a_run_that_keeps_data_stages_every_file_and_keeps_the_index_whole(
    tmp_path: Path, calls: list[str]
) -> None:
    root = tmp_path / "registry"
    write_registry(root, 20)
    store = Cache.for_run(tmp_path / "cache")
    assert run_check([], root, cache=store, jobs=1).ok
    calls.clear()
    kept = llmreg.check.check_registry(root, cache=store, jobs=1)
    assert calls.count("read") == 20 and all(r.data is not None for r in kept)
    calls.clear()
    assert run_check([], root, cache=store, jobs=1).ok
    assert calls == []


@pytest.mark.usefixtures("settled_at_once")
def test_a_cold_check_writes_the_same_index_with_workers_reading_the_files(
    tmp_path: Path, calls: list[str]
) -> None:
    """With an empty index nothing can be served by content key, so the workers read, hash,
    stage and encode the files themselves (``schedule._read_and_stage_chunk``): the findings,
    the index (byte for byte) and the cache's counts are those of a run in one process, files
    that cannot be read and a file that must not be stored included."""
    from llmreg.constants import MAX_FILE_BYTES

    root, files = _registry_with_findings(tmp_path, 40)
    secret_file = next(p for p in files if "/providers/" in p.as_posix())
    secret_file.write_text(
        secret_file.read_text(encoding="utf-8")
        + "# sk-"
        + "A1b2C3d4E5f6G7h8I9j0K1l2\n"
        + "headers:\n  X-Key: sk-"
        + "A1b2C3d4E5f6G7h8I9j0K1l2\n",
        encoding="utf-8",
    )
    (root / "default" / "models" / "huge.yaml").write_bytes(b"#" * (MAX_FILE_BYTES + 10))
    (root / "default" / "models" / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    serial_store = Cache.for_run(tmp_path / "serial")
    serial = run_check([], root, cache=serial_store, jobs=1)
    assert calls.count("read") == 43  # 40 generated, broken, huge and dangling
    calls.clear()
    parallel_store = Cache.for_run(tmp_path / "parallel")
    parallel = run_check([], root, cache=parallel_store, jobs=2)
    assert "read" not in calls  # read in the workers (forked: their counts stay there)
    assert _shown(parallel) == _shown(serial)
    rules = {row[3] for row in _shown(serial)}
    assert {"unresolved-reference", "yaml-syntax", "inline-secret", "yaml-limit"} <= rules
    assert "read-error" in rules
    (serial_index,) = _indexes(tmp_path / "serial")
    (parallel_index,) = _indexes(tmp_path / "parallel")
    assert parallel_index.name == serial_index.name
    assert parallel_index.read_bytes() == serial_index.read_bytes()
    assert (parallel_store.hits, parallel_store.misses) == (serial_store.hits, serial_store.misses)
    assert serial_store.misses > 0
    # and the index the workers filled answers the next check as the serial one does
    again = Cache.for_run(tmp_path / "parallel")
    assert _shown(run_check([], root, cache=again, jobs=2)) == _shown(serial)
    assert again.misses == 1  # the file with a secret, never stored, is staged every run


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("cached", [False, True])
def test_a_check_holds_catalogue_facts_only_for_the_rule_that_reads_them(
    tmp_path: Path, jobs: int, cached: bool
) -> None:
    """The catalogue fields are most of a model's facts and only the opt-in
    catalog-disagreement rule reads them: a check without it holds none of them, in one process
    or from workers, while the index stores them whole (its bytes do not depend on the rule)."""
    from llmreg.check import check_registry
    from llmreg.rules import CATALOGUE_RULE, registry_facts

    root = tmp_path / "registry"
    write_registry(root, 40)
    caches = [Cache.for_run(tmp_path / name) if cached else None for name in ("off", "on")]
    off = check_registry(root, cache=caches[0], jobs=jobs, keep_data=False)
    on = check_registry(
        root, cache=caches[1], jobs=jobs, keep_data=False, enabled=frozenset({CATALOGUE_RULE})
    )
    whole = check_registry(root, jobs=1, keep_data=True)
    models = [i for i, r in enumerate(whole) if r.kind == "Model"]
    assert models and all("pricing" in whole[i].facts for i in models)  # type: ignore[operator]
    for i, result in enumerate(whole):
        assert result.data is not None and result.kind is not None
        expected = registry_facts(result.kind, result.data)
        assert on[i].facts == expected
        assert off[i].facts == {
            k: v
            for k, v in expected.items()
            if k
            not in (
                "context_window",
                "max_output_tokens",
                "input_modalities",
                "output_modalities",
                "pricing",
            )
        }
        assert off[i].positions == on[i].positions == whole[i].positions
    if cached:
        (index_off,) = _indexes(tmp_path / "off")
        (index_on,) = _indexes(tmp_path / "on")
        # the remembered registry stage differs (its digest covers the rules enabled); no line else
        lines_off = [x for x in index_off.read_bytes().split(b"\n")[1:] if not x.startswith(b"\0")]
        lines_on = [x for x in index_on.read_bytes().split(b"\n")[1:] if not x.startswith(b"\0")]
        assert lines_off == lines_on and b"pricing" in index_off.read_bytes()


def test_a_result_holds_its_positions_flat_and_gives_them_back_whole(tmp_path: Path) -> None:
    """Every file of a large check holds the positions of the registry rules' pointers: as the
    flat pairs the index stores, turned back into the dict only to place a finding."""
    from llmreg.results import FileResult
    from llmreg.stage import stage_bytes

    root = tmp_path / "registry"
    files = write_registry(root, 20)
    provider = next(p for p in files if "/providers/" in p.as_posix())
    staged, _ = stage_bytes(provider.read_bytes())
    assert staged.positions is not None and len(staged.positions) > 4
    result = FileResult(str(provider), "p.yaml", "p.yaml").absorb(staged, keep_data=False)
    assert isinstance(result._positions, tuple)
    assert result.positions == staged.positions
    placed = result.placed("unresolved-reference", "m", "/served_models/1/model_entity_id")
    assert (placed.line, placed.column) == staged.positions["/served_models/1/model_entity_id"]
    # positions that are not exactly the facts' pointers are kept as they are
    partial = dict(list(staged.positions.items())[:-1])
    staged.positions = partial
    kept = FileResult(str(provider), "p.yaml", "p.yaml").absorb(staged, keep_data=False)
    assert kept._positions is partial and kept.positions is partial
