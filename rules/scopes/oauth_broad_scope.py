"""NHG301: an OAuth client requests a wildcard or provider-wide scope."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import ENV, INI, JAVASCRIPT, JSON, PYTHON, TOML, TYPESCRIPT, YAML
from nhiguard.finding import Finding
from nhiguard.patterns import lowered_in_place
from nhiguard.policy import Policy
from nhiguard.rule import Invalid, Rule, Valid

from ._scopes import SCOPE_KEY, message, oauth_context, reported
from ._sites import js_sites, python_sites, tree_sites


def _is_scope_key(key: str) -> bool:
    return SCOPE_KEY.search(key) is not None


# String literals as the source writes them on one line, or triple-quoted. Read from
# the left, a quote inside another kind of string is skipped with that string.
_STRINGS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"[^"\n]*"|\'[^\'\n]*\'')
# A `*` that `split_scopes` would give as a scope of its own.
_STAR_SCOPE = re.compile(r"""(?<![^\s,"'])\*(?![^\s,"'])""")
# Source that can make a string hold `*` without writing one: an escape for it,
# or a backslash that carries a string onto the next line.
_STAR_ESCAPE = re.compile(r"\\(?:x2a|052|u002a|U0000002a|N\{ASTERISK\}|\r?\n)", re.I)


# A name or key `SCOPE_KEY` accepts (`scope`, `SCOPES`, `default_scopes`,
# `oauthScopes`, `scope:` in YAML) given a value: a keyword argument, an assignment,
# an annotation or a key, so the word in prose (a comment, a docstring, a log line)
# does not cost a parse. (A key spelled with escapes, `"sc\\x6fpe"`, is not worth a
# parse of every file with a backslash.) `re.I` folds a few non-ASCII letters into
# ASCII ones, as `SCOPE_KEY` does, so text holding one gets the folding search.
_SCOPE_GIVEN = r"""scopes?["']?\s*[:=]"""
# In Python the value must be what `python_sites` reads: a string literal (with its
# prefix), or a list, tuple, set or `" ".join(...)` of them; after `=`, a dict key's
# `:`, or an annotation and its `=`, maybe on the next line.
_PY_SCOPE_GIVEN = r"""scopes?(?:["']\s*:|\s*=|\s*:[^=\n]*=)[\s\\]*(?:[rbuf]{0,2}["']|[\[({])"""
# The patterns start with their literal, which `re` finds fast; what may come before
# (not a letter or digit, or `oauth`) is checked at each match.
_GIVEN = {python: re.compile(_PY_SCOPE_GIVEN if python else _SCOPE_GIVEN) for python in (True, False)}
_GIVEN_FOLDED = {python: re.compile(rf"(?:^|[^a-z0-9]|oauth){pattern.pattern}", re.I)
                 for python, pattern in _GIVEN.items()}


def _may_name_scopes(text: str, python: bool = False) -> bool:
    low = lowered_in_place(text)
    if low is None:
        return _GIVEN_FOLDED[python].search(text) is not None
    return any(m.start() == 0 or not low[m.start() - 1].isalnum() or low.endswith("oauth", 0, m.start())
               for m in _GIVEN[python].finditer(low))


def _may_hold_wildcard(text: str, policy: Policy, python: bool = True) -> bool:
    """Can a file outside OAuth code hold a scope worth reporting? There only `*`
    and policy-listed scopes are (`_scopes.reported`). A `*` scope needs a `*` in
    the source, or an escape that makes one; in Python it is a string literal
    holding `*` between spaces, commas or its quotes (`"*"`, `"read *"`)."""
    if policy.broad_scopes or policy.forbidden_scopes:
        return True
    if "\\" in text and _STAR_ESCAPE.search(text):
        return True
    if "*" not in text:
        return False
    if not python:  # YAML, .env and INI values need no quotes
        return True
    return any("*" in m.group() and _STAR_SCOPE.search(m.group()) for m in _STRINGS.finditer(text))


class OauthBroadScope(Rule):
    """
    ## What it does
    Finds OAuth scope requests that are a wildcard (`*`, `all`) or take a
    whole provider: Google `https://www.googleapis.com/auth/cloud-platform`,
    Microsoft Graph `Directory.ReadWrite.All` / `Application.ReadWrite.All`
    (and the other directory-wide write scopes), GitHub classic `repo`,
    `admin:org`, `delete_repo`, `admin:enterprise`, Salesforce `full` and
    Slack `admin.*` scopes. It reads scope strings and lists passed as
    `scope=`/`scopes=`, assigned to a `SCOPES`-like name or written under a
    `scope`/`scopes` key in Python, JavaScript/TypeScript and config files
    (YAML, JSON, TOML, INI, .env), including registration payloads.

    One finding per string that makes the grant. The list is data: the policy
    settings `broad-scopes` add scopes to it, `forbidden-scopes` are always
    reported and `allowed-scopes` never. Microsoft's `.default` (which the
    client-credentials flow requires) is not reported.

    ## Why is this bad?
    An agent should hold the scopes its current task needs. A token with a
    provider-wide scope turns any prompt injection or leak into control of
    everything the user or organisation has there (OWASP NHI5 Overprivileged
    NHI, ASI03 Identity & Privilege Abuse).

    ## Example
    ```python
    SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
    ```

    ## Use instead
    ```python
    SCOPES = ["https://www.googleapis.com/auth/devstorage.read_only"]
    ```
    """

    id = "NHG301"
    name = "OauthBroadScope"
    kind = "kind/wildcard-scope"
    severity = "medium"
    precision = "high"
    summary = "OAuth client requests a wildcard or provider-wide scope."
    taxa = ("A1", "MAESTRO-L6", "NHI5:2025", "ASI03:2026", "CWE-250", "CWE-269")
    keywords = ("scope",)
    file_kinds = frozenset({PYTHON, JAVASCRIPT, TYPESCRIPT, YAML, JSON, TOML, INI, ENV})
    policy_settings = ("broad_scopes", "forbidden_scopes", "allowed_scopes")
    scans_tests = False

    VALID = [
        Valid("SCOPES = ['https://www.googleapis.com/auth/drive.readonly']\n"
              "creds = flow.run_local_server(client_id=CLIENT_ID)\n"),
        Valid("import msal\n"
              "app = msal.ConfidentialClientApplication(client_id, authority=AUTH)\n"
              "token = app.acquire_token_for_client(scopes=['https://graph.microsoft.com/.default'])\n"),
        Valid("import pytest\n@pytest.fixture(scope='session')\ndef db():\n    return 1\n"),
        Valid("app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_methods=['*'])\n"),
        Valid("oauth:\n  client_id: agent\n  scopes: [read:user, 'repo:status']\n", path="config.yaml"),
        Valid("const auth = { clientId, scope: 'openid profile email' };\n", path="auth.ts"),
        Valid("// OAuth client provider\n"
              "invalidateCredentials?(scope: 'all' | 'client' | 'tokens'): void;\n", path="auth.d.ts"),
    ]
    INVALID = [
        Invalid("SCOPES = ['https://www.googleapis.com/auth/cloud-platform']\n"
                "creds = service_account.Credentials.from_service_account_file(KEY, scopes=SCOPES)\n",
                line=1),
        Invalid("token = oauth.fetch_token(URL, client_id=CID, scope='openid *')\n"),
        Invalid("github:\n  oauth_client_id: Iv1.abc\n  scopes:\n    - read:user\n    - repo\n"
                "    - admin:org\n", path="agent.yaml", count=2, line=5),
        Invalid('{"client_name": "agent", "scope": "*", "grant_types": ["client_credentials"]}\n',
                path="register.json"),
        Invalid("const auth = new OAuth({ clientId,\n"
                "  scopes: ['Directory.ReadWrite.All', 'User.Read'] });\n", path="agent.ts", line=2),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        # What could be reported decides whether to parse at all.
        python = doc.kind == PYTHON
        if doc.kind not in (JAVASCRIPT, TYPESCRIPT) and not _may_name_scopes(doc.text, python):
            return  # no name or key a scope could be written under
        in_oauth_file = oauth_context(doc.text)
        if not in_oauth_file and not _may_hold_wildcard(doc.text, self.policy, python):
            return  # outside OAuth code only `*` counts, and none can be here
        if doc.kind == PYTHON:
            sites = python_sites(doc, _is_scope_key)
        elif doc.kind in (JAVASCRIPT, TYPESCRIPT):
            sites = js_sites(doc, r"\w*[sS]copes?")
        else:
            sites = tree_sites(doc, _is_scope_key)
        for line, column, value in sites:
            found = reported(value, self.policy, in_oauth_file)
            if found:
                yield self.report(doc, line, column, message(found))
