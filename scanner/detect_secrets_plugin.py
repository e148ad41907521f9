"""nhiguard's AI- and agent-provider key detectors as a detect-secrets plugin.

    pip install 'nhiguard[detect-secrets]'
    detect-secrets scan --plugin "$(python -m nhiguard.detect_secrets_plugin)"

The plugin runs nhiguard's own provider-key rules (NHG101, NHG105) on each
line detect-secrets hands it, so both tools agree on what an OpenAI,
Anthropic, Groq, LangSmith, GitHub, ... key looks like. Running this module
prints its own path, which is what `--plugin` takes.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.plugins.base import BasePlugin

# Absolute imports: detect-secrets loads this file by its path, outside the package.
from nhiguard.document import Document
from nhiguard.filekinds import kind_of
from nhiguard.registry import find_rule

# The rules whose findings span exactly a provider key.
PROVIDER_RULES = ("NHG101", "NHG105")


class NhiguardProviderKeyDetector(BasePlugin):
    """API keys of AI and agent providers, as nhiguard finds them."""

    secret_type = "AI or agent provider key (nhiguard)"  # noqa: S105 (a label, not a secret)

    def __init__(self, **_: Any) -> None:
        self._rules = [rule() for rule in map(find_rule, PROVIDER_RULES) if rule is not None]

    def keys(self, filename: str, line: str) -> Iterator[str]:
        doc = Document(filename, line, kind_of(filename))
        for rule in self._rules:
            for f in rule.check(doc):
                if f.line == 1 and f.end_line == 1:
                    yield line[f.column - 1:f.end_column - 1]

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        yield from self.keys("", string)

    def analyze_line(self, filename: str, line: str, line_number: int = 0, context: Any = None,
                     **kwargs: Any) -> set[PotentialSecret]:
        return {PotentialSecret(type=self.secret_type, filename=filename, secret=key,
                                line_number=line_number, is_verified=False)
                for key in set(self.keys(filename, line))}


if __name__ == "__main__":
    print(__file__)
