"""The registry in memory (``llmreg.workspace``, behind ``llmreg lsp``): a text re-checked on its
own, with the registry rules run again over the kept facts, reports what ``llmreg check FILE``
reports for the same text on disk; a Session republishes exactly the open files whose findings
moved. The LSP positions (``llmreg.lsp``) are UTF-16 code units."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from llmreg import settings
from llmreg.check import run_check
from llmreg.diagnostics import Diagnostic
from llmreg.workspace import Session, Workspace, check_alone

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CASES = sorted(p for kind in ("valid", "invalid") for p in (GOLDEN / kind).iterdir() if p.is_dir())


def _yaml(case: Path) -> list[Path]:
    return sorted(p for p in case.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))


def _check(root: Path, path: Path, config: settings.Settings) -> list[Diagnostic]:
    return run_check([path], root, settings=config).diagnostics


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_every_golden_file_gets_what_check_reports(case: Path) -> None:
    config = settings.load(start=case)
    workspace = Workspace(case, config)
    workspace.load()
    for path in _yaml(case):
        assert workspace.findings(path.resolve()) == _check(case, path, config), path


def _copy(tmp_path: Path, case: str) -> Path:
    root = tmp_path / case
    shutil.copytree(GOLDEN / "invalid" / case, root)
    return root


MODEL = "kind: Model\nworkspace: default\nname: gpt-4o\nbase_model_id: {ref}\n{extra}"
EDITS = [
    MODEL.format(ref="other/gpt-4o", extra=""),
    MODEL.format(ref="default/gpt-4o", extra=""),  # a cycle
    # placed by the text in memory, not by the file on disk
    "\n\n" + MODEL.format(ref="other/x", extra=""),
    # ...also where the stage records no position (a quoted key) and the finding is placed later
    '\n\nkind: Model\nworkspace: default\nname: gpt-4o\n"base_model_id": other/x\n',
    MODEL.format(ref="other/x", extra="params:\n  key: AKIAIOSFODNN7EXAMPLE\n"),
    MODEL.format(ref="other/x", extra="flag: yes  # llmreg: ignore[schema]\n"),
    MODEL.format(ref="other/x", extra="params: {a: yes}  # llmreg: ignore[nonsense]\n"),
    "kind: Model\nname: [\n",
    "",
    "kind: Model\x00\n",
    "- a list\n",
]


@pytest.mark.parametrize("text", EDITS)
def test_a_changed_text_gets_what_check_reports_once_saved(tmp_path: Path, text: str) -> None:
    root = _copy(tmp_path, "unresolved-reference")
    model = (root / "default" / "models" / "gpt-4o.yaml").resolve()
    provider = (root / "default" / "providers" / "p.yaml").resolve()
    workspace = Workspace(root)
    workspace.load()
    workspace.set_text(model, text)
    in_memory = (workspace.findings(model), workspace.findings(provider))
    model.write_bytes(text.encode("utf-8"))
    assert in_memory == (
        _check(root, model, settings.DEFAULT_SETTINGS),
        _check(root, provider, settings.DEFAULT_SETTINGS),
    )


def test_files_created_and_deleted_on_disk(tmp_path: Path) -> None:
    root = _copy(tmp_path, "unresolved-reference")
    provider = (root / "default" / "providers" / "p.yaml").resolve()
    workspace = Workspace(root)
    workspace.load()
    assert len(workspace) == 2
    rules = [d.rule for d in workspace.findings(provider)]
    assert rules == ["unresolved-reference"]  # default/gpt-5o
    created = root / "default" / "models" / "gpt-5o.yaml"
    created.write_text("kind: Model\nworkspace: default\nname: gpt-5o\n", encoding="utf-8")
    assert workspace.reread(created.resolve()) == "default/models/gpt-5o.yaml"
    assert len(workspace) == 3 and workspace.findings(provider) == []
    created.unlink()
    workspace.reread(created.resolve())
    assert len(workspace) == 2
    assert [d.rule for d in workspace.findings(provider)] == rules
    hidden = root / ".git" / "x.yaml"
    assert workspace.set_text(hidden.resolve(), "- 1\n") is None
    assert workspace.findings(hidden.resolve()) == []


def test_a_file_outside_any_registry_is_checked_alone(tmp_path: Path) -> None:
    path = tmp_path / "loose.yaml"
    text = GOLDEN / "invalid" / "unresolved-reference" / "default" / "models" / "gpt-4o.yaml"
    path.write_bytes(text.read_bytes())
    assert check_alone(path, text.read_text()) == run_check([path], tmp_path / "none").diagnostics


def test_session_republishes_only_what_moved(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(GOLDEN / "invalid" / "unresolved-reference", project / "providers.d")
    logged: list[str] = []
    session = Session(roots=[project], use_cache=False, log=logged.append)
    registry = (project / "providers.d").resolve()
    model = registry / "default" / "models" / "gpt-4o.yaml"
    provider = registry / "default" / "providers" / "p.yaml"
    text = model.read_text(encoding="utf-8")
    first = session.set_text(model, text)
    assert list(first) == [model] and [d.rule for d in first[model]] == ["unresolved-reference"]
    assert any("loaded the registry" in line for line in logged)
    assert list(session.set_text(provider, provider.read_text(encoding="utf-8"))) == [provider]
    # a comment changes nothing but the model: only the model is published
    assert list(session.set_text(model, text + "# note\n")) == [model]
    # the model renamed to gpt-5o: the provider's reference to gpt-5o resolves now
    moved = session.set_text(model, text.replace("name: gpt-4o", "name: gpt-5o"))
    assert set(moved) == {model, provider}
    # closed: the model is what is on disk again, so the provider moves back
    closed = session.close(model)
    assert closed[model] == [] and set(closed) == {model, provider}
    assert [d.rule for d in closed[provider]] == ["unresolved-reference"]


def test_settings_changed_on_disk_reload(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(GOLDEN / "invalid" / "unresolved-reference", project / "providers.d")
    session = Session(roots=[project], use_cache=False)
    model = (project / "providers.d" / "default" / "models" / "gpt-4o.yaml").resolve()
    found = session.set_text(model, model.read_text(encoding="utf-8"))
    assert [d.severity for d in found[model]] == ["error"]
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        '[tool.llmreg]\nseverity = { unresolved-reference = "warning" }\n', encoding="utf-8"
    )
    found = session.on_disk(pyproject.resolve())
    assert [d.severity for d in found[model]] == ["warning"]
    pyproject.write_text("[tool.llmreg]\nnonsense = 1\n", encoding="utf-8")
    logged: list[str] = []
    session.log = logged.append
    found = session.on_disk(pyproject.resolve())
    assert [d.severity for d in found[model]] == ["error"]
    assert any("nonsense" in line for line in logged)


def test_lsp_positions_are_utf16_code_units() -> None:
    pytest.importorskip("pygls")
    from llmreg.lsp import lsp_diagnostics

    finding = Diagnostic(file="f", line=2, column=4, rule="schema", message="m")
    text = "a: 1\n\U0001f680\u00e9: vv  \r\nlast"
    (published,) = lsp_diagnostics([finding], text)
    # the rocket is two code units, é one: column 4 (characters) is code unit 4
    assert (published.range.start.line, published.range.start.character) == (1, 4)
    assert (published.range.end.line, published.range.end.character) == (1, 7)
    assert (published.code, published.source, published.severity) == ("schema", "llmreg", 1)
    (commented,) = lsp_diagnostics([finding], "\nkey: value  # a comment\n")
    assert (commented.range.start.character, commented.range.end.character) == (3, 10)
    (only_comment,) = lsp_diagnostics([finding], "\nabc # c\n")  # at a comment: to the end
    assert (only_comment.range.start.character, only_comment.range.end.character) == (3, 7)
    beyond = Diagnostic(file="f", line=9, column=99, rule="schema", message="m", severity="warning")
    (clamped,) = lsp_diagnostics([beyond], text)
    assert (clamped.range.start.line, clamped.range.start.character) == (2, 4)
    assert clamped.severity == 2


def _hostile() -> list[Any]:
    from helpers.hostile_cases import CASES

    return [case for case in CASES if case.setup is None]


@pytest.mark.parametrize("case", _hostile(), ids=lambda case: case.id)
def test_the_hostile_corpus_as_editor_text_gets_what_check_reports(
    case: Any, tmp_path: Path
) -> None:
    root = tmp_path / "registry"
    texts = {}
    for name, content in case.files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
        path.write_bytes(raw)
        with contextlib.suppress(UnicodeDecodeError):  # bytes an editor cannot hold as text
            texts[path.resolve()] = raw.decode("utf-8")
    workspace = Workspace(root)
    workspace.load()
    for path, text in texts.items():
        workspace.set_text(path, text)
    for path in texts:
        assert workspace.findings(path) == _check(root, path, settings.DEFAULT_SETTINGS), path
