"""The registry rules read only facts (``llmreg.rules.registry_facts``): over every golden tree, the
bundled and a generated registry, they find exactly what they find over whole documents."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from llmreg import settings
from llmreg.check import check_registry
from llmreg.results import FileResult
from llmreg.rules import Facts, RegistryContext, fact_pointers, registry_facts, registry_rules

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import write_registry  # noqa: E402

TREES = sorted(p for kind in ("valid", "invalid") for p in (GOLDEN / kind).iterdir() if p.is_dir())


def _context(results: list[FileResult], whole: bool) -> RegistryContext:
    files = []
    for index, result in enumerate(results):
        if result.data is None or result.kind is None:
            continue
        data = result.data if whole else result.facts
        assert data is not None
        files.append(Facts(index, result.rel, result.kind, data["workspace"], data["name"], data))
    models = frozenset(r.model_id for r in results if r.model_id is not None)
    return RegistryContext(files=files, defined_models=models)


def _hits(root: Path) -> tuple[list[object], list[object]]:
    results = check_registry(root, keep_data=True)
    for result in results:
        if result.data is not None:
            assert result.kind is not None
            assert result.facts == registry_facts(result.kind, result.data)
    # the opt-in rules too (catalog-disagreement reads the models.dev package of the tests)
    rules = [r for r in registry_rules() if r.check is not None]
    found = []
    for whole in (True, False):
        context = _context(results, whole)
        found.append([(rule.id, hit) for rule in rules for hit in rule.check(context)])
    return found[0], found[1]


@pytest.mark.parametrize("tree", TREES, ids=[f"{p.parent.name}/{p.name}" for p in TREES])
def test_rules_over_facts_find_what_they_find_over_whole_documents(tree: Path) -> None:
    whole, facts = _hits(tree)
    assert facts == whole


def test_a_generated_registry_with_broken_references(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    files = write_registry(root, 60)
    models = [p for p in files if "/models/" in p.as_posix()]
    models[0].write_text(
        models[0].read_text(encoding="utf-8") + "base_model_id: default/nowhere\n"
        "preferred_providers: [default/provider-000000, default/nobody]\n",
        encoding="utf-8",
    )
    models[1].rename(models[1].with_name("moved.yaml"))
    whole, facts = _hits(root)
    assert whole and facts == whole
    bundled_whole, bundled_facts = _hits(ROOT / "providers.d")
    assert bundled_facts == bundled_whole


def test_the_catalogue_fields_are_those_the_catalogue_rule_compares() -> None:
    from llmreg.facts import FIELDS
    from llmreg.rules import _CATALOGUE_FIELDS

    assert _CATALOGUE_FIELDS == FIELDS


def test_every_pointer_the_registry_rules_report_on_has_a_recorded_position() -> None:
    """What the stage records covers every finding of the registry rules on the golden trees."""
    for tree in TREES:
        enabled = settings.load(start=tree).enable
        for result in check_registry(tree, enabled=enabled, keep_data=False):
            for d in result.diagnostics:
                if d.rule in {r.id for r in registry_rules() if not r.opt_in}:
                    assert result.facts is not None
                    assert d.path in fact_pointers(result.facts), (tree.name, d.rule, d.path)
