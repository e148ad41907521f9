"""Baselines: accept today's findings, report only new ones.

`nhiguard baseline FILE` records each active finding by its rule and the hash
part of its fingerprint (finding.py: rule + the whitespace-free redacted
line), with a count. No line number and no path is part of the key, so lines
inserted above a finding, or the file moving, do not bring it back; and the
file holds no secret, only hashes of redacted lines. The paths a key was seen
in are kept for people reading the file, not for matching.

`nhiguard scan --baseline FILE` marks as many findings of each key as the
baseline counts as "unchanged" (left out of reports and the exit code unless
--include-suppressed) and the rest as "new"; keys that occur less often than
recorded are counted as absent (fixed since the baseline was written).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from .finding import Finding

FORMAT_VERSION = 1


class BaselineError(Exception):
    """The baseline file cannot be read or is not a baseline."""


def _key(f: Finding) -> tuple[str, str]:
    return (f.rule_id, f.fingerprint.split(":", 1)[0])


@dataclass
class Baseline:
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Where each key was seen: only to match the same file first when a key
    # now occurs more often than recorded.
    paths: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise BaselineError(f"baseline {path} is not JSON: {exc}") from exc
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION \
                or not isinstance(data.get("findings"), list):
            raise BaselineError(f"{path} is not an nhiguard baseline (version {FORMAT_VERSION})")
        baseline = cls()
        for entry in data["findings"]:
            try:
                key = (str(entry["rule"]), str(entry["hash"]))
                baseline.counts[key] += int(entry["count"])
                baseline.paths.setdefault(key, set()).update(str(p) for p in entry.get("paths", []))
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                raise BaselineError(f"baseline {path} has a malformed entry: {entry!r}") from exc
        return baseline


def write_baseline(path: Path, findings: list[Finding]) -> int:
    """Write the active findings as a baseline; return how many it holds."""
    counts: Counter[tuple[str, str]] = Counter()
    paths: dict[tuple[str, str], set[str]] = {}
    for f in findings:
        if not f.suppressed:
            counts[_key(f)] += 1
            paths.setdefault(_key(f), set()).add(f.uri)
    entries = [{"rule": rule, "hash": digest, "count": n, "paths": sorted(paths[(rule, digest)])}
               for (rule, digest), n in sorted(counts.items())]
    data = {"version": FORMAT_VERSION, "tool": "nhiguard",
            "about": "Findings accepted as of this file; keyed by rule and a hash of the redacted "
                     "line, so moving lines or files keeps them accepted.",
            "findings": entries}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return sum(counts.values())


def apply_baseline(findings: list[Finding], baseline: Baseline, name: str) -> tuple[list[Finding], int]:
    """Mark findings "unchanged" (suppressed, justification naming the
    baseline) or "new"; return them with the number of absent ones."""
    left = Counter(baseline.counts)
    out = []
    def order(f: Finding) -> tuple[bool, tuple[str, int, int, str, str]]:
        return (f.uri not in baseline.paths.get(_key(f), ()), f.sort_key())

    for f in sorted(findings, key=order):
        key = _key(f)
        if f.suppressed:
            out.append(f)
        elif left[key] > 0:
            left[key] -= 1
            out.append(replace(f, baseline_state="unchanged", suppression=f"in baseline {name}"))
        else:
            out.append(replace(f, baseline_state="new"))
    out.sort(key=Finding.sort_key)
    return out, sum(n for n in left.values() if n > 0)
