"""The packed per-registry index of the check cache (``llmreg.cache.RegistryIndex``)."""

from __future__ import annotations

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
