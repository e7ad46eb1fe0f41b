"""``llmreg import``/``export`` on whole configurations, and on input a hostile user would give."""

from __future__ import annotations

import json
import os
import string
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import llmreg
from llmreg.check import run_check
from llmreg.cli import cli
from llmreg.interop import InteropError, import_
from llmreg.interop._common import definition_path
from llmreg.interop.yaml_out import dump
from llmreg.models import Model, Provider
from llmreg.source import parse

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "providers.d"


def run(args: list[str]) -> Any:
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def one_line_exit(result: Any, code: int, message: str) -> None:
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


# -- whole configurations ------------------------------------------------------------------


@pytest.mark.parametrize("system", ["bifrost", "nemo", "labelstudio", "openwebui"])
def test_whole_configuration_export_then_import_checks_clean(system: str, tmp_path: Path) -> None:
    out = tmp_path / f"{system}.json"
    exported = run(["export", system, "--registry", str(BUNDLED), "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    payload = json.loads(out.read_text())
    assert payload  # something was exported
    if system == "nemo":
        # what NeMo lists after the create and status calls: the served models come back
        status = {f"{p.workspace}/{p.name}": p for p in llmreg.load(BUNDLED).providers()}
        for body in payload:
            provider = status[f"{body['workspace']}/{body['name']}"]
            served = [m.model_dump() for m in provider.served_models]
            body.update(served_models=served, id="p", status="READY")
        out.write_text(json.dumps({"data": payload}))
    registry = tmp_path / "reg"
    args = ["import", system, str(out), "--registry", str(registry), "--workspace", "w"]
    if system == "openwebui":
        # the models refer to each other across workspaces; keep their own
        args = args[:-2]
    imported = run(args)
    assert imported.exit_code == 0, imported.output
    written = files_under(registry)
    assert len([p for p in written if "/providers/" in str(p) or "/models/" in str(p)]) >= 5
    report = run_check([], registry)
    assert report.ok, report.diagnostics


def test_export_without_id_goes_to_stdout() -> None:
    result = CliRunner().invoke(cli, ["export", "nemo", "--registry", str(BUNDLED)])
    assert result.exit_code == 0, result.output
    bodies = json.loads(result.stdout)
    assert isinstance(bodies, list) and len(bodies) == 8
    assert all("served_models" not in b for b in bodies)
    assert "update_status" in result.stderr  # the status call is documented per provider


def test_import_dry_run_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "bifrost.json"
    run(["export", "bifrost", "--registry", str(BUNDLED), "--out", str(out)])
    registry = tmp_path / "reg"
    result = run(["import", "bifrost", str(out), "--registry", str(registry), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would write" in result.output
    assert files_under(registry) == []


def test_import_collisions_are_listed_and_nothing_is_overwritten(tmp_path: Path) -> None:
    source = tmp_path / "models.json"
    source.write_text(json.dumps([{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]))
    registry = tmp_path / "reg"
    assert run(["import", "openwebui", str(source), "--registry", str(registry)]).exit_code == 0
    model_a = registry / "default" / "models" / "a.yaml"
    model_a.write_text(model_a.read_text().replace("display_name: A", "display_name: Mine"))
    (registry / "default" / "models" / "b.yaml").unlink()
    again = run(["import", "openwebui", str(source), "--registry", str(registry)])
    assert again.exit_code == 1
    assert f"{model_a} already exists" in again.output
    assert "nothing written" in again.output
    assert "display_name: Mine" in model_a.read_text()
    assert not (registry / "default" / "models" / "b.yaml").exists()  # not written either
    forced = run(["import", "openwebui", str(source), "--registry", str(registry), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "display_name: A" in model_a.read_text()
    assert (registry / "default" / "models" / "b.yaml").exists()


def test_import_one_bad_item_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "models.json"
    source.write_text(json.dumps([{"id": "good"}, {"id": "a/b/c"}]))
    registry = tmp_path / "reg"
    result = run(["import", "openwebui", str(source), "--registry", str(registry)])
    one_line_exit(result, 2, "item 2:")
    assert files_under(registry) == []


def test_name_option_with_many_objects_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "models.json"
    source.write_text(json.dumps([{"id": "a"}, {"id": "b"}]))
    result = run(["import", "openwebui", str(source), "--name", "x", "--registry", str(tmp_path)])
    one_line_exit(result, 2, "--name names one definition")


def test_import_of_a_nemo_list_response(tmp_path: Path) -> None:
    seed = json.loads((ROOT / "tests/data/seeds/nemo.json").read_text())
    source = tmp_path / "list.json"
    source.write_text(json.dumps({"data": [seed], "pagination": {"page": 1, "total": 1}}))
    registry = tmp_path / "reg"
    result = run(["import", "nemo", str(source), "--registry", str(registry)])
    assert result.exit_code == 0, result.output
    provider = registry / "research_team_alpha" / "providers" / "llama-3.1-8b.yaml"
    assert provider.exists()


# -- names made only of dots, refused at every entry point ---------------------------------


@pytest.mark.parametrize("bad", [".", "..", "..."])
def test_models_refuse_dot_names(bad: str) -> None:
    base = {"kind": "Model", "workspace": "w", "name": "n"}
    with pytest.raises(ValueError, match="pattern"):
        Model.model_validate(base | {"name": bad})
    with pytest.raises(ValueError, match="pattern"):
        Model.model_validate(base | {"workspace": bad})
    with pytest.raises(ValueError, match="pattern"):
        Model.model_validate(base | {"base_model_id": f"{bad}/x"})
    provider = {"kind": "Provider", "workspace": "w", "name": bad, "provider_type": "openai"}
    with pytest.raises(ValueError, match="pattern"):
        Provider.model_validate(provider | {"host_url": "https://x.example.com"})


def test_check_reports_a_dot_name(tmp_path: Path) -> None:
    folder = tmp_path / "reg" / "w" / "models"
    folder.mkdir(parents=True)
    (folder / "m.yaml").write_text("kind: Model\nworkspace: w\nname: '..'\n")
    report = run_check([], tmp_path / "reg")
    assert not report.ok
    assert any(d.rule == "schema" and d.path == "/name" for d in report.diagnostics)


@pytest.mark.parametrize(
    ("workspace", "name"), [("..", "x"), ("w", ".."), (".", "."), ("a/b", "x")]
)
def test_path_builder_refuses_paths_out_of_the_registry(
    tmp_path: Path, workspace: str, name: str
) -> None:
    with pytest.raises(InteropError, match="cannot be a llmreg"):
        definition_path(tmp_path, "Provider", workspace, name)
    assert definition_path(tmp_path, "Model", "w", "..x") == tmp_path / "w" / "models" / "..x.yaml"


@pytest.mark.parametrize(
    ("system", "payload", "extra"),
    [
        ("nemo", {"name": "p", "workspace": "..", "host_url": "https://h.example.com"}, []),
        ("nemo", {"name": "p", "host_url": "https://h.example.com"}, ["--workspace", ".."]),
        ("nemo", {"name": "..", "host_url": "https://h.example.com"}, []),
        ("openwebui", {"id": "../x"}, []),
        ("openwebui", {"id": "x/.."}, []),
        (
            "bifrost",
            {"provider": "..", "custom_provider_config": {"base_provider_type": "openai"}},
            [],
        ),
    ],
)
def test_import_never_writes_outside_the_registry(
    tmp_path: Path, system: str, payload: dict[str, Any], extra: list[str]
) -> None:
    source = tmp_path / "in.json"
    if system == "bifrost":
        payload = payload | {"network_config": {"base_url": "https://gw.example.com"}}
    source.write_text(json.dumps(payload))
    registry = tmp_path / "deep" / "reg"
    result = run(["import", system, str(source), "--registry", str(registry), *extra])
    one_line_exit(result, 2, "cannot be a llmreg")
    assert files_under(tmp_path / "deep") == []


def test_export_refuses_a_dot_id() -> None:
    result = run(["export", "nemo", "../openai", "--registry", str(BUNDLED / "default")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# -- issue 9, items 12 and 13, and 2 for import ---------------------------------------------


@pytest.mark.parametrize(
    ("system", "content", "message"),
    [
        ("labelstudio", '{"provider": {}}', "provider must be one of"),
        ("labelstudio", '[{"provider": {}}]', "provider must be one of"),
        ("labelstudio", '[{"provider": []}]', "provider must be one of"),
        (
            "bifrost",
            '{"provider": "openai", "proxy_config": {"url": "http://p.example.com:99999"}}',
            "proxy_config.url is not a valid URL",
        ),
        ("openwebui", '{"id": "m", "name": "\\ud800"}', "lone surrogate"),
        ("openwebui", '{"id": "m", "params": {"\\udfff": 1}}', "lone surrogate"),
        ("openwebui", "[1]", "is a JSON object"),
        ("bifrost", '{"provider": "openai", "keys": {}}', "keys must be a JSON array"),
        # a file of another system
        ("nemo", '{"providers": {"openai": {"keys": []}}}', "has no name"),
        ("bifrost", '{"id": "gpt-4", "name": "GPT-4"}', "not a Bifrost provider id"),
        ("labelstudio", '{"name": "p", "host_url": "https://h.example.com"}', "provider must be"),
        ("openwebui", '{"provider": "OpenAI"}', "id must be a non-empty string"),
    ],
)
def test_bad_payloads_are_one_line_and_write_nothing(
    tmp_path: Path, system: str, content: str, message: str
) -> None:
    source = tmp_path / "in.json"
    source.write_text(content)
    registry = tmp_path / "reg"
    result = run(["import", system, str(source), "--registry", str(registry)])
    one_line_exit(result, 2, message)
    assert files_under(registry) == []


def test_import_refuses_devices_fifos_and_huge_files(tmp_path: Path) -> None:
    registry = tmp_path / "reg"
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # no writer: a plain open() would hang the command
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(33 * 1024 * 1024)  # sparse: no disk used
    cases = [("/dev/zero", "not a regular file"), (str(fifo), "not a regular file")]
    cases.append((str(huge), "larger than 32 MiB"))
    for path, message in cases:
        result = run(["import", "nemo", path, "--registry", str(registry)])
        one_line_exit(result, 2, message)
    assert files_under(registry) == []


def test_nel_and_separators_are_written_so_they_read_back(tmp_path: Path) -> None:
    text = "line one\x85line two\u2028three\u2029four"
    block = "first\nsecond\x85third"  # a literal block would hold the NEL raw
    source = tmp_path / "m.json"
    source.write_text(json.dumps({"id": "m", "name": text, "meta": {"description": block}}))
    registry = tmp_path / "reg"
    result = run(["import", "openwebui", str(source), "--registry", str(registry)])
    assert result.exit_code == 0, result.output
    data = parse((registry / "default" / "models" / "m.yaml").read_text(encoding="utf-8")).data
    assert data["display_name"] == text
    assert data["meta"]["description"] == block


# YAML-significant characters, line breaks of every kind, and the rest of Unicode's text
_TRICKY = st.sampled_from(list(":#&*!|>'\"%@`{}[],-?~ \t\n\r\x85\u2028\u2029\ufeff\x00\x7f\xa0"))
_TEXT = st.text(
    alphabet=st.one_of(
        _TRICKY,
        st.sampled_from(string.ascii_letters + string.digits),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=30,
)
_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1), _TEXT),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(params=st.dictionaries(_TEXT, _VALUE, max_size=5), description=_TEXT)
def test_yaml_writer_round_trips_every_document(params: dict[str, Any], description: str) -> None:
    """What import writes parses back, as YAML 1.2, to exactly what was imported."""
    document = {"kind": "Model", "workspace": "w", "name": "n", "params": params}
    document["meta"] = {"description": description}
    parsed = parse(dump(document))
    assert parsed.data == document
    assert parsed.yaml11 == {}


def test_import_converts_inline_key_and_surrogate_free_payload() -> None:
    document, _ = import_("openwebui", {"id": "m", "name": "caf\u00e9 \U0001f600"})
    assert document["display_name"] == "caf\u00e9 \U0001f600"


def test_a_served_model_id_of_dots_is_a_finding_not_a_model_file(tmp_path: Path) -> None:
    source = tmp_path / "p.json"
    served = [{"model_entity_id": "w/..", "served_model_name": "m"}]
    source.write_text(
        json.dumps({"name": "p", "host_url": "https://h.example.com", "served_models": served})
    )
    registry = tmp_path / "reg"
    result = run(["import", "nemo", str(source), "--registry", str(registry)])
    assert result.exit_code == 1, result.output
    assert "schema" in result.output
    assert "nothing written" in result.output
    assert files_under(tmp_path / "reg") == []


@pytest.mark.parametrize(("name", "workspace"), [(".", "w"), ("..", "w"), ("p", "..")])
def test_new_refuses_a_dot_name(tmp_path: Path, name: str, workspace: str) -> None:
    registry = tmp_path / "deep" / "reg"
    args = ["new", "provider", name, "--type", "openai", "--workspace", workspace]
    result = run([*args, "--registry", str(registry)])
    assert result.exit_code == 2
    assert files_under(tmp_path) == []


# Keys the converters read, so generated payloads reach their branches.
_VOCABULARY = st.sampled_from(
    [
        "id", "name", "workspace", "namespace", "provider", "keys", "value", "models",
        "network_config", "base_url", "proxy_config", "url", "password", "type",
        "custom_provider_config", "base_provider_type", "request_path_overrides",
        "azure_key_config", "vertex_key_config", "vllm_key_config", "endpoint", "model_name",
        "region", "project_id", "api_version", "deployments", "host_url", "served_models",
        "model_entity_id", "served_model_name", "access_grants", "principal_type",
        "principal_id", "access_type", "access_id", "permission", "meta", "tags", "params",
        "model_params", "cached_available_models", "api_key_id", "data", "providers",
        "results", "base_model_id", "extra_headers", "retry_backoff_initial_ms",
    ]
)  # fmt: skip
_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 99999),
    st.sampled_from(["openai", "OpenAI", "Custom", "custom", "env.KEY", "..", "a/b", "vllm"]),
    st.sampled_from(["http://p.example.com:99999", "https://h.example.com/v1", "user", "*"]),
    st.text(max_size=8),
)
_JSON = st.recursive(
    _SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_VOCABULARY, inner, max_size=6),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(system=st.sampled_from(["nemo", "bifrost", "labelstudio", "openwebui"]), payload=_JSON)
def test_any_payload_converts_or_is_one_interop_error(system: str, payload: Any) -> None:
    """No payload makes the converters fail otherwise (exit 3 was the symptom, issue 9)."""
    from llmreg.interop import split

    for item in split(system, payload):
        try:
            document, _ = import_(system, item)
        except InteropError:
            continue
        assert parse(dump(document)).data == document


@pytest.mark.parametrize("system", ["bifrost", "tensorzero"])
def test_out_dash_is_standard_output(
    system: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["export", system, "--registry", str(BUNDLED), "--out", "-"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "-").exists()
    assert "default" in result.stdout or "openai" in result.stdout
