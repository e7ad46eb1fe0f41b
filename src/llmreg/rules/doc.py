"""``docs/rules.md``, written from the rule declarations (``llmreg rules --markdown``).

A test compares the committed page with :func:`render`, so the page cannot drift from the
catalogue: change a declaration, then run ``llmreg rules --markdown > docs/rules.md``.
"""

from __future__ import annotations

from llmreg.rules import Rule, catalogue

_INTRO = """\
# Rules

Every finding of `llmreg check` carries one of these stable rule ids, printed as
`FILE:LINE:COL: RULE-ID message` (or in the `rule` field of `--format json`). Errors make
`llmreg check` exit 1; warnings are reported but keep the exit code 0. `llmreg rules` lists the
same catalogue and `llmreg rules ID` shows one rule. This page, the catalogue and the SARIF rule
metadata are all made from the rule declarations in `src/llmreg/rules/` (this page by
`llmreg rules --markdown > docs/rules.md`; a test keeps it equal). Each rule has at least one
example registry under `tests/golden/invalid/<rule-id>*/`, whose files say on which line the
finding is reported (`# expect: rule-id`).
"""

_ADDING = """\
## Adding a rule

A rule is one function in one place. A rule on one document goes in
`src/llmreg/rules/per_file.py`, a rule over the whole registry in `src/llmreg/rules/cross_file.py`.
The declaration gives the id, the severity, the summary and an example of the mistake and the
fix; the function receives a context and yields `Hit(pointer, message)`. The pipeline adds the
id, the severity, the file, the line and column (from the JSON Pointer), redacts anything
secret-shaped in the message, applies `# llmreg: ignore[...]` comments and `[tool.llmreg]`
settings, and caches the result. For example, a rule that refuses a model without a
description:

```python
@file_rule(
    "missing-description",
    "warning",
    "A model has no description; catalogs and reviewers need one.",
    bad="kind: Model\\nworkspace: default\\nname: gpt-4o",
    good="kind: Model\\nworkspace: default\\nname: gpt-4o\\ndescription: OpenAI GPT-4o",
    kinds=("Model",),
)
def missing_description(ctx: FileContext) -> Iterator[Hit]:
    if not ctx.data.get("description"):
        yield Hit("/name", "this model has no description")
```

`ctx.data` has passed the JSON Schema unless the rule is declared with `valid_only=False`
(then it runs on every document the reader could build, of any shape, as `inline-secret`
does); `ctx.options` carries the settings that change findings (`allowed-hosts`). A registry
rule receives `RegistryContext` (the facts of every valid file: the few fields
`registry_facts` in `llmreg.rules` keeps, which is all a check decodes of a cached file; a
registry rule that reads another field adds it there) and yields `(index, Hit)`;
declared with `opt_in=True` it runs only when `enable` in `[tool.llmreg]` names it, and
`requires=(module, package)` makes the settings refuse to enable it without that module.
Then add `tests/golden/invalid/<rule-id>/` with `# expect: <rule-id>` on the line of the
finding, and regenerate this page.
"""


def _section_of(rule: Rule) -> str:
    if rule.scope == "registry":
        return "Across the registry"
    if rule.scope == "file":
        return "Content of one definition"
    return "Schema" if rule.id == "schema" else "Reading the file"


_SECTIONS = ("Reading the file", "Schema", "Across the registry", "Content of one definition")


def _example(text: str) -> str:
    if text.startswith("chmod "):
        return f"```sh\n{text}\n```"
    if text.endswith(".") and "\n" not in text and ": " not in text:
        return text  # a sentence, not a file
    if ": " in text or text.startswith(("- ", "#")) or text.endswith(":"):
        return f"```yaml\n{text}\n```"
    return f"```text\n{text}\n```"


_OPT_IN = "; off unless `enable` in `[tool.llmreg]` names it"


def _section(rule: Rule) -> str:
    return (
        f"### {rule.id}\n\nSeverity: **{rule.severity}**{_OPT_IN if rule.opt_in else ''}.\n\n"
        f"{rule.summary}\n\n"
        + (f"{rule.details}\n\n" if rule.details else "")
        + f"The mistake:\n\n{_example(rule.bad)}\n\nThe fix:\n\n{_example(rule.good)}\n"
    )


def render() -> str:
    rules = list(catalogue().values())
    parts = [_INTRO, "| rule | severity | what it means |\n|---|---|---|\n"]
    parts[-1] += "".join(
        f"| [`{r.id}`](#{r.id}) | {r.severity} | {'(opt-in) ' * r.opt_in}"
        f"{r.summary.replace('|', chr(92) + '|')} |\n"
        for title in _SECTIONS
        for r in rules
        if _section_of(r) == title
    )
    for title in _SECTIONS:
        parts.append(f"## {title}\n")
        parts.extend(_section(r) for r in rules if _section_of(r) == title)
    parts.append(_ADDING)
    return "\n".join(parts)
