"""``llmreg check`` without click (``llmreg.cli._direct``) says and does exactly what the click
command says and does: its option table is the click command's declared parameters, and a
matrix of argument lists gives the same output and exit code both ways."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from helpers.cli import Outcome, run_in_process
from llmreg.cli import _direct
from llmreg.cli.check import command
from llmreg.report import REPORTERS

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from generate import write_registry


def _expected_kind(param: click.Parameter) -> tuple[object, ...]:
    """The constraints of a parameter's click type, in the table's terms; what the table
    does not know stops the test (a new type needs the parser taught first)."""
    kind = param.type
    if isinstance(param, click.Option) and param.is_flag:
        return ("flag",)
    if isinstance(kind, click.Path):
        assert kind.readable and not kind.writable and not kind.executable
        assert not kind.resolve_path and not kind.allow_dash and kind.type is Path
        return ("path", kind.exists, kind.file_okay, kind.dir_okay)
    if isinstance(kind, click.Choice):
        assert list(kind.choices) == sorted(REPORTERS) and kind.case_sensitive
        return ("choice",)
    if isinstance(kind, click.IntRange):
        assert (kind.min, kind.max, kind.min_open, kind.clamp) == (1, None, False, False)
        return ("count",)
    raise AssertionError(f"{param.name}: the run without click does not know {kind!r}")


def test_the_table_is_the_click_commands_declared_parameters() -> None:
    declared: dict[str, tuple[str, tuple[object, ...]]] = {}
    context = click.Context(command)
    for param in command.params:
        if isinstance(param, click.Argument):
            assert (param.name, param.nargs, param.required) == ("paths", -1, False)
            assert _expected_kind(param) == _direct.PATHS
            continue
        assert isinstance(param, click.Option)
        if param.name == "help":
            continue
        assert param.nargs == 1 and not param.multiple and param.envvar is None
        assert param.get_default(context) in (None, False)  # what parse() leaves unset
        assert param.name is not None
        for name in (*param.opts, *param.secondary_opts):
            declared[name] = (param.name, _expected_kind(param))
    assert declared == _direct.OPTIONS


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder: providers.d with one finding, a config, a file that is no folder."""
    files = write_registry(tmp_path / "providers.d", 12)
    model = next(p for p in files if "/models/" in p.as_posix())
    model.write_text(model.read_text(encoding="utf-8") + "surprise: 1\n", encoding="utf-8")
    (tmp_path / "ci.toml").write_text('[tool.llmreg]\nignore = ["schema"]\n')
    (tmp_path / "broken.toml").write_text('[tool.llmreg]\nignore = ["no-such-rule"]\n')
    (tmp_path / "plain-file").write_text("x")
    monkeypatch.setenv("LLMREG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv(_direct.COMPLETE_VAR, raising=False)
    return tmp_path


MODEL = "providers.d/default/models/model-000000.yaml"
OTHER = "providers.d/default/models/model-000001.yaml"
R = "providers.d"

# (arguments, whether the run without click takes them)
MATRIX: list[tuple[list[str], bool]] = [
    (["check"], True),
    (["check", MODEL], True),
    (["check", MODEL, OTHER], True),
    (["check", "--registry", R], True),
    (["check", f"--registry={R}"], True),
    (["check", MODEL, "--registry", R], True),
    (["check", "--registry", R, MODEL], True),
    (["check", R], True),
    (["check", "--format", "json"], True),
    (["check", "--format=sarif", MODEL], True),
    (["check", "--format", "github"], True),
    (["check", "--no-cache"], True),
    (["check", "--cache-dir", "elsewhere"], True),
    (["check", "--cache-dir=elsewhere", "--no-cache"], True),
    (["check", "-j", "1"], True),
    (["check", "--jobs", "2", MODEL], True),
    (["check", "--jobs=1"], True),
    (["check", "--config", "ci.toml"], True),
    (["check", "--config=ci.toml", MODEL], True),
    # click's own errors and conversions
    (["check", "--format", "JSON"], False),
    (["check", "--format", "bogus"], False),
    (["check", "--format"], False),
    (["check", "--no-cache=1"], False),
    (["check", "--cache-dir", "plain-file"], False),
    (["check", "--jobs", "0"], False),
    (["check", "--jobs", "01"], False),
    (["check", "--jobs", "+1"], False),
    (["check", "--jobs", "x"], False),
    (["check", "-j1"], False),
    (["check", "-j=1"], False),
    (["check", "--config", "missing.toml"], False),
    (["check", "--config", "providers.d"], False),
    (["check", "--config", "broken.toml"], False),
    (["check", "--registry", "nowhere"], False),
    (["check", "--registry", ""], False),
    (["check", "missing.yaml"], False),
    (["check", ""], False),
    (["check", "-"], False),
    (["check", "--", MODEL], False),
    (["check", "--registry", R, "--registry", R], False),
    (["check", "--bogus"], False),
    (["check", "--help"], False),
    (["check", "-h"], False),
    (["check", "--regist", R], False),
    (["--debug", "check"], False),
    (["check", "--format", "json", "--help"], False),
    (["rules"], False),
    ([], False),
]


def _both_ways(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> list[Outcome]:
    direct = run_in_process(args, cwd)
    with monkeypatch.context() as patched:
        patched.setattr(_direct, "check", lambda args: None)
        through_click = run_in_process(args, cwd)
    return [direct, through_click]


@pytest.mark.parametrize(("args", "understood"), MATRIX, ids=lambda v: repr(v))
def test_the_same_output_and_exit_code_with_and_without_click(
    project: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], understood: bool
) -> None:
    monkeypatch.chdir(project)
    parsed = _direct.parse(args)
    assert (parsed is not None) == understood or args in (
        # understood by the parser; the run still leaves them to click, which reports them
        ["check", "--config", "broken.toml"],
        ["check", "--registry", "nowhere"],
    )
    direct, through_click = _both_ways(args, project, monkeypatch)
    assert (direct.code, direct.out, direct.err) == (
        through_click.code,
        through_click.out,
        through_click.err,
    )


def test_github_actions_picks_the_same_default_format(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    direct, through_click = _both_ways(["check"], project, monkeypatch)
    assert direct.out.startswith("::error ") and direct.out == through_click.out
    assert direct.code == through_click.code == 1


def test_shell_completion_is_left_to_click(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_direct.COMPLETE_VAR, "bash_complete")
    assert _direct.parse(["check"]) is None


def test_an_unreadable_path_is_left_to_click(project: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("permissions do not deny reading here (running as root)")
    locked = project / "locked.yaml"
    locked.write_text("kind: Model\n")
    locked.chmod(0)
    assert _direct.parse(["check", str(locked)]) is None


def test_a_pre_commit_run_imports_neither_click_nor_a_reader_it_does_not_need(
    project: Path,
) -> None:
    """The hot path's imports, pinned: a check the cache answers (and a one-file check of a
    plain file) loads no click, PyYAML, jsonschema, pydantic; the fully cached one no reader
    or validator at all."""
    heavy = (
        "click",
        "yaml",
        "jsonschema",
        "pydantic",
        "pydantic_core",
        "traceback",
        "importlib.resources",
        "platformdirs",
        # the standard library a check does not need: dataclasses (with inspect, ast, dis)
        # cost a fifth of a warm check; copy only expands a YAML alias
        "dataclasses",
        "inspect",
        "ast",
        "copy",
        "tempfile",  # the cache writes its index without it
    )
    # what reading and validating a file needs (jsonschema-rs imports email.utils and socket)
    cached = ("yaml_rs", "jsonschema_rs", "email", "llmreg.source", "llmreg.validate")
    probe = (
        "import sys; import llmreg.cache; llmreg.cache.SETTLE_NS = 0\n"
        "from llmreg.cli import exit_now, main\n"
        "code = main(sys.argv[1:])\n"
        "print(sorted(sys.modules))\n"
        "exit_now(code)\n"
    )

    def loaded(code: int, *args: str) -> set[str]:
        done = subprocess.run(
            [sys.executable, "-c", probe, "check", "--cache-dir", "cache", *args],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == code, done.stderr
        modules: set[str] = set(eval(done.stdout.splitlines()[-1]))
        return modules

    def under(modules: set[str], names: tuple[str, ...]) -> set[str]:
        return {m for m in modules if m in names or m.startswith(tuple(f"{n}." for n in names))}

    loaded(1)  # fills the cache (the registry has one finding)
    warm = loaded(1)
    assert under(warm, heavy + cached) == set()
    assert "llmreg.cli._direct" in warm
    # the pre-commit case: a plain file edited (one with a finding is read again by PyYAML)
    edited = project / OTHER
    edited.write_text(edited.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    one_file = loaded(0, OTHER)
    assert under(one_file, heavy) == set()
    assert {"yaml_rs", "jsonschema_rs"} <= one_file  # it did read and validate the file
