"""Exceptions of the runtime library. Light on purpose: importing them imports no parser."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from llmreg.diagnostics import Diagnostic


class RegistryError(ValueError):
    """The registry cannot be loaded; ``diagnostics`` holds every finding (errors and warnings)."""

    def __init__(
        self,
        message: str,
        diagnostics: Sequence[Diagnostic] = (),
        files_checked: int = 0,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        self.files_checked = files_checked

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    def __str__(self) -> str:
        lines = [self.message]
        lines.extend(
            f"{d.file}:{d.line}:{d.column}: {d.rule} {d.message}" for d in self.errors[:20]
        )
        if len(self.errors) > 20:
            lines.append(f"... and {len(self.errors) - 20} more")
        return "\n".join(lines)


class SnapshotError(RegistryError):
    """A snapshot file is unreadable, truncated, of another format, or fails its hashes."""


class UnknownIdError(KeyError):
    """No definition of that kind has this id; the message suggests close matches."""

    def __init__(self, kind: str, wanted: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.id = wanted
        self.suggestions: tuple[str, ...] = tuple(
            difflib.get_close_matches(wanted, list(known), n=3, cutoff=0.6)
        )
        message = f"no {kind.lower()} with id {wanted!r}"
        if self.suggestions:
            message += "; did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would show the repr of the message
        return self.message


class RouteError(LookupError):
    """The model exists but cannot be routed: inactive, no enabled provider, ..."""


class MissingSecretError(RouteError):
    """A secret the provider names (API key, proxy password) is not set. The message names the
    secret and the field naming it, never a value."""

    def __init__(
        self, provider_id: str, secret_name: str, field: str = "api_key_secret_name"
    ) -> None:
        self.provider_id = provider_id
        self.secret_name = secret_name
        self.field = field
        super().__init__(
            f"provider {provider_id} needs the secret {secret_name!r} ({field}), "
            "which is not set or empty in the secrets given to resolve()"
        )
