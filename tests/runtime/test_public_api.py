"""The public names of llmreg, and that importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import llmreg

PUBLIC = [
    "Diagnostic",
    "MissingSecretError",
    "Model",
    "Principal",
    "Provider",
    "Ref",
    "Registry",
    "RegistryDiff",
    "RegistryError",
    "Route",
    "RouteError",
    "SnapshotError",
    "UnknownIdError",
    "Watcher",
    "__version__",
    "config_hash",
    "diff",
    "load",
    "load_snapshot",
    "load_url",
    "registry_hash",
]


def test_all_is_pinned() -> None:
    assert llmreg.__all__ == PUBLIC


def test_every_public_name_resolves() -> None:
    for name in PUBLIC:
        assert getattr(llmreg, name) is not None, name
    assert issubclass(llmreg.UnknownIdError, KeyError)
    assert issubclass(llmreg.SnapshotError, llmreg.RegistryError)
    assert issubclass(llmreg.RegistryError, ValueError)


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        llmreg.nothing_here  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "nothing_here" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_is_light() -> None:
    code = (
        "import sys, llmreg; "
        "heavy = [m for m in ('pydantic', 'jsonschema', 'yaml', 'jinja2', 'click') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_snapshot_loading_does_not_import_yaml_or_jsonschema(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from helpers.runtime_registry import write_registry

    path = tmp_path / "s.json"
    llmreg.load(write_registry(tmp_path / "reg")).write_snapshot(path)
    code = (
        "import sys, llmreg; reg = llmreg.load_snapshot(sys.argv[1]); "
        "print(len(reg), ','.join(m for m in ('yaml', 'jsonschema', 'pydantic') "
        "if m in sys.modules)); reg.models(); print('pydantic' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    # pydantic comes with the first definition built, not with loading
    assert result.stdout.split() == ["8", "True"]
