"""NHG205: a client registration endpoint that anyone can use."""

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

from . import _dot, _idp, _kcadmin


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
    - Apereo CAS with `cas.authn.oidc.registration.dynamic-client-registration-mode`
      `OPEN` (the default, `PROTECTED`, requires authentication);
    - authlib `ClientRegistrationEndpoint.authenticate_token` (or the older
      `authenticate_user`) that never reads the request and returns a value.

    - Keycloak changed outside a realm export: `kcadm.sh` or admin-API
      (`/admin/realms/<realm>/components/...`) calls in shell scripts,
      Dockerfiles and CI steps that delete the anonymous Trusted Hosts policy
      or loosen it as above, Terraform
      `keycloak_realm_client_registration_policy` resources that loosen it,
      and initial access tokens created (`clients-initial-access`) with
      expiration 0, Keycloak's default meaning "never", and a count above one.

    Keycloak exports with no registration policies at all (the key missing or
    an empty list) are not reported: Keycloak then creates its secure defaults.
    Policies added, read-only `get` calls and initial access tokens that
    expire or register a single client are not reported either.

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
                "ClientRegistrationEndpoint", "AllowAllDCRPermission", "kcadm", "/admin/realms/",
                "keycloak_realm_client_registration_policy", "dynamic-client-registration-mode",
                "dynamic_client_registration_mode")
    file_kinds = frozenset({PYTHON, JAVASCRIPT, TYPESCRIPT, YAML, JSON, TOML, ENV, SHELL,
                            DOCKERFILE, HCL, TEXT})

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
        Valid("kcadm.sh create clients-initial-access -r agents -s expiration=3600 -s count=1\n",
              path="bootstrap.sh"),
        Valid('resource "keycloak_realm_client_registration_policy" "trusted_hosts" {\n'
              '  realm_id    = keycloak_realm.agents.id\n  name        = "Trusted Hosts"\n'
              '  provider_id = "trusted-hosts"\n  sub_type    = "anonymous"\n  config = {\n'
              '    "host-sending-registration-request-must-match" = "true"\n'
              '    "trusted-hosts" = "claude.ai,auth.example.com"\n  }\n}\n', path="keycloak.tf"),
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
        Invalid('ID=$(kcadm.sh get components -r agents -q name="Trusted Hosts" --fields id '
                '--format csv --noquotes)\nkcadm.sh delete components/$ID -r agents\n',
                path="open-registration.sh", line=2),
        Invalid("kcadm.sh create clients-initial-access -r agents -s expiration=0 -s count=500\n",
                path="bootstrap.sh", line=1),
        Invalid("cas:\n  authn:\n    oidc:\n      registration:\n"
                "        dynamic-client-registration-mode: OPEN\n", path="application.yml", line=5),
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
        if _idp.cas_file(doc) and re.search("dynamic.client.registration.mode", text, re.I):
            yield from _idp.cas_open_mode(doc)
        if doc.kind in (SHELL, DOCKERFILE, YAML) and ("kcadm" in text or "/admin/realms/" in text):
            yield from _kcadmin.admin_calls(doc)
        if doc.kind == HCL and "keycloak_realm_client_registration_policy" in text:
            yield from _kcadmin.terraform(doc)
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
            line, column = py.pos(element)
            yield _idp.Hit(line, column,
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
