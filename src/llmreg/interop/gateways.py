"""The registry-wide exports and multi-definition imports of gateway configurations.

Unlike the four seed systems (one definition <-> one object), a gateway's configuration file
holds every deployment, so these work on a whole Registry out and on a list of documents in.
Each entry renders its text itself (JSON, YAML or TOML), as the gateway reads it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmreg.interop._common import Doc, Notes

if TYPE_CHECKING:
    from llmreg.registry import Registry


@dataclass(frozen=True)
class Gateway:
    title: str
    export: Callable[[Registry, Notes], str]
    import_: Callable[..., list[Doc]] | None = None


def _litellm_map(registry: Registry, notes: Notes) -> str:
    from llmreg.interop.litellm import export_model_map

    return json.dumps(export_model_map(registry, notes), indent=2, ensure_ascii=False) + "\n"


def _litellm_proxy(registry: Registry, notes: Notes) -> str:
    from llmreg.interop.litellm import export_proxy
    from llmreg.interop.yaml_out import dump

    return dump(export_proxy(registry, notes))


def _import_litellm_map(payload: Any, *, workspace: str, notes: Notes) -> list[Doc]:
    from llmreg.interop.litellm import import_model_map

    return import_model_map(payload, workspace=workspace, notes=notes)


def _import_litellm_proxy(payload: Any, *, workspace: str, notes: Notes) -> list[Doc]:
    from llmreg.interop.litellm import import_proxy

    return import_proxy(payload, workspace=workspace, notes=notes)


def _tensorzero(registry: Registry, notes: Notes) -> str:
    from llmreg.interop.tensorzero import export_config, render

    return render(export_config(registry, notes))


GATEWAYS: dict[str, Gateway] = {
    "litellm": Gateway("LiteLLM model map", _litellm_map, _import_litellm_map),
    "litellm-proxy": Gateway("LiteLLM proxy config", _litellm_proxy, _import_litellm_proxy),
    "tensorzero": Gateway("TensorZero tensorzero.toml", _tensorzero),
}
