"""Inline suppressions: `nhiguard: ignore[NHG101]` on the line or the line above.

Anything after the closing bracket is the justification, kept in reports.
A bare `nhiguard: ignore` names no rule, suppresses nothing, and is itself
reported, so a blanket ignore can never hide a new kind of finding.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .document import Document
from .finding import Finding

# A directive quoted as `code` (in docs and docstrings) is talk about
# directives, not one: the backtick before it rules it out.
_IGNORE = re.compile(r"(?<!`)nhiguard:\s*ignore(?:\[(?P<ids>[^\]]*)\])?(?P<why>[^\n]*)", re.I)


def _directives(line: str) -> list[tuple[set[str] | None, str]]:
    out: list[tuple[set[str] | None, str]] = []
    for m in _IGNORE.finditer(line):
        ids = m.group("ids")
        why = m.group("why").strip(" \t-:#*/>").strip()
        if ids is None:
            out.append((None, why))
        else:
            out.append(({i.strip().upper() for i in ids.split(",") if i.strip()}, why))
    return out


def apply_suppressions(doc: Document, findings: list[Finding]) -> list[Finding]:
    """Mark findings covered by an inline ignore; report bare ignores."""
    if not findings or "nhiguard" not in doc.text.lower():
        return findings
    out = []
    for f in findings:
        justification = None
        for number in (f.line, f.line - 1):
            for ids, why in _directives(doc.line(number)):
                if ids and f.rule_id in ids:
                    justification = why
        out.append(replace(f, suppression=justification) if justification is not None else f)
    return out


def report_bare_ignores(doc: Document) -> None:
    """A notification for every `nhiguard: ignore` that names no rule."""
    if "nhiguard" not in doc.text.lower():
        return
    for number, line in enumerate(doc.lines, start=1):
        for ids, _ in _directives(line):
            if not ids:
                doc.notify(
                    "`nhiguard: ignore` without a rule ID suppresses nothing; "
                    "name the rule, e.g. `nhiguard: ignore[NHG101] reason`",
                    level="warning", line=number, kind="bare-ignore",
                )
