"""NHG207: a registered client's secret or registration access token stored in clear."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import JSON, PYTHON, TOML, YAML
from nhiguard.finding import Finding
from nhiguard.pyast import string_value, walk
from nhiguard.rule import Invalid, Rule, Valid

from ._payload import is_real_secret
from ._records import long_lived_stored_secrets, stored_registration_tokens


class DcrStoredClientSecret(Rule):
    """
    ## What it does
    Finds stored Dynamic Client Registration responses and client records
    (JSON, YAML or TOML: token caches, fixtures, seed data, config-store
    dumps) that hold a literal `client_secret` whose `client_secret_expires_at`
    is 0 ("never"), missing (RFC 7591 requires it whenever a secret is
    issued), or further after `client_id_issued_at` than the policy's
    `max-secret-lifetime-days` (default 90). It also finds a literal RFC 7592
    `registration_access_token` kept beside its `registration_client_uri`, in
    those files or in Python (a dict, or `OAuthClientInformationFull(...)`):
    that pair is the bearer credential that reads, changes and deletes the
    client. The secret or token is masked in every report.

    Placeholders (`${CLIENT_SECRET}`, `<secret>`, `changeme`, ...) and plain
    `client_id`/`client_secret` settings with no registration fields are left
    to the secret rules.

    ## Why is this bad?
    The file holds a working credential that will never stop working. Anyone
    who can read the repository, the image or the store can act as the
    client until someone notices and deletes it, and with the registration
    access token can also rewrite its redirect URIs or delete it (OWASP NHI7
    Long-Lived Secrets, NHI2 Secret Leakage).

    ## Example
    ```json
    {"client_id": "3f6c1e", "client_secret": "9b1d...e7",
     "client_id_issued_at": 1767225600, "client_secret_expires_at": 0}
    ```

    ## Use instead
    Do not commit registration responses; keep them in the OS keyring or a
    secret manager. Ask the server for secrets that expire:
    ```json
    {"client_id": "3f6c1e", "client_id_issued_at": 1767225600,
     "client_secret_expires_at": 1767229200}
    ```
    Rotate the exposed secret (RFC 7592 `PUT` or delete and re-register);
    read the registration access token from the keyring or secret store.
    """

    id = "NHG207"
    name = "DcrStoredClientSecret"
    kind = "kind/long-lived-secret"
    severity = "high"
    precision = "high"
    scans_tests = False
    summary = ("Stored client registration holds a client secret that never expires, "
               "or its registration access token.")
    taxa = ("NHI-03", "A1", "MAESTRO-L6", "NHI7:2025", "NHI2:2025", "ASI03:2026", "CWE-324", "CWE-312",
            "CWE-798")
    policy_settings = ('max_secret_lifetime_days',)
    keywords = ("client_secret_expires_at", "client_id_issued_at", "registration_access_token",
                "token_endpoint_auth_method", "grant_types")
    file_kinds = frozenset({JSON, YAML, TOML, PYTHON})

    VALID = [
        Valid('{"client_id": "c1", "client_secret": "9fK2mQ7xLp4Zr8Vt3Wn6Ys1B",\n'
              ' "client_id_issued_at": 1767225600, "client_secret_expires_at": 1767229200}\n',
              path="client.json"),
        Valid('{"client_id": "https://app.example.com/client.json",\n'
              ' "token_endpoint_auth_method": "none"}\n', path="client.json"),
        Valid('{"client_id": "c1", "client_secret": "${CLIENT_SECRET}",\n'
              ' "client_secret_expires_at": 0}\n', path="client.json"),
        Valid('{"installed": {"client_id": "1-x.apps.googleusercontent.com",\n'
              ' "client_secret": "9fK2mQ7xLp4Zr8Vt3Wn6Ys1B", "redirect_uris": ["http://localhost"]}}\n',
              path="client_secret.json"),
        Valid("import os\n"
              "client = OAuthClientInformationFull(client_id=CID, redirect_uris=URIS,\n"
              "    registration_client_uri=URI,\n"
              "    registration_access_token=os.environ['REGISTRATION_TOKEN'])\n"),
    ]
    INVALID = [
        Invalid('{\n  "client_id": "c1",\n  "client_secret": "9fK2mQ7xLp4Zr8Vt3Wn6Ys1B",\n'
                '  "client_id_issued_at": 1767225600,\n  "client_secret_expires_at": 0\n}\n',
                path=".mcp-auth/client_info.json", line=3),
        Invalid("clients:\n  - client_id: agent-7\n    client_secret: 9fK2mQ7xLp4Zr8Vt3Wn6Ys1B\n"
                "    grant_types: [client_credentials]\n"
                "    token_endpoint_auth_method: client_secret_basic\n",
                path="seed/clients.yaml", line=3),
        Invalid('{"client_id": "c1", "client_secret": "9fK2mQ7xLp4Zr8Vt3Wn6Ys1B",\n'
                ' "client_id_issued_at": 1700000000, "client_secret_expires_at": 1731536000}\n',
                path="client.json", line=1),
        Invalid('{"client_id": "c1", "client_id_issued_at": 1767225600,\n'
                ' "client_secret_expires_at": 1767229200,\n'
                ' "registration_client_uri": "https://as.example.com/register/c1",\n'
                ' "registration_access_token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjMSJ9.Qm9w3kT7xZ"}\n',
                path="client.json", line=4),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        if doc.kind == PYTHON:
            yield from self._python_tokens(doc)
            return
        for node, token in stored_registration_tokens(doc):
            client_id = node.get("client_id")
            yield self._token_finding(doc, client_id.text() if client_id is not None else None,
                                      str(token.value), token.pos_line, token.pos_column)
        for rec, secret_node, problem in long_lived_stored_secrets(doc, self.policy):
            secret = str(secret_node.value)
            line, column = secret_node.pos_line, secret_node.pos_column
            quoted = doc.line(line)[column - 1:column] in ("'", '"')
            yield self.report(doc, line, column,
                              f"Stored client registration `{rec.client_id.text()}` holds a client "
                              f"secret that {problem}.",
                              end_column=column + len(secret) + 2 * quoted, secret=secret)

    def _python_tokens(self, doc: Document) -> Iterator[Finding]:
        """`registration_access_token="eyJ..."` beside `registration_client_uri`
        in a dict literal or a call (`OAuthClientInformationFull(...)`)."""
        py = doc.python if "registration_client_uri" in doc.text else None
        if py is None:
            return
        for node in walk(py.module):
            if isinstance(node, ast.Dict):
                fields = {string_value(k): v for k, v in zip(node.keys, node.values, strict=True)}
            elif isinstance(node, ast.Call):
                fields = {kw.arg: kw.value for kw in node.keywords if kw.arg}
            else:
                continue
            token = fields.get("registration_access_token")
            value = string_value(token)
            if "registration_client_uri" not in fields or value is None or not is_real_secret(value):
                continue
            assert token is not None
            line, column = py.pos(token)
            yield self._token_finding(doc, string_value(fields.get("client_id")), value, line, column)

    def _token_finding(self, doc: Document, client_id: str | None, token: str,
                       line: int, column: int) -> Finding:
        which = f" `{client_id}`" if client_id else ""
        quoted = doc.line(line)[column - 1:column] in ("'", '"')
        return self.report(doc, line, column,
                           f"Stored client registration{which} holds its registration access token "
                           "in clear: whoever reads it can read, change or delete the client "
                           "(RFC 7592).",
                           end_column=column + len(token) + 2 * quoted, secret=token)
