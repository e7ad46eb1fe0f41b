"""NVIDIA NeMo ``ModelProvider`` <-> llmreg Provider (docs/field-mapping.md, section 1)."""

from __future__ import annotations

from typing import Any

from llmreg.interop._common import (
    Doc,
    InteropError,
    Notes,
    copy_set,
    drop_fields,
    finish,
    need_object,
    note,
    unknown_fields,
)
from llmreg.models import Provider

KIND = "Provider"
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
    workspace = payload.get("workspace")
    return workspace if isinstance(workspace, str) and workspace else None


def import_(
    payload: dict[str, Any], *, workspace: str, name: str | None, notes: Notes | None = None
) -> Doc:
    need_object(payload, "a NeMo ModelProvider")
    own_name = payload.get("name")
    name = name or own_name
    if not isinstance(name, str) or not name:
        raise InteropError("the ModelProvider has no name; pass --name")
    own_workspace = payload.get("workspace")
    if isinstance(own_workspace, str) and own_workspace and own_workspace != workspace:
        note(notes, f"workspace {own_workspace!r} of the payload replaced by {workspace!r}")
    doc: Doc = {"kind": KIND, "workspace": workspace, "name": name, "provider_type": "nim"}
    note(
        notes,
        "provider_type set to nim (NeMo has no provider type); change it if the endpoint "
        "speaks another API",
    )
    copy_set(payload, doc, SHARED)
    drop_fields(payload, SERVER_FIELDS, notes, "observed or assigned by the NeMo server")
    unknown_fields(payload, {*_IDENTITY, *SHARED, *SERVER_FIELDS}, notes)
    return finish(doc, notes)


def export(definition: Doc, *, notes: Notes | None = None) -> dict[str, Any]:
    if definition.get("kind") != KIND:
        raise InteropError("NeMo ModelProviders are made from Provider definitions only")
    out: dict[str, Any] = {"name": definition["name"], "workspace": definition["workspace"]}
    copy_set(definition, out, SHARED)
    out.setdefault("auth_header_format", DEFAULT_AUTH_HEADER_FORMAT)
    left_out = sorted(
        k for k in definition if k not in (*SHARED, *_IDENTITY, "kind") and k != "provider_type"
    )
    if left_out:
        note(notes, f"not expressible in a NeMo ModelProvider, left out: {', '.join(left_out)}")
    return out
