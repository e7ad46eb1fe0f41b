"""Golden registries: every finding of ``llmreg check`` is stated in the file it belongs to.

``tests/golden/valid/<case>/`` are registries that must produce no finding at all.
``tests/golden/invalid/<rule-id>[-variant]/`` are registries whose files say which findings they
must produce, with a comment on the line where the finding is reported::

    max_retries: "3"  # expect: schema
    # expect: empty-file@1        (for a line that cannot carry the comment itself)

The check must report exactly the expected (file, line, rule) set: nothing missing, nothing
extra. Findings that cannot live in a committed file (an unreadable file, a file over the size
limit) are produced by the tests at the end of this module.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from llmreg import settings
from llmreg.check import CheckReport, check_file, run_check
from llmreg.rules import RULES

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
VALID = sorted(p for p in (GOLDEN / "valid").iterdir() if p.is_dir())
INVALID = sorted(p for p in (GOLDEN / "invalid").iterdir() if p.is_dir())

_ITEM = r"[a-z0-9]+(?:-[a-z0-9]+)*(?:@\d+)?"
_EXPECT = re.compile(rf"#\s*expect:\s*({_ITEM}(?:\s*,\s*{_ITEM})*)")

# Rules whose examples are made by tests in this module rather than committed files.
GENERATED = {"read-error", "too-many-findings"}

Finding = tuple[str, int, str]


def _text_for_comments(raw: bytes) -> str:
    # The encoding cases hold bytes that are not UTF-8 on purpose (a Latin-1 byte, NUL bytes,
    # UTF-16). Dropping NULs turns ASCII UTF-16 into readable text without moving any line.
    return raw.replace(b"\x00", b"").decode("utf-8", errors="replace")


def definition_files(case: Path) -> list[Path]:
    return sorted(p for p in case.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))


def expectations(case: Path) -> set[Finding]:
    expected: set[Finding] = set()
    for path in sorted(p for p in case.rglob("*") if p.is_file()):
        rel = path.relative_to(case).as_posix()
        for number, line in enumerate(_text_for_comments(path.read_bytes()).splitlines(), 1):
            match = _EXPECT.search(line)
            if not match:
                continue
            for item in match.group(1).split(","):
                rule, _, at = item.strip().partition("@")
                expected.add((rel, int(at) if at else number, rule))
    return expected


def findings(report: CheckReport, case: Path) -> set[Finding]:
    root = case.resolve()
    found: set[Finding] = set()
    for d in report.diagnostics:
        rel = (Path.cwd() / d.file).resolve().relative_to(root).as_posix()
        found.add((rel, d.line, d.rule))
    return found


def _check(case: Path) -> CheckReport:
    """``llmreg check`` of a case with the settings ``llmreg.load()`` finds for it: a case
    of an opt-in rule enables it in its own pyproject.toml."""
    return run_check([], case, settings=settings.load(start=case))


def _describe(items: set[Finding]) -> list[str]:
    return [f"{f}:{line}: {rule}" for f, line, rule in sorted(items)]


@pytest.mark.parametrize("case", VALID, ids=[p.name for p in VALID])
def test_valid_registry_has_no_findings(case: Path) -> None:
    assert expectations(case) == set(), "valid trees state no expectations"
    report = _check(case)
    assert [f"{d.file}:{d.line}: {d.rule} {d.message}" for d in report.diagnostics] == []
    assert report.ok
    assert report.files_checked == len(definition_files(case))


@pytest.mark.parametrize("case", INVALID, ids=[p.name for p in INVALID])
def test_invalid_registry_reports_exactly_what_its_files_expect(case: Path) -> None:
    expected = expectations(case)
    assert expected, f"{case.name}: no '# expect:' comment in any file"
    unknown = {rule for _, _, rule in expected} - set(RULES)
    assert not unknown, f"expectations name rules that do not exist: {sorted(unknown)}"
    report = _check(case)
    found = findings(report, case)
    assert {
        "missing": _describe(expected - found),
        "unexpected": _describe(found - expected),
    } == {"missing": [], "unexpected": []}
    assert report.files_checked == len(definition_files(case))
    for d in report.diagnostics:
        assert d.severity == RULES[d.rule].severity


def test_invalid_case_names_start_with_a_rule_id() -> None:
    for case in INVALID:
        assert any(case.name == r or case.name.startswith(f"{r}-") for r in RULES), case.name


def test_every_rule_has_an_invalid_example() -> None:
    covered = set(GENERATED)
    for case in INVALID:
        covered.update(rule for _, _, rule in expectations(case))
    assert sorted(set(RULES) - covered) == []


def test_case_named_after_a_rule_expects_that_rule() -> None:
    for case in INVALID:
        named = max((r for r in RULES if case.name.startswith(r)), key=len)
        assert named in {rule for _, _, rule in expectations(case)}, case.name


# -- examples that cannot be committed ---------------------------------------------------------

MODEL = "kind: Model\nworkspace: default\nname: m\n"


def _registry(tmp_path: Path) -> Path:
    registry = tmp_path / "registry"
    (registry / "default" / "models").mkdir(parents=True)
    return registry


def _rules_at(report: CheckReport) -> list[tuple[str, int, int, str]]:
    return [(Path(d.file).name, d.line, d.column, d.rule) for d in report.diagnostics]


def test_unreadable_file_is_a_read_error(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    target = registry / "default" / "models" / "m.yaml"
    target.write_text(MODEL, encoding="utf-8")
    target.chmod(0)
    try:
        if os.access(target, os.R_OK):
            pytest.skip("permissions do not deny reading here (running as root)")
        report = run_check([], registry)
    finally:
        target.chmod(0o644)
    assert _rules_at(report) == [("m.yaml", 1, 1, "read-error")]
    assert "Permission denied" in report.diagnostics[0].message


def test_dangling_symlink_is_a_read_error(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    dangling = registry / "default" / "models" / "dangling.yaml"
    dangling.symlink_to(registry / "default" / "models" / "does-not-exist.yaml")
    report = run_check([], registry)
    assert _rules_at(report) == [("dangling.yaml", 1, 1, "read-error")]
    assert report.files_checked == 1
    assert not report.ok


def test_symlink_loop_is_a_read_error(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    looping = registry / "default" / "models" / "loop.yaml"
    looping.symlink_to(looping)
    report = run_check([], registry)
    assert _rules_at(report) == [("loop.yaml", 1, 1, "read-error")]


def test_a_directory_read_as_a_file_is_a_read_error(tmp_path: Path) -> None:
    folder = tmp_path / "x.yaml"
    folder.mkdir()
    result = check_file(folder, "x.yaml", None)
    assert [(d.line, d.column, d.rule) for d in result.diagnostics] == [(1, 1, "read-error")]


def test_a_folder_named_like_a_definition_in_a_registry_is_a_read_error(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    (registry / "default" / "models" / "gpt-4o.yaml").mkdir()
    report = run_check([], registry)
    assert _rules_at(report) == [("gpt-4o.yaml", 1, 1, "read-error")]
    assert not report.ok


def test_file_over_the_size_limit_is_a_yaml_limit(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    target = registry / "default" / "models" / "m.yaml"
    filler = "# " + "x" * 98 + "\n"
    target.write_text(MODEL + filler * (1024 * 1024 // len(filler) + 1), encoding="utf-8")
    assert target.stat().st_size > 1024 * 1024
    report = run_check([], registry)
    assert _rules_at(report) == [("m.yaml", 1, 1, "yaml-limit")]
    assert "bytes" in report.diagnostics[0].message


# -- check and load() agree --------------------------------------------------------------------


@pytest.mark.parametrize("case", VALID + INVALID, ids=[p.name for p in VALID + INVALID])
def test_check_and_load_agree(case: Path) -> None:
    """A tree that ``llmreg check`` passes loads, one that it fails does not, with the same
    findings."""
    import llmreg
    from llmreg.errors import RegistryError

    report = _check(case)
    try:
        registry = llmreg.load(case)
    except RegistryError as exc:
        assert not report.ok, f"check passes {case.name} but load() refuses it: {exc}"
        assert list(exc.diagnostics) == report.diagnostics
    else:
        assert report.ok, f"check fails {case.name} but load() accepts it"
        assert list(registry.warnings) == report.diagnostics
