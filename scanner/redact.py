"""Redaction: the one place a secret's text is turned into something safe to show.

A finding never carries a secret. Rules hand the secret to `redact_line`,
which masks it in the source line; only that masked line (the snippet) and a
short, non-reversible prefix ever reach a report.
"""

from __future__ import annotations

MASK = "*" * 8
SNIPPET_MAX = 160


def redact(secret: str) -> str:
    """A short, safe stand-in for a secret: a few leading characters, then a mask.

    Long secrets keep up to four leading characters (usually a public prefix
    such as `ghp_` or `sk-p`) so a reader can tell which key it is; short ones
    keep nothing, since every character of a short secret matters.
    """
    keep = min(4, len(secret) // 8)
    return secret[:keep] + MASK


def _fragments(secret: str) -> list[str]:
    # A multi-line secret (a PEM key) shows up on a line only in part.
    parts = [p.strip() for p in secret.splitlines()]
    return [p for p in parts if len(p) >= 4] or ([secret] if secret else [])


def redact_line(line: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """`line` with every occurrence of every secret (or part of one) masked, trimmed."""
    out = line.rstrip("\r\n")
    for secret in sorted(secrets, key=len, reverse=True):
        for frag in _fragments(secret):
            if frag in out:
                out = out.replace(frag, redact(frag))
    out = out.strip()
    if len(out) > SNIPPET_MAX:
        out = out[: SNIPPET_MAX - 1] + "…"
    return out


def contains_secret(text: str, secrets: list[str] | tuple[str, ...]) -> bool:
    """True if any secret, or a long part of one, appears in `text`."""
    return any(frag in text for s in secrets for frag in _fragments(s) if len(frag) >= 8)
