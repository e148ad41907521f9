"""NHG204: a FastMCP OAuth proxy, which always registers clients with no expiry."""

from __future__ import annotations

from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import DOCKERFILE, ENV, JSON, PYTHON, SHELL, TOML, YAML
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid


class ProxyAlwaysOnDcr(Rule):
    """
    ## What it does
    Finds FastMCP servers authenticated through `OAuthProxy`, `OIDCProxy` or
    a provider built on them (`GitHubProvider`, `GoogleProvider`,
    `AzureProvider`, `Auth0Provider`, `WorkOSProvider`, `DiscordProvider`,
    `ClerkProvider`, `HuggingFaceProvider`, `AWSCognitoProvider`,
    `OCIProvider`, or a local subclass), in code or
    chosen by `FASTMCP_SERVER_AUTH` in the environment. These proxies
    always turn on Dynamic Client Registration for MCP clients and set no
    `client_secret_expiry_seconds`, so every confidential client they
    register gets a secret that never expires. The setting cannot be changed
    through the constructor, which is why this is its own rule.

    ## Why is this bad?
    The proxy turns one upstream OAuth app into any number of locally
    registered clients, each with a non-expiring secret stored in the proxy's
    client storage. Nobody rotates them, and they outlive the agents that
    registered them (OWASP NHI7 Long-Lived Secrets, NHI1 Improper Offboarding).

    ## Example
    ```python
    from fastmcp.server.auth.providers.github import GitHubProvider

    auth = GitHubProvider(client_id=ID, client_secret=SECRET, base_url=URL)
    ```

    ## Use instead
    ```python
    from fastmcp.server.auth import RemoteAuthProvider

    # Let an identity provider that expires and governs clients do the
    # registration, or accept Client ID Metadata Documents only.
    auth = RemoteAuthProvider(token_verifier=verifier,
                              authorization_servers=[IDP], base_url=URL)
    ```
    If the proxy must stay, subclass it and set `client_secret_expires_at` in
    `register_client`, and prune registered clients on a schedule.
    """

    id = "NHG204"
    name = "ProxyAlwaysOnDcr"
    kind = "kind/dcr-missing-ttl"
    severity = "medium"
    precision = "medium"
    scans_tests = False
    summary = "FastMCP OAuth proxy always enables dynamic client registration with no secret expiry."
    taxa = ("NHI-03", "A1", "MAESTRO-L6", "NHI7:2025", "NHI1:2025", "ASI03:2026", "CWE-1188", "CWE-613")
    keywords = ("OAuthProxy", "OIDCProxy", "fastmcp.server.auth")
    file_kinds = frozenset({PYTHON, ENV, YAML, JSON, TOML, SHELL, DOCKERFILE})

    VALID = [
        Valid("FASTMCP_SERVER_AUTH=fastmcp.server.auth.providers.jwt.JWTVerifier\n", path=".env"),
        Valid("from fastmcp.server.auth import RemoteAuthProvider\n"
              "auth = RemoteAuthProvider(token_verifier=v, authorization_servers=[IDP], base_url=U)\n"),
        Valid("from myapp.auth import GitHubProvider  # not FastMCP's\n"
              "p = GitHubProvider(token=TOKEN)\n"),
    ]
    INVALID = [
        Invalid("FASTMCP_SERVER_AUTH=fastmcp.server.auth.providers.github.GitHubProvider\n"
                "FASTMCP_SERVER_AUTH_GITHUB_CLIENT_ID=Ov23li\n", path=".env", line=1),
        Invalid("from fastmcp import FastMCP\n"
                "from fastmcp.server.auth.providers.github import GitHubProvider\n"
                "auth = GitHubProvider(client_id=ID, client_secret=SECRET, base_url=URL)\n"
                "mcp = FastMCP('notes', auth=auth)\n", line=3),
        Invalid("from fastmcp.server.auth.oauth_proxy import OAuthProxy\n"
                "auth = OAuthProxy(\n"
                "    upstream_authorization_endpoint=AUTHZ, upstream_token_endpoint=TOKEN,\n"
                "    upstream_client_id=ID, upstream_client_secret=SECRET,\n"
                "    token_verifier=verifier, base_url=URL,\n"
                ")\n", line=2),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        from ._servers import fastmcp_env_proxies, fastmcp_proxies, may_build_proxy

        if doc.kind != PYTHON:
            for offset, name in fastmcp_env_proxies(doc.text):
                line, column = doc.position(offset)
                yield self.report(doc, line, column,
                                  f"FASTMCP_SERVER_AUTH selects FastMCP `{name}`, which always enables "
                                  "dynamic client registration and issues registered clients secrets "
                                  "that never expire.")
            return
        py = doc.python if may_build_proxy(doc.text) else None
        if py is None:
            return
        for _, call, name in fastmcp_proxies(py):
            line, column = py.pos(call)
            yield self.report(doc, line, column,
                              f"FastMCP `{name}` always enables dynamic client registration and "
                              "issues registered clients secrets that never expire.")
