"""Open WebUI model <-> llmreg Model (docs/field-mapping.md, section 4).

Ids: an Open WebUI id ``a/b`` is the llmreg id ``a/b``; an id without ``/`` lives in the
workspace ``default``, in both directions and for ``base_model_id`` too, so that a model
exported from ``default`` keeps the plain id Open WebUI users know it by.

Access grants: the server (0.12.4) keeps grants written ``{"principal_type": "user"|"group",
"principal_id": ..., "permission": ...}`` and silently drops the seed's ``access_type``/
``access_id`` spelling; everyone is the user ``*``. Its GET output adds ``id``, ``resource_id``,
timestamps and more to each grant, which the import drops.
"""

from __future__ import annotations

import re
from typing import Any

from llmreg.interop._common import (
    Doc,
    InteropError,
    Notes,
    drop_fields,
    finish,
    need_object,
    note,
    optional_object,
    shown,
    shown_name,
    unknown_fields,
)
from llmreg.models import IDENTIFIER_PATTERN

KIND = "Model"
DEFAULT_WORKSPACE = "default"
SERVER_FIELDS = ("user_id", "write_access", "user", "created_at", "updated_at")
META = ("description", "profile_image_url", "capabilities", "tags")
FIELDS = ("display_name", "base_model_id", "params", "meta", "access_grants", "is_active")
_NAME = re.compile(IDENTIFIER_PATTERN)
_KNOWN = {"id", "name", "base_model_id", "params", "meta", "access_grants", "is_active"}


def _split(ident: Any, what: str) -> tuple[str | None, str]:
    if not isinstance(ident, str) or not ident:
        raise InteropError(f"{what} must be a non-empty string")
    parts = ident.split("/")
    if len(parts) == 1:
        workspace, name = None, parts[0]
    elif len(parts) == 2:
        workspace, name = parts[0], parts[1]
    else:
        raise InteropError(
            f"{what} {shown(ident)} has more than one '/'; llmreg ids are workspace/name"
        )
    for part in (workspace, name):
        if part is not None and not _NAME.match(part):
            raise InteropError(
                f"{what} {shown(ident)} cannot be a llmreg id (letters, digits, _ - . and one /; "
                "not only dots)"
            )
    return workspace, name


def suggested_workspace(payload: dict[str, Any]) -> str | None:
    try:
        workspace, _ = _split(payload.get("id"), "id")
    except InteropError:
        return None
    return workspace or DEFAULT_WORKSPACE


PUBLIC = ("user", "*")
EVERYONE = {"access_type": "public", "access_id": "*", "permission": "read"}


def split(payload: Any) -> list[Any]:
    """One model, the list the admin export writes (``GET /api/v1/models/export``), the body of
    the admin import (``{"models": [...]}``), or a ``{"data": [...]}`` list response."""
    for key in ("models", "data"):
        if isinstance(payload, dict) and isinstance(payload.get(key), list):
            return list(payload[key])
    return payload if isinstance(payload, list) else [payload]


def _grant_in(grant: Any, notes: Notes | None) -> Any:
    if not isinstance(grant, dict):
        return grant  # the checker explains what is wrong with it
    if "principal_type" in grant or "principal_id" in grant:
        kind, ident = grant.get("principal_type"), grant.get("principal_id")
        out: Doc = {"access_type": "public" if (kind, ident) == PUBLIC else kind}
        out["access_id"] = ident
    else:
        out = {k: grant[k] for k in ("access_type", "access_id") if k in grant}
    if grant.get("permission") is not None:
        out["permission"] = grant["permission"]
    extra = sorted(
        k
        for k in grant
        if k not in ("principal_type", "principal_id", "access_type", "access_id", "permission")
    )
    if extra:
        names = ", ".join(map(shown_name, extra))
        note(notes, f"dropped from access grants (observed by Open WebUI): {names}")
    return out


def _grant_out(grant: dict[str, Any]) -> dict[str, Any]:
    if grant["access_type"] == "public":
        kind, ident = PUBLIC
    else:
        kind, ident = grant["access_type"], grant["access_id"]
    return {
        "principal_type": kind,
        "principal_id": ident,
        "permission": grant.get("permission", "read"),
    }


def _tags(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return [t.get("name") if isinstance(t, dict) else t for t in value]


def import_(
    payload: dict[str, Any], *, workspace: str, name: str | None, notes: Notes | None = None
) -> Doc:
    need_object(payload, "an Open WebUI model")
    if name is None:
        _, name = _split(payload.get("id"), "id")
    doc: Doc = {"kind": KIND, "workspace": workspace, "name": name}
    if payload.get("name") is not None:
        doc["display_name"] = payload["name"]
    if payload.get("base_model_id"):
        base_ws, base_name = _split(payload["base_model_id"], "base_model_id")
        doc["base_model_id"] = f"{base_ws or DEFAULT_WORKSPACE}/{base_name}"
    if payload.get("params"):
        doc["params"] = payload["params"]
    meta_in = optional_object(payload.get("meta"), "meta")
    meta: Doc = {k: meta_in[k] for k in META if meta_in.get(k) is not None}
    if "tags" in meta:
        meta["tags"] = _tags(meta["tags"])
    extra = sorted(k for k in meta_in if k not in META)
    if extra:
        names = ", ".join(f"meta.{shown_name(k)}" for k in extra)
        note(notes, f"not imported (llmreg's meta has no such key): {names}")
    if meta:
        doc["meta"] = meta
    grants = payload.get("access_grants")
    if isinstance(grants, list):
        converted = [_grant_in(g, notes) for g in grants]
        # one public read grant is Open WebUI's "everyone", which llmreg says by omission
        if [{"permission": "read", **g} for g in converted] != [EVERYONE]:
            doc["access_grants"] = converted
    elif grants is not None:
        doc["access_grants"] = grants
    if payload.get("is_active") is not None:
        doc["is_active"] = payload["is_active"]
    drop_fields(payload, SERVER_FIELDS, notes, "observed or assigned by Open WebUI")
    unknown_fields(payload, {*_KNOWN, *SERVER_FIELDS}, notes)
    return finish(doc, notes)


def _open_webui_id(ident: str) -> str:
    workspace, _, name = ident.partition("/")
    return name if workspace == DEFAULT_WORKSPACE else ident


def export(definition: Doc, *, notes: Notes | None = None) -> dict[str, Any]:
    if definition.get("kind") != KIND:
        raise InteropError("Open WebUI models are made from Model definitions only")
    out: dict[str, Any] = {
        "id": _open_webui_id(f"{definition['workspace']}/{definition['name']}"),
        "name": definition.get("display_name", definition["name"]),
    }
    if "base_model_id" in definition:
        out["base_model_id"] = _open_webui_id(definition["base_model_id"])
    out["params"] = dict(definition.get("params") or {})
    meta = dict(definition.get("meta") or {})
    if "tags" in meta:
        meta["tags"] = [{"name": t} for t in meta["tags"]]
    out["meta"] = meta
    # Open WebUI gives a model without grants to nobody but its owner; llmreg's omitted
    # grants mean everyone, which Open WebUI writes as a read grant to the user "*"
    grants = definition.get("access_grants", [EVERYONE])
    out["access_grants"] = [_grant_out(g) for g in grants]
    out["is_active"] = definition.get("is_active", True)
    left_out = sorted(k for k in definition if k not in (*FIELDS, "kind", "workspace", "name"))
    if left_out:
        note(notes, f"not expressible in Open WebUI, left out: {', '.join(left_out)}")
    return out
