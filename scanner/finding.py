"""Findings and notifications: what rules and the engine report.

A `Finding` holds a redacted snippet and never the secret itself. Its
fingerprint is a hash of the rule and the redacted line, so it survives line
moves and unrelated edits and reveals nothing about the secret.

Both classes scrub their own text when made (`redact.scrub`): whoever builds
one, a secret-shaped value in a snippet, message or notification (a parser
quoting the line it failed on) is masked before anything can print it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Literal

from .filekinds import kind_of
from .redact import SNIPPET_MAX, scrub

Level = Literal["error", "warning", "note"]


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    uri: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    snippet: str
    level: Level
    fingerprint: str = ""
    # Set when an inline `nhiguard: ignore[ID]` covers the finding; holds the
    # justification written after it (may be empty).
    suppression: str | None = None
    # Set by a history scan: the commit that introduced the scanned blob.
    commit: str | None = None
    # Set by `scan --baseline`: "new", or "unchanged" (then also suppressed).
    baseline_state: str | None = None

    def __post_init__(self) -> None:
        kind = kind_of(self.uri)
        snippet = scrub(self.snippet, kind)
        object.__setattr__(self, "snippet", snippet if len(snippet) <= SNIPPET_MAX else "")
        object.__setattr__(self, "message", scrub(self.message))

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.uri, self.line, self.column, self.rule_id, self.message)


@dataclass(frozen=True, slots=True)
class Notification:
    """Something about the scan itself: a file skipped, unreadable or unparsable."""

    uri: str
    message: str
    level: Level = "warning"
    line: int | None = None
    # A short stable identifier of what happened, e.g. "parse-error", "binary".
    kind: str = "scan"

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", scrub(self.message))

    def sort_key(self) -> tuple[str, int, str]:
        return (self.uri, self.line or 0, self.message)


def _normalise(snippet: str) -> str:
    return "".join(snippet.split())


def with_fingerprints(findings: list[Finding]) -> list[Finding]:
    """Give each finding of one file its `<hash>:<n>` fingerprint.

    The hash covers the rule and the whitespace-free redacted line; `n` counts
    earlier findings in the file with the same hash (as GitHub's
    primaryLocationLineHash does), so two identical lines stay distinct.
    """
    seen: dict[str, int] = {}
    out = []
    for f in sorted(findings, key=Finding.sort_key):
        digest = hashlib.sha256(f"{f.rule_id}\0{_normalise(f.snippet)}".encode()).hexdigest()[:16]
        seen[digest] = seen.get(digest, 0) + 1
        out.append(replace(f, fingerprint=f"{digest}:{seen[digest]}"))
    return out
