"""A real ``pre-commit run`` of the llmreg hooks in a temporary git repository.

The hooks are taken from this repository's ``.pre-commit-hooks.yaml`` (entry, files,
pass_filenames, require_serial, always_run) and run as a ``repo: local`` hook with
``language: system`` against the installed ``llmreg`` console script, so pre-commit builds no
environment and the test needs no network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e '.[test]')")

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

if shutil.which("git") is None:
    pytest.skip("git is not installed; pre-commit needs a git repository", allow_module_level=True)
if shutil.which("llmreg", path=str(BIN)) is None:
    pytest.skip(f"no llmreg console script in {BIN} (pip install -e .)", allow_module_level=True)

PROVIDER = """\
kind: Provider
workspace: default
name: p
provider_type: openai
host_url: {url}
served_models:
  - model_entity_id: default/m
    served_model_name: m
"""
MODEL = "kind: Model\nworkspace: default\nname: m\n"


def _hooks() -> dict[str, dict[str, Any]]:
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in manifest}


def _local_config(*hook_ids: str) -> str:
    hooks = []
    for hook_id in hook_ids:
        hook = dict(_hooks()[hook_id])
        hook["language"] = "system"  # the installed llmreg instead of a fresh environment
        hook.pop("minimum_pre_commit_version", None)
        hooks.append(hook)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["LLMREG_CACHE_DIR"] = str(tmp_path / "llmreg-cache")
    env.pop("GITHUB_ACTIONS", None)
    env.pop("PRE_COMMIT", None)
    return env


def _pre_commit(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--color", "never", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "providers.d" / "default" / "providers").mkdir(parents=True)
    (repo / "providers.d" / "default" / "models").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(
        _local_config("llmreg-check", "llmreg-schema-check"), encoding="utf-8"
    )
    return repo


def test_manifest_declares_both_hooks() -> None:
    hooks = _hooks()
    assert hooks["llmreg-check"]["entry"] == "llmreg check"
    assert hooks["llmreg-check"]["pass_filenames"] is True
    assert hooks["llmreg-schema-check"]["pass_filenames"] is False


def test_check_hook_reports_file_line_col_and_passes_once_fixed(repo: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    provider = repo / "providers.d" / "default" / "providers" / "p.yaml"
    model = repo / "providers.d" / "default" / "models" / "m.yaml"
    provider.write_text(PROVIDER.format(url="http://10.0.0.12:8000/v1"), encoding="utf-8")
    model.write_text(MODEL, encoding="utf-8")
    _git(repo, "add", "-A")

    failed = _pre_commit(repo, env, "llmreg-check", "--files", str(provider.relative_to(repo)))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "providers.d/default/providers/p.yaml:5:11: private-network" in failed.stdout
    assert "Failed" in failed.stdout

    provider.write_text(PROVIDER.format(url="https://api.openai.com/v1"), encoding="utf-8")
    _git(repo, "add", "-A")
    # only the provider is passed, yet its reference to default/m resolves: the hook loads the
    # whole registry for the cross-file rules
    passed = _pre_commit(repo, env, "llmreg-check", "--files", str(provider.relative_to(repo)))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout

    # and a reference to a model that no file defines is caught from the provider's side
    model.unlink()
    _git(repo, "add", "-A")
    dangling = _pre_commit(repo, env, "llmreg-check", "--all-files")
    assert dangling.returncode == 1
    assert "p.yaml:7:22: unresolved-reference" in dangling.stdout


def test_check_hook_ignores_files_outside_the_registry(repo: Path, tmp_path: Path) -> None:
    (repo / "notes.yaml").write_text("key: [unclosed\n", encoding="utf-8")
    _git(repo, "add", "-A")
    result = _pre_commit(repo, _env(tmp_path), "llmreg-check", "--all-files")
    assert result.returncode == 0, result.stdout
    assert "(no files to check)Skipped" in result.stdout


def test_schema_hook_fails_on_drift_and_passes_after_export(repo: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    subprocess.run(
        [str(BIN / "llmreg"), "schema", "export", "--out", "schemas"],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )
    schema = repo / "schemas" / "model.schema.json"
    exported = schema.read_text(encoding="utf-8")
    schema.write_text(exported.replace('"Model"', '"Modell"', 1), encoding="utf-8")
    _git(repo, "add", "-A")
    drift = _pre_commit(repo, env, "llmreg-schema-check", "--all-files")
    assert drift.returncode == 1
    assert "model.schema.json: differs from what the models export" in drift.stdout

    schema.write_text(exported, encoding="utf-8")
    _git(repo, "add", "-A")
    clean = _pre_commit(repo, env, "llmreg-schema-check", "--all-files")
    assert clean.returncode == 0, clean.stdout
