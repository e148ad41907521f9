"""NHG205: a client registration endpoint that anyone can use."""

from __future__ import annotations

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
    TOML,
    TYPESCRIPT,
    YAML,
)
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid

from . import _dot, _idp


class DcrOpenRegistration(Rule):
    """
    ## What it does
    Finds authorization servers whose Dynamic Client Registration endpoint
    accepts anyone, with no initial access token and no policy:

    - Auth0 tenants with the `enable_dynamic_client_registration` flag on
      (auth0-deploy-cli `tenant.yaml`/`tenant.json`, Terraform `auth0_tenant`
      `flags { ... }`, auth0-python/node-auth0 tenant updates);
    - Keycloak realm exports whose anonymous client-registration policies
      were removed or loosened: no Trusted Hosts policy,
      `host-sending-registration-request-must-match: ["false"]`, wildcard
      trusted hosts, or neither Max Clients nor Full Scope Disabled;
    - Ory Hydra with `oidc.dynamic_client_registration.enabled: true`
      (or `OIDC_DYNAMIC_CLIENT_REGISTRATION_ENABLED=true`);
    - django-allauth with `IDP_OIDC_DCR_REQUIRES_INITIAL_ACCESS_TOKEN = False`;
    - django-oauth-toolkit with `DCR_ENABLED` and `AllowAllDCRPermission` in
      `DCR_REGISTRATION_PERMISSION_CLASSES`;
    - authlib `ClientRegistrationEndpoint.authenticate_token` (or the older
      `authenticate_user`) that never reads the request and returns a value.

    Keycloak exports with no registration policies at all (the key missing or
    an empty list) are not reported: Keycloak then creates its secure defaults.

    ## Why is this bad?
    Anyone on the internet can mint OAuth clients in the tenant: phishing
    apps with your brand on the consent screen, clients that request every
    scope, and an unbounded number of identities nobody created on purpose
    (RFC 7591 section 5; OWASP NHI4 Insecure Authentication).

    ## Example
    ```hcl
    resource "auth0_tenant" "main" {
      flags {
        enable_dynamic_client_registration = true
      }
    }
    ```

    ## Use instead
    ```hcl
    resource "auth0_tenant" "main" {
      flags {
        enable_dynamic_client_registration = false
      }
    }
    ```
    Register agents through an endpoint that requires an initial access
    token (Keycloak, allauth, authlib), keep Keycloak's anonymous policies,
    or publish Client ID Metadata Documents instead of registering.
    """

    id = "NHG205"
    name = "DcrOpenRegistration"
    kind = "kind/open-registration"
    severity = "high"
    precision = "high"
    scans_tests = False
    summary = "Client registration endpoint is open to anyone (no initial access token or policy)."
    taxa = ("NHI-03", "A1", "MAESTRO-L6", "NHI4:2025", "NHI1:2025", "ASI03:2026", "ASI04:2026", "CWE-306",
            "CWE-770")
    keywords = ("enable_dynamic_client_registration", "ClientRegistrationPolicy",
                "dynamic_client_registration", "IDP_OIDC_DCR_REQUIRES_INITIAL_ACCESS_TOKEN",
                "ClientRegistrationEndpoint", "AllowAllDCRPermission")
    file_kinds = frozenset({PYTHON, JAVASCRIPT, TYPESCRIPT, YAML, JSON, TOML, ENV, SHELL,
                            DOCKERFILE, HCL})

    VALID = [
        Valid('resource "auth0_tenant" "main" {\n  flags {\n'
              '    enable_dynamic_client_registration = false\n  }\n}\n', path="tenant.tf"),
        Valid("tenant:\n  friendly_name: Acme\n  flags:\n"
              "    enable_dynamic_client_registration: false\n", path="tenant.yaml"),
        Valid('{"realm": "agents", "components": {\n'
              ' "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy": [\n'
              '  {"name": "Trusted Hosts", "providerId": "trusted-hosts", "subType": "anonymous",\n'
              '   "config": {"host-sending-registration-request-must-match": ["true"],\n'
              '              "client-uris-must-match": ["true"]}},\n'
              '  {"name": "Max Clients Limit", "providerId": "max-clients", "subType": "anonymous",\n'
              '   "config": {"max-clients": ["200"]}}]}}\n', path="realm-export.json"),
        Valid('{"realm": "agents", "components": {\n'
              ' "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy": []}}\n',
              path="realm-export.json"),
        Valid("IDP_OIDC_DCR_ENABLED = True\nIDP_OIDC_DCR_REQUIRES_INITIAL_ACCESS_TOKEN = True\n",
              path="settings.py"),
        Valid("from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint\n"
              "class Register(ClientRegistrationEndpoint):\n"
              "    def authenticate_token(self, request):\n"
              "        return Token.query.filter_by(value=bearer(request)).first()\n"),
        Valid("# OIDC_DYNAMIC_CLIENT_REGISTRATION_ENABLED=true  (never in production)\n"
              "OIDC_DYNAMIC_CLIENT_REGISTRATION_ENABLED=false\n", path=".env"),
        Valid('OAUTH2_PROVIDER = {\n    "DCR_ENABLED": True,\n'
              '    "DCR_REGISTRATION_PERMISSION_CLASSES": (\n'
              '        "oauth2_provider.dcr.IsAuthenticatedDCRPermission",),\n}\n',
              path="settings.py"),
        Valid('OAUTH2_PROVIDER = {"DCR_ENABLED": False, "DCR_REGISTRATION_PERMISSION_CLASSES": (\n'
              '    "oauth2_provider.dcr.AllowAllDCRPermission",)}\n', path="settings.py"),
    ]
    INVALID = [
        Invalid('resource "auth0_tenant" "main" {\n  friendly_name = "Acme"\n  flags {\n'
                '    enable_dynamic_client_registration = true\n  }\n}\n', path="tenant.tf", line=4),
        Invalid('{"flags": {"enable_dynamic_client_registration": true}}\n',
                path="tenants/tenant.json", line=1),
        Invalid('{"realm": "agents", "components": {\n'
                ' "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy": [\n'
                '  {"name": "Trusted Hosts", "providerId": "trusted-hosts", "subType": "anonymous",\n'
                '   "config": {"host-sending-registration-request-must-match": ["false"],\n'
                '              "trusted-hosts": ["localhost", "claude.ai"]}}]}}\n',
                path="realm-export.json", line=4),
        Invalid("oidc:\n  dynamic_client_registration:\n    enabled: true\n"
                "    default_scope: [openid, offline]\n", path="hydra.yml", line=3),
        Invalid("IDP_OIDC_DCR_ENABLED = True\nIDP_OIDC_DCR_REQUIRES_INITIAL_ACCESS_TOKEN = False\n",
                path="settings.py", line=2),
        Invalid("from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint\n"
                "class Register(ClientRegistrationEndpoint):\n"
                "    def authenticate_token(self, request):\n"
                "        return True\n", line=3),
        Invalid('from oauth2_provider.dcr import AllowAllDCRPermission\n'
                'OAUTH2_PROVIDER = {"DCR_ENABLED": True}\n'
                'OAUTH2_PROVIDER["DCR_REGISTRATION_PERMISSION_CLASSES"] = (AllowAllDCRPermission,)\n',
                path="settings.py", line=3),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        for hit in self._hits(doc):
            yield self.report(doc, hit.line, hit.column, hit.message)

    def _hits(self, doc: Document) -> Iterator[_idp.Hit]:
        text = doc.text
        if doc.kind in (JSON, YAML, TOML, HCL):
            # Terraform's `resource "auth0_tenant" { flags { ... } }` is the same tree.
            if "enable_dynamic_client_registration" in text:
                yield from _idp.auth0_tree(doc)
            if _idp.KEYCLOAK_POLICY in text:
                yield from _idp.keycloak(doc)
        elif doc.kind in (PYTHON, JAVASCRIPT, TYPESCRIPT) and "enable_dynamic_client_registration" in text:
            yield from _idp.auth0_code(text)
        if doc.kind != PYTHON and "dynamic_client_registration" in text.lower():
            yield from _idp.hydra(doc)
        if doc.kind == PYTHON:
            if "IDP_OIDC_DCR_REQUIRES_INITIAL_ACCESS_TOKEN" in text:
                yield from _idp.allauth(text)
            if "ClientRegistrationEndpoint" in text:
                yield from self._authlib(doc)
            if _dot.OPEN_PERMISSION in text:
                yield from self._django_oauth_toolkit(doc)

    def _django_oauth_toolkit(self, doc: Document) -> Iterator[_idp.Hit]:
        py = doc.python
        if py is None:
            return
        entries = _dot.settings(py)
        element = _dot.open_permission(entries)
        if element is not None and _dot.enabled(entries) is not None:
            yield _idp.Hit(*py.pos(element),
                           "django-oauth-toolkit dynamic client registration lets anyone "
                           "register: `DCR_REGISTRATION_PERMISSION_CLASSES` holds "
                           "`AllowAllDCRPermission`.")

    def _authlib(self, doc: Document) -> Iterator[_idp.Hit]:
        from ._servers import authlib_registration_endpoints, ignores_request, method

        py = doc.python
        if py is None:
            return
        for cls in authlib_registration_endpoints(py):
            for name in ("authenticate_token", "authenticate_user"):
                fn = method(cls, name)
                if fn is not None and ignores_request(fn):
                    line, column = py.pos(fn)
                    yield _idp.Hit(line, column,
                                   f"authlib registration endpoint `{cls.name}` accepts "
                                   f"every request: `{name}` never reads the request.")
