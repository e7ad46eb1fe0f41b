"""Discovery: walking a registry (linked folders, the ConfigMap layout) and reading its files
(only regular files, never more than the size limit plus one byte)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import llmreg
from llmreg import layout
from llmreg.check import run_check
from llmreg.cli import main
from llmreg.constants import MAX_FILE_BYTES
from llmreg.errors import RegistryError
from llmreg.source import DEFAULT_LIMITS

MODEL = "kind: Model\nworkspace: default\nname: m\n"


def _rules(report: llmreg.check.CheckReport) -> list[tuple[str, str]]:
    return [(Path(d.file).name, d.rule) for d in report.diagnostics]


def test_the_size_limit_is_the_readers() -> None:
    assert DEFAULT_LIMITS.max_bytes == MAX_FILE_BYTES


def _configmap(tmp_path: Path) -> Path:
    """The layout Kubernetes writes for a mounted ConfigMap: every top-level entry is a link to
    ``..data/<entry>``, and ``..data`` links to a hidden timestamped folder."""
    root = tmp_path / "mounted"
    stamped = root / "..2026_12_02_04_00_00.000000001"
    (stamped / "default" / "models").mkdir(parents=True)
    (stamped / "default" / "models" / "m.yaml").write_text(MODEL, encoding="utf-8")
    (root / "..data").symlink_to(stamped.name)
    (root / "default").symlink_to("..data/default")
    return root


def test_configmap_layout_is_read(tmp_path: Path) -> None:
    root = _configmap(tmp_path)
    report = run_check([], root)
    assert report.files_checked == 1
    assert report.ok
    assert llmreg.load(root).model("default/m").name == "m"


def test_a_linked_folder_outside_the_registry_is_reported(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "models"
    elsewhere.mkdir(parents=True)
    (elsewhere / "m.yaml").write_text(MODEL, encoding="utf-8")
    root = tmp_path / "registry"
    root.mkdir()
    (root / "default").symlink_to(elsewhere.parent)
    report = run_check([], root)
    assert _rules(report) == [("default", "read-error")]
    assert "outside the registry" in report.diagnostics[0].message
    with pytest.raises(RegistryError):
        llmreg.load(root)


def test_a_linked_folder_loop_ends(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    (root / "default" / "models").mkdir(parents=True)
    (root / "default" / "models" / "m.yaml").write_text(MODEL, encoding="utf-8")
    (root / "default" / "models" / "again").symlink_to(root)
    report = run_check([], root)
    assert report.ok
    assert report.files_checked == 1  # m.yaml once: the cycle reads nothing new


def _registry_with(tmp_path: Path, name: str) -> tuple[Path, Path]:
    root = tmp_path / "registry"
    (root / "default" / "models").mkdir(parents=True)
    return root, root / "default" / "models" / name


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_link_to_a_device_is_a_finding(tmp_path: Path, device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    root, link = _registry_with(tmp_path, "m.yaml")
    link.symlink_to(device)
    report = run_check([], root)
    assert _rules(report) == [("m.yaml", "read-error")]
    assert "character device" in report.diagnostics[0].message
    assert main(["check", "--no-cache", "--registry", str(root)]) == 1
    with pytest.raises(RegistryError):
        llmreg.load(root)


def test_a_fifo_is_a_finding_and_does_not_hang(tmp_path: Path) -> None:
    root, fifo = _registry_with(tmp_path, "m.yaml")
    os.mkfifo(fifo)
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(run_check([], root)), daemon=True)
    worker.start()
    worker.join(30)
    if worker.is_alive():  # unblock the reader so that the test run can end, then fail
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    (report,) = outcome
    assert isinstance(report, llmreg.check.CheckReport)
    assert _rules(report) == [("m.yaml", "read-error")]
    assert "FIFO" in report.diagnostics[0].message


def test_reading_stops_one_byte_after_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 5000)
    assert len(layout.read_file(big, 100)) == 101
    assert len(layout.read_file(big, 10_000)) == 5000
    with pytest.raises(layout.Unreadable, match="Is a directory"):
        layout.read_file(tmp_path)
