"""The hostile corpus (``tests/helpers/hostile_cases.py``) through ``llmreg check`` and both
readers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from helpers.cli import run_in_process
from helpers.hostile_cases import CASES, VALUES, Case, Value
from llmreg import fast_source, source
from llmreg.diagnostics import pointer_tokens
from llmreg.rules import RULES
from llmreg.source import SourceError, parse


def _write(root: Path, case: Case) -> None:
    for name, content in case.files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)
    if case.setup is not None:
        case.setup(root)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_case_is_reported_at_its_line(case: Case, tmp_path: Path) -> None:
    root = tmp_path / "providers.d"
    root.mkdir()
    _write(root, case)
    outcome = run_in_process(["check", "--format", "json"], tmp_path)
    outcome.no_traceback()
    assert not (tmp_path / "PWNED").exists()
    report = json.loads(outcome.out)
    found = [(d["file"], d["rule"], d["line"]) for d in report["diagnostics"]]
    if case.rule is None:
        assert (outcome.code, found) == (0, []), outcome.err
        return
    assert (f"providers.d/{case.file}", case.rule, case.line) in found, found
    assert outcome.code == (1 if RULES[case.rule].severity == "error" else 0), outcome.err


def _at(data: Any, pointer: str) -> Any:
    for token in pointer_tokens(pointer):
        data = data[int(token)] if isinstance(data, list) else data[token]
    return data


@pytest.mark.parametrize("value", VALUES, ids=lambda v: v.id)
def test_hostile_value_is_read_as_yaml_1_2_reads_it(value: Value) -> None:
    doc = parse(value.text)
    assert _at(doc.data, value.pointer) == value.expected
    assert doc.problems == []
    fast = fast_source.load(value.text)
    assert fast is None or fast == doc.data


def _texts() -> list[tuple[str, str]]:
    texts = [(v.id, v.text) for v in VALUES]
    for case in CASES:
        for name, content in case.files.items():
            if isinstance(content, str) and len(content) < 100_000:
                texts.append((f"{case.id}:{name}", content))
    return texts


@pytest.mark.parametrize(("name", "text"), _texts(), ids=[n for n, _ in _texts()])
def test_the_fast_reader_answers_only_what_the_reference_would(name: str, text: str) -> None:
    fast = fast_source.load(text)
    if fast is None:
        return
    doc = parse(text)  # a SourceError here is a disagreement: the reference refuses the text
    assert (fast, doc.problems, doc.yaml11) == (doc.data, [], {})


def test_the_reference_refusing_means_the_fast_reader_declines() -> None:
    refused = []
    for _, text in _texts():
        try:
            parse(text)
        except SourceError:
            refused.append(text)
    assert refused
    assert [fast_source.load(t) for t in refused] == [None] * len(refused)


class _PurePythonParser(Reader, Scanner, Parser):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


def test_without_libyaml_the_corpus_still_gives_only_findings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where PyYAML has no libyaml, its pure-Python reader checks characters while it is built."""
    monkeypatch.setattr(source, "_Parser", _PurePythonParser)
    monkeypatch.setattr(source, "LIBYAML", False)
    rules = set()
    for _, text in _texts():
        try:
            parse(text)
        except SourceError as exc:
            rules.add(exc.problem.rule)
    assert "yaml-syntax" in rules


@pytest.mark.parametrize("value", VALUES, ids=lambda v: v.id)
def test_config_hash_does_not_depend_on_the_fast_reader(
    value: Value, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """yaml-rs installed or not, a definition hashes the same (the registry hash covers every
    config_hash)."""
    from llmreg.registry import load

    target = tmp_path / "default" / "models" / "m.yaml"
    target.parent.mkdir(parents=True)
    target.write_bytes(value.text.encode("utf-8"))
    with_fast = load(tmp_path).hash
    monkeypatch.setattr(fast_source, "load", lambda text, limits=None: None)
    assert load(tmp_path).hash == with_fast
