"""The benchmark keeps working: a tiny run (20 files, one repetition, every peer installed).

No timing is asserted; only that every case ran and OUT.json has the shape of issues 6 and 13.
A peer that is not installed (check-jsonschema, yamllint, node or ajv-cli) is skipped with a note.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
# every case with the peer that it needs (None: llmreg against itself)
CASES = {
    "check-cold": "check-jsonschema",
    "check-cold-ajv": "ajv-cli",
    "check-warm": "check-jsonschema",
    "check-one-file": "check-jsonschema",
    "check-one-file-ajv": "ajv-cli",
    "check-one-file-yamllint": "yamllint",
    "one-file-growth": None,
    "cache-overhead": None,
    "lsp-change": None,
    "load-snapshot": None,
}


def test_benchmark_smoke(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            *("--files", "20", "--growth-files", "40", "--load-files", "30"),
            *("--repeat", "1", "--json", str(out)),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result) == {
        "files",
        "growth_files",
        "load_files",
        "repeat",
        "cases",
        "lookup_ns",
        "rss_mb",
        "peak_rss_mb",
        "skipped",
        "machine",
    }
    assert (result["files"], result["growth_files"], result["load_files"]) == (20, 40, 30)
    assert [case["name"] for case in result["cases"]] == list(CASES)
    for case in result["cases"]:
        assert set(case) == {"name", "llmreg_s", "compared", "peer_s", "ratio", "ratio_is", "goal"}
        peer = CASES[case["name"]]
        if case["name"] == "lsp-change" and "pygls" in result["skipped"]:
            assert case["llmreg_s"] is None  # said in a note
        elif case["name"] == "load-snapshot":
            # llmreg.load() is the peer of load_snapshot(): both measured, or neither
            assert (case["llmreg_s"] is None) == (case["peer_s"] is None)
        else:
            assert isinstance(case["llmreg_s"], float) and case["llmreg_s"] > 0
        if peer is None or peer not in result["skipped"]:
            assert peer is None or isinstance(case["peer_s"], float), case
        else:
            assert case["peer_s"] is None and case["ratio"] is None
            assert f"note: {peer} skipped" in done.stderr
        if case["ratio"] is not None:
            over = (case["peer_s"], case["llmreg_s"])
            if case["ratio_is"] == "llmreg/compared":
                over = over[::-1]
            assert case["ratio"] == over[0] / over[1]
    if result["cases"][-1]["llmreg_s"] is not None:
        assert result["lookup_ns"] > 0 and result["rss_mb"] > 0
        assert result["peak_rss_mb"]["load"] > 0 and result["peak_rss_mb"]["load_snapshot"] > 0
    for run in ("cold", "no_cache", "warm", "one_file", "one_file_40"):
        assert result["peak_rss_mb"][f"check_{run}"] > 0
    assert "check-one-file-yamllint" in done.stdout and "ratio" in done.stdout


def test_missing_node_or_ajv_is_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from run import _ajv

    monkeypatch.delenv("LLMREG_BENCH_AJV_DIR", raising=False)
    command, why = _ajv(tmp_path)  # a folder without ajv
    assert command is None and "npm install --prefix DIR ajv-cli@5 ajv-formats" in why
    monkeypatch.setenv("PATH", str(tmp_path))  # and no node either
    command, why = _ajv(tmp_path)
    assert command is None and why.startswith("node is not installed")


def test_generated_registry_is_valid_and_deterministic(tmp_path: Path) -> None:
    from generate import generate, write_registry

    from llmreg.check import run_check

    assert generate(30) == generate(30)
    root = tmp_path / "registry"
    files = write_registry(root, 30)
    report = run_check([], root, jobs=1)
    assert report.files_checked == 30 and report.diagnostics == []
    kinds = [f.parent.name for f in files]
    assert kinds.count("providers") == 3 and kinds.count("models") == 27
    text = "".join(f.read_text(encoding="utf-8") for f in files)
    assert "base_model_id:" in text and "model_entity_id:" in text
