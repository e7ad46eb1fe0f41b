"""Project settings: ``[tool.llmreg]`` in the nearest ``pyproject.toml``.

::

    [tool.llmreg]
    registry = "providers.d"                 # relative to the pyproject.toml's folder
    ignore = ["insecure-tls"]                # rules turned off
    severity = { yaml11-ambiguous = "error", budget-threshold = "warning" }
    allowed-hosts = ["llm.corp.example", "10.20.0.0/16"]   # need no allow_private_network
    enable = ["catalog-disagreement"]        # opt-in rules turned on

Settings are split by where they act. ``allowed-hosts`` changes what a rule finds in one file, so
it travels to the per-file stage inside :class:`CheckOptions`, whose :meth:`fingerprint
<CheckOptions.options_fingerprint>` a cache of that stage must key on. Severities, ignored rules
and the per-line ``# llmreg: ignore[rule-id]`` comments only filter or re-grade findings after
the fact (:mod:`llmreg.suppress`), so they never touch cached results. ``enable`` turns on
opt-in rules; they are registry rules, which run after the cached stage, so they need no cache
key either.

A mistake in the settings (unknown key, unknown rule id, a value of the wrong type) is a
:class:`SettingsError`: the command line reports it with the file and key and exits 2.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from llmreg._record import Frozen

# typing is only for the type checker: importing it was 7 % of a warm check (docs/performance.md)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

    from llmreg.diagnostics import Severity
    from llmreg.rules import Rule

    Level = Literal["error", "warning", "off"]

SECTION = "llmreg"
PYPROJECT = "pyproject.toml"
KEYS = ("registry", "severity", "ignore", "allowed-hosts", "enable")
LEVELS: tuple[Level, ...] = ("error", "warning", "off")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class SettingsError(Exception):
    """The settings cannot be used; the message names the file and the key."""


class CheckOptions(Frozen):
    """Settings that change what the per-file stage reports for a given file's bytes.

    Hosts are kept normalized and sorted so that equal settings give equal fingerprints
    whatever order or spelling the user wrote them in.
    """

    __slots__ = ("_names", "_networks", "allowed_hosts")
    _fields = ("allowed_hosts",)  # the others are derived from it
    allowed_hosts: tuple[str, ...]
    _names: frozenset[str]
    _networks: tuple[Network, ...]

    def __init__(self, allowed_hosts: tuple[str, ...] = ()) -> None:
        names: set[str] = set()
        networks: list[Network] = []
        for entry in allowed_hosts:
            parsed = parse_host(entry)
            if isinstance(parsed, str):
                names.add(parsed)
            else:
                networks.append(parsed)
        put = object.__setattr__
        put(self, "allowed_hosts", allowed_hosts)
        put(self, "_names", frozenset(names))
        put(self, "_networks", tuple(networks))

    @classmethod
    def build(cls, allowed_hosts: list[str] | tuple[str, ...] = ()) -> CheckOptions:
        """Options with ``allowed_hosts`` normalized (ValueError for an entry that is neither)."""
        normalized = {_canonical(parse_host(entry)) for entry in allowed_hosts}
        return cls(allowed_hosts=tuple(sorted(normalized)))

    def host_allowed(self, host: str) -> bool:
        """Whether ``host`` (as a URL gives it) is one the settings allow on a private network."""
        lowered = host.lower().rstrip(".").strip("[]")
        if lowered in self._names:
            return True
        try:
            address: Address = ipaddress.ip_address(lowered)
        except ValueError:
            return False
        return any(address.version == net.version and address in net for net in self._networks)

    def options_fingerprint(self) -> str:
        """A stable digest of every option; equal options give equal fingerprints."""
        payload = json.dumps({"allowed_hosts": list(self.allowed_hosts)}, sort_keys=True)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


DEFAULT_OPTIONS = CheckOptions()


def parse_host(entry: str) -> str | Network:
    """A host name (lower case), or an IP address or CIDR range as a network."""
    text = entry.strip()
    if not text:
        raise ValueError("an empty host")
    if "/" in text or _looks_like_ip(text):
        try:
            return ipaddress.ip_network(text.strip("[]"), strict=False)
        except ValueError as exc:
            raise ValueError(f"{entry!r} is not an IP address or CIDR range ({exc})") from None
    lowered = text.lower().rstrip(".")
    if any(c.isspace() or c in "/:@?#[]" for c in lowered) or lowered.startswith("."):
        raise ValueError(f"{entry!r} is not a host name, an IP address or a CIDR range")
    return lowered


def _looks_like_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return ":" in text  # an IPv6 literal that failed to parse is still meant as one
    return True


def _canonical(parsed: str | Network) -> str:
    if isinstance(parsed, str):
        return parsed
    if parsed.num_addresses == 1:
        return str(parsed.network_address)
    return str(parsed)


class Settings(Frozen):
    """What ``[tool.llmreg]`` says, checked. ``source`` is None when no file was found."""

    _fields = ("source", "registry", "severity", "ignore", "options", "enable")
    __slots__ = _fields
    source: Path | None
    registry: Path | None
    severity: Mapping[str, Level]
    ignore: frozenset[str]
    options: CheckOptions
    enable: frozenset[str]  # opt-in rules turned on

    def __init__(
        self,
        source: Path | None = None,
        registry: Path | None = None,
        severity: Mapping[str, Level] | None = None,
        ignore: frozenset[str] = frozenset(),
        options: CheckOptions = DEFAULT_OPTIONS,
        enable: frozenset[str] = frozenset(),
    ) -> None:
        put = object.__setattr__
        put(self, "source", source)
        put(self, "registry", registry)
        put(self, "severity", {} if severity is None else severity)
        put(self, "ignore", ignore)
        put(self, "options", options)
        put(self, "enable", enable)
        # Settings built in code are held to what [tool.llmreg] is held to: an enabled rule
        # must be a known opt-in rule whose module is installed, said here and not later as a
        # failure inside a rule (parse() checks the file's table the same way, with its path).
        if self.enable:
            from llmreg.rules import catalogue

            known = catalogue()
            where = "Settings(enable=...):"
            for rule in sorted(self.enable):
                if rule not in known:
                    raise SettingsError(
                        f"{where} unknown rule id {rule!r}{_suggest(rule, known)}; "
                        "'llmreg rules' lists them"
                    )
                _check_enable(known[rule], self.ignore, where, known)

    def level(self, rule: str, default: Severity) -> Level:
        """The severity a finding of ``rule`` is reported with, or "off"."""
        if rule in self.ignore:
            return "off"
        return self.severity.get(rule, default)


DEFAULT_SETTINGS = Settings()


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` from ``start`` upward that has a ``[tool.llmreg]`` table.

    Like ruff, a ``pyproject.toml`` without the table is passed over, so a sub-project's own
    packaging file does not hide the settings of the repository around it.
    """
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / PYPROJECT
        if not path.is_file():
            continue
        try:
            document = _read_toml(path)
        except SettingsError:
            return path  # a broken file is reported by load(), not skipped silently
        if isinstance(document.get("tool"), dict) and SECTION in document["tool"]:
            return path
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: is not valid TOML: {exc}") from None


def load(config: Path | None = None, start: Path | None = None) -> Settings:
    """The settings of ``config`` (a TOML file), or of the nearest ``pyproject.toml``.

    ``config`` given explicitly must exist and must hold ``[tool.llmreg]``; found by search, a
    file without the table means default settings.
    """
    path = config if config is not None else find_pyproject(start or Path.cwd())
    if path is None:
        return DEFAULT_SETTINGS
    document = _read_toml(path)
    tool = document.get("tool")
    if not isinstance(tool, dict) or SECTION not in tool:
        if config is not None:
            raise SettingsError(f"{path}: has no [tool.{SECTION}] table")
        return DEFAULT_SETTINGS
    return parse(tool[SECTION], path)


def parse(table: Any, path: Path) -> Settings:
    """Check the ``[tool.llmreg]`` table of ``path``."""
    from llmreg.rules import catalogue

    known = catalogue()

    where = f"{path}: [tool.{SECTION}]"
    if not isinstance(table, dict):
        raise SettingsError(f"{where} must be a table")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise SettingsError(
            f"{where} has unknown key {unknown[0]!r}{_suggest(unknown[0], KEYS)} "
            f"(known: {', '.join(KEYS)})"
        )

    def rule_id(value: Any, key: str) -> str:
        if not isinstance(value, str) or value not in known:
            shown = value if isinstance(value, str) else repr(value)
            hint = _suggest(value, known) if isinstance(value, str) else ""
            raise SettingsError(
                f"{where} {key}: unknown rule id {shown!r}{hint}; 'llmreg rules' lists them"
            )
        return value

    registry = None
    if "registry" in table:
        value = table["registry"]
        if not isinstance(value, str) or not value.strip():
            raise SettingsError(f"{where} registry must be a folder path (a string)")
        registry = path.parent / value

    ignore_value = table.get("ignore", [])
    if not isinstance(ignore_value, list):
        raise SettingsError(f"{where} ignore must be a list of rule ids")
    ignore = frozenset(rule_id(v, "ignore") for v in ignore_value)

    severity_value = table.get("severity", {})
    if not isinstance(severity_value, dict):
        raise SettingsError(f'{where} severity must be a table of rule-id = "error"|...')
    severity: dict[str, Level] = {}
    for key, level in severity_value.items():
        rule = rule_id(key, "severity")
        if level not in LEVELS:
            raise SettingsError(
                f'{where} severity.{rule} must be "error", "warning" or "off", not {level!r}'
            )
        if rule in ignore and level != "off":
            raise SettingsError(
                f"{where} {rule} is in ignore and has severity {level!r}; keep one of the two"
            )
        severity[rule] = level

    hosts_value = table.get("allowed-hosts", [])
    if not isinstance(hosts_value, list) or not all(isinstance(h, str) for h in hosts_value):
        raise SettingsError(f"{where} allowed-hosts must be a list of strings")
    try:
        options = CheckOptions.build(hosts_value)
    except ValueError as exc:
        raise SettingsError(f"{where} allowed-hosts: {exc}") from None

    enable_value = table.get("enable", [])
    if not isinstance(enable_value, list):
        raise SettingsError(f"{where} enable must be a list of rule ids")
    enable = frozenset(rule_id(v, "enable") for v in enable_value)
    for rule in sorted(enable):
        _check_enable(known[rule], ignore, where, known)

    return Settings(
        source=path,
        registry=registry,
        severity=severity,
        ignore=ignore,
        options=options,
        enable=enable,
    )


def _check_enable(
    rule: Rule, ignore: frozenset[str], where: str, known: Mapping[str, Rule]
) -> None:
    """An enabled rule must be an opt-in one, not ignored, and its module installed (looked
    up, not imported: every command reads the settings, few need the module)."""
    from importlib.util import find_spec

    if not rule.opt_in:
        opt_in = ", ".join(r.id for r in known.values() if r.opt_in)
        raise SettingsError(
            f"{where} enable: {rule.id!r} is always on; enable lists opt-in rules ({opt_in})"
        )
    if rule.id in ignore:
        raise SettingsError(f"{where} {rule.id} is in both enable and ignore; keep one of the two")
    if rule.requires is not None:
        module, package = rule.requires
        if find_spec(module) is None:
            raise SettingsError(
                f"{where} enable: {rule.id} needs the {module} module: pip install '{package}'"
            )


def _suggest(word: str, known: Any) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
