"""NHG206: an MCP server whose `/register` endpoint lets any client register."""

from __future__ import annotations

from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import JAVASCRIPT, PYTHON, TYPESCRIPT
from nhiguard.finding import Finding
from nhiguard.jsview import JsView
from nhiguard.rule import Invalid, Rule, Valid

# Express-style calls that mount handlers in order: each runs before the next.
_MOUNTS = (".use", ".post", ".all", ".route")


def _behind_middleware(js: JsView, offset: int) -> bool:
    """Is the handler at `offset` mounted after other middleware in the same
    call (`router.use("/register", requireInitialAccessToken, handler(...))`)?
    Anything but the path before it can refuse the request first."""
    open_paren = js.enclosing_open(offset, limit=2000)
    if open_paren < 0 or js.masked[open_paren] != "(" or not js.callee(open_paren).endswith(_MOUNTS):
        return False
    before = [js.text[a:b].strip() for a, b in js.top_level_parts(open_paren + 1, offset)]
    return any(part and part[0] not in "'\"`" for part in before)


class McpRegistrationWithoutGate(Rule):
    """
    ## What it does
    Finds MCP servers that serve Dynamic Client Registration with nothing in
    front of it: the MCP Python SDK's `ClientRegistrationOptions(enabled=True)`
    when no `register_client` in the file can refuse a registration (raise
    `RegistrationError`), FastMCP's `OAuthProxy`/`OIDCProxy` and the
    providers built on them (registration is always on), the MCP
    TypeScript SDK's `clientRegistrationHandler(...)` and `mcpAuthRouter(...)`
    when its provider's clients store implements `registerClient` (a store
    whose `registerClient` throws can refuse, a `ProxyOAuthServerProvider`
    without `registrationUrl` registers nothing), a clients store class
    (`implements OAuthRegisteredClientsStore`) whose `registerClient` never
    refuses, in a file that mounts no router, and Cloudflare's
    workers-oauth-provider `OAuthProvider` with a `clientRegistrationEndpoint`
    and no `clientRegistrationCallback`. None of these ask for an initial
    access token.

    This is how the MCP specification expected registration to work until
    Client ID Metadata Documents replaced it (2025-11-25; DCR is deprecated in
    2026-07-28), so the rule is low severity: it marks a door that should be
    deliberate, watched and rate limited.

    ## Why is this bad?
    Every caller that reaches `/register` gets a client of its own, with no
    owner, no limit on how many, and (in the SDK defaults) no expiry. Agents
    registered this way are identities nobody approved (OWASP NHI4 Insecure
    Authentication, ASI03 Identity & Privilege Abuse).

    ## Example
    ```python
    ClientRegistrationOptions(enabled=True, client_secret_expiry_seconds=3600)
    ```

    ## Use instead
    ```python
    class Provider(OAuthAuthorizationServerProvider):
        async def register_client(self, client_info):
            if not allowed(client_info.redirect_uris):
                raise RegistrationError("invalid_redirect_uri", "not allowed here")
            await self.store.save(client_info)
    ```
    Better: accept Client ID Metadata Documents (`enable_cimd=True` in
    FastMCP) and turn registration off.
    """

    id = "NHG206"
    name = "McpRegistrationWithoutGate"
    kind = "kind/open-registration"
    severity = "low"
    precision = "medium"
    scans_tests = False
    summary = "MCP server lets any client register itself (no initial access token or check)."
    taxa = ("NHI-03", "A1", "MAESTRO-L6", "NHI4:2025", "NHI1:2025", "ASI03:2026", "CWE-306", "CWE-770")
    keywords = ("ClientRegistrationOptions", "OAuthProxy", "OIDCProxy", "fastmcp.server.auth",
                "clientRegistrationHandler", "mcpAuthRouter", "clientRegistrationEndpoint",
                "OAuthRegisteredClientsStore")
    file_kinds = frozenset({PYTHON, JAVASCRIPT, TYPESCRIPT})

    VALID = [
        Valid("from mcp.server.auth.settings import ClientRegistrationOptions\n"
              "opts = ClientRegistrationOptions(enabled=False)\n"),
        Valid("from mcp.server.auth.provider import RegistrationError\n"
              "from mcp.server.auth.settings import ClientRegistrationOptions\n"
              "class Provider:\n"
              "    async def register_client(self, client_info):\n"
              "        if not approved(client_info):\n"
              "            raise RegistrationError('invalid_client_metadata')\n"
              "opts = ClientRegistrationOptions(enabled=True, client_secret_expiry_seconds=900)\n"),
        Valid("import { clientRegistrationHandler }\n"
              "  from '@modelcontextprotocol/sdk/server/auth/handlers/register.js';\n"
              "router.use('/register', requireInitialAccessToken,\n"
              "           clientRegistrationHandler({ clientsStore }));\n", path="server.ts"),
        Valid("import { OAuthProvider } from '@cloudflare/workers-oauth-provider';\n"
              "export default new OAuthProvider({ tokenEndpoint: '/token',\n"
              "  clientRegistrationEndpoint: '/register', clientRegistrationCallback: vetClient });\n",
              path="worker.ts"),
        Valid("// clientRegistrationHandler is not mounted: CIMD only\n"
              "app.use(mcpAuthMetadataRouter({ oauthMetadata, resourceServerUrl }));\n",
              path="server.ts"),
    ]
    INVALID = [
        Invalid("from mcp.server.auth.settings import ClientRegistrationOptions\n"
                "opts = ClientRegistrationOptions(enabled=True, client_secret_expiry_seconds=900)\n",
                line=2),
        Invalid("from fastmcp.server.auth.providers.google import GoogleProvider\n"
                "auth = GoogleProvider(client_id=ID, client_secret=SECRET, base_url=URL)\n", line=2),
        Invalid("import { clientRegistrationHandler }\n"
                "  from '@modelcontextprotocol/sdk/server/auth/handlers/register.js';\n"
                "app.use('/register', clientRegistrationHandler({ clientsStore }));\n",
                path="server.ts", line=3),
        Invalid("class Store {\n"
                "  async registerClient(client) { this.clients.set(client.client_id, client);\n"
                "    return client; }\n"
                "}\n"
                "class Provider { clientsStore = new Store(); }\n"
                "app.use(mcpAuthRouter({ provider: new Provider(), issuerUrl }));\n",
                path="server.ts", line=6),
        Invalid("import { OAuthProvider } from '@cloudflare/workers-oauth-provider';\n"
                "export default new OAuthProvider({ tokenEndpoint: '/token',\n"
                "  clientRegistrationEndpoint: '/register' });\n", path="worker.ts", line=2),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        if doc.kind != PYTHON:
            if doc.js is not None:
                yield from self._javascript(doc, doc.js)
            return
        from ._servers import (
            fastmcp_proxies,
            has_registration_gate,
            may_build_proxy,
            registration_options,
        )

        if "ClientRegistrationOptions" not in doc.text and not may_build_proxy(doc.text):
            return
        py = doc.python
        if py is None:
            return
        gated = has_registration_gate(py)
        for opts in registration_options(py):
            if opts.enabled is True and not gated:
                yield self.report(doc, opts.line, opts.column,
                                  "MCP dynamic client registration is enabled and `/register` takes "
                                  "no initial access token, so any client can register itself.")
        for _, call, name in fastmcp_proxies(py):
            line, column = py.pos(call)
            yield self.report(doc, line, column,
                              f"FastMCP `{name}` always serves `/register` to anyone: any client "
                              "can register itself.")

    def _javascript(self, doc: Document, js: JsView) -> Iterator[Finding]:
        from ._js import auth_routers, handler_store_closed, open_stores, workers_oauth_providers

        for offset in js.code_occurrences(r"\bclientRegistrationHandler\s*\("):
            if doc.text[max(0, offset - 20):offset].rstrip().endswith("function"):
                continue  # the SDK's own definition
            if js.in_expected_failure(offset) or _behind_middleware(js, offset) \
                    or handler_store_closed(js, offset):
                continue
            line, column = doc.position(offset)
            yield self.report(doc, line, column,
                              "MCP `clientRegistrationHandler` serves registration to anyone: "
                              "it takes no initial access token.")
        for offset, why in auth_routers(js):
            if _behind_middleware(js, offset):
                continue
            line, column = doc.position(offset)
            yield self.report(doc, line, column,
                              f"MCP `mcpAuthRouter` serves `/register` to anyone: {why}, and it "
                              "takes no initial access token.")
        for offset, store in open_stores(js):
            line, column = doc.position(offset)
            yield self.report(doc, line, column,
                              f"MCP clients store `{store}` registers every client that asks "
                              "(`registerClient` never refuses): `mcpAuthRouter` serves it as "
                              "`/register` to anyone.")
        for offset, options in workers_oauth_providers(js):
            if "clientRegistrationCallback" not in options.fields:
                line, column = doc.position(offset)
                yield self.report(doc, line, column,
                                  "workers-oauth-provider `OAuthProvider` serves "
                                  "`clientRegistrationEndpoint` to anyone: no "
                                  "`clientRegistrationCallback` can refuse a registration.")
