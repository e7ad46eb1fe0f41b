"""Take a format 2 snapshot apart and put it back together in its layout, for tests that tamper.

Written from the layout described in ``llmreg/snapshot.py`` and docs/runtime.md, not with
llmreg's own writer, so that a test rewriting a snapshot also pins the layout it reads.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Parts:
    header: dict[str, Any]  # line 1: format, format_version, ..., count, content_hash
    rows: list[list[str]]  # the index: [kind, id, config_hash], sorted
    texts: list[bytes]  # each definition's canonical text, in the rows' order

    def text_of(self, ident: str) -> bytes:
        return self.texts[self.position(ident)]

    def position(self, ident: str) -> int:
        return next(i for i, row in enumerate(self.rows) if row[1] == ident)

    def replace_text(self, ident: str, text: bytes, *, rehash: bool = True) -> None:
        """Put ``text`` in place of the definition ``ident``; with ``rehash`` its config_hash
        follows (so only the registry hash tells)."""
        position = self.position(ident)
        self.texts[position] = text
        if rehash:
            self.rows[position][2] = sha(text)

    def index(self) -> bytes:
        return json.dumps(self.rows, separators=(",", ":")).encode()

    def rehash_registry(self) -> None:
        self.header["registry_hash"] = sha(self.index())


def read_parts(path: Path) -> Parts:
    raw = path.read_bytes()
    head, index, sizes, definitions_key, rest = raw.split(b"\n", 4)
    assert head.endswith(b",") and definitions_key == b'"definitions":['
    header = json.loads(head[:-1] + b"}")
    rows = json.loads(index.removeprefix(b'"index":').removesuffix(b","))
    lengths = json.loads(sizes.removeprefix(b'"sizes":').removesuffix(b","))
    texts, at = [], 0
    for length in lengths:
        texts.append(rest[at : at + length])
        at += length + 2  # ",\n"
    return Parts(header, rows, texts)


def write_parts(path: Path, parts: Parts, *, rehash_content: bool = True) -> None:
    """Write ``parts`` in the layout; ``content_hash`` is recomputed unless told otherwise."""
    body = (
        b'"index":'
        + parts.index()
        + b',\n"sizes":'
        + json.dumps([len(t) for t in parts.texts], separators=(",", ":")).encode()
        + b',\n"definitions":[\n'
        + b",\n".join(parts.texts)
        + b"\n]}\n"
    )
    header = dict(parts.header)
    if rehash_content:
        header["content_hash"] = sha(body)
    head = json.dumps(header, separators=(",", ":")).encode()[:-1] + b",\n"
    path.write_bytes(head + body)


def rewrite(path: Path, change: Any, *, rehash_content: bool = True) -> None:
    parts = read_parts(path)
    change(parts)
    write_parts(path, parts, rehash_content=rehash_content)
