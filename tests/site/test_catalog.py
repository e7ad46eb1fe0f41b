"""The catalog page: its HTML as text, and the page itself in a headless Chromium.

The browser tests are skipped, with the reason shown by ``-ra``, where no Chromium is installed
(.ci/run installs Debian's package). ``LLMREG_CATALOG_SCREENSHOT=docs/catalog.png`` makes the
bundled-registry test also save its screenshot there (that is how docs/catalog.png is made).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import llmreg
from helpers.browser import Browser, BrowserError, find_chromium
from llmreg.catalog import render_catalog
from llmreg.models import Model, Provider
from llmreg.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = (
    '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">&amp;'
)


@pytest.fixture(scope="module")
def bundled() -> Registry:
    return llmreg.load(ROOT / "providers.d")


def hostile_registry() -> Registry:
    provider = Provider.model_validate(
        {
            "kind": "Provider",
            "workspace": "evil",
            "name": "gateway",
            "provider_type": "openai",
            "host_url": "https://example.com/v1?a=<b>",
            "description": HOSTILE,
            "served_models": [{"model_entity_id": "evil/model", "served_model_name": HOSTILE}],
        }
    )
    model = Model.model_validate(
        {
            "kind": "Model",
            "workspace": "evil",
            "name": "model",
            "display_name": HOSTILE,
            "meta": {
                "description": HOSTILE,
                "tags": [HOSTILE[:60]],
                "capabilities": {"vision": True},
            },
            "access_grants": [{"access_type": "group", "access_id": HOSTILE}],
        }
    )
    return Registry([provider], [model])


class _Collect(HTMLParser):
    """Every element, script body and text node, as a browser's tokenizer would split them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._open: tuple[str, dict[str, str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open = (tag, dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is None:
            self.text.append(data)
        elif self._open[0] == "script":
            self.scripts.append((self._open[1], data))
        else:
            self.styles.append(data)


def parsed(page: str) -> _Collect:
    collect = _Collect()
    collect.feed(page)
    collect.close()
    return collect


# -- the HTML as text -------------------------------------------------------------------------


def test_hostile_text_is_escaped_everywhere() -> None:
    page = render_catalog(hostile_registry())
    doc = parsed(page)
    assert [tag for tag, _ in doc.tags].count("script") == 2  # the data and the page's own script
    assert not [tag for tag, _ in doc.tags if tag == "img"]
    assert not [attrs for _, attrs in doc.tags if any(k.startswith("on") for k in attrs)]
    assert HOSTILE in "".join(doc.text)  # shown as the text it is
    data_attrs, data_text = doc.scripts[0]
    assert data_attrs.get("type") == "application/json"
    assert "</" not in data_text
    assert json.loads(data_text)["models"][0]["id"] == "evil/model"


def test_csp_allows_only_the_pages_own_script_and_style() -> None:
    page = render_catalog(hostile_registry())
    doc = parsed(page)
    csp = next(
        a["content"] for t, a in doc.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert csp is not None
    inline = [body for attrs, body in doc.scripts if "type" not in attrs]

    def allowed(source: str) -> str:
        digest = hashlib.sha256(source.encode()).digest()
        return "'sha256-" + base64.b64encode(digest).decode() + "'"

    assert f"script-src {allowed(inline[0])}" in csp
    assert f"style-src {allowed(doc.styles[0])}" in csp
    assert "default-src 'none'" in csp


def test_rows_link_to_the_site_json_and_show_the_hash(bundled: Registry) -> None:
    page = render_catalog(bundled)
    links = {a["href"] for tag, a in parsed(page).tags if tag == "a"}
    for model in bundled.models():
        assert f"models/{model.workspace}/{model.name}.json" in links
        assert f'title="{model.config_hash}"' in page
    for provider in bundled.providers():
        assert f"providers/{provider.workspace}/{provider.name}.json" in links
    assert render_catalog(bundled) == page  # deterministic: no timestamp, stable order


def test_routes_say_why_they_cannot_be_used(bundled: Registry) -> None:
    from llmreg.catalog import route_states

    sonnet = route_states(bundled, bundled.model("default/claude-3-5-sonnet"))
    assert [(r.provider_id, r.usable) for r in sonnet] == [("default/anthropic", False)]
    assert sonnet[0].problems == (
        "model default/claude-3-5-sonnet is inactive (is_active: false); not routed",
    )
    derived = route_states(bundled, bundled.model("research_team_alpha/paper-summarizer"))
    assert derived and all(r.via == "research_team_alpha/llama-3.1-8b" for r in derived)
    gpt = route_states(bundled, bundled.model("default/gpt-4o"))
    assert {r.key_secret for r in gpt} == {"OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"}


def test_disabled_and_key_less_providers() -> None:
    from llmreg.catalog import route_states

    def provider(name: str, **extra: Any) -> Provider:
        return Provider.model_validate(
            {
                "kind": "Provider",
                "workspace": "w",
                "name": name,
                "provider_type": "custom",
                "host_url": "https://llm.example.com/v1",
                "api_key_secret_name": "W_KEY",
                "served_models": [{"model_entity_id": "w/m", "served_model_name": "m"}],
                **extra,
            }
        )

    off = provider("a-off", enabled=False)
    open_ = provider(
        "b-open", custom_provider_config={"base_provider_type": "openai", "is_key_less": True}
    )
    model = Model.model_validate({"kind": "Model", "workspace": "w", "name": "m"})
    registry = Registry([off, open_], [model])
    states = route_states(registry, model)
    assert [(r.provider_id, r.problems, r.key_secret) for r in states] == [
        ("w/a-off", ("provider w/a-off is disabled (enabled: false)",), "W_KEY"),
        ("w/b-open", (), None),
    ]
    page = render_catalog(registry)
    assert "provider w/a-off is disabled (enabled: false)" in page and "no key" in page


# -- in a browser -------------------------------------------------------------------------------

CHROMIUM, WHY_NOT = find_chromium()
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason=WHY_NOT)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM is not None
    try:
        running = Browser(CHROMIUM)
    except (OSError, BrowserError) as exc:  # installed but cannot start here: say so, visibly
        pytest.skip(f"{CHROMIUM} does not start: {exc}")
    try:
        yield running
    finally:
        running.close()


def open_page(browser: Browser, registry: Registry, folder: Path, page_size: int = 200) -> None:
    page = folder / "index.html"
    page.write_text(render_catalog(registry, page_size=page_size), encoding="utf-8")
    browser.open(page.as_uri())


def visible_models(browser: Browser) -> list[str]:
    ids: list[str] = browser.evaluate(
        "Array.from(document.querySelectorAll('#model-rows tr'))"
        ".filter(r => !r.hidden && r.offsetParent !== null).map(r => r.id.slice(6))"
    )
    return ids


def choose(browser: Browser, select: str, value: str) -> None:
    browser.evaluate(
        f"(() => {{ const s = document.getElementById({json.dumps(select)});"
        f" s.value = {json.dumps(value)};"
        " s.dispatchEvent(new Event('change', {bubbles: true})); })()"
    )


@needs_browser
def test_bundled_registry_in_chromium(browser: Browser, bundled: Registry, tmp_path: Path) -> None:
    open_page(browser, bundled, tmp_path)
    every = [m.id for m in bundled.models()]
    assert visible_models(browser) == every
    row_text: dict[str, Any] = browser.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('#model-rows tr'))"
        ".map(r => [r.id.slice(6), r.innerText]))"
    )
    for model in bundled.models():
        assert (model.display_name or model.id) in row_text[model.id]
    shot = os.environ.get("LLMREG_CATALOG_SCREENSHOT")
    if shot:  # how docs/catalog.png is made
        browser.resize(1440, 900)
        browser.screenshot(Path(shot))
        assert Path(shot).read_bytes().startswith(b"\x89PNG")
        browser.resize(1280, 900)

    choose(browser, "capability", "vision")
    vision = [m.id for m in bundled.models(capability="vision")]
    assert 0 < len(vision) < len(every)
    assert visible_models(browser) == vision

    choose(browser, "workspace", "research_team_alpha")  # no vision model there
    assert visible_models(browser) == []
    assert browser.evaluate("document.getElementById('no-models').hidden") is False

    choose(browser, "capability", "")
    assert visible_models(browser) == [m.id for m in every_in(bundled, "research_team_alpha")]

    choose(browser, "workspace", "")
    choose(browser, "provider", "default/openai")
    direct = {m.id for m in bundled.models(provider="default/openai")}
    derived = {m.id for m in bundled.models() if m.base_model_id in direct}
    assert set(visible_models(browser)) == direct | derived

    choose(browser, "provider", "")
    choose(browser, "sort", "context")
    by_context = sorted(
        bundled.models(), key=lambda m: (m.context_window is None, -(m.context_window or 0), m.id)
    )
    assert visible_models(browser) == [m.id for m in by_context]
    assert browser.problems() == []


def every_in(registry: Registry, workspace: str) -> list[Model]:
    return [m for m in registry.models() if m.workspace == workspace]


@needs_browser
def test_keyboard_search_and_phone_width(
    browser: Browser, bundled: Registry, tmp_path: Path
) -> None:
    open_page(browser, bundled, tmp_path)
    browser.press("Tab", "Tab", 9)
    assert browser.evaluate("document.activeElement.className") == "skip"
    browser.press("Tab", "Tab", 9)
    assert browser.evaluate("document.activeElement.id") == "q"
    browser.type_text("GEMINI embedding")
    assert visible_models(browser) == ["default/gemini-embedding-001"]
    status = browser.evaluate("document.getElementById('status-models').textContent")
    assert status == f"Models: 1 of {len(bundled.models())} match."

    browser.resize(390, 800, mobile=True)
    browser.evaluate("document.getElementById('filters').reset()")
    browser.evaluate("new Promise(r => setTimeout(r, 50))")
    assert len(visible_models(browser)) == len(bundled.models())
    width = browser.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than a phone: no sideways scrolling
    browser.resize(1280, 900)
    assert browser.problems() == []


@needs_browser
def test_accessibility_tree(browser: Browser, bundled: Registry, tmp_path: Path) -> None:
    """What a screen reader gets, from Chromium's own accessibility tree."""
    open_page(browser, bundled, tmp_path)
    browser.call("Accessibility.enable", session=True)
    nodes = browser.call("Accessibility.getFullAXTree", session=True)["nodes"]
    browser.call("Accessibility.disable", session=True)
    shown = [n for n in nodes if not n.get("ignored")]

    def role(node: dict[str, Any]) -> str:
        return str(node.get("role", {}).get("value"))

    roles = {role(n) for n in shown}
    assert {"banner", "main", "search", "contentinfo", "status", "table"} <= roles
    assert {"columnheader", "rowheader", "searchbox", "combobox", "button"} <= roles
    controls = [n for n in shown if role(n) in {"link", "button", "combobox", "searchbox"}]
    unnamed = [n for n in controls if not str(n.get("name", {}).get("value", "")).strip()]
    assert controls and unnamed == []
    headings = [str(n["name"]["value"]) for n in shown if role(n) == "heading"]
    assert headings == ["LLM registry catalog", "Models", "Providers"]


@needs_browser
def test_rows_come_a_page_at_a_time(browser: Browser, bundled: Registry, tmp_path: Path) -> None:
    every = [m.id for m in bundled.models()]
    open_page(browser, bundled, tmp_path, page_size=4)
    assert visible_models(browser) == every[:4]
    status = "document.getElementById('status-models').textContent"
    assert (
        browser.evaluate(status)
        == f"Models: {len(every)} of {len(every)} match, the first 4 shown."
    )
    browser.evaluate("document.querySelector('#more-models button').click()")
    assert visible_models(browser) == every[:8]
    choose(browser, "capability", "vision")  # a new filter starts at the first page again
    vision = [m.id for m in bundled.models(capability="vision")]
    assert len(vision) > 4
    assert visible_models(browser) == vision[:4]
    choose(browser, "capability", "")
    # a link to a row on a later page shows that row
    browser.evaluate(f"location.hash = {json.dumps('#model-' + every[-1])}")
    browser.evaluate("new Promise(r => setTimeout(r, 50))")
    assert visible_models(browser) == [*every[:4], every[-1]]
    choose(browser, "sort", "context")
    assert len(visible_models(browser)) == 4
    assert browser.evaluate("document.getElementById('more-providers').hidden") is False
    assert browser.problems() == []


@needs_browser
def test_hostile_text_does_not_run(browser: Browser, tmp_path: Path) -> None:
    open_page(browser, hostile_registry(), tmp_path)
    assert browser.evaluate("window.__pwned === undefined") is True
    assert HOSTILE in browser.evaluate("document.getElementById('model-rows').innerText")
    assert visible_models(browser) == ["evil/model"]
    assert browser.problems() == []


def test_no_html_outside_what_render_catalog_writes() -> None:
    # the hostile host URL is not turned into a link: only the page's own links exist
    page = render_catalog(hostile_registry())
    hrefs = [a["href"] for t, a in parsed(page).tags if t == "a"]
    assert all(re.match(r"^(#|models/|providers/)", h or "") for h in hrefs)
