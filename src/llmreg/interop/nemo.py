"""NVIDIA NeMo ``ModelProvider`` <-> llmreg Provider (docs/field-mapping.md, section 1).

The export is the body of the create call (``POST /apis/models/v2/workspaces/{workspace}/
providers``, ``client.inference.providers.create``): NeMo does not take ``served_models`` there,
they are set by the status call (``PUT .../providers/{name}/status``,
``client.inference.providers.update_status``), whose body :func:`status_update` gives. The
import takes what NeMo returns (``ModelProvider``, the list response ``{"data": [...]}``) and
objects of the older NeMo microservices API (``namespace``, ``api_key_id``).
"""

from __future__ import annotations

import json
from typing import Any

from llmreg.interop._common import (
    Doc,
    InteropError,
    Notes,
    allow_private_network,
    copy_set,
    drop_fields,
    finish,
    need_object,
    note,
    shown,
    unknown_fields,
)
from llmreg.models import Provider

KIND = "Provider"
# The older NeMo microservices API (nemo-microservices SDK): same object, other names.
LEGACY = {"namespace": "workspace", "api_key_id": "api_key_secret_name"}
# Set by the status call, not by create.
STATUS_FIELDS = ("served_models",)
SERVER_FIELDS = ("id", "created_at", "updated_at", "status", "status_message", "auth_context")
# Same name and meaning on both sides.
SHARED = (
    "description",
    "project",
    "host_url",
    "api_key_secret_name",
    "auth_header_format",
    "served_models",
    "enabled_models",
    "default_extra_body",
    "default_extra_headers",
    "required_extra_body",
    "required_extra_headers",
    "model_deployment_id",
)
# The llmreg fields a NeMo ModelProvider expresses (besides workspace and name).
FIELDS = SHARED
_IDENTITY = ("name", "workspace")
DEFAULT_AUTH_HEADER_FORMAT = Provider.model_fields["auth_header_format"].default


def suggested_workspace(payload: dict[str, Any]) -> str | None:
    for key in ("workspace", "namespace"):
        workspace = payload.get(key)
        if isinstance(workspace, str) and workspace:
            return workspace
    return None


def split(payload: Any) -> list[Any]:
    """The objects of a NeMo payload: one ModelProvider, a list, or the list response."""
    if isinstance(payload, dict) and isinstance(payload.get("data"), list):
        return list(payload["data"])
    return payload if isinstance(payload, list) else [payload]


def _modernised(payload: dict[str, Any], notes: Notes | None) -> dict[str, Any]:
    payload = dict(payload)
    for old, new in LEGACY.items():
        if old in payload:
            value = payload.pop(old)
            if payload.get(new) is None:
                payload[new] = value
                note(notes, f"{old} (older NeMo microservices API) read as {new}")
    return payload


def import_(
    payload: dict[str, Any], *, workspace: str, name: str | None, notes: Notes | None = None
) -> Doc:
    need_object(payload, "a NeMo ModelProvider")
    payload = _modernised(payload, notes)
    own_name = payload.get("name")
    name = name or own_name
    if not isinstance(name, str) or not name:
        raise InteropError("the ModelProvider has no name; pass --name")
    own_workspace = payload.get("workspace")
    if isinstance(own_workspace, str) and own_workspace and own_workspace != workspace:
        note(
            notes,
            f"workspace {shown(own_workspace)} of the payload replaced by {shown(workspace)}",
        )
    doc: Doc = {"kind": KIND, "workspace": workspace, "name": name, "provider_type": "nim"}
    note(
        notes,
        "provider_type set to nim (NeMo has no provider type); change it if the endpoint "
        "speaks another API",
    )
    copy_set(payload, doc, SHARED)
    if doc.get("enabled_models") and not doc.get("served_models"):
        # a model can only be enabled among the served ones (the check's enabled-not-served)
        del doc["enabled_models"]
        note(
            notes,
            "enabled_models dropped: there are no served_models (NeMo sets them with the status "
            "call, a create request has none); import what NeMo returns (GET) to keep both",
        )
    drop_fields(payload, SERVER_FIELDS, notes, "observed or assigned by the NeMo server")
    unknown_fields(payload, {*_IDENTITY, *SHARED, *SERVER_FIELDS}, notes)
    allow_private_network(doc, notes, "NeMo")
    return finish(doc, notes)


def status_update(definition: Doc) -> dict[str, Any]:
    """The body of the status call that sets what create cannot (empty: no call needed)."""
    out: dict[str, Any] = {}
    copy_set(definition, out, STATUS_FIELDS)
    return out


def export(definition: Doc, *, notes: Notes | None = None) -> dict[str, Any]:
    if definition.get("kind") != KIND:
        raise InteropError("NeMo ModelProviders are made from Provider definitions only")
    out: dict[str, Any] = {"name": definition["name"], "workspace": definition["workspace"]}
    copy_set(definition, out, tuple(k for k in SHARED if k not in STATUS_FIELDS))
    out.setdefault("auth_header_format", DEFAULT_AUTH_HEADER_FORMAT)
    status = status_update(definition)
    if status:
        note(
            notes,
            f"served_models are not a create argument: after creating, call PUT "
            f"/apis/models/v2/workspaces/{definition['workspace']}/providers/"
            f"{definition['name']}/status (client.inference.providers.update_status) with "
            f"{json.dumps(status, ensure_ascii=False)}",
        )
    left_out = sorted(
        k for k in definition if k not in (*SHARED, *_IDENTITY, "kind") and k != "provider_type"
    )
    if left_out:
        note(notes, f"not expressible in a NeMo ModelProvider, left out: {', '.join(left_out)}")
    return out
