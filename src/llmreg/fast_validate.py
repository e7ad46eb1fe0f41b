"""A compiled fast path for the schema verdict; ``llmreg.validate`` stays the reference.

``jsonschema-rs`` answers "is this document valid?" about a hundred times faster than
``jsonschema``. It is trusted only for that yes: a document it rejects is validated again by the
reference, which writes the messages and has the last word. Where the two could disagree on a
yes, the fast path declines to answer:

- JSON Schema counts 30.0 as an integer and jsonschema-rs follows it, while llmreg's reference
  (like the strict pydantic models) does not. The fast path therefore sees every integral float
  x as x + 0.5: never an integer, and on the same side of every bound as x, which holds as long
  as the schema's bounds are integers with no exclusive bounds, multipleOf or numeric enums.
  That is checked when the validator is built; for another schema, documents holding an
  integral float are left to the reference.
- Integers beyond 2**53 may be compared as doubles by a compiled validator: left to the
  reference too.
- Infinities and NaN (which JSON cannot hold) are left to the reference.
- The ``date`` format is checked by the same test the reference uses (an ASCII YYYY-MM-DD that
  ``date.fromisoformat`` accepts).

``tests/validate/test_fast_validate.py`` shows both give the same verdict on every golden example.
"""

from __future__ import annotations

import datetime
import math
import re
from functools import cache
from typing import Any

from llmreg.constants import SAFE_INTEGER

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _is_date(text: str) -> bool:
    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _shift_is_safe(schema: Any) -> bool:
    """Whether seeing an integral float x as x + 0.5 keeps every verdict but "is an integer"."""
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            if key in ("exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
                return False
            if key in ("minimum", "maximum") and not (
                _is_number(value) and float(value).is_integer()
            ):
                return False
            if key == "const" and _is_number(value):
                return False
            if key == "enum" and isinstance(value, list) and any(map(_is_number, value)):
                return False
            stack.append(value)
    return True


@cache
def _compiled(kind: str) -> tuple[Any, bool]:
    """The compiled validator for 'provider' or 'model' (None without jsonschema-rs), and
    whether integral floats may be shifted for it."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a platform without a jsonschema-rs wheel
        return None, False
    from llmreg import schemas

    schema = schemas.packaged(kind)
    compiled = jsonschema_rs.validator_for(
        schema, validate_formats=True, formats={"date": _is_date}
    )
    return compiled, _shift_is_safe(schema)


class _Declined(Exception):
    """The document holds a number the fast path cannot judge like the reference."""


def _shifted_number(value: Any) -> Any:
    """A scalar as the fast path sees it (see _shifted)."""
    kind = type(value)
    if kind is float:
        if not math.isfinite(value):
            raise _Declined  # JSON has no such number; the reader reports it anyway
        if value.is_integer():
            if not -SAFE_INTEGER < value < SAFE_INTEGER:
                raise _Declined
            return value + 0.5
    elif kind is int and not -SAFE_INTEGER < value < SAFE_INTEGER:
        raise _Declined
    return value


def _shifted(value: Any) -> Any:
    """``value`` with every integral float x seen as x + 0.5; _Declined for numbers beyond 2**53
    and non-finite ones. What holds no integral float is shared, not copied: a document
    without one comes back as the same object, in one pass over it."""
    if type(value) is dict:
        pairs: Any = value.items()
    elif type(value) is list:
        pairs = enumerate(value)
    else:
        return _shifted_number(value)
    copied: Any = None
    for key, item in pairs:
        kind = type(item)
        if kind is dict or kind is list:
            new = _shifted(item)
        elif kind is float or kind is int:
            new = _shifted_number(item)
        else:
            continue
        if new is not item:
            if copied is None:
                copied = dict(value) if type(value) is dict else list(value)
            copied[key] = new
    return value if copied is None else copied


def is_valid(kind: str, data: Any) -> bool | None:
    """True: valid for certain. False or None: ask the reference (rejected, or no answer)."""
    compiled, shift_is_safe = _compiled(kind)
    if compiled is None:
        return None
    try:
        shifted = _shifted(data)
        if shifted is not data:
            if not shift_is_safe:
                return None
            data = shifted
        return bool(compiled.is_valid(data))
    except (_Declined, ValueError, TypeError, OverflowError, RecursionError):
        return None
