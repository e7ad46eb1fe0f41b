"""JSON Schema validation of one document, with each problem turned into a readable finding.

The schema rule's check: like every rule it yields :class:`llmreg.rules.Hit` (where and what),
and the per-file stage stamps the id and places it.

The reference validator is ``jsonschema`` against the schema shipped in the package (exported
from the pydantic models). Two settings make it agree with the strict pydantic models: an
integer is an int, never a float such as 30.0, and the ``date`` format is asserted.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from llmreg.diagnostics import pointer_join, pointer_tokens
from llmreg.rules import Hit
from llmreg.secrets import redact

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator


_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}
_SECRET_KEY_HINTS = {
    "password": "password_secret_name",
    "api_key": "api_key_secret_name",
    "apikey": "api_key_secret_name",
    "api-key": "api_key_secret_name",
    "key": "api_key_secret_name",
    "token": "api_key_secret_name",
    "secret": "api_key_secret_name",
}


@cache
def validator(kind: str) -> Validator:
    """A cached validator for 'provider' or 'model'."""
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.validators import extend

    from llmreg import schemas

    def is_strict_integer(checker: Any, instance: object) -> bool:
        return isinstance(instance, int) and not isinstance(instance, bool)

    type_checker = Draft202012Validator.TYPE_CHECKER.redefine("integer", is_strict_integer)
    strict = extend(Draft202012Validator, type_checker=type_checker)  # type: ignore[no-untyped-call]
    return strict(schemas.packaged(kind), format_checker=FormatChecker(["date"]))  # type: ignore[no-any-return]


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {redact(value)!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the number {value!r}"


def _field(pointer: str) -> str:
    if not pointer:
        return "the document"
    tokens = pointer_tokens(pointer)
    # a list item is named after its list ("served_models[0]"), a bare index says nothing
    indexes = ""
    while tokens and tokens[-1].isdigit():
        indexes = f"[{tokens.pop()}]{indexes}"
    if not tokens:
        return f"the document{indexes}"
    return (tokens[-1] or "the value") + indexes


def _pointer(error: ValidationError) -> str:
    pointer = ""
    for token in error.absolute_path:
        pointer = pointer_join(pointer, token)
    return pointer


def _expected_types(schema_type: object) -> list[str]:
    types = schema_type if isinstance(schema_type, list) else [schema_type]
    return [_TYPE_NAMES.get(str(t), str(t)) for t in types]


def _type_hint(value: object, expected: list[str], yaml11_note: str | None) -> str:
    if isinstance(value, str) and yaml11_note and "true or false" in expected:
        return f" (YAML 1.2 reads {value!r} as a string; write true or false)"
    if isinstance(value, str) and ("an integer" in expected or "a number" in expected):
        try:
            float(value)
        except ValueError:
            return ""
        return " (remove the quotes to write a number)"
    if isinstance(value, str) and "true or false" in expected and value in ("true", "false"):
        return " (remove the quotes to write a boolean)"
    if isinstance(value, float) and "an integer" in expected and value.is_integer():
        return f" (write {int(value)} without the decimal point)"
    return ""


def _nullable_branch(error: ValidationError) -> list[ValidationError] | None:
    """For an optional field (anyOf [X, null]), the errors of the X branch alone."""
    branches: Any = error.validator_value
    if not isinstance(branches, list) or len(branches) != 2:
        return None
    null_index = [i for i, b in enumerate(branches) if b == {"type": "null"}]
    if not null_index:
        return None
    keep = 1 - null_index[0]
    return [e for e in (error.context or []) if e.schema_path and e.schema_path[0] == keep]


def _translate(error: ValidationError, yaml11: dict[str, str]) -> Iterator[Hit]:
    import difflib  # for the suggestions: a valid file never gets here

    pointer = _pointer(error)
    name = _field(pointer)
    kind = error.validator
    value: Any = error.instance
    schema: Any = error.schema
    limit: Any = error.validator_value
    if kind == "anyOf":
        branch = _nullable_branch(error)
        if branch:
            for sub in _without_redundant_format(branch):
                yield from _translate(sub, yaml11)
            return
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = sorted(schema.get("properties", {}))
        for key in sorted(value):
            if key in schema.get("properties", {}):
                continue
            hint = ""
            replacement = _SECRET_KEY_HINTS.get(key.lower())
            if replacement and replacement in allowed:
                hint = f"; secrets are referenced, never stored: use {replacement}"
            else:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                if close:
                    hint = f"; did you mean {close[0]!r}?"
            where = f"in {name}" if pointer else "at the top level"
            yield Hit(pointer_join(pointer, key), f"unknown key {key!r} {where}{hint}", at_key=True)
        return
    if "propertyNames" in error.relative_schema_path:
        # jsonschema validates each key as an instance of its own, at the mapping's path
        key = str(value)
        yield Hit(
            pointer_join(pointer, key),
            f"key {redact(key)!r} is not allowed in {name}: {_rule_text(error)}",
            at_key=True,
        )
        return
    if kind == "required":
        missing = [k for k in limit if k not in (value or {})]
        for key in missing:
            yield Hit(pointer, f"missing required key {key!r} in {name}")
        return
    if kind == "type":
        expected = _expected_types(limit)
        hint = _type_hint(value, expected, yaml11.get(pointer))
        yield Hit(pointer, f"{name} must be {' or '.join(expected)}, not {_describe(value)}{hint}")
        return
    if kind in ("enum", "const"):
        options = limit if kind == "enum" else [limit]
        shown = ", ".join(str(o) for o in options)
        hint = ""
        if isinstance(value, str):
            close = difflib.get_close_matches(value, [str(o) for o in options], n=1, cutoff=0.6)
            if close:
                hint = f"; did you mean {close[0]!r}?"
        if yaml11.get(pointer) and isinstance(value, str):
            hint += f" ({yaml11[pointer]}; YAML 1.2 reads it as a string)"
        yield Hit(pointer, f"{name} is {_describe(value)}, which is not one of: {shown}{hint}")
        return
    yield Hit(pointer, f"{name}: {_rule_text(error)}")


def _without_redundant_format(errors: list[ValidationError]) -> list[ValidationError]:
    """Drop a format error where the same value also misses its pattern: one finding is enough
    ('1 June 2026' is reported once, as not matching YYYY-MM-DD). Keep one ``required`` error
    per mapping and schema: jsonschema gives one per missing key, and each is translated into
    every missing key of that mapping, so the others would repeat them."""
    patterned = {tuple(e.absolute_path) for e in errors if e.validator == "pattern"}
    kept = []
    required: set[tuple[tuple[Any, ...], tuple[Any, ...]]] = set()
    for e in errors:
        if e.validator == "format" and tuple(e.absolute_path) in patterned:
            continue
        if e.validator == "required":
            where = (tuple(e.absolute_path), tuple(e.absolute_schema_path))
            if where in required:
                continue
            required.add(where)
        kept.append(e)
    return kept


def _rule_text(error: ValidationError) -> str:
    kind = error.validator
    limit: Any = error.validator_value
    value: Any = error.instance
    if kind == "pattern":
        return f"{_describe(value)} does not match the pattern {limit}"
    if kind == "maxLength":
        return f"is {len(value)} characters long; at most {limit} are allowed"
    if kind == "minLength":
        return "must not be empty" if limit == 1 else f"needs at least {limit} characters"
    if kind == "minimum":
        return f"{value!r} is below the minimum {limit}"
    if kind == "maximum":
        return f"{value!r} is above the maximum {limit}"
    if kind == "maxItems":
        return f"has {len(value)} entries; at most {limit} are allowed"
    if kind == "format":
        return f"{_describe(value)} is not a valid {limit} (write YYYY-MM-DD)"
    if kind == "enum":
        return f"{_describe(value)} is not one of: {', '.join(str(o) for o in limit)}"
    return redact(error.message)


def check_document(
    kind: str, data: Any, yaml11: dict[str, str], limit: int | None = None
) -> tuple[list[Hit], int]:
    """The schema problems of ``data`` as a ``kind`` definition, at most ``limit`` of them, and
    how many more there are. The ones past the limit are counted without being written out (a
    message with a suggestion costs a fuzzy match against every known key)."""
    from llmreg import fast_validate

    if fast_validate.is_valid(kind, data):
        return [], 0  # the common case, without importing or running the reference validator
    problems: list[Hit] = []
    more = 0
    for error in _without_redundant_format(list(validator(kind).iter_errors(data))):
        if limit is not None and len(problems) >= limit:
            more += _count(error)
            continue
        for taken, problem in enumerate(_translate(error, yaml11), 1):
            problems.append(problem)
            if limit is not None and len(problems) >= limit:
                more += _count(error) - taken  # the rest, without writing them out
                break
    return problems, more


def _count(error: ValidationError) -> int:
    """How many problems ``_translate`` makes of ``error``, without making them."""
    value: Any = error.instance
    schema: Any = error.schema
    limit: Any = error.validator_value
    if error.validator == "additionalProperties" and isinstance(value, dict):
        known = schema.get("properties", {})
        return sum(1 for key in value if key not in known)
    if error.validator == "required":
        return sum(1 for k in limit if k not in (value or {}))
    if error.validator == "anyOf" and _nullable_branch(error):
        return sum(_count(sub) for sub in _without_redundant_format(_nullable_branch(error) or []))
    return 1
