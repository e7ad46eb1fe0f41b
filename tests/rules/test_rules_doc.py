"""docs/rules.md documents every rule of the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from llmreg.rules import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_rules_doc_has_a_section_and_a_table_row_per_rule() -> None:
    text = DOC.read_text(encoding="utf-8")
    sections = re.findall(r"^### ([a-z0-9-]+)$", text, flags=re.MULTILINE)
    rows = dict(
        re.findall(
            r"^\| \[`([a-z0-9-]+)`\]\(#[a-z0-9-]+\) \| (error|warning) \|", text, flags=re.MULTILINE
        )
    )
    missing = sorted(set(RULES) - set(sections))
    assert missing == [], f"docs/rules.md has no section for {missing}"
    assert sorted(set(sections) - set(RULES)) == [], (
        "docs/rules.md documents rules that do not exist"
    )
    assert rows == {rule.id: rule.severity for rule in RULES.values()}
    for rule in RULES.values():
        assert rule.summary in text, (
            f"docs/rules.md does not explain {rule.id} as the catalogue does"
        )


def test_rules_doc_is_written_from_the_declarations() -> None:
    """docs/rules.md is exactly what `llmreg rules --markdown` prints; regenerate it with
    `llmreg rules --markdown > docs/rules.md` after changing a rule."""
    from llmreg.rules.doc import render

    assert DOC.read_text(encoding="utf-8") == render()
