"""The one normalization: a definition's canonical form, its config_hash and the registry hash.

``docs/config-hash.md`` is the specification. In short::

    canonical  = RFC 8785 (JCS) of the definition dumped as JSON without fields at their default
    config_hash = "sha256:" + hex(SHA-256(canonical))

Every path that hashes (``llmreg check``/``hash`` from a document, the runtime from a definition,
snapshots) goes through :func:`canonical_bytes`; a document is first validated into its pydantic
definition, so the two can never disagree.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from llmreg.constants import SAFE_INTEGER

if TYPE_CHECKING:
    from pydantic import BaseModel

    from llmreg.models import Model, Provider

ALGORITHM = "sha256"
PREFIX = ALGORITHM + ":"


class HashError(ValueError):
    """A value has no canonical JSON form (NaN, infinity, an integer beyond +-2**53)."""

    def __init__(self, message: str, pointer: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer


def normalize(definition: BaseModel) -> dict[str, Any]:
    """The canonical JSON value of a validated definition.

    Fields at their default value are dropped, whether omitted or written out (``null`` for an
    optional field, ``enabled: true``, ``params: {}``), at every level of nesting. That is what
    makes an explicit default hash like an omitted one, and what keeps the hash of existing files
    when a later release adds an optional field.
    """
    from pydantic_core import to_jsonable_python

    # Dump in python mode and check before converting: JSON mode would silently write NaN and
    # infinity as null, so `budget_limit: .inf` would hash like no limit at all.
    data = definition.model_dump(exclude_defaults=True)
    for where, why in non_canonical_values(data):
        raise HashError(f"no canonical JSON form: {why}", where)
    result: dict[str, Any] = to_jsonable_python(data)
    return result


def non_canonical_values(value: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """JSON Pointers and reasons of the numbers RFC 8785 cannot represent exactly."""
    from llmreg.diagnostics import pointer_join

    stack: list[tuple[Any, str]] = [(value, pointer)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, bool) or item is None or isinstance(item, str):
            continue
        if isinstance(item, int):
            if not -SAFE_INTEGER < item < SAFE_INTEGER:
                yield where, f"the integer {item} is beyond the exact JSON range of +-(2**53 - 1)"
        elif isinstance(item, float):
            if not math.isfinite(item):
                yield where, f"{item} is not a JSON number"
        elif isinstance(item, dict):
            stack.extend((v, pointer_join(where, k)) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((v, pointer_join(where, i)) for i, v in reversed(list(enumerate(item))))


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes of a JSON value; :class:`HashError` names the first offending value."""
    import rfc8785

    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        for where, why in non_canonical_values(value):
            raise HashError(f"no canonical JSON form: {why}", where) from exc
        raise HashError(f"no canonical JSON form: {exc}") from exc


def canonical_bytes(definition: BaseModel) -> bytes:
    """The exact bytes a config_hash is taken over (and a snapshot stores)."""
    return canonical_json(normalize(definition))


def digest(canonical: bytes | memoryview) -> str:
    return PREFIX + hashlib.sha256(canonical).hexdigest()


def config_hash(definition: BaseModel) -> str:
    """``sha256:<hex>`` of the definition's canonical form."""
    return digest(canonical_bytes(definition))


def definition_from_data(kind: str, data: dict[str, Any]) -> Provider | Model:
    """Validate a schema-valid document into its definition (raises pydantic's ValidationError)."""
    from llmreg.models import MODEL_BY_KIND

    return MODEL_BY_KIND[kind].model_validate(data)


def config_hash_of_data(kind: str, data: dict[str, Any]) -> str:
    """The config_hash of a document: the same function as for a definition, by construction."""
    return config_hash(definition_from_data(kind, data))


# Kinds are fixed words, ids match the ENTITY_ID pattern and hashes are "sha256:<hex>": for such
# strings compact json.dumps output is byte for byte the RFC 8785 form (no escapes, no numbers,
# no keys), and it is ~50x faster than the pure-Python canonicalizer on 10,000 entries.
_PLAIN = re.compile(r"^[A-Za-z0-9_./:-]*$")


def registry_canonical(entries: Iterable[tuple[str, str, str]]) -> bytes:
    """The RFC 8785 text of the sorted ``[kind, id, config_hash]`` list the registry hash covers.

    A snapshot stores exactly these bytes as its index, so a reader verifies the registry hash
    with one SHA-256 over them.
    """
    rows = sorted(entries)
    if all(_PLAIN.match(part) for row in rows for part in row):
        return json.dumps(rows, separators=(",", ":")).encode("ascii")
    return canonical_json([list(row) for row in rows])


def registry_hash(entries: Iterable[tuple[str, str, str]]) -> str:
    """``sha256:<hex>`` over the RFC 8785 form of the sorted ``[kind, id, config_hash]`` list."""
    return digest(registry_canonical(entries))
