"""Redaction: the one place a secret's text is turned into something safe to show.

A finding never carries a secret. Rules hand the secret to `redact_line`,
which masks it in the source line; only that masked line (the snippet) and a
short, non-reversible prefix ever reach a report.
"""

from __future__ import annotations

MASK = "*" * 8
SNIPPET_MAX = 160


def redact(secret: str, public_prefix: str = "") -> str:
    """A safe stand-in for a secret: its public prefix, if any, then a mask.

    Only a prefix the rule vouches for as public (a provider's fixed marker
    such as `ghp_` or `sk-proj-`) is shown, so a reader can tell which key
    it is; no character of the secret part itself is ever shown.
    """
    if public_prefix and secret.startswith(public_prefix) and len(public_prefix) < len(secret):
        return public_prefix + MASK
    return MASK


def _fragments(secret: str) -> list[str]:
    # A multi-line secret (a PEM key) shows up on a line only in part.
    parts = [p.strip() for p in secret.splitlines()]
    return [p for p in parts if len(p) >= 4] or ([secret] if secret else [])


def redact_line(line: str, secrets: list[str] | tuple[str, ...] = (), public_prefix: str = "") -> str:
    """`line` with every occurrence of every secret (or part of one) masked, trimmed."""
    out = line.rstrip("\r\n")
    for secret in sorted(secrets, key=len, reverse=True):
        for frag in _fragments(secret):
            if frag in out:
                out = out.replace(frag, redact(frag, public_prefix))
    out = out.strip()
    if len(out) > SNIPPET_MAX:
        out = out[: SNIPPET_MAX - 1] + "…"
    return out


def contains_secret(text: str, secrets: list[str] | tuple[str, ...]) -> bool:
    """True if any secret, or a long part of one, appears in `text`."""
    return any(frag in text for s in secrets for frag in _fragments(s) if len(frag) >= 8)
