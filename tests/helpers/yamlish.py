"""YAML-ish text from a grammar of the constructs where YAML readers part ways.

Shared by the reader's property tests (``tests/reader/test_reader_agreement.py``) and the fuzz
target (``fuzz/reader_diff.py``). The grammar is driven by a ``choose(n) -> int in range(n)``
callable, so random.Random, hypothesis and atheris can all drive it. It writes mostly almost-valid
YAML: mappings, sequences, flow collections, block scalars, quoted and plain scalars, comments and
odd whitespace, with tricky scalars (indicators where a scalar starts, number look-alikes, dates,
escapes, line breaks of YAML 1.1) dropped in where a value or a key goes.
"""

from __future__ import annotations

import random
from collections.abc import Callable

Choose = Callable[[int], int]

# Scalars that start or contain what one reader or another treats specially.
WORDS = (
    "a", "b", "qwen", "x y", "hello", "é", "日本", "no", "yes", "on", "Off", "y", "~", "null",
    "Null", "NULL", "true", "True", "FALSE", "tRUE", "1", "-1", "+1", "0", "-0", "00", "017",
    "0o17", "0x1F", "-0x1F", "0b101", "1_000", "1:20", "1e3", "1E+3", "1.", ".5", "+.5", "1.0",
    "-.inf", ".Inf", ".nan", ".NaN", "9007199254740993", "1e400", "2027-01-05", "2027-1-5",
    "2001-12-14t21:59:43.10-05:00", "2027-01-05 10:00:00", "a:b", "http://h:8/v1", "a#b",
    "a #b", "a: b", "a,b", "a]b", "a}b", "-x", "?x", ":x", "|x", ">x", "@x", "`x", "%x", "#x",
    ",x", "[x", "{x", "'x", '"x', "- x", "? x", ": x", "--- x", "... x",
    "x\u2028y", "x\x85", "\u2029", "\xa0x", "x\u200b", "\ufeffx", "x ", " x", "", "<<", "=",
    "a\\b", "\\n",
)  # fmt: skip
ESCAPES = ("\\n", "\\t", "\\x41", "\\u2028", "\\/", "\\ ", "\\N", "\\_", "\\L", "\\P", "\\e",
           "\\U0001F600", "\\ud800", "\\q", '\\"', "\\\\", "\\0", "\\a")  # fmt: skip
BREAKS = ("\n", "\n", "\n", "\r\n", "\r", "\u2028", "\x85")
SPACES = ("", " ", "  ", "\xa0")
COMMENTS = ("", "", " # c", "# c", "  #", " #: x")
BLOCK_HEADERS = ("|", ">", "|-", ">-", "|+", ">+", "|2", ">1-", "|-2", "| # c", "|x", "|  ")


def pick(choose: Choose, options: tuple[str, ...]) -> str:
    return options[choose(len(options))]


# Scalars of real definition files, so that most texts stay plain enough for the fast reader.
TAME = ("gpt-4o", "openai", "default/gpt", "128000", "0.5", "-3", "2.5e-3", "http://h/v1",
        "Plain text, with commas", '"quoted: text"', "'it''s'", "true", "null", "[a, b]",
        "{k: v}", "[]", "{}", "2027-01-05", "x-y_z", "A B C")  # fmt: skip


def scalar(choose: Choose, depth: int = 0) -> str:
    kind = choose(12)
    if kind >= 9:
        return pick(choose, TAME)
    if kind <= 2:
        return pick(choose, WORDS)
    if kind == 3:
        return pick(choose, WORDS) + pick(choose, SPACES) + pick(choose, WORDS)
    if kind == 4:
        body = "".join(pick(choose, WORDS + ESCAPES) for _ in range(choose(3)))
        return '"' + body.replace('"', "") + '"'
    if kind == 5:
        body = "".join(pick(choose, (*WORDS, "''")) for _ in range(choose(3)))
        return "'" + body.replace("'", "''") + "'"
    if kind == 6:  # a quoted or plain scalar over several lines
        quote = pick(choose, ('"', "'", ""))
        parts = [pick(choose, WORDS).replace(quote, "") if quote else "w" for _ in range(2)]
        indent = " " * choose(4)
        return quote + parts[0] + pick(choose, BREAKS) + indent + parts[1] + quote
    if kind == 7 and depth < 3:
        return flow(choose, depth + 1)
    return pick(choose, WORDS)


def flow(choose: Choose, depth: int) -> str:
    items = [scalar(choose, depth) for _ in range(choose(4))]
    separator = pick(choose, (", ", ",", " , ", ",\n  ", ", "))
    if choose(2):
        end = pick(choose, ("]", "]", ",]", " ]", ""))
        return "[" + separator.join(items) + end
    pairs = [f"{item}: {scalar(choose, depth)}" if choose(4) else item for item in items]
    return "{" + separator.join(pairs) + pick(choose, ("}", "}", ",}", " }", ""))


def block_scalar(choose: Choose, indent: int) -> str:
    header = pick(choose, BLOCK_HEADERS)
    pad = " " * (indent + 2)
    lines = []
    for _ in range(1 + choose(4)):
        shape = choose(6)
        if shape == 0:
            lines.append("")
        elif shape == 1:
            lines.append(pad + " " * (1 + choose(3)))  # only spaces, maybe more than the content
        elif shape == 2:
            lines.append(pad + "  " + pick(choose, WORDS))  # more indented
        elif shape == 3:
            lines.append(" " * choose(indent + 3) + pick(choose, WORDS))  # maybe less indented
        else:
            lines.append(pad + pick(choose, WORDS))
    return header + pick(choose, COMMENTS) + "\n" + "\n".join(lines)


def key(choose: Choose) -> str:
    kind = choose(8)
    if kind == 0:
        return '"' + pick(choose, WORDS).replace('"', "") + '"'
    if kind == 1:
        return "? " + pick(choose, WORDS)
    if kind == 2:
        return "k" * (1020 + choose(10))  # near the 1024-character bound of an implicit key
    if kind == 3:
        return pick(choose, WORDS)
    return pick(choose, ("kind", "name", "tags", "a", "b", "B", "c d", "x"))


def value(choose: Choose, indent: int, depth: int) -> str:
    kind = choose(10)
    if kind == 0 and depth < 3:
        return "\n" + block(choose, indent + pick_indent(choose), depth + 1)
    if kind == 1 and depth < 3:
        return "\n" + sequence(choose, indent + choose(3), depth + 1)
    if kind == 2:
        return " " + block_scalar(choose, indent)
    if kind == 3:
        return ""
    return " " + scalar(choose, depth)


def pick_indent(choose: Choose) -> int:
    return (2, 2, 4, 1, 0)[choose(5)]


def sequence(choose: Choose, indent: int, depth: int) -> str:
    lines = []
    for _ in range(1 + choose(3)):
        item = value(choose, indent + 2, depth)
        lines.append(" " * indent + "-" + (item if item.startswith((" ", "\n")) else " " + item))
    return "\n".join(lines)


def block(choose: Choose, indent: int, depth: int) -> str:
    lines = []
    for _ in range(1 + choose(4)):
        colon = pick(choose, (":", ":", ":", " :", ":  "))
        entry = " " * indent + key(choose) + colon + value(choose, indent, depth)
        lines.append(entry + pick(choose, COMMENTS))
    return "\n".join(lines)


def document(choose: Choose) -> str:
    """A YAML-ish document: a mapping, mostly, with tricky parts anywhere."""
    text = block(choose, 0, 0)
    shape = choose(12)
    if shape == 0:
        text = "---\n" + text
    elif shape == 1:
        text = text + "\n...\n"
    elif shape == 2:
        text = "\ufeff" + text
    elif shape == 3:
        text = text.replace("\n", pick(choose, BREAKS))
    elif shape == 4 and text:  # a stray character somewhere
        at = choose(len(text))
        stray = (" ", "\t", "#", ":", "-", "\n", "'", '"', "!x ", "&x ", "*x")
        text = text[:at] + pick(choose, stray) + text[at:]
    ending = choose(6)
    if ending == 0:
        return text  # no final line break
    if ending == 1:
        return text + "\n\n"
    return text + "\n"


def random_document(rng: random.Random) -> str:
    return document(lambda n: rng.randrange(n) if n > 0 else 0)


def document_from_bytes(data: bytes) -> str:
    """The document the bytes choose, byte by byte (zeros once they run out): a fuzzer's or
    hypothesis's bytes shrink to a short, simple text."""
    stream = iter(data)
    return document(lambda n: next(stream, 0) % n if n > 1 else 0)
