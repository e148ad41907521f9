"""Markdown tables for the benchmark results.

Ratios are written "peer / nhiguard": above 1 means nhiguard is faster (or
smaller) than that peer by that factor.
"""

from __future__ import annotations

from dataclasses import dataclass

from _measure import Summary

PRE_COMMIT_GOAL_S = 0.5
DIFF_GOAL_S = 2.0
MEMORY_GOAL_MB = 300.0
# issue 4: nhiguard's wall time at most 2x gitleaks', and at least 20x faster than detect-secrets.
RATIO_GOALS = {"gitleaks": 0.5, "detect-secrets": 20.0}


@dataclass(frozen=True)
class ToolResult:
    name: str
    version: str
    summary: Summary | None  # None when every run failed
    findings: int | None
    planted_found: int | None  # planted files with at least one finding (generated trees)
    failures: int


@dataclass(frozen=True)
class Latency:
    label: str
    command: str
    summary: Summary
    goal_s: float | None


@dataclass(frozen=True)
class ProjectRow:
    """One project of the real-code corpus: its size and each tool's wall time (None: failed)."""

    name: str
    version: str
    files: int
    bytes: int
    walls: dict[str, float | None]


@dataclass(frozen=True)
class ScalePoint:
    scale: float
    files: int
    bytes: int
    summary: Summary


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def _mem(summary: Summary) -> float:
    """Peak memory of the whole process tree; falls back to the largest process."""
    return summary.tree_rss_mb or summary.maxrss_mb


def _f(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def full_scan_table(
    results: list[ToolResult], files: int, size: int, planted: int | None, per_size: bool = True
) -> str:
    """One row per tool; `per_size` off leaves out MB/s and files/s (a history scan reads
    far more than the checked-out tree)."""
    rows: list[list[str]] = []
    for r in results:
        s = r.summary
        if s is None:
            rows.append([r.name, r.version, "failed", "", "", "", "", "", "", ""])
            continue
        rows.append([
            r.name,
            r.version,
            f"{_f(s.wall_s)} ({_f(s.wall_min_s)}-{_f(s.wall_max_s)})",
            _f(s.cpu_s),
            _f(s.maxrss_mb, 0),
            _f(s.tree_rss_mb, 0),
            _f(size / 1e6 / s.wall_s, 1) if per_size else "-",
            _f(files / s.wall_s, 0) if per_size else "-",
            "?" if r.findings is None else f"{r.findings:,}",
            "-" if r.planted_found is None or planted is None else f"{r.planted_found}/{planted}",
        ])
    headers = [
        "tool", "version", "wall s, median (min-max)", "CPU s", "max RSS MB (1 proc)",
        "peak RSS MB (all procs)", "MB/s", "files/s", "findings", "planted files hit",
    ]
    return table(headers, rows)


def ratio_table(results: list[ToolResult], goals: dict[str, float] | None = None) -> str:
    """Peer / nhiguard per peer; `goals` (default issue 4's) are checked on wall time."""
    goals = RATIO_GOALS if goals is None else goals
    ours = next((r.summary for r in results if r.name == "nhiguard"), None)
    rows: list[list[str]] = []
    for r in results:
        if r.name == "nhiguard" or r.summary is None or ours is None:
            continue
        peer = r.summary
        wall = peer.wall_s / ours.wall_s
        goal = goals.get(r.name)
        rows.append([
            f"{r.name} / nhiguard",
            f"{_f(wall)}x",
            f"{_f(peer.cpu_s / ours.cpu_s)}x" if ours.cpu_s else "-",
            f"{_f(_mem(peer) / _mem(ours))}x" if _mem(ours) else "-",
            "-" if goal is None else f">= {goal:g}x",
            "-" if goal is None else ("met" if wall >= goal else "NOT met"),
        ])
    headers = ["ratio (peer / nhiguard)", "wall", "CPU", "peak memory", "wall goal", "status"]
    return table(headers, rows) if rows else ""


def latency_table(latencies: list[Latency]) -> str:
    rows: list[list[str]] = []
    for item in latencies:
        s = item.summary
        status = "-"
        if item.goal_s is not None:
            status = ("met" if s.wall_s < item.goal_s else "NOT met") + f" (< {item.goal_s:g} s)"
        rows.append([
            item.label,
            f"`{item.command}`",
            str(s.runs),
            f"{s.wall_s:.3f} ({s.wall_min_s:.3f}-{s.wall_max_s:.3f})",
            f"{s.cpu_s:.3f}",
            _f(_mem(s), 0),
            status,
        ])
    headers = ["measurement", "command", "runs", "wall s, median (min-max)", "CPU s",
               "peak MB", "goal"]
    return table(headers, rows)


def scaling_table(points: list[ScalePoint]) -> str:
    if not points:
        return ""
    base = points[0]
    rows: list[list[str]] = []
    for p in points:
        s = p.summary
        rows.append([
            f"{p.scale / base.scale:g}x",
            f"{p.files:,}",
            _f(p.bytes / 1e6, 1),
            _f(s.wall_s),
            _f(s.cpu_s),
            _f(s.maxrss_mb, 0),
            _f(s.tree_rss_mb, 0),
            _f(p.bytes / 1e6 / s.wall_s, 1),
            f"{_f(s.wall_s / base.summary.wall_s)}x",
            f"{_f(_mem(s) / _mem(base.summary))}x" if _mem(base.summary) else "-",
            "met" if _mem(s) < MEMORY_GOAL_MB else "NOT met",
        ])
    headers = [
        "tree", "files", "MB", "wall s", "CPU s", "max RSS MB (1 proc)", "peak RSS MB (all)",
        "MB/s", "wall vs 1x", "memory vs 1x", f"< {MEMORY_GOAL_MB:g} MB",
    ]
    return table(headers, rows)


def project_table(rows: list[ProjectRow], tools: list[str]) -> str:
    """Per-project wall times, slowest for nhiguard first, with each peer's ratio to it."""
    def key(row: ProjectRow) -> float:
        return -(row.walls.get("nhiguard") or 0.0)

    ratios = "nhiguard" in tools  # without nhiguard there is nothing to hold the peers against
    peers = [t for t in tools if t != "nhiguard"] if ratios else []
    out: list[list[str]] = []
    for row in sorted(rows, key=key):
        ours = row.walls.get("nhiguard")
        cells = [f"{row.name} {row.version}", f"{row.files:,}", _f(row.bytes / 1e6, 1)]
        cells += ["failed" if row.walls.get(t) is None else _f(row.walls[t] or 0.0) for t in tools]
        for peer in peers:
            theirs = row.walls.get(peer)
            cells.append(f"{_f(theirs / ours)}x" if theirs and ours else "-")
        if ratios:
            cells.append(_f(row.bytes / 1e6 / ours, 1) if ours else "-")
        out.append(cells)
    headers = ["project", "files", "MB", *(f"{t} s" for t in tools),
               *(f"{p} / nhiguard" for p in peers), *(["nhiguard MB/s"] if ratios else [])]
    return table(headers, out)
