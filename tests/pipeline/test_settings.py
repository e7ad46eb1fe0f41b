"""[tool.llmreg] settings, per-line suppressions and allowed hosts."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from llmreg.check import run_check
from llmreg.cli import main
from llmreg.settings import CheckOptions, SettingsError, find_pyproject, load

PROVIDER = """\
kind: Provider
workspace: default
name: p
provider_type: vllm
host_url: {url}
network_config:
  insecure_skip_verify: true{tls_comment}
"""


def _project(tmp_path: Path, settings: str = "", url: str = "http://10.0.0.12:8000/v1") -> Path:
    folder = tmp_path / "providers.d" / "default" / "providers"
    folder.mkdir(parents=True)
    (folder / "p.yaml").write_text(PROVIDER.format(url=url, tls_comment=""), encoding="utf-8")
    if settings:
        (tmp_path / "pyproject.toml").write_text(settings, encoding="utf-8")
    return tmp_path


def _check(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> tuple[int, str, str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("LLMREG_CACHE_DIR", str(tmp_path / ".llmreg-cache"))
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- finding and loading -----------------------------------------------------------------------


def test_nearest_pyproject_with_the_table_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.llmreg]\nignore = ["insecure-tls"]\n')
    inner = tmp_path / "sub" / "pkg"
    inner.mkdir(parents=True)
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_pyproject(inner) == tmp_path / "pyproject.toml"
    settings = load(start=inner)
    assert settings.ignore == {"insecure-tls"}
    assert settings.source == tmp_path / "pyproject.toml"


def test_registry_setting_is_relative_to_the_pyproject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "defs" / "default" / "providers"
    folder.mkdir(parents=True)
    (folder / "p.yaml").write_text(
        PROVIDER.format(url="https://api.example.com/v1", tls_comment=""), encoding="utf-8"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.llmreg]\nregistry = "defs"\n')
    sub = tmp_path / "elsewhere"
    sub.mkdir()
    code, out, _ = _check(sub, monkeypatch, capsys)
    assert code == 0, out
    assert "1 warning" in out
    assert "defs/default/providers/p.yaml" in out
    # --registry wins over the setting
    code, _, err = _check(sub, monkeypatch, capsys, "--registry", "missing")
    assert code == 2
    assert "missing does not exist" in err


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[tool.llmreg]\nignor = ["schema"]\n', ["unknown key 'ignor'", "did you mean 'ignore'"]),
        ('[tool.llmreg]\nignore = ["privat-network"]\n', ["ignore", "unknown rule id"]),
        ('[tool.llmreg]\nseverity = {nope = "error"}\n', ["severity", "unknown rule id 'nope'"]),
        ('[tool.llmreg]\nseverity = {schema = "fatal"}\n', ["severity.schema", "'fatal'"]),
        ('[tool.llmreg]\nignore = "schema"\n', ["ignore must be a list"]),
        (
            '[tool.llmreg]\nignore = ["schema"]\nseverity = {schema = "error"}\n',
            ["schema is in ignore"],
        ),
        ('[tool.llmreg]\nallowed-hosts = ["10.0.0.0/33"]\n', ["allowed-hosts", "10.0.0.0/33"]),
        ('[tool.llmreg]\nallowed-hosts = ["http://x/"]\n', ["allowed-hosts", "http://x/"]),
        ("[tool.llmreg\n", ["is not valid TOML"]),
        ("[tool]\nllmreg = 3\n", ["must be a table"]),
    ],
)
def test_bad_settings_exit_2_naming_file_and_key(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    toml: str,
    words: list[str],
) -> None:
    _project(tmp_path, toml)
    code, out, err = _check(tmp_path, monkeypatch, capsys)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert str(tmp_path / "pyproject.toml") in err
    for word in words:
        assert word in err
    with pytest.raises(SettingsError):
        load(tmp_path / "pyproject.toml")


def test_explicit_config_must_hold_the_table(tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text("[tool.black]\n")
    with pytest.raises(SettingsError, match=r"has no \[tool.llmreg\] table"):
        load(other)


def test_config_option_picks_another_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path)
    (tmp_path / "ci.toml").write_text('[tool.llmreg]\nignore = ["private-network"]\n')
    code, out, _ = _check(tmp_path, monkeypatch, capsys, "--config", "ci.toml")
    assert code == 0
    assert "private-network" not in out


# -- severity and ignore -----------------------------------------------------------------------


def test_severity_and_ignore_regrade_and_drop_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path)
    code, out, _ = _check(tmp_path, monkeypatch, capsys)
    assert code == 1
    assert "private-network" in out
    assert "insecure-tls warning:" in out

    (tmp_path / "pyproject.toml").write_text(
        '[tool.llmreg]\nseverity = {private-network = "warning", insecure-tls = "error"}\n'
    )
    code, out, _ = _check(tmp_path, monkeypatch, capsys)
    assert code == 1  # insecure-tls is an error now
    assert "private-network warning:" in out
    assert "insecure-tls warning:" not in out
    assert "Found 1 error, 1 warning" in out

    (tmp_path / "pyproject.toml").write_text(
        '[tool.llmreg]\nignore = ["private-network"]\nseverity = {insecure-tls = "off"}\n'
    )
    code, out, _ = _check(tmp_path, monkeypatch, capsys)
    assert code == 0
    assert out.startswith("All good")


# -- allowed hosts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "hosts", "allowed"),
    [
        ("http://10.0.0.12:8000/v1", ["10.0.0.0/8"], True),
        ("http://10.0.0.12:8000/v1", ["10.0.0.12"], True),
        ("http://10.0.0.12:8000/v1", ["10.1.0.0/16"], False),
        ("http://VLLM.Internal:8000/v1", ["vllm.internal."], True),
        ("http://vllm.internal:8000/v1", ["other.internal"], False),
        ("http://[::1]:8000/v1", ["::1"], True),
        ("http://[fd00::5]/v1", ["fd00::/8"], True),
        ("http://api.example.com/v1", ["api.example.com"], True),
    ],
)
def test_allowed_hosts_exempt_from_private_network(
    tmp_path: Path, url: str, hosts: list[str], allowed: bool
) -> None:
    _project(tmp_path, url=url)
    options = CheckOptions.build(hosts)
    report = run_check([], tmp_path / "providers.d", options=options)
    rules = {d.rule for d in report.diagnostics}
    assert ("private-network" not in rules) is allowed
    assert "insecure-tls" in rules  # other rules are untouched


def test_allowed_hosts_from_settings_reach_the_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, '[tool.llmreg]\nallowed-hosts = ["10.0.0.0/24"]\n')
    code, out, _ = _check(tmp_path, monkeypatch, capsys)
    assert code == 0
    assert "private-network" not in out


def test_options_fingerprint_is_stable_and_sensitive() -> None:
    a = CheckOptions.build(["10.0.0.0/8", "Host.Example"])
    b = CheckOptions.build(["host.example", "10.1.2.3/8", "10.0.0.0/8"])
    assert a.options_fingerprint() == b.options_fingerprint()
    assert a.options_fingerprint() != CheckOptions.build(["10.0.0.0/16"]).options_fingerprint()
    assert CheckOptions().options_fingerprint() == CheckOptions.build([]).options_fingerprint()
    # worker processes receive the options pickled
    copy = pickle.loads(pickle.dumps(a))
    assert copy == a
    assert copy.host_allowed("10.9.9.9")
    assert copy.options_fingerprint() == a.options_fingerprint()


# -- per-line suppressions ---------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> None:
    target = tmp_path / "providers.d" / "default" / "providers" / "p.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _rules(tmp_path: Path) -> list[tuple[int, str]]:
    report = run_check([], tmp_path / "providers.d")
    return [(d.line, d.rule) for d in report.diagnostics]


def test_a_comment_naming_the_rule_suppresses_it_on_its_line_only(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "# llmreg: ignore[insecure-tls]\n"  # not the finding's line: no effect
        + PROVIDER.format(
            url="http://10.0.0.12:8000/v1  # llmreg: ignore[private-network]",
            tls_comment="",
        ),
    )
    assert _rules(tmp_path) == [(8, "insecure-tls")]


def test_several_ids_in_one_comment(tmp_path: Path) -> None:
    _write(
        tmp_path,
        PROVIDER.format(
            url="http://10.0.0.12:8000/v1 #llmreg:ignore[ insecure-tls ,private-network ]",
            tls_comment="  # llmreg: ignore[insecure-tls]",
        ),
    )
    assert _rules(tmp_path) == []


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("# llmreg: ignore", "must name the rules"),
        ("# llmreg: ignore[]", "must name the rules"),
        ("# llmreg: ignore[private-network", "closing ']'"),
        ("# llmreg: ignore[private-netwrk]", "did you mean 'private-network'"),
    ],
)
def test_a_bare_or_wrong_comment_suppresses_nothing_and_is_reported(
    tmp_path: Path, comment: str, message: str
) -> None:
    _write(tmp_path, PROVIDER.format(url=f"http://10.0.0.12:8000/v1  {comment}", tls_comment=""))
    report = run_check([], tmp_path / "providers.d")
    found = [(d.line, d.column, d.rule, d.severity) for d in report.diagnostics]
    assert (5, 11, "private-network", "error") in found
    assert (5, 37, "invalid-suppression", "warning") in found
    (problem,) = [d for d in report.diagnostics if d.rule == "invalid-suppression"]
    assert message in problem.message


def test_a_hash_inside_a_value_is_not_a_comment(tmp_path: Path) -> None:
    _write(
        tmp_path,
        PROVIDER.format(
            url="http://10.0.0.12:8000/v1#llmreg:ignore[private-network]", tls_comment=""
        ),
    )
    assert (5, "private-network") in _rules(tmp_path)


# -- every command reads the settings ----------------------------------------------------------

_ALLOWING = (
    '[tool.llmreg]\nregistry = "conf-llm"\nallowed-hosts = ["10.0.0.0/8"]\n'
    'ignore = ["insecure-tls"]\n'
)


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["list"],
        ["hash"],
        ["show", "provider", "default/p"],
        ["build", "--out", "snap.json"],
        ["export", "nemo", "default/p"],
    ],
    ids=lambda a: a[0],
)
def test_every_command_reads_the_settings(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
) -> None:
    """The registry folder, allowed hosts and ignored rules of [tool.llmreg] hold for every
    command, not only for check."""
    _project(tmp_path, _ALLOWING)
    (tmp_path / "providers.d").rename(tmp_path / "conf-llm")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("LLMREG_CACHE_DIR", str(tmp_path / ".llmreg-cache"))
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err


def test_load_applies_suppressions_and_the_registry_settings(tmp_path: Path) -> None:
    import llmreg

    _project(tmp_path, '[tool.llmreg]\nallowed-hosts = ["10.0.0.12"]\nignore = ["insecure-tls"]\n')
    registry = llmreg.load(tmp_path / "providers.d")
    assert registry.provider("default/p").name == "p"
    assert registry.warnings == ()
