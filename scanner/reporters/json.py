"""Machine-readable JSON: findings, notifications and a summary; stable order.

The shape is described by docs/report.schema.json; `schema_version` changes
its major number when a field is removed or changes meaning, its minor number
when one is added.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from .. import __version__
from .base import Report

SCHEMA_VERSION = "1.0"


def render(report: Report) -> str:
    data = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "nhiguard", "version": __version__},
        "findings": [
            {**asdict(f), "rule_name": report.rule(f.rule_id).name, "kind": report.rule(f.rule_id).kind,
             "severity": report.rule(f.rule_id).severity}
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
