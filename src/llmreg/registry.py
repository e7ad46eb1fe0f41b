"""The runtime registry: load a directory, look definitions up, resolve a call into a Route.

``docs/runtime.md`` documents the behaviour (merge order, provider choice, derived models,
access grants). A :class:`Registry` is immutable: its indexes are built once, in ``__init__``,
so every lookup is a dict access, and a reload builds a new Registry instead of changing one.
"""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from llmreg.errors import MissingSecretError, RegistryError, RouteError, UnknownIdError
from llmreg.hashing import registry_hash

if TYPE_CHECKING:
    from decimal import Decimal

    from llmreg.diagnostics import Diagnostic
    from llmreg.models import Model, Provider
    from llmreg.results import FileResult
    from llmreg.route import Route
    from llmreg.settings import Settings
    from llmreg.snapshot import Texts


@dataclass(frozen=True)
class Principal:
    """Who asks, for ``Registry.models(visible_to=...)``: a user id and the user's groups."""

    user_id: str | None = None
    groups: frozenset[str] = frozenset()


_first = itemgetter(0)


def _grants_access(model: Model, principal: Principal) -> bool:
    grants = model.access_grants
    if grants is None:
        return True
    for grant in grants:
        if grant.access_type == "public":
            return True
        if grant.access_type == "user" and grant.access_id == principal.user_id:
            return True
        if grant.access_type == "group" and grant.access_id in principal.groups:
            return True
    return False


def _enabled_ids(provider: Provider) -> frozenset[str] | None:
    """The model ids ``enabled_models`` enables; None when it is omitted (all are).

    An entry names a served_model_name of this provider; only an entry that is no served name
    is read as a model id. So a served name spelled like another model's id enables the model
    served under that name, never the other one (docs/runtime.md).
    """
    allowed = provider.enabled_models
    if allowed is None:
        return None
    by_name: dict[str, list[str]] = {}
    ids = set()
    for served in provider.served_models:
        by_name.setdefault(served.served_model_name, []).append(served.model_entity_id)
        ids.add(served.model_entity_id)
    enabled: set[str] = set()
    for entry in allowed:
        if entry in by_name:
            enabled.update(by_name[entry])
        elif entry in ids:
            enabled.add(entry)
    return frozenset(enabled)


class _Routing(NamedTuple):
    """The indexes ``resolve`` and the provider filters read, built from every provider."""

    serving: dict[str, tuple[tuple[str, str], ...]]  # model id -> (provider id, served name)
    by_provider: dict[str, tuple[str, ...]]  # provider id -> the model ids it serves
    enabled: dict[str, frozenset[str] | None]  # provider id -> what enabled_models enables


def _merge_headers(*layers: Mapping[str, str]) -> dict[str, str]:
    """Later layers win; header names compare without case, the winner's spelling is kept."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        for name, value in layer.items():
            merged[name.lower()] = (name, value)
    return dict(merged.values())


class Registry:
    """An immutable set of validated definitions with their lookup indexes.

    A Registry read from a snapshot holds each definition as its verified canonical text and
    builds it (validating it with pydantic) on first use; one built from definitions holds
    them. Either way a lookup by id is one dict access once the definition exists, and the
    derived indexes (by capability, by provider, served-model mapping) are built on first use.
    """

    __slots__ = (
        "_by_capability",
        "_hash",
        "_lock",
        "_model_ids",
        "_models",
        "_provider_ids",
        "_providers",
        "_routing",
        "_store",
        "_texts",
        "warnings",
    )
    # read-only views of the definitions built so far (every one, sorted by id, once complete);
    # only _build and _complete write, into ``_store``: {"Provider": {...}, "Model": {...}}
    _providers: Mapping[str, Provider]
    _models: Mapping[str, Model]
    _store: dict[str, dict[str, Any]]
    # every id, sorted; the value is the definition's position in ``_texts`` (lazy) or the
    # definition itself (the dicts above, once every definition is built)
    _provider_ids: Mapping[str, object]
    _model_ids: Mapping[str, object]
    _texts: Texts | None  # the canonical texts not built yet; None once all are
    _lock: threading.Lock
    _by_capability: dict[str, tuple[str, ...]] | None
    _routing: _Routing | None
    _hash: str
    warnings: tuple[Diagnostic, ...]

    def __init__(
        self,
        providers: Iterable[Provider],
        models: Iterable[Model],
        *,
        warnings: Iterable[Diagnostic] = (),
    ) -> None:
        set_ = object.__setattr__
        # ``id`` is a property formatting a new string each call: take it once per definition.
        provider_map = dict(sorted(((p.id, p) for p in providers), key=_first))
        model_map = dict(sorted(((m.id, m) for m in models), key=_first))
        set_(self, "_store", {"Provider": provider_map, "Model": model_map})
        set_(self, "_providers", MappingProxyType(provider_map))
        set_(self, "_models", MappingProxyType(model_map))
        set_(self, "_provider_ids", provider_map)
        set_(self, "_model_ids", model_map)
        set_(self, "_texts", None)
        set_(self, "_lock", threading.Lock())
        set_(self, "_by_capability", None)
        set_(self, "_routing", None)
        set_(
            self,
            "_hash",
            registry_hash(
                [("Provider", i, p.config_hash) for i, p in provider_map.items()]
                + [("Model", i, m.config_hash) for i, m in model_map.items()]
            ),
        )
        set_(self, "warnings", tuple(warnings))

    @classmethod
    def _from_texts(
        cls,
        texts: Texts,
        providers: dict[str, int],
        models: dict[str, int],
        verified_hash: str,
    ) -> Registry:
        """A registry of verified canonical texts (a snapshot), built on first use.

        ``providers`` and ``models`` map each id, sorted, to its text's position in ``texts``;
        ``verified_hash`` is the registry hash the caller checked against those texts' rows.
        """
        self = cls.__new__(cls)
        set_ = object.__setattr__
        store: dict[str, dict[str, Any]] = {"Provider": {}, "Model": {}}
        set_(self, "_store", store)
        set_(self, "_providers", MappingProxyType(store["Provider"]))
        set_(self, "_models", MappingProxyType(store["Model"]))
        set_(self, "_provider_ids", providers)
        set_(self, "_model_ids", models)
        set_(self, "_texts", texts if providers or models else None)
        set_(self, "_lock", threading.Lock())
        set_(self, "_by_capability", None)
        set_(self, "_routing", None)
        set_(self, "_hash", verified_hash)
        set_(self, "warnings", ())
        return self

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Registry is immutable; load a new one to change it")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a Registry is immutable; load a new one to change it")

    def __repr__(self) -> str:
        return (
            f"<Registry {len(self._provider_ids)} providers, {len(self._model_ids)} models, "
            f"{self._hash}>"
        )

    def __len__(self) -> int:
        return len(self._provider_ids) + len(self._model_ids)

    # -- building on first use ----------------------------------------------------------------

    def _build(self, kind: str, ident: str) -> Provider | Model:
        """The definition ``ident`` of ``kind`` not built yet, or UnknownIdError."""
        models = kind == "Model"
        ids = self._model_ids if models else self._provider_ids
        texts = self._texts
        if texts is None or ident not in ids:
            built = self._models if models else self._providers
            if ident in built:  # completed by another thread meanwhile
                return built[ident]
            raise UnknownIdError(kind, ident, ids)
        with self._lock:
            built = self._store[kind]
            definition = built.get(ident)
            if definition is None:
                position = ids[ident]
                assert isinstance(position, int)
                definition = texts.build(kind, ident, position)
                built[ident] = definition
            result: Provider | Model = definition
            return result

    def _complete(self) -> None:
        """Build every definition not built yet; then the texts are no longer needed."""
        if self._texts is None:
            return
        with self._lock:
            texts = self._texts
            if texts is None:
                return
            set_ = object.__setattr__
            store = {}
            for kind, ids in (("Provider", self._provider_ids), ("Model", self._model_ids)):
                built = self._store[kind]
                done: dict[str, Any] = {}
                for ident, position in ids.items():
                    definition = built.get(ident)
                    if definition is None:
                        assert isinstance(position, int)
                        definition = texts.build(kind, ident, position)
                    done[ident] = definition
                store[kind] = done  # sorted by id like ``ids``: the listings are its values
            # each view is replaced by one assignment: a reader sees the old view or the new
            set_(self, "_store", store)
            set_(self, "_providers", MappingProxyType(store["Provider"]))
            set_(self, "_models", MappingProxyType(store["Model"]))
            set_(self, "_provider_ids", store["Provider"])
            set_(self, "_model_ids", store["Model"])
            set_(self, "_texts", None)

    def _config_hashes(self) -> dict[tuple[str, str], str]:
        """(kind, id) -> config_hash of every definition, without building any."""
        texts = self._texts
        found: dict[tuple[str, str], str] = {}
        for kind, built, ids in (
            ("Provider", self._providers, self._provider_ids),
            ("Model", self._models, self._model_ids),
        ):
            for ident, position in ids.items():
                if texts is not None and isinstance(position, int):
                    found[kind, ident] = texts.hashes[position]
                else:
                    found[kind, ident] = built[ident].config_hash
        return found

    def _canonical_texts(self) -> list[tuple[str, str, str, bytes]]:
        """(kind, id, config_hash, canonical text) of every definition, for a snapshot: the
        texts not built yet as they are, the built ones canonicalized again."""
        from llmreg.hashing import canonical_bytes, digest

        texts = self._texts
        found = []
        for kind, built, ids in (
            ("Provider", self._providers, self._provider_ids),
            ("Model", self._models, self._model_ids),
        ):
            for ident, position in ids.items():
                if texts is not None and isinstance(position, int):
                    found.append((kind, ident, texts.hashes[position], texts.text(position)))
                    continue
                canonical = canonical_bytes(built[ident])
                if digest(canonical) != built[ident].config_hash:  # pragma: no cover - a bug
                    raise AssertionError(f"{ident}: cached config_hash is stale")
                found.append((kind, ident, built[ident].config_hash, canonical))
        return found

    def _capabilities(self) -> dict[str, tuple[str, ...]]:
        index = self._by_capability
        if index is None:
            by_capability: dict[str, list[str]] = {}
            for model in self.models():
                if model.meta is not None:
                    for capability, flag in model.meta.capabilities.items():
                        if flag:
                            by_capability.setdefault(capability, []).append(model.id)
            index = {k: tuple(v) for k, v in by_capability.items()}
            object.__setattr__(self, "_by_capability", index)
        return index

    def _routes_index(self) -> _Routing:
        routing = self._routing
        if routing is None:
            serving: dict[str, list[tuple[str, str]]] = {}
            by_provider: dict[str, list[str]] = {}
            enabled = {}
            for provider in self.providers():  # sorted: serving lists in that order
                provider_id = provider.id
                for served in provider.served_models:
                    serving.setdefault(served.model_entity_id, []).append(
                        (provider_id, served.served_model_name)
                    )
                    by_provider.setdefault(provider_id, []).append(served.model_entity_id)
                enabled[provider_id] = _enabled_ids(provider)
            routing = _Routing(
                serving={k: tuple(v) for k, v in serving.items()},
                by_provider={k: tuple(sorted(set(v))) for k, v in by_provider.items()},
                enabled=enabled,
            )
            object.__setattr__(self, "_routing", routing)
        return routing

    # -- lookups ------------------------------------------------------------------------------

    @property
    def hash(self) -> str:
        """The registry hash over every (kind, id, config_hash), docs/config-hash.md."""
        return self._hash

    def provider(self, provider_id: str) -> Provider:
        try:
            return self._providers[provider_id]
        except KeyError:
            pass
        return self._build("Provider", provider_id)  # type: ignore[return-value]

    def model(self, model_id: str) -> Model:
        try:
            return self._models[model_id]
        except KeyError:
            pass
        return self._build("Model", model_id)  # type: ignore[return-value]

    def providers(self) -> tuple[Provider, ...]:
        """Every provider, sorted by id (disabled ones included)."""
        self._complete()
        return tuple(self._providers.values())

    def models(
        self,
        *,
        capability: str | None = None,
        provider: str | None = None,
        visible_to: Principal | None = None,
    ) -> tuple[Model, ...]:
        """Models sorted by id, filtered by every criterion given.

        ``capability``: meta.capabilities has it set to true. ``provider``: the provider lists
        the model in served_models (unknown provider ids raise). ``visible_to``: the principal
        may use the model per its access_grants (docs/runtime.md).
        """
        self._complete()
        ids: Iterable[str] = (
            self._models if capability is None else self._capabilities().get(capability, ())
        )
        if provider is not None:
            self.provider(provider)
            served = set(self._routes_index().by_provider.get(provider, ()))
            ids = [i for i in ids if i in served]
        found = [self._models[i] for i in ids if i in self._models]
        if visible_to is not None:
            found = [m for m in found if _grants_access(m, visible_to)]
        return tuple(found)

    def definitions(self) -> tuple[Provider | Model, ...]:
        """Providers then models, each sorted by id."""
        self._complete()
        return (*self._providers.values(), *self._models.values())

    def served_by(self, model_id: str) -> tuple[tuple[str, str], ...]:
        """(provider id, served_model_name) of every provider listing the model, by provider id."""
        self.model(model_id)
        return self._routes_index().serving.get(model_id, ())

    # -- resolve ------------------------------------------------------------------------------

    def resolve(
        self,
        model_id: str,
        provider: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> Route:
        """How to call ``model_id``: the first usable provider's route (docs/runtime.md).

        ``secrets`` defaults to ``os.environ`` read now, at call time.
        """
        routes, reasons = self._routes(model_id, provider, headers, body, secrets, first=True)
        if not routes:
            raise reasons[0][1] if provider is not None else self._unusable(model_id, reasons)
        return routes[0]

    def resolve_all(
        self,
        model_id: str,
        headers: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> tuple[Route, ...]:
        """Every usable route for ``model_id``, in the order ``resolve`` tries them, so that a
        caller can fall back to the next on failure. RouteError when none is usable."""
        routes, reasons = self._routes(model_id, None, headers, body, secrets, first=False)
        if not routes:
            raise self._unusable(model_id, reasons)
        return tuple(routes)

    def _routes(
        self,
        model_id: str,
        wanted: str | None,
        headers: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
        secrets: Mapping[str, str] | None,
        *,
        first: bool,
    ) -> tuple[list[Route], list[tuple[str, RouteError]]]:
        model = self.model(model_id)
        chain = self._serving_chain(model)
        candidates = self._candidates(chain, wanted)
        secret_map = os.environ if secrets is None else secrets
        routes: list[Route] = []
        reasons: list[tuple[str, RouteError]] = []
        for chosen, served_name in candidates:
            try:
                problem = self._unroutable(chosen, chain[-1].id, served_name)
                if problem:
                    raise RouteError(f"provider {chosen.id} {problem}")
                routes.append(
                    self._route(chosen, model, chain, served_name, headers, body, secret_map)
                )
            except RouteError as error:
                reasons.append((chosen.id, error))
                continue
            if first:
                break
        return routes, reasons

    def _route(
        self,
        chosen: Provider,
        model: Model,
        chain: list[Model],
        served_name: str,
        headers: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
        secrets: Mapping[str, str],
    ) -> Route:
        from llmreg.route import build_route, check_headers

        merged_body: dict[str, Any] = {}
        merged_body.update(chosen.default_extra_body)
        for link in reversed(chain):  # the base model's params first, the asked model's last
            merged_body.update(link.params)
        merged_body.update(body or {})
        merged_body.update(chosen.required_extra_body)
        merged_body["model"] = served_name
        layers = (
            ("default_extra_headers", chosen.default_extra_headers),
            ("the caller's headers", headers or {}),
            ("required_extra_headers", chosen.required_extra_headers),
        )
        for where, layer in layers:
            check_headers(chosen.id, layer, where)
        return build_route(
            chosen,
            model.id,
            served_name,
            _merge_headers(*(layer for _, layer in layers)),
            MappingProxyType(copy.deepcopy(merged_body)),
            secrets,
        )

    @staticmethod
    def _unusable(model_id: str, reasons: list[tuple[str, RouteError]]) -> RouteError:
        if len(reasons) == 1 and isinstance(reasons[0][1], MissingSecretError):
            return reasons[0][1]  # the one candidate lacks a secret: say which, as its type
        return RouteError(
            f"no provider can serve model {model_id}: "
            + "; ".join(str(error).removeprefix("provider ") for _, error in reasons)
        )

    def _serving_chain(self, model: Model) -> list[Model]:
        """``model`` and the base models up to the first one a provider lists."""
        serving = self._routes_index().serving
        chain = [model]
        current = model
        while current.id not in serving:
            if current.base_model_id is None:
                raise RouteError(f"model {model.id} is served by no provider")
            if any(link.id == current.base_model_id for link in chain):
                raise RouteError(f"model {model.id}: base_model_id chain loops")
            current = self.model(current.base_model_id)
            chain.append(current)
        for link in chain:
            if not link.is_active:
                what = "is inactive" if link is model else f"derives from inactive {link.id}"
                raise RouteError(f"model {model.id} {what} (is_active: false); not routed")
        return chain

    def _candidates(self, chain: list[Model], wanted: str | None) -> list[tuple[Provider, str]]:
        """(provider, served name) in the order they are tried: the first preferred_providers
        along the chain (the asked model's own first), then the others by provider id."""
        served = chain[-1]
        serving = self._routes_index().serving[served.id]
        if wanted is not None:
            chosen = self.provider(wanted)
            for provider_id, served_name in serving:
                if provider_id == wanted:
                    return [(chosen, served_name)]
            raise RouteError(f"provider {wanted} does not serve model {served.id}")
        preferred = next(
            (link.preferred_providers for link in chain if link.preferred_providers), []
        )
        rank = {provider_id: index for index, provider_id in enumerate(preferred)}
        ordered = sorted(serving, key=lambda entry: rank.get(entry[0], len(rank)))
        return [(self.provider(provider_id), name) for provider_id, name in ordered]

    def _unroutable(self, provider: Provider, model_id: str, served_name: str) -> str | None:
        if not provider.enabled:
            return "is disabled (enabled: false)"
        enabled = self._routes_index().enabled[provider.id]
        if enabled is not None and model_id not in enabled:
            return f"does not list {served_name!r} in enabled_models"
        return None

    def cost(
        self,
        model_id: str,
        *,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cached_input_tokens: int = 0,
    ) -> Decimal:
        """The price of one call in the currency of the model's pricing (llmreg.cost)."""
        from llmreg.cost import call_cost

        return call_cost(
            self,
            model_id,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_input_tokens=cached_input_tokens,
        )

    # -- snapshot -----------------------------------------------------------------------------

    def write_snapshot(self, path: str | os.PathLike[str]) -> Path:
        """Write every definition and its hash to one JSON file, atomically (docs/runtime.md)."""
        from llmreg.snapshot import write_snapshot

        return write_snapshot(self, Path(path))


# -- loading a directory ------------------------------------------------------------------------


def build_from_results(results: list[FileResult]) -> Registry:
    """The Registry of checked files, or RegistryError with every diagnostic.

    Each result's ``data`` is dropped once its definition is built: the definitions can then
    reuse that memory, which lowers the peak RSS of a large load (load() is the only caller).
    """
    from pydantic import ValidationError

    from llmreg.diagnostics import pointer_join, sort_key
    from llmreg.hashing import HashError, definition_from_data
    from llmreg.models import Provider

    providers: list[Provider] = []
    models: list[Model] = []
    refused: list[Diagnostic] = []  # what pydantic or the hash refuse that the schema let pass
    for result in results:
        if (
            result.data is None
            or result.kind is None
            or any(d.severity == "error" for d in result.diagnostics)
        ):
            continue
        try:
            definition = definition_from_data(result.kind, result.data)
        except ValidationError as exc:
            # The exported schema accepted what pydantic refuses: report it like a schema error.
            for error in exc.errors():
                pointer = ""
                for part in error["loc"]:
                    pointer = pointer_join(pointer, part)
                refused.append(result.placed("schema", error["msg"], pointer))
            continue
        try:
            definition.config_hash  # noqa: B018 - computed now so a bad number is reported here
        except HashError as exc:
            refused.append(result.placed("schema", exc.message, exc.pointer))
            continue
        result.data = None
        if isinstance(definition, Provider):
            providers.append(definition)
        else:
            models.append(definition)
    found = [d for r in results for d in r.diagnostics]
    diagnostics = sorted([*found, *refused], key=sort_key)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    if errors:
        raise RegistryError(
            f"the registry has {errors} error{'s' if errors != 1 else ''}",
            diagnostics,
            files_checked=len(results),
        )
    return Registry(providers, models, warnings=diagnostics)


def load(root: str | os.PathLike[str], *, settings: Settings | None = None) -> Registry:
    """Check and load a registry directory; raises RegistryError carrying every diagnostic.

    The files go through the same pipeline as ``llmreg check``: the same findings, with the same
    suppression comments and settings applied, so a registry that ``llmreg check`` passes loads
    and one it fails does not. ``settings`` default to the ``[tool.llmreg]`` table of the nearest
    ``pyproject.toml`` from the registry folder upward. Warnings do not fail the load and are
    kept in ``Registry.warnings``.
    """
    from llmreg import settings as settings_module
    from llmreg.check import check_registry

    folder = Path(root)
    if not folder.is_dir():
        raise RegistryError(f"{folder} is not a directory")
    if settings is None:
        try:
            settings = settings_module.load(start=folder)
        except settings_module.SettingsError as exc:
            raise RegistryError(f"settings: {exc}") from None
    return build_from_results(check_registry(folder, settings=settings))
