"""Writing a definition document as YAML that every reader takes the same way.

PyYAML's dumper quotes strings that YAML 1.1 would read as something else (``no``, ``017``,
dates), but not strings that only YAML 1.2 reads as numbers (``0o17``, ``1e3``), and llmreg
reads YAML 1.2. The dumper below asks both (YAML 1.1 as llmreg's checker reads it, which also
knows ``y`` and ``n``): a string is written plain only when both read it back as that string.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from llmreg.source import resolve_plain, yaml11_reading

_STR = "tag:yaml.org,2002:str"
_NOT_PLAIN = "tag:llmreg:quote"  # any tag but str: makes the emitter quote the string


class _Dumper(yaml.SafeDumper):
    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        plain_str = kind is yaml.ScalarNode and implicit[0] and tag == _STR
        if plain_str and (not isinstance(resolve_plain(value), str) or yaml11_reading(value)):
            return _NOT_PLAIN
        return tag

    def ignore_aliases(self, data: Any) -> bool:
        return True  # a definition file is read without anchors more easily


# Characters YAML reads as line breaks or cannot hold raw. PyYAML writes NEL and the Unicode
# separators raw in plain, single-quoted and block scalars, where a reader folds them into a
# space or a newline; only the double-quoted style escapes them (\N, \L, \P).
_ESCAPE_ONLY = re.compile(
    "[\x85\u2028\u2029\r\ufeff]|[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if _ESCAPE_ONLY.search(value):
        style: str | None = '"'
    else:
        # multi-line text (PEM certificates, prompts) reads best as a literal block; PyYAML
        # falls back to a quoted scalar when a block cannot hold the text exactly
        style = "|" if "\n" in value else None
    return dumper.represent_scalar(_STR, value, style=style)


_Dumper.add_representer(str, _str)


def dump(document: dict[str, Any]) -> str:
    return yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )


def schema_modeline(kind: str, file_path: Path) -> str:
    """The yaml-language-server modeline of the bundled files, pointing at schemas/.

    The nearest ``schemas/`` folder above the file wins; without one the registry is assumed
    to sit beside it, as providers.d/ does in this repository.
    """
    schema = f"{kind.lower()}.schema.json"
    folder = file_path.parent.resolve()
    for parent in folder.parents:
        if (parent / "schemas" / schema).is_file():
            relative = os.path.relpath(parent / "schemas" / schema, folder)
            return f"# yaml-language-server: $schema={Path(relative).as_posix()}\n"
    return f"# yaml-language-server: $schema=../../../schemas/{schema}\n"


def definition_text(document: dict[str, Any], file_path: Path) -> str:
    return schema_modeline(str(document.get("kind", "provider")), file_path) + dump(document)
