"""A fast reader for the plain definition files that make up almost every registry.

``llmreg.source`` is the reference reader: YAML 1.2 core schema built from libyaml's events, with
positions, limits, duplicate keys, tags and YAML 1.1 ambiguities. Its event loop costs about a
millisecond per file. ``yaml-rs`` (Rust, YAML 1.2) reads the same file in a few dozen
microseconds but keeps no positions and resolves a few things differently, so it is used only
for text where it is known to agree, and its answer is checked:

- the text has none of the features where the two could differ or where the reference reports
  something: tags (``!``), anchors and aliases (``&``, ``*``), merge keys, directives, more than
  one document, tabs, characters YAML does not allow, and plain numbers written with a sign and
  a base prefix, leading zeros, underscores, colons or an exponent (``-0x1F``, ``017``,
  ``1_000``, ``1:20``, ``1e3``);
- yaml-rs turns a YYYY-MM-DD scalar into a date even when it is quoted, where the reference
  keeps the text: such a date is written back as its ISO text, which is the text itself as long
  as every date in the file has two-digit months and days (``2027-1-5`` sends the file to the
  reference, and so does any timestamp);
- the result is otherwise plain JSON data, has string keys only, finite numbers, no string
  that a YAML 1.1 reader would take for something else, and stays within the limits;
- where yaml-rs itself is wrong, the text is declined too: a text without a final line break
  (yaml-rs adds one to a block scalar that ends the file, YAML 1.2 does not), a flow collection
  over several lines (yaml-rs accepts a key over two lines in a flow mapping), a lone CR, a byte
  order mark inside the text, a colon right before ``]``, ``}`` or ``,`` (``{b:}``, which
  libyaml refuses), and a result with a string that starts with an indicator
  (``[|x]``, ``[a, >x]``; ``[:x]`` and ``[?x]``, which libyaml refuses or reads as a key) or is
  only white space with a line break (an empty block scalar, which yaml-rs reads as a line
  break).

Anything else returns None and the reference reads the file. The stage also reruns a file with
the reference whenever it has a finding, so positions always come from the reference.
``tests/reader/test_fast_source.py`` compares both readers on the golden examples, the bundled
and generated registries and the cases above; ``tests/reader/test_reader_agreement.py`` and the
fuzz target ``fuzz/reader_diff.py`` compare them on texts from a grammar of the tricky constructs.
"""

from __future__ import annotations

import datetime
import re
from math import isfinite
from typing import Any

from llmreg.constants import SAFE_INTEGER
from llmreg.source import DEFAULT_LIMITS, Limits, yaml11_reading

# Checked with plain substring tests and small anchored patterns: one regular expression with all
# the alternatives cost more than yaml-rs itself (430 against 70 microseconds a file). A single
# character is found at memchr speed; a longer marker is looked for only when a character it
# needs is there (a two-character search over a text full of line breaks costs twenty times more).
_RISKY_CHARS = ("\t", "\ufeff")
# '!', '&' and '*' start a tag, an anchor or an alias only where a node starts: at the start of
# the text, after white space, '[', '{', ',' or ':' (the value of a JSON-like key). Elsewhere
# they are text (access_id: '*', R&D, a URL's query string) and leave the file to the fast path.
_PROPERTY_CHARS = ("!", "&", "*")
_NODE_PROPERTY = re.compile(r"(?:^|[\s\[{,:])[!&*]")
_RISKY_RUNS = (("<", "<<"), ("%", "\n%"), ("---", "\n---"), ("...", "\n..."))
# a plain number right after a line break, ':', '[', ',', '{' or '?' (then spaces), or after '- ',
# with a leading zero, a base prefix, underscores, colons or an exponent. Two patterns, so that
# each starts with a character class the regex engine skips to; the spaces are taken
# possessively and the number's first character is looked ahead for, which fails the many
# line breaks and colons before a letter at once (a third of the cost of one pattern).
_RISKY_NUMBER_TAIL = r"(?=[-+.\d])[-+]?(?:0\d|\.?\d[\d.]*[_:eExXoObB])"
_RISKY_NUMBER = re.compile(r"[:\[,{?\n] *+" + _RISKY_NUMBER_TAIL)
_RISKY_ITEM_NUMBER = re.compile(r"- ++" + _RISKY_NUMBER_TAIL)
# a date with a one-digit month or day, which a YAML 1.1 reader takes for a date (yaml-rs 0.1.6
# does not, an earlier one did); its year has four digits, which model names such as
# claude-3-5-haiku or llama-3-1-8b do not
_SHORT_DATE = re.compile(r"-(?<=\d{4}-)(?:\d-|\d\d-\d(?!\d))")
# What an ASCII text may hold; the rest (control characters, DEL) is what YAML does not allow.
# Deleting these bytes leaves nothing for a clean text, in a fifth of a regular expression's search.
_ASCII_ALLOWED = bytes([0x0A, 0x0D, *range(0x20, 0x7F)])
# what YAML does not allow in a stream, which the reference reports, and the line breaks of
# YAML 1.1 (NEL, LS, PS), which the reference reads as YAML 1.2 does only through stand-ins: the
# C0 controls but LF and CR (TAB too, which the fast reader declines anyway), DEL and the C1
# controls (NEL among them), LS, PS, the surrogates, U+FFFE and U+FFFF. Written as this short
# class, not as the negation of the allowed ranges, which took re 57 million instructions to
# compile (about 14 ms of every check that reads a file) against 4 million.
_NOT_ALLOWED = re.compile(
    "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]"
)


_NUMBER_START = frozenset("+-0123456789")
# The YAML 1.1 booleans (``source._YAML11_BOOL``, whose '$' also matches before a final line
# break): every other YAML 1.1 look-alike starts with a character of _NUMBER_START, so a string
# that does not is looked up here instead of going through yaml11_reading's five patterns.
_YAML11_WORDS = frozenset(
    word + end
    for word in (
        *("y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO"),
        *("on", "On", "ON", "off", "Off", "OFF"),
    )
    for end in ("", "\n")
)
# yaml-rs takes '[|x]', '[a, >x]', '{k: @x}' for plain scalars, which YAML forbids (an indicator
# cannot start a plain scalar); '[:x]' and '[?x]' are plain in YAML 1.2 but libyaml refuses the
# first and reads the second as a mapping. A string that starts so is declined, however written.
_INDICATOR_START = frozenset("|>%@`:?")
# a quoted scalar within one line
_QUOTED = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\n]|'')*'")
# a lone CR ends lines for YAML but not for the checks here
_LONE_CR = re.compile(r"\r(?!\n)")
# '{b:}', '[b:, c]': a key with its value left out, right after the colon; YAML 1.2 allows it
# (spec example 7.17), libyaml refuses it
_BARE_COLON = re.compile(r":[\]},]")


def _flow_over_lines(text: str) -> bool:
    """A line opens more flow collections than it closes, not counting quoted text (or has a
    quote left open): yaml-rs accepts keys over several lines in a flow mapping, which YAML
    refuses."""
    # only the lines with a '[' or '{' are looked at (a registry file has a few among many),
    # found with str.find: a regular expression's search for either costs thirty times more
    position = 0
    while True:
        square, curly = text.find("[", position), text.find("{", position)
        if square < 0 and curly < 0:
            return False
        opening = curly if square < 0 else square if curly < 0 else min(square, curly)
        start = text.rfind("\n", 0, opening) + 1
        end = text.find("\n", opening)
        if end < 0:
            line, position = text[start:], len(text)
        else:
            line, position = text[start:end], end + 1
        if '"' in line or "'" in line:
            line = _QUOTED.sub("", line)
            if '"' in line or "'" in line:
                return True
        if line.count("[") + line.count("{") > line.count("]") + line.count("}"):
            return True


def _risky(text: str) -> bool:
    if any(marker in text for marker in _RISKY_CHARS):
        return True
    if any(marker in text for marker in _PROPERTY_CHARS) and _NODE_PROPERTY.search(text):
        return True
    if any(needed in text and marker in text for needed, marker in _RISKY_RUNS):
        return True
    if text.startswith(("%", "---", "...")):
        return True
    if not text.endswith("\n"):
        # yaml-rs ends a block scalar at the end of the text with a line break YAML 1.2 does not
        # add (chomping, 8.1.1.2: the last line break is kept only if present)
        return True
    if ("\r" in text and _LONE_CR.search(text)) or _BARE_COLON.search(text):
        return True
    if ("[" in text or "{" in text) and _flow_over_lines(text):
        return True
    if text.isascii():
        if text.encode("ascii").translate(None, _ASCII_ALLOWED):
            return True
    elif _NOT_ALLOWED.search(text):
        return True
    return bool(
        _SHORT_DATE.search(text) or _RISKY_NUMBER.search(text) or _RISKY_ITEM_NUMBER.search(text)
    )


_DATE = datetime.date


def _plain_leaf(value: Any) -> bool:
    """A scalar the reference reads the same (see _plain)."""
    kind = type(value)
    if kind is str:
        first = value[:1]
        # every YAML 1.1 look-alike is a short word (yes, off...) or starts like a number
        if first in _NUMBER_START:
            return not yaml11_reading(value)
        return not (
            first in _INDICATOR_START
            or value in _YAML11_WORDS
            or (value.isspace() and "\n" in value)
        )
    if kind is float:
        return isfinite(value)
    if kind is int:
        return bool(-SAFE_INTEGER < value < SAFE_INTEGER)
    # None and booleans; a date, a timestamp, bytes: the reference reads them otherwise
    return value is None or kind is bool


def _plain(data: Any, limits: Limits) -> bool:
    """JSON data with string keys, finite numbers, no YAML 1.1 look-alikes, within limits.

    Dates (see the module's notes) are replaced by their ISO text on the way. Only collections
    go on the stack; their scalars, most of the nodes, are judged where they are found.
    """
    kind = type(data)
    if kind is not dict and kind is not list:
        return limits.max_nodes >= 1 and _plain_leaf(data)
    max_depth, max_nodes = limits.max_depth, limits.max_nodes
    nodes = 1  # every value and every key, as the reference counts them
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if depth >= max_depth:
            return False
        is_dict = type(item) is dict
        nodes += 2 * len(item) if is_dict else len(item)
        if nodes > max_nodes:
            return False
        for key, value in item.items() if is_dict else enumerate(item):
            if is_dict and (type(key) is not str or key[:1] in _INDICATOR_START):
                return False
            kind = type(value)
            if kind is dict or kind is list:
                stack.append((value, depth + 1))
                continue
            if kind is _DATE:
                item[key] = value = value.isoformat()
                kind = str
            if kind is str:
                first = value[:1]
                if first in _NUMBER_START:
                    if yaml11_reading(value):
                        return False
                elif (
                    first in _INDICATOR_START
                    # the length first: hashing a long string costs more than the lookup
                    or (len(value) <= 4 and value in _YAML11_WORDS)
                    or (value.isspace() and "\n" in value)
                ):
                    return False
            elif kind is int:
                if not -SAFE_INTEGER < value < SAFE_INTEGER:
                    return False
            elif kind is float:
                if not isfinite(value):
                    return False
            elif value is not None and kind is not bool:
                return False  # a timestamp, bytes: the reference reads them otherwise
    return True


def load(text: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any] | None:
    """The data of a plain definition file, or None: read it with ``llmreg.source``."""
    if _risky(text):
        return None
    try:
        import yaml_rs
    except ImportError:  # pragma: no cover - a platform without a yaml-rs wheel
        return None
    try:
        data = yaml_rs.loads(text)
    except Exception:  # any refusal: the reference reader says what is wrong, with a position
        return None
    if type(data) is not dict or not _plain(data, limits):
        return None
    return data
