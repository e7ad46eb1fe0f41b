"""Generate a realistic, valid llmreg registry of N files for benchmarks and tests.

The files follow the shapes of the bundled examples: one Provider or Model per file under
``<workspace>/providers/`` and ``<workspace>/models/``, with the schema modeline, served models
that reference model files, base models that reference other models, headers, pricing, access
grants and capabilities. Every file is valid, so a check of the generated registry reports nothing
and the figures measure the happy path a CI lint step sees on every commit. The output is
deterministic for a given N (the same bytes every time), so cache behaviour is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

# one provider per this many files; each provider serves the models that follow it
PROVIDER_EVERY = 10
WORKSPACES = ("default", "research", "platform", "support")
_PROVIDER_TYPES = ("openai", "anthropic", "vllm", "nim", "mistral", "groq", "fireworks")
_HOSTS = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
    "vllm": "https://vllm.inference.example.com/v1",
    "nim": "https://integrate.api.nvidia.com/v1",
    "mistral": "https://api.mistral.ai/v1",
    "groq": "https://api.groq.com/openai/v1",
    "fireworks": "https://api.fireworks.ai/inference/v1",
}
_CAPABILITIES = ("vision", "function_calling", "web_search", "json_mode", "reasoning", "citations")
_TAGS = ("chat", "code", "long-context", "cheap", "fast", "multilingual", "internal", "eval")
_WORDS = (
    "general",
    "purpose",
    "assistant",
    "tuned",
    "for",
    "support",
    "conversations",
    "with",
    "long",
    "documents",
    "and",
    "tool",
    "use;",
    "answers",
    "in",
    "the",
    "user's",
    "language",
    "and",
    "cites",
    "the",
    "knowledge",
    "base",
    "when",
    "it",
    "is",
    "available;",
    "routed",
    "through",
    "the",
    "shared",
    "gateway",
    "with",
    "per",
    "team",
    "budgets",
)


@dataclass(frozen=True)
class GeneratedFile:
    rel: str  # path relative to the registry root, POSIX separators
    kind: str  # "Provider" or "Model"
    text: str


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _model(index: int, workspace: str, rng: random.Random, base: str | None) -> GeneratedFile:
    name = f"model-{index:06d}"
    caps = "\n".join(f"    {c}: {str(rng.random() < 0.6).lower()}" for c in _CAPABILITIES)
    tags = ", ".join(rng.sample(_TAGS, 3))
    base_line = f"base_model_id: {base}\n" if base else ""
    context = rng.choice((32768, 131072, 200000, 1000000))
    text = (
        "# yaml-language-server: $schema=../../../schemas/model.schema.json\n"
        "kind: Model\n"
        f"workspace: {workspace}\n"
        f"name: {name}\n"
        f"display_name: Model {index} ({workspace})\n"
        f"{base_line}"
        "params:\n"
        f"  temperature: {rng.randint(0, 10) / 10}\n"
        f"  top_p: {rng.randint(5, 10) / 10}\n"
        f"  max_tokens: {rng.choice((1024, 2048, 4096))}\n"
        "  system: |\n"
        f"    {_sentence(rng, 30)}\n"
        f"    {_sentence(rng, 30)}\n"
        f"    {_sentence(rng, 30)}\n"
        "  stop: ['<|end|>', '</answer>']\n"
        "  response_format:\n"
        "    type: json_schema\n"
        "    strict: true\n"
        "meta:\n"
        f"  description: >-\n    {_sentence(rng, 40)}\n    {_sentence(rng, 30)}\n"
        f"  profile_image_url: https://static.example.com/models/{name}.png\n"
        "  capabilities:\n"
        f"{caps}\n"
        f"  tags: [{tags}]\n"
        "access_grants:\n"
        "  - access_type: group\n"
        f"    access_id: team-{rng.randint(1, 40)}\n"
        "    permission: read\n"
        "  - access_type: user\n"
        f"    access_id: user-{rng.randint(1, 5000)}\n"
        "    permission: write\n"
        "is_active: true\n"
        f"context_window: {context}\n"
        f"max_output_tokens: {rng.choice((4096, 8192, 16384))}\n"
        "input_modalities: [text, image]\n"
        "output_modalities: [text]\n"
        "pricing:\n"
        "  currency: USD\n"
        f"  input_per_million: {rng.randint(1, 3000) / 100}\n"
        f"  output_per_million: {rng.randint(1, 9000) / 100}\n"
        f"  cached_input_per_million: {rng.randint(1, 300) / 100}\n"
        f'deprecation_date: "2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"\n'
        f'retirement_date: "2028-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"\n'
    )
    return GeneratedFile(f"{workspace}/models/{name}.yaml", "Model", text)


def _provider(index: int, workspace: str, rng: random.Random, served: list[str]) -> GeneratedFile:
    name = f"provider-{index:06d}"
    ptype = _PROVIDER_TYPES[index % len(_PROVIDER_TYPES)]
    entries = "".join(
        f"  - model_entity_id: {model_id}\n    served_model_name: {model_id.split('/')[1]}\n"
        for model_id in served
    )
    enabled = ", ".join(m.split("/")[1] for m in served[: max(1, len(served) // 2)])
    secret = f"{ptype.upper()}_{workspace.upper()}_{index}_API_KEY"
    text = (
        "# yaml-language-server: $schema=../../../schemas/provider.schema.json\n"
        "kind: Provider\n"
        f"workspace: {workspace}\n"
        f"name: {name}\n"
        f"provider_type: {ptype}\n"
        f"description: {_sentence(rng, 40)}\n"
        f"project: projects/{workspace}-inference\n"
        "enabled: true\n"
        f"host_url: {_HOSTS[ptype]}\n"
        f"api_key_secret_name: {secret}\n"
        "auth_header_format: 'Authorization: Bearer {{ auth_secret }}'\n"
        "served_models:\n"
        f"{entries}"
        f"enabled_models: [{enabled}]\n"
        "default_extra_headers:\n"
        f"  X-Team: {workspace}\n"
        "  X-Request-Source: llmreg\n"
        "required_extra_headers:\n"
        f"  X-Tenant: tenant-{rng.randint(1, 99)}\n"
        "default_extra_body:\n"
        "  user_tier: standard\n"
        "network_config:\n"
        f"  default_request_timeout_in_seconds: {rng.choice((30, 60, 120))}\n"
        f"  max_retries: {rng.randint(0, 5)}\n"
        "  retry_backoff_initial: 500\n"
        "  retry_backoff_max: 10000\n"
        "concurrency_and_buffer_size:\n"
        f"  concurrency: {rng.choice((10, 50, 100))}\n"
        "  buffer_size: 1000\n"
        "scope: Organization\n"
        f"budget_limit: {rng.randint(100, 10000)}.0\n"
        f"budget_alert_threshold: {rng.randint(10, 99)}.5\n"
        "budget_reset_period: Monthly\n"
    )
    return GeneratedFile(f"{workspace}/providers/{name}.yaml", "Provider", text)


def generate(count: int, seed: int = 6) -> list[GeneratedFile]:
    """``count`` files: one provider for every PROVIDER_EVERY files, the rest models."""
    rng = random.Random(seed)
    files: list[GeneratedFile] = []
    pending: list[str] = []  # models waiting for the next provider to serve them
    earlier: list[str] = []  # models that a later model may derive from
    for index in range(count):
        workspace = WORKSPACES[(index // PROVIDER_EVERY) % len(WORKSPACES)]
        if index % PROVIDER_EVERY == PROVIDER_EVERY - 1 or (index == count - 1 and pending):
            files.append(_provider(index, workspace, rng, pending or earlier[-1:]))
            pending = []
            continue
        base = rng.choice(earlier) if earlier and rng.random() < 0.3 else None
        model = _model(index, workspace, rng, base)
        files.append(model)
        model_id = f"{workspace}/model-{index:06d}"
        pending.append(model_id)
        earlier.append(model_id)
    return files


def write_registry(root: Path, count: int, seed: int = 6) -> list[Path]:
    """Write a registry of ``count`` files under ``root``; the written paths, sorted."""
    paths = []
    for item in generate(count, seed):
        path = root / item.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(item.text, encoding="utf-8")
        paths.append(path)
    return sorted(paths)
