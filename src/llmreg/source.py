"""Reading definition files: limits, decoding, YAML 1.2 parsing with positions.

Definitions are read as YAML 1.2 (core schema), the YAML that editors and the YAML language
server show: ``no`` stays the string "no", ``2025-10-22`` stays a string, ``017`` is 17. Plain
scalars that YAML 1.1 tools (PyYAML's ``safe_load``, for one) would read differently are
remembered so the checker can say so (rule ``yaml11-ambiguous``).

The document is built from the parser's event stream by an iterative builder, not by PyYAML's
composer or constructor, because those recurse (a deeply nested file crashes libyaml's composer),
expand aliases without bound, keep the last of duplicate keys silently and construct tagged
objects. The builder enforces the limits, reports duplicate keys with both lines, reports every
non-core tag without constructing it, and records where each value and key starts.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import TYPE_CHECKING, Any, cast

from llmreg._record import Frozen, Record
from llmreg.constants import SAFE_INTEGER
from llmreg.diagnostics import Diagnostic, pointer_join
from llmreg.results import finding

if TYPE_CHECKING:
    import yaml
    from yaml import events as ev

# PyYAML is imported by the first parse, not with this module: the fast reader and the pipeline
# use the limits, the decoding and the types here for every file, and a file that yaml-rs reads
# (almost every one) never needs PyYAML (about 13 ms of imports, docs/performance.md).
_Parser: Any = None  # the parser class, set by _load_pyyaml()
LIBYAML: bool | None = None  # whether it is libyaml's C parser; None until the first parse


def _load_pyyaml() -> None:
    """libyaml's C parser when PyYAML was built with it, else the pure-Python one."""
    global _Parser, LIBYAML
    try:
        from yaml.cyaml import CParser  # type: ignore[attr-defined]

        _Parser, LIBYAML = CParser, True
    except ImportError:  # pragma: no cover - depends on how PyYAML was installed
        from yaml.parser import Parser as _PyParser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class _PureParser(Reader, Scanner, _PyParser):
            def __init__(self, stream: str) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                _PyParser.__init__(self)

        _Parser, LIBYAML = _PureParser, False


class Limits(Frozen):
    """Bounds on hostile input; each excess is reported as ``yaml-limit``."""

    _fields = ("max_bytes", "max_depth", "max_nodes")
    __slots__ = _fields
    max_bytes: int
    max_depth: int
    max_nodes: int

    def __init__(
        self, max_bytes: int = 1024 * 1024, max_depth: int = 64, max_nodes: int = 100_000
    ) -> None:
        put = object.__setattr__
        put(self, "max_bytes", max_bytes)
        put(self, "max_depth", max_depth)
        put(self, "max_nodes", max_nodes)


DEFAULT_LIMITS = Limits()

# The problem text of libyaml's scanner when a document nests past its built-in bound (1,000
# levels in libyaml 0.2.6); older releases had no bound and leave depth to the builder.
_LIBYAML_NESTING_ERROR = "exceeded maximum nesting depth"

_TAG = "tag:yaml.org,2002:"
_CORE_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null")}

# YAML 1.2 core schema, for plain (unquoted) scalars only.
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT_DEC = re.compile(r"^[-+]?[0-9]+$")
_INT_OCT = re.compile(r"^0o[0-7]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")

# Plain scalars that YAML 1.1 (PyYAML) reads as something other than YAML 1.2 does.
_YAML11_BOOL = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_YAML11_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_YAML11_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")
_YAML11_UNDERSCORE = re.compile(r"^[-+]?(?:0b[01_]+|[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?)$")
_YAML11_AS_STRING = re.compile(r"^(?:[-+]?[0-9]+[eE][-+]?[0-9]+|0o[0-7]+)$")


def resolve_plain(text: str) -> Any:
    """The YAML 1.2 core-schema value of a plain scalar."""
    if _NULL.match(text):
        return None
    if _TRUE.match(text):
        return True
    if _FALSE.match(text):
        return False
    if _INT_DEC.match(text):
        return int(text)
    if _INT_OCT.match(text):
        return int(text[2:], 8)
    if _INT_HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


def yaml11_reading(text: str) -> str | None:
    """How YAML 1.1 would read a plain scalar, when that differs from YAML 1.2; else None."""
    if _YAML11_BOOL.match(text):
        truthy = text.lower() in ("y", "yes", "on")
        return f"a YAML 1.1 reader takes it as the boolean {'true' if truthy else 'false'}"
    if _YAML11_SEXAGESIMAL.match(text):
        return "a YAML 1.1 reader takes it as a base-60 number"
    if _YAML11_OCTAL.match(text) and text.lstrip("+-") not in ("0",):
        return "a YAML 1.1 reader takes it as an octal number"
    if _YAML11_UNDERSCORE.match(text):
        return "a YAML 1.1 reader takes it as a number"
    if _YAML11_AS_STRING.match(text):
        return "a YAML 1.1 reader takes it as a string, not a number"
    return None


def _not_json_number(value: object) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return "not a finite number"
    if type(value) is int and not -SAFE_INTEGER < value < SAFE_INTEGER:
        return "an integer beyond the exact JSON range of +-(2**53 - 1)"
    return None


class Position(Frozen):
    _fields = ("line", "column")
    __slots__ = _fields
    line: int  # 1-based
    column: int  # 1-based

    def __init__(self, line: int, column: int) -> None:
        put = object.__setattr__
        put(self, "line", line)
        put(self, "column", column)


def _problem(rule: str, message: str, where: Position, pointer: str = "") -> Diagnostic:
    """A finding of the reader, made as every finding is (``results.finding``: redacted, with
    the catalogue's severity); the stage adds the file."""
    return finding(rule, message, pointer, where.line, where.column)


class SourceError(Exception):
    """The file could not be turned into a document; ``problem`` says why and where."""

    def __init__(self, problem: Diagnostic) -> None:
        super().__init__(problem.message)
        self.problem = problem


class Document(Record):
    """A parsed definition: plain JSON-compatible data and where each part of it starts."""

    _fields = ("data", "value_positions", "key_positions", "yaml11", "problems")
    __slots__ = _fields

    def __init__(
        self,
        data: Any,
        value_positions: dict[str, Position] | None = None,
        key_positions: dict[str, Position] | None = None,
        yaml11: dict[str, str] | None = None,
        problems: list[Diagnostic] | None = None,  # the non-fatal ones
    ) -> None:
        self.data = data
        self.value_positions = {} if value_positions is None else value_positions
        self.key_positions = {} if key_positions is None else key_positions
        self.yaml11 = {} if yaml11 is None else yaml11
        self.problems = [] if problems is None else problems

    def position(self, pointer: str, *, at_key: bool = False) -> Position:
        """Where the value (or key) at ``pointer`` starts; the nearest recorded ancestor else."""
        table = self.key_positions if at_key else self.value_positions
        found = table.get(pointer)
        if found is not None:
            return found
        if at_key:
            found = self.value_positions.get(pointer)
            if found is not None:
                return found
        while pointer:
            pointer = pointer.rsplit("/", 1)[0]
            found = self.value_positions.get(pointer)
            if found is not None:
                return found
        return Position(1, 1)


def _pos(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _Collection:
    _fields = (
        "anchor",
        "explicit",
        "key",
        "merge_pending",
        "merges",
        "pointer",
        "start",
        "value",
        "weight",
    )
    __slots__ = _fields

    def __init__(self, value: Any, pointer: str, anchor: str | None, start: Position) -> None:
        self.value = value
        self.pointer = pointer
        self.anchor = anchor
        self.start = start
        self.weight = 1
        self.key: str | None = None  # mapping: the key waiting for its value
        self.merge_pending = False  # mapping: that key is the merge key '<<'
        self.explicit: dict[str, Position] = {}  # mapping: keys written in this mapping
        self.merges: list[tuple[Any, Position]] = []  # mapping: values of '<<' keys


class _Builder:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.doc = Document(data=None)
        self.stack: list[_Collection] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.nodes = 0
        self.root_set = False

    # -- where the next value goes ------------------------------------------------------------
    def _child_pointer(self) -> str:
        if not self.stack:
            return ""
        top = self.stack[-1]
        if isinstance(top.value, list):
            return pointer_join(top.pointer, len(top.value))
        assert top.key is not None
        return pointer_join(top.pointer, top.key)

    def _expecting_key(self) -> bool:
        return (
            bool(self.stack)
            and isinstance(self.stack[-1].value, dict)
            and (self.stack[-1].key is None)
        )

    def _count(self, weight: int, mark: Any) -> None:
        self.nodes += weight
        if self.nodes > self.limits.max_nodes:
            raise SourceError(
                _problem(
                    "yaml-limit",
                    f"the document expands to more than {self.limits.max_nodes} values "
                    "(aliases repeated too often?)",
                    _pos(mark),
                )
            )

    def _place(self, value: Any, weight: int, pos: Position, anchor: str | None) -> None:
        if anchor is not None:
            self.anchors[anchor] = (value, weight)
            self.open_anchors.discard(anchor)
        if not self.stack:
            self.doc.data = value
            self.doc.value_positions[""] = pos
            self.root_set = True
            return
        top = self.stack[-1]
        top.weight += weight
        if isinstance(top.value, list):
            self.doc.value_positions[pointer_join(top.pointer, len(top.value))] = pos
            top.value.append(value)
            return
        key = top.key
        assert key is not None
        top.key = None
        if top.merge_pending:
            top.merge_pending = False
            top.merges.append((value, pos))
            return
        self.doc.value_positions[pointer_join(top.pointer, key)] = pos
        top.value[key] = value

    def _take_key(self, event: ev.ScalarEvent) -> None:
        top = self.stack[-1]
        pos = _pos(event.start_mark)
        text = event.value
        if text == "<<" and event.implicit[0]:
            top.key = text
            top.merge_pending = True
            return
        previous = top.explicit.get(text)
        if previous is not None:
            self.doc.problems.append(
                _problem(
                    "duplicate-key",
                    f"key {text!r} appears twice in this mapping, at lines {previous.line} and "
                    f"{pos.line}; YAML readers disagree on which one wins",
                    pos,
                    pointer_join(top.pointer, text),
                )
            )
        else:
            top.explicit[text] = pos
        top.key = text
        self.doc.key_positions[pointer_join(top.pointer, text)] = pos

    def _check_tag(self, tag: str | None, allowed: set[str], mark: Any) -> None:
        if tag is None or tag == "!" or tag in allowed:
            return
        pointer = self._child_pointer() if not self._expecting_key() else self.stack[-1].pointer
        self.doc.problems.append(
            _problem(
                "unsafe-tag",
                f"tag {_short_tag(tag)} is not allowed: definitions hold plain YAML values only, "
                "and llmreg never constructs tagged objects",
                _pos(mark),
                pointer,
            )
        )

    # -- events ---------------------------------------------------------------------------------
    def scalar(self, event: ev.ScalarEvent) -> None:
        self._count(1, event.start_mark)
        self._check_tag(event.tag, _CORE_SCALAR_TAGS, event.start_mark)
        if self._expecting_key():
            self._take_key(event)
            return
        text = event.value
        pos = _pos(event.start_mark)
        tag = event.tag
        value: Any
        if tag in (None, "!") and event.implicit[0]:
            value = resolve_plain(text)
            note = yaml11_reading(text)
            if note is not None:
                self.doc.yaml11[self._child_pointer()] = note
            why = _not_json_number(value)
            if why is not None:
                self.doc.problems.append(
                    _problem(
                        "schema",
                        f"{text} is {why}; definitions hold JSON-compatible values only",
                        pos,
                        self._child_pointer(),
                    )
                )
        elif tag == _TAG + "int" or tag == _TAG + "float" or tag == _TAG + "bool":
            value = resolve_plain(text)
            wanted = {"int": int, "float": float, "bool": bool}[tag[len(_TAG) :]]
            if type(value) is not wanted and not (wanted is float and type(value) is int):
                raise SourceError(
                    _problem(
                        "yaml-syntax",
                        f"{text!r} is not a valid {_short_tag(tag)} value",
                        pos,
                        self._child_pointer(),
                    )
                )
            if wanted is float:
                value = float(cast(float, value))
        elif tag == _TAG + "null":
            value = None
        else:
            value = text
        self._place(value, 1, pos, event.anchor)

    def alias(self, event: ev.AliasEvent) -> None:
        name = event.anchor
        pos = _pos(event.start_mark)
        if name in self.open_anchors:
            raise SourceError(_problem("yaml-syntax", f"alias *{name} refers to itself", pos))
        if name not in self.anchors:
            raise SourceError(
                _problem("yaml-syntax", f"alias *{name} has no anchor &{name} before it", pos)
            )
        if self._expecting_key():
            raise SourceError(_problem("yaml-syntax", "an alias cannot be a mapping key here", pos))
        import copy  # only for an alias, which a plain file never has

        value, weight = self.anchors[name]
        self._count(weight, event.start_mark)
        self._place(copy.deepcopy(value), weight, pos, None)

    def start(self, event: ev.CollectionStartEvent, value: Any) -> None:
        self._count(1, event.start_mark)
        if self._expecting_key():
            raise SourceError(
                _problem(
                    "yaml-syntax",
                    "a mapping key must be a plain string, not a list or mapping",
                    _pos(event.start_mark),
                    self.stack[-1].pointer,
                )
            )
        allowed = {_TAG + ("seq" if isinstance(value, list) else "map")}
        self._check_tag(event.tag, allowed, event.start_mark)
        if len(self.stack) >= self.limits.max_depth:
            raise SourceError(
                _problem(
                    "yaml-limit",
                    f"the document nests deeper than {self.limits.max_depth} levels",
                    _pos(event.start_mark),
                )
            )
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        start = _pos(event.start_mark)
        self.stack.append(_Collection(value, self._child_pointer(), event.anchor, start))

    def end(self) -> None:
        done = self.stack.pop()
        if done.merges:
            self._merge(done)
        self._place(done.value, done.weight, done.start, done.anchor)

    def _merge(self, mapping: _Collection) -> None:
        merged: dict[str, Any] = {}
        sources: list[Any] = []
        for value, pos in mapping.merges:
            items = value if isinstance(value, list) else [value]
            for item in items:
                if not isinstance(item, dict):
                    raise SourceError(
                        _problem(
                            "yaml-syntax",
                            "a merge key '<<' takes a mapping or a list of mappings",
                            pos,
                            mapping.pointer,
                        )
                    )
                sources.append(item)
        # earlier mappings in a merge list win over later ones; explicit keys win over all
        for item in reversed(sources):
            merged.update(item)
        merged.update(mapping.value)
        mapping.value.clear()
        mapping.value.update(merged)


# The line breaks of YAML 1.2 (and of git, GitHub and editors): CR LF, LF, CR. NEL, LS and PS
# were breaks in YAML 1.1 only; see ``_yaml12_breaks``.
_LINE_BREAK = re.compile("\r\n|[\r\n]")
_YAML1_1_BREAKS = "\x85\u2028\u2029"


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as editors number them (``str.splitlines`` also splits at NEL,
    LS, PS, form feeds and more, which would shift every line after one)."""
    return _LINE_BREAK.split(text)


def position_at(text: str | bytes, offset: int) -> Position:
    """The 1-based line and column (in characters) of ``offset``, an index into ``text``."""
    before = text[:offset]
    if isinstance(before, bytes):
        before = before.decode("utf-8", errors="replace")
    breaks = list(_LINE_BREAK.finditer(before))
    line_start = breaks[-1].end() if breaks else 0
    return Position(len(breaks) + 1, len(before) - line_start + 1)


def _yaml12_breaks(text: str) -> tuple[str, dict[int, str] | None]:
    """``text`` with NEL, LS and PS replaced by private-use characters it does not hold, and the
    ``str.translate`` table that turns them back (None when there is nothing to replace).

    libyaml follows YAML 1.1, where these three are line breaks: it would fold them to spaces,
    end plain scalars and mappings at them, and count lines after them. YAML 1.2 (5.4) reads them
    as ordinary characters, as do yaml-rs and editors. A stand-in of the same length that libyaml
    takes for an ordinary printable character gives YAML 1.2's reading and YAML 1.2's lines.
    """
    present = [c for c in _YAML1_1_BREAKS if c in text]
    if not present:
        return text, None
    used = set(text)
    # a file within the size limit holds far fewer distinct characters than these ranges
    candidates = itertools.chain(range(0xE000, 0xFEFF), range(0x10000, 0x110000))
    spare = (c for c in map(chr, candidates) if c not in used)
    forth = {ord(c): next(spare) for c in present}
    back = {ord(stand_in): chr(c) for c, stand_in in forth.items()}
    return text.translate(forth), back


def _inside(text: str, position: Position) -> Position:
    """``position`` moved into the text: libyaml places the end of a stream whose last line has
    no line break on the line after it, which no editor can show."""
    lines = split_lines(text)
    if position.line > len(lines):
        return Position(len(lines), len(lines[-1]) + 1)
    return Position(position.line, min(position.column, len(lines[position.line - 1]) + 1))


def _pull_inside(text: str, doc: Document) -> None:
    lines = split_lines(text)
    end = Position(len(lines), len(lines[-1]) + 1)
    for table in (doc.value_positions, doc.key_positions):
        for pointer, position in table.items():
            if position.line > end.line:
                table[pointer] = end
    doc.problems = [
        p.replace(line=end.line, column=end.column) if p.line > end.line else p
        for p in doc.problems
    ]


def _reader_problem(text: str, exc: yaml.reader.ReaderError) -> Diagnostic:
    """A character YAML does not allow (a control character), at its line and column."""
    character = exc.character
    code = character if isinstance(character, int) else ord(str(character)[:1] or "\0")
    # libyaml counts the offset in UTF-8 bytes, the pure-Python reader in characters
    offset = exc.position
    if LIBYAML:
        offset = len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))
    return _problem(
        "yaml-syntax",
        f"invalid YAML: character U+{code:04X} is not allowed in YAML ({exc.reason})",
        _inside(text, position_at(text, offset)),
    )


def parse(text: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse one definition file's text into a :class:`Document`.

    Raises :class:`SourceError` for anything that leaves no document to validate (syntax
    errors, limits, empty or multi-document files, a top level that is not a mapping).
    Non-fatal problems (duplicate keys, unsupported tags) are listed in ``Document.problems``.
    """
    text, back = _yaml12_breaks(text)
    try:
        doc = _parse(text, limits, back)
    except SourceError as exc:
        if back:
            exc.problem = exc.problem.replace(message=exc.problem.message.translate(back))
        raise
    if back:
        doc.problems = [p.replace(message=p.message.translate(back)) for p in doc.problems]
    return doc


def _no_question_key(text: str, event: ev.NodeEvent) -> None:
    """Refuse '?' written right before a node, as in '[?x]' or '{?x: 1}'.

    YAML 1.2 reads '?x' as the text "?x" ('?' is the key indicator only before a space, 7.3.3);
    libyaml, in a flow collection, reads it as the key indicator and the node as a mapping key.
    No reader can be trusted with it, so it is reported rather than read one way or the other.
    """
    index = event.start_mark.index if event.start_mark else 0
    if index and text[index - 1 : index] == "?":
        raise SourceError(
            _problem(
                "yaml-syntax",
                "invalid YAML: '?' right before a value is read as a mapping key by YAML 1.1 "
                "readers and as text by YAML 1.2 ones; write '? key' for a key or quote the text",
                position_at(text, index - 1),
            )
        )


_BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")


def _no_glued_comment(text: str, event: ev.ScalarEvent) -> None:
    """Refuse a comment glued to a quoted scalar or a block scalar header ('"x"#c', '|#c').

    YAML 1.2 starts a comment only after white space (6.6); libyaml takes these for comments
    anyway, where YAML 1.2 readers refuse the text.
    """
    if event.style in ('"', "'") and event.end_mark is not None:
        at = event.end_mark.index
        glued = text[at : at + 1] == "#"
    elif event.style in ("|", ">") and event.start_mark is not None:
        at = event.start_mark.index
        header = _BLOCK_HEADER_COMMENT.match(text, at)
        glued = header is not None
        at = header.end() - 1 if header else at
    else:
        return
    if glued:
        raise SourceError(
            _problem(
                "yaml-syntax",
                "invalid YAML: a comment needs white space before '#' (YAML 1.2 readers refuse "
                "this line)",
                position_at(text, at),
            )
        )


def _parse(text: str, limits: Limits, back: dict[int, str] | None) -> Document:
    import yaml
    from yaml import events as ev

    if _Parser is None:
        _load_pyyaml()
    node_events = (ev.ScalarEvent, ev.MappingStartEvent, ev.SequenceStartEvent, ev.AliasEvent)
    builder = _Builder(limits)
    documents = 0
    try:
        # inside the try: PyYAML's pure-Python reader checks the characters as it is built
        parser = _Parser(text)
        while True:
            event = parser.get_event()
            if isinstance(event, node_events):
                _no_question_key(text, event)
            if isinstance(event, ev.ScalarEvent):
                _no_glued_comment(text, event)
                if back is not None:
                    event.value = event.value.translate(back)
                    event.tag = event.tag and event.tag.translate(back)
                builder.scalar(event)
            elif isinstance(event, (ev.MappingStartEvent, ev.SequenceStartEvent)):
                builder.start(event, {} if isinstance(event, ev.MappingStartEvent) else [])
            elif isinstance(event, (ev.MappingEndEvent, ev.SequenceEndEvent)):
                builder.end()
            elif isinstance(event, ev.AliasEvent):
                builder.alias(event)
            elif isinstance(event, ev.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise SourceError(
                        _problem(
                            "multi-document",
                            "the file holds more than one YAML document ('---'); keep one "
                            "definition per file",
                            _pos(event.start_mark),
                        )
                    )
            elif isinstance(event, ev.StreamEndEvent):
                break
    except SourceError as exc:
        inside = _inside(text, Position(exc.problem.line, exc.problem.column))
        exc.problem = exc.problem.replace(line=inside.line, column=inside.column)
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        if exc.problem == _LIBYAML_NESTING_ERROR:
            # libyaml 0.2.6 (bundled from PyYAML 6.0.3 on) stops at its own nesting bound while
            # scanning ahead, before the builder sees the 65th level: the same limit, one rule id
            raise SourceError(
                _problem(
                    "yaml-limit",
                    f"the document nests deeper than {limits.max_depth} levels",
                    _inside(text, where),
                )
            ) from exc
        problem = exc.problem or str(exc)
        context = f" ({exc.context})" if exc.context else ""
        raise SourceError(
            _problem("yaml-syntax", f"invalid YAML: {problem}{context}", _inside(text, where))
        ) from exc
    except yaml.reader.ReaderError as exc:
        raise SourceError(_reader_problem(text, exc)) from exc
    except yaml.YAMLError as exc:
        raise SourceError(_problem("yaml-syntax", f"invalid YAML: {exc}", Position(1, 1))) from exc
    doc = builder.doc
    if text and text[-1] not in "\r\n":
        # only then can libyaml place a node (an implicit null at the very end) past the text
        _pull_inside(text, doc)
    if not builder.root_set or doc.data is None:
        raise SourceError(
            _problem(
                "empty-file",
                "the file holds no definition (it is empty or only comments)",
                Position(1, 1),
            )
        )
    if not isinstance(doc.data, dict):
        what = "a list" if isinstance(doc.data, list) else f"a single {type(doc.data).__name__}"
        raise SourceError(
            _problem(
                "not-a-mapping",
                f"the document is {what}; a definition is a mapping of keys to values",
                doc.value_positions.get("", Position(1, 1)),
            )
        )
    return doc


def decode(raw: bytes) -> str:
    """UTF-8 text of a file (a UTF-8 byte order mark is allowed); SourceError otherwise."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(
            _problem(
                "encoding",
                f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; definition files are UTF-8",
                position_at(raw, exc.start),
            )
        ) from exc


def read_text(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    """Apply the size limit, then decode."""
    if len(raw) > limits.max_bytes:
        raise SourceError(
            _problem(
                "yaml-limit",
                f"the file is {len(raw)} bytes; definition files may be at most "
                f"{limits.max_bytes} bytes",
                Position(1, 1),
            )
        )
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        raise SourceError(
            _problem(
                "encoding",
                "the file contains a NUL byte: it is binary or not UTF-8 "
                "(UTF-16 files are not supported)",
                position_at(raw, offset),
            )
        )
    return decode(raw)
