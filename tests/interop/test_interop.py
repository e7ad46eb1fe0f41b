"""Import from and export to NeMo, Bifrost, Label Studio and Open WebUI (docs/interop.md)."""

from __future__ import annotations

import copy
import json
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from click.testing import CliRunner

from llmreg import secrets
from llmreg.check import FileResult, check_bytes, run_check
from llmreg.cli import cli
from llmreg.interop import SYSTEMS, InteropError, export, import_
from llmreg.interop.nemo import status_update
from llmreg.interop.yaml_out import definition_text, dump
from llmreg.models import MODEL_BY_KIND
from llmreg.source import parse

ROOT = Path(__file__).resolve().parents[2]
SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"
BUNDLED = ROOT / "providers.d"
SUB = {"Provider": "providers", "Model": "models"}

# fixture -> (system, import name, the secret values the fixture holds)
FIXTURES = {
    "nemo": ("nemo", None, ["Bearer <token>"]),
    "bifrost": ("bifrost", "team-gateway", ["Pr0xy-Pa55w0rd-never-stored"]),
    "labelstudio": ("labelstudio", None, []),
    "openwebui": ("openwebui", None, []),
}


def load(fixture: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SEEDS / f"{fixture}.json").read_text())
    return data


def diagnostics_of(document: dict[str, Any], kind: str) -> list[Any]:
    rel = PurePosixPath(document["workspace"], SUB[kind], f"{document['name']}.yaml")
    text = definition_text(document, BUNDLED / rel)
    result = check_bytes(text.encode(), FileResult(path=Path(rel), display=str(rel), rel=rel))
    return result.diagnostics


def walk_strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *walk_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in walk_strings(v)]
    return [value] if isinstance(value, str) else []


# -- importing the seed examples ------------------------------------------------------------


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_seed_import_validates_and_holds_no_secret(fixture: str) -> None:
    system, name, secret_values = FIXTURES[fixture]
    payload = load(fixture)
    document, notes = import_(system, payload, name=name)
    assert document["kind"] == SYSTEMS[system].kind
    errors = [d for d in diagnostics_of(document, SYSTEMS[system].kind) if d.severity == "error"]
    assert errors == []
    text = dump(document)
    for value in secret_values:
        assert value in json.dumps(payload)  # the fixture does hold it
        assert value not in text
    for value in walk_strings(document):
        assert not secrets.key_shape(value) and not secrets.url_credentials(value)
        assert not secrets.credential_in_header(value)
    assert any("dropped" in n for n in notes)  # server-observed fields are reported


def test_nemo_import_drops_server_fields_and_the_inline_bearer() -> None:
    document, notes = import_("nemo", load("nemo"))
    assert document["workspace"] == "research_team_alpha"
    assert document["name"] == "llama-3.1-8b"
    assert document["provider_type"] == "nim"
    for key in ("id", "status", "status_message", "created_at", "updated_at", "auth_context"):
        assert key not in document
    assert "required_extra_headers" not in document  # its only header was the credential
    assert "auth_header_format" not in document  # the default is omitted
    assert any("required_extra_headers.Authorization" in n for n in notes)
    assert any("auth_context" in n and "status" in n for n in notes)


def test_bifrost_proxy_password_becomes_a_secret_reference() -> None:
    document, notes = import_("bifrost", load("bifrost"), name="team-gateway")
    assert document["proxy_config"]["password_secret_name"] == "TEAM_GATEWAY_PROXY_PASSWORD"
    assert "password" not in document["proxy_config"]
    assert any("TEAM_GATEWAY_PROXY_PASSWORD" in n for n in notes)
    assert document["custom_provider_config"]["allowed_requests"]["batch_create"] is False


def test_bifrost_password_in_the_proxy_url_is_removed() -> None:
    payload = {
        "provider": "openai",
        "network_config": {"base_url": ""},
        "proxy_config": {"url": "http://svc:hunter2secret@proxy.example.com:3128"},
    }
    document, _notes = import_("bifrost", payload)
    assert document["host_url"] == "https://api.openai.com/v1"  # Bifrost's default, + its /v1
    assert document["proxy_config"] == {
        "url": "http://proxy.example.com:3128",
        "username": "svc",
        "password_secret_name": "OPENAI_PROXY_PASSWORD",
    }
    assert "hunter2secret" not in dump(document)


def test_bifrost_needs_a_provider_id() -> None:
    with pytest.raises(InteropError, match="--name"):
        import_("bifrost", {"network_config": {"base_url": "https://x.example.com"}})
    with pytest.raises(InteropError, match="not a Bifrost provider id"):
        import_("bifrost", {"network_config": {"base_url": "https://x.example.com"}}, name="foo")


def test_labelstudio_conversions() -> None:
    document, notes = import_("labelstudio", load("labelstudio"), name="azure-prod")
    assert document["provider_type"] == "azure"
    assert document["host_url"] == "https://acme-openai-eastus2.openai.azure.com"
    assert document["model_params"]["properties"]["temperature"]["maximum"] == 2
    assert document["cached_available_models"] == ["gpt-4o", "gpt-4o-mini", "o4-mini"]
    assert "budget_total_spent" not in document
    assert "google_project_id" not in document  # null is "not set"
    assert any("budget_total_spent" in n for n in notes)
    hosted, notes = import_("labelstudio", {"provider": "OpenAI", "api_key": "sk-" + "a" * 40})
    assert hosted["host_url"] == "https://api.openai.com/v1"
    assert "sk-" not in dump(hosted)
    assert any("api_key" in n for n in notes)
    with pytest.raises(InteropError, match="model_params is not valid JSON"):
        import_("labelstudio", {"provider": "OpenAI", "model_params": "{not json"})
    with pytest.raises(InteropError, match="provider must be one of"):
        import_("labelstudio", {"provider": None})


def test_openwebui_ids() -> None:
    document, _ = import_("openwebui", load("openwebui"))
    assert (document["workspace"], document["name"]) == ("default", "gpt-4-custom")
    assert document["base_model_id"] == "default/gpt-4"
    assert document["display_name"] == "Custom GPT-4"
    prefixed, _ = import_("openwebui", {"id": "team/coder", "base_model_id": "team/base"})
    assert (prefixed["workspace"], prefixed["name"]) == ("team", "coder")
    assert prefixed["base_model_id"] == "team/base"
    with pytest.raises(InteropError, match="cannot be a llmreg id"):
        import_("openwebui", {"id": "llama3.1:8b"})
    renamed, _ = import_("openwebui", {"id": "llama3.1:8b", "name": "L"}, name="llama3.1-8b")
    assert renamed["name"] == "llama3.1-8b"


def test_secret_values_anywhere_are_dropped() -> None:
    payload = load("nemo")
    payload["default_extra_body"] = {"api_key": "abc123", "nested": {"token": "t0k3n-value"}}
    payload["default_extra_headers"] = {"X-Trace": "Token abcdefgh12345678"}
    payload["description"] = "key sk-" + "Z" * 30
    document, notes = import_("nemo", payload)
    text = dump(document)
    for value in ("abc123", "t0k3n-value", "abcdefgh12345678", "sk-ZZZ"):
        assert value not in text
    assert len([n for n in notes if n.startswith("dropped ")]) >= 4
    assert [d for d in diagnostics_of(document, "Provider") if d.rule == "inline-secret"] == []


# -- export(import(x)) keeps what the user configured ------------------------------------------


def configured(system: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The user-configured fields of a seed payload, in the form the system's export writes."""
    module = {
        "nemo": "llmreg.interop.nemo",
        "bifrost": "llmreg.interop.bifrost",
        "labelstudio": "llmreg.interop.labelstudio",
        "openwebui": "llmreg.interop.openwebui",
    }[system]
    server = __import__(module, fromlist=["SERVER_FIELDS"]).SERVER_FIELDS
    out = {k: copy.deepcopy(v) for k, v in payload.items() if k not in server and v is not None}
    if system == "nemo":
        del out["required_extra_headers"]["Authorization"]  # a secret: never carried
        del out["served_models"]  # not a create argument: the status call sets them
        out = {k: v for k, v in out.items() if v != {}}
    if system == "bifrost":
        del out["proxy_config"]["password"]
        out["proxy_config"] = {"type": "http", **out["proxy_config"]}
    if system == "labelstudio":
        out["model_params"] = json.loads(out["model_params"])
    if system == "openwebui":
        out["access_grants"] = [
            {
                "principal_type": g["access_type"],
                "principal_id": g["access_id"],
                "permission": g["permission"],
            }
            for g in out["access_grants"]
        ]
    return out


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_export_of_import_keeps_configured_fields(fixture: str) -> None:
    system, name, _ = FIXTURES[fixture]
    payload = load(fixture)
    document, _ = import_(system, payload, name=name)
    exported, _ = export(system, document)
    expected = configured(system, payload)
    assert {k: exported.get(k) for k in expected} == expected


# -- import(export(d)) == d for every bundled definition ---------------------------------------


def bundled(kind: str) -> list[dict[str, Any]]:
    out = []
    for path in sorted(BUNDLED.glob(f"*/{SUB[kind]}/*.yaml")):
        out.append(parse(path.read_text()).data)
    return out


def projected(system: str, document: dict[str, Any], original_type: str | None) -> dict[str, Any]:
    kind = SYSTEMS[system].kind
    data = (
        MODEL_BY_KIND[kind].model_validate(document).model_dump(mode="json", exclude_defaults=True)
    )
    keep = {"workspace", "name", *SYSTEMS[system].fields} - {"served_models"}
    if original_type == "nim" or (original_type == "vllm" and system == "labelstudio"):
        # they go out as OpenAI-compatible custom providers
        keep -= {"provider_type", "custom_provider_config"}
    out = {k: v for k, v in data.items() if k in keep}
    if system == "bifrost" and "proxy_config" in out:
        out["proxy_config"].pop("password_secret_name", None)  # Bifrost holds the value
    return out


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_bundled_definitions_round_trip(system: str) -> None:
    """import(export(d)) keeps what the system expresses (test_interop_systems.py: config_hash)."""
    kind = SYSTEMS[system].kind
    checked = 0
    for definition in bundled(kind):
        ident = f"{definition['workspace']}/{definition['name']}"
        exported, _notes = export(system, definition)
        for value in walk_strings(exported):
            assert not secrets.key_shape(value) and not secrets.credential_in_header(value)
        if system == "nemo":
            # what NeMo returns after the create and the status call; a create body alone has
            # no served_models, so its enabled_models are dropped on import
            exported |= status_update(definition)
        back, _ = import_(
            system,
            json.loads(json.dumps(exported)),
            workspace=definition["workspace"],
            name=definition["name"],
        )
        kind_of = definition.get("provider_type")
        assert projected(system, back, kind_of) == projected(system, definition, kind_of), ident
        checked += 1
    assert checked >= 8


def test_exports_name_secrets_only_in_notes() -> None:
    azure = parse((BUNDLED / "default/providers/azure-openai.yaml").read_text()).data
    exported, notes = export("bifrost", azure)
    assert "password" not in exported["proxy_config"]
    assert any("CORP_EGRESS_PROXY_PASSWORD" in n for n in notes)
    assert exported["keys"][0]["value"] == "env.AZURE_OPENAI_API_KEY"  # a reference
    assert "CORP_EGRESS_PROXY_PASSWORD" not in json.dumps(exported)


# -- YAML that reads the same everywhere --------------------------------------------------------

TRICKY = ["no", "Yes", "off", "017", "0o17", "1e3", "2025-10-22", "1:20", "1_000", "0x1F", "~"]


@pytest.mark.parametrize("value", [*TRICKY, "null", "", " lead", "a: b", "#x", "multi\nline\n"])
def test_dump_round_trips_through_the_yaml12_reader(value: str) -> None:
    document = {
        "kind": "Model",
        "workspace": "w",
        "name": "n",
        "params": {value: value, "k": value},
    }
    text = dump(document)
    parsed = parse(text)
    assert parsed.data == document
    assert parsed.yaml11 == {}  # nothing a YAML 1.1 reader would take differently


def test_written_file_reads_back_to_the_document() -> None:
    for fixture, (system, name, _) in FIXTURES.items():
        document, _ = import_(system, load(fixture), name=name)
        assert parse(dump(document)).data == document, fixture


# -- the CLI ----------------------------------------------------------------------------------


def run(args: list[str]) -> Any:
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_cli_import_writes_checks_and_refuses_to_overwrite(tmp_path: Path) -> None:
    registry = tmp_path / "reg"
    source = SEEDS / "openwebui.json"
    base = {"id": "gpt-4", "name": "GPT-4"}
    (tmp_path / "base.json").write_text(json.dumps(base))
    first = run(["import", "openwebui", str(tmp_path / "base.json"), "--registry", str(registry)])
    assert first.exit_code == 0, first.output
    result = run(["import", "openwebui", str(source), "--registry", str(registry)])
    assert result.exit_code == 0, result.output
    written = registry / "default" / "models" / "gpt-4-custom.yaml"
    text = written.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert "model.schema.json" in text.splitlines()[0]
    assert "note: dropped user_id" in result.output
    again = run(["import", "openwebui", str(source), "--registry", str(registry)])
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert written.read_text() == text
    report = run_check([], registry)
    assert report.ok and report.files_checked == 2, report.diagnostics


def test_cli_import_workspace_and_name_options(tmp_path: Path) -> None:
    registry = tmp_path / "reg"
    result = run(
        [
            "import",
            "labelstudio",
            str(SEEDS / "labelstudio.json"),
            "--registry",
            str(registry),
            "--workspace",
            "team",
            "--name",
            "azure-prod",
        ]
    )
    assert result.exit_code == 0, result.output
    assert (registry / "team" / "providers" / "azure-prod.yaml").is_file()


def test_cli_import_into_the_bundled_layout_finds_the_schemas(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "provider.schema.json").write_text("{}")
    registry = tmp_path / "providers.d"
    bifrost = SEEDS / "bifrost.json"
    args = ["import", "bifrost", str(bifrost), "--name", "gw", "--registry", str(registry)]
    result = run(args)
    assert result.exit_code == 0, result.output
    first = (registry / "default/providers/gw.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../../schemas/provider.schema.json"
    assert "GW_PROXY_PASSWORD" in result.output
    assert "Pr0xy-Pa55w0rd" not in result.output


def test_cli_import_refuses_a_definition_that_fails_the_check(tmp_path: Path) -> None:
    registry = tmp_path / "reg"
    verbatim = SEEDS / "bifrost-verbatim.json"  # the seed's '<string>' placeholders
    args = ["import", "bifrost", str(verbatim), "--name", "x", "--registry", str(registry)]
    result = run(args)
    assert result.exit_code == 1
    assert "schema max_retries" in result.output  # the placeholder 123 is above 100
    assert "nothing written" in result.output
    assert not (registry / "default" / "providers" / "x.yaml").exists()


def test_cli_import_reports_unresolved_references_after_writing(tmp_path: Path) -> None:
    registry = tmp_path / "reg"
    # named apart from its model: rules/cross_file.py lets a provider id satisfy a model reference
    args = ["import", "nemo", str(SEEDS / "nemo.json"), "--name", "llama-nim", "--no-models"]
    result = run([*args, "--registry", str(registry)])
    assert result.exit_code == 1
    assert "unresolved-reference" in result.output
    assert "note: provider_type set to nim" in result.output
    assert not (registry / "research_team_alpha" / "models").exists()


def test_cli_import_writes_minimal_models_for_served_models(tmp_path: Path) -> None:
    registry = tmp_path / "reg"
    args = ["import", "nemo", str(SEEDS / "nemo.json"), "--name", "llama-nim"]
    result = run([*args, "--registry", str(registry)])
    assert result.exit_code == 0, result.output
    model = registry / "research_team_alpha" / "models" / "llama-3.1-8b.yaml"
    assert parse(model.read_text()).data == {
        "kind": "Model",
        "workspace": "research_team_alpha",
        "name": "llama-3.1-8b",
    }
    assert "minimal model research_team_alpha/llama-3.1-8b:" in result.output
    assert run_check([], registry).ok


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "is a JSON object"),
        ('{"id": "a/b/c"}', "more than one '/'"),
        (b"\xff\xfe{}", "not UTF-8"),
        ("[" * 100_000, "JSON"),
    ],
)
def test_cli_import_bad_input_is_one_line_exit_2(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = tmp_path / "in.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    result = run(["import", "openwebui", str(path), "--registry", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_import_missing_file_is_exit_2(tmp_path: Path) -> None:
    result = run(["import", "nemo", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_cli_export_prints_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["export", "bifrost", "default/anthropic", "--registry", str(BUNDLED)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["provider"] == "anthropic"
    # Bifrost appends /v1/messages itself (docs/interop.md, URLs)
    assert payload["network_config"]["base_url"] == "https://api.anthropic.com"
    assert payload["keys"][0]["value"] == "env.ANTHROPIC_API_KEY"
    assert "required_extra_headers" in result.stderr


def test_cli_export_errors() -> None:
    registry = ["--registry", str(BUNDLED)]
    unknown = run(["export", "nemo", "default/nope", *registry])
    assert unknown.exit_code == 1
    bad_id = run(["export", "nemo", "nope", *registry])
    assert bad_id.exit_code == 2
    dots = run(["export", "nemo", "../x", *registry])
    assert dots.exit_code == 2


def bedrock_registry(tmp_path: Path) -> Path:
    """A registry with a Bedrock provider, a type Label Studio has no name for."""
    folder = tmp_path / "reg" / "w" / "providers"
    folder.mkdir(parents=True)
    (folder / "b.yaml").write_text(
        "kind: Provider\nworkspace: w\nname: b\nprovider_type: bedrock\n"
        "host_url: https://bedrock.example.com\n"
    )
    return folder


def test_cli_export_of_a_type_the_system_lacks_is_exit_2(tmp_path: Path) -> None:
    bedrock_registry(tmp_path)
    result = run(["export", "labelstudio", "w/b", "--registry", str(tmp_path / "reg")])
    assert result.exit_code == 2
    assert "no provider 'bedrock'" in result.output


def test_cli_export_refuses_an_invalid_definition(tmp_path: Path) -> None:
    folder = tmp_path / "reg" / "w" / "models"
    folder.mkdir(parents=True)
    (folder / "m.yaml").write_text("kind: Model\nworkspace: w\nname: m\ncontext_window: '30'\n")
    result = run(["export", "openwebui", "w/m", "--registry", str(tmp_path / "reg")])
    assert result.exit_code == 1
    assert "schema" in result.output


def test_an_export_only_system_needs_three_names() -> None:
    """What another converter module (a gateway) needs to join the registry."""
    import types

    from llmreg.interop import system

    module = types.ModuleType("llmreg.interop.gateway")
    module.KIND = "Provider"  # type: ignore[attr-defined]
    module.FIELDS = ("host_url",)  # type: ignore[attr-defined]
    module.export = lambda document, *, notes=None: {"url": document["host_url"]}  # type: ignore[attr-defined]
    described = system(module, "A gateway")
    assert described.name == "gateway" and described.import_ is None
    assert described.split([1, 2]) == [1, 2]
    assert described.export({"host_url": "https://x.example.com"}) == {
        "url": "https://x.example.com"
    }


def test_whole_export_leaves_out_what_the_system_cannot_take(tmp_path: Path) -> None:
    folder = bedrock_registry(tmp_path)
    (folder / "o.yaml").write_text(
        "kind: Provider\nworkspace: w\nname: o\nprovider_type: openai\n"
        "host_url: https://api.openai.com/v1\n"
    )
    result = CliRunner().invoke(cli, ["export", "labelstudio", "--registry", str(tmp_path / "reg")])
    assert result.exit_code == 0, result.output
    assert [c["provider"] for c in json.loads(result.stdout)] == ["OpenAI"]
    assert "w/b: left out of the whole configuration: Label Studio has no provider" in result.stderr
