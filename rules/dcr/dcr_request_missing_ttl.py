"""NHG201: a dynamic client registration request that asks for no expiry."""

from __future__ import annotations

from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import JAVASCRIPT, JSON, PYTHON, SHELL, TYPESCRIPT, YAML
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid

from ._payload import CLIENT_KEYWORDS, approved, expiry_problem, is_public_client


class DcrRequestMissingTtl(Rule):
    """
    ## What it does
    Finds OAuth Dynamic Client Registration (RFC 7591) requests made by agents
    and MCP clients that carry no expiry: Python `requests`/`httpx`/`aiohttp`
    POSTs of client metadata to a registration endpoint, the MCP SDK's
    `OAuthClientMetadata`, fastmcp's `OAuth(...)`, python-keycloak's
    `register_client`, JavaScript/TypeScript `fetch`/axios bodies and MCP
    `clientMetadata`, JSON/YAML payload files and `curl` scripts.

    A request shows an expiry when it has one of the policy's
    `expiry-fields` (default: `software_statement`, `client_secret_expires_at`,
    `client_secret_expires_in`, `expires_in`, `ttl`) with a value that is not
    0 ("never") and not longer than `max-secret-lifetime-days` (default 90).
    Public clients (`token_endpoint_auth_method: "none"`) are not reported:
    they receive no secret, so there is nothing to expire; their registration
    is still covered by NHG202 (owner). Requests to an endpoint listed in
    `approved-registration-endpoints` are not reported either.

    ## Why is this bad?
    RFC 7591 has no standard way to ask for an expiry, and most servers
    answer a plain request with `client_secret_expires_at: 0`: a credential
    that never expires, minted by an agent at run time, that no rotation
    schedule knows about (OWASP NHI7 Long-Lived Secrets).

    ## Example
    ```python
    httpx.post(meta["registration_endpoint"], json={
        "client_name": "report-agent",
        "redirect_uris": ["http://localhost:8765/callback"],
        "grant_types": ["authorization_code", "refresh_token"],
    })
    ```

    ## Use instead
    ```python
    httpx.post(meta["registration_endpoint"], json={
        "client_name": "report-agent",
        "redirect_uris": ["http://localhost:8765/callback"],
        "grant_types": ["authorization_code", "refresh_token"],
        "contacts": ["agents-team@example.com"],
        "client_secret_expires_in": 86400,
    })
    ```
    Better still, send a signed `software_statement`, register as a public
    client with PKCE, or use a Client ID Metadata Document
    (`client_metadata_url=`) instead of registering at all.
    """

    id = "NHG201"
    name = "DcrRequestMissingTtl"
    kind = "kind/dcr-missing-ttl"
    severity = "medium"
    precision = "high"
    scans_tests = False
    summary = "Dynamic client registration request sets no expiry for the client secret."
    taxa = ("NHI-03", "A1", "MAESTRO-L6", "NHI7:2025", "NHI1:2025", "ASI03:2026", "CWE-613", "CWE-324",
            "CWE-1188")
    policy_settings = ('max_secret_lifetime_days', 'expiry_fields', 'approved_registration_endpoints')
    keywords = CLIENT_KEYWORDS
    file_kinds = frozenset({PYTHON, JAVASCRIPT, TYPESCRIPT, JSON, YAML, SHELL})

    VALID = [
        Valid(
            "import httpx\n"
            "httpx.post(meta['registration_endpoint'], json={\n"
            "    'client_name': 'report-agent',\n"
            "    'redirect_uris': ['http://localhost:8765/cb'],\n"
            "    'contacts': ['agents@example.com'],\n"
            "    'client_secret_expires_in': 3600,\n"
            "})\n"),
        Valid(
            "import requests\n"
            "requests.post('https://idp.example.com/oauth2/register', json={\n"
            "    'client_name': 'cli', 'redirect_uris': ['http://127.0.0.1/cb'],\n"
            "    'token_endpoint_auth_method': 'none',\n"
            "})\n"),
        Valid(
            "import requests\n"
            "requests.post('https://app.example.com/api/signup',\n"
            "              json={'email': email, 'password': password, 'name': name})\n"),
        Valid('{"client_name": "agent", "redirect_uris": ["https://a.example.com/cb"],\n'
              ' "software_statement": "eyJhbGciOiJSUzI1NiJ9.eyJzb2Z0d2FyZV9pZCI6ImEifQ.c2ln"}\n',
              path="register.json"),
        Valid(
            "const provider = {\n"
            "  clientMetadataUrl: 'https://agent.example.com/oauth/client.json',\n"
            "  get clientMetadata() {\n"
            "    return { client_name: 'agent', redirect_uris: [cb], grant_types: ['authorization_code'] };\n"
            "  },\n"
            "};\n", path="provider.ts"),
    ]
    INVALID = [
        Invalid(
            "import httpx\n"
            "resp = httpx.post(meta['registration_endpoint'], json={\n"
            "    'client_name': 'report-agent',\n"
            "    'redirect_uris': ['http://localhost:8765/cb'],\n"
            "})\n", line=2),
        Invalid(
            "async def register(session, url):\n"
            "    payload = {'client_name': 'agent', 'redirect_uris': [CB],\n"
            "               'grant_types': ['client_credentials']}\n"
            "    payload['client_secret_expires_in'] = 0\n"
            "    async with session.post(f'{url}/oidc/register', json=payload) as r:\n"
            "        return await r.json()\n", line=5),
        Invalid(
            "const res = await fetch(metadata.registration_endpoint, {\n"
            "  method: 'POST',\n"
            "  headers: { 'Content-Type': 'application/json' },\n"
            "  body: JSON.stringify({ client_name: 'agent', redirect_uris: [cb],\n"
            "                         grant_types: ['authorization_code'] }),\n"
            "});\n", path="register.ts", line=4),
        Invalid("client_name: nightly-agent\nredirect_uris:\n  - https://agent.example.com/cb\n"
                "client_secret_expires_in: 31536000\n", path="dcr-request.yaml", line=1),
        Invalid("curl -X POST https://auth.example.com/oauth2/register \\\n"
                "  -H 'Content-Type: application/json' \\\n"
                "  -d '{\"client_name\": \"ci-agent\", \"redirect_uris\": [\"https://ci.example.com/cb\"]}'\n",
                path="register.sh", line=1),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        from ._clients import registrations

        for reg in registrations(doc):
            if not reg.complete or approved(reg.url, self.policy) or is_public_client(reg.fields):
                continue
            problem = expiry_problem(reg.fields, self.policy)
            if problem is not None:
                yield self.report(doc, reg.line, reg.column,
                                  f"Dynamic client registration ({reg.source}) has no "
                                  f"acceptable expiry: {problem}.")
