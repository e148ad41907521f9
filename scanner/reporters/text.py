"""Human-readable output: one block per finding, like ruff and gitleaks."""

from __future__ import annotations

from collections import Counter

import click

from .base import Report

_LEVEL_COLOUR = {"error": "red", "warning": "yellow", "note": "cyan"}


def render(report: Report) -> str:
    style = click.style if report.colour else (lambda text, **_: text)
    out: list[str] = []
    for f in report.shown:
        rule = report.rule(f.rule_id)
        where = style(f"{f.uri}:{f.line}:{f.column}", bold=True)
        if f.commit:
            where += f" (commit {f.commit[:12]})"
        rid = style(f.rule_id, fg=_LEVEL_COLOUR[f.level], bold=True)
        tag = " (suppressed)" if f.suppressed else ""
        out.append(f"{where}: {rid} [{rule.name}] {f.message}{tag}")
        if f.snippet:
            out.append(f"    {style('│', dim=True)} {f.snippet}")
    # Notes (binaries, templates, links skipped) are counted, not listed: they
    # are expected in any real tree. JSON and SARIF carry every one of them.
    for n in report.result.notifications:
        if n.level != "note":
            line = f":{n.line}" if n.line else ""
            out.append(style(f"{n.uri}{line}: {n.level}: {n.message}", dim=True))
    active = report.active
    by_rule = Counter(f.rule_id for f in active)
    suppressed = len(report.result.findings) - len(active)
    summary = (
        f"{len(active)} finding{'s' * (len(active) != 1)} in {report.result.files_listed} files"
        + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(by_rule.items()))})" if by_rule else "")
        + (f"; {suppressed} suppressed" if suppressed else "")
        + (f"; {len(report.result.notifications)} notices (listed in --format json and sarif)"
           if report.result.notifications else "")
    )
    out.append(style(summary, bold=True))
    return "\n".join(out) + "\n"
