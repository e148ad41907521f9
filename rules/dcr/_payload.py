"""What the NHG2xx rules know about Dynamic Client Registration (RFC 7591/7592).

Every reader (Python through `ast`, JS/TS and shell through text, JSON and
YAML through the config tree) turns what it finds into a `Registration`: the
client metadata fields it could see and where the request is. The questions
"is this a registration?", "who owns it?" and "when does it expire?" are
answered here once, from those fields and the policy, whatever the language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from nhiguard.policy import Policy

# A value a reader could not evaluate (a variable, a call, an f-string).
UNKNOWN: Final = ...

# Fields that only client metadata carries: `redirect_uris` plus one of these
# makes a payload a registration (a user sign-up has neither).
CLIENT_FIELDS = frozenset({"client_name", "grant_types", "token_endpoint_auth_method",
                           "response_types"})
# RFC 7592: what a client needs to read, update or delete its own registration.
MANAGEMENT_FIELDS = ("registration_client_uri", "registration_access_token")

# Words whose presence makes a file worth reading for NHG201/NHG202 (the prefilter).
CLIENT_KEYWORDS = ("redirect_uris", "OAuthClientMetadata", "clientMetadata", "registerClient",
                   "additional_client_metadata", "register_client", "fastmcp.client",
                   'auth="oauth"', "auth='oauth'", "registration_endpoint", "registrationEndpoint",
                   "clients-registrations", "/oidc/register", "/oauth2/register")

# Where registrations are sent: RFC 7591 `registration_endpoint` from discovery,
# the usual paths (generic, Auth0 /oidc/register, Keycloak, PingFederate, Okta).
_ENDPOINT_PATH = re.compile(
    r"/(?:oauth2?/|oidc/|connect/|openid/|auth/)?register\b"
    r"|/clients-registrations\b|/as/clients\.oauth2\b|/oauth2/v1/clients\b"
    r"|/client[_-]registration\b|/dcr\b",
    re.I,
)
_ENDPOINT_NAME = re.compile(r"regist(?:er|ration)|reg_(?:url|uri|endpoint)|dcr_(?:url|endpoint)", re.I)
_ADMIN_NAME = re.compile(r"admin", re.I)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$", re.I)
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass
class Registration:
    """A client registration request found in a file."""

    line: int
    column: int
    # What was found, for messages: "HTTP POST", "MCP OAuthClientMetadata", "curl POST".
    source: str
    fields: dict[str, object] = field(default_factory=dict)
    # False when part of the payload could not be read (`**extra`, `...spread`):
    # the missing property might be there, so nothing is reported.
    complete: bool = True
    # The endpoint URL when it is written out in full.
    url: str | None = None


def is_registration(keys: Iterable[str]) -> bool:
    """Client metadata: `redirect_uris` with a client field, or `grant_types`
    with a name or an auth method (machine clients have no redirect URI)."""
    keys = set(keys)
    if "redirect_uris" in keys and keys & CLIENT_FIELDS:
        return True
    return "grant_types" in keys and bool(keys & {"client_name", "token_endpoint_auth_method"})


def is_request(keys: Iterable[str]) -> bool:
    """A registration *request*: client metadata without the `client_id` or
    `client_secret` that only responses, stored records and Client ID
    Metadata Documents carry."""
    keys = set(keys)
    return is_registration(keys) and not keys & {"client_id", "client_secret"}


def is_empty(value: object) -> bool:
    """An explicit nothing: "", [], {}, None. Unknown values are not empty."""
    if value is UNKNOWN:
        return False
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict | set):
        return not value or all(is_empty(v) for v in value)
    return False


def is_public_client(fields: Mapping[str, object]) -> bool:
    """`token_endpoint_auth_method: none`: the server issues no secret."""
    method = fields.get("token_endpoint_auth_method")
    return isinstance(method, str) and method.strip().lower() == "none"


def owner_fields_present(fields: Mapping[str, object], policy: Policy) -> bool:
    """Evidence of an accountable owner: a non-empty owner field (policy
    `owner_fields`; default `contacts`, `software_statement`)."""
    return any(name in fields and not is_empty(fields[name]) for name in policy.owner_fields)


def seconds(value: object) -> float | None:
    """A lifetime in seconds from a number or a duration string ("720h", "90d")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            return float(m.group(1)) * _UNIT_SECONDS[(m.group(2) or "s").lower()]
    return None


def days(secs: float) -> str:
    n = secs / 86400
    return f"{n:g} days" if n >= 1 else f"{int(secs)} seconds"


def expiry_problem(fields: Mapping[str, object], policy: Policy) -> str | None:
    """Why the registration has no acceptable expiry, or None if it has one.

    Evidence is any of the policy's `expiry_fields`. A `software_statement`
    counts as it is; absolute timestamps (`*_expires_at`) count unless they are
    0 ("never", RFC 7591 section 3.2.1); lifetimes (`*_expires_in`, `ttl`)
    count unless they are 0 or longer than `max_secret_lifetime_days`.
    """
    present = [name for name in policy.expiry_fields if name in fields]
    if not present:
        return "no expiry field (any of " + ", ".join(policy.expiry_fields) + ")"
    problems = []
    for name in present:
        value = fields[name]
        if value is UNKNOWN:
            return None
        if name.endswith("_at") or name == "software_statement":
            if not is_empty(value) and value not in (0, "0"):
                return None
            problems.append(f"`{name}` is {value!r}, which means never")
            continue
        secs = seconds(value)
        if secs is None:
            if not is_empty(value):
                return None
            problems.append(f"`{name}` is empty")
        elif secs <= 0:
            problems.append(f"`{name}` is {value!r}, which means never")
        elif secs > policy.max_secret_lifetime_seconds:
            problems.append(f"`{name}` is {days(secs)}, longer than the policy's "
                            f"{policy.max_secret_lifetime_days} days")
        else:
            return None
    return "; ".join(problems)


def endpoint_verdict(fragments: Iterable[str], names: Iterable[str]) -> bool | None:
    """Is a URL a registration endpoint? True/False when its text tells,
    None when it is only a variable that says nothing.

    `fragments` are the literal parts of the URL expression, `names` the
    identifiers and subscript keys in it (`meta["registration_endpoint"]`).
    """
    fragments, names = list(fragments), list(names)
    if any(_ENDPOINT_PATH.search(f) for f in fragments):
        return True
    if any(_ENDPOINT_NAME.search(n) for n in names + fragments):
        return True
    if any("/" in f or "://" in f for f in fragments):
        return False
    if any(_ADMIN_NAME.search(n) for n in names):
        return False  # an admin API creating clients, not a registration
    return None


def approved(url: str | None, policy: Policy) -> bool:
    """The URL starts with one of the policy's `approved_registration_endpoints`."""
    if not url:
        return False
    return any(url.startswith(p) for p in policy.approved_registration_endpoints)


_PLACEHOLDER = re.compile(
    r"\$\{|\{\{|<[^>]*>|%\(|^\$|example|your[_-]|changeme|change[_-]me|placeholder|redacted"
    r"|dummy|^x+$|^\*+$|xxxx|\*\*\*|^secret$|^client[_-]?secret$|^test|^fake|^none$|^null$",
    re.I,
)


# Words a person typed: `not too short`, `some-supersafe-value`, `MyClientValue2`.
_WORDS = re.compile(r"[A-Za-z]{1,20}(?:[ _.-]+(?:[A-Za-z]{1,20}|[0-9]{1,4}))*[ _.-]*"
                    r"|[A-Z]?[a-z]{2,}(?:[A-Z][a-z]{2,})*[0-9]{0,4}")


def is_real_secret(value: object) -> bool:
    """A plausible literal secret, not a placeholder, template or reference,
    judged as the secret rules judge a value (`not too short`,
    `some-supersafe-secret` are words, not a secret)."""
    if not isinstance(value, str):
        return False
    v = value.strip()
    if len(v) < 12 or _PLACEHOLDER.search(v) or len(set(v)) < 6:
        return False
    if v.startswith(("env:", "vault:", "arn:", "projects/", "ssm:", "secret:")):
        return False
    if _WORDS.fullmatch(v) or "secret" in v.lower() or "passw" in v.lower():
        return False
    # Issued secrets are random: they mix at least two of lower, upper, digits.
    return sum(bool(re.search(rx, v)) for rx in ("[a-z]", "[A-Z]", "[0-9]")) >= 2
