"""Benchmark nhiguard against gitleaks, kingfisher and detect-secrets, in one run.

    .venv/bin/python benchmarks/run.py --corpus generated,real,history   # `make bench`
    .venv/bin/python benchmarks/run.py --quick    # small generated tree: a smoke test
    .venv/bin/python benchmarks/run.py --corpus real      # real source releases only
    BENCH_TREE=~/src/repo .venv/bin/python benchmarks/run.py --runs 5 --scaling

Generates the deterministic tree into benchmarks/.work/ (or scans
BENCH_TREE), installs the peers into benchmarks/.work/peers-venv, then times
every scanner several times and prints medians as Markdown tables: the full
scan with ratios against each peer, pre-commit and diff-mode latency and,
with --scaling, nhiguard on 1x, 3x and 10x the tree. `--corpus real` scans
pinned source releases of real projects (see corpus.py) and `--corpus
history` a repository built from successive releases (or BENCH_HISTORY_REPO).
Progress goes to stderr, the report to stdout, and everything to
benchmarks/.work/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import _latency
import _peers
import _realcode
import _report
import generate
from _fullscan import full_scan
from _latency import log
from _measure import (
    ForeignLoad,
    load_average,
    machine_info,
    tree_stats,
    warm_page_cache,
)
from _peers import Tool
from _report import Latency, ScalePoint

HERE = Path(__file__).resolve().parent
TOOL_NAMES = ("nhiguard", "gitleaks", "kingfisher", "detect-secrets")
CORPORA = ("generated", "real", "history")
PRE_COMMIT_FILES = 10
DIFF_REPO_FILES = 50_000
BUSY_SHARE = 0.1  # share of the CPUs other processes used during the run


def shown(path: Path) -> str:
    """A path as the reader should see it: relative to the working directory if inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def ensure_tree(work: Path, seed: int, scale: float) -> tuple[Path, generate.Manifest]:
    """The generated tree for (seed, scale): written once, reused until the generator changes."""
    name = f"tree-s{seed}-x{scale:g}"
    tree, stamp = work / name, work / f"{name}.manifest.json"
    if tree.is_dir() and stamp.is_file():
        data = json.loads(stamp.read_text(encoding="utf-8"))
        if data.get("generator_version") == generate.GENERATOR_VERSION:
            return tree, generate.Manifest(**data)
    if tree.exists():
        shutil.rmtree(tree)
    stamp.unlink(missing_ok=True)
    log(f"generating {shown(tree)} (seed {seed}, scale {scale:g})")
    # In a child process, so this harness stays small: a child's max RSS never reads
    # below its parent's peak (see closing_notes).
    subprocess.run(
        [sys.executable, str(HERE / "generate.py"), "--out", str(tree), "--seed", str(seed),
         "--scale", repr(scale), "--git", "--manifest", str(stamp)],
        check=True, stdout=subprocess.DEVNULL,
    )
    data = json.loads(stamp.read_text(encoding="utf-8"))
    return tree, generate.Manifest(**data)


def resolve_nhiguard(explicit: str | None) -> str:
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "nhiguard"  # the venv this script runs in
    return str(beside) if beside.exists() else (shutil.which("nhiguard") or "nhiguard")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--runs", type=int, default=3, help="timed runs per tool (default 3)")
    p.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument("--scale", type=float, default=1.0, help="tree size multiplier (default 1)")
    p.add_argument("--quick", action="store_true", help="small tree (scale 0.1) for a smoke test")
    p.add_argument("--scaling", action="store_true", help="also time nhiguard on 1x, 3x, 10x")
    p.add_argument("--jobs", type=int, help="pass --jobs N to nhiguard (default: its own)")
    p.add_argument("--tools", default=",".join(TOOL_NAMES), help="comma list of scanners")
    p.add_argument("--nhiguard", help="nhiguard executable (default: the one beside python)")
    p.add_argument("--work", type=Path, default=HERE / ".work", help="scratch folder")
    p.add_argument("--corpus", default="generated",
                   help="comma list of: generated (the seeded tree), real (pinned source "
                        "releases), history (a repository of successive releases)")
    args = p.parse_args(argv)
    if args.quick:
        args.scale = 0.1
    unknown = set(args.tools.split(",")) - set(TOOL_NAMES)
    if unknown:
        p.error(f"unknown tools: {', '.join(sorted(unknown))}")
    unknown = set(args.corpus.split(",")) - set(CORPORA)
    if unknown:
        p.error(f"unknown corpus: {', '.join(sorted(unknown))}")
    return args


def setup_tools(
    args: argparse.Namespace, work: Path, notes: list[str]
) -> tuple[Tool, str, list[Tool]]:
    """nhiguard (always probed), its `scan --help`, and the scanners to time."""
    wanted = args.tools.split(",")
    exe = resolve_nhiguard(args.nhiguard or os.environ.get("NHIGUARD"))
    nhiguard, scan_help = _peers.nhiguard_tool(exe, args.jobs)
    notes += nhiguard.notes
    tools: list[Tool] = [nhiguard] if "nhiguard" in wanted else []
    if set(TOOL_NAMES[1:]) & set(wanted):
        bindir = _peers.ensure_peers_venv(work / "peers-venv", log)
        makers: dict[str, Callable[[Path], Tool | None]] = {
            "gitleaks": _peers.gitleaks_tool,
            "kingfisher": lambda b: _peers.kingfisher_tool(b, work / "kingfisher-rules"),
            "detect-secrets": _peers.detect_secrets_tool,
        }
        for name, make in makers.items():
            if name not in wanted:
                continue
            peer = make(bindir)
            if peer:
                tools.append(peer)
            else:
                notes.append(f"{name} is not installed in the peers' venv: skipped")
    for tool in tools:
        if tool.name == "kingfisher":
            _peers.warm_kingfisher(tool, work)
    return nhiguard, scan_help, tools


def latency_section(
    args: argparse.Namespace, nhiguard: Tool, scan_help: str, peers: list[Tool],
    tree: Path, work: Path, scratch: Path, notes: list[str],
) -> list[Latency]:
    """Start-up, pre-commit on 10 files, and --diff over a 50-file change."""
    exe, runs = nhiguard.exe, max(5, args.runs)
    latencies: list[Latency] = []
    found = _latency.measure_latency("start-up", [exe, "--version"], tree, runs, None)
    latencies += [found] if found else []
    picked = _latency.pick(_latency.tracked_text_files(tree), PRE_COMMIT_FILES, args.seed)
    cmd = [exe, "scan", *picked, "--format", "json", "--no-progress"]
    found = _latency.measure_latency(f"pre-commit: {PRE_COMMIT_FILES} files as paths", cmd, tree,
                            runs, _report.PRE_COMMIT_GOAL_S)
    latencies += [found] if found else []
    if "--diff" not in scan_help:
        notes.append("diff mode skipped: `nhiguard scan --help` has no --diff yet")
        return latencies
    diff_scale = args.scale if args.quick else DIFF_REPO_FILES / generate.FILES_AT_SCALE_1
    repo, _ = ensure_tree(work, args.seed, round(diff_scale, 2))
    warm_page_cache(repo)
    return latencies + _latency.diff_latency(exe, peers, repo, runs, args.seed, scratch)


def scaling_section(
    args: argparse.Namespace, nhiguard: Tool, work: Path, scratch: Path
) -> list[ScalePoint]:
    points: list[ScalePoint] = []
    for factor in (1, 3, 10):
        scaled, _ = ensure_tree(work, args.seed, round(args.scale * factor, 3))
        files, size = tree_stats(scaled)
        warm_page_cache(scaled)
        [result] = full_scan([nhiguard], scaled, args.runs, scratch)
        if result.summary:
            points.append(ScalePoint(args.scale * factor, files, size, result.summary))
    return points


def closing_notes(machine: dict[str, str], foreign: ForeignLoad, notes: list[str]) -> None:
    share = foreign.share()
    machine["other_processes_cpu_share"] = "?" if share is None else f"{share:.2f}"
    if share is not None and share > BUSY_SHARE:
        notes.append(
            f"the machine was busy: other processes used {100 * share:.0f}% of its"
            f" {machine['nproc']} CPUs during the run, so wall times are inflated and noisy"
        )
    elif share is not None:
        notes.append(f"other processes used {100 * share:.0f}% of the CPUs during the run")
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    notes.append(
        f"max RSS is at least this harness's own peak ({floor:.0f} MB): Linux charges a child"
        " with its parent's resident size until it execs; the all-process peak has no such floor"
    )


def generated_section(
    args: argparse.Namespace, nhiguard: Tool, scan_help: str, tools: list[Tool], work: Path,
    scratch: Path, notes: list[str],
) -> dict[str, Any]:
    """The generated tree (or BENCH_TREE): full scan, latency and, if asked, scaling."""
    manifest: generate.Manifest | None = None
    if os.environ.get("BENCH_TREE"):
        tree = Path(os.environ["BENCH_TREE"]).expanduser().resolve()
    else:
        tree, manifest = ensure_tree(work, args.seed, args.scale)
    files, size = tree_stats(tree)
    planted = {str(p["path"]) for p in manifest.plants} if manifest else None
    origin = (f"seed {args.seed}, scale {args.scale:g}, {len(planted)} planted findings"
              if planted else "BENCH_TREE")
    runs = f"medians of {args.runs} runs" if args.runs > 1 else "a single run"
    print(f"Tree: {shown(tree)}: {files:,} files, {size / 1e6:.1f} MB ({origin}); "
          f"{runs}, page cache warm.\n", flush=True)
    warm_page_cache(tree)
    results = full_scan(tools, tree, args.runs, scratch, planted)
    print("## Full scan, all rules\n")
    print(_report.full_scan_table(results, files, size, len(planted) if planted else None))
    ratios = _report.ratio_table(results)
    print("\n" + ratios + "\n" if ratios else "", flush=True)
    latencies: list[Latency] = []
    points: list[ScalePoint] = []
    if any(r.name == "nhiguard" and r.summary for r in results):
        peers = [t for t in tools if t.name in ("gitleaks", "kingfisher")]
        latencies = latency_section(args, nhiguard, scan_help, peers, tree, work, scratch, notes)
        print("## Latency (nhiguard)\n\n" + _report.latency_table(latencies) + "\n", flush=True)
        if args.scaling:
            points = scaling_section(args, nhiguard, work, scratch)
            print("## Scaling (nhiguard, generated trees)\n")
            print(_report.scaling_table(points) + "\n")
    else:
        notes.append("nhiguard did not run (or was left out): latency and scaling skipped")
    return {
        "tree": {"path": shown(tree), "files": files, "bytes": size,
                 "manifest": asdict(manifest) if manifest else None},
        "full_scan": [asdict(r) for r in results],
        "latency": [asdict(x) for x in latencies],
        "scaling": [asdict(p) for p in points],
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    corpora = args.corpus.split(",")
    notes: list[str] = []
    foreign = ForeignLoad()
    machine = machine_info()
    start_load = load_average()
    machine["load_average_start"] = "?" if start_load is None else f"{start_load:.2f}"
    print("# nhiguard benchmark\n")
    print(f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory']} RAM, "
          f"Python {machine['python']}, {machine['os']}; load average at start "
          f"{machine['load_average_start']}\n", flush=True)
    nhiguard, scan_help, tools = setup_tools(args, work, notes)

    results: dict[str, Any] = {"machine": machine, "runs": args.runs}
    scratch = Path(tempfile.mkdtemp(prefix="reports-", dir=work))
    try:
        if "generated" in corpora:
            results["generated"] = generated_section(args, nhiguard, scan_help, tools, work,
                                                     scratch, notes)
        if "real" in corpora:
            print("## Real code: pinned source releases, all rules\n", flush=True)
            text, results["real"] = _realcode.real_corpus_section(
                tools, args.runs, args.quick, scratch, notes)
            print(text + "\n", flush=True)
        if "history" in corpora:
            print("## History: every commit of a real repository\n", flush=True)
            text, results["history"] = _realcode.history_section(
                tools, scan_help, args.runs, args.quick, scratch, notes)
            print(text + "\n", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    closing_notes(machine, foreign, notes)
    print("Notes:\n" + "\n".join(f"- {n}" for n in notes))

    out = work / "results.json"
    results["notes"] = notes
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    log(f"results written to {shown(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
