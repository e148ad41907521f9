"""Which lines a change added: `git diff -U0` hunks, and the filter that keeps
only the findings on those lines.

A diff or staged scan analyses whole files (a rule may need the whole file to
judge one line), then reports only what the change brings in: a finding is
kept when one of its lines, `line` to `end_line`, is an added or changed line
on the new side of the diff. A secret that was already there before the change
is not reported; one that the change adds is.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..finding import Finding

_HUNK = re.compile(rb"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12,
            ord("r"): 13, ord('"'): 34, ord("\\"): 92}


@dataclass
class LineSet:
    """Sorted, non-overlapping inclusive ranges of 1-based line numbers."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, ranges: Iterable[tuple[int, int]]) -> LineSet:
        merged: list[list[int]] = []
        for first, last in sorted(r for r in ranges if r[0] <= r[1]):
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        return cls([m[0] for m in merged], [m[1] for m in merged])

    def touches(self, first: int, last: int) -> bool:
        """True if any line from `first` to `last` (inclusive) is in the set."""
        i = bisect.bisect_right(self.starts, max(first, last))
        return i > 0 and self.ends[i - 1] >= first

    def __len__(self) -> int:
        return sum(e - s + 1 for s, e in zip(self.starts, self.ends, strict=True))


def unquote_path(raw: bytes) -> str:
    """A path as git prints it in a patch header: C-quoted ("a\\tb", octal
    escapes for bytes) when it holds special characters, else as is."""
    if not (len(raw) >= 2 and raw.startswith(b'"') and raw.endswith(b'"')):
        return raw.decode("utf-8", "surrogateescape")
    body, out, i = raw[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i]
        if c == 92 and i + 1 < len(body):  # backslash
            nxt = body[i + 1]
            octal = body[i + 1:i + 4]
            if len(octal) == 3 and all(48 <= d <= 55 for d in octal):
                out.append(int(octal, 8) & 0xFF)
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out).decode("utf-8", "surrogateescape")


def added_lines(patch: bytes) -> dict[str, LineSet]:
    """New-side line ranges per new path from `git diff -U0` output.

    The patch must use the `b/` destination prefix. Hunk bodies are skipped by
    their line counts, so file content that looks like a header is never read
    as one. Deleted files (`+++ /dev/null`) and binary files have no entry.
    """
    ranges: dict[str, list[tuple[int, int]]] = {}
    current: str | None = None
    lines = patch.split(b"\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith(b"diff --git "):
            current = None
        elif line.startswith(b"+++ "):
            # git ends the name with a tab when it holds a space (for patch(1)).
            target = unquote_path(line[4:].removesuffix(b"\t"))
            current = target[2:] if target.startswith("b/") else None
        elif (m := _HUNK.match(line)) is not None:
            old = int(m.group(1)) if m.group(1) is not None else 1
            start = int(m.group(2))
            new = int(m.group(3)) if m.group(3) is not None else 1
            if current is not None and new > 0:
                ranges.setdefault(current, []).append((start, start + new - 1))
            body = old + new
            while body > 0 and i < len(lines):
                if not lines[i].startswith(b"\\"):  # "\ No newline at end of file"
                    body -= 1
                i += 1
    return {path: LineSet.of(r) for path, r in ranges.items()}


def keep_changed(findings: Iterable[Finding], changed: Mapping[str, LineSet]) -> list[Finding]:
    """The findings on a changed line: one of `line`..`end_line` is in the
    changed set of the finding's file. Files with no changed lines keep none."""
    kept = []
    for f in findings:
        lines = changed.get(f.uri)
        if lines is not None and lines.touches(f.line, max(f.line, f.end_line)):
            kept.append(f)
    return kept
