"""Shapes of real code the registration rules misread, each with a near miss
that must still be reported."""

from __future__ import annotations

import pytest
from nhiguard.engine import scan
from nhiguard.registry import select_rules
from nhiguard.sources import Artifact


def _rules(code: str, uri: str = "client.py") -> set[str]:
    result = scan([Artifact(uri=uri, data=code.encode())], select_rules(["NHG2"]))
    assert [n for n in result.notifications if n.level == "error"] == []
    return {f.rule_id for f in result.findings}


_IMPORT = "from mcp.shared.auth import OAuthClientMetadata, OAuthClientInformationFull\n"


def _metadata(grant: str, method: str) -> str:
    return (_IMPORT + "def provider(scope):\n"
            "    return OAuthClientMetadata(redirect_uris=None,\n"
            f"        grant_types=[{grant!r}], token_endpoint_auth_method={method!r}, scope=scope)\n")


@pytest.mark.parametrize("method", ["private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"])
def test_a_key_bound_machine_client_does_not_register(method):
    assert _rules(_metadata("client_credentials", method)) == set()


def test_a_machine_client_with_a_shared_secret_or_other_grant_still_registers():
    assert _rules(_metadata("client_credentials", "client_secret_basic")) == {"NHG201", "NHG202"}
    assert _rules(_metadata("authorization_code", "private_key_jwt")) == {"NHG201", "NHG202"}


_FIXED = (_IMPORT + "class Provider:\n"
          "    def __init__(self, client_id, client_secret, method):\n"
          "        metadata = OAuthClientMetadata(redirect_uris=None,\n"
          "            grant_types=['client_credentials'], token_endpoint_auth_method=method)\n"
          "        self.fixed = OAuthClientInformationFull(redirect_uris=None,\n"
          "            client_id=client_id, client_secret=client_secret)\n")


def test_metadata_beside_fixed_client_information_is_no_registration():
    assert _rules(_FIXED) == set()


def test_fixed_client_information_elsewhere_does_not_hide_a_registration():
    code = _FIXED.replace("        self.fixed", "    def other(self, client_id, client_secret):\n"
                                             "        self.fixed")
    assert _rules(code) == {"NHG201", "NHG202"}
    # Client information without a client ID is what registration returns, not a fixed client.
    assert _rules(_FIXED.replace("client_id=client_id, ", "")) == {"NHG201", "NHG202"}


def test_a_key_bound_registration_payload_file_is_quiet_and_a_secret_one_is_not():
    body = ('{"client_name": "batch", "grant_types": ["client_credentials"], '
            '"token_endpoint_auth_method": "%s", "redirect_uris": []}\n')
    assert _rules(body % "private_key_jwt", "register.json") == set()
    assert _rules(body % "client_secret_post", "register.json") != set()


_OAUTH_CLIENT = ("from fastmcp.client.auth.oauth import OAuth\n"
                 "def resolve(url):\n    return OAuth(url)\n")


@pytest.mark.parametrize("uri", ["src/fastmcp/client/transports/http.py", "src/fastmcp/cli/client.py",
                                 "fastmcp_slim/fastmcp/mcp_config.py",
                                 "lib/python3.12/site-packages/fastmcp/mcp_config.py"])
def test_an_sdk_building_a_client_for_its_caller_is_plumbing(uri):
    assert _rules(_OAUTH_CLIENT, uri) == set()


@pytest.mark.parametrize("uri", ["examples/auth/client.py", "src/fastmcp_app/client.py",
                                 "fastmcp/agent.py", "fastmcp/examples/client.py",
                                 "samples/dcr/fastmcp/agent.py", "srcs/fastmcp/cli.py",
                                 "fastmcp.py"])
def test_the_same_call_outside_the_sdk_registers(uri):
    assert _rules(_OAUTH_CLIENT, uri) == {"NHG201", "NHG202"}


_RECORD = ('{"client_id": "c1", "client_secret": "%s",\n'
           ' "client_id_issued_at": 1767225600, "client_secret_expires_at": 0}\n')


@pytest.mark.parametrize("secret", ["not too short", "some-supersafe-secret", "MyClientSecret2",
                                    "my_client_password_1", "aaaaaaaaaaaaaaaa"])
def test_a_stored_record_with_a_made_up_secret_is_quiet(secret):
    assert "NHG207" not in _rules(_RECORD % secret, "client.json")


@pytest.mark.parametrize("secret", ["9fK2mQ7xLp4Zr8Vt3Wn6Ys1B", "b1946ac92492d2347c6235b4d2611184"])
def test_a_stored_record_with_an_issued_secret_is_reported(secret):
    assert "NHG207" in _rules(_RECORD % secret, "client.json")


_HANDLER = ("import { clientRegistrationHandler }\n"
            "  from '@modelcontextprotocol/sdk/server/auth/handlers/register.js';\n")


@pytest.mark.parametrize("mount", [
    "router.use('/register', requireInitialAccessToken, clientRegistrationHandler({ clientsStore }));",
    "app.post(`/register`, rateLimit({ max: 5 }), checkToken, clientRegistrationHandler({ clientsStore }));",
])
def test_a_registration_handler_behind_middleware_is_gated(mount):
    assert "NHG206" not in _rules(_HANDLER + mount + "\n", "server.ts")


@pytest.mark.parametrize("mount", [
    "router.use('/register', clientRegistrationHandler({ clientsStore }));",
    "app.use(clientRegistrationHandler({ clientsStore }));",
    "app.use('/register', clientRegistrationHandler({ clientsStore }), requireToken);",
    "const handler = wrap(requireToken, clientRegistrationHandler({ clientsStore }));",
])
def test_a_registration_handler_first_in_line_is_open(mount):
    assert "NHG206" in _rules(_HANDLER + mount + "\n", "server.ts")


@pytest.mark.parametrize(("code", "expected"), [
    ("await management.tenants.update({ flags: { enable_dynamic_client_registration: true } });\n",
     {"NHG205"}),
    ("await management.tenants.update({ flags: { 'enable_dynamic_client_registration': true } });\n",
     {"NHG205"}),
    # Near misses: the flag turned off, or a longer name that merely ends the same.
    ("await management.tenants.update({ flags: { enable_dynamic_client_registration: false } });\n",
     set()),
    ("const opts = { my_enable_dynamic_client_registration: true };\n", set()),
])
def test_node_auth0_tenant_flags(code, expected):
    assert _rules(code, "tenant.ts") & {"NHG205"} == expected


@pytest.mark.parametrize(("uri", "text", "expected"), [
    (".env", "FASTMCP_SERVER_AUTH=fastmcp.server.auth.providers.github.GitHubProvider\n", {"NHG204"}),
    ("docker-compose.yml", "services:\n  mcp:\n    environment:\n      FASTMCP_SERVER_AUTH: "
     "fastmcp.server.auth.providers.google.GoogleProvider\n", {"NHG204"}),
    ("run.sh", "export FASTMCP_SERVER_AUTH='fastmcp.server.auth.oauth_proxy.OAuthProxy'\n", {"NHG204"}),
    # Near misses: a token verifier registers nobody; another library's provider is not FastMCP's.
    (".env", "FASTMCP_SERVER_AUTH=fastmcp.server.auth.providers.jwt.JWTVerifier\n", set()),
    (".env", "FASTMCP_SERVER_AUTH=myapp.auth.GitHubProvider\n", set()),
])
def test_fastmcp_proxy_chosen_by_the_environment(uri, text, expected):
    assert _rules(text, uri) & {"NHG204"} == expected


# -- JavaScript and TypeScript servers ----------------------------------------------------
_STORE = ("class Store {\n"
          "  async getClient(id) { return this.clients.get(id); }\n"
          "%s"
          "}\n"
          "class Provider { clientsStore = new Store(); }\n"
          "app.use(mcpAuthRouter({ provider: new Provider(), issuerUrl }));\n")
_REGISTER = ("  async registerClient(client) {\n"
             "    %s this.clients.set(client.client_id, client); return client; }\n")


@pytest.mark.parametrize(("store", "expected"), [
    (_REGISTER % "", {"NHG206"}),
    # Near misses: a store that cannot register, one whose registerClient can refuse.
    ("", set()),
    (_REGISTER % "if (!allowed(client)) throw new InvalidClientMetadataError('no');", set()),
])
def test_mcp_auth_router_registers_when_its_store_can(store, expected):
    assert _rules(_STORE % store, "server.ts") == expected


@pytest.mark.parametrize(("provider", "expected"), [
    ("class P { private _clientsStore = new Store(); get clientsStore() { return this._clientsStore; } }",
     {"NHG206"}),
    ("class P { #store = new Store(); get clientsStore() { return this.#store; } }", {"NHG206"}),
    ("class P { constructor() { this.clientsStore = new Store(); } }", {"NHG206"}),
    ("class P { get clientsStore() {\n"
     "  return { getClient: (id) => this.m.get(id), registerClient: (c) => c }; } }", {"NHG206"}),
    # Near misses: a getter store that only reads clients, a getter that loops on itself.
    ("class P { get clientsStore() { return { getClient: (id) => this.m.get(id) }; } }", set()),
    ("class P { get clientsStore() { return this.clientsStore; } }", set()),
])
def test_mcp_auth_router_finds_the_store_a_provider_class_keeps(provider, expected):
    code = (_STORE % (_REGISTER % "")).replace("class Provider { clientsStore = new Store(); }", provider)
    assert _rules(code.replace("new Provider()", "new P()"), "server.ts") == expected


_STORE_FILE = ("import type { OAuthRegisteredClientsStore }\n"
               "  from '@modelcontextprotocol/sdk/server/auth/clients.js';\n"
               "export %sclass Store implements OAuthRegisteredClientsStore {\n"
               "  async getClient(id: string) { return this.clients.get(id); }\n"
               "  async registerClient(client: Info): Promise<{ client_id: string }>%s\n"
               "}\n")


@pytest.mark.parametrize(("declare", "body", "expected"), [
    ("", " { this.clients.set(client.client_id, client); return client; }", {"NHG206"}),
    # Near misses: a store that can refuse (past an object return type), a declaration.
    ("", " { if (!allowed(client)) { throw new Error('no'); } return client; }", set()),
    ("declare ", ";", set()),
])
def test_a_clients_store_on_its_own_is_what_its_router_serves(declare, body, expected):
    assert _rules(_STORE_FILE % (declare, body), "store.ts") == expected


def test_mcp_auth_router_with_a_provider_from_elsewhere_is_not_guessed():
    code = "import { provider } from './provider.js';\napp.use(mcpAuthRouter({ provider, issuerUrl }));\n"
    assert _rules(code, "server.ts") == set()


def test_a_registration_handler_given_a_store_that_cannot_register_is_quiet():
    closed = _STORE.replace("app.use(mcpAuthRouter({ provider: new Provider(), issuerUrl }));",
                            "const clientsStore = new Store();\n"
                            "app.use('/register', clientRegistrationHandler({ clientsStore }));")
    assert _rules(_HANDLER + closed % "", "server.ts") == set()
    assert _rules(_HANDLER + closed % (_REGISTER % ""), "server.ts") == {"NHG206"}


def test_a_conditional_expiry_inside_a_handler_is_no_setting():
    code = ("export function handler({ clientSecretExpirySeconds = DEFAULT }) {\n"
            "  const at = clientSecretExpirySeconds > 0 ? issuedAt + clientSecretExpirySeconds : 0;\n"
            "  const other = flag ? clientSecretExpirySeconds : 0;\n}\n")
    assert _rules(code, "register.js") == set()
    assert _rules("handler({ clientsStore, clientSecretExpirySeconds: 0 });\n", "server.js") == {"NHG203"}


@pytest.mark.parametrize(("wrapper", "expected"), [
    ("expect(() => %s).toThrow();", set()),
    ("expect(() => %s).toThrowError(/store/);", set()),
    ("await expect(async () => %s).rejects.toThrow();", set()),
    ("assert.throws(() => %s);", set()),
    ("expect(() => %s).to.throw();", set()),
    # Near misses: code a test expects to work configures what it builds.
    ("expect(() => %s).not.toThrow();", {"NHG203", "NHG206"}),
    ("expect(%s).toBeDefined();", {"NHG203", "NHG206"}),
])
def test_code_a_test_expects_to_fail_is_not_configuration(wrapper, expected):
    call = "clientRegistrationHandler({ clientsStore, clientSecretExpirySeconds: 0 })"
    assert _rules(_HANDLER + wrapper % call + "\n", "server.ts") == expected


_WORKER = ("import { OAuthProvider, OAuthAuthorizationServer } from '@cloudflare/workers-oauth-provider';\n"
           "export default new %s({ authorizeEndpoint: '/authorize', tokenEndpoint: '/token', %s });\n")


@pytest.mark.parametrize(("cls", "options", "expected"), [
    ("OAuthProvider", "clientRegistrationEndpoint: '/register'", {"NHG206"}),
    ("OAuthAuthorizationServer", "clientRegistrationEndpoint: '/register'", {"NHG206"}),
    ("OAuthProvider", "clientRegistrationEndpoint: '/register', clientRegistrationTTL: 365 * 86400",
     {"NHG203", "NHG206"}),
    # Near misses: a vetting callback, a TTL within policy, no endpoint, options spread from elsewhere.
    ("OAuthProvider", "clientRegistrationEndpoint: '/register', clientRegistrationCallback: vet", set()),
    ("OAuthProvider", "clientRegistrationEndpoint: '/r', clientRegistrationCallback: vet, "
     "clientRegistrationTTL: 7 * 86400", set()),
    ("OAuthProvider", "clientRegistrationTTL: undefined", set()),
    ("OAuthProvider", "clientRegistrationEndpoint: '/register', ...shared", set()),
])
def test_workers_oauth_provider_registration(cls, options, expected):
    assert _rules(_WORKER % (cls, options), "worker.ts") == expected


def test_another_libraries_oauth_provider_is_not_cloudflares():
    code = "export default new OAuthProvider({ clientRegistrationEndpoint: '/register' });\n"
    assert _rules(code, "worker.ts") == set()


_CLIENT_PROVIDER = ("class Agent {\n"
                    "  get clientMetadata() {\n"
                    "    return { client_name: 'a', redirect_uris: [CB],\n"
                    "             grant_types: ['authorization_code'] };\n"
                    "  }\n"
                    "%s}\n")


@pytest.mark.parametrize(("members", "expected"), [
    ("  clientInformation() { return this.info; }\n  saveClientInformation(i) { this.info = i; }\n",
     {"NHG201", "NHG202"}),
    # Near misses: a fixed client, a field holding one, or nowhere to save a registration.
    ("  clientInformation() { return { client_id: ID, client_secret: SECRET }; }\n"
     "  saveClientInformation() {}\n", set()),
    ("  fixed = { client_id: 'reports', redirect_uris: [CB] };\n"
     "  clientInformation() { return this.fixed; }\n  saveClientInformation() {}\n", set()),
    ("  clientInformation() { return this.info; }\n", set()),
])
def test_a_typescript_client_provider_registers_only_without_a_fixed_client(members, expected):
    assert _rules(_CLIENT_PROVIDER % members, "agent.ts") == expected


_SNAPSHOT = ('{"challenge": "c1", "requested_scope": ["openid"], "client": {\n'
             ' "client_id": "agent", "client_secret_expires_at": 0, "grant_types": ["authorization_code"],\n'
             ' "redirect_uris": ["https://a.example.com/cb"], "token_endpoint_auth_method": "none"}}\n')


def test_a_client_copied_into_a_login_request_is_no_stored_registration():
    assert _rules(_SNAPSHOT, "login-request.json") == set()
    # The same client stored on its own, or under `client` of something else, is a record.
    stored = _SNAPSHOT.replace('"challenge": "c1", "requested_scope": ["openid"], ', "")
    assert _rules(stored, "clients.json") == {"NHG208"}
