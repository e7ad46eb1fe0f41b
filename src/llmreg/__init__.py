"""llmreg: LLM provider and model configuration as code.

``import llmreg`` stays light: the names below are imported from their modules on first use
(PEP 562 module ``__getattr__``), so a service that only loads a snapshot never imports the
YAML reader or jsonschema, and nothing imports pydantic until a definition is needed.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "MissingSecretError",
    "Model",
    "Principal",
    "Provider",
    "Ref",
    "Registry",
    "RegistryDiff",
    "RegistryError",
    "Route",
    "RouteError",
    "SnapshotError",
    "UnknownIdError",
    "Watcher",
    "__version__",
    "config_hash",
    "diff",
    "load",
    "load_snapshot",
    "load_url",
    "registry_hash",
]

_LAZY = {
    "Diagnostic": "llmreg.diagnostics",
    "MissingSecretError": "llmreg.errors",
    "RegistryError": "llmreg.errors",
    "RouteError": "llmreg.errors",
    "SnapshotError": "llmreg.errors",
    "UnknownIdError": "llmreg.errors",
    "Model": "llmreg.models",
    "Provider": "llmreg.models",
    "Principal": "llmreg.registry",
    "Registry": "llmreg.registry",
    "Route": "llmreg.route",
    "load": "llmreg.registry",
    "load_snapshot": "llmreg.snapshot",
    "load_url": "llmreg.remote",
    "config_hash": "llmreg.hashing",
    "registry_hash": "llmreg.hashing",
    "Ref": "llmreg.watch",
    "RegistryDiff": "llmreg.watch",
    "Watcher": "llmreg.watch",
    "diff": "llmreg.watch",
}

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from llmreg.diagnostics import Diagnostic
    from llmreg.errors import (
        MissingSecretError,
        RegistryError,
        RouteError,
        SnapshotError,
        UnknownIdError,
    )
    from llmreg.hashing import config_hash, registry_hash
    from llmreg.models import Model, Provider
    from llmreg.registry import Principal, Registry, load
    from llmreg.remote import load_url
    from llmreg.route import Route
    from llmreg.snapshot import load_snapshot
    from llmreg.watch import Ref, RegistryDiff, Watcher, diff


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'llmreg' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
