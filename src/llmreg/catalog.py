"""The catalog page: one self-contained HTML file showing a registry's models and providers.

The page is written for ``file://`` and any static host: no network, no CDN, no fetch(). The
tables are rendered here as plain HTML, so the page reads without JavaScript; a small inline
script filters and sorts them, reading its facts from JSON embedded in a
``<script type="application/json">`` (fetch() of a sibling file is refused from ``file://``).

Every definition value is untrusted text: it goes through :func:`html.escape` into the HTML and
through :func:`_embed_json` into the script element, and a Content-Security-Policy allowing only
this page's own script and style (by hash) stops anything that would slip through from running.
The output is deterministic (no timestamp), so a site built twice from one registry is the same.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmreg.models import Model, Provider
    from llmreg.registry import Registry


def definition_path(kind: str, workspace: str, name: str) -> str:
    """The site path of a definition's JSON (the layout agreed with ``llmreg build --site``)."""
    folder = "providers" if kind == "Provider" else "models"
    return f"{folder}/{workspace}/{name}.json"


@dataclass(frozen=True)
class RouteState:
    """Whether one provider can carry calls to one model, and what a call needs."""

    provider_id: str
    served_name: str
    via: str | None  # the base model the provider lists, when it is not the model itself
    problems: tuple[str, ...]
    key_secret: str | None

    @property
    def usable(self) -> bool:
        return not self.problems


def _serving_chain(registry: Registry, model: Model) -> list[Model]:
    """``model`` and its base models up to the first one a provider serves (or the chain's end)."""
    chain = [model]
    current = model
    while not registry.served_by(current.id) and current.base_model_id is not None:
        try:
            current = registry.model(current.base_model_id)
        except KeyError:
            break
        if any(link.id == current.id for link in chain):
            break
        chain.append(current)
    return chain


def _key_secret(provider: Provider) -> str | None:
    """The secret a call through ``provider`` needs, by name; None for a key-less endpoint."""
    custom = provider.custom_provider_config
    if custom is not None and custom.is_key_less:
        return None
    return provider.api_key_secret_name


def route_states(registry: Registry, model: Model) -> list[RouteState]:
    """Every provider that would serve ``model`` (directly or through its base model).

    Whether a route is usable is asked of :meth:`Registry.resolve` itself, so the page says
    what a call would meet and never disagrees with it.
    """
    from llmreg.errors import MissingSecretError, RouteError

    served = _serving_chain(registry, model)[-1]
    states = []
    for provider_id, served_name in registry.served_by(served.id):
        problem: tuple[str, ...] = ()
        try:
            # no secrets: a missing key is the last thing resolve() checks, so it means the
            # route is usable with its key (and no auth template is rendered for nothing)
            registry.resolve(model.id, provider=provider_id, secrets={})
        except MissingSecretError:
            pass
        except RouteError as exc:
            problem = (str(exc),)
        states.append(
            RouteState(
                provider_id=provider_id,
                served_name=served_name,
                via=None if served is model else served.id,
                problems=problem,
                key_secret=_key_secret(registry.provider(provider_id)),
            )
        )
    return states


def _grants(model: Model) -> list[str]:
    if model.access_grants is None:
        return ["everyone (no grants)"]
    if not model.access_grants:
        return ["nobody (empty grants)"]
    out = []
    for grant in model.access_grants:
        public = grant.access_type == "public"
        who = "everyone" if public else f"{grant.access_type} {grant.access_id}"
        out.append(f"{who} ({grant.permission})")
    return out


def _capabilities(model: Model) -> list[str]:
    if model.meta is None:
        return []
    return sorted(name for name, flag in model.meta.capabilities.items() if flag)


def _number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _price(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _short_hash(config_hash: str) -> str:
    algorithm, _, hexdigest = config_hash.partition(":")
    return f"{algorithm}:{hexdigest[:12]}…"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _list(items: Iterable[str], css: str = "tags") -> str:
    cells = "".join(f"<li>{_e(item)}</li>" for item in items)
    return f'<ul class="{css}">{cells}</ul>' if cells else '<span class="none">—</span>'


def _identity(kind: str, definition: Provider | Model, title: str | None) -> str:
    href = definition_path(kind, definition.workspace, definition.name)
    label = f"{kind} {definition.id} as JSON"
    heading = (
        f'<strong class="title">{_e(title)}</strong> <code class="id">{_e(definition.id)}</code>'
        if title
        else f'<strong class="title"><code>{_e(definition.id)}</code></strong>'
    )
    return (
        f"{heading}"
        f'<span class="meta"><a href="{_e(href)}" aria-label="{_e(label)}">JSON</a> '
        f'<code class="hash" title="{_e(definition.config_hash)}">'
        f"{_e(_short_hash(definition.config_hash))}</code></span>"
    )


def _route_html(state: RouteState) -> str:
    status = "usable" if state.usable else "; ".join(state.problems)
    css = "ok" if state.usable else "bad"
    key = f"key {state.key_secret}" if state.key_secret else "no key"
    via = " (via its base model)" if state.via else ""
    anchor = f"#provider-{state.provider_id}"
    return (
        f'<li><a href="{_e(anchor)}"><code>{_e(state.provider_id)}</code></a>'
        f'<span class="served">as <code>{_e(state.served_name)}</code>{_e(via)}</span>'
        f'<span class="badge {css}">{_e(status)}</span> '
        f'<span class="badge key">{_e(key)}</span></li>'
    )


def _row_open(kind: str, row_id: str, hidden: bool) -> str:
    return f'<tr id="{kind}-{_e(row_id)}"{" hidden" if hidden else ""}>'


def _model_row(model: Model, routes: list[RouteState], hidden: bool) -> str:
    pricing = model.pricing
    if pricing is None or (
        pricing.input_per_million is None and pricing.output_per_million is None
    ):
        price = '<span class="none">—</span>'
    else:
        price = (
            f"{_e(_price(pricing.input_per_million))} / {_e(_price(pricing.output_per_million))}"
            f' <span class="unit">{_e(pricing.currency)} per 1M tokens in / out</span>'
        )
    modalities = (
        f"{_e(', '.join(model.input_modalities) or '—')} → "
        f"{_e(', '.join(model.output_modalities) or '—')}"
    )
    served = (
        f'<ul class="routes">{"".join(_route_html(r) for r in routes)}</ul>'
        if routes
        else '<span class="badge bad">served by no provider</span>'
    )
    base = (
        f'<a href="#model-{_e(model.base_model_id)}"><code>{_e(model.base_model_id)}</code></a>'
        if model.base_model_id
        else '<span class="none">—</span>'
    )
    description = model.meta.description if model.meta and model.meta.description else ""
    inactive = "" if model.is_active else ' <span class="badge bad">inactive</span>'
    return (
        f"{_row_open('model', model.id, hidden)}"
        f'<th scope="row" data-label="Model">{_identity("Model", model, model.display_name)}'
        f"{inactive}" + (f'<p class="desc">{_e(description)}</p>' if description else "") + "</th>"
        f'<td data-label="Capabilities">{_list(_capabilities(model))}</td>'
        f'<td data-label="Modalities">{modalities}</td>'
        f'<td data-label="Context" class="num">{_e(_number(model.context_window))}</td>'
        f'<td data-label="Max output" class="num">{_e(_number(model.max_output_tokens))}</td>'
        f'<td data-label="Price">{price}</td>'
        f'<td data-label="Served by">{served}</td>'
        f'<td data-label="Base model">{base}</td>'
        f'<td data-label="Access">{_list(_grants(model), "plain")}</td>'
        "</tr>"
    )


def _provider_row(provider: Provider, served: list[str], hidden: bool) -> str:
    kind: str = provider.provider_type
    if provider.custom_provider_config is not None:
        kind += f" ({provider.custom_provider_config.base_provider_type})"
    status = (
        '<span class="badge ok">enabled</span>'
        if provider.enabled
        else '<span class="badge bad">disabled</span>'
    )
    secret = _key_secret(provider)
    key = f'<span class="badge key">{_e(f"key {secret}" if secret else "no key")}</span>'
    models = (
        '<ul class="plain">'
        + "".join(
            f'<li><a href="#model-{_e(model_id)}"><code>{_e(model_id)}</code></a></li>'
            for model_id in served
        )
        + "</ul>"
        if served
        else '<span class="none">—</span>'
    )
    description = provider.description or ""
    return (
        f"{_row_open('provider', provider.id, hidden)}"
        f'<th scope="row" data-label="Provider">{_identity("Provider", provider, None)}'
        + (f'<p class="desc">{_e(description)}</p>' if description else "")
        + "</th>"
        f'<td data-label="Type">{_e(kind)}</td>'
        f'<td data-label="Host"><code class="url">{_e(provider.host_url)}</code></td>'
        f'<td data-label="Workspace">{_e(provider.workspace)}</td>'
        f'<td data-label="Status">{status} {key}</td>'
        f'<td data-label="Models served">{models}</td>'
        "</tr>"
    )


MODEL_COLUMNS = (
    "Model",
    "Capabilities",
    "Modalities (in → out)",
    "Context",
    "Max output",
    "Price in / out",
    "Served by",
    "Base model",
    "Access",
)
PROVIDER_COLUMNS = ("Provider", "Type", "Host", "Workspace", "Status", "Models served")
_NUMERIC = {"Context", "Max output"}


def _head(columns: tuple[str, ...]) -> str:
    numeric = ' class="num"'
    cells = "".join(
        f'<th scope="col"{numeric if c in _NUMERIC else ""}>{_e(c)}</th>' for c in columns
    )
    return f"<thead><tr>{cells}</tr></thead>"


def _embed_json(value: Any) -> str:
    """JSON that cannot end or comment its <script> element: ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _facts(registry: Registry, routes_of: dict[str, list[RouteState]]) -> dict[str, Any]:
    """What the page's script filters and sorts by; ids are those of the rows."""
    models = []
    for model in registry.models():
        routes = routes_of[model.id]
        meta = model.meta
        pricing = model.pricing
        words = [model.id, model.display_name or ""]
        if meta is not None:
            words += [meta.description or "", *meta.tags, *_capabilities(model)]
        words += [r.provider_id for r in routes] + [r.served_name for r in routes]
        models.append(
            {
                "id": model.id,
                "workspace": model.workspace,
                "capabilities": _capabilities(model),
                "providers": sorted({r.provider_id for r in routes}),
                "context": model.context_window,
                "price_in": pricing.input_per_million if pricing else None,
                "price_out": pricing.output_per_million if pricing else None,
                "text": " ".join(words).lower(),
            }
        )
    serving: dict[str, list[str]] = {}
    for model_id, routes in routes_of.items():
        for provider_id in dict.fromkeys(r.provider_id for r in routes):
            serving.setdefault(provider_id, []).append(model_id)
    providers = []
    for provider in registry.providers():
        served = serving.get(provider.id, [])
        words = [provider.id, provider.provider_type, provider.host_url, provider.description or ""]
        providers.append(
            {
                "id": provider.id,
                "workspace": provider.workspace,
                "models": served,
                "text": " ".join(words + served).lower(),
            }
        )
    return {"models": models, "providers": providers}


MODEL_CAPTION = "Models: capabilities, modalities, limits, prices, routes and access"
PROVIDER_CAPTION = "Providers: type, host, workspace, status and models served"


def _section(
    kind: str,
    title: str,
    caption: str,
    columns: tuple[str, ...],
    rows: str,
    count: int,
    page: int,
) -> str:
    """One table of the page: ``kind`` names its ids (``models``: ``model-rows``, ...)."""
    singular = kind[:-1]
    return f"""<section id="{kind}" aria-labelledby="{kind}-h">
<h2 id="{kind}-h">{_e(title)}</h2>
<div class="scroll">
<table class="cards">
<caption class="visually-hidden">{_e(caption)}</caption>
{_head(columns)}
<tbody id="{singular}-rows">
{rows}
</tbody>
</table>
</div>
<p id="no-{kind}" class="empty" hidden>No {singular} matches these filters.</p>
{_more(kind, count, page)}
</section>"""


def _status(kind: str, matching: int, total: int, shown: int) -> str:
    """The line the script keeps up to date (the same words, so nothing changes at load)."""
    cut = f", the first {shown} shown" if shown < matching else ""
    return f"{kind}: {matching} of {total} match{cut}."


def _more(kind: str, total: int, page: int) -> str:
    hidden = "" if total > page else " hidden"
    return (
        f'<p class="more" id="more-{kind}"{hidden}><button type="button">Show {page} more'
        f"</button></p><noscript><p>Without JavaScript only the first {page} {kind} are "
        "shown; every definition is in the JSON files.</p></noscript>"
    )


def render_catalog(
    registry: Registry, *, title: str = "LLM registry catalog", page_size: int = 200
) -> str:
    """The catalog page of ``registry`` as one HTML document (deterministic for a registry).

    Each table shows ``page_size`` rows at a time ("Show more" adds a page): a browser lays out
    a few hundred table rows at once quickly, ten thousand slowly, while hidden rows cost
    nearly nothing.
    """
    routes_of = {m.id: route_states(registry, m) for m in registry.models()}
    data = _facts(registry, routes_of)
    data["page"] = page_size
    model_rows = "\n".join(
        _model_row(model, routes_of[model.id], index >= page_size)
        for index, model in enumerate(registry.models())
    )
    served_by_provider = {p["id"]: p["models"] for p in data["providers"]}
    provider_rows = "\n".join(
        _provider_row(provider, served_by_provider[provider.id], index >= page_size)
        for index, provider in enumerate(registry.providers())
    )
    capabilities = sorted({c for m in data["models"] for c in m["capabilities"]})
    workspaces = sorted(
        {p.workspace for p in registry.providers()} | {m.workspace for m in registry.models()}
    )

    def options(values: Iterable[str], everything: str) -> str:
        return f'<option value="">{_e(everything)}</option>' + "".join(
            f'<option value="{_e(v)}">{_e(v)}</option>' for v in values
        )

    csp = (
        "default-src 'none'; img-src 'none'; connect-src 'none'; form-action 'none'; "
        f"base-uri 'none'; style-src {_csp_hash(_CSS)}; script-src {_csp_hash(_SCRIPT)}"
    )
    n_models, n_providers = len(data["models"]), len(data["providers"])
    models_section = _section(
        "models", "Models", MODEL_CAPTION, MODEL_COLUMNS, model_rows, n_models, page_size
    )
    providers_section = _section(
        "providers",
        "Providers",
        PROVIDER_CAPTION,
        PROVIDER_COLUMNS,
        provider_rows,
        n_providers,
        page_size,
    )
    model_status = _e(_status("Models", n_models, n_models, min(n_models, page_size)))
    provider_status = _e(
        _status("Providers", n_providers, n_providers, min(n_providers, page_size))
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">
<meta name="referrer" content="no-referrer">
<title>{_e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<a class="skip" href="#models">Skip to the models</a>
<header>
<h1>{_e(title)}</h1>
<p>{n_models} models and {n_providers} providers. Registry hash
<code title="{_e(registry.hash)}">{_e(_short_hash(registry.hash))}</code>.
Each name links to its definition as JSON, with its <code>config_hash</code>.</p>
</header>
<main>
<form id="filters" class="filters" role="search" aria-label="Filter the catalog">
<label>Search <input type="search" id="q" name="q" autocomplete="off"
 placeholder="name, id, tag, provider"></label>
<label>Capability <select id="capability" name="capability">
{options(capabilities, "any capability")}</select></label>
<label>Provider <select id="provider" name="provider">
{options([p["id"] for p in data["providers"]], "any provider")}</select></label>
<label>Workspace <select id="workspace" name="workspace">
{options(workspaces, "any workspace")}</select></label>
<label>Sort models by <select id="sort" name="sort">
<option value="id">id</option>
<option value="price_in">input price, lowest first</option>
<option value="price_out">output price, lowest first</option>
<option value="context">context window, largest first</option>
</select></label>
<button type="reset">Clear</button>
</form>
<p class="status" role="status" aria-live="polite">
<span id="status-models">{model_status}</span>
<span id="status-providers">{provider_status}</span></p>
{models_section}
{providers_section}
</main>
<footer><p>Written by llmreg from the registry. A route is usable when llmreg would resolve a call
to the model through that provider. A key is looked up by its secret name when a call is made;
its value is never part of the registry.</p></footer>
<script type="application/json" id="catalog-data">{_embed_json(data)}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""


_CSS = """
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#fff;--line:#d0d7de;
--ok:#116329;--okbg:#dafbe1;--bad:#82071e;--badbg:#ffebe9;--key:#0a3069;--keybg:#ddf4ff;
--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;
--line:#30363d;--ok:#7ee2b8;--okbg:#12361f;--bad:#ffa198;--badbg:#3d1214;--key:#a5d6ff;
--keybg:#0c2d6b;--accent:#4493f8}}
*{box-sizing:border-box}
body{margin:0;padding:0 1rem 2rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:110rem;margin:0 auto}
h1{font-size:1.5rem;margin:1rem 0 .25rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
a{color:var(--accent)}code{font:.85em/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
overflow-wrap:anywhere}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:var(--bg);
padding:.25rem .5rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
white-space:nowrap}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;padding:.75rem;
border:1px solid var(--line);border-radius:6px}
.filters label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}
.filters input,.filters select,.filters button{font:inherit;color:var(--fg);
background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:.3rem .4rem;
min-height:2.25rem;max-width:100%}
.filters input{min-width:14rem}
.status{color:var(--muted);margin:.5rem 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.5rem;border-bottom:1px solid var(--line)}
thead th{font-size:.8rem;color:var(--muted);white-space:nowrap;position:sticky;top:0;
background:var(--bg)}
tbody th{font-weight:normal;min-width:13rem}
td[data-label="Served by"]{min-width:17rem}td[data-label="Price"]{min-width:6.5rem}
td[data-label="Access"],td[data-label="Base model"]{min-width:8rem}
td[data-label="Models served"]{min-width:14rem}
.served{display:block;font-size:.85rem}
.num{text-align:right;white-space:nowrap}
.title{display:block}.id{color:var(--muted)}
.meta{display:block;font-size:.8rem;color:var(--muted)}
.desc{margin:.25rem 0 0;font-size:.85rem;color:var(--muted);max-width:30rem}
ul.tags,ul.plain,ul.routes{list-style:none;margin:0;padding:0}
ul.tags li{display:inline-block;margin:0 .25rem .25rem 0;padding:0 .4rem;border:1px solid
var(--line);border-radius:1rem;font-size:.8rem}
ul.routes li{margin-bottom:.35rem}
.badge{display:inline-block;padding:0 .4rem;border-radius:4px;font-size:.75rem;
white-space:nowrap}
.ok{color:var(--ok);background:var(--okbg)}.bad{color:var(--bad);background:var(--badbg);
white-space:normal}
.key{color:var(--key);background:var(--keybg)}
.unit{display:block;font-size:.75rem;color:var(--muted)}
.none{color:var(--muted)}
.empty{padding:1rem;border:1px dashed var(--line)}
.more button{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);
border-radius:4px;padding:.4rem .8rem;min-height:2.25rem}
.status span{display:block}
footer{color:var(--muted);font-size:.85rem;margin-top:2rem}
@media (max-width:720px){
 body{padding:0 .5rem 1rem}
 .filters label{width:calc(50% - .5rem)}.filters label:first-child{width:100%}
 .filters input,.filters select{width:100%;min-width:0}
 table.cards thead{position:absolute;left:-9999px}
 table.cards,table.cards tbody,table.cards tr,table.cards th,table.cards td{display:block;
 width:100%}
 table.cards tr{border:1px solid var(--line);border-radius:6px;margin:0 0 .75rem;padding:.25rem}
 table.cards th,table.cards td{border:0;padding:.3rem .4rem;min-width:0}
 table.cards td::before{content:attr(data-label);display:block;font-size:.75rem;
 color:var(--muted)}
 .num{text-align:left}
}
"""

_SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("catalog-data").textContent);
  var PAGE = data.page;
  function field(id) { return document.getElementById(id); }
  var form = field("filters");
  var capabilitiesOf = {};
  data.models.forEach(function (m) { capabilitiesOf[m.id] = m.capabilities; });
  function table(kind, items, prefix) {
    var t = {kind: kind, items: items, prefix: prefix, limit: PAGE, ordered: items,
             body: field(prefix + "rows"), more: field("more-" + kind)};
    items.forEach(function (item, index) { item.shown = index < PAGE; });
    t.more.querySelector("button").addEventListener("click", function () {
      t.limit += PAGE;
      apply();
    });
    return t;
  }
  var models = table("models", data.models, "model-");
  var providers = table("providers", data.providers, "provider-");
  function row(t, item) { return document.getElementById(t.prefix + item.id); }
  function matchesText(item, words) {
    for (var i = 0; i < words.length; i++) {
      if (item.text.indexOf(words[i]) < 0) { return false; }
    }
    return true;
  }
  function sortKey(item, by) {
    if (by === "context") { return item.context === null ? null : -item.context; }
    return item[by] === undefined ? null : item[by];
  }
  var sortedBy = "id";
  function sortModels(by) {
    if (by === sortedBy) { return; }
    sortedBy = by;
    var items = data.models.slice();
    if (by !== "id") {
      items.sort(function (a, b) {
        var x = sortKey(a, by), y = sortKey(b, by);
        if (x === y) { return a.id < b.id ? -1 : 1; }
        if (x === null) { return 1; }
        if (y === null) { return -1; }
        return x - y;
      });
    }
    var moved = document.createDocumentFragment();
    items.forEach(function (item) { moved.appendChild(row(models, item)); });
    models.body.appendChild(moved);
    models.ordered = items;
  }
  // Only rows whose state changes are touched: laying out rows is what costs.
  function show(t, keep) {
    var matching = 0;
    t.ordered.forEach(function (item) {
      var want = keep(item) && matching++ < t.limit;
      if (want !== item.shown) {
        row(t, item).hidden = !want;
        item.shown = want;
      }
    });
    var shown = Math.min(matching, t.limit);
    field("no-" + t.kind).hidden = matching > 0;
    t.more.hidden = matching <= t.limit;
    var name = t.kind.charAt(0).toUpperCase() + t.kind.slice(1);
    field("status-" + t.kind).textContent = name + ": " + matching + " of " + t.items.length +
      " match" + (shown < matching ? ", the first " + shown + " shown" : "") + ".";
  }
  function apply() {
    var words = field("q").value.toLowerCase().split(/\\s+/).filter(Boolean);
    var capability = field("capability").value;
    var provider = field("provider").value;
    var workspace = field("workspace").value;
    sortModels(field("sort").value);
    show(models, function (m) {
      return matchesText(m, words) &&
        (!capability || m.capabilities.indexOf(capability) >= 0) &&
        (!provider || m.providers.indexOf(provider) >= 0) &&
        (!workspace || m.workspace === workspace);
    });
    show(providers, function (p) {
      return matchesText(p, words) &&
        (!provider || p.id === provider) &&
        (!workspace || p.workspace === workspace) &&
        (!capability || p.models.some(function (id) {
          return capabilitiesOf[id].indexOf(capability) >= 0;
        }));
    });
  }
  function refilter() {
    models.limit = PAGE;
    providers.limit = PAGE;
    apply();
  }
  // A link to a row that is not shown (a model on a later page) shows that row.
  function reveal() {
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === "TR" && target.hidden) {
      target.hidden = false;
      [models, providers].forEach(function (t) {
        t.items.forEach(function (item) { if (row(t, item) === target) { item.shown = true; } });
      });
      target.scrollIntoView();
    }
  }
  form.addEventListener("input", refilter);
  form.addEventListener("change", refilter);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { setTimeout(refilter, 0); });
  window.addEventListener("hashchange", reveal);
  // a browser may restore the form's values on going back: show what they select
  if (field("q").value || field("capability").value || field("provider").value ||
      field("workspace").value || field("sort").value !== "id") {
    refilter();
  }
  reveal();
})();
"""
