"""Where the registry rules' pointers start in a plain file, without the reference reader.

The fast reader (``fast_source``) keeps no positions, and the reference reader costs about four
times as much. A registry finding (an unresolved reference, a duplicate id) on a file the fast
reader read must still be placed where the reference reader would place it, and without reading
the file again in a later run (issue 10: each file read and parsed once per run). So the stage
records where each of ``llmreg.rules.fact_pointers`` starts, and for a file the fast reader read
they are found here, in its text.

Only block mappings and block sequences, plain and single-line quoted scalars and flow
sequences of scalars on one line are followed; anything else (flow mappings, block scalars
holding a wanted pointer, an empty value, a key that is not simple) answers None, and the
finding is then placed by reading the file with the reference reader. The answer agrees with
``source.parse`` wherever it is given: ``tests/reader/test_locate.py`` compares both on the
golden examples, the bundled and generated registries and a grammar of tricky texts.
"""

from __future__ import annotations

from collections.abc import Iterable

Where = tuple[int, int]  # 1-based line and column, as llmreg.source.Position


class _Decline(Exception):
    """The text uses something this module does not follow."""


class _Line:
    __slots__ = ("indent", "number", "text")

    def __init__(self, number: int, indent: int, text: str) -> None:
        self.number = number  # 1-based
        self.indent = indent  # 0-based column of the first character of ``text``
        self.text = text  # from the first non-space character, comment not removed


def locate(text: str, pointers: Iterable[str]) -> dict[str, Where] | None:
    """The (line, column) where the value at each of ``pointers`` starts, or None when one of
    them cannot be told for sure. ``text`` is a file the fast reader accepted."""
    try:
        lines = _lines(text)
        table: dict[str, Where] = {}
        if not lines:
            return None
        _block(lines, 0, len(lines), "", table)
    except _Decline:
        return None
    found: dict[str, Where] = {}
    for pointer in pointers:
        where = table.get(pointer)
        if where is None:
            return None
        found[pointer] = where
    return found


def _lines(text: str) -> list[_Line]:
    out = []
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw[:-1] if raw.endswith("\r") else raw
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        if line.startswith(("---", "...", "%")):
            raise _Decline
        out.append(_Line(number, len(line) - len(stripped), stripped))
    return out


def _block(lines: list[_Line], start: int, end: int, pointer: str, table: dict[str, Where]) -> None:
    """The block node made of ``lines[start:end]`` (all at or deeper than the first's
    indentation), at ``pointer``."""
    first = lines[start]
    table[pointer] = (first.number, first.indent + 1)
    if first.text.startswith("- ") or first.text == "-":
        _sequence(lines, start, end, first.indent, pointer, table)
    else:
        _mapping(lines, start, end, first.indent, pointer, table)


def _children(lines: list[_Line], start: int, end: int, indent: int) -> list[int]:
    """The lines of ``lines[start:end]`` at exactly ``indent``: the entries of one block
    collection. A line less indented than that inside the range is not YAML we follow."""
    found = []
    for index in range(start, end):
        line = lines[index]
        if line.indent == indent:
            found.append(index)
        elif line.indent < indent:
            raise _Decline
    return found


def _sequence(
    lines: list[_Line], start: int, end: int, indent: int, pointer: str, table: dict[str, Where]
) -> None:
    entries = _children(lines, start, end, indent)
    for number, (index, stop) in enumerate(zip(entries, [*entries[1:], end], strict=True)):
        line = lines[index]
        if not (line.text.startswith("- ") or line.text == "-"):
            raise _Decline  # a mapping key beside the entries of a sequence
        rest = line.text[1:]
        inner = len(rest) - len(rest.lstrip(" "))
        content = rest[inner:]
        child = f"{pointer}/{number}"
        column = line.indent + 1 + inner  # 0-based column of the entry's content
        if not content or content.startswith("#"):
            if index + 1 >= stop:
                raise _Decline  # an empty entry (null)
            _block(lines, index + 1, stop, child, table)
        elif content.startswith("- ") or content == "-" or _key_end(content) is not None:
            # a compact collection in the entry ('- key: value', '- - a'): its later lines
            # sit at the column of its first
            shifted = [_Line(line.number, column, content), *lines[index + 1 : stop]]
            _block(shifted, 0, len(shifted), child, table)
        else:
            _value(content, line.number, column, child, table)


def _mapping(
    lines: list[_Line], start: int, end: int, indent: int, pointer: str, table: dict[str, Where]
) -> None:
    # a sequence may sit at its key's indentation ('key:' then '- a'): its lines are not keys
    entries = [
        i
        for i in _children(lines, start, end, indent)
        if not (lines[i].text.startswith("- ") or lines[i].text == "-")
    ]
    if not entries or entries[0] != start:
        raise _Decline
    for index, stop in zip(entries, [*entries[1:], end], strict=True):
        line = lines[index]
        split = _key_end(line.text)
        if split is None:
            raise _Decline
        key, value_at = split
        child = pointer + "/" + key.replace("~", "~0").replace("/", "~1")
        rest = line.text[value_at:]
        content = rest.lstrip(" ")
        if not content or content.startswith("#"):
            if index + 1 >= stop:
                raise _Decline  # an empty value (null)
            _block(lines, index + 1, stop, child, table)
        else:
            if any(lines[i].indent <= indent for i in range(index + 1, stop)):
                raise _Decline  # a sequence entry after a value: not YAML we follow
            column = line.indent + value_at + (len(rest) - len(content))
            _value(content, line.number, column, child, table)


def _key_end(text: str) -> tuple[str, int] | None:
    """The key of a ``key: value`` line and the offset just after its colon, for a plain key or
    a quoted key without escapes; None when the line is not one."""
    first = text[:1]
    if first in ("'", '"'):
        close = text.find(first, 1)
        if close < 0 or "\\" in text[1:close] or text[close + 1 : close + 2] == first:
            raise _Decline  # an escape or a doubled quote: not followed
        if text[close + 1 : close + 2] != ":" or text[close + 2 : close + 3] not in ("", " "):
            return None
        return text[1:close], close + 2
    if first in "[]{},#&*!|>%@`" or (first in "-?:" and text[1:2] in ("", " ")):
        return None
    at = 0
    while True:
        at = text.find(":", at)
        if at < 0:
            return None
        if text[at + 1 : at + 2] in ("", " "):
            key = text[:at]
            if " #" in key or key != key.rstrip(" "):
                raise _Decline
            return key, at + 1
        at += 1


def _value(content: str, number: int, column: int, pointer: str, table: dict[str, Where]) -> None:
    """A value that starts on its key's line, at 0-based ``column``. Inside a flow mapping
    nothing is recorded: a wanted pointer below one is missing, and ``locate`` answers None."""
    table[pointer] = (number, column + 1)
    if content.startswith("["):
        _flow_sequence(content, number, column, pointer, table)


def _flow_sequence(
    content: str, number: int, column: int, pointer: str, table: dict[str, Where]
) -> None:
    """``[a, 'b', "c"]`` on one line: where each entry starts."""
    at = 1
    index = 0
    size = len(content)
    while True:
        while at < size and content[at] == " ":
            at += 1
        if at >= size:
            raise _Decline
        char = content[at]
        if char == "]":
            if index == 0:
                return  # '[]'
            raise _Decline  # '[a, ]'
        if char in "[{,":
            raise _Decline
        table[f"{pointer}/{index}"] = (number, column + at + 1)
        if char in ("'", '"'):
            close = content.find(char, at + 1)
            if (
                close < 0
                or "\\" in content[at + 1 : close]
                or content[close + 1 : close + 2] == char
            ):
                raise _Decline
            at = close + 1
        while at < size and content[at] not in ",]":
            if content[at] in "[{}\"'#":
                raise _Decline
            at += 1
        if at >= size:
            raise _Decline
        if content[at] == "]":
            return
        at += 1
        index += 1
