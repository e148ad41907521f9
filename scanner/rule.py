"""The rule contract (docs/architecture.md, "Rule").

A rule is one small class: metadata as class attributes, help as its
docstring in ruff's sections, worked VALID and INVALID examples, and a
`check(doc)` that yields findings. A rule never reads files, walks folders or
formats output; it never lets a secret out except through `report(secret=…)`,
which redacts it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Literal

from .detectsecrets import allowlisted, secret_hash
from .document import Document
from .filekinds import ALL_KINDS
from .finding import Finding, Level
from .policy import Policy
from .redact import contains_secret, pem_body_lines, render_snippet

Severity = Literal["critical", "high", "medium", "low"]
Precision = Literal["very-high", "high", "medium", "low"]

# GitHub reads `security-severity` as a score: >9 critical, 7-8.9 high, ...
SECURITY_SEVERITY: dict[str, str] = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
LEVELS: dict[str, Level] = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}

KINDS: dict[str, str] = {
    "kind/long-lived-secret": "a static credential written as a literal, or infrastructure "
    "that mints one with no or very long expiry",
    "kind/dcr-missing-ttl": "a dynamic client registration that sets no expiry for the client or its secret",
    "kind/dcr-missing-owner": "a dynamic client registration with no owner metadata",
    "kind/wildcard-scope": "a scope or permission grant that is a wildcard or full access",
    "kind/open-registration": "a registration endpoint anyone can use with no initial access token or policy",
    "kind/static-cloud-key-in-ci": "CI authenticating to a cloud with long-lived keys where OIDC exists",
    "kind/no-revocation-path": "dynamic registration with no way to deprovision the client",
}

HELP_SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead")


@dataclass(frozen=True)
class Example:
    """A worked example: `code` as the file at `path` (the name sets the file kind)."""

    code: str
    path: str = "example.py"


@dataclass(frozen=True)
class Valid(Example):
    """The rule must stay silent on this file."""


@dataclass(frozen=True)
class Invalid(Example):
    """The rule must report exactly `count` findings here, the first on `line` if given."""

    count: int = 1
    line: int | None = None


class Rule:
    id: ClassVar[str]
    name: ClassVar[str]
    kind: ClassVar[str]
    severity: ClassVar[Severity]
    precision: ClassVar[Precision]
    # One sentence: SARIF shortDescription and the `rules` listing.
    summary: ClassVar[str]
    # Taxon IDs from nhiguard.taxonomy: users' IDs, OWASP NHI, OWASP agentic, CWE.
    taxa: ClassVar[tuple[str, ...]]
    # Case-insensitive byte strings; the rule runs on a file only if one of
    # them occurs in it. Empty means "every file of my kinds" (use sparingly).
    keywords: ClassVar[tuple[str, ...]] = ()
    # Narrower keywords for some file kinds, in place of `keywords` there: a
    # rule that reads a config tree by many keys but Python by a few names
    # gates the costly parse on those names alone.
    kind_keywords: ClassVar[dict[str, tuple[str, ...]]] = {}
    file_kinds: ClassVar[frozenset[str]] = ALL_KINDS
    # Names of the Policy fields the rule reads; `nhiguard rules ID` shows their values.
    policy_settings: ClassVar[tuple[str, ...]] = ()
    # True for rules that report a credential merely for being written down:
    # they stay silent on values read from a secret store, where it belongs.
    literal_secret: ClassVar[bool] = False
    # IDs of the rules whose finding replaces this rule's on the same span (see
    # `nhiguard.engine.apply_precedence`): the engine drops this rule's finding only when one
    # of them ran and reported an overlapping span in the same file, so a rule
    # selected alone still reports everything it sees.
    superseded_by: ClassVar[tuple[str, ...]] = ()
    # False for structural rules (how registration, scopes or lifecycles are
    # set up): a test builds such a setup on purpose, so the engine skips the
    # rule on test code and recorded test data unless tests are included
    # (`nhiguard.testpaths`). A literal key in a test is still a leak: True.
    scans_tests: ClassVar[bool] = True
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or Policy()

    def check(self, doc: Document) -> Iterator[Finding]:
        raise NotImplementedError

    # -- helpers for subclasses ---------------------------------------------------------
    @property
    def level(self) -> Level:
        return LEVELS[self.severity]

    def report(
        self,
        doc: Document,
        line: int,
        column: int = 1,
        message: str = "",
        *,
        end_line: int | None = None,
        end_column: int | None = None,
        secret: str | None = None,
        public_prefix: str = "",
    ) -> Finding:
        """A finding at (line, column) whose snippet has `secret`, and every
        other secret-like value on the line, masked (`redact.render_snippet`).

        `public_prefix` is a fixed, non-secret marker of the key's format
        (`ghp_`, `sk-ant-api03-`) that the snippet may keep; nothing else of
        the secret is shown. The message must not contain the secret; a rule
        that slips is caught here rather than in a report.
        """
        secrets = (secret,) if secret else ()
        text = doc.line(line)
        if secrets and contains_secret(message, secrets):
            raise ValueError(f"{self.id}: finding message contains the secret")
        if end_line is None:
            end_line = line
        if end_column is None:
            end_column = max(column, len(text)) + 1 if end_line == line else column + 1
        return Finding(
            suppression=self._detect_secrets_suppression(doc, line, secret),
            rule_id=self.id,
            uri=doc.uri,
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            message=message or self.summary,
            snippet=render_snippet(text, column, secrets, public_prefix, doc.kind,
                                   pem_body=line in pem_body_lines(doc.text)),
            level=self.level,
        )

    def _detect_secrets_suppression(self, doc: Document, line: int, secret: str | None) -> str | None:
        """Why detect-secrets' own markings silence this literal secret, if they do."""
        if not secret:
            return None
        if secret_hash(secret) in self.policy.audited_secret_hashes:
            return "audited as not a secret in .secrets.baseline"
        if allowlisted(doc.line(line), doc.line(line - 1) if line > 1 else "", self.policy.allowlist_pragmas):
            return "pragma: allowlist secret"
        return None

    # -- help ------------------------------------------------------------------------------
    @classmethod
    def help_markdown(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def help_section(cls, heading: str) -> str:
        """The text under one `## heading` of the help."""
        text = cls.help_markdown()
        m = re.search(rf"^{re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
        return m.group(1).strip() if m else ""

    @classmethod
    def full_description(cls) -> str:
        return cls.help_section("## What it does") or cls.summary

    @classmethod
    def help_text(cls) -> str:
        """Plain-text help (SARIF `help.text`): markdown with code fences removed."""
        return re.sub(r"^```\w*\n?", "", cls.help_markdown(), flags=re.M).strip()

    @classmethod
    def help_uri(cls) -> str:
        return f"https://github.com/nhiguard/nhiguard/blob/main/docs/rules.md#{cls.id.lower()}"


def contract_problems(rule: type[Rule]) -> list[str]:
    """Everything a rule class gets wrong about the contract (empty when fine)."""
    from .taxonomy import TAXA

    problems = []
    rid = getattr(rule, "id", "")
    if not re.fullmatch(r"NHG[1-9]\d\d", rid):
        problems.append(f"id {rid!r} is not NHG + three digits")
    if not re.fullmatch(r"(?:[A-Z][a-z0-9]+)+", getattr(rule, "name", "")):
        problems.append("name is not PascalCase")
    if getattr(rule, "kind", None) not in KINDS:
        problems.append(f"kind {getattr(rule, 'kind', None)!r} is not in the vocabulary")
    if getattr(rule, "severity", None) not in SECURITY_SEVERITY:
        problems.append("severity must be critical, high, medium or low")
    if getattr(rule, "precision", None) not in ("very-high", "high", "medium", "low"):
        problems.append("precision must be very-high, high, medium or low")
    if not getattr(rule, "summary", ""):
        problems.append("summary is empty")
    for t in getattr(rule, "taxa", ()):
        if t not in TAXA:
            problems.append(f"unknown taxon {t!r}")
    if any(t.startswith("NHI3:") for t in getattr(rule, "taxa", ())):
        problems.append("NHI3:2025 is Vulnerable Third-Party NHI; the users' NHI-03 is not it")
    if not any(t.startswith("CWE-") for t in getattr(rule, "taxa", ())):
        problems.append("no CWE taxon")
    if not any(t.startswith("NHI") and ":" in t for t in getattr(rule, "taxa", ())):
        problems.append("no OWASP NHI 2025 taxon")
    help_md = rule.help_markdown()
    for heading in HELP_SECTIONS:
        if heading not in help_md:
            problems.append(f"help lacks {heading!r}")
    if not rule.VALID or not rule.INVALID:
        problems.append("needs at least one VALID and one INVALID example")
    from .policy import Policy

    for setting in rule.policy_settings:
        if not hasattr(Policy(), setting):
            problems.append(f"policy setting {setting!r} does not exist")
    unknown = set(rule.file_kinds) - ALL_KINDS
    if unknown:
        problems.append(f"unknown file kinds {sorted(unknown)}")
    for kind, words in rule.kind_keywords.items():
        if kind not in rule.file_kinds:
            problems.append(f"kind_keywords for {kind!r}, a kind the rule does not read")
        if not words:
            problems.append(f"kind_keywords for {kind!r} is empty (leave the kind out instead)")
    problems += _precedence_problems(rule)
    return problems


def _precedence_problems(rule: type[Rule]) -> list[str]:
    """`superseded_by` names other registered rules, and no chain of them
    leads back to this rule (a cycle would drop every finding on a span)."""
    from .registry import all_rule_classes

    known = {r.id: r for r in all_rule_classes()}
    own = getattr(rule, "superseded_by", ())
    if not isinstance(own, tuple):
        return ["superseded_by must be a tuple of rule IDs"]
    problems = [f"superseded_by names {rid!r}, which is no rule" for rid in own if rid not in known]
    if rule.id in own:
        problems.append("superseded_by names the rule itself")
    # Walk everything that supersedes the rule, directly or through others.
    stack, reached = [r for r in own if r in known], set()
    while stack:
        rid = stack.pop()
        if rid in reached:
            continue
        reached.add(rid)
        stack.extend(r for r in known[rid].superseded_by if r in known)
    if rule.id in reached and rule.id not in own:
        problems.append("superseded_by forms a cycle back to the rule")
    return problems
