"""The landed import, export and diff commands tried as a new user and as a hostile one would.

Each test is a case that went wrong when probed: the command must give one clear line with the
documented exit code, write nothing it should not, and leave a registry that checks clean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import llmreg
from llmreg.changes import MAX_VALUE, compare, to_markdown
from llmreg.check import run_check
from llmreg.cli import cli
from llmreg.models import Model, Provider
from llmreg.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "providers.d"
SYSTEMS = ["bifrost", "nemo", "labelstudio", "openwebui"]
PROVIDER = "kind: Provider\nworkspace: {ws}\nname: {name}\nprovider_type: nim\nhost_url: {url}\n"


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def hashes(registry: Path) -> dict[str, str]:
    return {d.id: d.config_hash for d in llmreg.load(registry).definitions()}


# -- whole configurations, out and back in ------------------------------------------------------


@pytest.mark.parametrize("system", SYSTEMS)
def test_exported_configuration_imports_clean_and_is_a_fixpoint(
    system: str, tmp_path: Path
) -> None:
    """Export the bundled registry, import the file as it is into an empty registry: it checks
    clean; a second trip through the system changes no config_hash (what the system cannot
    express was lost on the first trip, nothing more on the next)."""
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert run("export", system, "--registry", str(BUNDLED), "--out", str(first)).exit_code == 0
    imported = run("import", system, str(first), "--registry", str(tmp_path / "one"))
    assert imported.exit_code == 0, imported.output
    assert run_check([], tmp_path / "one").ok
    again = run("export", system, "--registry", str(tmp_path / "one"), "--out", str(second))
    assert again.exit_code == 0, again.output
    assert run("import", system, str(second), "--registry", str(tmp_path / "two")).exit_code == 0
    assert hashes(tmp_path / "one") == hashes(tmp_path / "two")


def test_nemo_create_body_with_enabled_models_imports_clean(tmp_path: Path) -> None:
    # a create body has no served_models (the status call sets them): enabling a model among
    # none cannot pass the check, so the enabled list is dropped with a note
    source = tmp_path / "p.json"
    source.write_text(
        json.dumps({"name": "p", "host_url": "https://a.example.com/v1", "enabled_models": ["m"]})
    )
    result = run("import", "nemo", str(source), "--registry", str(tmp_path / "reg"))
    assert result.exit_code == 0, result.output
    assert "enabled_models dropped" in result.output
    assert "enabled_models" not in (tmp_path / "reg/default/providers/p.yaml").read_text()


@pytest.mark.parametrize("source", SYSTEMS)
@pytest.mark.parametrize("target", SYSTEMS)
def test_a_file_of_another_system_is_one_line_and_writes_nothing(
    source: str, target: str, tmp_path: Path
) -> None:
    if source == target:
        return
    out = tmp_path / "other.json"
    assert run("export", source, "--registry", str(BUNDLED), "--out", str(out)).exit_code == 0
    result = run("import", target, str(out), "--registry", str(tmp_path / "reg"))
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("llmreg: cannot import")
    assert files_under(tmp_path / "reg") == []


@pytest.mark.parametrize(
    ("system", "text"),
    [
        ("nemo", "[]"),
        ("nemo", '{"data": []}'),
        ("bifrost", '{"providers": {}}'),
        ("labelstudio", '{"results": []}'),
        ("openwebui", '{"models": []}'),
    ],
)
def test_nothing_to_import_is_one_line(system: str, text: str, tmp_path: Path) -> None:
    # was: "<registry>:1:1: read-error cannot read the folder", exit 1
    source = tmp_path / "empty.json"
    source.write_text(text)
    result = run("import", system, str(source), "--registry", str(tmp_path / "reg"))
    assert result.exit_code == 2, result.output
    assert result.output.startswith("llmreg: nothing to import: ")
    assert result.output.count("\n") == 1
    assert not (tmp_path / "reg").exists()


# -- ids that differ only in case, and .yml files ----------------------------------------------


@pytest.mark.parametrize(
    "existing",
    ["Default/providers/Foo.yaml", "default/providers/foo.yml", "default/providers/FOO.yml"],
)
def test_import_over_the_same_id_in_another_spelling(existing: str, tmp_path: Path) -> None:
    """ids are unique ignoring case and a definition may be .yml: the import must see them as
    the file it would overwrite, else the registry holds the id twice (was: exit 0)."""
    registry = tmp_path / "reg"
    old = registry / existing
    old.parent.mkdir(parents=True)
    workspace, _, filename = existing.split("/")
    old.write_text(
        PROVIDER.format(ws=workspace, name=filename.split(".")[0], url="https://a.example.com/v1")
    )
    source = tmp_path / "foo.json"
    source.write_text(json.dumps({"name": "foo", "host_url": "https://b.example.com/v1"}))
    before = {p: p.read_bytes() for p in files_under(registry)}

    refused = run("import", "nemo", str(source), "--registry", str(registry))
    assert refused.exit_code == 1, refused.output
    assert f"{old} already exists" in refused.output
    dry = run("import", "nemo", str(source), "--registry", str(registry), "--force", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"would remove {old}" in dry.output
    assert {p: p.read_bytes() for p in files_under(registry)} == before

    forced = run("import", "nemo", str(source), "--registry", str(registry), "--force")
    assert forced.exit_code == 0, forced.output
    assert files_under(registry) == [registry / "default/providers/foo.yaml"]
    assert run_check([], registry).ok
    assert llmreg.load(registry).provider("default/foo").host_url == "https://b.example.com/v1"


def test_no_minimal_model_over_a_model_spelled_otherwise(tmp_path: Path) -> None:
    # the served id differs from the defined one only in case: writing a minimal model would
    # add a duplicate id (was); the check says which one was meant instead
    registry = tmp_path / "reg"
    model = registry / "Default/models/GPT.yml"
    model.parent.mkdir(parents=True)
    model.write_text("kind: Model\nworkspace: Default\nname: GPT\n")
    source = tmp_path / "p.json"
    served = [{"model_entity_id": "default/gpt", "served_model_name": "gpt"}]
    source.write_text(
        json.dumps({"name": "p", "host_url": "https://a.example.com/v1", "served_models": served})
    )
    result = run("import", "nemo", str(source), "--registry", str(registry))
    assert result.exit_code == 1, result.output
    assert "minimal model" not in result.output
    assert "did you mean 'Default/GPT'?" in result.output
    assert files_under(registry) == [model, registry / "default/providers/p.yaml"]


# -- messages stay one line ---------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\u0085", "\u2028", "\u2029", "\u202e", "\x9b"])
def test_a_hostile_name_is_escaped_in_the_message(char: str, tmp_path: Path) -> None:
    source = tmp_path / "p.json"
    source.write_text(json.dumps({"name": f"a{char}b", "host_url": "https://a.example.com/v1"}))
    result = run("import", "nemo", str(source), "--registry", str(tmp_path / "reg"))
    assert result.exit_code == 2, result.output
    assert char not in result.output
    assert f'"a\\u{ord(char):04x}b"' in result.output
    assert files_under(tmp_path / "reg") == []


# -- the markdown diff --------------------------------------------------------------------------


def test_very_long_values_are_shortened_in_the_markdown() -> None:
    # a host URL may be 2,048 characters, capabilities are many: each added or removed
    # definition's line stays short (the JSON files have the whole value)
    url = "https://a.example.com/" + "<b>x</b>|`y`" * 160
    capabilities = {f"c{i:03}_" + "c" * 55: True for i in range(100)}
    provider = Provider.model_validate(
        {
            "kind": "Provider",
            "workspace": "w",
            "name": "p",
            "provider_type": "openai",
            "host_url": url,
        }
    )
    model = Model.model_validate(
        {
            "kind": "Model",
            "workspace": "w",
            "name": "m",
            "meta": {"capabilities": capabilities},
        }
    )
    full = Registry([provider], [model])
    for old, new in ((Registry([], []), full), (full, Registry([], []))):
        text = to_markdown(compare(old, new), "a", "b")
        assert max(len(line) for line in text.splitlines()) < MAX_VALUE + 200
        assert "characters)" in text


@pytest.mark.parametrize("system", SYSTEMS)
def test_each_bundled_definition_alone_imports_clean(system: str, tmp_path: Path) -> None:
    """A new user's first try: one definition exported, imported into an empty registry. The
    models it refers to (served, or its base: was an unresolved-reference) come as minimal
    models, so the registry checks clean."""
    kind = "models" if system == "openwebui" else "providers"
    for index, path in enumerate(sorted(BUNDLED.glob(f"*/{kind}/*.yaml"))):
        ident = f"{path.parent.parent.name}/{path.stem}"
        out, registry = tmp_path / f"{index}.json", tmp_path / str(index)
        exported = run("export", system, ident, "--registry", str(BUNDLED), "--out", str(out))
        assert exported.exit_code == 0, (ident, exported.output)
        imported = run("import", system, str(out), "--registry", str(registry))
        assert imported.exit_code == 0, (ident, imported.output)
        assert run_check([], registry).ok, ident


# -- nothing written outside the registry -------------------------------------------------------


def nemo_payload(tmp_path: Path) -> Path:
    source = tmp_path / "p.json"
    source.write_text(json.dumps({"name": "p", "host_url": "https://a.example.com/v1"}))
    return source


@pytest.mark.parametrize(
    ("link", "points_to"),
    [("default", "../outside"), ("default/providers", "../../outside"), ("w", "../nowhere")],
)
def test_import_never_writes_through_a_link_out_of_the_registry(
    link: str, points_to: str, tmp_path: Path
) -> None:
    # a registry from a pull request may hold such a link; the import followed it (exit 0)
    registry, outside = tmp_path / "reg", tmp_path / "outside"
    outside.mkdir()
    (registry / link).parent.mkdir(parents=True, exist_ok=True)
    (registry / link).symlink_to(points_to)
    workspace = link.split("/")[0]
    args = ["import", "nemo", str(nemo_payload(tmp_path)), "--registry", str(registry)]
    result = run(*args, "--workspace", workspace)
    assert result.exit_code == 2, result.output
    assert "links out of the registry" in result.output and result.output.count("\n") == 1
    assert files_under(outside) == [] and not (tmp_path / "nowhere").exists()


def test_import_follows_a_link_inside_the_registry(tmp_path: Path) -> None:
    # the Kubernetes ConfigMap layout: default -> ..data/default
    registry = tmp_path / "reg"
    (registry / "..data/default").mkdir(parents=True)
    (registry / "default").symlink_to("..data/default")
    result = run("import", "nemo", str(nemo_payload(tmp_path)), "--registry", str(registry))
    assert result.exit_code == 0, result.output
    assert (registry / "..data/default/providers/p.yaml").is_file()


def test_force_never_writes_through_a_planted_temporary_file(tmp_path: Path) -> None:
    # --force wrote its temporary file at a fixed name, following a link planted there
    registry, victim = tmp_path / "reg", tmp_path / "victim"
    folder = registry / "default/providers"
    folder.mkdir(parents=True)
    (folder / "p.yaml").write_text(PROVIDER.format(ws="default", name="p", url="https://x.example"))
    victim.write_text("untouched")
    (folder / ".p.yaml.llmreg-import").symlink_to(victim)
    args = ["import", "nemo", str(nemo_payload(tmp_path)), "--registry", str(registry), "--force"]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "untouched"
    assert "https://a.example.com/v1" in (folder / "p.yaml").read_text()


# -- options and registries a new user gets wrong -----------------------------------------------


@pytest.mark.parametrize("option", ["--workspace", "--name"])
def test_an_empty_option_is_refused(option: str, tmp_path: Path) -> None:
    # was: silently the payload's own (or default) name
    args = ["import", "nemo", str(nemo_payload(tmp_path)), "--registry", str(tmp_path / "r")]
    result = run(*args, option, "")
    assert result.exit_code == 2 and f"{option} is empty" in result.output
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("ident", [None, "default/openai"])
def test_export_from_a_missing_or_empty_registry_is_exit_2(
    ident: str | None, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty/notes.txt").write_text("not a definition")
    for registry, message in (
        (tmp_path / "missing", "is not a directory"),
        (tmp_path / "empty", ""),
    ):
        args = ["export", "nemo", *([ident] if ident else []), "--registry", str(registry)]
        result = run(*args)
        if ident and registry.is_dir():
            # one definition asked for: it is not there
            assert result.exit_code == 1 and "no provider 'default/openai'" in result.output
            continue
        # was: exit 1 "no provider" for a missing folder; an empty '{"providers": {}}' exit 0
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1
        assert (message or "is not a registry") in result.output


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("NaN", "NaN is not a JSON number"),
        ("-Infinity", "-Infinity is not a JSON number"),
        ("1e400", "the number 1e400 is too large for a double"),
        ("9" * 5000, "a number of 5000 digits is too large"),
    ],
)
def test_numbers_json_cannot_hold_are_refused(number: str, message: str, tmp_path: Path) -> None:
    # were written as null (NaN, Infinity, 1e400) or an internal error, exit 3 (5,000 digits)
    source = tmp_path / "p.json"
    source.write_text(
        '{"name": "p", "host_url": "https://a.example.com/v1", '
        f'"default_extra_body": {{"t": {number}}}}}'
    )
    result = run("import", "nemo", str(source), "--registry", str(tmp_path / "r"))
    assert result.exit_code == 2, result.output
    assert result.output == f"llmreg: {source} is not valid JSON: {message}\n"
    assert not (tmp_path / "r").exists()


def nested(depth: int, opener: str = '{"a": ', closer: str = "}") -> str:
    return opener * depth + "1" + closer * depth


@pytest.mark.parametrize("body", [nested(500), nested(900), '{"a": ' + nested(900, "[", "]") + "}"])
def test_json_deeper_than_a_definition_is_one_line(body: str, tmp_path: Path) -> None:
    # JSON reads up to about 990 levels; the converters and the YAML writer recursed on it and
    # stopped with an internal error (exit 3)
    source = tmp_path / "p.json"
    source.write_text(
        f'{{"name": "p", "host_url": "https://a.example.com/v1", "default_extra_body": {body}}}'
    )
    result = run("import", "nemo", str(source), "--registry", str(tmp_path / "r"))
    assert result.exit_code == 2, result.output
    assert result.output == f"llmreg: {source} nests deeper than a definition may (64 levels)\n"
    assert not (tmp_path / "r").exists()


def test_json_as_deep_as_a_definition_may_be_imports(tmp_path: Path) -> None:
    source = tmp_path / "config.json"
    body = nested(60)
    provider = (
        f'{{"keys": [], "network_config": {{"base_url": "https://a.example.com"}}, "x": {body}}}'
    )
    source.write_text(f'{{"providers": {{"openai": {provider}}}}}')
    result = run("import", "bifrost", str(source), "--registry", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output


def test_the_registry_is_listed_once_not_once_per_definition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a scan per definition made importing 3,000 providers over 3,000 take half a minute
    payload = [{"name": f"p{i}", "host_url": "https://a.example.com/v1"} for i in range(40)]
    source = tmp_path / "many.json"
    source.write_text(json.dumps(payload))
    registry = tmp_path / "reg"
    assert run("import", "nemo", str(source), "--registry", str(registry)).exit_code == 0
    listed: list[Path] = []
    iterdir = Path.iterdir

    def counting(self: Path) -> Any:
        listed.append(self)
        return iterdir(self)

    monkeypatch.setattr(Path, "iterdir", counting)
    result = run("import", "nemo", str(source), "--registry", str(registry), "--force")
    assert result.exit_code == 0, result.output
    # the registry, its workspace and its providers folder: by the import, then by the check
    assert len([p for p in listed if p == registry / "default/providers"]) <= 2


KEY = "sk-proj-" + "Z" * 40


@pytest.mark.parametrize(
    ("system", "payload"),
    [
        ("nemo", {"name": "p", "host_url": "https://a.example.com/v1", KEY: 1, "a\u2028b": 2}),
        ("bifrost", {"providers": {"openai": {"keys": [], KEY: 1, "network_config": {KEY: 1}}}}),
        ("labelstudio", {"provider": "OpenAI", KEY: 1}),
        ("openwebui", {"id": "m", "name": "m", "meta": {KEY: 1}, KEY: 1}),
        (
            "openwebui",
            {
                "id": "m",
                "name": "m",
                "meta": {},
                "access_grants": [{"principal_type": "user", "principal_id": "*", KEY: 1}],
            },
        ),
        (
            "nemo",
            {
                "name": "p",
                "host_url": "https://a.example.com/v1",
                "default_extra_headers": {KEY: f"Bearer {KEY}"},
                "default_extra_body": {KEY: KEY, "x": {KEY: KEY}},
            },
        ),
    ],
)
def test_a_secret_shaped_key_never_comes_out_in_a_note(
    system: str, payload: dict[str, Any], tmp_path: Path
) -> None:
    # the notes named every unknown or dropped key as it was written
    source = tmp_path / "p.json"
    source.write_text(json.dumps(payload))
    result = run("import", system, str(source), "--registry", str(tmp_path / "r"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "note: " in result.output and "<redacted>" in result.output
    assert "ZZZZ" not in result.output and "\u2028" not in result.output


def test_a_name_too_long_for_a_file_writes_nothing(tmp_path: Path) -> None:
    # the schema allows 255 characters, a file name with .yaml 255 bytes: the first file was
    # written, then the second failed
    source = tmp_path / "p.json"
    url = "https://a.example.com/v1"
    source.write_text(
        json.dumps([{"name": "ok", "host_url": url}, {"name": "n" * 251, "host_url": url}])
    )
    result = run("import", "nemo", str(source), "--registry", str(tmp_path / "r"))
    assert result.exit_code == 2, result.output
    assert "is too long for a file name (at most 250 characters)" in result.output
    assert not (tmp_path / "r").exists()


def test_a_failed_write_takes_back_the_files_written_before(tmp_path: Path) -> None:
    registry = tmp_path / "r"
    registry.mkdir()
    (registry / "b").write_text("a file where a workspace folder would go")
    url = "https://a.example.com/v1"
    source = tmp_path / "p.json"
    source.write_text(
        json.dumps(
            [
                {"name": "p", "workspace": "a", "host_url": url},
                {"name": "q", "workspace": "b", "host_url": url},
            ]
        )
    )
    result = run("import", "nemo", str(source), "--registry", str(registry))
    assert result.exit_code == 2, result.output
    assert (
        "cannot write" in result.output and "removed the 1 file(s) written before" in result.output
    )
    assert files_under(registry) == [registry / "b"]
