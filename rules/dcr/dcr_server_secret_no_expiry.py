"""NHG203: a registration server that issues client secrets that never expire."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import (
    DOCKERFILE,
    ENV,
    HCL,
    JAVASCRIPT,
    JSON,
    PYTHON,
    SHELL,
    TEXT,
    TOML,
    TYPESCRIPT,
    YAML,
)
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid

from . import _dot, _idp
from ._payload import days, seconds


class DcrServerSecretNoExpiry(Rule):
    """
    ## What it does
    Finds authorization servers that hand dynamically registered clients a
    secret that never expires, or lives longer than the policy's
    `max-secret-lifetime-days` (default 90):

    - MCP Python SDK `ClientRegistrationOptions(enabled=True)` without
      `client_secret_expiry_seconds`, or with 0, None or more than the maximum;
    - MCP TypeScript SDK `clientSecretExpirySeconds: 0` (0 means never) or more
      than the maximum (left out, the SDK's 30-day default is fine);
    - Cloudflare workers-oauth-provider `OAuthProvider` serving a
      `clientRegistrationEndpoint` with `clientRegistrationTTL: undefined`
      (never) or more than the maximum (left out, the 90-day default of
      version 0.5 and later);
    - authlib `ClientRegistrationEndpoint` subclasses that keep the built-in
      `generate_client_info`, which writes `client_secret_expires_at = 0`;
    - Ory Hydra with dynamic registration on (Hydra does not expire client
      secrets: `client_secret_expires_at` is always 0);
    - django-oauth-toolkit with `OAUTH2_PROVIDER["DCR_ENABLED"] = True` (its
      applications have no secret expiry);
    - Janssen/Gluu auth-server configuration whose
      `dynamicRegistrationExpirationTime` is 0 or -1 (registered clients
      never expire) or longer than the maximum, unless
      `dynamicRegistrationEnabled` is false. Left out, the server's own
      default applies and nothing is reported;
    - Apereo CAS `cas.authn.oidc.registration.client-secret-expiration` set
      to 0 (never; also CAS's default, which is not reported when the
      setting is left out) or longer than the maximum.

    ## Why is this bad?
    Every agent that registers gets a credential for life. Nothing forces
    rotation, and a secret copied from one agent's token store keeps working
    long after the agent is gone (OWASP NHI7 Long-Lived Secrets).

    ## Example
    ```python
    AuthSettings(
        issuer_url=ISSUER,
        resource_server_url=RESOURCE,
        client_registration_options=ClientRegistrationOptions(enabled=True),
    )
    ```

    ## Use instead
    ```python
    AuthSettings(
        issuer_url=ISSUER,
        resource_server_url=RESOURCE,
        client_registration_options=ClientRegistrationOptions(
            enabled=True, client_secret_expiry_seconds=7 * 24 * 3600,
            valid_scopes=["notes:read"],
        ),
        revocation_options=RevocationOptions(enabled=True),
    )
    ```
    For authlib, override `generate_client_info` and set
    `client_secret_expires_at` to issue time plus a lifetime. Where the server
    cannot expire secrets (Hydra, django-oauth-toolkit), register agents as
    public clients (`token_endpoint_auth_method: none` with PKCE) or with
    `private_key_jwt`, and delete unused clients on a schedule.
    """

    id = "NHG203"
    name = "DcrServerSecretNoExpiry"
    kind = "kind/dcr-missing-ttl"
    severity = "high"
    precision = "high"
    scans_tests = False
    summary = "Registration server issues client secrets that never expire (or outlive the policy)."
    taxa = ("NHI-03", "A1", "MAESTRO-L6", "NHI7:2025", "NHI1:2025", "ASI03:2026", "CWE-1188", "CWE-324",
            "CWE-613")
    policy_settings = ('max_secret_lifetime_days',)
    keywords = ("ClientRegistrationOptions", "ClientRegistrationEndpoint",
                "clientSecretExpirySeconds", "dynamic_client_registration",
                "dynamicRegistrationExpirationTime", "client-secret-expiration",
                "client_secret_expiration", "DCR_ENABLED")
    file_kinds = frozenset({PYTHON, JAVASCRIPT, TYPESCRIPT, YAML, JSON, TOML, ENV, SHELL,
                            DOCKERFILE, HCL, TEXT})

    VALID = [
        Valid("from mcp.server.auth.settings import ClientRegistrationOptions\n"
              "opts = ClientRegistrationOptions(enabled=True, client_secret_expiry_seconds=3600,\n"
              "                                 valid_scopes=['mcp:read'])\n"),
        Valid("from mcp.server.auth.settings import ClientRegistrationOptions\n"
              "opts = ClientRegistrationOptions(enabled=False)\n"),
        Valid("from mcp.server.auth.settings import ClientRegistrationOptions\n"
              "WEEK = 7 * 24 * 3600\n"
              "opts = ClientRegistrationOptions(enabled=True, client_secret_expiry_seconds=WEEK)\n"),
        Valid("app.use('/register', clientRegistrationHandler({ clientsStore }));\n",
              path="server.ts"),
        Valid("import { OAuthProvider } from '@cloudflare/workers-oauth-provider';\n"
              "export default new OAuthProvider({ tokenEndpoint: '/token',\n"
              "  clientRegistrationEndpoint: '/register' });\n", path="worker.ts"),
        Valid("from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint\n"
              "class Register(ClientRegistrationEndpoint):\n"
              "    def generate_client_info(self, request):\n"
              "        info = super().generate_client_info(request)\n"
              "        info['client_secret_expires_at'] = info['client_id_issued_at'] + 86400\n"
              "        return info\n"),
        Valid("oidc:\n  dynamic_client_registration:\n    enabled: false\n", path="hydra.yml"),
        Valid('{"dynamicRegistrationEnabled": true,\n "dynamicRegistrationExpirationTime": 86400}\n',
              path="jans-auth-config.json"),
        Valid("cas.authn.oidc.registration.client-secret-expiration=P14D\n", path="cas.properties"),
    ]
    INVALID = [
        Invalid("from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions\n"
                "auth = AuthSettings(\n"
                "    issuer_url=ISSUER, resource_server_url=RESOURCE,\n"
                "    client_registration_options=ClientRegistrationOptions(enabled=True,\n"
                "                                                          valid_scopes=['mcp']),\n"
                ")\n", line=4),
        Invalid("from mcp.server.auth.settings import ClientRegistrationOptions\n"
                "opts = ClientRegistrationOptions(enabled=True, client_secret_expiry_seconds=0)\n",
                line=2),
        Invalid("from mcp.server.auth.settings import ClientRegistrationOptions\n"
                "opts = ClientRegistrationOptions(\n"
                "    enabled=True, client_secret_expiry_seconds=365 * 24 * 3600)\n", line=2),
        Invalid("app.use('/register', clientRegistrationHandler({\n"
                "  clientsStore,\n"
                "  clientSecretExpirySeconds: 0,\n"
                "}));\n", path="server.ts", line=3),
        Invalid("import { OAuthProvider } from '@cloudflare/workers-oauth-provider';\n"
                "export default new OAuthProvider({ tokenEndpoint: '/token',\n"
                "  clientRegistrationEndpoint: '/register',\n"
                "  clientRegistrationTTL: undefined });\n", path="worker.ts", line=4),
        Invalid("from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint\n"
                "\n"
                "class MyRegistration(ClientRegistrationEndpoint):\n"
                "    def authenticate_token(self, request):\n"
                "        return query_token(request.headers.get('Authorization'))\n", line=3),
        Invalid("services:\n  hydra:\n    image: oryd/hydra:v2.2.0\n    environment:\n"
                "      - OIDC_DYNAMIC_CLIENT_REGISTRATION_ENABLED=true\n",
                path="docker-compose.yml", line=5),
        Invalid('OAUTH2_PROVIDER = {\n    "SCOPES": {"mcp": "MCP tools"},\n'
                '    "DCR_ENABLED": True,\n}\n', path="settings.py", line=3),
        Invalid('{"dynamicRegistrationEnabled": true,\n "dynamicRegistrationExpirationTime": -1}\n',
                path="jans-auth-config.json", line=2),
        Invalid("cas.authn.oidc.registration.dynamic-client-registration-mode=PROTECTED\n"
                "cas.authn.oidc.registration.client-secret-expiration=0\n",
                path="cas.properties", line=2),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        if doc.kind == PYTHON:
            if "ClientRegistrationOptions" in doc.text or "ClientRegistrationEndpoint" in doc.text:
                yield from self._python(doc)
            if _dot.ENABLED in doc.text and _dot.SETTING in doc.text:
                yield from self._django_oauth_toolkit(doc)
        elif doc.kind in (JAVASCRIPT, TYPESCRIPT):
            yield from self._typescript(doc)
        if doc.kind in (JSON, YAML) and "dynamicRegistrationExpirationTime" in doc.text:
            for node, secs in _idp.janssen(doc):
                problem = self._too_long(secs)
                if problem is not None:
                    value = (f"{int(secs)}, so registered clients and their secrets never expire"
                             if secs <= 0 else problem)
                    yield self.report(doc, node.line, node.column,
                                      f"Janssen/Gluu `dynamicRegistrationExpirationTime` is {value}.")
        if _idp.cas_file(doc) and re.search("client.secret.expiration", doc.text, re.I):
            for line, column, secs in _idp.cas_secret_expiry(doc):
                problem = self._too_long(secs)
                if problem is not None:
                    yield self.report(doc, line, column,
                                      f"Apereo CAS gives dynamically registered clients secrets whose "
                                      f"expiration period is {problem}.")
        if doc.kind != PYTHON and re.search("dynamic_client_registration", doc.text, re.I):
            for hit in _idp.hydra(doc):
                yield self.report(doc, hit.line, hit.column,
                                  "Ory Hydra dynamic client registration is enabled, and Hydra "
                                  "never expires client secrets (client_secret_expires_at is "
                                  "always 0).")

    def _too_long(self, secs: float) -> str | None:
        if secs <= 0:
            return "0, which means the secrets never expire"
        if secs > self.policy.max_secret_lifetime_seconds:
            return (f"{days(secs)}, longer than the policy's "
                    f"{self.policy.max_secret_lifetime_days} days")
        return None

    def _python(self, doc: Document) -> Iterator[Finding]:
        from ._servers import (
            authlib_registration_endpoints,
            method,
            registration_options,
            writes_zero_expiry,
        )

        py = doc.python
        if py is None:
            return
        for opts in registration_options(py):
            if opts.enabled is False:
                continue
            problem: str | None
            if opts.expiry is None:
                problem = "without `client_secret_expiry_seconds`, so the secrets never expire"
            else:
                secs = seconds(opts.expiry)
                problem = None if secs is None else self._too_long(secs)
                if problem is not None:
                    problem = f"with `client_secret_expiry_seconds` {problem}"
            if problem is not None:
                yield self.report(doc, opts.line, opts.column,
                                  f"MCP dynamic client registration is enabled {problem}.")
        for cls in authlib_registration_endpoints(py):
            override = method(cls, "generate_client_info")
            if override is None or writes_zero_expiry(override):
                line, column = py.pos(cls)
                yield self.report(doc, line, column,
                                  f"authlib registration endpoint `{cls.name}` issues "
                                  "`client_secret_expires_at = 0` (never): override "
                                  "`generate_client_info` to set an expiry.")

    def _django_oauth_toolkit(self, doc: Document) -> Iterator[Finding]:
        py = doc.python
        entry = None if py is None else _dot.enabled(_dot.settings(py))
        if py is not None and entry is not None:
            line, column = py.pos(entry.key)
            yield self.report(doc, line, column,
                              "django-oauth-toolkit dynamic client registration is enabled, and "
                              "the applications it registers have no secret expiry: every "
                              "confidential client gets a secret for life.")

    def _typescript(self, doc: Document) -> Iterator[Finding]:
        js = doc.js
        if js is None:
            return
        from ._js import workers_oauth_providers

        for offset, value in js.property_values("clientSecretExpirySeconds"):
            if js.in_expected_failure(offset):
                continue
            secs = seconds(value)
            problem = None if secs is None else self._too_long(secs)
            if problem is not None:
                line, column = doc.position(offset)
                yield self.report(doc, line, column,
                                  f"MCP client registration handler sets `clientSecretExpirySeconds` "
                                  f"to {problem}.")
        for _, options in workers_oauth_providers(js):
            if "clientRegistrationTTL" not in options.fields:
                continue  # the library's 90-day default
            ttl = options.fields["clientRegistrationTTL"]
            secs = seconds(ttl)
            problem = "undefined, which means the clients never expire" if ttl is None else \
                (None if secs is None else self._too_long(secs))
            if problem is not None:
                line, column = doc.position(options.spans["clientRegistrationTTL"][0])
                yield self.report(doc, line, column,
                                  f"workers-oauth-provider `OAuthProvider` sets "
                                  f"`clientRegistrationTTL` to {problem}.")
