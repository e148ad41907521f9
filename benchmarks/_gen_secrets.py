"""Planted findings for the benchmark tree: synthetic keys and the snippets that hold them.

Every key is drawn from the caller's seeded RNG in the public shape of the
provider's format (prefix, length, alphabet), so scanners recognise it, but it
is random and was never issued by anyone.
"""

from __future__ import annotations

import json
import random
import string

import _words as w

ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

# plant kind -> the kind of file that carries it (see _gen_code / _gen_config).
PLANT_HOSTS: dict[str, str] = {
    "openai-key-py": "py_module",
    "slack-token-py": "py_module",
    "client-secret-py": "py_module",
    "github-token-ts": "ts",
    "anthropic-key-k8s": "yaml_k8s",
    "client-secret-helm": "yaml_helm",
    "client-secret-env": "env",
    "aws-key-env": "env",
    "aws-key-tf": "tf",
    "mcp-env-token": "json_mcp",
    "mcp-header-token": "json_mcp",
    "dcr-payload": "json_dcr",
    "ci-static-aws-key": "yaml_workflow",
}
PLANT_KINDS: tuple[str, ...] = tuple(PLANT_HOSTS)


def _draw(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choices(alphabet, k=length))


def openai_key(rng: random.Random) -> str:
    body = _draw(rng, URLSAFE, 74) + "T3BlbkFJ" + _draw(rng, URLSAFE, 73)
    return "sk-proj-" + body + _draw(rng, ALNUM, 1)


def github_token(rng: random.Random) -> str:
    return "ghp_" + _draw(rng, ALNUM, 36)


def aws_key_pair(rng: random.Random) -> tuple[str, str]:
    return "AKIA" + _draw(rng, BASE32, 16), _draw(rng, ALNUM + "/+", 40)


def anthropic_key(rng: random.Random) -> str:
    return "sk-ant-api03-" + _draw(rng, URLSAFE, 93) + "AA"


def slack_bot_token(rng: random.Random) -> str:
    first = _draw(rng, string.digits, rng.randint(10, 13))
    second = _draw(rng, string.digits, rng.randint(10, 13))
    return f"xoxb-{first}-{second}-{_draw(rng, ALNUM, 24)}"


def client_secret(rng: random.Random) -> str:
    return _draw(rng, ALNUM, rng.randint(32, 44))


def any_provider_token(rng: random.Random) -> str:
    makers = (openai_key, github_token, anthropic_key, slack_bot_token)
    return makers[rng.randrange(len(makers))](rng)


def text_snippet(rng: random.Random, plant: str) -> tuple[str, str]:
    """A block of source text holding the planted finding, and a marker on its line."""
    if plant == "openai-key-py":
        key = openai_key(rng)
        if rng.random() < 0.5:
            return f'OPENAI_API_KEY = "{key}"\nclient = OpenAI(api_key=OPENAI_API_KEY)\n', key
        return f'llm = OpenAI(\n    api_key="{key}",\n    timeout=30,\n)\n', key
    if plant == "slack-token-py":
        token = slack_bot_token(rng)
        return f'SLACK_BOT_TOKEN = "{token}"\nslack = WebClient(token=SLACK_BOT_TOKEN)\n', token
    if plant == "client-secret-py":
        secret = client_secret(rng)
        return (
            "oauth = OAuth2Session(\n"
            f'    client_id="{w.kebab(rng)}-agent",\n'
            f'    client_secret="{secret}",\n'
            '    scope=["openid", "offline_access"],\n'
            ")\n",
            secret,
        )
    if plant == "github-token-ts":
        token = github_token(rng)
        return (
            f'const GITHUB_TOKEN = "{token}";\n'
            "export const octokit = new Octokit({ auth: GITHUB_TOKEN });\n",
            token,
        )
    if plant == "anthropic-key-k8s":
        key = anthropic_key(rng)
        name = w.kebab(rng)
        return (
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
            f"  name: {name}-agent-env\ndata:\n"
            f'  ANTHROPIC_MODEL: "claude-sonnet-4"\n  ANTHROPIC_API_KEY: "{key}"\n',
            key,
        )
    if plant == "client-secret-helm":
        secret = client_secret(rng)
        return (
            "oauth:\n  enabled: true\n"
            f"  clientId: {w.kebab(rng)}-agent\n"
            f'  clientSecret: "{secret}"\n'
            "  issuer: https://login.example.com/\n",
            secret,
        )
    if plant == "client-secret-env":
        secret = client_secret(rng)
        return f"OAUTH_CLIENT_ID={w.kebab(rng)}\nOAUTH_CLIENT_SECRET={secret}\n", secret
    if plant == "aws-key-env":
        key_id, secret = aws_key_pair(rng)
        return f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={secret}\n", key_id
    if plant == "aws-key-tf":
        key_id, secret = aws_key_pair(rng)
        return (
            'provider "aws" {\n'
            f'  region     = "{w.word(rng, w.REGIONS)}"\n'
            f'  access_key = "{key_id}"\n'
            f'  secret_key = "{secret}"\n'
            "}\n",
            key_id,
        )
    if plant == "ci-static-aws-key":
        return (
            "      - name: Configure AWS credentials\n"
            "        uses: aws-actions/configure-aws-credentials@v4\n"
            "        with:\n"
            "          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n"
            "          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n"
            f"          aws-region: {w.word(rng, w.REGIONS)}\n",
            "aws-access-key-id",
        )
    raise ValueError(f"no text snippet for plant {plant!r}")


def mcp_config(rng: random.Random, plant: str | None) -> tuple[str, str]:
    """An MCP client config (`mcp.json` shape); planted ones hold a literal token."""
    servers: dict[str, object] = {}
    for _ in range(rng.randint(1, 4)):
        name = w.kebab(rng)
        if rng.random() < 0.6:
            servers[name] = {
                "command": "npx",
                "args": ["-y", f"@acme/{name}-mcp"],
                "env": {f"{w.word(rng, w.NOUNS).upper()}_TOKEN": "${env:" + name.upper() + "}"},
            }
        else:
            servers[name] = {
                "type": "http",
                "url": f"https://{name}.internal.example.com/mcp",
                "headers": {"Authorization": "Bearer ${input:" + name + "-token}"},
            }
    marker = ""
    if plant == "mcp-env-token":
        marker = github_token(rng)
        servers["github"] = {
            "command": "docker",
            "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "mcp/github"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": marker},
        }
    elif plant == "mcp-header-token":
        marker = any_provider_token(rng)
        servers[w.kebab(rng)] = {
            "type": "http",
            "url": f"https://{w.word(rng, w.NOUNS)}.tools.example.com/mcp",
            "headers": {"Authorization": f"Bearer {marker}"},
        }
    return json.dumps({"servers": servers}, indent=2) + "\n", marker


def dcr_payload(rng: random.Random) -> tuple[str, str]:
    """An RFC 7591 registration request with no contacts, owner or expiry."""
    name = w.kebab(rng)
    payload = {
        "client_name": f"{name} agent",
        "redirect_uris": [f"https://{name}.example.com/oauth/callback"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
        "scope": rng.choice(["openid profile tools:*", "openid offline_access", "*"]),
        "software_id": w.hex_digest(rng, 8),
    }
    return json.dumps(payload, indent=2) + "\n", '"redirect_uris"'
