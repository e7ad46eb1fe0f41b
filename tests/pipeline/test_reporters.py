"""The github and sarif reporters, and how --format is chosen."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from llmreg.check import CheckReport
from llmreg.cli import main
from llmreg.diagnostics import Diagnostic
from llmreg.report import REPORTERS, github, sarif
from llmreg.rules import RULES

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"

PROVIDER = """\
kind: Provider
workspace: default
name: p
provider_type: vllm
host_url: http://10.0.0.12:8000/v1
network_config:
  insecure_skip_verify: true
"""


def _registry(tmp_path: Path) -> Path:
    folder = tmp_path / "providers.d" / "default" / "providers"
    folder.mkdir(parents=True)
    (folder / "p.yaml").write_text(PROVIDER, encoding="utf-8")
    return tmp_path / "providers.d"


def _report(*diagnostics: Diagnostic, files: int = 1) -> CheckReport:
    return CheckReport(files_checked=files, diagnostics=list(diagnostics))


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMREG_CACHE_DIR", str(tmp_path / ".llmreg-cache"))


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().out


# -- github ------------------------------------------------------------------------------------


def test_github_escapes_data_and_properties() -> None:
    assert github.escape_data("100% a\r\nb") == "100%25 a%0D%0Ab"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_writes_one_command_per_finding_and_the_limit_in_the_summary() -> None:
    out = io.StringIO()
    github.write(
        _report(
            Diagnostic("dir,x/a:b.yaml", 3, 5, "schema", "bad: 100%\nsecond line"),
            Diagnostic("a.yaml", 7, 1, "insecure-tls", "careful", severity="warning"),
        ),
        out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "::error file=dir%2Cx/a%3Ab.yaml,line=3,col=5,title=schema::bad: 100%25%0Asecond line"
    )
    assert lines[1] == "::warning file=a.yaml,line=7,col=1,title=insecure-tls::careful"
    assert len(lines) == 3
    assert "Found 1 error, 1 warning" in lines[2]
    assert "first 10 annotations of each kind" in lines[2]


def test_github_is_chosen_on_github_actions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _registry(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out = _run(["check"], capsys)
    assert code == 1
    assert out.startswith(
        "::error file=providers.d/default/providers/p.yaml,line=5,col=11,title=private-network::"
    )
    assert "::warning file=providers.d/default/providers/p.yaml,line=7,col=25" in out
    # an explicit --format wins over the environment
    code, out = _run(["check", "--format", "text"], capsys)
    assert out.startswith("providers.d/default/providers/p.yaml:5:11: private-network")
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    code, out = _run(["check"], capsys)
    assert out.startswith("providers.d/default/providers/p.yaml:5:11: private-network")


# -- sarif -------------------------------------------------------------------------------------


def _sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def test_vendored_schema_is_the_sarif_2_1_0_schema() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    # the validator really rejects logs that break the schema
    errors = list(_sarif_validator().iter_errors({"version": "2.1.0", "runs": [{"tool": {}}]}))
    assert errors


def test_sarif_output_validates_and_carries_rules_and_locations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _registry(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out = _run(["check", "--format", "sarif"], capsys)
    assert code == 1
    log = json.loads(out)
    assert list(_sarif_validator().iter_errors(log)) == []
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "llmreg"
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    for descriptor in driver["rules"]:
        rule = RULES[descriptor["id"]]
        assert descriptor["defaultConfiguration"]["level"] == rule.severity
        assert rule.bad in descriptor["help"]["text"]
        assert rule.good in descriptor["help"]["text"]
        assert descriptor["fullDescription"]["text"] == rule.summary
    results = {(r["ruleId"], r["level"]) for r in run["results"]}
    assert results == {("private-network", "error"), ("insecure-tls", "warning")}
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "providers.d/default/providers/p.yaml"
    regions = sorted(
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]) for r in run["results"]
    )
    assert regions == [
        ("insecure-tls", {"startLine": 7, "startColumn": 25}),
        ("private-network", {"startLine": 5, "startColumn": 11}),
    ]


def test_sarif_of_a_clean_check_is_valid_with_no_results() -> None:
    out = io.StringIO()
    sarif.write(_report(), out)
    log = json.loads(out.getvalue())
    assert list(_sarif_validator().iter_errors(log)) == []
    assert log["runs"][0]["results"] == []


@pytest.mark.parametrize(
    ("shown", "uri"),
    [
        ("providers.d/a b/x.yaml", "providers.d/a%20b/x.yaml"),
        ("providers.d\\w\\x.yaml", "providers.d/w/x.yaml"),
        ("/abs/x.yaml", "file:///abs/x.yaml"),
        ("C:\\reg\\x.yaml", "file:///C:/reg/x.yaml"),
    ],
)
def test_sarif_uris_use_forward_slashes(shown: str, uri: str) -> None:
    assert sarif.artifact_uri(shown) == uri


def test_every_format_is_registered() -> None:
    assert {"text", "json", "github", "sarif"} <= set(REPORTERS)
