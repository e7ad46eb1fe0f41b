"""``llmreg new``: generated definitions are valid, placed by identity, never overwrite."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmreg.check import run_check
from llmreg.cli import main
from llmreg.scaffold import PROVIDER_TYPES, secret_name
from llmreg.source import parse, read_text

MODELINE = "# yaml-language-server: $schema="


def _new(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> tuple[int, str, str]:
    monkeypatch.chdir(tmp_path)
    code = main(["new", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _modeline_target(path: Path) -> Path:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(MODELINE)
    return (path.parent / first[len(MODELINE) :]).resolve()


@pytest.mark.parametrize("provider_type", PROVIDER_TYPES)
def test_each_provider_type_passes_check(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    provider_type: str,
) -> None:
    name = f"team-{provider_type}"
    code, out, _ = _new(tmp_path, monkeypatch, capsys, "provider", name, "--type", provider_type)
    assert code == 0
    path = tmp_path / "providers.d" / "default" / "providers" / f"{name}.yaml"
    assert out.strip() == f"wrote {Path('providers.d/default/providers') / f'{name}.yaml'}"
    document = parse(read_text(path.read_bytes()))
    assert document.data["provider_type"] == provider_type
    report = run_check([], tmp_path / "providers.d")
    assert [f"{d.rule} {d.message}" for d in report.diagnostics] == []
    assert report.files_checked == 1
    # optional fields are there as comments for the user to fill in
    assert "# budget_limit:" in path.read_text(encoding="utf-8")


def test_model_passes_check_and_tells_how_to_serve_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _new(tmp_path, monkeypatch, capsys, "provider", "openai", "--type", "openai")
    provider = tmp_path / "providers.d" / "default" / "providers" / "openai.yaml"
    before = provider.read_bytes()
    code, out, _ = _new(tmp_path, monkeypatch, capsys, "model", "gpt-4o", "--provider", "openai")
    assert code == 0
    assert "providers.d/default/models/gpt-4o.yaml" in out
    assert str(provider.relative_to(tmp_path)) in out
    snippet = out[out.index("served_models:") :]
    assert "model_entity_id: default/gpt-4o" in snippet
    assert provider.read_bytes() == before  # the user's file is not rewritten

    # the printed snippet, added as told, gives a registry that checks clean
    provider.write_text(provider.read_text(encoding="utf-8") + snippet, encoding="utf-8")
    report = run_check([], tmp_path / "providers.d")
    assert [f"{d.rule} {d.message}" for d in report.diagnostics] == []
    assert report.files_checked == 2


def test_model_for_a_missing_provider_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _new(
        tmp_path, monkeypatch, capsys, "model", "m", "--provider", "team/gw", "--workspace", "team"
    )
    assert code == 0
    assert "There is no provider team/gw yet" in out
    assert (tmp_path / "providers.d" / "team" / "models" / "m.yaml").is_file()


def test_existing_file_is_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("provider", "p", "--type", "vllm", "--registry", "reg", "--workspace", "w")
    assert _new(tmp_path, monkeypatch, capsys, *args)[0] == 0
    target = tmp_path / "reg" / "w" / "providers" / "p.yaml"
    target.write_text("# mine\n", encoding="utf-8")
    code, out, err = _new(tmp_path, monkeypatch, capsys, *args)
    assert code == 1
    assert "already exists" in err
    assert out == ""
    assert target.read_text(encoding="utf-8") == "# mine\n"


@pytest.mark.parametrize(
    "args",
    [
        ("provider", "bad name", "--type", "openai"),
        ("provider", "ok", "--type", "openai", "--workspace", "a/b"),
        ("provider", "ok", "--type", "bedrock-ish"),
        ("model", "m", "--provider", "a/b/c"),
        ("model", "m/x", "--provider", "p"),
    ],
)
def test_bad_names_are_usage_errors(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
) -> None:
    code, _, err = _new(tmp_path, monkeypatch, capsys, *args)
    assert code == 2
    assert "Traceback" not in err
    assert not (tmp_path / "providers.d").exists()


def test_modeline_points_at_the_repository_schemas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for kind in ("provider", "model"):
        (schemas / f"{kind}.schema.json").write_text("{}", encoding="utf-8")
    nested = tmp_path / "config" / "llm"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    assert main(["new", "provider", "p", "--type", "openai"]) == 0
    assert main(["new", "model", "m", "--provider", "p"]) == 0
    err = capsys.readouterr().err
    assert "does not exist yet" not in err
    provider = nested / "providers.d" / "default" / "providers" / "p.yaml"
    model = nested / "providers.d" / "default" / "models" / "m.yaml"
    assert _modeline_target(provider) == schemas / "provider.schema.json"
    assert _modeline_target(model) == schemas / "model.schema.json"
    first = provider.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"{MODELINE}../../../../../schemas/provider.schema.json"


def test_without_schemas_the_modeline_names_where_export_writes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _new(tmp_path, monkeypatch, capsys, "provider", "p", "--type", "nim")
    assert code == 0
    path = tmp_path / "providers.d" / "default" / "providers" / "p.yaml"
    assert _modeline_target(path) == tmp_path / "schemas" / "provider.schema.json"
    assert "llmreg schema export --out" in err
    # following the hint makes the modeline resolve
    assert main(["schema", "export", "--out", str(tmp_path / "schemas")]) == 0
    assert _modeline_target(path).is_file()


def test_settings_registry_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.llmreg]\nregistry = "defs"\n')
    code, _, _ = _new(tmp_path, monkeypatch, capsys, "provider", "p", "--type", "gemini")
    assert code == 0
    assert (tmp_path / "defs" / "default" / "providers" / "p.yaml").is_file()


@pytest.mark.parametrize(
    ("name", "secret"),
    [("openai", "OPENAI_API_KEY"), ("azure.eu-1", "AZURE_EU_1_API_KEY"), ("1x", "_1X_API_KEY")],
)
def test_secret_names_are_valid_secret_references(name: str, secret: str) -> None:
    assert secret_name(name) == secret
