"""The command-line contract of ``llmreg check`` and ``llmreg schema check``, as written in issue 3.

Every behaviour is run two ways: in process through ``llmreg.cli.main`` (under click's
CliRunner isolation, so stdout and stderr are captured as a terminal would see them) and as a
real ``python -m llmreg`` subprocess, which is what users and CI run.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.cli import Outcome, Run, run_in_process, run_subprocess
from llmreg.rules import RULES

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"

LINE = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>[1-9]\d*):(?P<col>[1-9]\d*): (?P<rule>[a-z0-9-]+) \S"
)
SUMMARY = re.compile(
    r"^(All good: \d+ files? checked, no problems\."
    r"|Found \d+ errors?, \d+ warnings? in \d+ files? checked\.)$"
)


@pytest.fixture(params=["in-process", "subprocess"])
def run(request: pytest.FixtureRequest) -> Run:
    return run_in_process if request.param == "in-process" else run_subprocess


def registry_from(tmp_path: Path, *cases: str, name: str = "providers.d") -> Path:
    """A registry in ``tmp_path/name`` made of the golden cases' files."""
    target = tmp_path / name
    for case in cases:
        shutil.copytree(GOLDEN / case, target, dirs_exist_ok=True)
    return target


def text_lines(outcome: Outcome) -> tuple[list[str], str]:
    lines = outcome.out.splitlines()
    assert lines, "no output"
    for line in lines[:-1]:
        assert LINE.match(line), line
    assert SUMMARY.match(lines[-1]), lines[-1]
    return lines[:-1], lines[-1]


# -- exit codes and the text format -------------------------------------------------------------


def test_clean_registry_exits_0(run: Run, tmp_path: Path) -> None:
    registry_from(tmp_path, "valid/basic")
    outcome = run(["check"], tmp_path)
    assert (outcome.code, outcome.out, outcome.err) == (
        0,
        "All good: 3 files checked, no problems.\n",
        "",
    )


def test_warnings_alone_exit_0(run: Run, tmp_path: Path) -> None:
    registry_from(tmp_path, "invalid/insecure-tls")
    outcome = run(["check"], tmp_path)
    assert outcome.code == 0
    findings, summary = text_lines(outcome)
    assert findings == [
        "providers.d/default/providers/p.yaml:7:25: insecure-tls warning: TLS certificates of "
        "this provider are not verified; trust its CA with ca_cert_pem instead"
    ]
    assert summary == "Found 0 errors, 1 warning in 1 file checked."


def test_errors_exit_1_with_one_line_per_finding(run: Run, tmp_path: Path) -> None:
    registry_from(tmp_path, "invalid/access-grant")
    outcome = run(["check"], tmp_path)
    assert outcome.code == 1
    assert outcome.out.splitlines() == [
        "providers.d/default/models/m.yaml:6:16: access-grant a public grant has access_id '*'",
        "providers.d/default/models/m.yaml:7:37: access-grant access_id '*' means everyone: "
        "use access_type public, not group",
        "Found 2 errors, 0 warnings in 1 file checked.",
    ]
    assert outcome.err == ""


def test_registry_option_and_text_format_on_every_invalid_case(tmp_path: Path) -> None:
    # In process only: a subprocess per case would make this test slow for no extra coverage.
    for case in sorted((GOLDEN / "invalid").iterdir()):
        settings = case / "pyproject.toml"  # a case of an opt-in rule enables it there
        config = ["--config", str(settings)] if settings.is_file() else []
        outcome = run_in_process(["check", "--registry", str(case), *config], ROOT)
        assert outcome.code == 1 or {
            m["rule"] for m in (LINE.match(x).groupdict() for x in text_lines(outcome)[0])
        } <= {r for r, rule in RULES.items() if rule.severity == "warning"}, case.name
        findings, _ = text_lines(outcome)
        assert findings, case.name
        for line in findings:
            match = LINE.match(line)
            assert match and match["rule"] in RULES
            assert (ROOT / match["file"]).is_file(), line
        outcome.no_traceback()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--no-such-option"], "No such option"),
        (["check", "does/not/exist.yaml"], "does not exist"),
        (["check", "--format", "xml"], "Invalid value"),
        (["check"], "registry folder providers.d does not exist"),
        (["check", "--registry", "missing"], "registry folder missing does not exist"),
        (["no-such-command"], "No such command"),
    ],
)
def test_usage_problems_exit_2(run: Run, tmp_path: Path, args: list[str], message: str) -> None:
    outcome = run(args, tmp_path)
    assert outcome.code == 2
    assert message in outcome.err
    assert outcome.out == ""
    outcome.no_traceback()


# -- JSON ---------------------------------------------------------------------------------------


def json_report(outcome: Outcome) -> dict[str, object]:
    payload = json.loads(outcome.out)
    assert isinstance(payload, dict)
    assert set(payload) == {"ok", "files_checked", "diagnostics"}
    assert isinstance(payload["ok"], bool)
    assert isinstance(payload["files_checked"], int)
    assert isinstance(payload["diagnostics"], list)
    for d in payload["diagnostics"]:
        assert set(d) == {"file", "line", "column", "path", "rule", "severity", "message"}
        assert isinstance(d["file"], str) and not Path(d["file"]).is_absolute()
        assert isinstance(d["line"], int) and d["line"] >= 1
        assert isinstance(d["column"], int) and d["column"] >= 1
        assert d["path"] == "" or d["path"].startswith("/")
        assert d["rule"] in RULES
        assert d["severity"] == RULES[d["rule"]].severity
        assert isinstance(d["message"], str) and d["message"]
    return payload


def test_json_shape(run: Run, tmp_path: Path) -> None:
    registry_from(tmp_path, "invalid/schema-wrong-type", "invalid/empty-file")
    outcome = run(["check", "--format", "json"], tmp_path)
    assert outcome.code == 1
    payload = json_report(outcome)
    assert payload["ok"] is False
    assert payload["files_checked"] == 2
    by_path = {
        (d["file"], d["path"]): (d["line"], d["column"], d["rule"], d["severity"])
        for d in payload["diagnostics"]  # type: ignore[union-attr]
    }
    provider = "providers.d/default/providers/p.yaml"
    assert by_path == {
        ("providers.d/default/models/m.yaml", ""): (1, 1, "empty-file", "error"),
        (provider, "/network_config/default_request_timeout_in_seconds"): (
            7,
            39,
            "schema",
            "error",
        ),
        (provider, "/network_config/max_retries"): (8, 16, "schema", "error"),
        (provider, "/served_models"): (9, 16, "schema", "error"),
    }


def test_json_clean_and_warning_only(run: Run, tmp_path: Path) -> None:
    registry_from(tmp_path, "valid/yaml-features")
    clean = run(["check", "--format", "json"], tmp_path)
    assert clean.code == 0
    assert json_report(clean) == {"ok": True, "files_checked": 4, "diagnostics": []}
    warned = run(
        ["check", "--format", "json", "--registry", str(GOLDEN / "invalid" / "yaml11-ambiguous")],
        ROOT,
    )
    assert warned.code == 0
    payload = json_report(warned)
    assert payload["ok"] is True
    assert {d["rule"] for d in payload["diagnostics"]} == {"yaml11-ambiguous"}  # type: ignore[union-attr]


def test_json_file_is_relative_to_the_working_directory(run: Run, tmp_path: Path) -> None:
    registry = registry_from(tmp_path, "invalid/budget-threshold")
    target = registry / "default" / "providers" / "p.yaml"
    for given in (str(target), "providers.d/default/providers/p.yaml", "providers.d"):
        payload = json_report(run(["check", "--format", "json", given], tmp_path))
        files = {d["file"] for d in payload["diagnostics"]}  # type: ignore[union-attr]
        assert files == {"providers.d/default/providers/p.yaml"}, given


def test_json_pointer_escapes_slash_and_tilde(run: Run, tmp_path: Path) -> None:
    registry = registry_from(tmp_path, "valid/basic")
    model = registry / "default" / "models" / "gpt-4o.yaml"
    model.write_text(model.read_text() + "params:\n  a/b~c:\n    x: 1\n    x: 2\n")
    payload = json_report(run(["check", "--format", "json"], tmp_path))
    assert [(d["path"], d["line"], d["column"]) for d in payload["diagnostics"]] == [  # type: ignore[union-attr]
        ("/params/a~1b~0c/x", 23, 5)
    ]


# -- which files are checked and reported -------------------------------------------------------


def test_files_inside_the_registry_load_the_whole_registry(run: Run, tmp_path: Path) -> None:
    registry_from(tmp_path, "invalid/reference-cycle")
    outcome = run(["check", "providers.d/default/models/b.yaml", "--format", "json"], tmp_path)
    payload = json_report(outcome)
    assert outcome.code == 1
    assert payload["files_checked"] == 1
    # the loop runs through a.yaml and c.yaml, which must have been read; only b.yaml reports
    assert [(d["file"], d["line"], d["rule"]) for d in payload["diagnostics"]] == [  # type: ignore[union-attr]
        ("providers.d/default/models/b.yaml", 4, "reference-cycle")
    ]


def test_a_valid_file_inside_the_registry_resolves_its_references(run: Run, tmp_path: Path) -> None:
    registry_from(tmp_path, "valid/basic", "invalid/output-exceeds-context")
    outcome = run(["check", "providers.d/default/providers/openai.yaml"], tmp_path)
    assert (outcome.code, outcome.out) == (0, "All good: 1 file checked, no problems.\n")
    everything = run(["check"], tmp_path)
    assert everything.code == 1
    assert "output-exceeds-context" in everything.out


def test_a_folder_inside_the_registry_reports_only_its_files(run: Run, tmp_path: Path) -> None:
    registry_from(tmp_path, "invalid/duplicate-id-case")
    registry_from(tmp_path, "invalid/path-mismatch-workspace")
    only_team = run(["check", "providers.d/team-a", "--format", "json"], tmp_path)
    payload = json_report(only_team)
    assert payload["files_checked"] == 1
    assert [(d["file"], d["rule"]) for d in payload["diagnostics"]] == [  # type: ignore[union-attr]
        ("providers.d/team-a/models/m.yaml", "path-mismatch")
    ]


def test_a_folder_outside_the_registry_is_its_own_registry(run: Run, tmp_path: Path) -> None:
    registry_from(tmp_path, "valid/basic")
    registry_from(tmp_path, "invalid/unresolved-reference", name="elsewhere")
    outcome = run(["check", "elsewhere", "--format", "json"], tmp_path)
    payload = json_report(outcome)
    assert outcome.code == 1
    assert payload["files_checked"] == 2
    # default/gpt-4o exists in providers.d but not in elsewhere/: the references do not resolve
    assert sorted((d["file"], d["rule"]) for d in payload["diagnostics"]) == [  # type: ignore[union-attr]
        ("elsewhere/default/models/gpt-4o.yaml", "unresolved-reference"),
        ("elsewhere/default/providers/p.yaml", "unresolved-reference"),
    ]


def test_a_file_outside_any_registry_is_checked_on_its_own(run: Run, tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir()
    # misnamed and referencing a model that exists nowhere: no layout or reference rules apply
    shutil.copy(GOLDEN / "invalid/path-mismatch/default/models/gpt4.yaml", loose / "gpt4.yaml")
    shutil.copy(
        GOLDEN / "invalid/unresolved-reference/default/providers/p.yaml", loose / "provider.yaml"
    )
    shutil.copy(GOLDEN / "invalid/date-order/default/models/m.yaml", loose / "dated.yaml")
    outcome = run(["check", "loose/gpt4.yaml", "loose/provider.yaml", "loose/dated.yaml"], tmp_path)
    assert outcome.code == 1
    findings, summary = text_lines(outcome)
    assert [line.split(" ")[0:2] for line in findings] == [["loose/dated.yaml:5:18:", "date-order"]]
    assert summary == "Found 1 error, 0 warnings in 3 files checked."


# -- hostile input ------------------------------------------------------------------------------

HOSTILE = {
    "bomb.yaml": (
        "kind: Model\nworkspace: default\nname: bomb\nparams:\n"
        + "".join(
            f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10) if i else ', '.join(['x'] * 10)}]\n"
            for i in range(10)
        )
    ).encode(),
    "deep.yaml": ("a: " + "[" * 100_000 + "]" * 100_000 + "\n").encode(),
    "deep-block.yaml": "".join(" " * i + f"k{i}:\n" for i in range(200)).encode(),
    "exec.yaml": b"kind: Model\nworkspace: default\nname: x\n"
    b"params: !!python/object/apply:os.system ['touch PWNED']\n",
    "exec-key.yaml": b"? !!python/object/apply:os.system ['touch PWNED']\n: x\n",
    "garbage.yaml": bytes(range(256)) * 16,
    "huge.yaml": b"kind: Model\n" + b"#" * (2 * 1024 * 1024) + b"\n",
    "utf16.yaml": "kind: Model\n".encode("utf-16"),
    "tabs.yaml": b"kind: Model\n\tname: x\n",
    "anchors-everywhere.yaml": b"&a a: &b b\n*b : *a\n",
}


def test_hostile_files_never_crash(run: Run, tmp_path: Path) -> None:
    work = tmp_path / "hostile"
    work.mkdir()
    for name, content in HOSTILE.items():
        (work / name).write_bytes(content)
    for fmt in ("text", "json"):
        outcome = run(["check", "--format", fmt, *sorted(HOSTILE)], work)
        outcome.no_traceback()
        assert outcome.code == 1, outcome.err
        assert not (work / "PWNED").exists()
    payload = json_report(outcome)
    assert payload["files_checked"] == len(HOSTILE)
    reported = {d["file"] for d in payload["diagnostics"]}  # type: ignore[union-attr]
    assert reported == set(HOSTILE)
    rules = {d["file"]: d["rule"] for d in payload["diagnostics"]}  # type: ignore[union-attr]
    assert rules["bomb.yaml"] == "yaml-limit"
    assert rules["deep.yaml"] == "yaml-limit"
    assert rules["huge.yaml"] == "yaml-limit"
    assert rules["garbage.yaml"] == "encoding"
    assert rules["utf16.yaml"] == "encoding"
    assert "unsafe-tag" in {
        d["rule"]
        for d in payload["diagnostics"]
        if d["file"] == "exec.yaml"  # type: ignore[union-attr]
    }


# -- schema check -------------------------------------------------------------------------------


def test_schema_check_passes_on_the_committed_schemas(run: Run) -> None:
    outcome = run(["schema", "check"], ROOT)
    assert outcome.code == 0, outcome.err
    assert "match the models" in outcome.out


def test_schema_check_fails_on_a_tampered_copy(run: Run, tmp_path: Path) -> None:
    copy = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", copy)
    target = copy / "provider.schema.json"
    schema = json.loads(target.read_text(encoding="utf-8"))
    schema["properties"]["host_url"]["maxLength"] = 4096
    target.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    outcome = run(["schema", "check", "--dir", str(copy)], tmp_path)
    assert outcome.code == 1
    assert "provider.schema.json: differs from what the models export" in outcome.err
    assert "4096" in outcome.err
    assert "model.schema.json" not in outcome.err
    outcome.no_traceback()


def test_schema_check_on_a_missing_folder_is_a_finding_not_a_crash(
    run: Run, tmp_path: Path
) -> None:
    outcome = run(["schema", "check", "--dir", str(tmp_path / "nothing")], tmp_path)
    assert outcome.code == 1
    assert "cannot be read" in outcome.err
    outcome.no_traceback()


# -- internal errors ------------------------------------------------------------------------------


def _explode(*args: object, **kwargs: object) -> None:
    raise RuntimeError("simulated bug")


def test_internal_error_exits_3_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry_from(tmp_path, "valid/basic")
    monkeypatch.setattr("llmreg.check.run_check", _explode)
    outcome = run_in_process(["check"], tmp_path)
    assert outcome.code == 3
    assert "internal error: RuntimeError: simulated bug" in outcome.err
    assert "please report" in outcome.err
    outcome.no_traceback()
    debug = run_in_process(["--debug", "check"], tmp_path)
    assert debug.code == 3
    assert "Traceback" in debug.err
    assert "simulated bug" in debug.err


def test_internal_error_in_a_real_process_exits_3(tmp_path: Path) -> None:
    registry_from(tmp_path, "valid/basic")
    # sitecustomize runs before llmreg in the child and plants the bug there
    (tmp_path / "sitecustomize.py").write_text(
        "import llmreg.check\n"
        "def _explode(*a, **k):\n"
        "    raise RuntimeError('simulated bug')\n"
        "llmreg.check.run_check = _explode\n"
        "import llmreg.cli.check\n"
        "llmreg.cli.check.run_check = _explode\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "llmreg", "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**_env(), "PYTHONPATH": str(tmp_path)},
    )
    assert done.returncode == 3, done.stderr
    assert "internal error" in done.stderr
    assert "Traceback" not in done.stderr


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)
