"""``llmreg rules``: the catalogue, one rule's example and fix, unknown ids."""

from __future__ import annotations

import pytest

from llmreg.cli import main
from llmreg.rules import RULES


def test_listing_names_every_rule_with_its_severity(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    for rule in RULES.values():
        (line,) = [ln for ln in lines if ln.split()[:1] == [rule.id]]
        assert line.split()[1] == rule.severity
        assert rule.summary in line


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_one_rule_shows_its_explanation_mistake_and_fix(
    rule_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", rule_id]) == 0
    out = capsys.readouterr().out
    rule = RULES[rule_id]
    assert out.startswith(f"{rule_id} ({rule.severity}{', opt-in' if rule.opt_in else ''})")
    assert " ".join(rule.summary.split()) in " ".join(out.split())
    mistake, _, fix = out.partition("The fix:")
    for line in rule.bad.splitlines():
        assert f"    {line}" in mistake
    for line in rule.good.splitlines():
        assert f"    {line}" in fix


def test_unknown_rule_exits_2_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "privat-network"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "unknown rule id 'privat-network'" in captured.err
    assert "did you mean 'private-network'" in captured.err
    assert main(["rules", "zzzzzzzz"]) == 2
    assert "did you mean" not in capsys.readouterr().err


def test_opt_in_rules_say_so_in_the_listing_and_the_detail(
    capsys: pytest.CaptureFixture[str],
) -> None:
    opt_in = sorted(r.id for r in RULES.values() if r.opt_in)
    assert opt_in, "the catalogue has an opt-in rule (catalog-disagreement)"
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for rule in RULES.values():
        (line,) = [ln for ln in lines if ln.split()[:1] == [rule.id]]
        assert line.endswith("(opt-in)") == rule.opt_in
    for rule_id in opt_in:
        assert main(["rules", rule_id]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"{rule_id} ({RULES[rule_id].severity}, opt-in)")
        assert f'enable = ["{rule_id}"]' in out
