"""NHG208: dynamic registration with no way to revoke or deprovision the client."""

from __future__ import annotations

from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import DOCKERFILE, ENV, JSON, PYTHON, SHELL, TOML, YAML
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid

from ._payload import MANAGEMENT_FIELDS
from ._records import is_cimd, records


class DcrNoRevocationPath(Rule):
    """
    ## What it does
    Finds dynamic client registration that leaves no way back:

    - MCP Python SDK settings (`AuthSettings`, `create_auth_routes`, FastMCP
      `OAuthProvider` subclasses) with `client_registration_options`
      enabled but `revocation_options` missing or disabled;
    - FastMCP `OAuthProxy(...)` without `upstream_revocation_endpoint` (the
      proxy then serves no `/revoke`), the providers built on it that never
      pass one (`GitHubProvider`, `GoogleProvider`, `AzureProvider`,
      `WorkOSProvider`, `DiscordProvider`, `ClerkProvider`,
      `HuggingFaceProvider`), in code, through a local subclass, or chosen by
      `FASTMCP_SERVER_AUTH` in the environment; `OIDCProxy` providers are
      left alone, since they take the endpoint from the upstream's discovery;
    - authlib `ClientRegistrationEndpoint` subclasses that return no RFC 7592
      management fields (no `generate_client_registration_info` override) when
      the file registers no `ClientConfigurationEndpoint`;
    - stored registration responses without `registration_client_uri` and
      `registration_access_token`, and authorization server metadata that
      advertises a `registration_endpoint` but no `revocation_endpoint`.

    ## Why is this bad?
    An agent's client cannot be offboarded by the agent or its owner: its
    tokens cannot be revoked and the registration cannot be deleted or
    rotated (RFC 7592 `DELETE`). When the agent is retired or its secret
    leaks, the identity lives on (OWASP NHI1 Improper Offboarding).

    ## Example
    ```python
    AuthSettings(
        issuer_url=ISSUER, resource_server_url=RESOURCE,
        client_registration_options=ClientRegistrationOptions(
            enabled=True, client_secret_expiry_seconds=3600),
    )
    ```

    ## Use instead
    ```python
    AuthSettings(
        issuer_url=ISSUER, resource_server_url=RESOURCE,
        client_registration_options=ClientRegistrationOptions(
            enabled=True, client_secret_expiry_seconds=3600),
        revocation_options=RevocationOptions(enabled=True),
    )
    ```
    For authlib, register a `ClientConfigurationEndpoint` and return
    `registration_client_uri` and `registration_access_token` from
    `generate_client_registration_info`.
    """

    id = "NHG208"
    name = "DcrNoRevocationPath"
    kind = "kind/no-revocation-path"
    severity = "medium"
    precision = "medium"
    scans_tests = False
    summary = "Dynamic client registration offers no revocation or RFC 7592 management."
    taxa = ("NHI-03", "A1", "MAESTRO-L6", "NHI1:2025", "NHI7:2025", "ASI03:2026", "CWE-613", "CWE-284")
    keywords = ("client_registration_options", "OAuthProxy", "ClientRegistrationEndpoint",
                "client_id_issued_at", "client_secret_expires_at", "registration_endpoint",
                "fastmcp.server.auth")
    file_kinds = frozenset({PYTHON, JSON, YAML, TOML, ENV, SHELL, DOCKERFILE})

    VALID = [
        Valid("from mcp.server.auth.settings import (\n"
              "    AuthSettings, ClientRegistrationOptions, RevocationOptions)\n"
              "auth = AuthSettings(issuer_url=I, resource_server_url=R,\n"
              "    client_registration_options=ClientRegistrationOptions(enabled=True),\n"
              "    revocation_options=RevocationOptions(enabled=True))\n"),
        Valid("from mcp.server.auth.settings import AuthSettings\n"
              "auth = AuthSettings(issuer_url=I, resource_server_url=R)\n"),
        Valid("from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint\n"
              "class Register(ClientRegistrationEndpoint):\n"
              "    def generate_client_registration_info(self, client, request):\n"
              "        return {'registration_client_uri': uri(client),\n"
              "                'registration_access_token': token(client)}\n"),
        Valid('{"client_id": "c1", "client_id_issued_at": 1767225600,\n'
              ' "registration_client_uri": "https://as.example.com/register/c1",\n'
              ' "registration_access_token": "reg-token-ref"}\n', path="client.json"),
        Valid("from fastmcp.server.auth.providers.auth0 import Auth0Provider\n"
              "auth = Auth0Provider(config_url=DISCOVERY, client_id=ID, client_secret=SECRET,\n"
              "                     audience=AUD, base_url=URL)\n"),
        Valid("FASTMCP_SERVER_AUTH=fastmcp.server.auth.providers.auth0.Auth0Provider\n", path=".env"),
    ]
    INVALID = [
        Invalid("from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions\n"
                "dcr = ClientRegistrationOptions(enabled=True, client_secret_expiry_seconds=3600)\n"
                "auth = AuthSettings(issuer_url=I, resource_server_url=R,\n"
                "                    client_registration_options=dcr)\n", line=3),
        Invalid("from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint\n"
                "class Register(ClientRegistrationEndpoint):\n"
                "    def authenticate_token(self, request):\n"
                "        return lookup(request)\n"
                "server.register_endpoint(Register)\n", line=2),
        Invalid('{"client_id": "c1", "client_id_issued_at": 1767225600,\n'
                ' "client_secret_expires_at": 0, "token_endpoint_auth_method": "none"}\n',
                path="client.json", line=1),
        Invalid('{"issuer": "https://as.example.com", "token_endpoint": "https://as.example.com/token",\n'
                ' "registration_endpoint": "https://as.example.com/register"}\n',
                path="oauth-authorization-server.json", line=2),
        Invalid("from fastmcp.server.auth.providers.github import GitHubProvider\n"
                "auth = GitHubProvider(client_id=ID, client_secret=SECRET, base_url=URL)\n", line=2),
        Invalid("FASTMCP_SERVER_AUTH=fastmcp.server.auth.providers.github.GitHubProvider\n",
                path=".env", line=1),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        from ._servers import fastmcp_env_unrevokable, may_build_proxy

        if doc.kind == PYTHON:
            if may_build_proxy(doc.text) or any(
                    k in doc.text for k in ("client_registration_options", "ClientRegistrationEndpoint")):
                yield from self._python(doc)
            return
        for offset, name in fastmcp_env_unrevokable(doc.text):
            line, column = doc.position(offset)
            yield self.report(doc, line, column,
                              f"FASTMCP_SERVER_AUTH selects FastMCP `{name}`, which registers "
                              "clients but serves no revocation.")
        if doc.kind in (JSON, YAML, TOML):
            yield from self._records(doc)

    def _python(self, doc: Document) -> Iterator[Finding]:
        from ._servers import (
            authlib_has_configuration_endpoint,
            authlib_registration_endpoints,
            fastmcp_proxies,
            method,
            options_for,
            proxy_without_revocation,
            revocation_enabled,
        )

        py = doc.python
        if py is None:
            return
        for scope, call in py.calls():
            if call not in scope.bound and not any(
                    kw.arg in (None, "client_registration_options") for kw in call.keywords):
                continue  # cannot be given registration options: spare resolving its arguments
            if py.called(call) == "dict":
                continue  # a dict of settings is read where it is spread: `AuthSettings(**d)`
            args = py.arguments(scope, call)
            value = args.get("client_registration_options")
            if value is None:
                continue
            line, column = py.pos(call)
            opts = options_for(py, value.value, value.scope, value.line)
            if opts is None or opts.enabled is not True:
                continue
            revocation = args.get("revocation_options")
            if revocation is None and not args.complete:
                continue
            enabled = False if revocation is None else revocation_enabled(
                py, revocation.value, revocation.scope, revocation.line)
            if enabled is False:
                yield self.report(doc, line, column,
                                  "Dynamic client registration is enabled but token revocation is "
                                  "not (`revocation_options=RevocationOptions(enabled=True)`).")
        for scope, call, name in fastmcp_proxies(py):
            if proxy_without_revocation(py, scope, call, name):
                line, column = py.pos(call)
                has = "has" if name == "OAuthProxy" else "gives its `OAuthProxy`"
                yield self.report(doc, line, column,
                                  f"FastMCP `{name}` registers clients but {has} no "
                                  "`upstream_revocation_endpoint`, so it serves no revocation.")
        if authlib_has_configuration_endpoint(py):
            return
        for cls in authlib_registration_endpoints(py):
            if method(cls, "generate_client_registration_info") is None:
                line, column = py.pos(cls)
                yield self.report(doc, line, column,
                                  f"authlib registration endpoint `{cls.name}` returns no "
                                  "RFC 7592 management URI or token, and no "
                                  "`ClientConfigurationEndpoint` is registered.")

    def _records(self, doc: Document) -> Iterator[Finding]:
        for rec in records(doc):
            if is_cimd(rec) or any(rec.has(k) for k in MANAGEMENT_FIELDS):
                continue
            if not (rec.has("client_id_issued_at") or rec.has("client_secret_expires_at")):
                continue  # a configured client, not a registration response
            yield self.report(doc, rec.client_id.line, rec.client_id.column,
                              f"Stored registration of client `{rec.client_id.text()}` has no "
                              "`registration_client_uri`/`registration_access_token`: it cannot "
                              "be read, rotated or deleted through RFC 7592.")
        tree = doc.tree
        if tree is None:
            return
        for root in tree.documents:
            if not root.is_mapping:
                continue
            endpoint = root.get("registration_endpoint")
            if endpoint is not None and "issuer" in root and "revocation_endpoint" not in root:
                yield self.report(doc, endpoint.line, endpoint.column,
                                  "Authorization server metadata advertises a "
                                  "`registration_endpoint` but no `revocation_endpoint`.")
