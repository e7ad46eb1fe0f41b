"""The secret prefilters (over one string in ``secrets.key_shape``, over a file's text in
``secrets.text_may_hold_shapes``) never hide a match of the shapes."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmreg import secrets


@pytest.mark.parametrize(
    ("what", "pattern"), secrets._KEY_SHAPES, ids=[w for w, _ in secrets._KEY_SHAPES]
)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_every_match_passes_the_prefilter(what: str, pattern: object, data: st.DataObject) -> None:
    import re

    assert isinstance(pattern, re.Pattern)
    text = data.draw(st.from_regex(pattern))
    assert any(literal in text for literal in secrets._KEY_LITERALS), text
    assert secrets.key_shape(text) is not None


def test_ordinary_text_is_not_a_secret() -> None:
    assert secrets.key_shape("general purpose assistant through high tier; sk- no") is None


# -- the prefilter over a file's text (secrets.text_may_hold_shapes) ---------------------------

# Pieces of secrets and of the URLs url_credentials looks at, to build strings from.
_PIECES = (
    *secrets._KEY_LITERALS,
    "sk-proj-abcdefghijklmnop1234",
    "AKIAABCDEFGHIJKLMNOP",
    "ghp_" + "a" * 36,
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.",
    "-----BEGIN RSA PRIVATE KEY-----",
    "http://user:pass@host/v1",
    "https://h/v1?api_key=abc",
    "https://h/v1",
    "://",
    "@",
    "?",
    " ",
    "\n",
    "é",
    "\x07",
    "a",
    "k",
    "-",
    "_",
)
_strings = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join)


def _leaks(data: object, text: str | None) -> list[tuple[object, ...]]:
    return [(leak.path, leak.how, leak.what) for leak in secrets.locate(data, text)]


def _readings(text: str) -> list[object]:
    from llmreg import fast_source
    from llmreg.source import SourceError, parse

    found: list[object] = []
    with contextlib.suppress(SourceError):
        found.append(parse(text).data)
    fast = fast_source.load(text)
    if fast is not None:
        found.append(fast)
    return found


@settings(max_examples=300, deadline=None)
@given(
    key=_strings,
    value=_strings,
    item=_strings,
    style=st.sampled_from([None, "'", '"', "|", ">"]),
    width=st.sampled_from([8, 20, 80]),
    unicode=st.booleans(),
)
def test_ruling_out_by_text_never_hides_a_leak(
    key: str, value: str, item: str, style: str | None, width: int, unicode: bool
) -> None:
    """Old (every string visited) and new (the text rules them out first) agree on documents
    written in every scalar style, folded over lines and with escapes."""
    import yaml

    doc = {"kind": "Provider", key or "k": value, "params": {"list": [item, value]}}
    text = yaml.safe_dump(doc, default_style=style, width=width, allow_unicode=unicode)
    for data in _readings(text):
        assert _leaks(data, text) == _leaks(data, None), text


@pytest.mark.parametrize(
    ("text", "leaks"),
    [
        ('k: "\\x73k-abcdefghijklmnopqrstu"\n', True),  # an escape spells the literal
        ('k: "s\\\n  k-abcdefghijklmnopqrstu"\n', True),  # an escaped line break joins it
        ("k: |\n  -----BEGIN RSA PRIVATE\n  KEY-----\n", False),  # a line break, no space
        ("k: -----BEGIN RSA PRIVATE\n  KEY-----\n", True),  # folded into one line
        ("k: '-----BEGIN PRIVATE\n  KEY-----'\n", True),
        ("k: http://user:pass@host/v1\n", True),
        ("url: https://h/v1?token=abc\n", True),
        ("\ufeffk: sk-abcdefghijklmnopqrstu\n", True),
        ("AKIAABCDEFGHIJKLMNOP: 1\n", True),
    ],
)
def test_ruling_out_by_text_on_known_cases(text: str, leaks: bool) -> None:
    readings = _readings(text)
    assert readings
    for data in readings:
        assert _leaks(data, text) == _leaks(data, None)
        assert bool(_leaks(data, None)) is leaks


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(max_size=20),
    literal=st.sampled_from(secrets._KEY_LITERALS),
    after=st.text(max_size=20),
)
def test_the_text_prefilter_finds_every_literal(before: str, literal: str, after: str) -> None:
    # folded over lines, a literal with a space keeps its part after the space
    assert secrets.text_may_hold_shapes(before + literal.rpartition(" ")[2] + after)


def test_plain_registry_files_are_ruled_out() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    from generate import generate

    # what makes the shortcut pay: a plain registry's files never need their strings visited
    texts = [f.text for f in generate(40)]
    assert not any(map(secrets.text_may_hold_shapes, texts))


@settings(max_examples=300, deadline=None)
@given(value=_strings)
def test_url_credentials_shortcut_keeps_every_answer(value: str) -> None:
    from urllib.parse import parse_qsl, urlsplit

    def reference(value: str) -> str | None:  # before the '@'/'?' shortcut
        if "://" not in value:
            return None
        try:
            parts = urlsplit(value.strip())
            password = parts.password
        except ValueError:
            return None
        if password:
            return "a password in the URL (user:password@host)"
        for name, param_value in parse_qsl(parts.query, keep_blank_values=False):
            if name.lower() in secrets._URL_CREDENTIAL_PARAMS and param_value:
                return f"a credential in the URL's query parameter {name!r}"
        return None

    assert secrets.url_credentials(value) == reference(value)


def _old_credential_keys(
    value: object, path: tuple[object, ...], found: dict[tuple[object, ...], secrets.Leak]
) -> None:
    """secrets._credential_keys before it stopped descending into scalars, as the reference."""
    if isinstance(value, dict):
        for key, item in value.items():
            child = (*path, key)
            if (
                isinstance(key, str)
                and isinstance(item, str)
                and item
                and secrets.CREDENTIAL_KEYS.match(key)
            ):
                found[child] = secrets.Leak(child, "credential-key")
            else:
                _old_credential_keys(item, child, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _old_credential_keys(item, (*path, index), found)


_BODIES = st.recursive(
    st.one_of(st.none(), st.integers(), st.sampled_from(["", "x", "sk-abc"])),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.one_of(
                st.sampled_from(["api_key", "Password", "token", "x", "api-key "]), st.integers()
            ),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_BODIES)
def test_credential_keys_agree_with_their_old_form(body: object) -> None:
    old: dict[tuple[object, ...], secrets.Leak] = {}
    new: dict[tuple[object, ...], secrets.Leak] = {}
    _old_credential_keys(body, ("params",), old)
    secrets._credential_keys(body, ("params",), new)
    assert list(new.items()) == list(old.items())


def test_a_document_without_shapes_compiles_no_shape_pattern() -> None:
    """The patterns are compiled on first use: the stage of a plain valid file, which the text
    prefilter rules out, compiles none of them (a fresh interpreter, so nothing ran before);
    the redaction patterns wait for a finding."""
    code = (
        "from llmreg import secrets\n"
        "from llmreg.stage import stage_bytes\n"
        "import sys; staged, _ = stage_bytes(open(sys.argv[1], 'rb').read())\n"
        "assert not staged.findings, staged.findings\n"
        "print(secrets._key_shapes.cache_info().currsize, "
        "secrets._text_patterns.cache_info().currsize)\n"
        "print(secrets.key_shape('sk-' + 'a' * 20), secrets._key_shapes.cache_info().currsize)\n"
    )
    valid = Path(__file__).parents[1] / "golden" / "valid" / "basic" / "default" / "models"
    argv = [sys.executable, "-c", code, str(valid / "gpt-4o.yaml")]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["0 0", "an OpenAI-style API key (sk-...) 1"]
