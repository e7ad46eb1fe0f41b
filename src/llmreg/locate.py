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

import re
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


# A line of the root mapping: it starts in the first column with anything but a space, a comment
# or a sequence entry's '- ' (an entry of a sequence written at its key's column)
_TOP = re.compile(r"^(?:[^ \r\n#-]|-[^ \r\n])", re.MULTILINE)


def locate(text: str, pointers: Iterable[str]) -> dict[str, Where] | None:
    """The (line, column) where the value at each of ``pointers`` starts, or None when one of
    them cannot be told for sure. ``text`` is a file the fast reader accepted.

    Only the top-level entries that a pointer leads into are read (a definition's headers,
    prompts and descriptions are skipped): the root mapping's keys are the lines that start in
    the first column, and nothing else can start there in a file the fast reader accepts (no
    quoted text over several lines, no document markers, no duplicate keys)."""
    wanted = list(pointers)
    if text.startswith(("---", "...", "%")):
        return None
    root = _TOP.search(text)
    if root is None:
        return None  # an indented root, or no mapping at all: not followed
    for line in text[: root.start()].split("\n"):
        if line.strip(" \r")[:1] not in ("", "#"):
            return None  # the root starts indented
    table: dict[str, Where] = {"": (text.count("\n", 0, root.start()) + 1, 1)}
    try:
        for token in {p.split("/", 2)[1] for p in wanted if p}:
            key = f"{token}:"
            start = 0 if text.startswith(key) else text.find("\n" + key) + 1
            if start > 0 or text.startswith(key):
                _top_entry(text, start, table)
    except _Decline:
        return None
    found: dict[str, Where] = {}
    for pointer in wanted:
        where = table.get(pointer)
        if where is None:
            return None  # not found, or not written as a plain key in the first column
        found[pointer] = where
    return found


def _top_entry(text: str, start: int, table: dict[str, Where]) -> None:
    """The entry of the root mapping whose line starts at ``start``."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    following = _TOP.search(text, end + 1) if end < len(text) else None
    stop = len(text) if following is None else following.start()
    line = text[start:end]
    if line.endswith("\r"):
        line = line[:-1]
    split = _key_end(line)
    if split is None:
        raise _Decline
    key, value_at = split
    child = "/" + key.replace("~", "~0").replace("/", "~1")
    number = text.count("\n", 0, start) + 1
    rest = line[value_at:]
    value = rest.lstrip(" ")
    if value and not value.startswith("#"):
        if text.find("\n-", end, stop) >= 0:
            raise _Decline  # a sequence entry after a value: not YAML we follow
        _value(value, number, value_at + len(rest) - len(value), child, table)
        return
    block = _lines(text[end + 1 : stop].split("\n"), number + 1)
    if not block:
        raise _Decline  # an empty value (null)
    _block(block, 0, len(block), child, table)


def _lines(raw: list[str], first: int) -> list[_Line]:
    """``raw`` (lines numbered from ``first``) without blank and comment lines."""
    out = []
    for number, line in enumerate(raw, first):
        if line.endswith("\r"):
            line = line[:-1]
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
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
