"""NHG202: a dynamic client registration request that names no owner."""

from __future__ import annotations

from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import JAVASCRIPT, JSON, PYTHON, SHELL, TYPESCRIPT, YAML
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid

from ._payload import CLIENT_KEYWORDS, approved, owner_fields_present


class DcrRequestMissingOwner(Rule):
    """
    ## What it does
    Finds OAuth Dynamic Client Registration (RFC 7591) requests that say
    nothing about who is accountable for the client: no non-empty field from
    the policy's `owner-fields` (default: `contacts`, `software_statement`).
    It reads the same requests as NHG201: Python HTTP POSTs of client
    metadata, the MCP SDK's `OAuthClientMetadata`, fastmcp's `OAuth(...)` and
    `Client(auth="oauth")`, python-keycloak's `register_client`, JS/TS
    `fetch`/axios bodies and MCP `clientMetadata`, JSON/YAML payload files and
    `curl` scripts. `software_id` alone names a product, not a person, so it
    does not count. Public clients are reported too: their registration
    outlives any secret. Endpoints listed in `approved-registration-endpoints`
    are skipped (the organisation's own registrar records the owner).

    ## Why is this bad?
    A client that registers itself at run time appears in the authorization
    server as a name and an ID. Without `contacts` (RFC 7591 section 2: "ways
    to contact people responsible for this client") or a signed software
    statement, nobody can be asked whether it is still needed, so it is never
    offboarded (OWASP NHI1 Improper Offboarding).

    ## Example
    ```typescript
    const clientMetadata = {
      client_name: "docs-agent",
      redirect_uris: ["http://localhost:3000/callback"],
      grant_types: ["authorization_code", "refresh_token"],
    };
    ```

    ## Use instead
    ```typescript
    const clientMetadata = {
      client_name: "docs-agent",
      redirect_uris: ["http://localhost:3000/callback"],
      grant_types: ["authorization_code", "refresh_token"],
      contacts: ["platform-agents@example.com"],
    };
    ```
    Add your organisation's own owner field (for example `x-owner`) to
    `owner-fields` in `[tool.nhiguard.policy]` if it uses one.
    """

    id = "NHG202"
    name = "DcrRequestMissingOwner"
    kind = "kind/dcr-missing-owner"
    severity = "medium"
    precision = "high"
    scans_tests = False
    summary = "Dynamic client registration request names no owner (no contacts or software statement)."
    taxa = ("NHI-03", "A1", "MAESTRO-L6", "NHI1:2025", "ASI03:2026", "CWE-282")
    policy_settings = ('owner_fields', 'approved_registration_endpoints')
    keywords = CLIENT_KEYWORDS
    file_kinds = frozenset({PYTHON, JAVASCRIPT, TYPESCRIPT, JSON, YAML, SHELL})

    VALID = [
        Valid(
            "from mcp.shared.auth import OAuthClientMetadata\n"
            "md = OAuthClientMetadata(client_name='agent-42', redirect_uris=[AnyUrl(CB)],\n"
            "                         contacts=['agents@example.com'])\n"),
        Valid(
            "from mcp.client.auth import OAuthClientProvider\n"
            "from mcp.shared.auth import OAuthClientMetadata\n"
            "md = OAuthClientMetadata(client_name='agent', redirect_uris=[AnyUrl(CB)])\n"
            "auth = OAuthClientProvider(server_url=URL, client_metadata=md, storage=store,\n"
            "    client_metadata_url='https://agent.example.com/oauth/client.json')\n"),
        Valid('{"client_id": "https://agent.example.com/client.json", "client_name": "agent",\n'
              ' "redirect_uris": ["https://agent.example.com/cb"], "token_endpoint_auth_method": "none"}\n',
              path="client.json"),
        Valid(
            "import requests\n"
            "requests.post('https://hydra.internal:4445/admin/clients',\n"
            "              json={'client_name': 'x', 'redirect_uris': [cb]})\n"),
        Valid(
            "const client = await registerClient(authServerUrl, {\n"
            "  metadata,\n"
            "  clientMetadata: { ...base, redirect_uris: [cb], client_name: 'agent' },\n"
            "});\n", path="auth.ts"),
    ]
    INVALID = [
        Invalid(
            "from mcp.shared.auth import OAuthClientMetadata\n"
            "md = OAuthClientMetadata(\n"
            "    client_name='agent-42', redirect_uris=[AnyUrl(CB)],\n"
            "    grant_types=['authorization_code', 'refresh_token'], software_id='acme-agent',\n"
            ")\n", line=2),
        Invalid(
            "from fastmcp.client.auth import OAuth\n"
            "auth = OAuth(mcp_url='https://mcp.example.com/mcp', scopes=['read'])\n", line=2),
        Invalid(
            "export const clientMetadata: OAuthClientMetadata = {\n"
            "  client_name: 'docs-agent',\n"
            "  redirect_uris: ['http://localhost:3000/callback'],\n"
            "  contacts: [],\n"
            "};\n", path="oauth.ts", line=1),
        Invalid('{\n  "client_name": "ops-agent",\n  "redirect_uris": ["https://ops.example.com/cb"],\n'
                '  "grant_types": ["authorization_code"]\n}\n', path="dcr/request.json", line=1),
        Invalid(
            "const { data } = await axios.post(`${issuer}/oauth2/register`, {\n"
            "  client_name: 'agent', redirect_uris: [cb], token_endpoint_auth_method: 'none',\n"
            "});\n", path="register.js", line=1),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        from ._clients import registrations

        for reg in registrations(doc):
            if not reg.complete or approved(reg.url, self.policy):
                continue
            if not owner_fields_present(reg.fields, self.policy):
                fields = " or ".join(f"`{f}`" for f in self.policy.owner_fields)
                yield self.report(doc, reg.line, reg.column,
                                  f"Dynamic client registration ({reg.source}) names no owner: "
                                  f"no {fields}.")
