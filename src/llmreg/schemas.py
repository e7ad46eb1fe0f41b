"""Export of JSON Schemas from the pydantic models, and the drift check.

The schemas are committed twice: in the repository's ``schemas/`` (what editors and other tools
point at) and inside the package (what ``llmreg check`` validates with, so that checking needs
no pydantic import). Both must equal what the models export; ``llmreg schema check`` says where
they differ.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from llmreg._record import Frozen

KINDS = ("provider", "model")
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_id(kind: str) -> str:
    return f"urn:llmreg:schema:{kind}:v1"


def schema_filename(kind: str) -> str:
    return f"{kind}.schema.json"


def generate(kind: str) -> dict[str, Any]:
    """The JSON Schema the pydantic model of ``kind`` ('provider' or 'model') exports."""
    from pydantic.json_schema import GenerateJsonSchema

    from llmreg.models import Model, Provider

    class _Generator(GenerateJsonSchema):
        def dict_schema(self, schema: Any) -> dict[str, Any]:
            # pydantic writes a dict with pattern-constrained keys as patternProperties, which
            # lets keys that miss the pattern through. A strict model rejects them, so the schema
            # must too: propertyNames carries the key constraint.
            out: dict[str, Any] = self._common_dict_schema(schema)
            patterns = out.pop("patternProperties", None)
            if patterns:
                ((pattern, value_schema),) = patterns.items()
                names = dict(out.get("propertyNames", {}))
                names["pattern"] = pattern
                out["propertyNames"] = names
                out["additionalProperties"] = value_schema
            return out

    model: type[Provider] | type[Model] = Provider if kind == "provider" else Model
    body = model.model_json_schema(mode="validation", schema_generator=_Generator)
    return {"$schema": SCHEMA_DIALECT, "$id": schema_id(kind), **body}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


# The package's own folder: llmreg is a regular package on disk, where importlib.resources would
# give the same folder after importing itself, zipfile and tempfile (about 3 ms, paid by every
# llmreg check that validates a file).
_PACKAGED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_schemas")


def packaged_text(kind: str) -> str:
    with open(os.path.join(_PACKAGED_DIR, schema_filename(kind)), encoding="utf-8") as handle:
        return handle.read()


def packaged(kind: str) -> dict[str, Any]:
    """The schema shipped inside the package (what ``llmreg check`` validates with)."""
    loaded: dict[str, Any] = json.loads(packaged_text(kind))
    return loaded


def packaged_dir() -> Path:
    return Path(_PACKAGED_DIR)


def export(out_dir: Path) -> list[Path]:
    """Write every schema into ``out_dir``; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        target = out_dir / schema_filename(kind)
        target.write_text(render(generate(kind)), encoding="utf-8")
        written.append(target)
    return written


class Drift(Frozen):
    _fields = ("file", "detail")
    __slots__ = _fields
    file: Path
    detail: str

    def __init__(self, file: Path, detail: str) -> None:
        put = object.__setattr__
        put(self, "file", file)
        put(self, "detail", detail)


def check(directories: list[Path]) -> list[Drift]:
    """Compare each directory's schema files with what the models export now."""
    drifts: list[Drift] = []
    for kind in KINDS:
        expected = render(generate(kind))
        for directory in directories:
            target = directory / schema_filename(kind)
            try:
                actual = target.read_text(encoding="utf-8")
            except OSError as exc:
                drifts.append(Drift(target, f"cannot be read: {exc.strerror or exc}"))
                continue
            if actual != expected:
                import difflib  # only for a drift, which is rare

                diff = difflib.unified_diff(
                    actual.splitlines(),
                    expected.splitlines(),
                    fromfile=f"{target} (committed)",
                    tofile=f"{target} (exported by the models)",
                    lineterm="",
                    n=1,
                )
                drifts.append(Drift(target, "\n".join(list(diff)[:60])))
    return drifts
