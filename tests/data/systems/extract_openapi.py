"""Write the JSON Schema extract of NeMo Platform's published OpenAPI document used by the tests.

Run by hand when the pinned release changes (the tests never download anything):

    pip download nemo-platform==0.3.0 --no-deps -d /tmp/nemo
    unzip -q /tmp/nemo/*.whl -d /tmp/nemo
    python tests/data/systems/extract_openapi.py \
        /tmp/nemo/nemo_platform/cli/docs/fern/openapi/openapi.yaml

The extract keeps the components the ModelProvider calls use, and every component they refer
to, unchanged except that ``#/components/schemas/X`` becomes ``#/$defs/X``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOTS = ("CreateModelProviderRequest", "UpdateModelProviderStatusRequest", "ModelProvider")
PREFIX = "#/components/schemas/"


def refs(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = (
            {value["$ref"][len(PREFIX) :]}
            if str(value.get("$ref", "")).startswith(PREFIX)
            else set()
        )
        return found.union(*(refs(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(refs(v) for v in value))
    return set()


def main(spec_path: str) -> None:
    raw = Path(spec_path).read_bytes()
    components = yaml.safe_load(raw)["components"]["schemas"]
    wanted, todo = set(), list(ROOTS)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo += sorted(refs(components[name]))
    text = json.dumps({name: components[name] for name in sorted(wanted)})
    defs = json.loads(text.replace(f'"{PREFIX}', '"#/$defs/'))
    out = {
        "$comment": (
            "EXTRACT of NeMo Platform's OpenAPI document, shipped in the nemo-platform 0.3.0 "
            "wheel (Apache-2.0) as nemo_platform/cli/docs/fern/openapi/openapi.yaml, sha256 "
            f"{hashlib.sha256(raw).hexdigest()}; the SDK types are generated from it. Written by "
            "tests/data/systems/extract_openapi.py."
        ),
        "$defs": defs,
    }
    target = Path(__file__).with_name("nemo-providers.openapi.extract.json")
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
