"""NHG301: an OAuth client requests a wildcard or provider-wide scope."""

from __future__ import annotations

from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import ENV, INI, JAVASCRIPT, JSON, PYTHON, TOML, TYPESCRIPT, YAML
from nhiguard.finding import Finding
from nhiguard.policy import Policy
from nhiguard.rule import Invalid, Rule, Valid

from ._scopes import SCOPE_KEY, message, oauth_context, reported
from ._sites import js_sites, python_sites, tree_sites


def _is_scope_key(key: str) -> bool:
    return SCOPE_KEY.search(key) is not None


def _may_hold_wildcard(text: str, policy: Policy) -> bool:
    """Can a Python file outside OAuth code hold a scope worth reporting? There
    only `*` and policy-listed scopes are (`_scopes.reported`), and a Python
    string holds `*` only when the source has one or an escape (a backslash)."""
    return bool(policy.broad_scopes or policy.forbidden_scopes) or "*" in text or "\\" in text


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
        in_oauth_file = oauth_context(doc.text)
        if doc.kind == PYTHON and not in_oauth_file and not _may_hold_wildcard(doc.text, self.policy):
            return  # nothing could be reported: spare the parse
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
