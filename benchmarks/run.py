"""Benchmark llmreg against its peers on a generated registry (issues 6 and 13).

    python benchmarks/run.py --files 1000 --repeat 5 --ajv-dir DIR --json out.json

Generates a valid registry of N files (benchmarks/generate.py) in a temporary folder and times
each case --repeat times (the median is reported), process start-up included. The runs of the
two sides of a comparison alternate round by round, so a load that comes and goes on the machine
falls on both. Cases (ratio = compared time / llmreg time unless marked "llmreg/compared"):

  check-cold               llmreg check of the registry with an empty cache folder
                           vs check-jsonschema --schemafile (providers and models, one run each)
  check-cold-ajv           the same vs ajv-cli 5 (ajv validate --spec=draft2020 -c ajv-formats)
  check-warm               llmreg check of the unchanged registry, cache filled
                           vs the same check-jsonschema runs
  check-one-file           one file of the registry changed, ``llmreg check FILE`` (whole registry
                           loaded for the cross-file rules) vs check-jsonschema on that one file
  check-one-file-ajv       the same vs ajv-cli on that file
  check-one-file-yamllint  the same vs yamllint -d 'rules: {}' on that file (a parse only)
  one-file-growth          the one-file check in a registry of --growth-files files (default
                           10 x N) vs the same in the N-file registry (llmreg/compared)
  cache-overhead           the cold check with an empty cache folder vs ``--no-cache``
                           (llmreg/compared)
  lsp-change               ``llmreg lsp`` on the --files registry: the median time from a
                           didChange of a model file (a comment appended, unsaved) sent to its
                           publishDiagnostics received, the server started and the registry
                           loaded once before (goal < 100 ms; no peer)
  load-snapshot            ``llmreg.load_snapshot()`` vs ``llmreg.load()`` of the YAML tree of
                           --load-files files (default N), in-process times in a fresh interpreter

plus the cost of a lookup by id (ns per call) and peak RSS: of a process after ``llmreg.load()``,
after ``llmreg.load_snapshot()``, and of each kind of ``llmreg check`` run (the largest process
of the run, worker processes included). Peers are found in this interpreter's bin folder or on
PATH (check-jsonschema and yamllint: ``pip install -e '.[bench]'``), ajv in
``--ajv-dir DIR`` (``npm install --prefix DIR ajv-cli@5 ajv-formats``), else
$LLMREG_BENCH_AJV_DIR, else PATH. A missing peer (or node) is skipped with a note on stderr and
its figures are null; --no-peer skips them all. llmreg's modules are compiled to .pyc files
first, as pip does when it installs a package (--no-compile leaves them to be compiled from
source in every run under PYTHONDONTWRITEBYTECODE).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# the LSP client of the tests (written from the specification, not with pygls)
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "tests"))

from generate import write_registry

from helpers.lsp_client import LspClient

_BIN = Path(sys.executable).parent
PEER_TO_LLMREG = "compared/llmreg"  # how many times faster llmreg is
LLMREG_TO_PEER = "llmreg/compared"  # how many times longer llmreg takes

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
    # before write_snapshot(): the peak of load() alone
    out["load_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
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
    compared: str  # what llmreg's time is set against
    peer_s: float | None
    ratio_is: str = PEER_TO_LLMREG
    goal: str = ""  # issue 13's goal for the ratio at 1,000 files, where it sets one

    @property
    def ratio(self) -> float | None:
        if self.llmreg_s is None or self.peer_s is None or 0 in (self.llmreg_s, self.peer_s):
            return None
        if self.ratio_is == PEER_TO_LLMREG:
            return self.peer_s / self.llmreg_s
        return self.llmreg_s / self.peer_s

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "llmreg_s": self.llmreg_s,
            "compared": self.compared,
            "peer_s": self.peer_s,
            "ratio": self.ratio,
            "ratio_is": self.ratio_is,
            "goal": self.goal,
        }


def _tool(name: str) -> list[str] | None:
    local = _BIN / name
    if local.exists():
        return [str(local)]
    found = shutil.which(name)
    return [found] if found else None


def _llmreg() -> list[str]:
    return _tool("llmreg") or [sys.executable, "-m", "llmreg"]


def _ajv(ajv_dir: Path | None) -> tuple[list[str] | None, str]:
    """The ajv command, or None and why it is missing."""
    install = "npm install --prefix DIR ajv-cli@5 ajv-formats, then --ajv-dir DIR"
    node = shutil.which("node")
    if node is None:
        return None, f"node is not installed ({install})"
    if ajv_dir is None and os.environ.get("LLMREG_BENCH_AJV_DIR"):
        ajv_dir = Path(os.environ["LLMREG_BENCH_AJV_DIR"])
    if ajv_dir is not None:
        script = ajv_dir / "node_modules" / ".bin" / "ajv"
        if script.exists():
            return [node, str(script.resolve())], ""
        return None, f"no ajv in {ajv_dir} ({install})"
    found = shutil.which("ajv")
    if found:
        return [node, str(Path(found).resolve())], ""
    return None, f"ajv is not on PATH ({install})"


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time (process start included) and peak RSS in MB of one run that must succeed."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
        )
        # wait4 gives this child's own resource use (its waited-for workers included)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            text = output.read().decode("utf-8", "replace")
            raise SystemExit(
                f"benchmark: {' '.join(argv[:3])} ... exited with {process.returncode}; the "
                f"generated registry should be valid:\n{text[-4000:]}"
            )
    return elapsed, usage.ru_maxrss / 1024


LSP_CHANGES_PER_ROUND = 10


def _lsp_change(bench: Bench, reg: Registry, repeat: int) -> float | None:
    """Median seconds from a didChange sent to the diagnostics of that text received, over
    ``repeat`` x 10 changes of one model file in one server (None: pygls is not installed)."""
    import importlib.util

    if importlib.util.find_spec("pygls") is None:
        bench.skip("pygls", "not installed (pip install -e '.[bench]'); lsp-change not measured")
        return None
    argv = [*bench.llmreg, "lsp", "--registry", str(reg.root), "--cache-dir", reg.cache]
    client = LspClient(argv, cwd=reg.root.parent, env=bench.env)
    try:
        client.initialize(reg.root.parent)
        uri = client.open(reg.target, reg.original)
        client.diagnostics(uri)  # the registry is loaded by now
        times = []
        for edit in range(repeat * LSP_CHANGES_PER_ROUND):
            text = reg.original + f"# unsaved edit {edit}\n"
            start = time.perf_counter()
            client.change(uri, edit + 2, text)
            found = client.diagnostics(uri)
            times.append(time.perf_counter() - start)
            if found:
                raise SystemExit(f"benchmark: llmreg lsp reported {found} for a valid file")
        client.close()
    finally:
        client.kill()
    return statistics.median(times)


def _rounds(runs: dict[str, tuple[Callable[[], float], int]]) -> dict[str, float]:
    """Median time of each named run; the runs alternate round by round (a run with fewer
    rounds stops early)."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for index in range(max(count for _, count in runs.values())):
        for name, (run_once, count) in runs.items():
            if index < count:
                times[name].append(run_once())
    return {name: statistics.median(values) for name, values in times.items() if values}


def _by_schema(root: Path) -> list[tuple[Path, str, list[str]]]:
    """Per kind: its exported schema, a glob of its files and the files."""
    from llmreg import schemas

    runs = []
    for kind, folder in (("provider", "providers"), ("model", "models")):
        files = sorted(str(p) for p in root.glob(f"*/{folder}/*.yaml"))
        if files:
            pattern = str(root / "*" / folder / "*.yaml")
            runs.append((schemas.packaged_dir() / f"{kind}.schema.json", pattern, files))
    return runs


class Registry:
    """A generated registry with its own warm cache folder and an edited file."""

    def __init__(self, root: Path, files: int, workdir: Path) -> None:
        self.root = root
        self.written = write_registry(root, files)
        self.cache = str(workdir / f"cache-warm-{files}")
        # the pre-commit case: one model file edited (a new comment each time, never cached)
        self.target = next(p for p in self.written if "/models/" in p.as_posix())
        self.original = self.target.read_text(encoding="utf-8")
        self.edits = 0

    def edit(self) -> None:
        self.edits += 1
        self.target.write_text(self.original + f"# edit {self.edits}\n", encoding="utf-8")

    def restore(self) -> None:
        self.target.write_text(self.original, encoding="utf-8")


class Bench:
    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.llmreg = _llmreg()
        self.rss: dict[str, float] = {}
        self.skipped: dict[str, str] = {}
        self.cold_caches = 0

    def time(self, argv: list[str], rss_key: str | None = None) -> float:
        elapsed, rss = _run(argv, self.env)
        if rss_key is not None:
            self.rss[rss_key] = max(rss, self.rss.get(rss_key, 0.0))
        return elapsed

    def check(self, reg: Registry, *args: str, rss_key: str | None = None) -> float:
        return self.time([*self.llmreg, "check", *args, "--registry", str(reg.root)], rss_key)

    def fresh_cache(self) -> str:
        self.cold_caches += 1
        return str(self.workdir / f"cache-cold-{self.cold_caches}")

    def skip(self, peer: str, why: str) -> None:
        self.skipped[peer] = why
        print(f"note: {peer} skipped: {why}; its figures are null", file=sys.stderr)


def run(
    files: int,
    repeat: int,
    peer: bool,
    workdir: Path,
    peer_repeat: int | None = None,
    ajv_dir: Path | None = None,
    growth_files: int | None = None,
    load_files: int | None = None,
) -> dict[str, object]:
    env = dict(os.environ)
    env.pop("LLMREG_CACHE_DIR", None)
    env["NO_COLOR"] = "1"
    bench = Bench(workdir, env)
    loadavg_start = os.getloadavg()
    small = Registry(workdir / "registry", files, workdir)
    growth_files = 10 * files if growth_files is None else growth_files
    big = (
        Registry(workdir / f"registry-{growth_files}", growth_files, workdir)
        if growth_files
        else None
    )

    checker = yamllint = ajv = None
    if peer:
        checker = _tool("check-jsonschema")
        if checker is None:
            bench.skip("check-jsonschema", "not installed (pip install -e '.[bench]')")
        yamllint = _tool("yamllint")
        if yamllint is None:
            bench.skip("yamllint", "not installed (pip install -e '.[bench]')")
        ajv, why = _ajv(ajv_dir)
        if ajv is None:
            bench.skip("ajv-cli", why)
    else:
        for name in ("check-jsonschema", "ajv-cli", "yamllint"):
            bench.skip(name, "--no-peer")

    def checker_all() -> float:
        assert checker is not None
        return sum(
            bench.time([*checker, "--schemafile", str(schema), *paths])
            for schema, _, paths in _by_schema(small.root)
        )

    def ajv_argv(schema: Path, data: str) -> list[str]:
        assert ajv is not None
        spec = ["--spec=draft2020", "-c", "ajv-formats"]
        return [*ajv, "validate", *spec, "-s", str(schema), "-d", data]

    def ajv_all() -> float:
        return sum(bench.time(ajv_argv(schema, glob)) for schema, glob, _ in _by_schema(small.root))

    # cold: an empty cache folder each round, against --no-cache and the peers on every file
    peers_repeat = peer_repeat or repeat
    cold_runs: dict[str, tuple[Callable[[], float], int]] = {
        "cold": (
            lambda: bench.check(small, "--cache-dir", bench.fresh_cache(), rss_key="check_cold"),
            repeat,
        ),
        "no-cache": (lambda: bench.check(small, "--no-cache", rss_key="check_no_cache"), repeat),
    }
    if checker:
        # check-jsonschema needs minutes for 10,000 files: --peer-repeat may run it fewer times
        cold_runs["check-jsonschema"] = (checker_all, peers_repeat)
    if ajv:
        cold_runs["ajv"] = (ajv_all, peers_repeat)
    cold = _rounds(cold_runs)

    bench.check(small, "--cache-dir", small.cache)
    warm = _rounds(
        {
            "warm": (
                lambda: bench.check(small, "--cache-dir", small.cache, rss_key="check_warm"),
                repeat,
            )
        }
    )

    # one changed file: llmreg in both registry sizes and the peers on that file, alternating
    model_schema = _by_schema(small.root)[-1][0]

    def one_file(reg: Registry, rss_key: str) -> float:
        reg.edit()
        return bench.check(reg, str(reg.target), "--cache-dir", reg.cache, rss_key=rss_key)

    one_runs: dict[str, tuple[Callable[[], float], int]] = {
        "llmreg": (lambda: one_file(small, "check_one_file"), repeat)
    }
    if big is not None:
        bench.check(big, "--cache-dir", big.cache)
        one_runs["llmreg-big"] = (lambda: one_file(big, f"check_one_file_{growth_files}"), repeat)
    target = str(small.target)
    if checker:
        one_runs["check-jsonschema"] = (
            lambda: bench.time([*checker, "--schemafile", str(model_schema), target]),
            repeat,
        )
    if ajv:
        one_runs["ajv"] = (lambda: bench.time(ajv_argv(model_schema, target)), repeat)
    if yamllint:
        one_runs["yamllint"] = (lambda: bench.time([*yamllint, "-d", "rules: {}", target]), repeat)
    one = _rounds(one_runs)
    small.restore()
    if big is not None:
        big.restore()

    lsp_change = _lsp_change(bench, small, repeat)

    load_files = files if load_files is None else load_files
    if load_files == files:
        load_root = small.root
    elif big is not None and load_files == growth_files:
        load_root = big.root
    else:
        load_root = workdir / f"registry-load-{load_files}"
        write_registry(load_root, load_files)
    load = _load_figures(load_root, workdir / "snapshot.json", repeat, env)
    for key in ("load", "load_snapshot"):
        peak = load[f"{key}_rss_mb"]
        if peak is not None:
            bench.rss[key] = peak

    checker_cold = cold.get("check-jsonschema")
    cases = [
        Case(
            "check-cold", cold["cold"], "check-jsonschema, every file", checker_cold, goal=">= 30x"
        ),
        Case("check-cold-ajv", cold["cold"], "ajv-cli, every file", cold.get("ajv"), goal=">= 5x"),
        Case(
            "check-warm",
            warm["warm"],
            "check-jsonschema, every file",
            checker_cold,
            goal=">= 150x (>= 300x at 10,000 files)",
        ),
        Case(
            "check-one-file",
            one["llmreg"],
            "check-jsonschema, that file",
            one.get("check-jsonschema"),
            goal=">= 5x",
        ),
        Case("check-one-file-ajv", one["llmreg"], "ajv-cli, that file", one.get("ajv")),
        Case(
            "check-one-file-yamllint",
            one["llmreg"],
            "yamllint rules: {}, that file",
            one.get("yamllint"),
            goal=">= 1x",
        ),
        Case(
            "one-file-growth",
            one.get("llmreg-big"),
            f"llmreg, one file of {files} files",
            one["llmreg"],
            LLMREG_TO_PEER,
            goal="<= 1.5x (10x the files)",
        ),
        Case(
            "cache-overhead",
            cold["cold"],
            "llmreg check --no-cache",
            cold["no-cache"],
            LLMREG_TO_PEER,
            goal="<= 1.1x",
        ),
        Case("lsp-change", lsp_change, "the goal, 100 ms", None, goal="< 100 ms"),
        Case(
            "load-snapshot",
            load["snapshot_s"],
            f"llmreg.load() of {load_files} files",
            load["load_s"],
            goal=">= 30x (10,000 files)",
        ),
    ]
    return {
        "files": files,
        "growth_files": growth_files or None,
        "load_files": load_files,
        "repeat": repeat,
        "cases": [case.as_json() for case in cases],
        "lookup_ns": load["lookup_ns"],
        "rss_mb": load["rss_mb"],
        "peak_rss_mb": bench.rss,
        "skipped": bench.skipped,
        "machine": {
            "cpus": os.cpu_count(),
            "usable_cpus": len(os.sched_getaffinity(0)),
            "python": platform.python_version(),
            "loadavg_start": list(loadavg_start),
            "loadavg_end": list(os.getloadavg()),
        },
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
) -> dict[str, float | None]:
    """load() and load_snapshot() times, lookup ns and peak RSS; None where not measurable."""
    import llmreg

    missing: dict[str, float | None] = dict.fromkeys(
        ("load_s", "snapshot_s", "lookup_ns", "rss_mb", "load_rss_mb", "load_snapshot_rss_mb")
    )
    if not (hasattr(llmreg, "load") and hasattr(llmreg, "load_snapshot")):
        print(
            "llmreg.load() / llmreg.load_snapshot() are not available in this llmreg: "
            "load-snapshot, lookup and RSS are not measurable (null)",
            file=sys.stderr,
        )
        return missing
    try:
        # load() writes the snapshot that the next load_snapshot() reads
        loads, snaps = [], []
        for _ in range(repeat):
            loads.append(_probe("load", root, snapshot, env))
            snaps.append(_probe("snapshot", root, snapshot, env))
    except RuntimeError as exc:
        print(
            f"benchmark: loading the registry failed ({exc}); load figures are null",
            file=sys.stderr,
        )
        return missing
    load_rss = max(p["load_rss_mb"] for p in loads)
    snapshot_rss = max(p["rss_mb"] for p in snaps)
    return {
        "load_s": statistics.median(p["load_s"] for p in loads),
        "snapshot_s": statistics.median(p["load_s"] for p in snaps),
        "lookup_ns": statistics.median(p["lookup_ns"] for p in snaps),
        # kept from issue 6: the larger of the load() + write_snapshot() and snapshot processes
        "rss_mb": max(max(p["rss_mb"] for p in loads), snapshot_rss),
        "load_rss_mb": load_rss,
        "load_snapshot_rss_mb": snapshot_rss,
    }


def _fmt(value: object, unit: str = "s") -> str:
    if not isinstance(value, (int, float)):
        return "n/a"
    if unit == "s":
        return f"{value:.3f} s"
    # a ratio near a goal of 1.1x or 1.5x needs two decimals
    return f"{value:.2f}{unit}" if value < 10 else f"{value:.1f}{unit}"


def table(result: dict[str, object]) -> str:
    rows = [
        f"llmreg benchmark, {result['files']} files (growth: "
        f"{result['growth_files'] or 'skipped'}, load: {result['load_files']} files), "
        f"medians of {result['repeat']}",
        "",
        f"{'case':<25}{'llmreg':>10}{'compared':>10}{'ratio':>9}  {'goal':<36}compared with",
    ]
    cases = result["cases"]
    assert isinstance(cases, list)
    for case in cases:
        ratio = _fmt(case["ratio"], "x")
        if case["ratio"] is not None and case["ratio_is"] == LLMREG_TO_PEER:
            ratio += "*"
        rows.append(
            f"{case['name']:<25}{_fmt(case['llmreg_s']):>10}{_fmt(case['peer_s']):>10}"
            f"{ratio:>9}  {case['goal']:<36}{case['compared']}"
        )
    rows.append("")
    rows.append("ratio = compared time / llmreg time (how many times faster llmreg is);")
    rows.append("* = llmreg time / compared time (how many times longer llmreg takes)")
    lookup = result["lookup_ns"]
    rows.append(f"lookup by id: {'n/a' if lookup is None else f'{lookup:.0f} ns'} per call")
    peaks = result["peak_rss_mb"]
    assert isinstance(peaks, dict)
    rows.append("peak RSS: " + ", ".join(f"{name} {value:.1f} MB" for name, value in peaks.items()))
    skipped = result["skipped"]
    assert isinstance(skipped, dict)
    for name, why in skipped.items():
        rows.append(f"skipped: {name} ({why})")
    machine = result["machine"]
    assert isinstance(machine, dict)
    rows.append(
        f"machine: {machine['usable_cpus']} of {machine['cpus']} CPUs usable, Python "
        f"{machine['python']}, load average {machine['loadavg_start'][0]:.1f} at the start, "
        f"{machine['loadavg_end'][0]:.1f} at the end"
    )
    if "llmreg_bytecode" in machine:
        rows.append(f"llmreg's .pyc files: {machine['llmreg_bytecode']}")
    return "\n".join(rows)


def _compile_llmreg() -> str:
    """Write the .pyc files of the llmreg that the runs import, as ``pip install`` does.

    The peers are measured as installed (pip compiles their modules); an editable llmreg under
    ``PYTHONDONTWRITEBYTECODE=1``, as on the shared development machine, would otherwise compile
    every module it imports from source in every run: about a fifth of a one-file check
    (docs/performance.md). ``--no-compile`` measures that case.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("llmreg")
    if spec is None or spec.origin is None:
        return "not found"
    folder = os.path.dirname(spec.origin)
    compiled = compileall.compile_dir(folder, quiet=1)
    return f"compiled ({folder})" if compiled else f"compiling {folder} failed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="registry size (default 1000)")
    parser.add_argument("--json", type=Path, help="write the results to this file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (median)")
    parser.add_argument("--no-peer", action="store_true", help="skip every external peer")
    parser.add_argument(
        "--peer-repeat",
        type=int,
        default=None,
        help="runs of each peer over the whole registry (default: --repeat)",
    )
    parser.add_argument(
        "--ajv-dir",
        type=Path,
        default=None,
        help="the npm --prefix folder holding ajv-cli@5 and ajv-formats "
        "(default: $LLMREG_BENCH_AJV_DIR, else ajv on PATH)",
    )
    parser.add_argument(
        "--growth-files",
        type=int,
        default=None,
        help="size of the second registry of the one-file-growth case (default 10 x --files; "
        "0 skips the case)",
    )
    parser.add_argument(
        "--load-files",
        type=int,
        default=None,
        help="registry size for load-snapshot (default --files)",
    )
    parser.add_argument(
        "--no-compile",
        action="store_true",
        help="leave llmreg's modules without .pyc files (compiled from source in every run "
        "when PYTHONDONTWRITEBYTECODE is set)",
    )
    args = parser.parse_args(argv)
    if args.files < 1 or args.repeat < 1:
        parser.error("--files and --repeat must be at least 1")
    if args.peer_repeat is not None and args.peer_repeat < 1:
        parser.error("--peer-repeat must be at least 1")
    if args.growth_files is not None and args.growth_files < 0:
        parser.error("--growth-files must be 0 or more")
    if args.load_files is not None and args.load_files < 1:
        parser.error("--load-files must be at least 1")
    bytecode = "from source in every run" if args.no_compile else _compile_llmreg()
    with tempfile.TemporaryDirectory(prefix="llmreg-bench-") as temporary:
        result = run(
            args.files,
            args.repeat,
            not args.no_peer,
            Path(temporary),
            args.peer_repeat,
            args.ajv_dir,
            args.growth_files,
            args.load_files,
        )
    machine = result["machine"]
    assert isinstance(machine, dict)
    machine["llmreg_bytecode"] = bytecode
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
