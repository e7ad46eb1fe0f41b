"""Rules over the whole registry: layout, unique ids, references, cycles.

They work on facts (kind, id, references) of the files that passed the schema, never on YAML.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

KIND_FOLDERS = {"Provider": "providers", "Model": "models"}
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Facts:
    """What the cross-file rules need of one valid definition file."""

    index: int  # position of the file in the check, to attach findings
    rel: PurePosixPath | None  # path inside the registry; None for a file outside any registry
    kind: str
    workspace: str
    name: str
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.workspace}/{self.name}"


@dataclass(frozen=True)
class CrossFinding:
    index: int
    rule: str
    pointer: str
    message: str


def expected_path(kind: str, workspace: str, name: str) -> PurePosixPath:
    return PurePosixPath(workspace, KIND_FOLDERS[kind], f"{name}.yaml")


def path_mismatch(facts: Facts) -> Iterator[CrossFinding]:
    if facts.rel is None:
        return
    expected = expected_path(facts.kind, facts.workspace, facts.name)
    actual = facts.rel
    if actual.suffix == ".yml":
        expected = expected.with_suffix(".yml")
    if actual == expected:
        return
    parts = actual.parts
    if len(parts) != 3:
        pointer, why = "", "it is not at <workspace>/<providers|models>/<name>.yaml"
    elif parts[0] != facts.workspace:
        pointer, why = (
            "/workspace",
            f"its folder is {parts[0]!r} but workspace is {facts.workspace!r}",
        )
    elif parts[1] != KIND_FOLDERS[facts.kind]:
        pointer, why = (
            "/kind",
            f"a {facts.kind} belongs in {KIND_FOLDERS[facts.kind]}/, not {parts[1]}/",
        )
    else:
        pointer, why = "/name", f"its file name is {actual.stem!r} but name is {facts.name!r}"
    yield CrossFinding(
        facts.index, "path-mismatch", pointer, f"{why}; expected the file at {expected}"
    )


def duplicate_ids(files: Sequence[Facts]) -> Iterator[CrossFinding]:
    first: dict[tuple[str, str], Facts] = {}
    for facts in sorted(files, key=lambda f: (str(f.rel), f.index)):
        key = (facts.kind, facts.id.casefold())
        earlier = first.get(key)
        if earlier is None:
            first[key] = facts
            continue
        same = earlier.id == facts.id
        what = "the same id" if same else f"an id that differs only in case ({earlier.id})"
        yield CrossFinding(
            facts.index,
            "duplicate-id",
            "/name",
            f"{facts.kind} {facts.id} has {what} as {earlier.rel}; ids are unique per kind, "
            "ignoring case",
        )


def references(files: Sequence[Facts], defined_models: set[str]) -> Iterator[CrossFinding]:
    """References that resolve to no model. ``defined_models`` also holds the ids of model files
    that failed the schema: they are reported on their own, not as missing."""
    models = {f.id: f for f in files if f.kind == "Model"}
    providers = {f.id: f for f in files if f.kind == "Provider"}
    for facts in files:
        if facts.kind == "Model" and facts.data.get("preferred_providers"):
            yield from _preferred(facts, models, providers)
        if facts.kind == "Provider":
            for index, entry in enumerate(facts.data.get("served_models") or []):
                target = entry["model_entity_id"]
                if target not in defined_models:
                    yield CrossFinding(
                        facts.index,
                        "unresolved-reference",
                        f"/served_models/{index}/model_entity_id",
                        f"served model {target!r} is not defined{_suggest(target, models)}",
                    )
        else:
            base = facts.data.get("base_model_id")
            if base is not None and base not in defined_models:
                yield CrossFinding(
                    facts.index,
                    "unresolved-reference",
                    "/base_model_id",
                    f"base model {base!r} is not defined{_suggest(base, models)}",
                )
    yield from _cycles(models)


def _preferred(
    facts: Facts, models: dict[str, Facts], providers: dict[str, Facts]
) -> Iterator[CrossFinding]:
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
        yield CrossFinding(
            facts.index, "unresolved-reference", f"/preferred_providers/{index}", message
        )


def _suggest(target: str, known: dict[str, Facts]) -> str:
    import difflib

    close = difflib.get_close_matches(target, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _cycles(models: dict[str, Facts]) -> Iterator[CrossFinding]:
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
            yield CrossFinding(
                models[member].index,
                "reference-cycle",
                "/base_model_id",
                f"base_model_id chain loops: {text}",
            )


def run(files: Sequence[Facts], defined_models: set[str]) -> list[CrossFinding]:
    found: list[CrossFinding] = []
    for facts in files:
        found.extend(path_mismatch(facts))
    in_registry = [f for f in files if f.rel is not None]
    found.extend(duplicate_ids(in_registry))
    if in_registry:
        valid_models = {f.id for f in in_registry if f.kind == "Model"}
        found.extend(references(in_registry, defined_models | valid_models))
    return found
