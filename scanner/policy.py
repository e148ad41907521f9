"""Policy: the organisation's choices that rules read (docs/architecture.md, "Command line").

Lives in `[tool.nhiguard.policy]` of pyproject.toml or `[policy]` of
.nhiguard.toml. Every field has a safe default, so rules never guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

DEFAULT_OWNER_FIELDS = ("contacts", "software_statement")
DEFAULT_EXPIRY_FIELDS = (
    "software_statement",
    "client_secret_expires_at",
    "client_secret_expires_in",
    "expires_in",
    "ttl",
)


class PolicyError(ValueError):
    """A policy setting has the wrong name or type (exit code 2)."""


@dataclass(frozen=True)
class Policy:
    # Longest lifetime a registered client secret may have.
    max_secret_lifetime_days: int = 90
    # Registration fields that count as evidence of an accountable owner.
    owner_fields: tuple[str, ...] = DEFAULT_OWNER_FIELDS
    # Registration fields that count as evidence of an expiry.
    expiry_fields: tuple[str, ...] = DEFAULT_EXPIRY_FIELDS
    # Scopes that are always fine / always a finding, beyond the built-in lists.
    allowed_scopes: tuple[str, ...] = ()
    forbidden_scopes: tuple[str, ...] = ()
    # Provider-wide scopes to report, added to the built-in list of the scope rules.
    broad_scopes: tuple[str, ...] = ()
    # Registration endpoints the organisation has approved (URL prefixes).
    approved_registration_endpoints: tuple[str, ...] = ()
    # Run structural rules on test code too (`include-tests`, `--include-tests`);
    # set at the top level of the configuration, not in its policy table.
    include_tests: bool = False
    # detect-secrets comments that silence a literal secret on their line
    # (`allowlist nextline` forms: the next line); empty: ignore them.
    allowlist_pragmas: tuple[str, ...] = ("pragma: allowlist secret",)
    # SHA-1s of secrets audited as false positives in a .secrets.baseline;
    # read from that file by the command line, not a setting.
    audited_secret_hashes: frozenset[str] = field(default_factory=frozenset, compare=False)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def max_secret_lifetime_seconds(self) -> int:
        return self.max_secret_lifetime_days * 86400

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Policy:
        """Build a policy from config (keys may use `-` or `_`), extending the
        default owner/expiry field lists rather than replacing them."""
        known = {f.name: f for f in fields(cls)
                 if f.name not in ("extra", "include_tests", "audited_secret_hashes")}
        kwargs: dict[str, Any] = {}
        for raw_key, value in data.items():
            key = raw_key.replace("-", "_")
            if key not in known:
                raise PolicyError(f"unknown policy setting {raw_key!r}; known: {', '.join(sorted(known))}")
            default = known[key].default
            if isinstance(default, tuple):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise PolicyError(f"policy setting {raw_key!r} must be a list of strings")
                base = default if key in ("owner_fields", "expiry_fields") else ()
                kwargs[key] = tuple(dict.fromkeys([*base, *value]))
            elif isinstance(default, int):
                if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                    raise PolicyError(f"policy setting {raw_key!r} must be a positive whole number")
                kwargs[key] = value
        return cls(**kwargs)
