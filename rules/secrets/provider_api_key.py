"""NHG101: API keys of AI and agent providers written as literals."""

from __future__ import annotations

import base64

from nhiguard.rule import Invalid, Valid

from ._providers import ProviderKeyRule, rule_keywords
from ._values import HEXDIGITS, fake_key, minimal_keywords

_OPENAI = fake_key("sk-proj-", 74, suffix="T3BlbkFJ") + fake_key("", 74)
_ANTHROPIC = fake_key("sk-ant-api03-", 93, suffix="AA")
_LANGSMITH = fake_key("lsv2_pt_", 32, HEXDIGITS) + fake_key("_", 10, HEXDIGITS)


def _b64(text: str, urlsafe: bool = False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(text.encode()).decode()


# A server config passed as base64 in a URL, as some MCP hosts take it.
_ENCODED_CONFIG = _b64('{"githubPersonalAccessToken": "' + fake_key("github_pat_", 82) + '"}')
_PLACEHOLDER_CONFIG = _b64('{"githubPersonalAccessToken": "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}')


class ProviderApiKey(ProviderKeyRule):
    """
    ## What it does
    Finds API keys and tokens of AI and agent providers written as literal
    values anywhere in the repository: OpenAI, Anthropic, Hugging Face,
    GitHub, GitLab, Slack, Google, Azure AD, Okta, Auth0, LangSmith, Pinecone,
    Cohere, Groq, Replicate, Perplexity, Mistral, xAI, OpenRouter, Stripe,
    HashiCorp Vault and AWS (access key IDs, secret access keys and Bedrock
    API keys), and of the tools agents reach through MCP servers (Supabase,
    Notion, Linear, npm, Sentry, Atlassian, Shopify, DigitalOcean, Postman,
    HubSpot, Langfuse, Tavily, Firecrawl, E2B, PyPI). An AWS key ID and its secret written within
    three lines of each other are one finding. Formats without a distinctive prefix (Cohere, Mistral, Okta,
    Auth0, AWS secret keys, and Sentry, Atlassian and Vault tokens of the
    formats before their prefixes) are only reported next to their
    provider's name, which may sit on the lines just above a value standing
    alone (an XML element, a YAML block scalar, a Terraform variable's
    `default`). Azure secrets are found URL-encoded too (`%7E` for `~`).
    Prefixed keys are also found inside base64 (a server config passed as
    `?config=eyJ...`, a Basic auth header, a Secret's `data`); the whole
    encoded run is masked in reports.
    Organisation-admin and service-account keys are reported by NHG105.

    A key in a known format is reported by this rule only: NHG102, NHG103 and
    NHG104 declare that this rule supersedes them, so when it runs they drop
    their finding on the same value.

    ## Why is this bad?
    A literal key never expires on its own, is copied into every clone, fork,
    image and build log, and cannot be traced to the agent that uses it.
    Anyone who reads the repository can act as the agent, and spend its quota.

    ## Example
    ```python
    client = Anthropic(api_key="sk-ant-api03-...")
    ```

    ## Use instead
    ```python
    client = Anthropic(api_key=os.environ["ANTHROPIC_API_KEY"])
    ```
    Revoke the exposed key first: it is in the history even after the line is
    deleted. Then load a short-lived credential from a secret manager or the
    environment at run time.
    """

    id = "NHG101"
    name = "ProviderApiKey"
    kind = "kind/long-lived-secret"
    severity = "high"
    precision = "high"
    summary = "API key of an AI or agent provider written as a literal."
    taxa = ("NHI2:2025", "NHI7:2025", "ASI03:2026", "CWE-798")
    keywords = minimal_keywords(rule_keywords(critical=False))

    VALID = [
        Valid('client = Anthropic(api_key=os.environ["ANTHROPIC_API_KEY"])\n'),
        Valid('aws_key = "AKIAIOSFODNN7EXAMPLE"  # AWS documentation example\n'),
        Valid("OPENAI_API_KEY=sk-proj-...REPLACE_ME\nGROQ_API_KEY=gsk_xxxxxxxxxxxxxxxxxxxxxxxxxxxx"
              "xxxxxxxxxxxxxxxxxxxxxxxx\n", path=".env"),
        Valid('"integrity": "sha512-AKIAQ2RST3UVW4XYZ5ABqq8T+hf_Ex9kL2mN/ghp_A1b2C3=="\n',
              path="package-lock.json"),
        Valid(f"mistral:\n  model: {fake_key('', 32)}\n", path="config.yaml"),
        Valid('HF_TOKEN = "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"\n'),
        Valid('google_api_key: "AIzaYourGoogleApiKeyHere_REPLACE_ME0000"\n', path="settings.yaml"),
        Valid(f'url: "wss://mcp.example.com/ws?config={_PLACEHOLDER_CONFIG}"\n', path="mcp.yaml"),
    ]
    INVALID = [
        Invalid(f'client = Anthropic(api_key="{_ANTHROPIC}")\n', line=1),
        Invalid(f"OPENAI_API_KEY={_OPENAI}\n", path=".env"),
        Invalid(f'token = "{fake_key("ghp_", 36)}"\n', line=1),
        Invalid(f"AWS_ACCESS_KEY_ID={fake_key('AKIA', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}\n"
                f"AWS_SECRET_ACCESS_KEY={fake_key('', 40)}\n", path=".env", count=1, line=1),
        Invalid(f"AWS_ACCESS_KEY_ID={fake_key('AKIA', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}\n"
                "# rotated 2026-01\n\n\n\n"
                f"AWS_SECRET_ACCESS_KEY={fake_key('', 40)}\n", path=".env", count=2),
        Invalid(f"export const client = new Client({{ apiKey: '{_LANGSMITH}' }});\n", path="app.ts"),
        Invalid(f"co = cohere.ClientV2(api_key=\"{fake_key('', 40)}\")\n", line=1),
        Invalid(f"groq:\n  api_key: {fake_key('gsk_', 52)}\n", path="values.yaml", line=2),
        Invalid(f'# url: "wss://mcp.example.com/ws?config={_ENCODED_CONFIG}"\n', path="mcp.yaml",
                line=1),
        Invalid(f"Authorization: Basic {_b64('x-access-token:' + fake_key('ghs_', 36), urlsafe=True)}\n",
                path="notes.md", line=1),
    ]
