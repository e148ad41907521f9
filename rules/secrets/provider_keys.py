"""NHG101: API keys of AI and agent providers written as literals."""

from __future__ import annotations

from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.finding import Finding
from nhiguard.patterns import PatternSet
from nhiguard.rule import Invalid, Rule, Valid

# (provider, regex). The regex's group 1 is the key itself.
PROVIDER_PATTERNS: list[tuple[str, str]] = [
    ("GitHub personal access token", r"\b(ghp_[0-9A-Za-z]{36})\b"),
    ("AWS access key ID", r"\b((?:AKIA|ASIA)[A-Z2-7]{16})\b"),
]

_PATTERNS = PatternSet(PROVIDER_PATTERNS)


class ProviderApiKey(Rule):
    """
    ## What it does
    Finds API keys of AI and agent providers (OpenAI, Anthropic, GitHub, AWS,
    ...) written as literal values in code or configuration.

    ## Why is this bad?
    A literal key never expires on its own, is copied into every clone, fork
    and build log, and cannot be traced to the agent that uses it. Anyone who
    reads the repository can act as the agent.

    ## Example
    ```python
    client = OpenAI(api_key="sk-proj-...")
    ```

    ## Use instead
    ```python
    client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
    ```
    Revoke the exposed key first, then load a short-lived credential from a
    secret manager or the environment at run time.
    """

    id = "NHG101"
    name = "ProviderApiKey"
    kind = "kind/long-lived-secret"
    severity = "high"
    precision = "high"
    summary = "API key of an AI or agent provider written as a literal."
    taxa = ("NHI2:2025", "NHI7:2025", "ASI03:2026", "CWE-798")
    keywords = ("ghp_", "AKIA", "ASIA")

    VALID = [
        Valid('token = os.environ["GITHUB_TOKEN"]\n'),
        Valid('aws_key = "AKIAIOSFODNN7EXAMPLE"  # AWS documentation example\n'),
    ]
    INVALID = [
        Invalid('token = "ghp_4pB8xZ2qL9mN7vR3tY6wK1sD5fG0hJ2cA8eQ"\n', line=1),
        Invalid("AWS_ACCESS_KEY_ID=AKIAZ7Q3N5R2W4T6Y7U2\n", path=".env"),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        for provider, match in _PATTERNS.finditer(doc.text):
            key = match.group(1)
            if key.endswith("EXAMPLE"):
                continue
            line, column = doc.position(match.start(1))
            yield self.report(doc, line, column, f"{provider} written as a literal.",
                              end_column=column + len(key), secret=key)
