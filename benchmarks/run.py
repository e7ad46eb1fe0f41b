"""Benchmark llmreg against check-jsonschema on a generated registry (issue 6).

    python benchmarks/run.py --files 1000 --json out.json

Generates a valid registry of N files (benchmarks/generate.py) in a temporary folder and times,
each case several times (the median is reported), with process start-up included:

  check-cold      llmreg check of the registry with an empty cache
                  vs check-jsonschema --schemafile (providers and models, one run each)
  check-warm      llmreg check of the unchanged registry, cache filled
                  vs the same check-jsonschema runs
  check-one-file  one file of the registry changed, ``llmreg check FILE`` (whole registry
                  loaded for the cross-file rules) vs check-jsonschema on that one file
  load-snapshot   ``llmreg.load_snapshot()`` vs its peer ``llmreg.load()`` of the YAML tree
                  (in-process times, measured in a fresh interpreter)

plus the cost of a lookup by id (ns per call) and the peak RSS of a process holding the loaded
registry. The peer needs ``pip install check-jsonschema`` (or ``pip install -e '.[bench]'``);
without it (or with --no-peer) the peer columns are null.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import write_registry

_BIN = Path(sys.executable).parent

# Runs inside a fresh interpreter: loads the registry both ways, looks ids up, reports JSON.
_LOAD_PROBE = r"""
import json, resource, sys, time
import llmreg
mode, root, snapshot, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
out = {}
if mode == "load":
    start = time.perf_counter()
    registry = llmreg.load(root)
    out["load_s"] = time.perf_counter() - start
    registry.write_snapshot(snapshot)
else:
    start = time.perf_counter()
    registry = llmreg.load_snapshot(snapshot)
    out["load_s"] = time.perf_counter() - start
    ids = [m.id for m in registry.models()]
    lookup = registry.model
    best = None
    for _ in range(5):
        start = time.perf_counter_ns()
        for _ in range(rounds):
            for model_id in ids:
                lookup(model_id)
        elapsed = (time.perf_counter_ns() - start) / (rounds * len(ids))
        best = elapsed if best is None else min(best, elapsed)
    out["lookup_ns"] = best
out["definitions"] = len(registry)
out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


@dataclass
class Case:
    name: str
    llmreg_s: float | None
    peer_s: float | None

    @property
    def ratio(self) -> float | None:
        """How many times faster llmreg is than its peer."""
        if self.llmreg_s is None or self.peer_s is None or self.llmreg_s == 0:
            return None
        return self.peer_s / self.llmreg_s


def _tool(name: str) -> list[str] | None:
    local = _BIN / name
    if local.exists():
        return [str(local)]
    found = shutil.which(name)
    return [found] if found else None


def _llmreg() -> list[str]:
    return _tool("llmreg") or [sys.executable, "-m", "llmreg"]


def _timed(argv: list[str], env: dict[str, str], ok_codes: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok_codes:
        raise SystemExit(
            f"benchmark: {' '.join(argv[:3])} ... exited with {done.returncode}; the generated "
            f"registry should be valid:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return elapsed


def _median(run: object, repeat: int) -> float:
    assert callable(run)
    return statistics.median(run() for _ in range(repeat))


def _peer_args(root: Path) -> list[tuple[Path, list[str]]]:
    """One check-jsonschema run per schema, over every file of that kind."""
    from llmreg import schemas

    runs = []
    for kind, folder in (("provider", "providers"), ("model", "models")):
        files = sorted(str(p) for p in root.glob(f"*/{folder}/*.yaml"))
        if files:
            runs.append((schemas.packaged_dir() / f"{kind}.schema.json", files))
    return runs


def run(
    files: int, repeat: int, peer: bool, workdir: Path, peer_repeat: int | None = None
) -> dict[str, object]:
    root = workdir / "registry"
    written = write_registry(root, files)
    env = dict(os.environ)
    env.pop("LLMREG_CACHE_DIR", None)
    env["NO_COLOR"] = "1"
    llmreg = _llmreg()
    checker = _tool("check-jsonschema") if peer else None
    if peer and checker is None:
        print(
            "check-jsonschema is not installed: pip install check-jsonschema "
            "(or pip install -e '.[bench]'); peer figures are reported as null",
            file=sys.stderr,
        )

    counter = iter(range(1_000_000))

    def fresh_cache() -> str:
        return str(workdir / f"cache-cold-{next(counter)}")

    def cold() -> float:
        return _timed(
            [*llmreg, "check", "--registry", str(root), "--cache-dir", fresh_cache()], env
        )

    warm_cache = str(workdir / "cache-warm")

    def warm() -> float:
        return _timed([*llmreg, "check", "--registry", str(root), "--cache-dir", warm_cache], env)

    def peer_all() -> float:
        assert checker is not None
        return sum(
            _timed([*checker, "--schemafile", str(schema), *paths], env)
            for schema, paths in _peer_args(root)
        )

    cases: list[Case] = []
    cold_s = _median(cold, repeat)
    _timed([*llmreg, "check", "--registry", str(root), "--cache-dir", warm_cache], env)
    warm_s = _median(warm, repeat)
    # check-jsonschema needs minutes for 10,000 files: --peer-repeat may run it fewer times
    peer_registry_s = _median(peer_all, peer_repeat or repeat) if checker else None
    cases.append(Case("check-cold", cold_s, peer_registry_s))
    cases.append(Case("check-warm", warm_s, peer_registry_s))

    # the pre-commit case: one model file edited (a new comment each time, so never cached)
    target = next(p for p in written if "/models/" in p.as_posix())
    original = target.read_text(encoding="utf-8")
    edits = iter(range(1_000_000))

    def one_file() -> float:
        target.write_text(original + f"# edit {next(edits)}\n", encoding="utf-8")
        return _timed(
            [*llmreg, "check", str(target), "--registry", str(root), "--cache-dir", warm_cache],
            env,
        )

    def one_file_peer() -> float:
        assert checker is not None
        from llmreg import schemas

        schema = schemas.packaged_dir() / "model.schema.json"
        return _timed([*checker, "--schemafile", str(schema), str(target)], env)

    cases.append(
        Case(
            "check-one-file",
            _median(one_file, repeat),
            _median(one_file_peer, repeat) if checker else None,
        )
    )
    target.write_text(original, encoding="utf-8")

    snapshot = workdir / "snapshot.json"
    load_s, snapshot_s, lookup_ns, rss_mb = _load_figures(root, snapshot, repeat, env)
    cases.append(Case("load-snapshot", snapshot_s, load_s))
    return {
        "files": files,
        "cases": [
            {"name": c.name, "llmreg_s": c.llmreg_s, "peer_s": c.peer_s, "ratio": c.ratio}
            for c in cases
        ],
        "lookup_ns": lookup_ns,
        "rss_mb": rss_mb,
    }


def _probe(mode: str, root: Path, snapshot: Path, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_PROBE, mode, str(root), str(snapshot), "20"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    result: dict[str, float] = json.loads(done.stdout)
    return result


def _load_figures(
    root: Path, snapshot: Path, repeat: int, env: dict[str, str]
) -> tuple[float | None, float | None, float | None, float | None]:
    """load() and load_snapshot() times, lookup ns and peak RSS; None where not measurable."""
    import llmreg

    if not (hasattr(llmreg, "load") and hasattr(llmreg, "load_snapshot")):
        print(
            "llmreg.load() / llmreg.load_snapshot() are not available in this llmreg: "
            "load-snapshot, lookup and RSS are not measurable (null)",
            file=sys.stderr,
        )
        return None, None, None, None
    try:
        loads = [_probe("load", root, snapshot, env) for _ in range(repeat)]
        snaps = [_probe("snapshot", root, snapshot, env) for _ in range(repeat)]
    except RuntimeError as exc:
        print(
            f"benchmark: loading the registry failed ({exc}); load figures are null",
            file=sys.stderr,
        )
        return None, None, None, None
    load_rss = max(p["rss_mb"] for p in loads)
    snapshot_rss = max(p["rss_mb"] for p in snaps)
    print(
        f"peak RSS: {load_rss:.1f} MB after llmreg.load(), "
        f"{snapshot_rss:.1f} MB after llmreg.load_snapshot()",
        file=sys.stderr,
    )
    return (
        statistics.median(p["load_s"] for p in loads),
        statistics.median(p["load_s"] for p in snaps),
        statistics.median(p["lookup_ns"] for p in snaps),
        # the larger of the two: a registry loaded from YAML is the heavier case
        max(load_rss, snapshot_rss),
    )


def _fmt(value: float | None, unit: str = "s") -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f} {unit}" if unit == "s" else f"{value:.1f}{unit}"


def table(result: dict[str, object]) -> str:
    rows = [f"llmreg benchmark, {result['files']} files", ""]
    rows.append(f"{'case':<16}{'llmreg':>12}{'peer':>12}{'ratio':>10}")
    cases = result["cases"]
    assert isinstance(cases, list)
    for case in cases:
        rows.append(
            f"{case['name']:<16}{_fmt(case['llmreg_s']):>12}{_fmt(case['peer_s']):>12}"
            f"{_fmt(case['ratio'], 'x'):>10}"
        )
    rows.append("")
    lookup = result["lookup_ns"]
    rss = result["rss_mb"]
    rows.append(f"lookup by id: {'n/a' if lookup is None else f'{lookup:.0f} ns'} per call")
    rows.append(f"peak RSS with the registry loaded: {'n/a' if rss is None else f'{rss:.1f} MB'}")
    rows.append(
        "peers: check-jsonschema --schemafile for the check cases; llmreg.load() of the YAML "
        "tree for load-snapshot; ratio = peer time / llmreg time"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="registry size (default 1000)")
    parser.add_argument("--json", type=Path, help="write the results to this file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (median)")
    parser.add_argument("--no-peer", action="store_true", help="skip check-jsonschema")
    parser.add_argument(
        "--peer-repeat",
        type=int,
        default=None,
        help="runs of check-jsonschema over the whole registry (default: --repeat)",
    )
    args = parser.parse_args(argv)
    if args.files < 1 or args.repeat < 1:
        parser.error("--files and --repeat must be at least 1")
    with tempfile.TemporaryDirectory(prefix="llmreg-bench-") as temporary:
        result = run(args.files, args.repeat, not args.no_peer, Path(temporary), args.peer_repeat)
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
