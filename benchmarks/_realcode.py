"""Real code: the pinned corpus of source releases, and a repository with real history.

The generated tree hid that nhiguard was several times slower than gitleaks
on real projects; these two measurements are the ones to hold a speed change
against. The whole corpus is timed like the generated tree (every tool,
interleaved, medians), then each project on its own so a slow one stands out.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import subprocess
from pathlib import Path
from typing import Any

import _report
import corpus
from _fullscan import full_scan, run_once
from _latency import log
from _measure import tree_stats, warm_page_cache
from _peers import Tool, kingfisher_command
from _report import ProjectRow

# detect-secrets needs tens of minutes on the whole corpus: one run is enough to place it.
SLOW_TOOL_RUNS = {"detect-secrets": 1}
# Per-project rows leave detect-secrets out for the same reason.
PER_PROJECT_TOOLS = ("nhiguard", "gitleaks", "kingfisher")


def _runs(runs: int) -> str:
    return f"medians of {runs} runs" if runs > 1 else "a single run"


def real_corpus_section(
    tools: list[Tool], runs: int, quick: bool, scratch: Path, notes: list[str]
) -> tuple[str, dict[str, Any]]:
    """Markdown for the real-code corpus, and the same numbers for results.json."""
    root, projects = corpus.ensure_corpus(quick)
    if not projects:
        notes.append("real-code corpus: no project could be fetched; skipped")
        return "", {}
    wanted = [r for r in corpus.CORPUS if not quick or r.name in corpus.QUICK_CORPUS]
    missing = len(wanted) - len(projects)
    if missing:
        notes.append(f"real-code corpus: {missing} project(s) could not be fetched; see stderr")
    files, size = tree_stats(root)
    warm_page_cache(root)
    results = full_scan(tools, root, runs, scratch, max_runs=SLOW_TOOL_RUNS)
    names = ", ".join(f"{r.name} {r.version}" for r, _ in projects)
    lines = [
        f"Corpus: {root}: {files:,} files, {size / 1e6:.1f} MB in {len(projects)} projects"
        f" ({names}); {_runs(runs)} (detect-secrets: one), page cache warm.\n",
        _report.full_scan_table(results, files, size, None),
    ]
    ratios = _report.ratio_table(results)
    lines += ["", ratios] if ratios else []

    per_project = [t for t in tools if t.name in PER_PROJECT_TOOLS]
    rows: list[ProjectRow] = []
    for release, tree in projects:
        p_files, p_size = tree_stats(tree)
        walls: dict[str, float | None] = {}
        for tool in per_project:
            sample, _ = run_once(tool, tree, scratch)
            walls[tool.name] = sample.wall_s if sample else None
        log(f"{release.name}: " + ", ".join(
            f"{name} {'failed' if w is None else f'{w:.2f} s'}" for name, w in walls.items()))
        rows.append(ProjectRow(release.name, release.version, p_files, p_size, walls))
    lines += ["", "Per project (one run each, slowest for nhiguard first):", "",
              _report.project_table(rows, [t.name for t in per_project])]
    data = {
        "root": str(root), "files": files, "bytes": size,
        "projects": [dataclasses.asdict(r) for r in rows],
        "full_scan": [dataclasses.asdict(r) for r in results],
    }
    return "\n".join(lines), data


def _nhiguard_history(exe: str, extra: list[str], _report: Path) -> list[str]:
    return [exe, "scan", ".", "--history", "--format", "json", "--no-progress", *extra]


def _gitleaks_history(exe: str, report: Path) -> list[str]:
    return [exe, "git", ".", "--no-banner", "--log-level", "error", "--redact",
            "--report-format", "json", "--report-path", str(report)]


def _kingfisher_history(exe: str, report: Path) -> list[str]:
    return kingfisher_command(exe, report, "--git-history", "full")


def history_tools(tools: list[Tool], scan_help: str, notes: list[str]) -> list[Tool]:
    """Each tool's way of reading every commit of the repository in the working directory."""
    out: list[Tool] = []
    for tool in tools:
        if tool.name == "nhiguard":
            if "--history" not in scan_help:
                notes.append("history: `nhiguard scan --help` has no --history; nhiguard skipped")
                continue
            extra = ["--no-cache"] if "--no-cache" in scan_help else []
            out.append(dataclasses.replace(
                tool, build=functools.partial(_nhiguard_history, tool.exe, extra)))
        elif tool.name == "gitleaks":
            out.append(dataclasses.replace(
                tool, build=functools.partial(_gitleaks_history, tool.exe)))
        elif tool.name == "kingfisher":
            out.append(dataclasses.replace(
                tool, build=functools.partial(_kingfisher_history, tool.exe)))
        # detect-secrets has no history mode.
    return out


def _git_count(repo: Path, *args: str) -> int | None:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    try:
        return int(done.stdout.split()[0]) if done.returncode == 0 else None
    except (IndexError, ValueError):
        return None


def history_section(
    tools: list[Tool], scan_help: str, runs: int, quick: bool, scratch: Path, notes: list[str]
) -> tuple[str, dict[str, Any]]:
    """Markdown for the history scan of a real repository, and its numbers."""
    explicit = os.environ.get("BENCH_HISTORY_REPO")
    if explicit:
        repo, origin = Path(explicit).expanduser().resolve(), "BENCH_HISTORY_REPO"
    else:
        built = corpus.ensure_history_repo(quick)
        if built is None:
            notes.append("history: no mcp release could be fetched; skipped")
            return "", {}
        repo, origin = built[0], f"successive {corpus.HISTORY_PROJECT} releases"
    commits = _git_count(repo, "rev-list", "--count", "HEAD")
    if commits is None:
        notes.append(f"history: {repo} is not a git repository with a HEAD; skipped")
        return "", {}
    blobs = _git_count(repo, "rev-list", "--objects", "--count", "HEAD")
    wanted = history_tools(tools, scan_help, notes)
    warm_page_cache(repo, with_git=True)
    results = full_scan(wanted, repo, runs, scratch)
    files, size = tree_stats(repo)
    lines = [
        f"Repository: {repo} ({origin}): {commits:,} commits, {blobs or 0:,} objects reachable;"
        f" {files:,} files, {size / 1e6:.1f} MB checked out; {_runs(runs)}.\n",
        "| tool | command |", "|---|---|",
        "| nhiguard | `nhiguard scan . --history` |",
        "| gitleaks | `gitleaks git .` |",
        "| kingfisher | `kingfisher scan . --git-history full --no-validate` |", "",
        _report.full_scan_table(results, files, size, None, per_size=False),
    ]
    ratios = _report.ratio_table(results, goals={})
    lines += ["", ratios] if ratios else []
    data = {"repo": str(repo), "commits": commits, "objects": blobs,
            "full_scan": [dataclasses.asdict(r) for r in results]}
    return "\n".join(lines), data
