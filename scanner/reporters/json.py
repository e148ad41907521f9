"""Machine-readable JSON: findings, notifications and a summary; stable order."""

from __future__ import annotations

import json
from dataclasses import asdict

from .. import __version__
from .base import Report


def render(report: Report) -> str:
    data = {
        "tool": {"name": "nhiguard", "version": __version__},
        "findings": [
            {**asdict(f), "rule_name": report.rule(f.rule_id).name, "kind": report.rule(f.rule_id).kind}
            for f in report.shown
        ],
        "notifications": [asdict(n) for n in report.result.notifications],
        "summary": {
            "files_listed": report.result.files_listed,
            "files_scanned": report.result.files_scanned,
            "findings": len(report.active),
            "suppressed": len(report.result.findings) - len(report.active),
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
