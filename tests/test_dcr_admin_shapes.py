"""Registration opened or loosened outside the application's code: Keycloak
admin commands, FastMCP chosen by the environment, stored RFC 7592 tokens.
Each shape that must be reported sits beside a near miss that must not."""

from __future__ import annotations

import pytest
from nhiguard.engine import scan
from nhiguard.registry import select_rules
from nhiguard.sources import Artifact


def _found(text: str, uri: str, rules: str = "NHG2") -> set[tuple[str, int]]:
    result = scan([Artifact(uri=uri, data=text.encode())], select_rules([rules]))
    assert [n for n in result.notifications if n.level == "error"] == []
    return {(f.rule_id, f.line) for f in result.findings}


_LOOKUP = 'ID=$(kcadm.sh get components -r agents -q name="{name}" --fields id --format csv --noquotes)\n'


@pytest.mark.parametrize("script, expected", [
    # The policy found by name, then deleted through the variable.
    (_LOOKUP.format(name="Trusted Hosts") + "kcadm.sh delete components/$ID -r agents\n", {2}),
    (_LOOKUP.format(name="Max Clients Limit") + "kcadm.sh delete components/$ID -r agents\n", set()),
    # The lookup inline, and a prose apostrophe in a comment before it.
    ("# don't keep the host check\nkcadm.sh delete components/$(kcadm.sh get components -r agents "
     "-q name='Trusted Hosts' --fields id --format csv --noquotes) -r agents\n", {2}),
    ("# kcadm.sh delete components/$TRUSTED_HOSTS_ID -r agents\n", set()),
    # Loosened, or kept strict.
    ("kcadm.sh update components/$ID -r agents \\\n"
     "  -s 'config.\"host-sending-registration-request-must-match\"=[\"false\"]'\n", {1}),
    ("kcadm.sh update components/$ID -r agents \\\n"
     "  -s 'config.\"host-sending-registration-request-must-match\"=[\"true\"]'\n", set()),
    ("curl -X PUT \"$KC/admin/realms/agents/components/$ID\" -H \"$AUTH\" \\\n"
     "  -d '{\"providerId\": \"trusted-hosts\", \"subType\": \"anonymous\",\n"
     "       \"config\": {\"trusted-hosts\": [\"*\"]}}'\n", {1}),
    ("curl -X PUT \"$KC/admin/realms/agents/components/$ID\" -H \"$AUTH\" \\\n"
     "  -d '{\"providerId\": \"trusted-hosts\", \"subType\": \"anonymous\",\n"
     "       \"config\": {\"trusted-hosts\": [\"claude.ai\"]}}'\n", set()),
    # Initial access tokens: Keycloak's default expiration is 0, never.
    ("kcadm.sh create clients-initial-access -r agents -s count=5\n", {1}),
    ("kcadm.sh create clients-initial-access -r agents -s expiration=86400 -s count=100\n", set()),
    ("kcadm.sh create clients-initial-access -r agents -s expiration=0\n", set()),
    ("kcadm.sh get clients-initial-access -r agents\n", set()),
    ("curl -sf \"$KC/admin/realms/agents/clients-initial-access\" -H \"$AUTH\" "
     "--json '{\"expiration\": 0, \"count\": 50}'\n", {1}),
])
def test_keycloak_admin_commands(script, expected):
    assert {line for _, line in _found(script, "keycloak.sh")} == expected


def test_keycloak_messages_say_what_the_command_does():
    messages = scan([Artifact(uri="kc.sh", data=(
        _LOOKUP.format(name="Trusted Hosts") + "kcadm.sh delete components/$ID -r agents\n"
        "kcadm.sh create clients-initial-access -r agents -s expiration=0 -s count=40\n").encode())],
        select_rules(["NHG205"])).findings
    assert [m.message.split(":")[0] for m in messages] == [
        "`kcadm.sh` deletes Keycloak's anonymous Trusted Hosts client-registration policy",
        "`kcadm.sh` creates a Keycloak initial access token that never expires (expiration 0) "
        "and registers up to 40 clients"]


@pytest.mark.parametrize("text, uri, expected", [
    ("export FASTMCP_SERVER_AUTH=fastmcp.server.auth.providers.github.GitHubProvider\n",
     "run.sh", {("NHG204", 1), ("NHG208", 1)}),
    ('FASTMCP_SERVER_AUTH="fastmcp.server.auth.providers.workos.WorkOSProvider"\n',
     ".env", {("NHG204", 1), ("NHG208", 1)}),
    ("FASTMCP_SERVER_AUTH=fastmcp.server.auth.providers.aws.AWSCognitoProvider\n",
     ".env", {("NHG204", 1)}),
    ("FASTMCP_SERVER_AUTH=fastmcp.server.auth.providers.workos.AuthKitProvider\n", ".env", set()),
    # A choice commented out is no choice.
    ("# FASTMCP_SERVER_AUTH=fastmcp.server.auth.providers.github.GitHubProvider\n"
     "FASTMCP_SERVER_AUTH=fastmcp.server.auth.providers.jwt.JWTVerifier\n", ".env", set()),
])
def test_fastmcp_chosen_by_the_environment(text, uri, expected):
    assert _found(text, uri) == expected


_RAT = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZ2VudC03Iiwic2NvcGUiOiJyZWdpc3RyYXRpb24ifQ.Qm9w3kT7xZ8vLr2N"


@pytest.mark.parametrize("text, uri, expected", [
    (f'registration_client_uri: https://as.example.com/register/agent-7\n'
     f'registration_access_token: {_RAT}\nclient_id: agent-7\n', "client.yaml", {("NHG207", 2)}),
    (f'[client]\nclient_id = "agent-7"\nregistration_client_uri = "https://as.example.com/r/agent-7"\n'
     f'registration_access_token = "{_RAT}"\n', "client.toml", {("NHG207", 4)}),
    # Without the management URI the token is not a stored registration's.
    (f'client_id: agent-7\nregistration_access_token: {_RAT}\n', "client.yaml", set()),
    ('registration_client_uri: https://as.example.com/register/agent-7\n'
     'registration_access_token: ${REGISTRATION_ACCESS_TOKEN}\nclient_id: agent-7\n',
     "client.yaml", set()),
    (f'saved = {{"registration_client_uri": URI, "registration_access_token": "{_RAT}"}}\n',
     "restore.py", {("NHG207", 1)}),
    ('saved = {"registration_client_uri": URI, "registration_access_token": token_from(vault)}\n',
     "restore.py", set()),
])
def test_stored_registration_access_tokens(text, uri, expected):
    assert _found(text, uri) == expected
