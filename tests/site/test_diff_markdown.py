"""``llmreg diff --format markdown`` and git revisions as OLD and NEW.

The Markdown is rendered with cmarkgfm (bindings to GitHub's own cmark-gfm) to check what a
reader of the step summary or pull-request comment sees.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import cmarkgfm
import pytest

import llmreg
from llmreg.changes import compare, to_markdown
from llmreg.cli import main
from llmreg.models import Model, Provider
from llmreg.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
OPENAI = "providers.d/default/providers/openai.yaml"
AZURE = "providers.d/default/providers/azure-openai.yaml"
SUMMARIZER = "providers.d/research_team_alpha/models/paper-summarizer.yaml"
NEW_MODEL = """\
kind: Model
workspace: default
name: gpt-5
display_name: GPT-5 `preview` | <b>bold</b> @someone
meta:
  capabilities: {vision: true, reasoning: true}
context_window: 400000
"""


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def real_change(root: Path, new_model: str = NEW_MODEL) -> None:
    """A pull request: a provider's timeout, a new model it serves, a grant removed."""
    edit(
        root / OPENAI,
        "default_request_timeout_in_seconds: 120",
        "default_request_timeout_in_seconds: 30",
    )
    edit(
        root / OPENAI,
        "    served_model_name: o4-mini\n",
        "    served_model_name: o4-mini\n"
        "  - model_entity_id: default/gpt-5\n    served_model_name: gpt-5\n",
    )
    (root / "providers.d/default/models/gpt-5.yaml").write_text(new_model, encoding="utf-8")
    edit(
        root / SUMMARIZER,
        "  - access_type: user\n    access_id: alice.research\n    permission: write\n",
        "",
    )


def html(markdown: str) -> str:
    rendered: str = cmarkgfm.github_flavored_markdown_to_html(markdown)
    return rendered


def table_rows(rendered: str) -> list[list[str]]:
    """Each body row of every table, as the cells' inner HTML."""
    rows = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", rendered, re.S):
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            rows.append(re.findall(r"<td>(.*?)</td>", row, re.S))
    return rows


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "providers.d", tmp_path / "before" / "providers.d")
    shutil.copytree(ROOT / "providers.d", tmp_path / "after" / "providers.d")
    return tmp_path


def test_markdown_of_a_real_change_reads_right(copy: Path) -> None:
    real_change(copy / "after")
    old = llmreg.load(copy / "before/providers.d")
    new = llmreg.load(copy / "after/providers.d")
    markdown = to_markdown(compare(old, new), "main", "pr")
    rendered = html(markdown)

    headings = re.findall(r"<h(\d)>(.*?)</h\1>", rendered)
    assert [h for _, h in headings] == [
        "llmreg: registry changes",
        "Providers",
        "<code>default/openai</code>",
        "Models",
        "<code>research_team_alpha/paper-summarizer</code>",
        "Routes",
    ]
    assert "1 added, 0 removed, 2 changed." in rendered
    openai_before = old.provider("default/openai").config_hash
    openai_after = new.provider("default/openai").config_hash
    assert f"config_hash <code>{openai_before}</code> → <code>{openai_after}</code>" in rendered
    rows = table_rows(rendered)
    assert [
        "<code>network_config.default_request_timeout_in_seconds</code>",
        "<code>120</code>",
        "<code>30</code>",
    ] in rows
    assert [
        "<code>served_models[4]</code>",
        "<em>not in the list</em>",
        "<code>{&quot;model_entity_id&quot;: &quot;default/gpt-5&quot;, "
        "&quot;served_model_name&quot;: &quot;gpt-5&quot;}</code>",
    ] in rows
    assert [
        "<code>access_grants[1]</code>",
        "<code>{&quot;access_id&quot;: &quot;alice.research&quot;, &quot;access_type&quot;: "
        "&quot;user&quot;, &quot;permission&quot;: &quot;write&quot;}</code>",
        "<em>not in the list</em>",
    ] in rows
    # the new model, with hostile-looking text shown as text: no HTML, no mention, no broken cell
    added = new.model("default/gpt-5")
    assert (
        "<li><code>default/gpt-5</code>: <code>GPT-5 `preview` | &lt;b&gt;bold&lt;/b&gt; "
        f"@someone; reasoning, vision</code>, <code>{added.config_hash}</code></li>"
    ) in rendered
    assert "<b>" not in rendered
    # models routed through the changed provider, and only those
    routed = {re.sub(r"</?code>", "", row[0]): row[3] for row in rows if len(row) == 4}
    # every secret a provider names (the proxy password too: resolve() needs it since routes
    # carry the proxy)
    names = [(p.api_key_secret_name, p.proxy_config) for p in new.providers()]
    keys = {
        name: "x"
        for key, proxy in names
        for name in (key, proxy.password_secret_name if proxy else None)
        if name
    }
    through_openai = {
        m.id
        for m in old.models()
        if m.is_active and new.resolve(m.id, secrets=keys).provider_id == "default/openai"
    }
    assert set(routed) == through_openai and through_openai
    assert all(
        "provider default/openai changed: served_models[4], "
        "network_config.default_request_timeout_in_seconds" in why
        for why in routed.values()
    )


def test_route_moving_to_another_provider(copy: Path) -> None:
    edit(copy / "after" / AZURE, "provider_type: azure\n", "provider_type: azure\nenabled: false\n")
    old = llmreg.load(copy / "before/providers.d")
    new = llmreg.load(copy / "after/providers.d")
    comparison = compare(old, new)
    moved = {r.model_id: r for r in comparison.routes}
    gpt4o = moved["default/gpt-4o"]
    assert gpt4o.old.startswith("default/azure-openai as ")
    assert gpt4o.new == "default/openai as gpt-4o"
    assert gpt4o.why[0] == "provider default/azure-openai changed: enabled"
    assert gpt4o.why[1].startswith("route: provider; served model name; endpoint; headers ")
    # code-assistant derives from gpt-4o: its route moves too
    assert "default/code-assistant" in moved


def secret_registry(header: str, secret_name: str) -> Registry:
    provider = Provider.model_validate(
        {
            "kind": "Provider",
            "workspace": "w",
            "name": "p",
            "provider_type": "openai",
            "host_url": "https://api.example.com/v1",
            "api_key_secret_name": secret_name,
            "default_extra_headers": {"X-Custom": header},
            "served_models": [{"model_entity_id": "w/m", "served_model_name": "m"}],
        }
    )
    model = Model.model_validate({"kind": "Model", "workspace": "w", "name": "m"})
    return Registry([provider], [model])


def test_secrets_are_shown_by_name_never_by_value() -> None:
    # Registry() built directly skips the inline-secret rule: the Markdown must still hold
    leaked = "sk-proj-" + "A1b2C3d4" * 6
    markdown = to_markdown(
        compare(secret_registry("plain", "OLD_KEY"), secret_registry(leaked, "NEW_KEY")),
        "a",
        "b",
    )
    assert leaked not in markdown
    assert '| `default_extra_headers["X-Custom"]` | `"plain"` | `"<redacted>"` |' in markdown
    assert '| `api_key_secret_name` | `"OLD_KEY"` | `"NEW_KEY"` |' in markdown
    assert "<secret" not in markdown  # the route's stand-in for the key never shows


def test_equal_registries(copy: Path) -> None:
    reg = llmreg.load(copy / "before/providers.d")
    markdown = to_markdown(compare(reg, reg), "a", "b")
    assert "No definition changed." in markdown and "###" not in markdown


# -- git revisions ------------------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README").write_text("before the registry\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "no registry yet")
    shutil.copytree(ROOT / "providers.d", repo / "providers.d")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "registry")
    real_change(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")
    return repo


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@needs_git
def test_diff_of_git_revisions(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    edit(repo / "providers.d/default/models/gpt-5.yaml", "400000", "200000")  # not committed
    code, out, _ = run(capsys, "diff", "HEAD~1", "HEAD")
    assert code == 1
    assert out.splitlines() == [
        "+ model default/gpt-5",
        "~ model research_team_alpha/paper-summarizer",
        "~ provider default/openai",
    ]
    code, markdown, _ = run(capsys, "diff", "HEAD~1", "HEAD", "--format", "markdown")
    head = git(repo, "rev-parse", "HEAD").strip()
    assert code == 1
    assert f"`HEAD ({head[:12]})`" in markdown
    copy_dir = repo.parent / "copy"
    shutil.copytree(ROOT / "providers.d", copy_dir / "providers.d")
    real_change(copy_dir)
    expected = compare(llmreg.load(ROOT / "providers.d"), llmreg.load(copy_dir / "providers.d"))
    assert markdown == to_markdown(
        expected, f"HEAD~1 ({git(repo, 'rev-parse', 'HEAD~1').strip()[:12]})", f"HEAD ({head[:12]})"
    )
    # a revision against the working tree; nothing of the checkout was touched
    code, out, _ = run(capsys, "diff", "HEAD", "providers.d")
    assert (code, out) == (1, "~ model default/gpt-5\n")
    assert git(repo, "status", "--porcelain") == " M providers.d/default/models/gpt-5.yaml\n"
    assert git(repo, "rev-parse", "HEAD").strip() == head


@needs_git
def test_revision_problems_are_one_line_and_exit_2(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "diff", "no-such-branch", "HEAD")
    assert (code, out) == (2, "")
    assert err == (
        "llmreg: 'no-such-branch' is not a folder, a snapshot or a git revision "
        "(unknown revision)\n"
    )
    code, out, err = run(capsys, "diff", "HEAD~2", "HEAD")  # before the registry existed
    assert (code, out) == (2, "")
    assert err == (
        "llmreg: HEAD~2: no registry at providers.d "
        "(no <workspace>/<providers|models>/<name>.yaml files there)\n"
    )
    code, out, err = run(capsys, "diff", ".", "HEAD")  # the repository, not its registry
    assert (code, out) == (2, "")
    assert err == (
        "llmreg: . is not a registry: no <workspace>/<providers|models>/<name>.yaml files in it\n"
    )
    (tmp_path / "empty").mkdir()
    code, out, err = run(capsys, "diff", str(tmp_path / "empty"), "HEAD")
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert "is not a registry" in err
    monkeypatch.chdir(tmp_path / "empty")  # not inside a repository
    code, out, err = run(capsys, "diff", "HEAD", "HEAD")
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert "not a git repository" in err


@needs_git
def test_invalid_registry_in_a_revision_names_the_revision(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    edit(repo / OPENAI, "max_retries: 3", "max_retries: '3'")
    git(repo, "commit", "-qam", "broken")
    code, out, _ = run(capsys, "diff", "HEAD~1", "HEAD")
    assert code == 2
    assert out.startswith("HEAD:providers.d/default/providers/openai.yaml:")
    assert " schema " in out.splitlines()[0]


@needs_git
def test_a_file_over_the_size_limit_in_a_revision(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    size = 1024 * 1024 + 5000
    head = "kind: Model\nworkspace: default\nname: huge\ndisplay_name: "
    huge = head + "x" * (size - len(head) - 1) + "\n"
    (repo / "providers.d/default/models/huge.yaml").write_text(huge, encoding="ascii")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "huge")
    code, out, _ = run(capsys, "diff", "HEAD~1", "HEAD")
    assert code == 2
    assert out.splitlines()[0] == (
        f"HEAD:providers.d/default/models/huge.yaml:1:1: yaml-limit the file is {size} bytes; "
        "definition files may be at most 1048576 bytes"
    )


@needs_git
def test_registry_in_another_folder_and_from_a_subfolder(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "mv", "providers.d", "config")
    git(repo, "commit", "-qm", "moved")
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    code, out, _ = run(capsys, "diff", "HEAD~1", "HEAD", "--registry", "../config")
    assert code == 2  # HEAD~1 has no ../config
    code, out, _ = run(capsys, "diff", "HEAD~2", "HEAD~1", "--registry", "../providers.d")
    assert code == 1 and "+ model default/gpt-5" in out
    code, out, _ = run(capsys, "diff", "HEAD~1:providers.d", "HEAD", "--registry", "../config")
    assert code == 2  # a tree is not a commit


def test_markdown_is_cut_to_fit_a_comment(copy: Path) -> None:
    real_change(copy / "after")
    comparison = compare(
        llmreg.load(copy / "before/providers.d"), llmreg.load(copy / "after/providers.d")
    )
    whole = to_markdown(comparison, "a", "b")
    assert to_markdown(comparison, "a", "b", max_chars=len(whole)) == whole
    cut = to_markdown(comparison, "a", "b", max_chars=1500)
    assert len(cut) <= 1500
    kept = cut.split("\n\n*Cut to stay within 1,500 characters: ")[0]
    assert whole.startswith(kept) and len(kept) < len(whole)
    assert re.search(r"\*Cut to stay within 1,500 characters: \d+ of \d+ lines left out", cut)


def test_field_changes_name_each_leaf() -> None:
    from llmreg.changes import ABSENT, NOT_LISTED, FieldChange, field_changes

    old = {"a": {"b": 1, "c": [1, 2]}, "d": ["x", "y"], "odd key": 1}
    new = {"a": {"c": [1, 3]}, "d": ["y"], "e": True, "odd key": 2}
    assert list(field_changes(old, new)) == [
        FieldChange("a.b", 1, ABSENT),
        FieldChange("a.c[1]", 2, 3),
        FieldChange("d[0]", "x", NOT_LISTED),
        FieldChange('["odd key"]', 1, 2),
        FieldChange("e", ABSENT, True),
    ]


def test_secret_values_in_the_environment_never_come_out(
    copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmreg.catalog import render_catalog

    canary = "sk-canary-" + "Zq9" * 12
    for provider in llmreg.load(copy / "after/providers.d").providers():
        if provider.api_key_secret_name:
            monkeypatch.setenv(provider.api_key_secret_name, canary)
    real_change(copy / "after")
    code, out, err = run(
        capsys,
        "diff",
        str(copy / "before/providers.d"),
        str(copy / "after/providers.d"),
        "--format",
        "markdown",
    )
    assert code == 1 and "### Routes" in out
    assert canary not in out + err
    assert canary not in render_catalog(llmreg.load(copy / "after/providers.d"))


def test_the_example_in_docs_ci_is_what_llmreg_writes(copy: Path) -> None:
    doc = (ROOT / "docs/ci.md").read_text(encoding="utf-8")
    example = doc.split("````markdown\n", 1)[1].split("````", 1)[0]
    labels = re.search(r"^`(.+?)` → `(.+?)`:", example, re.M)
    assert labels is not None
    plain = NEW_MODEL.replace("GPT-5 `preview` | <b>bold</b> @someone", "GPT-5")
    real_change(copy / "after", plain)
    comparison = compare(
        llmreg.load(copy / "before/providers.d"), llmreg.load(copy / "after/providers.d")
    )
    # When the bundled registry changes, redo the example: in a git repository holding the
    # bundled providers.d, commit real_change(repo, plain) and run
    # `llmreg diff HEAD~1 HEAD --format markdown`.
    assert example == to_markdown(comparison, labels[1], labels[2])


def test_a_changed_value_with_pipes_and_backticks_stays_in_its_cell() -> None:
    def registry(display_name: str) -> Registry:
        model = Model.model_validate(
            {"kind": "Model", "workspace": "w", "name": "m", "display_name": display_name}
        )
        return Registry([], [model])

    hostile = "a | b `c` ``d`` <img src=x onerror=alert(1)> @team\nnext line"
    rows = table_rows(html(to_markdown(compare(registry("plain"), registry(hostile)), "a", "b")))
    assert rows == [
        [
            "<code>display_name</code>",
            "<code>&quot;plain&quot;</code>",
            "<code>&quot;a | b `c` ``d`` &lt;img src=x onerror=alert(1)&gt; @team\\nnext "
            "line&quot;</code>",
        ]
    ]


@needs_git
def test_the_registry_of_the_settings_is_the_default(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "mv", "providers.d", "llm")
    (repo / "pyproject.toml").write_text('[tool.llmreg]\nregistry = "llm"\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "moved")
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")  # settings are found upwards; the path is the repository's
    edit(repo / "llm/default/models/gpt-5.yaml", "400000", "200000")
    git(repo, "commit", "-qam", "smaller")
    code, out, _ = run(capsys, "diff", "HEAD~1", "HEAD")
    assert (code, out) == (1, "~ model default/gpt-5\n")


def test_json_names_the_changed_fields(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real_change(copy / "after")
    code, out, _ = run(
        capsys,
        "diff",
        str(copy / "before/providers.d"),
        str(copy / "after/providers.d"),
        "--format",
        "json",
    )
    assert code == 1
    payload = json.loads(out)
    assert payload["equal"] is False
    assert payload["added"] == [["Model", "default/gpt-5"]]
    assert payload["removed"] == []
    assert payload["changed"] == [
        ["Model", "research_team_alpha/paper-summarizer"],
        ["Provider", "default/openai"],
    ]
    details = {(d["kind"], d["id"]): d for d in payload["details"]}
    openai = details["Provider", "default/openai"]
    old = llmreg.load(copy / "before/providers.d").provider("default/openai")
    assert openai["old_config_hash"] == old.config_hash
    assert {
        "path": "network_config.default_request_timeout_in_seconds",
        "old": 120,
        "new": 30,
    } in openai["fields"]
    # an item only one side lists has no key on the other side
    assert {
        "path": "served_models[4]",
        "new": {"model_entity_id": "default/gpt-5", "served_model_name": "gpt-5"},
    } in openai["fields"]
    grants = details["Model", "research_team_alpha/paper-summarizer"]["fields"]
    assert [f for f in grants if f["path"] == "access_grants[1]"] == [
        {
            "path": "access_grants[1]",
            "old": {"access_id": "alice.research", "access_type": "user", "permission": "write"},
        }
    ]


def test_json_redacts_secret_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from llmreg.snapshot import write_snapshot

    leaked = "sk-proj-" + "A1b2C3d4" * 6
    write_snapshot(secret_registry("plain", "OLD_KEY"), tmp_path / "a.json")
    write_snapshot(secret_registry(leaked, "NEW_KEY"), tmp_path / "b.json")
    code, out, _ = run(
        capsys, "diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--format", "json"
    )
    assert code == 1
    assert leaked not in out
    fields = json.loads(out)["details"][0]["fields"]
    assert {"path": 'default_extra_headers["X-Custom"]', "old": "plain", "new": "<redacted>"} in (
        fields
    )
