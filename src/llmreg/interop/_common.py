"""What the four converters share: errors, notes, secret scrubbing and default omission.

Every converter builds a plain document and hands it to :func:`finish`, so the rules that keep
secrets out and defaults omitted are written once, and mirror the checker's ``inline-secret``
rule exactly: what passes here is never reported there.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from llmreg import layout, secrets
from llmreg.diagnostics import pointer_join

Doc = dict[str, Any]
Notes = list[str]


class InteropError(ValueError):
    """The payload or definition cannot be converted; the message is one line for the user,
    with anything secret-shaped redacted (the payload's values end up in it)."""

    def __init__(self, message: str) -> None:
        super().__init__(secrets.scrub(message))


def shown(value: Any) -> str:
    """A payload value for a message: JSON, with anything secret-shaped redacted, on one line.

    JSON escapes only ASCII controls: NEL, U+2028/9 (line breaks to editors and terminals), C1
    controls (terminal escapes) and bidi overrides (reordered text) are escaped here too.
    """
    import json

    if isinstance(value, str):
        text = json.dumps(secrets.redact(value), ensure_ascii=False)
    else:
        text = secrets.redact(json.dumps(value, ensure_ascii=False))
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def shown_name(key: str) -> str:
    """A payload's key (or a pointer made of keys) for a note: as :func:`shown`, unquoted."""
    return shown(key)[1:-1]


# C1 controls, line and paragraph separators, and the format characters that reorder text
_UNPRINTABLE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def check_identifier(value: Any, what: str) -> str:
    """``value`` as a workspace or name, or an error: never a path component like ``..``."""
    from llmreg.models import IDENTIFIER_PATTERN

    if not isinstance(value, str) or not re.match(IDENTIFIER_PATTERN, value):
        raise InteropError(
            f"{what} {shown(value)} cannot be a llmreg {what} (letters, digits, _ - . and not "
            "only dots)"
        )
    return value


def definition_path(registry: Path, kind: str, workspace: Any, name: Any) -> Path:
    """Where a definition lives; refuses any workspace or name that would leave ``registry``."""
    ws = check_identifier(workspace, "workspace")
    nm = check_identifier(name, "name")
    return layout.definition_path(registry, kind, ws, nm)


def check_text(value: Any, where: str = "") -> None:
    """Refuse strings that are not text: JSON allows lone surrogates, UTF-8 files do not."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise InteropError(
                f"{where or 'the payload'} holds a lone surrogate, which is not text"
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, f"a key in {where or 'the payload'}")
            check_text(item, pointer_join(where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_text(item, pointer_join(where, index))


_SURROGATE = re.compile("[\ud800-\udfff]")


def allow_private_network(doc: Doc, notes: Notes | None, system: str) -> None:
    """Set allow_private_network for an endpoint the system reaches on a private network.

    llmreg reports private and plain-http hosts unless the definition allows them; the systems
    whose configuration has no such switch call whatever URL they hold, so the definition
    imported from them says so instead of failing the check.
    """
    from llmreg.rules import FileContext
    from llmreg.rules.per_file import private_network
    from llmreg.settings import DEFAULT_OPTIONS

    if any(private_network(FileContext("Provider", doc, DEFAULT_OPTIONS))):
        network = doc.setdefault("network_config", {})
        if isinstance(network, dict):
            network["allow_private_network"] = True
            note(
                notes,
                f"network_config.allow_private_network set: {system} calls this private or "
                "plain-http endpoint without such a switch",
            )


def note(notes: Notes | None, message: str) -> None:
    if notes is not None:
        notes.append(message)


def need_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InteropError(f"{what} must be a JSON object, not {_json_type(value)}")
    return value


def optional_object(value: Any, what: str) -> dict[str, Any]:
    """An optional object field: null means absent, anything but an object is an error."""
    return {} if value is None else need_object(value, what)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def copy_set(source: dict[str, Any], target: Doc, keys: tuple[str, ...]) -> None:
    """Copy the keys that are set (JSON null means "not set" and is omitted)."""
    for key in keys:
        if source.get(key) is not None:
            target[key] = source[key]


def drop_fields(
    payload: dict[str, Any], fields: tuple[str, ...], notes: Notes | None, why: str
) -> None:
    present = [f for f in fields if f in payload]
    if present:
        note(notes, f"dropped {', '.join(present)}: {why}")


def unknown_fields(payload: dict[str, Any], known: set[str], notes: Notes | None) -> None:
    extra = sorted(k for k in payload if k not in known)
    if extra:
        note(notes, f"not imported (no llmreg field): {', '.join(map(shown_name, extra))}")


def secret_name(base: str, suffix: str) -> str:
    """An environment-variable style secret name such as ``OPENAI_PROXY_PASSWORD``."""
    stem = re.sub(r"[^A-Za-z0-9]+", "_", base).strip("_").upper() or "PROVIDER"
    if not (stem[0].isalpha() or stem[0] == "_"):
        stem = "_" + stem
    return f"{stem}_{suffix}"


def scrub(doc: Doc, notes: Notes | None) -> None:
    """Remove every secret the inline-secret rule would report (``secrets.locate``, the same
    detector), noting each removal."""
    # deepest and last first, so that removing one never moves another
    for leak in sorted(secrets.locate(doc), key=lambda leak: _order(leak.path), reverse=True):
        parent: Any = doc
        try:
            for token in leak.path[:-1]:
                parent = parent[token]
            del parent[leak.path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # removed already, with the key that held it
        note(notes, _dropped(leak))


def _order(path: tuple[Any, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, t, "") if isinstance(t, int) else (1, 0, str(t)) for t in path)


def _dropped(leak: secrets.Leak) -> str:
    if leak.how in ("header", "header-value"):
        name, header = leak.path
        return (
            f"dropped {name}.{shown_name(header)}: it carries a credential; set "
            "api_key_secret_name (and auth_header_format) to send the key from a secret instead"
        )
    if leak.how == "credential-key":
        dotted = "".join(f"[{t}]" if isinstance(t, int) else f".{t}" for t in leak.path)
        return f"dropped {shown_name(dotted[1:])}: it holds a credential, never imported"
    # a note names where, never what: shown_name redacts a path through a secret-shaped key
    pointer = shown_name("".join(pointer_join("", token) for token in leak.path))
    if leak.at_key:
        return f"dropped {pointer}: the key looks like {leak.what}"
    return f"dropped {pointer}: the value looks like {leak.what}"


def finish(doc: Doc, notes: Notes | None) -> Doc:
    """Scrub secrets, then omit defaults and order keys as the model declares them.

    A document the model rejects is returned as built (secrets scrubbed): the checker then
    explains what is wrong with it, at its line, instead of a conversion error.
    """
    from pydantic import ValidationError

    from llmreg.models import MODEL_BY_KIND

    doc = copy.deepcopy(doc)  # it shares values with the caller's payload; scrub edits it
    scrub(doc, notes)
    try:
        definition = MODEL_BY_KIND[doc["kind"]].model_validate(doc)
    except ValidationError:
        return doc
    result: Doc = definition.model_dump(mode="json", exclude_defaults=True)
    return result
