"""What a change of the registry changes, field by field, and its Markdown for a pull request.

:func:`compare` goes further than :func:`llmreg.watch.diff` (which compares config hashes): for
each changed definition it lists the fields that differ in the canonical form (the one the
config_hash is taken over, so a field is listed exactly when it moves the hash), and it lists
the models whose route changes: another provider, served name, endpoint, headers or body, or
the same provider with a changed definition (a timeout, retries, a proxy).

Secrets are referenced by name in a registry and stay names here. Any string that still looks
like a credential (a valid registry has none: ``inline-secret`` is an error) is replaced by
``<redacted>``, and routes are resolved with a stand-in that names the secret instead of a value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmreg.models import Model, Provider
    from llmreg.registry import Registry


class _Absent:
    """No value on one side of a change: a field at its default, or a list without the item."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __repr__(self) -> str:
        return self.label


ABSENT: Any = _Absent("not set")
NOT_LISTED: Any = _Absent("not in the list")
KINDS = ("Provider", "Model")


@dataclass(frozen=True)
class FieldChange:
    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Changed:
    kind: str
    id: str
    old_hash: str
    new_hash: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class Present:
    """A definition only one side has."""

    kind: str
    id: str
    config_hash: str
    summary: str


@dataclass(frozen=True)
class RouteChange:
    model_id: str
    old: str
    new: str
    why: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    old_hash: str
    new_hash: str
    added: tuple[Present, ...]
    removed: tuple[Present, ...]
    changed: tuple[Changed, ...]
    routes: tuple[RouteChange, ...]

    @property
    def equal(self) -> bool:
        return not (self.added or self.removed or self.changed)


# -- fields ---------------------------------------------------------------------------------------

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _step(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _NAME.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _scrub(value: Any) -> Any:
    from llmreg.secrets import credential_in_header, key_shape, url_credentials

    if isinstance(value, str):
        secret = key_shape(value) or credential_in_header(value) or url_credentials(value)
        return "<redacted>" if secret else value
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def field_changes(old: Any, new: Any, path: str = "") -> Iterator[FieldChange]:
    """The leaves that differ between two canonical JSON values, in document order.

    Objects recurse key by key (a key one side lacks is ABSENT); lists of equal length recurse
    by index; lists of different lengths give one change per element removed or added (the
    other side NOT_LISTED).
    """
    if old == new:
        return
    if isinstance(old, dict | _Absent) and isinstance(new, dict | _Absent):
        before = old if isinstance(old, dict) else {}
        after = new if isinstance(new, dict) else {}
        for key in [*before, *(k for k in after if k not in before)]:
            yield from field_changes(
                before.get(key, ABSENT), after.get(key, ABSENT), _step(path, key)
            )
        return
    if isinstance(old, list) and isinstance(new, list):
        if len(old) == len(new):
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                yield from field_changes(a, b, _step(path, index))
            return
        left = list(new)
        for index, item in enumerate(old):
            if item in left:
                left.remove(item)
            else:
                yield FieldChange(_step(path, index), item, NOT_LISTED)
        kept = list(old)
        for index, item in enumerate(new):
            if item in kept:
                kept.remove(item)
            else:
                yield FieldChange(_step(path, index), NOT_LISTED, item)
        return
    yield FieldChange(path, old, new)


def _canonical(definition: Provider | Model) -> dict[str, Any]:
    from llmreg.hashing import normalize

    canonical: dict[str, Any] = _scrub(normalize(definition))
    return canonical


# -- routes ---------------------------------------------------------------------------------------


class _NamedSecrets(Mapping[str, str]):
    """Secrets by name only: a route is resolved with ``<secret NAME>`` in place of a value."""

    def __getitem__(self, name: str) -> str:
        return f"<secret {name}>"

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass(frozen=True)
class _Route:
    provider_id: str | None
    served_name: str
    base_url: str
    headers: tuple[tuple[str, str], ...]
    body: str
    problem: str | None

    def describe(self) -> str:
        if self.provider_id is None:
            return f"not routable: {self.problem}"
        return f"{self.provider_id} as {self.served_name}"


def _route(registry: Registry, model_id: str) -> _Route:
    from llmreg.errors import RouteError

    try:
        route = registry.resolve(model_id, secrets=_NamedSecrets())
    except (RouteError, KeyError) as exc:
        message = exc.args[0] if exc.args else exc.__class__.__name__
        return _Route(None, "", "", (), "", str(message))
    headers = tuple(sorted((k.lower(), v) for k, v in route.headers.items()))
    body = json.dumps(dict(route.body), sort_keys=True, default=str)
    return _Route(route.provider_id, route.served_model_name, route.base_url, headers, body, None)


def _route_differences(old: _Route, new: _Route) -> list[str]:
    found = []
    if old.provider_id != new.provider_id:
        found.append("provider")
    if old.served_name != new.served_name:
        found.append("served model name")
    if old.base_url != new.base_url:
        found.append("endpoint")
    before, after = dict(old.headers), dict(new.headers)
    names = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if names:
        found.append("headers " + ", ".join(names))
    if old.body != new.body:
        found.append("body")
    return found


def _route_changes(
    old: Registry, new: Registry, touched_providers: dict[str, str]
) -> list[RouteChange]:
    """Models on both sides whose route differs or goes through a changed provider."""
    both = sorted({m.id for m in old.models()} & {m.id for m in new.models()})
    changes = []
    for model_id in both:
        before, after = _route(old, model_id), _route(new, model_id)
        why = _route_differences(before, after)
        if before.problem != after.problem and not why:
            why.append("routability")
        through = [
            p
            for p in dict.fromkeys((before.provider_id, after.provider_id))
            if p in touched_providers
        ]
        if not why and not through:
            continue
        reasons = [f"provider {p} {touched_providers[p]}" for p in through if p is not None]
        if why:
            reasons.append("route: " + "; ".join(why) + " changed")
        changes.append(RouteChange(model_id, before.describe(), after.describe(), tuple(reasons)))
    return changes


# -- comparing ------------------------------------------------------------------------------------


def _summary(definition: Provider | Model) -> str:
    from llmreg.models import Provider

    if isinstance(definition, Provider):
        served = len(definition.served_models)
        return (
            f"{definition.provider_type} at {definition.host_url}, serves {served} "
            f"model{'s' if served != 1 else ''}"
        )
    parts = [definition.display_name or definition.name]
    if definition.base_model_id:
        parts.append(f"derived from {definition.base_model_id}")
    if definition.meta is not None:
        flags = sorted(k for k, v in definition.meta.capabilities.items() if v)
        if flags:
            parts.append(", ".join(flags))
    return "; ".join(parts)


def _what_changed(change: Changed, shown: int = 3) -> str:
    paths = list(dict.fromkeys(f.path for f in change.fields))
    more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
    return "changed: " + ", ".join(paths[:shown]) + more


def compare(old: Registry, new: Registry) -> Comparison:
    """Everything that differs from ``old`` to ``new``, sorted by kind then id."""
    before: dict[tuple[str, str], Provider | Model] = {(d.kind, d.id): d for d in old.definitions()}
    after: dict[tuple[str, str], Provider | Model] = {(d.kind, d.id): d for d in new.definitions()}
    order = {kind: i for i, kind in enumerate(KINDS)}

    def ordered(keys: set[tuple[str, str]]) -> list[tuple[str, str]]:
        return sorted(keys, key=lambda k: (order[k[0]], k[1]))

    added = [
        Present(k[0], k[1], after[k].config_hash, _summary(after[k]))
        for k in ordered(after.keys() - before.keys())
    ]
    removed = [
        Present(k[0], k[1], before[k].config_hash, _summary(before[k]))
        for k in ordered(before.keys() - after.keys())
    ]
    changed = []
    for key in ordered(before.keys() & after.keys()):
        a, b = before[key], after[key]
        if a.config_hash != b.config_hash:
            fields = tuple(field_changes(_canonical(a), _canonical(b)))
            changed.append(Changed(key[0], key[1], a.config_hash, b.config_hash, fields))
    touched = {c.id: _what_changed(c) for c in changed if c.kind == "Provider"}
    touched.update({p.id: "added" for p in added if p.kind == "Provider"})
    touched.update({p.id: "removed" for p in removed if p.kind == "Provider"})
    return Comparison(
        old_hash=old.hash,
        new_hash=new.hash,
        added=tuple(added),
        removed=tuple(removed),
        changed=tuple(changed),
        routes=tuple(_route_changes(old, new, touched)),
    )


# -- JSON -----------------------------------------------------------------------------------------


def _side(change: FieldChange) -> dict[str, Any]:
    """A field change as JSON: a side that is not set or not in the list has no key."""
    out: dict[str, Any] = {"path": change.path}
    if not isinstance(change.old, _Absent):
        out["old"] = change.old
    if not isinstance(change.new, _Absent):
        out["new"] = change.new
    return out


def to_json(comparison: Comparison) -> dict[str, Any]:
    """``llmreg diff --format json``: the [kind, id] lists of the text form, and for each
    changed definition its hashes and the fields that differ (secret values redacted)."""
    return {
        "equal": comparison.equal,
        # sorted as they always were (kind, then id), whatever order the details take
        "added": sorted([p.kind, p.id] for p in comparison.added),
        "removed": sorted([p.kind, p.id] for p in comparison.removed),
        "changed": sorted([c.kind, c.id] for c in comparison.changed),
        "details": [
            {
                "kind": c.kind,
                "id": c.id,
                "old_config_hash": c.old_hash,
                "new_config_hash": c.new_hash,
                "fields": [_side(f) for f in c.fields],
            }
            for c in comparison.changed
        ],
    }


# -- Markdown -------------------------------------------------------------------------------------

MAX_VALUE = 200  # characters of one value in a table cell; the JSON files have the rest


def _code(text: str) -> str:
    """An inline code span that holds ``text`` whatever it contains, safe in a table cell.

    Code spans keep untrusted text from becoming HTML, links or @mentions on GitHub.
    """
    text = text.replace("\r", " ").replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _row(*cells: str) -> str:
    """A table row; ``|`` is escaped in every cell, code spans included (GFM reads the escape
    before the span)."""
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _shortened(text: str) -> str:
    if len(text) > MAX_VALUE:
        return text[: MAX_VALUE - 1] + f"… ({len(text)} characters)"
    return text


def _value(value: Any) -> str:
    if isinstance(value, _Absent):
        return f"*{value.label}*"
    return _code(_shortened(json.dumps(value, ensure_ascii=False, sort_keys=True)))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def to_markdown(
    comparison: Comparison, old_label: str, new_label: str, max_chars: int | None = None
) -> str:
    """The comparison as GitHub-flavoured Markdown (a step summary or a pull-request comment).

    With ``max_chars`` (GitHub refuses comments over 65,536 characters) the text is cut at a
    line and ends with a note saying how much was left out.
    """
    lines = _markdown_lines(comparison, old_label, new_label)
    text = "\n".join(lines)
    if max_chars is None or len(text) <= max_chars:
        return text
    kept, size = 0, 0
    for line in lines:
        # the note takes at most 200 characters
        if size + len(line) + 1 > max_chars - 200:
            break
        size += len(line) + 1
        kept += 1
    note = (
        f"*Cut to stay within {max_chars:,} characters: {len(lines) - kept} of {len(lines)} "
        "lines left out. `llmreg diff` with `--max-chars 0` prints all of it.*"
    )
    return "\n".join([*lines[:kept], "", note, ""])


def _markdown_lines(comparison: Comparison, old_label: str, new_label: str) -> list[str]:
    c = comparison
    lines = [
        "## llmreg: registry changes",
        "",
        f"{_code(old_label)} → {_code(new_label)}: "
        f"{len(c.added)} added, {len(c.removed)} removed, {len(c.changed)} changed.",
        "",
        f"Registry hash {_code(c.old_hash)} → {_code(c.new_hash)}",
        "",
    ]
    if c.equal:
        lines += ["No definition changed.", ""]
        return lines
    for kind, title in (("Provider", "Providers"), ("Model", "Models")):
        added = [p for p in c.added if p.kind == kind]
        removed = [p for p in c.removed if p.kind == kind]
        changed = [x for x in c.changed if x.kind == kind]
        if not (added or removed or changed):
            continue
        lines += [f"### {title}", ""]
        if added:
            lines += [f"**Added** ({len(added)})", ""]
            lines += [
                f"- {_code(p.id)}: {_code(_shortened(p.summary))}, {_code(p.config_hash)}"
                for p in added
            ]
            lines.append("")
        if removed:
            lines += [f"**Removed** ({len(removed)})", ""]
            lines += [
                f"- {_code(p.id)}: {_code(_shortened(p.summary))}, was {_code(p.config_hash)}"
                for p in removed
            ]
            lines.append("")
        if changed:
            lines += [f"**Changed** ({len(changed)})", ""]
            for x in changed:
                lines += [
                    f"#### {_code(x.id)}",
                    "",
                    f"config_hash {_code(x.old_hash)} → {_code(x.new_hash)}",
                    "",
                    "| field | before | after |",
                    "|---|---|---|",
                ]
                lines += [_row(_code(f.path), _value(f.old), _value(f.new)) for f in x.fields]
                lines.append("")
    if c.routes:
        lines += [
            "### Routes",
            "",
            f"{_count(len(c.routes), 'model')} whose call goes another way or through a "
            "changed provider:",
            "",
            "| model | before | after | why |",
            "|---|---|---|---|",
        ]
        lines += [
            _row(
                _code(r.model_id),
                _code(_shortened(r.old)),
                _code(_shortened(r.new)),
                "<br>".join(_code(_shortened(w)) for w in r.why),
            )
            for r in c.routes
        ]
        lines.append("")
    return lines
