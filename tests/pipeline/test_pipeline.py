"""The pipeline as a whole: one redaction for every message, every rule on every file it can
read, a bounded number of findings per file, and the same output with and without the cache."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmreg.cache import Cache
from llmreg.check import CheckReport, run_check
from llmreg.report import REPORTERS
from llmreg.stage import LIMIT_RULE, MAX_FINDINGS, stage_bytes

KEY = "sk-proj-" + "Zq9Xw8Vu7Ts6Rq5Po4Nm3Lk2"
PROVIDER = (
    "kind: Provider\nworkspace: default\nname: {name}\nprovider_type: openai\n"
    "host_url: https://api.openai.com/v1\napi_key_secret_name: OPENAI_API_KEY\n{extra}"
)
MODEL = "kind: Model\nworkspace: default\nname: {name}\n{extra}"


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _outputs(report: CheckReport) -> str:
    out = []
    for name, reporter in sorted(REPORTERS.items()):
        buffer = io.StringIO()
        reporter(report, buffer)
        out.append(f"== {name}\n{buffer.getvalue()}")
    return "\n".join(out)


SECRET_ECHOES = {
    "invalid-url": (
        "providers/p.yaml",
        PROVIDER.replace(
            "host_url: https://api.openai.com/v1",
            f"host_url: https://user:{KEY}@api.example.com:99999/v1",
        ).format(name="p", extra=""),
    ),
    "schema-kind": ("models/m.yaml", f"kind: '{KEY}'\nworkspace: default\nname: m\n"),
    "schema-int": ("models/m.yaml", MODEL.format(name="m", extra=f"context_window: '{KEY}'\n")),
    "duplicate-served-model": (
        "providers/p.yaml",
        PROVIDER.format(
            name="p",
            extra=(
                f"served_models:\n  - {{model_entity_id: default/m, served_model_name: {KEY}}}\n"
                f"  - {{model_entity_id: default/n, served_model_name: {KEY}}}\n"
            ),
        ),
    ),
    "duplicate-key": ("models/m.yaml", MODEL.format(name="m", extra=f"{KEY}: 1\n{KEY}: 2\n")),
    "unresolved-reference": (
        "models/m.yaml",
        MODEL.format(name="m", extra=f"base_model_id: default/{KEY}\n"),
    ),
    "path-mismatch": ("models/m.yaml", MODEL.format(name=KEY, extra="")),
}


@pytest.mark.parametrize("case", sorted(SECRET_ECHOES))
def test_no_message_echoes_a_secret(tmp_path: Path, case: str) -> None:
    rel, text = SECRET_ECHOES[case]
    root = tmp_path / "registry"
    _write(root, f"default/{rel}", text)
    cache_dir = tmp_path / "cache"
    for store in (None, Cache.for_run(cache_dir), Cache.for_run(cache_dir)):
        report = run_check([], root, cache=store, jobs=1)
        assert not report.ok
        shown = _outputs(report)
        assert KEY not in shown
        assert KEY[:12] not in shown
    stored = b"".join(p.read_bytes() for p in cache_dir.rglob("*") if p.is_file())
    assert KEY.encode() not in stored


def test_a_secret_shaped_key_is_an_inline_secret(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    _write(
        root,
        "default/providers/p.yaml",
        PROVIDER.format(name="p", extra=f'default_extra_body:\n  "{KEY}": 1\n'),
    )
    report = run_check([], root)
    assert [(d.line, d.rule, d.path) for d in report.diagnostics] == [
        (8, "inline-secret", "/default_extra_body/<redacted>")
    ]
    assert KEY not in _outputs(report)


def test_a_schema_error_does_not_hide_the_rules_that_need_no_valid_data(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    _write(
        root,
        "default/providers/p.yaml",
        PROVIDER.replace("https://api.openai.com/v1", "http://10.0.0.12:8000/v1").format(
            name="p",
            extra=(
                'network_config:\n  max_retries: "3"\n  insecure_skip_verify: true\n'
                f"default_extra_headers:\n  X-Trace: Bearer {KEY}\n"
            ),
        ),
    )
    report = run_check([], root)
    assert sorted((d.line, d.rule) for d in report.diagnostics) == [
        (5, "private-network"),
        (8, "schema"),
        (9, "insecure-tls"),
        (11, "inline-secret"),
    ]


def test_rules_on_any_data_survive_any_shape(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    _write(
        root,
        "default/providers/p.yaml",
        "kind: Provider\nworkspace: default\nname: p\nhost_url: [1]\n"
        "network_config: [1]\nproxy_config: 3\ndefault_extra_headers: [a]\n"
        f"default_extra_body: {{1: {KEY}}}\n",
    )
    report = run_check([], root)
    assert {d.rule for d in report.diagnostics} == {"schema", "inline-secret"}


def test_findings_per_file_are_capped_and_the_rest_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """33,000 misspelled keys: 200 findings and a count, and only the findings shown are
    written out (each suggestion is a fuzzy match against every known key)."""
    import difflib

    matches: list[str] = []
    real = difflib.get_close_matches

    def counting(word: str, *args: object, **kwargs: object) -> list[str]:
        matches.append(word)
        return real(word, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(difflib, "get_close_matches", counting)  # validate imports it per call
    keys = "".join(f"contxt_window{i}: 1\n" for i in range(33_000))
    raw = MODEL.format(name="m", extra=keys).encode()
    staged, _document = stage_bytes(raw)
    # the fast reader's pass and the reference reader's pass, each stopping at the limit
    assert len(matches) <= 2 * MAX_FINDINGS
    assert len(staged.findings) == MAX_FINDINGS + 1
    assert {d.rule for d in staged.findings[:-1]} == {"schema"}
    last = staged.findings[-1]
    assert last.rule == LIMIT_RULE
    assert last.message.startswith("32,800 more findings are in this file not shown")


def test_errors_are_kept_before_warnings_when_capped() -> None:
    warnings = "".join(f"k{i}: no\n" for i in range(300))
    raw = MODEL.format(name="m", extra=f"meta:\n  x: 1\ncontext_window: '3'\n{warnings}").encode()
    staged, _document = stage_bytes(raw)
    assert any(d.severity == "error" for d in staged.findings)


# -- the cache never changes what is shown -------------------------------------------------------

_NAMES = ["a", "b", KEY]
_EXTRAS = [
    "",
    "description: no\n",
    "base_model_id: default/a\n",
    "base_model_id: default/nowhere\n",
    f"description: {KEY}  # llmreg: ignore[inline-secret]\n",
    "context_window: '3'\n",
    "max_output_tokens: 10\ncontext_window: 5  # llmreg: ignore[output-exceeds-context]\n",
    "access_grants: [{access_type: public, access_id: x}]  # llmreg: ignore[bogus]\n",
]


def _suppressed_name(name: str) -> str:
    return f"kind: Model\nworkspace: default\nname: {name}  # llmreg: ignore[inline-secret]\n"


def test_a_suppressed_secret_name_gives_the_same_output_cached(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    _write(root, f"default/models/{KEY}.yaml", _suppressed_name(KEY))
    store = tmp_path / "cache"
    plain = run_check([], root, jobs=1)
    assert plain.ok
    for _ in range(2):
        cached = run_check([], root, cache=Cache.for_run(store), jobs=1)
        assert _outputs(cached) == _outputs(plain)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    files=st.dictionaries(
        st.sampled_from(_NAMES),
        st.tuples(st.sampled_from(_EXTRAS), st.booleans()),
        min_size=1,
        max_size=3,
    )
)
def test_cache_on_and_off_give_equal_output(
    tmp_path_factory: pytest.TempPathFactory, files: dict[str, tuple[str, bool]]
) -> None:
    base = tmp_path_factory.mktemp("prop")
    root = base / "registry"
    for name, (extra, misplaced) in files.items():
        folder = "providers" if misplaced else "models"
        _write(root, f"default/{folder}/{name}.yaml", MODEL.format(name=name, extra=extra))
    uncached = _outputs(run_check([], root, jobs=1))
    for _ in range(2):
        cached = run_check([], root, cache=Cache.for_run(base / "cache"), jobs=1)
        assert _outputs(cached) == uncached
    json.loads(uncached.split("== json\n", 1)[1].split("\n== ", 1)[0])


def test_import_scrubbing_uses_the_rules_detector() -> None:
    """What inline-secret reports is what an import drops, secret-shaped keys included."""
    from llmreg.interop._common import scrub
    from llmreg.rules import FileContext
    from llmreg.rules.per_file import inline_secret
    from llmreg.settings import DEFAULT_OPTIONS

    doc = {
        "default_extra_headers": {"Authorization": "x", "X-Trace": f"Bearer {KEY}"},
        "default_extra_body": {KEY: 1, "api_key": "abc", "list": ["ok", KEY, "ok", KEY]},
        "host_url": f"https://u:{KEY}@example.com",
    }
    reported = list(inline_secret(FileContext("Provider", doc, DEFAULT_OPTIONS)))
    notes: list[str] = []
    scrub(doc, notes)
    assert len(notes) == len(reported) == 7
    assert doc == {
        "default_extra_headers": {},
        "default_extra_body": {"list": ["ok", "ok"]},
    }
    assert KEY not in "".join(notes)


def test_import_notes_never_name_a_secret_key_on_the_way() -> None:
    """Found by fuzzing scrub: a credential key below a secret-shaped key was noted with the
    secret in its path."""
    from llmreg.interop._common import scrub

    doc = {"default_extra_body": {KEY: {"api_key": "Bearer abcdefghijkl"}}}
    notes: list[str] = []
    scrub(doc, notes)
    assert doc == {"default_extra_body": {}}
    assert len(notes) == 2
    assert KEY not in "".join(notes)
