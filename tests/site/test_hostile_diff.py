"""``llmreg diff`` on what a new or hostile user gives it: one line, exit 2, or the right answer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from llmreg.cli import main

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "providers.d"
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        check=True,
    )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_a_definition_file_is_not_taken_for_a_snapshot(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # was: "... is not a complete JSON document (truncated or corrupted)"
    definition = BUNDLED / "default/models/gpt-4o.yaml"
    code, out, err = run(capsys, "diff", str(definition), str(BUNDLED))
    assert (code, out) == (2, "")
    assert err == (
        f"llmreg: {definition} is a YAML file; diff compares registry folders, snapshots "
        "written by 'llmreg build' or git revisions\n"
    )


def test_folders_with_spaces_and_unicode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "a b ü" / "reg", tmp_path / "ç d" / "reg"
    shutil.copytree(BUNDLED, old)
    shutil.copytree(BUNDLED, new)
    assert run(capsys, "diff", str(old), str(new), "--format", "markdown")[0] == 0
    (new / "default/models/extra.yaml").write_text("kind: Model\nworkspace: default\nname: extra\n")
    code, out, _ = run(capsys, "diff", str(old), str(new), "--format", "markdown")
    assert code == 1 and "**Added** (1)" in out and f"`{old}` → `{new}`" in out


@needs_git
def test_revisions_of_a_registry_under_a_unicode_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(BUNDLED, repo / "llm rég")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "registry")
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "diff", "HEAD", "HEAD", "--registry", "llm rég")
    assert (code, out) == (0, "")
    # a link in a revision is never followed: it could lead anywhere on the CI machine
    (repo / "llm rég/default/models/passwd.yaml").symlink_to("/etc/passwd")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "link")
    code, out, err = run(capsys, "diff", "HEAD~1", "HEAD", "--registry", "llm rég")
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert "passwd.yaml is a symbolic link" in err and "root:" not in err
