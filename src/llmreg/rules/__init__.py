"""The rule catalogue: every finding llmreg reports has one of these stable ids."""

from __future__ import annotations

from dataclasses import dataclass

from llmreg.diagnostics import Severity


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    bad: str
    good: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "read-error",
            "error",
            "The file could not be read (permissions, a broken link, a directory named *.yaml).",
            "chmod 000 providers.d/default/providers/openai.yaml",
            "chmod 644 providers.d/default/providers/openai.yaml",
        ),
        Rule(
            "encoding",
            "error",
            "The file is not UTF-8 text (undecodable bytes, NUL bytes, UTF-16).",
            "description: caf\\xe9   # Latin-1 byte",
            "description: café     # saved as UTF-8",
        ),
        Rule(
            "yaml-syntax",
            "error",
            "The file is not valid YAML, or uses YAML that has no JSON meaning "
            "(complex keys, undefined or self-referencing aliases).",
            "host_url: [https://api.openai.com/v1",
            "host_url: https://api.openai.com/v1",
        ),
        Rule(
            "yaml-limit",
            "error",
            "The file is too large, nests too deep or expands aliases too often "
            "(1 MiB, 64 levels, 100,000 values).",
            "a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n...",
            "Write values out; definitions are small.",
        ),
        Rule(
            "empty-file",
            "error",
            "The file holds no document (empty, or only comments).",
            "# nothing here",
            "kind: Model\nworkspace: default\nname: gpt-4o",
        ),
        Rule(
            "multi-document",
            "error",
            "The file holds several YAML documents; keep one definition per file.",
            "kind: Model\n...\n---\nkind: Model\n...",
            "Split the documents into one file each.",
        ),
        Rule(
            "not-a-mapping",
            "error",
            "The document is a list or a single value instead of a mapping.",
            "- kind: Model",
            "kind: Model",
        ),
        Rule(
            "duplicate-key",
            "error",
            "A key appears twice in one mapping; YAML readers disagree on which value wins.",
            "max_retries: 3\nmax_retries: 5",
            "max_retries: 5",
        ),
        Rule(
            "unsafe-tag",
            "error",
            "A YAML tag other than the core ones (!!python/..., !!binary, !!set, custom tags). "
            "Tags are never constructed.",
            "host_url: !!python/object/apply:os.system [id]",
            "host_url: https://api.openai.com/v1",
        ),
        Rule(
            "yaml11-ambiguous",
            "warning",
            "An unquoted value that YAML 1.1 tools (PyYAML) read differently from YAML 1.2 "
            "(yes/no/on/off, 017, 1:20).",
            "description: no",
            'description: "no"',
        ),
        Rule(
            "schema",
            "error",
            "The document does not match the JSON Schema of its kind: unknown or missing keys, "
            'wrong types ("30" is not an integer), values out of range (negative prices).',
            'network_config:\n  max_retries: "3"',
            "network_config:\n  max_retries: 3",
        ),
        Rule(
            "path-mismatch",
            "error",
            "The file's path disagrees with its identity; a definition lives at "
            "<registry>/<workspace>/providers|models/<name>.yaml.",
            "providers.d/default/models/gpt4.yaml containing name: gpt-4o",
            "providers.d/default/models/gpt-4o.yaml",
        ),
        Rule(
            "duplicate-id",
            "error",
            "Two definitions of one kind share an id, or ids that differ only in case.",
            "default/GPT-4o and default/gpt-4o",
            "One definition per id.",
        ),
        Rule(
            "unresolved-reference",
            "error",
            "served_models[].model_entity_id or base_model_id names a model the registry "
            "does not define, or preferred_providers a provider that does not serve the model.",
            "served_models:\n  - model_entity_id: default/gpt-5o\n    served_model_name: gpt-5o",
            "served_models:\n  - model_entity_id: default/gpt-4o\n    served_model_name: gpt-4o",
        ),
        Rule(
            "enabled-not-served",
            "error",
            "enabled_models names a model the provider does not serve (by served_model_name "
            "or model id).",
            "served_models: [{model_entity_id: default/a, served_model_name: a}]\n"
            "enabled_models: [b]",
            "enabled_models: [a]",
        ),
        Rule(
            "duplicate-served-model",
            "error",
            "A provider lists the same model or served_model_name twice in served_models.",
            "served_models:\n  - {model_entity_id: default/a, served_model_name: a}\n"
            "  - {model_entity_id: default/a, served_model_name: a2}",
            "served_models:\n  - {model_entity_id: default/a, served_model_name: a}",
        ),
        Rule(
            "reference-cycle",
            "error",
            "base_model_id chains loop back on themselves.",
            "default/a: base_model_id: default/b; default/b: base_model_id: default/a",
            "Let the chain end at a model without base_model_id.",
        ),
        Rule(
            "inline-secret",
            "error",
            "A secret value is written in the file (API-key-shaped strings, credentials in "
            "headers, body keys or URLs). Name the secret instead.",
            "required_extra_headers:\n  Authorization: Bearer sk-proj-abc123...",
            "api_key_secret_name: OPENAI_API_KEY",
        ),
        Rule(
            "auth-header-format",
            "error",
            "auth_header_format is not one 'Header-Name: value' line that substitutes "
            "{{ auth_secret }} and nothing else (no expressions, filters or statements).",
            "auth_header_format: 'X-Api-Key: {{ auth_secret | upper }}'",
            "auth_header_format: 'X-Api-Key: {{ auth_secret }}'",
        ),
        Rule(
            "invalid-header",
            "error",
            "A header in default_extra_headers or required_extra_headers cannot be sent: a line "
            "break or control character, non-ASCII text, or white space at either end.",
            'default_extra_headers:\n  X-Team: "blue\\r\\nX-Admin: 1"',
            "default_extra_headers:\n  X-Team: blue",
        ),
        Rule(
            "invalid-url",
            "error",
            "An endpoint or proxy URL is not an absolute http(s) URL with a host.",
            "host_url: api.openai.com/v1",
            "host_url: https://api.openai.com/v1",
        ),
        Rule(
            "private-network",
            "error",
            "A plain http:// URL, or a private, loopback, link-local or single-label host, "
            "without network_config.allow_private_network: true.",
            "host_url: http://10.0.0.12:8000/v1",
            "host_url: http://10.0.0.12:8000/v1\nnetwork_config:\n  allow_private_network: true",
        ),
        Rule(
            "insecure-tls",
            "warning",
            "network_config.insecure_skip_verify turns off certificate checks.",
            "network_config:\n  insecure_skip_verify: true",
            "network_config:\n  ca_cert_pem: |\n    -----BEGIN CERTIFICATE-----\n    ...",
        ),
        Rule(
            "invalid-pem",
            "error",
            "ca_cert_pem does not parse as one or more PEM certificates.",
            "ca_cert_pem: MIIBszCCAVmgAwIBAgIU...",
            "ca_cert_pem: |\n  -----BEGIN CERTIFICATE-----\n  MIIBszCCAVmgAwIBAgIU...\n"
            "  -----END CERTIFICATE-----",
        ),
        Rule(
            "provider-settings",
            "error",
            "Settings that do not fit the provider type: custom_provider_config without "
            "provider_type custom (or the reverse), Vertex without project and location, "
            "Azure or Google settings on other types, a key-less provider with a key.",
            "provider_type: vertex\nhost_url: https://us-central1-aiplatform.googleapis.com",
            "provider_type: vertex\ngoogle_project_id: my-proj\ngoogle_location: us-central1",
        ),
        Rule(
            "budget-threshold",
            "error",
            "budget_alert_threshold is above budget_limit, or set without a limit.",
            "budget_limit: 100\nbudget_alert_threshold: 150",
            "budget_limit: 100\nbudget_alert_threshold: 80",
        ),
        Rule(
            "model-params-schema",
            "error",
            "model_params is not a valid JSON Schema.",
            "model_params:\n  type: dictionary",
            "model_params:\n  type: object",
        ),
        Rule(
            "output-exceeds-context",
            "error",
            "max_output_tokens is larger than context_window.",
            "context_window: 8192\nmax_output_tokens: 16384",
            "context_window: 128000\nmax_output_tokens: 16384",
        ),
        Rule(
            "date-order",
            "error",
            "retirement_date is before deprecation_date.",
            "deprecation_date: 2026-06-01\nretirement_date: 2026-01-01",
            "deprecation_date: 2026-01-01\nretirement_date: 2026-06-01",
        ),
        Rule(
            "access-grant",
            "error",
            "A public access grant must have access_id '*', and only public grants may.",
            "access_grants:\n  - {access_type: public, access_id: everyone}",
            "access_grants:\n  - {access_type: public, access_id: '*'}",
        ),
        Rule(
            "invalid-suppression",
            "warning",
            "A '# llmreg: ignore' comment that names no rule, or a rule id that does not exist; "
            "it suppresses nothing (only its valid ids count).",
            "host_url: http://10.0.0.12:8000/v1  # llmreg: ignore",
            "host_url: http://10.0.0.12:8000/v1  # llmreg: ignore[private-network]",
        ),
    )
}


def severity_of(rule_id: str) -> Severity:
    return RULES[rule_id].severity
