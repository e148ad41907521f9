"""Fuzzing: no view of a document and no rule's `check` raises, whatever the bytes.

Bad input must end in a notification, never in an exception. Texts are built
from fragments of every file kind (keys, quotes, brackets, PEM armour,
template markers, odd white space) so the parsers reach their corners, not
only their first error. `make fuzz` runs many more examples.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nhiguard.document import Document
from nhiguard.filekinds import ALL_KINDS
from nhiguard.registry import all_rule_classes

EXAMPLES = int(os.environ.get("NHIGUARD_FUZZ_EXAMPLES", "25"))
RULES = [cls() for cls in all_rule_classes()]
FRAGMENTS = (
    "client_secret", "client_id", "client_secret_expires_at", "registration_endpoint", ": ", "=",
    " = ", '"', "'", "`", "{", "}", "[", "]", "(", ")", ",", ":", "\n", "\r\n", "\t", "  ", "- ",
    "#", "//", "/*", "*/", "\\", "\\n", "${X}", "{{ x }}", "---", "...", "&a", "*a", "!!python/x",
    "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----", "export ", "[section]", "def f(",
    "async def ", "import os", "\x00", "\ufeff", "\u2028", "é", "0", "1e999", "true", "null",
    "sk-proj-", "ghp_", "AKIA", "auth0", "Bearer ", "OPENAI_API_KEY", "password", "apiKey",
    "registerClient(", "clientMetadata", "fetch(", "grant_types", "redirect_uris", "<<",
)
TEXTS = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=60).map("".join),
    st.text(max_size=200),
)


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(text=TEXTS, kind=st.sampled_from(sorted(ALL_KINDS)))
def test_views_and_rules_never_raise(text: str, kind: str) -> None:
    doc = Document(f"fuzzed.{kind}", text, kind)
    assert len(doc.lines) <= text.count("\n") + 1
    doc.tree  # noqa: B018 - building the view is the test
    doc.python  # noqa: B018
    for rule in RULES:
        if kind in rule.file_kinds:
            for finding in rule.check(doc):
                assert finding.line >= 1 and finding.rule_id == rule.id
    for n in doc.notifications:
        assert n.uri == doc.uri and n.message
