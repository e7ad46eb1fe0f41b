"""The value classes a check builds are plain classes (``llmreg._record``), not dataclasses,
so that a check does not import ``dataclasses``; they keep what the dataclasses gave."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llmreg.diagnostics import Diagnostic
from llmreg.results import CheckReport, Staged
from llmreg.rules import Facts, Hit, Rule, catalogue
from llmreg.settings import CheckOptions, Settings
from llmreg.source import Document, Limits, Position


def _twin() -> type:
    """The dataclass Diagnostic was, to compare with."""
    return dataclasses.make_dataclass(
        "Diagnostic",
        [
            ("file", str),
            ("line", int),
            ("column", int),
            ("rule", str),
            ("message", str),
            ("path", str, dataclasses.field(default="")),
            ("severity", str, dataclasses.field(default="error")),
            ("at_key", bool, dataclasses.field(default=False, compare=False)),
        ],
        frozen=True,
        order=True,
    )


CASES = [
    ("a.yaml", 1, 1, "schema", "m"),
    ("a.yaml", 1, 1, "schema", "m", "/x"),
    ("a.yaml", 2, 1, "schema", "m", "", "warning"),
    ("a.yaml", 1, 3, "schema", "m", "", "error", True),
    ("b.yaml", 1, 1, "duplicate-key", "n", "/a/b", "error", False),
    ("a.yaml", 10, 1, "schema", "m"),
]


def test_diagnostic_behaves_as_the_dataclass_it_was() -> None:
    twin = _twin()
    ours = [Diagnostic(*args) for args in CASES]  # type: ignore[arg-type]
    theirs = [twin(*args) for args in CASES]
    assert [repr(d) for d in ours] == [repr(d) for d in theirs]
    for a, ta in zip(ours, theirs, strict=True):
        for b, tb in zip(ours, theirs, strict=True):
            assert (a == b, a < b, a <= b, a > b, a >= b) == (
                ta == tb,
                ta < tb,
                ta <= tb,
                ta > tb,
                ta >= tb,
            )
            assert (hash(a) == hash(b)) == (a == b)
    assert sorted(ours) == [Diagnostic(*dataclasses.astuple(t)) for t in sorted(theirs)]
    # at_key is not compared, as the dataclass's field said
    assert Diagnostic("f", 1, 1, "r", "m", at_key=True) == Diagnostic("f", 1, 1, "r", "m")
    assert Diagnostic("f", 1, 1, "r", "m") != ("f", 1, 1, "r", "m")


def test_diagnostic_is_frozen_and_copies() -> None:
    d = Diagnostic("f", 1, 2, "r", "m", "/p", "warning", True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.line = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del d.line  # type: ignore[misc]
    for other in (pickle.loads(pickle.dumps(d)), copy.copy(d), copy.deepcopy(d)):
        assert other == d and other.at_key is True
    assert d.replace(line=5) == Diagnostic("f", 5, 2, "r", "m", "/p", "warning", True)
    match d:
        case Diagnostic(file, line, column):
            assert (file, line, column) == ("f", 1, 2)


def test_dataclasses_functions_still_work_on_diagnostic() -> None:
    d = Diagnostic("f", 1, 2, "r", "m")
    assert dataclasses.is_dataclass(d) and dataclasses.is_dataclass(Diagnostic)
    assert [f.name for f in dataclasses.fields(Diagnostic)] == [
        "file",
        "line",
        "column",
        "rule",
        "message",
        "path",
        "severity",
        "at_key",
    ]
    assert dataclasses.replace(d, file="g") == Diagnostic("g", 1, 2, "r", "m")
    assert dataclasses.asdict(d) == {
        "file": "f",
        "line": 1,
        "column": 2,
        "rule": "r",
        "message": "m",
        "path": "",
        "severity": "error",
        "at_key": False,
    }
    assert dataclasses.astuple(d) == ("f", 1, 2, "r", "m", "", "error", False)


def test_the_other_records_compare_hash_and_show_their_fields() -> None:
    assert Hit("/a", "m") == Hit("/a", "m", False) != Hit("/a", "m", True)
    assert hash(Hit("/a", "m")) == hash(Hit("/a", "m"))
    assert repr(Hit("/a", "m")) == "Hit(pointer='/a', message='m', at_key=False)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        Hit("/a", "m").pointer = "/b"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(Limits(max_depth=3))) == Limits(1024 * 1024, 3)
    assert Position(1, 2) == Position(1, 2) and {Position(1, 2)} == {Position(1, 2)}
    facts = Facts(0, "w/models/m.yaml", "Model", "w", "m", {})
    assert facts.id == "w/m" and facts == Facts(0, "w/models/m.yaml", "Model", "w", "m", {})
    # a rule's check function is left out of equality and repr
    rule = catalogue()["schema"]
    same = Rule(**{name: getattr(rule, name) for name in Rule._fields} | {"check": print})
    assert same == rule and "check" not in repr(rule)
    # settings: equal by their fields, the derived host sets left out
    assert CheckOptions(("10.0.0.0/8",)) == CheckOptions(("10.0.0.0/8",))
    assert repr(CheckOptions()) == "CheckOptions(allowed_hosts=())"
    assert pickle.loads(pickle.dumps(CheckOptions(("h.example",)))).host_allowed("h.example")
    assert Settings() == Settings(severity={}) != Settings(ignore=frozenset({"schema"}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().ignore = frozenset()  # type: ignore[misc]
    # the mutable ones: equal by fields, unhashable, pickled with their __dict__ (Staged)
    staged = Staged([Diagnostic("", 1, 1, "schema", "m")], "Model", None, "w/n")
    assert pickle.loads(pickle.dumps(staged)) == staged and staged.comments == {}
    assert staged != Staged([], "Model", None, "w/n")
    with pytest.raises(TypeError):
        hash(staged)
    assert CheckReport(1, []) == CheckReport(1, []) != CheckReport(2, [])
    assert Document({"a": 1}) == Document({"a": 1}, {}, {}, {}, [])


def test_a_check_imports_no_dataclasses_and_a_warm_one_no_typing(tmp_path: Path) -> None:
    """The whole path of a check, cold and warm, builds no dataclass; a warm check of a clean
    registry does not import typing either (the pin of the imports of a pre-commit run is in
    tests/cli/test_direct.py)."""
    shutil.copytree(Path(__file__).parents[1] / "golden" / "valid" / "basic", tmp_path / "reg")
    code = (
        "import sys; import llmreg.cache; llmreg.cache.SETTLE_NS = 0\n"
        "from llmreg.cli import main\n"
        "assert main(['check', '--registry', sys.argv[1], '--cache-dir', sys.argv[2]]) == 0\n"
        "print(*(m in sys.modules for m in ('dataclasses', 'inspect', 'typing')))"
    )

    def imported() -> list[str]:
        argv = [sys.executable, "-c", code, str(tmp_path / "reg"), str(tmp_path / "cache")]
        # run where no pyproject.toml is found: reading one imports tomllib, and with it typing
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=True)
        return done.stdout.split()[-3:]

    assert imported()[:2] == ["False", "False"]  # cold: the readers import typing
    assert imported() == ["False", "False", "False"]
