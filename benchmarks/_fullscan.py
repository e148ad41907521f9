"""Running every scanner over one tree, several times, interleaved: the full-scan measurement."""

from __future__ import annotations

from pathlib import Path

from _latency import log
from _measure import Sample, Summary, measure
from _peers import Tool
from _report import ToolResult


def run_once(tool: Tool, tree: Path, scratch: Path) -> tuple[Sample | None, list[str] | None]:
    """One measured run of `tool` over `tree`, and the file of each finding it reported."""
    report, errors = scratch / f"{tool.name}.report", scratch / f"{tool.name}.stderr"
    report.unlink(missing_ok=True)
    sample = measure(
        tool.build(report),
        tree,
        stdout=report if tool.report_on_stdout else None,
        stderr=errors,
        env=tool.env,
    )
    if sample.exit_code not in tool.ok_codes:
        tail = errors.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        log(f"{tool.name} exited {sample.exit_code}: " + " | ".join(tail))
        return None, None
    return sample, tool.locate(report)


def full_scan(
    tools: list[Tool], tree: Path, runs: int, scratch: Path, planted: set[str] | None = None,
    max_runs: dict[str, int] | None = None,
) -> list[ToolResult]:
    """Every tool `runs` times (or its `max_runs`, if fewer), interleaved so drift on the
    machine hits all alike."""
    samples: dict[str, list[Sample]] = {t.name: [] for t in tools}
    findings: dict[str, list[str] | None] = {}
    failed: set[str] = set()
    limit = {t.name: min(runs, (max_runs or {}).get(t.name, runs)) for t in tools}
    for n in range(runs):
        for tool in tools:
            if tool.name in failed or n >= limit[tool.name]:
                continue
            sample, located = run_once(tool, tree, scratch)
            if sample is None:
                failed.add(tool.name)  # a broken tool is not retried
                continue
            samples[tool.name].append(sample)
            findings[tool.name] = located
            log(f"{tool.name} run {n + 1}/{limit[tool.name]}: {sample.wall_s:.2f} s wall")
    return [
        ToolResult(
            name=t.name,
            version=t.version,
            summary=Summary.of(samples[t.name]) if samples[t.name] else None,
            findings=_count(findings.get(t.name)),
            planted_found=_hits(findings.get(t.name), planted),
            failures=int(t.name in failed),
        )
        for t in tools
    ]


def _count(located: list[str] | None) -> int | None:
    return None if located is None else len(located)


def _hits(located: list[str] | None, planted: set[str] | None) -> int | None:
    """How many planted files the tool reported at least one finding in."""
    return None if located is None or planted is None else len(planted & set(located))
