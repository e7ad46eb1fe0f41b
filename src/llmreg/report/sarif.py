"""SARIF 2.1.0: one run of llmreg with every rule of the catalogue and one result per finding.

What code-scanning services (GitHub's upload-sarif, Azure DevOps, IDE viewers) read: the rule
descriptions with an example of the mistake and of the fix, and for each result its rule, level,
message and physical location. Artifact URIs are relative with forward slashes, so a log made at
the repository root resolves against the checkout wherever it is uploaded.
"""

from __future__ import annotations

import json
from pathlib import PureWindowsPath
from urllib.parse import quote

from llmreg import __version__
from llmreg.results import CheckReport
from llmreg.rules import Rule, catalogue

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FALLBACK_INFORMATION_URI = "https://pypi.org/project/llmreg/"


def information_uri() -> str:
    """The project's home page as its package metadata states it, else its PyPI page."""
    from importlib import metadata

    try:
        meta = metadata.metadata("llmreg")
    except metadata.PackageNotFoundError:
        return FALLBACK_INFORMATION_URI
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in ("homepage", "home", "documentation", "source") and url:
            return url.strip()
    return FALLBACK_INFORMATION_URI


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def _descriptor(rule: Rule) -> dict[str, Any]:
    help_text = f"{rule.summary}\n\nExample of the mistake:\n{rule.bad}\n\nThe fix:\n{rule.good}"
    help_markdown = (
        f"{rule.summary}\n\nExample of the mistake:\n\n```yaml\n{rule.bad}\n```\n\n"
        f"The fix:\n\n```yaml\n{rule.good}\n```"
    )
    return {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": _first_sentence(rule.summary)},
        "fullDescription": {"text": rule.summary},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": rule.severity},
    }


def artifact_uri(file: str) -> str:
    """A URI reference for a path as ``llmreg check`` displays it (relative when it can be)."""
    posix = file.replace("\\", "/")
    windows = PureWindowsPath(file)
    if windows.drive:
        return "file:///" + quote(posix, safe="/:")
    if posix.startswith("/"):
        return "file://" + quote(posix, safe="/")
    return quote(posix, safe="/")


def build(report: CheckReport) -> dict[str, Any]:
    """The SARIF log of ``report`` as JSON-ready data."""
    rules = catalogue()
    rule_ids = list(rules)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    results = []
    for d in report.diagnostics:
        result: dict[str, Any] = {
            "ruleId": d.rule,
            "level": d.severity,
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(d.file)},
                        "region": {"startLine": d.line, "startColumn": d.column},
                    }
                }
            ],
        }
        if d.rule in index:
            result["ruleIndex"] = index[d.rule]
        if d.path:
            result["properties"] = {"jsonPointer": d.path}
        results.append(result)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "llmreg",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": information_uri(),
                        "rules": [_descriptor(rules[rule_id]) for rule_id in rule_ids],
                    }
                },
                # libyaml counts columns in characters, not UTF-16 code units (SARIF's default)
                "columnKind": "unicodeCodePoints",
                "invocations": [{"executionSuccessful": True}],
                "results": results,
            }
        ],
    }


def write(report: CheckReport, out: TextIO) -> None:
    out.write(json.dumps(build(report), indent=2, ensure_ascii=False) + "\n")
