"""Inline suppressions: `nhiguard: ignore[NHG101]` on the line or the line above.

The brackets hold rule IDs or prefixes, as --select does (`ignore[NHG1]`
covers the NHG1xx family). Anything after the closing bracket is the
justification, kept in reports; it may start with an expiry,
`until=2026-12-31`, after which the ignore stops working and the finding
returns (with a notification saying so).

Reported as notifications (they never change the exit code), as ruff
reports unused `noqa` comments:
- a bare `nhiguard: ignore` names no rule and suppresses nothing, so a
  blanket ignore can never hide a new kind of finding;
- an ignore that silenced nothing although its rule ran (the finding was
  fixed or moved), so stale ones do not pile up; one naming no rule at all;
- an expired ignore, and an `until=` that is not a date.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

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


_UNTIL = re.compile(r"until=(?P<date>\S*)\s*", re.I)


@dataclass
class _Ignore:
    line: int
    selectors: set[str]
    why: str
    used: bool = False

    def covers(self, f: Finding) -> bool:
        return f.line in (self.line, self.line + 1) and any(f.rule_id.startswith(s) for s in self.selectors)


def _active_ignores(doc: Document, today: date) -> list[_Ignore]:
    """The ignores that name rules and have not expired; notify the others."""
    out = []
    for number, line in enumerate(doc.lines, start=1):
        if "nhiguard" not in line.lower():
            continue
        for ids, why in _directives(line):
            if not ids:
                continue  # a bare ignore: report_bare_ignores
            until = _UNTIL.match(why)
            if until is not None:
                why = why[until.end():]
                try:
                    expiry = date.fromisoformat(until.group("date"))
                except ValueError:
                    doc.notify(f"`until={until.group('date')}` is not a date (YYYY-MM-DD); "
                               "this ignore suppresses nothing", line=number, kind="bad-ignore")
                    continue
                if today > expiry:
                    doc.notify(f"ignore[{', '.join(sorted(ids))}] expired on {expiry.isoformat()}; "
                               "what it covered is reported again", line=number, kind="expired-ignore")
                    continue
            out.append(_Ignore(number, ids, why))
    return out


def apply_suppressions(doc: Document, findings: list[Finding], ran: Collection[str] = (),
                       known: Collection[str] = (), today: date | None = None) -> list[Finding]:
    """Mark findings covered by an inline ignore. `ran` holds the IDs of the
    rules that ran and `known` every rule ID: an ignore that silenced nothing
    is reported when one of its rules ran, or when it names no known rule."""
    if "nhiguard" not in doc.text.lower():
        return findings
    ignores = _active_ignores(doc, today or datetime.now(UTC).date())
    out = []
    for f in findings:
        covering = [i for i in ignores if i.covers(f)]
        for i in covering:
            i.used = True
        out.append(replace(f, suppression=covering[-1].why) if covering else f)
    for i in ignores:
        if i.used:
            continue
        named = ", ".join(sorted(i.selectors))
        if known and not any(k.startswith(s) for s in i.selectors for k in known):
            doc.notify(f"ignore[{named}] names no rule (see `nhiguard rules`)", line=i.line,
                       kind="unknown-ignore")
        elif any(r.startswith(s) for s in i.selectors for r in ran):
            doc.notify(f"unused suppression: ignore[{named}] silences nothing on this line or the "
                       "next; remove it", line=i.line, kind="unused-ignore")
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
