"""Which OAuth scopes are wildcards or provider-wide, and where scopes are written.

Shared by the scope rules so the list lives in one place. The built-in list
names scopes that give a client a whole provider (every Google Cloud API,
every GitHub repository, the whole Microsoft Entra directory); the policy
settings `broad-scopes` (added to it), `forbidden-scopes` (always reported)
and `allowed-scopes` (never reported) let an organisation adjust it.
"""

from __future__ import annotations

import re

from nhiguard.patterns import lowered_in_place
from nhiguard.policy import Policy

WILDCARDS = frozenset({"*", "all"})

# Scope -> the provider and what it grants, for the finding message.
BROAD_SCOPES: dict[str, str] = {
    "https://www.googleapis.com/auth/cloud-platform": "Google: every Google Cloud API",
    "repo": "GitHub classic: every private repository",
    "admin:org": "GitHub classic: full control of organisations",
    "delete_repo": "GitHub classic: deleting repositories",
    "admin:enterprise": "GitHub classic: full control of enterprises",
    "full": "Salesforce: all data the user can reach",
}
# Microsoft Graph directory- and application-wide write scopes, bare or as a URL.
_GRAPH = re.compile(
    r"(?:https://graph\.microsoft\.com/)?(?:Directory|Application|AppRoleAssignment|"
    r"RoleManagement)\.ReadWrite\.(?:All|Directory)", re.I)
# Slack admin scopes (`admin.users:write`, ...). A bare `admin` is left out: many
# servers define their own scope of that name.
_SLACK_ADMIN = re.compile(r"admin\.[a-z_.]+:(?:write|read)")

# Keys and variable names under which scopes are written.
SCOPE_KEY = re.compile(r"(?:^|_)(?:oauth_?)?scopes?$", re.I)


# The scope rules' text gates: what a config file must show for a rule to report.
# An escape that spells a character the source does not show (`\x2a`, `\u002a`,
# `\U0000002A` in JSON, YAML or TOML strings); `\n`, `\"` or `\t` spell no letter
# and no `*`, and JSON text is full of them.
_SPELLING_ESCAPE = re.compile(r"\\[xuU]")
_BLANKS = " \t\n\r\f\v"


def may_spell(text: str) -> bool:
    """Could an escape in the text spell a character the rule looks for?"""
    return "\\" in text and _SPELLING_ESCAPE.search(text) is not None


def has_lone_star(text: str) -> bool:
    """Does the text hold a scalar that is `*` alone: quoted (a bare `*` starts a
    YAML alias; the quotes may be escaped, JSON inside a string), or alone on a
    line (of a block scalar)? Each `*` is looked at where `str.find` puts it: a
    pattern starting with an optional quote is tried at every character."""
    at = text.find("*")
    while at >= 0:
        after = at + 1
        while after < len(text) and text[after] in _BLANKS:
            after += 1
        if after < len(text) and text[after] == "\\":
            after += 1
        before = at - 1
        while before >= 0 and text[before] in _BLANKS:
            before -= 1
        if after < len(text) and text[after] in "\"'" and before >= 0 and text[before] in "\"'":
            return True
        # Alone on its line: only spaces and tabs to the line's ends. (Looking just
        # at those keeps this linear on a long line with many stars.)
        left, right = at - 1, at + 1
        while left >= 0 and text[left] in " \t":
            left -= 1
        while right < len(text) and text[right] in " \t":
            right += 1
        if (left < 0 or text[left] == "\n") and (right == len(text) or text[right] == "\n"):
            return True
        at = text.find("*", at + 1)
    return False


def split_scopes(value: str) -> list[str]:
    """The scopes of an OAuth scope string (space separated; commas are common too)."""
    return [s for s in re.split(r"[\s,]+", value) if s]


def broad_reason(scope: str, policy: Policy) -> str | None:
    """Why `scope` is a wildcard or provider-wide grant, or None when it is not."""
    if scope in policy.allowed_scopes:
        return None
    if scope in policy.forbidden_scopes:
        return "forbidden by policy"
    if scope in WILDCARDS:
        return "a wildcard: every scope the server knows"
    if scope in policy.broad_scopes:
        return "listed as broad by policy"
    if scope in BROAD_SCOPES:
        return BROAD_SCOPES[scope]
    if _GRAPH.fullmatch(scope):
        return "Microsoft Graph: write access to the whole directory or every application"
    if _SLACK_ADMIN.fullmatch(scope):
        return "Slack: workspace administration"
    return None


def broad_in(value: str, policy: Policy) -> list[tuple[str, str]]:
    """(scope, reason) for every broad scope in one scope string."""
    found = []
    for scope in split_scopes(value):
        reason = broad_reason(scope, policy)
        if reason:
            found.append((scope, reason))
    return found


def message(found: list[tuple[str, str]]) -> str:
    parts = "; ".join(f"`{scope}` ({reason})" for scope, reason in found)
    return f"Requests a wildcard or provider-wide scope: {parts}. Request only the scopes the task needs."


# Words of OAuth code. A substring test of the lower-cased text finds exactly what
# the case-insensitive regex does (see `lowered_in_place`), at a tenth of its cost.
_OAUTH_WORDS = ("oauth", "clientid", "client_id", "token", "credential", "authoriz", "googleapis",
                "graph.microsoft")
_OAUTH_CONTEXT = re.compile("|".join(map(re.escape, _OAUTH_WORDS)), re.I)


def oauth_context(text: str) -> bool:
    """The file speaks of OAuth, so `all`, `repo` or `admin` under a scope key are
    scopes and not, say, a test fixture's or a search's scope."""
    low = lowered_in_place(text)
    if low is not None:
        return any(word in low for word in _OAUTH_WORDS)
    return _OAUTH_CONTEXT.search(text) is not None  # `re.I` folds some non-ASCII letters too


def reported(value: str, policy: Policy, in_oauth_file: bool) -> list[tuple[str, str]]:
    """The broad scopes of a scope string worth a finding: outside OAuth files only
    `*` and policy-listed scopes count (`all` or `repo` mean other things there)."""
    found = broad_in(value, policy)
    if in_oauth_file:
        return found
    return [(s, r) for s, r in found if s == "*" or s in policy.forbidden_scopes
            or s in policy.broad_scopes]
