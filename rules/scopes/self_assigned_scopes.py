"""NHG302: an MCP authorization server lets clients register with any scope."""

from __future__ import annotations

from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import PYTHON
from nhiguard.finding import Finding
from nhiguard.pyast import is_none
from nhiguard.pyvalues import value_of
from nhiguard.rule import Invalid, Rule, Valid


class SelfAssignedScopes(Rule):
    """
    ## What it does
    Finds MCP authorization servers that let a client choose its own scopes
    at registration: the MCP Python SDK's `ClientRegistrationOptions` with
    registration enabled and no `valid_scopes` (the SDK then accepts any
    scope a client asks for), and FastMCP's `OAuthProxy`/`OIDCProxy` (and the
    providers built on them) given `valid_scopes=None` explicitly.

    ## Why is this bad?
    With no list of valid scopes, whatever scope a self-registered client
    writes into its registration is what it gets: every agent can grant
    itself every permission the server knows (OWASP NHI5 Overprivileged
    NHI, ASI03 Identity & Privilege Abuse).

    ## Example
    ```python
    ClientRegistrationOptions(enabled=True)
    ```

    ## Use instead
    ```python
    ClientRegistrationOptions(enabled=True, valid_scopes=["notes:read"],
                              default_scopes=["notes:read"])
    ```
    """

    id = "NHG302"
    name = "SelfAssignedScopes"
    kind = "kind/wildcard-scope"
    severity = "medium"
    precision = "high"
    summary = "Authorization server lets self-registered clients request any scope."
    taxa = ("A1", "MAESTRO-L6", "NHI5:2025", "ASI03:2026", "CWE-269", "CWE-732")
    keywords = ("ClientRegistrationOptions", "valid_scopes")
    file_kinds = frozenset({PYTHON})
    scans_tests = False

    VALID = [
        Valid("from mcp.server.auth.settings import ClientRegistrationOptions\n"
              "opts = ClientRegistrationOptions(enabled=True, valid_scopes=['notes:read'])\n"),
        Valid("from mcp.server.auth.settings import ClientRegistrationOptions\n"
              "opts = ClientRegistrationOptions(enabled=False)\n"),
        Valid("from fastmcp.server.auth import OAuthProxy\n"
              "auth = OAuthProxy(upstream_authorization_endpoint=A, valid_scopes=['read'])\n"),
    ]
    INVALID = [
        Invalid("from mcp.server.auth.settings import ClientRegistrationOptions\n"
                "opts = ClientRegistrationOptions(enabled=True, client_secret_expiry_seconds=900)\n",
                line=2),
        Invalid("from fastmcp.server.auth import OAuthProxy\n"
                "auth = OAuthProxy(upstream_authorization_endpoint=A,\n"
                "                  valid_scopes=None)\n", line=3),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        py = doc.python
        if py is None:
            return
        for scope, call in py.calls():
            called = py.called(call)
            args = py.arguments(scope, call)
            if called == "ClientRegistrationOptions":
                enabled = args.get("enabled")
                on = enabled is not None and value_of(enabled.value, enabled.scope, enabled.line) is True
                if on and args.complete and not args.given("valid_scopes"):
                    line, column = py.pos(call)
                    yield self.report(doc, line, column,
                                      "Registration is enabled with no `valid_scopes`: a client "
                                      "can register with any scope it asks for.")
                continue
            valid = args.get("valid_scopes")
            if valid is not None and is_none(valid.value) and called.endswith(("Proxy", "Provider")):
                line, column = py.pos(valid.value)
                yield self.report(doc, line, column,
                                  f"`{called}(valid_scopes=None)` accepts any scope a client "
                                  "registers with.")
