"""llmreg show, list, diff, build and hash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import llmreg
from helpers.runtime_registry import GPT4O, write_doc, write_registry
from llmreg.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_registry(tmp_path / "reg")


def test_hash_text_and_json(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = llmreg.load(root)
    code, out, _ = run(capsys, "hash", "--registry", str(root))
    assert code == 0
    lines = out.splitlines()
    assert f"provider acme/openai {reg.provider('acme/openai').config_hash}" in lines
    assert f"model acme/gpt-4o {reg.model('acme/gpt-4o').config_hash}" in lines
    assert lines[-1] == f"registry {root} {reg.hash}"
    assert len(lines) == len(reg) + 1
    code, out, _ = run(capsys, "hash", "--registry", str(root), "--format", "json")
    payload = json.loads(out)
    assert payload["registry_hash"] == reg.hash
    assert payload["providers"]["acme/azure"] == reg.provider("acme/azure").config_hash
    assert sorted(payload["models"]) == [m.id for m in reg.models()]


def test_show_yaml_is_a_definition_file(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = llmreg.load(root)
    code, out, _ = run(capsys, "show", "provider", "acme/openai", "--registry", str(root))
    assert code == 0
    assert out.splitlines()[0] == f"# config_hash: {reg.provider('acme/openai').config_hash}"
    data = yaml.safe_load(out)
    assert data["api_key_secret_name"] == "ACME_OPENAI_KEY"
    assert "enabled" not in data  # at its default: not part of the normalized form
    shown = llmreg.Provider.model_validate(data)
    assert llmreg.config_hash(shown) == reg.provider("acme/openai").config_hash
    code, out, _ = run(
        capsys, "show", "provider", "acme/openai", "--registry", str(root), "--all-fields"
    )
    assert yaml.safe_load(out)["enabled"] is True


def test_show_json(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys, "show", "model", "acme/gpt-4o", "--registry", str(root), "--format", "json"
    )
    payload = json.loads(out)
    assert payload["id"] == "acme/gpt-4o" and payload["kind"] == "Model"
    assert payload["definition"]["context_window"] == 128000
    assert payload["config_hash"] == llmreg.load(root).model("acme/gpt-4o").config_hash


def test_show_unknown_id_suggests(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "model", "acme/gpt4o", "--registry", str(root))
    assert code == 1 and out == ""
    assert "did you mean 'acme/gpt-4o'" in err


def test_list(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--registry", str(root))
    assert code == 0
    assert out.splitlines()[:3] == [
        "provider acme/azure",
        "provider acme/local",
        "provider acme/openai",
    ]
    assert "model acme/gpt-4o" in out.splitlines()
    code, out, _ = run(capsys, "list", "--registry", str(root), "--capability", "vision")
    assert out.splitlines() == ["model acme/gpt-4o"]
    code, out, _ = run(
        capsys, "list", "--registry", str(root), "--provider", "acme/openai", "--format", "json"
    )
    assert [row["id"] for row in json.loads(out)] == ["acme/gpt-4o", "acme/mini"]
    code, out, _ = run(capsys, "list", "--registry", str(root), "--kind", "provider")
    assert all(line.startswith("provider ") for line in out.splitlines())
    code, _, err = run(capsys, "list", "--registry", str(root), "--provider", "acme/opneai")
    assert code == 1 and "acme/openai" in err
    code, _, _ = run(
        capsys, "list", "--registry", str(root), "--kind", "provider", "--capability", "x"
    )
    assert code == 2


def test_build_then_diff(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "snap.json"
    code, out, _ = run(capsys, "build", "--out", str(out_file), "--registry", str(root))
    assert code == 0 and "registry_hash sha256:" in out
    assert llmreg.load_snapshot(out_file).hash == llmreg.load(root).hash
    code, out, _ = run(capsys, "diff", str(root), str(out_file))
    assert (code, out) == (0, "")
    code, out, _ = run(capsys, "hash", "--registry", str(out_file), "--format", "json")
    assert json.loads(out)["registry_hash"] == llmreg.load(root).hash
    write_doc(root, {**GPT4O, "context_window": 1000})
    write_doc(root, {"kind": "Model", "workspace": "acme", "name": "zzz"})
    code, out, _ = run(capsys, "diff", str(out_file), str(root))
    assert code == 1
    assert out.splitlines() == ["~ model acme/gpt-4o", "+ model acme/zzz"]
    code, out, _ = run(capsys, "diff", str(out_file), str(root), "--format", "json")
    assert json.loads(out)["added"] == [["Model", "acme/zzz"]]


def test_invalid_registry_prints_diagnostics(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_doc(root, {**GPT4O, "context_window": "big"})
    for args in (["hash"], ["list"], ["show", "model", "acme/gpt-4o"], ["build", "--out", "x"]):
        code, out, _ = run(capsys, *args, "--registry", str(root))
        assert code == 1, args
        assert "gpt-4o.yaml:" in out and " schema " in out and "Found 1 error" in out
    assert not Path("x").exists()
    good = write_registry(tmp_path / "good")
    code, out, _ = run(capsys, "diff", str(good), str(root))
    assert code == 2 and "gpt-4o.yaml:" in out


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "hash", "--registry", str(tmp_path / "missing"))
    assert code == 2 and "does not exist" in err
    code, _, _ = run(capsys, "diff", str(tmp_path / "missing"), str(tmp_path))
    assert code == 2
    code, _, _ = run(capsys, "show", "widget", "x")
    assert code == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    code, _, err = run(capsys, "hash", "--registry", str(broken))
    assert code == 1 and "truncated" in err


@pytest.mark.skipif(not (ROOT / "providers.d").is_dir(), reason="no bundled registry")
def test_commands_on_the_bundled_registry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = run(capsys, "hash", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["providers"] and payload["models"]
    code, out, _ = run(capsys, "list")
    assert code == 0 and out.count("\n") == len(payload["providers"]) + len(payload["models"])
    some_model = sorted(payload["models"])[0]
    code, out, _ = run(capsys, "show", "model", some_model)
    assert code == 0 and payload["models"][some_model] in out
    snapshot = tmp_path / "bundled.json"
    assert run(capsys, "build", "--out", str(snapshot))[0] == 0
    assert run(capsys, "diff", "providers.d", str(snapshot))[0] == 0
