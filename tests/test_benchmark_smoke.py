"""The benchmark keeps working: a tiny run (20 files, one repetition, no peer).

No timing is asserted; only that every case ran and OUT.json has the shape of issue 6.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ["check-cold", "check-warm", "check-one-file", "load-snapshot"]


def test_benchmark_smoke(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--files",
            "20",
            "--repeat",
            "1",
            "--no-peer",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result) == {"files", "cases", "lookup_ns", "rss_mb"}
    assert result["files"] == 20
    assert [case["name"] for case in result["cases"]] == CASES
    by_name = {case["name"]: case for case in result["cases"]}
    for name in ("check-cold", "check-warm", "check-one-file"):
        case = by_name[name]
        assert set(case) == {"name", "llmreg_s", "peer_s", "ratio"}
        assert isinstance(case["llmreg_s"], float) and case["llmreg_s"] > 0
        assert case["peer_s"] is None and case["ratio"] is None  # --no-peer
    snapshot = by_name["load-snapshot"]
    # llmreg.load() is the peer of load_snapshot(): both measured, or neither
    assert (snapshot["llmreg_s"] is None) == (snapshot["peer_s"] is None)
    if snapshot["llmreg_s"] is not None:
        assert snapshot["ratio"] == snapshot["peer_s"] / snapshot["llmreg_s"]
        assert result["lookup_ns"] > 0 and result["rss_mb"] > 0
    assert "check-cold" in done.stdout and "ratio" in done.stdout


def test_generated_registry_is_valid_and_deterministic(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
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
