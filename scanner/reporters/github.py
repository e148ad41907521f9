"""GitHub Actions workflow commands: one annotation per finding.

GitHub keeps only the first ten error and ten warning annotations of a step,
so findings are annotated in order of severity and a last notice says how
many more there are (the SARIF upload and job summary carry all of them).
"""

from __future__ import annotations

from .base import Report

MAX_ANNOTATIONS = 50
_ORDER = {"error": 0, "warning": 1, "note": 2}
_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    active = sorted(report.active, key=lambda f: (_ORDER[f.level], f.sort_key()))
    out = []
    for f in active[:MAX_ANNOTATIONS]:
        rule = report.rule(f.rule_id)
        props = ",".join([
            f"file={_escape_property(f.uri)}",
            f"line={f.line}", f"endLine={f.end_line}", f"col={f.column}",
            f"title={_escape_property(f'{f.rule_id} {rule.name}')}",
        ])
        message = f"{f.message} (commit {f.commit[:12]})" if f.commit else f.message
        out.append(f"::{_COMMAND[f.level]} {props}::{_escape_data(message)}")
    if len(active) > MAX_ANNOTATIONS:
        out.append(f"::notice::{len(active) - MAX_ANNOTATIONS} more findings; see the SARIF report")
    for n in report.result.notifications:
        if n.level != "note":
            line = f",line={n.line}" if n.line else ""
            out.append(f"::warning file={_escape_property(n.uri)}{line}::{_escape_data(n.message)}")
    return "\n".join(out) + ("\n" if out else "")


def summary_markdown(report: Report, limit: int = 200) -> str:
    """A Markdown job summary (GitHub caps it at 1 MiB, so rows are capped too)."""
    active = sorted(report.active, key=lambda f: (_ORDER[f.level], f.sort_key()))
    lines = [f"## nhiguard: {len(active)} finding{'s' * (len(active) != 1)}", ""]
    if active:
        lines += ["| Rule | Location | Message |", "| --- | --- | --- |"]
        for f in active[:limit]:
            rule = report.rule(f.rule_id)
            message = f.message.replace("|", "\\|")
            where = f"`{f.uri}:{f.line}`" + (f" ({f.commit[:12]})" if f.commit else "")
            lines.append(f"| {f.rule_id} {rule.name} | {where} | {message} |")
        if len(active) > limit:
            lines.append(f"\n{len(active) - limit} more in the SARIF report.")
    if report.result.notifications:
        count = len(report.result.notifications)
        lines.append(f"\n{count} file{'s' * (count != 1)} could not be fully scanned "
                     "(see the tool notifications in the SARIF report).")
    return "\n".join(lines) + "\n"
