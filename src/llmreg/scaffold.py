"""Scaffolding for ``llmreg new``: a valid starting definition at the path its identity gives.

Each file starts with the yaml-language-server modeline so editors validate and complete it
against the JSON Schema, sets the required fields to values that pass ``llmreg check`` (real
public endpoints where a provider type has one, clearly named placeholders otherwise) and lists
the main optional fields as comments.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from llmreg.layout import IDENTIFIER_PATTERN, definition_path
from llmreg.schemas import schema_filename

PROVIDER_TYPES = ("openai", "azure", "anthropic", "vertex", "gemini", "nim", "vllm", "custom")
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)


class ScaffoldError(Exception):
    """The definition cannot be written (bad name, file exists); the message says why."""


@dataclass(frozen=True)
class _Type:
    host_url: str
    lines: tuple[str, ...] = ()  # extra required or recommended lines, already YAML
    key: bool = True  # whether the type authenticates with an API key
    private: bool = False  # the placeholder endpoint is on a private network


_TYPES: dict[str, _Type] = {
    "openai": _Type("https://api.openai.com/v1"),
    "azure": _Type(
        "https://my-resource.openai.azure.com",
        (
            "deployment_name: my-deployment          # placeholder: your Azure deployment",
            'api_version: "2024-10-21"',
            "auth_header_format: 'api-key: {{ auth_secret }}'",
        ),
    ),
    "anthropic": _Type(
        "https://api.anthropic.com/v1",
        ("auth_header_format: 'x-api-key: {{ auth_secret }}'",),
    ),
    "vertex": _Type(
        "https://us-central1-aiplatform.googleapis.com",
        (
            "google_project_id: my-gcp-project       # placeholder: your Google Cloud project",
            "google_location: us-central1",
        ),
        key=False,
    ),
    "gemini": _Type(
        "https://generativelanguage.googleapis.com/v1beta",
        ("auth_header_format: 'x-goog-api-key: {{ auth_secret }}'",),
    ),
    "nim": _Type("https://integrate.api.nvidia.com/v1"),
    "vllm": _Type("http://localhost:8000/v1", key=False, private=True),
    "custom": _Type(
        "https://llm.example.com/v1",
        (
            "custom_provider_config:",
            "  base_provider_type: openai            # the API the endpoint speaks",
            "  # is_key_less: false",
            "  # allowed_requests: {chat_completion: true, embedding: false}",
            "  # request_path_overrides: {chat_completion: /v1/chat}",
        ),
    ),
}


def check_identifier(value: str, what: str) -> str:
    if not _IDENTIFIER.match(value) or len(value) > 255:
        raise ScaffoldError(
            f"{what} {value!r} must be 1-255 letters, digits, '_', '-' or '.' (it becomes the "
            "file name and half of the id)"
        )
    return value


def secret_name(name: str) -> str:
    """An environment-variable style secret name derived from a provider name."""
    stem = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper() or "LLM"
    if not (stem[0].isalpha() or stem[0] == "_"):
        stem = f"_{stem}"
    return f"{stem}_API_KEY"


def schema_reference(target: Path, kind: str) -> tuple[str, Path]:
    """The modeline's schema path for a file at ``target``, and the schema file it points at.

    The nearest folder above the file that holds ``schemas/<kind>.schema.json`` wins (the
    repository's committed schemas); without one, the path points at ``schemas/`` beside the
    registry folder, where ``llmreg schema export`` writes them.
    """
    filename = schema_filename(kind.lower())
    folder = target.parent.resolve()
    for candidate in (folder, *folder.parents):
        schema = candidate / "schemas" / filename
        if schema.is_file():
            break
    else:
        # <registry>/<workspace>/<kind folder>/name.yaml: the registry's parent is 3 levels up
        schema = folder.parents[min(2, len(folder.parents) - 1)] / "schemas" / filename
    relative = os.path.relpath(schema, folder)
    return Path(relative).as_posix(), schema


def _modeline(reference: str) -> str:
    return f"# yaml-language-server: $schema={reference}"


def provider_text(name: str, provider_type: str, workspace: str, reference: str) -> str:
    spec = _TYPES[provider_type]
    lines = [
        _modeline(reference),
        "kind: Provider",
        f"workspace: {workspace}",
        f"name: {name}",
        f"provider_type: {provider_type}",
        f"host_url: {spec.host_url}",
    ]
    secret = secret_name(name)
    if spec.key:
        lines.append(f"api_key_secret_name: {secret}   # the secret's name, never its value")
    else:
        lines.append(f"# api_key_secret_name: {secret}")
    lines.extend(spec.lines)
    if spec.private:
        lines += [
            "network_config:",
            "  allow_private_network: true          # the endpoint is on a private network",
        ]
    lines += [
        "# description: What this provider is for",
        "# served_models:                        # the models it serves ('llmreg new model')",
        f"#   - model_entity_id: {workspace}/my-model",
        "#     served_model_name: my-model",
        "# enabled_models: [my-model]            # omitted: every served model",
        "# default_extra_headers: {X-Team: platform}",
    ]
    if not spec.private:
        lines += [
            "# network_config:",
            "#   default_request_timeout_in_seconds: 60",
            "#   max_retries: 3",
        ]
    lines += [
        "# proxy_config:",
        "#   url: http://proxy.internal:3128",
        "#   password_secret_name: PROXY_PASSWORD",
        "# budget_limit: 100",
        "# budget_alert_threshold: 80",
        "# budget_reset_period: Monthly",
    ]
    return "\n".join(lines) + "\n"


def model_text(name: str, workspace: str, reference: str) -> str:
    lines = [
        _modeline(reference),
        "kind: Model",
        f"workspace: {workspace}",
        f"name: {name}",
        f"# display_name: {name}",
        "# context_window: 128000",
        "# max_output_tokens: 16384",
        "# input_modalities: [text, image]",
        "# output_modalities: [text]",
        "# params: {temperature: 0.2}",
        "# meta:",
        "#   description: What the model is good at",
        "#   capabilities: {vision: true, function_calling: true}",
        "#   tags: [general]",
        "# pricing: {currency: USD, input_per_million: 2.5, output_per_million: 10}",
        "# access_grants:                        # omitted: everyone may use it",
        "#   - {access_type: group, access_id: ml-team}",
        "# deprecation_date: 2026-06-01",
        "# retirement_date: 2026-12-01",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Written:
    path: Path
    schema: Path  # what the modeline points at (may not exist yet)


def write_new(path: Path, text: str, schema: Path) -> Written:
    """Create ``path`` with ``text``; never replaces an existing file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as out:
            out.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{path} already exists; llmreg new never overwrites a file") from None
    except OSError as exc:
        raise ScaffoldError(f"cannot write {path}: {exc.strerror or exc}") from None
    return Written(path, schema)


def new_provider(registry: Path, name: str, provider_type: str, workspace: str) -> Written:
    check_identifier(name, "provider name")
    check_identifier(workspace, "workspace")
    if provider_type not in _TYPES:
        raise ScaffoldError(f"unknown provider type {provider_type!r}")
    path = definition_path(registry, "Provider", workspace, name)
    reference, schema = schema_reference(path, "Provider")
    return write_new(path, provider_text(name, provider_type, workspace, reference), schema)


def new_model(registry: Path, name: str, workspace: str) -> Written:
    check_identifier(name, "model name")
    check_identifier(workspace, "workspace")
    path = definition_path(registry, "Model", workspace, name)
    reference, schema = schema_reference(path, "Model")
    return write_new(path, model_text(name, workspace, reference), schema)


def provider_file(registry: Path, provider_id: str, workspace: str) -> tuple[str, Path]:
    """The full id of ``provider_id`` ('name' or 'workspace/name') and its file's path."""
    provider_workspace, _, provider_name = provider_id.rpartition("/")
    provider_workspace = provider_workspace or workspace
    check_identifier(provider_workspace, "provider workspace")
    check_identifier(provider_name, "provider name")
    full = f"{provider_workspace}/{provider_name}"
    path = definition_path(registry, "Provider", provider_workspace, provider_name)
    if not path.is_file() and path.with_suffix(".yml").is_file():
        path = path.with_suffix(".yml")
    return full, path


def served_models_snippet(workspace: str, name: str) -> str:
    return (
        "served_models:\n"
        f"  - model_entity_id: {workspace}/{name}\n"
        f"    served_model_name: {name}      # the name the backend knows it by\n"
    )
