"""The NHG2xx dynamic client registration rules on realistic fixtures.

`tests/fixtures/dcr/` holds one folder per ecosystem (MCP Python and
TypeScript SDKs, FastMCP, authlib, raw HTTP, Keycloak, Auth0, Hydra, allauth,
django-oauth-toolkit, payload files, curl). Every file there is listed in EXPECTED with the exact
(rule, line) findings it must produce; files with an empty set are the near
misses that must stay silent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import findings_by_file, fixture_files, nhiguard, scan_fixture_tree, write_tree
from nhiguard.policy import Policy
from nhiguard.registry import select_rules
from nhiguard.rules.dcr._payload import endpoint_verdict, expiry_problem, seconds

FIXTURES = Path(__file__).parent / "fixtures" / "dcr"

EXPECTED: dict[str, set[tuple[str, int]]] = {
    # MCP Python SDK: server without expiry/revocation, hardened server, clients.
    "mcp_python/notes_server.py": {("NHG203", 25), ("NHG206", 25), ("NHG208", 34)},
    "mcp_python/long_expiry.py": {("NHG203", 8), ("NHG206", 8), ("NHG208", 5)},
    "mcp_python/notes_server_hardened.py": set(),
    "mcp_python/agent_client.py": {("NHG201", 19), ("NHG202", 19)},
    "mcp_python/agent_client_owned.py": set(),
    "mcp_python/agent_client_cimd.py": set(),
    # Library internals and operator defaults are not a configuration without expiry.
    "mcp_python/register_handler.py": set(),
    "mcp_python/default_ttl.py": {("NHG206", 9)},
    # MCP TypeScript SDK.
    "mcp_ts/auth-server.ts": {("NHG203", 14), ("NHG203", 23), ("NHG206", 12)},
    "mcp_ts/auth-server-defaults.ts": set(),
    "mcp_ts/agent-oauth.ts": {("NHG201", 19), ("NHG202", 19)},
    "mcp_ts/agent-register.ts": set(),
    "mcp_ts/agent-cimd.ts": set(),
    # FastMCP proxies and clients.
    "fastmcp/github_server.py": {("NHG204", 8), ("NHG206", 8), ("NHG208", 8)},
    "fastmcp/custom_proxy.py": {("NHG204", 9), ("NHG206", 9), ("NHG208", 9)},
    "fastmcp/team_proxy.py": {("NHG204", 28), ("NHG206", 28), ("NHG208", 28)},
    # Revocation passed on by the subclass or by the call; OIDC discovery decides for Auth0.
    "fastmcp/team_proxy_revocable.py": {("NHG204", 31), ("NHG206", 31), ("NHG204", 36), ("NHG206", 36)},
    "fastmcp/auth0_server.py": {("NHG204", 8), ("NHG206", 8)},
    # FastMCP 2.x configured from the environment.
    "fastmcp/env/.env": {("NHG204", 2), ("NHG208", 2)},
    "fastmcp/env/Dockerfile": {("NHG204", 5), ("NHG208", 5)},
    "fastmcp/env/deployment.yaml": {("NHG204", 12), ("NHG208", 12)},
    "fastmcp/env/docker-compose.yml": {("NHG204", 6)},
    "fastmcp/remote_auth.py": set(),
    "fastmcp/agent.py": {("NHG201", 9), ("NHG201", 17), ("NHG202", 17)},
    # authlib registration endpoints.
    "authlib/registration.py": {("NHG203", 11), ("NHG205", 14), ("NHG208", 11)},
    "authlib/registration_hardened.py": set(),
    # A stand-in token object returned without looking at the request, and its near miss.
    "authlib/registration_dummy_token.py": {("NHG205", 21)},
    "authlib/registration_checked_token.py": set(),
    # Raw HTTP in Python and JavaScript, python-keycloak.
    "raw_http/register_agent.py": {("NHG201", 18), ("NHG202", 18), ("NHG201", 40)},
    "raw_http/register-agent.js": {("NHG201", 11), ("NHG202", 11)},
    "raw_http/keycloak_register.py": {("NHG201", 23), ("NHG202", 23)},
    # Keycloak realm exports.
    "keycloak/realm-export-mcp.json": {("NHG205", 79)},
    "keycloak/realm-export-no-trusted-hosts.json": {("NHG205", 20)},
    "keycloak/realm-tools.yaml": {("NHG205", 12)},
    "keycloak/realm-export-default.json": set(),
    # Keycloak changed by kcadm.sh, the admin REST API and Terraform.
    "keycloak/open-mcp-registration.sh": {("NHG205", 13), ("NHG205", 19)},
    "keycloak/reset-registration.sh": {("NHG205", 12)},
    "keycloak/admin-api.yml": {("NHG205", 16), ("NHG205", 23)},
    "keycloak/Dockerfile": {("NHG205", 7)},
    "keycloak/registration-policy.tf": {("NHG205", 14)},
    "keycloak/registration-policies.sh": set(),
    "keycloak/registration-policy-strict.tf": set(),
    # Auth0 tenant (deploy-cli YAML/JSON, Terraform).
    "auth0/tenant.yaml": {("NHG205", 9)},
    "auth0/main.tf": {("NHG205", 17)},
    "auth0/tenant-staging.json": set(),
    # Ory Hydra: config file, compose environment, Kubernetes env.
    "hydra/hydra.yml": {("NHG203", 10), ("NHG205", 10)},
    "hydra/docker-compose.yml": {("NHG203", 8), ("NHG205", 8)},
    "hydra/deployment.yaml": {("NHG203", 12), ("NHG205", 12)},
    # Janssen/Gluu auth-server configuration.
    "janssen/jans-auth-config.json": {("NHG203", 6)},
    "janssen/jans-auth-config-expiring.json": set(),
    "janssen/values-staging.yaml": set(),
    # Apereo CAS: properties, Spring YAML, container environment.
    "cas/cas.properties": {("NHG205", 8), ("NHG203", 9)},
    "cas/application-prod.yml": {("NHG203", 11)},
    "cas/application-staging.yml": set(),
    "cas/docker-compose.yml": set(),
    # django-allauth.
    "allauth/settings.py": {("NHG205", 12)},
    "allauth/settings_production.py": set(),
    # django-oauth-toolkit: open and signed-in registration, registration off.
    "django_oauth_toolkit/settings.py": {("NHG203", 17), ("NHG205", 19)},
    "django_oauth_toolkit/settings_signed_in.py": set(),
    "django_oauth_toolkit/settings_no_dcr.py": set(),
    # Registration payloads and stored responses.
    "payloads/register-agent.json": {("NHG201", 1), ("NHG202", 1)},
    "payloads/register-agent-owned.yaml": set(),
    "payloads/client-info.json": {("NHG207", 3), ("NHG208", 2)},
    "payloads/client-info-managed.json": set(),
    "payloads/client-metadata.json": set(),
    "payloads/openapi.yaml": set(),
    # RFC 7592 registration access tokens kept beside their registration_client_uri.
    "registrations/agent-registration.json": {("NHG207", 10)},
    "registrations/agent-registration-managed.yaml": set(),
    "registrations/restore_client.py": {("NHG207", 12)},
    # curl scripts.
    "curl/register-mcp-client.sh": {("NHG201", 8), ("NHG202", 8)},
}

# JavaScript and TypeScript servers and clients, and recorded server responses.
EXPECTED |= {
    # MCP TypeScript SDK: `mcpAuthRouter` serves /register when the store can register.
    "mcp_ts/auth-router-open.ts": {("NHG206", 34)},
    "mcp_ts/auth-router-proxy.ts": {("NHG206", 17)},
    "mcp_ts/auth-router-closed.ts": set(),
    # A clients store on its own: what the router it is given will serve.
    "mcp_ts/clients-store.ts": {("NHG206", 7)},
    "mcp_ts/clients-store-bounded.ts": set(),
    # Client providers: a fixed client never registers; a file-backed one does.
    "mcp_ts/agent-preregistered.ts": set(),
    "mcp_ts/agent-file-store.ts": {("NHG201", 14)},
    # A test file: skipped by default (and its expected failures even when included).
    "mcp_ts/registration.test.ts": set(),
    # Cloudflare workers-oauth-provider.
    "cloudflare/worker.ts": {("NHG203", 13), ("NHG206", 6)},
    "cloudflare/worker-default-ttl.ts": {("NHG206", 6)},
    "cloudflare/worker-vetted.ts": set(),
    "cloudflare/worker-cimd.ts": set(),
    # node-auth0 Management API calls.
    "auth0/management.ts": {("NHG205", 12), ("NHG205", 22)},
    "auth0/management-off.ts": set(),
    # Recorded server responses: login/consent snapshots and an admin export
    # hold copies of clients; a stored registration response is a record.
    "responses/hydra-login-request.json": set(),
    "responses/hydra-consent-request.yaml": set(),
    "responses/keycloak-clients.json": set(),
    "responses/registered-agent.json": {("NHG207", 3), ("NHG208", 2)},
}


def _scan(root: Path, policy: Policy | None = None):
    return scan_fixture_tree(root, ["NHG2"], policy)


@pytest.fixture(scope="module")
def fixture_results():
    result = _scan(FIXTURES)
    return result, {uri: set(hits) for uri, hits in findings_by_file(result).items()}


def test_every_fixture_is_listed():
    assert fixture_files(FIXTURES) == set(EXPECTED)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_fixture_findings(fixture_results, path):
    _, found = fixture_results
    assert found.get(path, set()) == EXPECTED[path]


def test_fixtures_scan_without_errors(fixture_results):
    result, _ = fixture_results
    assert result.notifications == []


def test_every_dcr_rule_fires_on_some_fixture(fixture_results):
    _, found = fixture_results
    fired = {rule for hits in found.values() for rule, _ in hits}
    assert fired == {r.id for r in select_rules(["NHG2"])}


def test_stored_secret_is_never_shown(fixture_results):
    result, _ = fixture_results
    secret = "c41f8e0b9d2a7f63e5b1d8c4a2f9e7b6d3c1a0f8e5b2d9c6a3f0e7b4d1c8a5f2"
    stored = [f for f in result.findings if f.rule_id == "NHG207"]
    assert stored
    for f in stored:
        assert secret not in f.message
        assert secret[:8] not in f.snippet


def test_stored_registration_access_token_is_never_shown(fixture_results):
    result, _ = fixture_results
    tokens = [f for f in result.findings if "registration access token" in f.message]
    assert {f.uri for f in tokens} == {"registrations/agent-registration.json",
                                       "registrations/restore_client.py"}
    for f in tokens:
        stored = (FIXTURES / f.uri).read_text().splitlines()[f.line - 1]
        token = stored.split('"')[-2]
        assert token.startswith("eyJ") and token.count(".") == 2
        assert token[:12] not in f.snippet and token[-12:] not in f.snippet
        assert token[:12] not in f.message


def test_messages_name_the_missing_fields(fixture_results):
    result, _ = fixture_results
    by_key = {(f.uri, f.rule_id, f.line): f.message for f in result.findings}
    assert "contacts" in by_key[("payloads/register-agent.json", "NHG202", 1)]
    assert "client_secret_expires_in" in by_key[("payloads/register-agent.json", "NHG201", 1)]
    assert "365 days" in by_key[("mcp_python/long_expiry.py", "NHG203", 8)]


def test_expected_failures_in_a_test_file_stay_quiet_when_tests_are_included():
    """Only the handler the test builds to use is reported; those it expects
    to throw or reject are tests of a refusal."""
    result = _scan(FIXTURES, Policy(include_tests=True))
    found = {(f.rule_id, f.line) for f in result.findings if f.uri == "mcp_ts/registration.test.ts"}
    assert found == {("NHG203", 22), ("NHG206", 22)}


# -- policy -------------------------------------------------------------------------------
POLICY_TREE = {
    "dcr-request.json": '{"client_name": "agent", "redirect_uris": ["https://a.example.com/cb"],\n'
                        ' "x-owner": "team-agents", "client_secret_expires_in": 1209600}\n',
    "server.py": "from mcp.server.auth.settings import ClientRegistrationOptions\n"
                 "opts = ClientRegistrationOptions(enabled=False, client_secret_expiry_seconds=0)\n"
                 "month = ClientRegistrationOptions(enabled=False)\n"
                 "live = ClientRegistrationOptions(\n"
                 "    enabled=True, client_secret_expiry_seconds=30 * 24 * 3600)\n",
}


def _cli_findings(root: Path, *args: str) -> set[tuple[str, str, int]]:
    run = nhiguard("scan", str(root), "--select", "NHG201,NHG202,NHG203", "--format", "json",
                   "--no-progress", *args, cwd=root)
    assert run.code in (0, 1), run.stderr
    return {(Path(f["uri"]).name, f["rule_id"], f["line"]) for f in run.json()["findings"]}


def test_policy_configuration_changes_results(tmp_path):
    tree = write_tree(tmp_path / "repo", POLICY_TREE)
    default = _cli_findings(tree)
    # Default policy: no contacts => no owner; 14 days and 30 days are within 90.
    assert default == {("dcr-request.json", "NHG202", 1)}

    config = tmp_path / "strict.toml"
    config.write_text('[policy]\nowner-fields = ["x-owner"]\nmax-secret-lifetime-days = 7\n')
    strict = _cli_findings(tree, "--config", str(config))
    # `x-owner` now counts as an owner; 14 and 30 days exceed 7.
    assert strict == {("dcr-request.json", "NHG201", 1), ("server.py", "NHG203", 4)}


def test_approved_registration_endpoint_is_silent(tmp_path):
    code = ("import requests\n"
            "requests.post('https://register.corp.example.com/oauth2/register',\n"
            "              json={'client_name': 'a', 'redirect_uris': ['https://a.example.com/cb']})\n")
    root = write_tree(tmp_path, {"reg.py": code})
    assert {f.rule_id for f in _scan(root).findings} == {"NHG201", "NHG202"}
    policy = Policy(approved_registration_endpoints=("https://register.corp.example.com/",))
    assert _scan(root, policy).findings == []


def test_policy_help_mentions_settings():
    for rule in select_rules(["NHG201", "NHG202", "NHG203", "NHG207"]):
        text = rule.help_markdown()
        assert "max-secret-lifetime-days" in text or "owner-fields" in text, rule.id


# -- shared DCR knowledge -------------------------------------------------------------------
@pytest.mark.parametrize(("fragments", "names", "verdict"), [
    (["https://idp.example.com/oauth2/register"], [], True),
    (["/realms/agents/clients-registrations/openid-connect"], [], True),
    ([], ["meta", "registration_endpoint"], True),
    (["https://pf.example.com/as/clients.oauth2"], [], True),
    (["https://app.example.com/api/users"], [], False),
    ([], ["admin_url"], False),
    ([], ["url"], None),
])
def test_endpoint_recognition(fragments, names, verdict):
    assert endpoint_verdict(fragments, names) is verdict


@pytest.mark.parametrize(("fields", "ok"), [
    ({}, False),
    ({"client_secret_expires_in": 3600}, True),
    ({"client_secret_expires_in": 0}, False),
    ({"ttl": "720h"}, True),
    ({"ttl": "365d"}, False),
    ({"client_secret_expires_at": 0}, False),
    ({"client_secret_expires_at": 1767229200}, True),
    ({"software_statement": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}, True),
    ({"software_statement": ""}, False),
    ({"expires_in": ...}, True),  # a variable: not judged
])
def test_expiry_evidence(fields, ok):
    assert (expiry_problem(fields, Policy()) is None) is ok


def test_durations():
    assert seconds("90d") == 90 * 86400
    assert seconds(3600) == 3600
    assert seconds("soon") is None
    assert seconds(True) is None
