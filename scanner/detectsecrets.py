"""Meeting detect-secrets users where they are.

- `# pragma: allowlist secret` on a line (or `pragma: allowlist nextline
  secret` on the line above) silences a literal secret there, as in
  detect-secrets; the comment forms are the ones it accepts. Policy setting
  `allowlist-pragmas` lists the pragma texts (empty: ignore them).
- An audited `.secrets.baseline`: secrets marked `"is_secret": false` there
  (by `detect-secrets audit`) stay quiet. Only its SHA-1 `hashed_secret`
  values are read; a secret is compared by hashing it the same way.

No import of detect-secrets is needed for either; the plugin that lets
`detect-secrets scan` use nhiguard's detectors is detect_secrets_plugin.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from .config import upward

DEFAULT_PRAGMAS = ("pragma: allowlist secret",)
SECRETS_BASELINE = ".secrets.baseline"

# detect-secrets' comment openers (filters/allowlist.py): #, //, /*, ', --, <!--.
_OPENERS = r"(?:#|//|/\*|'|--|<!--[# \t]*?)"


class SecretsBaselineError(ValueError):
    """The .secrets.baseline cannot be read (a warning; the scan goes on)."""


@cache
def _pragma_regexes(pragmas: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    if not pragmas:
        return None
    same = "|".join(re.escape(p) for p in pragmas)
    nextline = "|".join(re.escape(p.replace("allowlist ", "allowlist nextline ", 1)) for p in pragmas)
    return (re.compile(rf"{_OPENERS}[ \t]*(?:{same})", re.I),
            re.compile(rf"{_OPENERS}[ \t]*(?:{nextline})", re.I))


def allowlisted(line: str, previous_line: str, pragmas: Sequence[str] = DEFAULT_PRAGMAS) -> bool:
    """Whether a detect-secrets allowlist pragma covers `line`."""
    regexes = _pragma_regexes(tuple(pragmas))
    if regexes is None or "allowlist" not in (line + previous_line).lower():
        return False
    return bool(regexes[0].search(line) or regexes[1].search(previous_line))


def secret_hash(secret: str) -> str:
    """detect-secrets' `hashed_secret`: SHA-1 of the secret, hex (it uses SHA-1
    as an identifier, not for protection)."""
    return hashlib.sha1(secret.encode("utf-8"), usedforsecurity=False).hexdigest()


def audited_false_hashes(path: Path) -> frozenset[str]:
    """The `hashed_secret` of every result audited as not a secret."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SecretsBaselineError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise SecretsBaselineError(f"{path} is not JSON: {exc}") from exc
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise SecretsBaselineError(f"{path} is not a detect-secrets baseline (no results)")
    return frozenset(
        str(r["hashed_secret"]) for entries in results.values() if isinstance(entries, list)
        for r in entries if isinstance(r, dict) and r.get("is_secret") is False and "hashed_secret" in r
    )


def find_secrets_baseline(start: Path) -> Path | None:
    """The nearest `.secrets.baseline` from `start` up to the repository root."""
    return next((f / SECRETS_BASELINE for f in upward(start) if (f / SECRETS_BASELINE).is_file()), None)
