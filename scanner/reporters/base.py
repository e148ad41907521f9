"""What every reporter is handed: the scan result and its context."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..engine import ScanResult
from ..finding import Finding
from ..rule import Rule


@dataclass
class Report:
    result: ScanResult
    rules: list[type[Rule]]
    srcroot: Path
    include_suppressed: bool = False
    colour: bool = False
    # The lowest severity that fails the run (--fail-on), as an index into
    # rule.SECURITY_SEVERITY (critical=0 ... low=3; -1: nothing fails).
    fail_rank: int = 3

    @property
    def shown(self) -> list[Finding]:
        """Findings a report lists: suppressed ones only when asked for."""
        return [f for f in self.result.findings if self.include_suppressed or not f.suppressed]

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.result.findings if not f.suppressed]

    def rule(self, rule_id: str) -> type[Rule]:
        return next(r for r in self.rules if r.id == rule_id)
