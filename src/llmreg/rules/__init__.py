"""The rule catalogue: every finding llmreg reports has one of these stable ids.

A rule declares itself once, with its id, severity, summary and an example of the mistake and
the fix; the catalogue, ``llmreg rules``, ``docs/rules.md`` and the SARIF rule metadata all come
from these declarations. The ids that the pipeline itself reports (reading, schema,
suppressions) are declared here; a rule that is a function is declared where it is written,
with :func:`file_rule` (one document) or :func:`registry_rule` (the whole registry), and the
pipeline stamps its id on what it yields::

    @file_rule(
        "budget-threshold", "error",
        "budget_alert_threshold is above budget_limit, or set without a limit.",
        bad="budget_limit: 100\nbudget_alert_threshold: 150",
        good="budget_limit: 100\nbudget_alert_threshold: 80",
    )
    def budget(ctx: FileContext) -> Iterator[Hit]:
        ...
        yield Hit("/budget_alert_threshold", "budget_alert_threshold is above budget_limit")

See docs/rules.md, "Adding a rule".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from llmreg._record import Frozen

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

    from llmreg.diagnostics import Severity
    from llmreg.settings import CheckOptions

    Scope = Literal["pipeline", "file", "registry"]
    Kind = Literal["Provider", "Model"]


class Hit(Frozen):
    """What a rule function yields: where (a JSON Pointer) and what; the pipeline adds the id,
    the severity, the position and the file. ``at_key`` places it at the key, not the value."""

    _fields = ("pointer", "message", "at_key")
    __slots__ = _fields
    pointer: str
    message: str
    at_key: bool

    def __init__(self, pointer: str, message: str, at_key: bool = False) -> None:
        put = object.__setattr__
        put(self, "pointer", pointer)
        put(self, "message", message)
        put(self, "at_key", at_key)


class FileContext(Frozen):
    """What a per-file rule receives: the document's kind and data, and the settings' options.

    ``data`` has passed the schema for a rule declared with ``valid_only=True`` (the default);
    otherwise it is whatever the file holds, of any shape. ``text`` is the YAML text ``data``
    was read from (None when it came from elsewhere), for a rule that can rule work out from
    it without visiting the data."""

    _fields = ("kind", "data", "options", "text")
    __slots__ = _fields
    kind: str
    data: dict[str, Any]
    options: CheckOptions
    text: str | None

    def __init__(
        self, kind: str, data: dict[str, Any], options: CheckOptions, text: str | None = None
    ) -> None:
        put = object.__setattr__
        put(self, "kind", kind)
        put(self, "data", data)
        put(self, "options", options)
        put(self, "text", text)


class Facts(Frozen):
    """What the registry rules read of one valid definition file.

    ``data`` is not the whole document: it is :func:`registry_facts` of it, the few fields the
    registry rules read (a warm check decodes only these, never whole documents). A registry
    rule that needs another field adds it there; ``tests/rules/test_registry_facts.py`` runs the
    rules over whole documents and over their facts and compares."""

    _fields = ("index", "rel", "kind", "workspace", "name", "data")
    __slots__ = _fields
    index: int  # position of the file in the run, to attach findings
    rel: str | None  # POSIX path inside the registry; None for a file outside any registry
    kind: str
    workspace: str
    name: str
    data: dict[str, Any]

    def __init__(
        self,
        index: int,
        rel: str | None,
        kind: str,
        workspace: str,
        name: str,
        data: dict[str, Any],
    ) -> None:
        put = object.__setattr__
        put(self, "index", index)
        put(self, "rel", rel)
        put(self, "kind", kind)
        put(self, "workspace", workspace)
        put(self, "name", name)
        put(self, "data", data)

    @property
    def id(self) -> str:
        return f"{self.workspace}/{self.name}"


# The top-level fields of a valid document the registry rules read, by kind; a list of
# mappings keeps only the keys named. The catalogue fields are those the opt-in
# catalog-disagreement rule compares (llmreg.facts.FIELDS; a test keeps them equal).
_CATALOGUE_FIELDS = (
    "context_window",
    "max_output_tokens",
    "input_modalities",
    "output_modalities",
    "pricing",
)
_FACT_FIELDS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "Provider": {
        "kind": None,
        "workspace": None,
        "name": None,
        "provider_type": None,
        "served_models": ("model_entity_id", "served_model_name"),
    },
    "Model": {
        "kind": None,
        "workspace": None,
        "name": None,
        "base_model_id": None,
        "preferred_providers": None,
        **dict.fromkeys(_CATALOGUE_FIELDS),
    },
}


# The opt-in rule that reads the catalogue fields; without it a check holds no one's.
CATALOGUE_RULE = "catalog-disagreement"


def without_catalogue(facts: dict[str, Any]) -> dict[str, Any]:
    """``facts`` without the catalogue fields (most of a model's facts, read by the opt-in
    catalog-disagreement rule alone): what a check holds of each file while that rule is off.
    The cache still stores them whole, so enabling the rule later needs no file read again."""
    if not any(name in facts for name in _CATALOGUE_FIELDS):
        return facts
    return {key: value for key, value in facts.items() if key not in _CATALOGUE_FIELDS}


def registry_facts(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a schema-valid document of ``kind`` that the registry rules read, in the
    document's order (small: ids and references, never headers, prompts or descriptions)."""
    wanted = _FACT_FIELDS[kind]
    facts: dict[str, Any] = {}
    for key, value in data.items():
        if key not in wanted:
            continue
        keep = wanted[key]
        if keep is not None:
            value = [{k: item[k] for k in keep if k in item} for item in value]
        facts[key] = value
    return facts


def fact_pointers(facts: dict[str, Any]) -> list[str]:
    """Every JSON Pointer the registry rules report on in a file with these facts: the
    document, its identity and its references. The per-file stage records where each starts,
    so that a registry finding on a file served from the cache is placed without reading the
    file again. (The opt-in catalog-disagreement rule reports on the catalogue fields, which are
    not recorded: finding them in every file would cost every check for a rule few enable; its
    findings on a cached file read that file.)"""
    pointers = ["", "/kind", "/workspace", "/name"]
    for index, _entry in enumerate(facts.get("served_models") or ()):
        pointers.append(f"/served_models/{index}/model_entity_id")
    if "base_model_id" in facts:
        pointers.append("/base_model_id")
    for index, _wanted in enumerate(facts.get("preferred_providers") or ()):
        pointers.append(f"/preferred_providers/{index}")
    return pointers


def flat_positions(
    positions: dict[str, tuple[int, int]], facts: dict[str, Any]
) -> list[int] | None:
    """The (line, column) of each of ``fact_pointers(facts)`` in that order, flattened, as the
    cache stores them and a large check holds them; None when one of them is not known."""
    flat: list[int] = []
    for pointer in fact_pointers(facts):
        where = positions.get(pointer)
        if where is None:
            return None
        flat.extend(where)
    return flat


class RegistryContext(Frozen):
    """What a registry rule receives: the facts of every valid file, and the ids of every model
    file, valid or not (a reference to an invalid model is not reported as missing)."""

    _fields = ("files", "defined_models")
    __slots__ = _fields
    files: Sequence[Facts]
    defined_models: frozenset[str]

    def __init__(self, files: Sequence[Facts], defined_models: frozenset[str]) -> None:
        put = object.__setattr__
        put(self, "files", files)
        put(self, "defined_models", defined_models)


FileCheck = Callable[[FileContext], Iterator[Hit]]
RegistryCheck = Callable[[RegistryContext], Iterator[tuple[int, Hit]]]


class Rule(Frozen):
    _fields = (
        "id",
        "severity",
        "summary",
        "bad",
        "good",
        "scope",
        "kinds",
        "valid_only",
        "check",
        "details",
        "opt_in",
        "requires",
    )
    __slots__ = _fields
    # ``check`` is left out of equality, hashing and repr, as the dataclass's field said
    _compare = _repr = tuple(name for name in _fields if name != "check")
    id: str
    severity: Severity
    summary: str
    bad: str
    good: str
    scope: Scope
    kinds: tuple[str, ...] | None  # None: documents of any kind
    valid_only: bool
    check: Callable[..., Any] | None
    details: str  # more prose for docs/rules.md, after the summary
    # off unless listed in ``enable`` of [tool.llmreg]; ``requires`` is (module, what to install)
    opt_in: bool
    requires: tuple[str, str] | None

    def __init__(
        self,
        id: str,
        severity: Severity,
        summary: str,
        bad: str,
        good: str,
        scope: Scope = "pipeline",
        kinds: tuple[str, ...] | None = None,
        valid_only: bool = True,
        check: Callable[..., Any] | None = None,
        details: str = "",
        opt_in: bool = False,
        requires: tuple[str, str] | None = None,
    ) -> None:
        put = object.__setattr__
        put(self, "id", id)
        put(self, "severity", severity)
        put(self, "summary", summary)
        put(self, "bad", bad)
        put(self, "good", good)
        put(self, "scope", scope)
        put(self, "kinds", kinds)
        put(self, "valid_only", valid_only)
        put(self, "check", check)
        put(self, "details", details)
        put(self, "opt_in", opt_in)
        put(self, "requires", requires)


_RULES: dict[str, Rule] = {}
_CATALOGUE: dict[str, Rule] = {}
_SCOPES: tuple[Scope, ...] = ("pipeline", "registry", "file")


def catalogue() -> dict[str, Rule]:
    """Every rule by id: the pipeline's own, then the registry rules, then the per-file rules,
    each in declaration order (whichever module was imported first). The modules of the rule
    functions are imported on first use: a check that the cache answers entirely, without a
    finding, needs none of them."""
    if not _CATALOGUE:
        from llmreg.rules import cross_file, per_file  # noqa: F401 - they declare their rules

        for scope in _SCOPES:
            _CATALOGUE.update((r.id, r) for r in _RULES.values() if r.scope == scope)
    return _CATALOGUE


def __getattr__(name: str) -> Any:
    if name == "RULES":  # ``from llmreg.rules import RULES``: the complete catalogue
        return catalogue()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def declare(rule: Rule) -> Rule:
    if rule.id in _RULES or _CATALOGUE:
        raise ValueError(f"rule {rule.id!r} is declared twice, or after the catalogue was read")
    _RULES[rule.id] = rule
    return rule


def file_rule(
    id: str,
    severity: Severity,
    summary: str,
    *,
    bad: str,
    good: str,
    kinds: tuple[Kind, ...] | None = None,
    valid_only: bool = True,
    details: str = "",
) -> Callable[[FileCheck], FileCheck]:
    """Declare a rule on one document; it runs on documents of ``kinds`` (None: any kind,
    even one the schema refuses)."""

    def register(check: FileCheck) -> FileCheck:
        declare(Rule(id, severity, summary, bad, good, "file", kinds, valid_only, check, details))
        return check

    return register


def registry_rule(
    id: str,
    severity: Severity,
    summary: str,
    *,
    bad: str,
    good: str,
    details: str = "",
    opt_in: bool = False,
    requires: tuple[str, str] | None = None,
) -> Callable[[RegistryCheck], RegistryCheck]:
    """Declare a rule over the valid files of the whole registry. An ``opt_in`` rule runs only
    when ``enable`` of the settings names it; it may need a module (``requires``: the module
    and what to install), which the settings check when they enable it."""

    def register(check: RegistryCheck) -> RegistryCheck:
        declare(
            Rule(
                id,
                severity,
                summary,
                bad,
                good,
                "registry",
                check=check,
                details=details,
                opt_in=opt_in,
                requires=requires,
            )
        )
        return check

    return register


def file_rules() -> list[Rule]:
    from llmreg.rules import per_file  # noqa: F401 - it declares its rules

    return [r for r in _RULES.values() if r.scope == "file"]


def registry_rules() -> list[Rule]:
    # only these run on every check, even one the cache answers: the per-file rules' module
    # (and what it imports) is not needed for them
    from llmreg.rules import cross_file  # noqa: F401 - it declares its rules

    return [r for r in _RULES.values() if r.scope == "registry"]


def severity_of(rule_id: str) -> Severity:
    return catalogue()[rule_id].severity


declare(
    Rule(
        "read-error",
        "error",
        "The file could not be read (permissions, a broken link, a directory named *.yaml).",
        "chmod 000 providers.d/default/providers/openai.yaml",
        "chmod 644 providers.d/default/providers/openai.yaml",
        "pipeline",
    )
)

declare(
    Rule(
        "encoding",
        "error",
        "The file is not UTF-8 text (undecodable bytes, NUL bytes, UTF-16).",
        "description: caf\\xe9   # Latin-1 byte",
        "description: café     # saved as UTF-8",
        "pipeline",
    )
)

declare(
    Rule(
        "yaml-syntax",
        "error",
        "The file is not valid YAML, or uses YAML that has no JSON meaning (complex keys, "
        "undefined or self-referencing aliases).",
        "host_url: [https://api.openai.com/v1",
        "host_url: https://api.openai.com/v1",
        "pipeline",
    )
)

declare(
    Rule(
        "yaml-limit",
        "error",
        "The file is too large, nests too deep or expands aliases too often (1 MiB, 64 levels, "
        "100,000 values).",
        "a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n...",
        "Write values out; definitions are small.",
        "pipeline",
    )
)

declare(
    Rule(
        "empty-file",
        "error",
        "The file holds no document (empty, or only comments).",
        "# nothing here",
        "kind: Model\nworkspace: default\nname: gpt-4o",
        "pipeline",
    )
)

declare(
    Rule(
        "multi-document",
        "error",
        "The file holds several YAML documents; keep one definition per file.",
        "kind: Model\n...\n---\nkind: Model\n...",
        "Split the documents into one file each.",
        "pipeline",
    )
)

declare(
    Rule(
        "not-a-mapping",
        "error",
        "The document is a list or a single value instead of a mapping.",
        "- kind: Model",
        "kind: Model",
        "pipeline",
    )
)

declare(
    Rule(
        "duplicate-key",
        "error",
        "A key appears twice in one mapping; YAML readers disagree on which value wins.",
        "max_retries: 3\nmax_retries: 5",
        "max_retries: 5",
        "pipeline",
    )
)

declare(
    Rule(
        "unsafe-tag",
        "error",
        "A YAML tag other than the core ones (!!python/..., !!binary, !!set, custom tags). Tags "
        "are never constructed.",
        "host_url: !!python/object/apply:os.system [id]",
        "host_url: https://api.openai.com/v1",
        "pipeline",
    )
)

declare(
    Rule(
        "yaml11-ambiguous",
        "warning",
        "An unquoted value that YAML 1.1 tools (PyYAML) read differently from YAML 1.2 "
        "(yes/no/on/off, 017, 1:20).",
        "description: no",
        'description: "no"',
        "pipeline",
    )
)

declare(
    Rule(
        "schema",
        "error",
        "The document does not match the JSON Schema of its kind: unknown or missing keys, wrong "
        'types ("30" is not an integer), values out of range (negative prices).',
        'network_config:\n  max_retries: "3"',
        "network_config:\n  max_retries: 3",
        "pipeline",
    )
)

declare(
    Rule(
        "invalid-suppression",
        "warning",
        "A '# llmreg: ignore' comment that names no rule, or a rule id that does not exist; it "
        "suppresses nothing (only its valid ids count).",
        "host_url: http://10.0.0.12:8000/v1  # llmreg: ignore",
        "host_url: http://10.0.0.12:8000/v1  # llmreg: ignore[private-network]",
        "pipeline",
    )
)

declare(
    Rule(
        "too-many-findings",
        "warning",
        "A file has more findings than are reported for one file (200); the rest are counted. "
        "Errors are reported before warnings, so a file with errors never passes.",
        "33,000 misspelled keys in one file",
        "Fix the findings shown, then check again.",
    )
)
