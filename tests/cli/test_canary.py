"""The secret canary: a secret's value, referenced or written inline, never comes back out.

Every referenced secret gets a unique value in the environment and in the secrets given to
resolve(); every command and the library run over the registry; then the value (and a long
piece of either end of it, to catch a shortened echo) must appear in no output, no written
file, no cache entry and no exception message. The same for values written inline in a
definition, once ``check`` has flagged them, and in payloads given to ``import``.

Every command runs over the valid registry; over each invalid one (a secret written inline) the
commands differ only in check's formats and cache, so by default those run with one runtime
command of each kind. ``LLMREG_CANARY_ALL_COMMANDS=1`` runs every command for every case too
(about 10 s more).
"""

from __future__ import annotations

import json
import os
import shutil
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

import llmreg
from helpers.runtime_registry import ALL, AZURE, GPT4O, OPENAI, path_of, write_doc, write_registry
from helpers.snapshots import Parts, rewrite
from llmreg.cli import main

FORMATS = ("text", "json", "github", "sarif")
EXPORTS = {
    "nemo": "Provider",
    "bifrost": "Provider",
    "labelstudio": "Provider",
    "openwebui": "Model",
}

PROXIED = {
    **AZURE,
    "name": "proxied",
    "api_key_secret_name": "ACME_PROXIED_KEY",
    "proxy_config": {
        "url": "http://proxy.internal.example.com:3128",
        "username": "svc-llm",
        "password_secret_name": "ACME_PROXY_PASSWORD",
    },
    "served_models": [{"model_entity_id": "acme/gpt-4o", "served_model_name": "gpt4o-proxied"}],
}
DOCS = [*ALL, PROXIED]


def _canary(prefix: str = "cnry") -> str:
    return f"{prefix}{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"


@dataclass
class Sink:
    """Everything llmreg said or wrote, searched for the secret values at the end."""

    secrets: list[str]
    seen: list[tuple[str, str]] = field(default_factory=list)

    def text(self, where: str, text: str) -> None:
        self.seen.append((where, text))

    def exception(self, where: str, exc: BaseException) -> None:
        # The whole chain: a message may hide in a cause that a log handler prints.
        self.text(where, "".join(traceback.format_exception_only(type(exc), exc)))
        self.text(where, repr(exc) + repr(exc.args))
        if exc.__cause__ is not None:
            self.exception(where + " (cause)", exc.__cause__)
        if exc.__context__ is not None and exc.__context__ is not exc.__cause__:
            self.exception(where + " (context)", exc.__context__)
        for diagnostic in getattr(exc, "diagnostics", ()):
            self.text(where + " diagnostic", repr(diagnostic))

    def tree(self, folder: Path) -> None:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                self.text(str(path), path.read_bytes().decode("utf-8", "replace"))

    def fragments(self) -> Iterator[str]:
        for secret in self.secrets:
            yield secret
            yield secret[:16]  # what a message shortened to its first characters keeps
            yield secret[-16:]

    def leaks(self) -> list[str]:
        return [
            f"{where}: ...{text[max(0, text.find(piece) - 60) : text.find(piece) + 40]!r}..."
            for where, text in self.seen
            for piece in self.fragments()
            if piece in text
        ]


def run(sink: Sink, capsys: pytest.CaptureFixture[str], *args: str) -> int:
    try:
        code = main(list(args))
    except BaseException as exc:  # main() turns everything into exit codes: a bug if not
        sink.exception(" ".join(args), exc)
        raise
    out, err = capsys.readouterr()
    sink.text(f"llmreg {' '.join(args)} (stdout)", out)
    sink.text(f"llmreg {' '.join(args)} (stderr)", err)
    return code


def _secret_references(node: object) -> dict[str, str]:
    """Every key ending in 'secret_name' at any depth, with its value (the last one seen)."""
    found: dict[str, str] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key).endswith("secret_name"):
                found[str(key)] = str(value)
            found.update(_secret_references(value))
    elif isinstance(node, list):
        for item in node:
            found.update(_secret_references(item))
    return found


def _secret_names(docs: Iterable[dict[str, Any]]) -> set[str]:
    names: set[str] = set()
    for doc in docs:
        names.update(_secret_references(doc).values())
    return names


def test_the_registry_references_every_kind_of_secret() -> None:
    """A secret reference field added to the models later must be added to DOCS as well."""
    from llmreg.schemas import generate

    names = _property_names([generate("provider"), generate("model")])
    fields = {name for name in names if name.endswith("secret_name")}
    assert fields == {"api_key_secret_name", "password_secret_name"}
    assert {name for doc in DOCS for name in _secret_references(doc)} == fields


def _property_names(schema: object) -> set[str]:
    """Every property name at any depth of a JSON Schema."""
    names: set[str] = set()
    if isinstance(schema, dict):
        properties = schema.get("properties")
        if isinstance(properties, dict):
            names.update(properties)
        for value in schema.values():
            names |= _property_names(value)
    elif isinstance(schema, list):
        for item in schema:
            names |= _property_names(item)
    return names


def _commands(
    sink: Sink, capsys: pytest.CaptureFixture[str], reg: Path, work: Path, ids: list[str]
) -> None:
    """Every command over the registry ``reg`` (valid or not), outputs into ``work``."""
    cache = work / "cache"
    for fmt in FORMATS:
        for _ in "cold", "warm":
            run(
                sink,
                capsys,
                "check",
                "--registry",
                str(reg),
                "--format",
                fmt,
                "--cache-dir",
                str(cache),
            )
        run(sink, capsys, "check", "--registry", str(reg), "--format", fmt, "--no-cache")
    one = sorted(reg.rglob("*.yaml"))[0]
    run(sink, capsys, "check", str(one), "--registry", str(reg), "--cache-dir", str(cache))
    snapshot = work / "registry.snapshot.json"
    run(sink, capsys, "build", "--registry", str(reg), "--out", str(snapshot))
    sources = [reg, snapshot] if snapshot.exists() else [reg]
    for source in sources:
        for fmt in ("text", "json"):
            run(sink, capsys, "hash", "--registry", str(source), "--format", fmt)
            run(sink, capsys, "list", "--registry", str(source), "--format", fmt)
            run(sink, capsys, "diff", str(source), str(reg), "--format", fmt)
    run(sink, capsys, "list", "--registry", str(reg), "--kind", "provider")
    run(sink, capsys, "list", "--registry", str(reg), "--capability", "vision")
    run(sink, capsys, "list", "--registry", str(reg), "--provider", "acme/openai")
    exported = work / "exported"
    exported.mkdir(exist_ok=True)
    for kind_id in ids:
        kind, ident = kind_id.split(" ")
        for fmt, source in zip(("yaml", "json"), sources[::-1], strict=False):
            run(
                sink,
                capsys,
                "show",
                kind,
                ident,
                "--registry",
                str(source),
                "--format",
                fmt,
                "--all-fields",
            )
        for system, system_kind in EXPORTS.items():
            if system_kind.lower() != kind:
                continue
            code = main(["export", system, ident, "--registry", str(reg)])
            out, err = capsys.readouterr()
            sink.text(f"llmreg export {system} {ident}", out + err)
            if code == 0:
                target = exported / f"{system}-{ident.replace('/', '-')}.json"
                target.write_text(out, encoding="utf-8")
                run(
                    sink,
                    capsys,
                    "import",
                    system,
                    str(target),
                    "--registry",
                    str(work / "imported"),
                )
    run(
        sink,
        capsys,
        "new",
        "provider",
        "fresh",
        "--type",
        "openai",
        "--registry",
        str(work / "new"),
    )
    run(
        sink,
        capsys,
        "new",
        "model",
        "fresh-model",
        "--provider",
        "fresh",
        "--registry",
        str(work / "new"),
    )
    run(sink, capsys, "rules")
    run(sink, capsys, "rules", "inline-secret")
    run(sink, capsys, "schema", "export", "--out", str(work / "schemas"))
    run(sink, capsys, "schema", "check", "--dir", str(work / "schemas"))


def _some_commands(
    sink: Sink, capsys: pytest.CaptureFixture[str], reg: Path, work: Path, edited: str
) -> None:
    """What differs between the commands over an invalid registry: check's formats and cache,
    and one runtime command of each kind (they share the loading and its report)."""
    cache = work / "cache"
    # The cache keeps findings, not output: cold then warm in one format, warm in the others.
    for fmt in ("text", *FORMATS):
        check = ["check", "--registry", str(reg), "--format", fmt, "--cache-dir", str(cache)]
        run(sink, capsys, *check)
    run(sink, capsys, "check", str(reg / edited), "--registry", str(reg), "--cache-dir", str(cache))
    run(sink, capsys, "build", "--registry", str(reg), "--out", str(work / "s.json"))
    run(sink, capsys, "show", "provider", "acme/openai", "--registry", str(reg))
    run(sink, capsys, "diff", str(reg), str(reg), "--format", "json")
    run(sink, capsys, "export", "nemo", "acme/openai", "--registry", str(reg))
    run(sink, capsys, "export", "openwebui", "acme/gpt-4o", "--registry", str(reg))


def _library(sink: Sink, reg: Path, work: Path) -> llmreg.Registry | None:
    """load, lookups, snapshots, diff and the Watcher; None when the registry is invalid."""
    try:
        registry = llmreg.load(reg)
    except llmreg.RegistryError as exc:
        sink.exception("load()", exc)
        registry = None
    try:
        llmreg.Watcher(reg)
    except llmreg.RegistryError as exc:
        sink.exception("Watcher()", exc)
    if registry is None:
        return None
    for definition in registry.definitions():
        sink.text(f"{definition.id} repr", repr(definition) + str(definition))
        sink.text(f"{definition.id} json", definition.model_dump_json())
    snapshot = work / "library.snapshot.json"
    registry.write_snapshot(snapshot)
    loaded = llmreg.load_snapshot(snapshot)
    sink.text("diff", repr(llmreg.diff(registry, loaded)))
    return registry


def _every_route(sink: Sink, registry: llmreg.Registry, secrets: dict[str, str]) -> list[str]:
    """resolve() every model with every provider; the auth header values it produced."""
    keys = []
    for model in registry.models():
        for provider in [None, *registry.providers()]:
            pid = None if provider is None else provider.id
            for given in (secrets, None):  # a mapping, and the environment
                try:
                    route = registry.resolve(model.id, provider=pid, secrets=given)
                except (llmreg.RouteError, KeyError) as exc:
                    sink.exception(f"resolve({model.id}, {pid})", exc)
                    continue
                sink.text(f"route {model.id} {pid}", repr(route) + str(route))
                keys.extend(route.headers.values())
    return keys


# -- referenced secrets ---------------------------------------------------------------------------


def test_referenced_secrets_never_come_back_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _secret_names(DOCS)
    assert names == {"ACME_OPENAI_KEY", "ACME_AZURE_KEY", "ACME_PROXIED_KEY", "ACME_PROXY_PASSWORD"}
    secrets = {name: _canary() for name in sorted(names)}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LLMREG_CACHE_DIR", str(tmp_path / "default-cache"))
    monkeypatch.chdir(tmp_path)
    sink = Sink(list(secrets.values()))
    reg = write_registry(tmp_path / "reg", DOCS)
    other = write_registry(tmp_path / "other", [*DOCS[:-1], {**PROXIED, "description": "x"}])
    work = tmp_path / "work"
    work.mkdir()
    ids = [f"{d['kind'].lower()} {d['workspace']}/{d['name']}" for d in DOCS]
    _commands(sink, capsys, reg, work, ids)
    run(sink, capsys, "diff", str(reg), str(other))
    registry = _library(sink, reg, work)
    assert registry is not None

    sent = _every_route(sink, registry, secrets)
    # The canary reaches the one place it belongs, so the test would see a leak if there was one.
    assert any(secrets["ACME_OPENAI_KEY"] in value for value in sent)
    assert any(secrets["ACME_AZURE_KEY"] == value for value in sent)

    # Errors that concern a secret name them, never show a value.
    missing = {k: v for k, v in secrets.items() if k != "ACME_OPENAI_KEY"}
    with pytest.raises(llmreg.MissingSecretError) as raised:
        registry.resolve("acme/gpt-4o", provider="acme/openai", secrets=missing)
    sink.exception("missing secret", raised.value)
    for unsendable in ("\r\nX-Evil: 1", "\n", "\x00"):
        injected = {**secrets, "ACME_OPENAI_KEY": secrets["ACME_OPENAI_KEY"] + unsendable}
        with pytest.raises(llmreg.RouteError) as raised:
            registry.resolve("acme/gpt-4o", provider="acme/openai", secrets=injected)
        sink.exception(f"unsendable secret {unsendable!r}", raised.value)

    changes: list[str] = []
    errors: list[llmreg.RegistryError] = []
    watcher = llmreg.Watcher(
        reg, on_change=lambda d, r: changes.append(repr(d)), on_error=errors.append
    )
    write_doc(reg, {**OPENAI, "description": "edited"})
    watcher.reload()
    write_doc(reg, {**GPT4O, "context_window": "lots"})
    watcher.reload()
    assert changes and errors
    for exc in errors:
        sink.exception("Watcher on_error", exc)
    sink.text("Watcher on_change", "".join(changes))
    sink.tree(tmp_path)
    assert sink.leaks() == []


# -- secrets written inline -----------------------------------------------------------------------


@dataclass(frozen=True)
class Inline:
    """A registry with one secret written inline: the secret, and the file's YAML text."""

    secret: str
    path: Path
    text: str


def _edited(doc: dict[str, Any], **changes: Any) -> tuple[Path, str]:
    return path_of(doc), yaml.safe_dump({**doc, **changes}, sort_keys=False)


def _sk() -> str:
    return "sk-proj-" + _canary("")


def _case_bearer_header() -> Inline:
    token = _canary("tok")
    return Inline(
        token, *_edited(OPENAI, required_extra_headers={"Authorization": f"Bearer {token}"})
    )


def _case_key_in_body() -> Inline:
    key = _sk()
    return Inline(key, *_edited(OPENAI, default_extra_body={"api_key": key}))


def _case_key_in_header() -> Inline:
    key = _sk()
    return Inline(key, *_edited(OPENAI, default_extra_headers={"X-Api-Key": key}))


def _case_url_password() -> Inline:
    password = _canary("pw")
    return Inline(password, *_edited(OPENAI, host_url=f"https://svc:{password}@api.example.com/v1"))


def _case_url_password_bad_port() -> Inline:
    password = _canary("pw")
    url = f"https://svc:{password}@api.example.com:99999/v1"
    return Inline(password, *_edited(OPENAI, host_url=url))


def _case_proxy_url_password() -> Inline:
    password = _canary("pw")
    proxy = {"url": f"http://svc:{password}@proxy.example.com:3128"}
    return Inline(password, *_edited(OPENAI, proxy_config=proxy))


def _case_key_as_integer() -> Inline:
    key = _sk()
    return Inline(key, *_edited(OPENAI, network_config={"max_retries": key}))


def _case_key_as_kind() -> Inline:
    key = _sk()
    return Inline(key, *_edited(GPT4O, kind=key))


def _case_key_as_reference() -> Inline:
    key = _sk()
    return Inline(key, *_edited(GPT4O, base_model_id=f"acme/{key}"))


def _case_key_as_name() -> Inline:
    key = _sk()
    return Inline(key, *_edited(GPT4O, name=key))


def _case_key_as_served_name() -> Inline:
    key = _sk()
    served = [
        {"model_entity_id": "acme/gpt-4o", "served_model_name": key},
        {"model_entity_id": "acme/mini", "served_model_name": key},
    ]
    return Inline(key, *_edited(OPENAI, served_models=served))


def _case_key_as_duplicate_key() -> Inline:
    key = _sk()
    path, text = _edited(OPENAI)
    return Inline(key, path, text + f"default_extra_body:\n  {key}: 1\n  {key}: 2\n")


def _case_key_as_mapping_key() -> Inline:
    key = _sk()
    return Inline(key, *_edited(OPENAI, default_extra_body={key: 1}))


def _param(make: Callable[..., Any], *, leaks_in: str = "", branch: str = "pipeline") -> Any:
    """A case named after its function; ``leaks_in`` names what shows the secret today."""
    marks = []
    if leaks_in:
        reason = f"{leaks_in} shows the secret: the fix lands with branch {branch} (issue 9)"
        marks.append(pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(make, marks=marks, id=make.__name__.split("_", 2)[2])


@pytest.mark.parametrize(
    "make",
    [
        _param(_case_bearer_header),
        _param(_case_key_in_body),
        _param(_case_key_in_header),
        _param(_case_url_password),
        _param(_case_url_password_bad_port),
        _param(_case_proxy_url_password),
        _param(_case_key_as_integer),
        _param(_case_key_as_kind),
        _param(_case_key_as_reference),
        _param(_case_key_as_name),
        _param(_case_key_as_served_name),
        _param(_case_key_as_duplicate_key),
        _param(_case_key_as_mapping_key),
    ],
)
def test_inline_secrets_are_flagged_and_never_come_back_out(
    make: Callable[[], Inline],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = make()
    monkeypatch.setenv("LLMREG_CACHE_DIR", str(tmp_path / "default-cache"))
    monkeypatch.chdir(tmp_path)
    sink = Sink([case.secret])
    reg = write_registry(tmp_path / "reg", DOCS)
    watcher = llmreg.Watcher(reg)  # good first, then the edit arrives
    target = reg / case.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(case.text, encoding="utf-8")
    assert case.secret in target.read_text()
    work = tmp_path / "work"
    work.mkdir()
    assert run(sink, capsys, "check", "--registry", str(reg), "--no-cache") == 1  # flagged
    if os.environ.get("LLMREG_CANARY_ALL_COMMANDS"):
        ids = [f"{d['kind'].lower()} {d['workspace']}/{d['name']}" for d in DOCS]
        _commands(sink, capsys, reg, work, ids)
    else:
        _some_commands(sink, capsys, reg, work, str(case.path))
    assert _library(sink, reg, work) is None
    assert watcher.reload() is None and watcher.last_error is not None
    sink.exception("Watcher.last_error", watcher.last_error)
    shutil.rmtree(reg)  # the one place the secret is meant to be: the user's own file
    sink.tree(tmp_path)
    assert sink.leaks() == []


# -- secrets in what is imported ------------------------------------------------------------------


def _import_bifrost(key: str) -> tuple[str, dict[str, Any]]:
    return "bifrost", {
        "provider": "openai",
        "keys": [{"name": "main", "value": key, "models": [], "weight": 1}],
        "network_config": {
            "base_url": "https://api.openai.com/v1",
            "extra_headers": {"Authorization": f"Bearer {key}", "X-Api-Key": key},
        },
        "proxy_config": {
            "type": "http",
            "url": f"http://svc:{key}@proxy.example.com:3128",
            "username": "svc",
            "password": key,
        },
    }


def _import_bifrost_bad_port(key: str) -> tuple[str, dict[str, Any]]:
    url = f"http://svc:{key}@proxy.example.com:99999"
    return "bifrost", {
        "provider": "openai",
        "network_config": {"base_url": "https://api.openai.com/v1"},
        "proxy_config": {"type": "http", "url": url},
    }


def _import_labelstudio(key: str) -> tuple[str, dict[str, Any]]:
    return "labelstudio", {
        "provider": "OpenAI",
        "endpoint": f"https://svc:{key}@api.openai.com/v1",
        "api_key": key,
        "auth_token": key,
    }


def _import_nemo(key: str) -> tuple[str, dict[str, Any]]:
    return "nemo", {
        "name": "imported",
        "workspace": "acme",
        "host_url": f"https://svc:{key}@api.openai.com/v1",
        "default_extra_headers": {"Authorization": f"Bearer {key}"},
        "default_extra_body": {"api_key": key},
    }


def _import_nemo_key_as_name(key: str) -> tuple[str, dict[str, Any]]:
    return "nemo", {"name": key, "workspace": "acme", "host_url": "https://api.openai.com/v1"}


def _import_openwebui(key: str) -> tuple[str, dict[str, Any]]:
    return "openwebui", {
        "id": "acme/imported",
        "name": "Imported",
        "params": {"api_key": key, "system": f"Authorization: Bearer {key}"},
    }


def _import_bifrost_key_as_provider(key: str) -> tuple[str, dict[str, Any]]:
    return "bifrost", {"provider": key, "network_config": {"base_url": "https://x.example.com"}}


def _import_labelstudio_key_as_provider(key: str) -> tuple[str, dict[str, Any]]:
    return "labelstudio", {"provider": key, "endpoint": "https://api.openai.com/v1"}


@pytest.mark.parametrize(
    "payload",
    [
        _param(_import_bifrost),
        _param(_import_bifrost_bad_port),
        _param(_import_bifrost_key_as_provider),
        _param(_import_labelstudio),
        _param(_import_labelstudio_key_as_provider),
        _param(_import_nemo),
        _param(_import_nemo_key_as_name),
        _param(_import_openwebui),
    ],
)
def test_secrets_in_imported_payloads_never_come_back_out(
    payload: Callable[[str], tuple[str, dict[str, Any]]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    key = _sk()
    sink = Sink([key])
    system, document = payload(key)
    source = tmp_path / "payload.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    reg = write_registry(tmp_path / "reg", DOCS)
    run(sink, capsys, "import", system, str(source), "--registry", str(reg))
    run(sink, capsys, "import", system, str(source), "--registry", str(reg), "--name", "given")
    source.unlink()  # the one place the secret is meant to be: the user's own payload
    sink.tree(tmp_path)
    sink.text("file names", "\n".join(str(p) for p in tmp_path.rglob("*")))
    assert sink.leaks() == []


# -- secrets in a tampered snapshot ---------------------------------------------------------------


def _tamper_format_version(parts: Parts, key: str) -> None:
    parts.header["format_version"] = key


def _tamper_count(parts: Parts, key: str) -> None:
    parts.header["count"] = key


def _tamper_kind(parts: Parts, key: str) -> None:
    parts.rows[0][0] = key


def _tamper_id(parts: Parts, key: str) -> None:
    parts.rows[0][1] = key


def _tamper_hash(parts: Parts, key: str) -> None:
    parts.rows[0][2] = key


def _tamper_content(parts: Parts, key: str) -> None:
    """A secret inside a definition whose config_hash matches: refused by the registry hash."""
    position = next(i for i, row in enumerate(parts.rows) if row[0] == "Model")
    canonical = json.loads(parts.texts[position])
    canonical["context_window"] = key
    text = json.dumps(canonical, separators=(",", ":"), sort_keys=True).encode()
    parts.replace_text(parts.rows[position][1], text)


@pytest.mark.parametrize(
    "tamper",
    [
        _tamper_format_version,
        _tamper_count,
        _tamper_kind,
        _tamper_id,
        _tamper_hash,
        _tamper_content,
    ],
    ids=lambda f: f.__name__.removeprefix("_tamper_"),
)
def test_secrets_in_a_tampered_snapshot_never_come_back_out(
    tamper: Callable[[Parts, str], None],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = _sk()
    sink = Sink([key])
    snapshot = tmp_path / "registry.snapshot.json"
    llmreg.load(write_registry(tmp_path / "reg", DOCS)).write_snapshot(snapshot)
    rewrite(snapshot, lambda parts: tamper(parts, key))
    with pytest.raises(llmreg.SnapshotError) as raised:
        llmreg.load_snapshot(snapshot)
    sink.exception("load_snapshot", raised.value)
    errors: list[llmreg.RegistryError] = []
    with pytest.raises(llmreg.SnapshotError) as raised:
        llmreg.Watcher(snapshot, on_error=errors.append)
    sink.exception("Watcher", raised.value)
    assert run(sink, capsys, "hash", "--registry", str(snapshot)) == 1
    assert run(sink, capsys, "diff", str(snapshot), str(tmp_path / "reg")) == 2
    assert sink.leaks() == []


def test_secrets_in_a_forged_snapshot_never_come_back_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every hash recomputed over a secret: loading trusts the hashes, and the definition is
    refused where it is built, by the library and by the commands, without the secret."""
    key = _sk()
    sink = Sink([key])
    snapshot = tmp_path / "registry.snapshot.json"
    llmreg.load(write_registry(tmp_path / "reg", DOCS)).write_snapshot(snapshot)

    def forge(parts: Parts) -> None:
        _tamper_content(parts, key)
        parts.rehash_registry()

    rewrite(snapshot, forge)
    loaded = llmreg.load_snapshot(snapshot)
    with pytest.raises(llmreg.SnapshotError, match="not a valid Model") as raised:
        loaded.models()
    sink.exception("models()", raised.value)
    assert run(sink, capsys, "hash", "--registry", str(snapshot)) == 1
    assert run(sink, capsys, "list", "--registry", str(snapshot)) == 1
    assert sink.leaks() == []
