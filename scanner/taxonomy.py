"""The taxa nhiguard maps its rules to: OWASP NHI, OWASP agentic, CWE, the
two IDs users asked for by name (`NHI-03`, `A1`), and CSA MAESTRO's Layer 6
(`MAESTRO-L6`), which the same guidance cites beside them.

The users' IDs come from an industry guidance article, not from OWASP's own
numbering: `NHI-03` is not OWASP's NHI3:2025 ("Vulnerable Third-Party NHI").
Each rule therefore lists both the users' ID and the official items it
corresponds to (see docs/architecture.md, "Taxonomy"), and nothing is ever
tagged NHI3 because an ID reads NHI-03.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Component:
    """One taxonomy (a SARIF `toolComponent` in `run.taxonomies`)."""

    key: str
    name: str
    version: str
    organization: str
    information_uri: str
    short_description: str


@dataclass(frozen=True)
class Taxon:
    id: str
    name: str
    component: str
    help_uri: str
    tag: str


GUIDANCE = Component(
    key="guidance",
    name="NHI guidance IDs",
    version="1",
    organization="nhiguard",
    information_uri="https://github.com/nhiguard/nhiguard#taxonomy",
    short_description=(
        "Agent-identity guidance IDs users ask for by name (NHI-03, A1); "
        "each corresponds to official OWASP items listed beside it."
    ),
)
OWASP_NHI = Component(
    key="owasp-nhi",
    name="OWASP Non-Human Identities Top 10",
    version="2025",
    organization="OWASP",
    information_uri="https://owasp.org/www-project-non-human-identities-top-10/2025/top-10-2025/",
    short_description="OWASP Non-Human Identities Top 10, 2025 edition.",
)
OWASP_AGENTIC = Component(
    key="owasp-agentic",
    name="OWASP Top 10 for Agentic Applications",
    version="2026",
    organization="OWASP",
    information_uri="https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/",
    short_description="OWASP Top 10 for Agentic Applications, 2026 edition.",
)
CWE = Component(
    key="cwe",
    name="CWE",
    version="4.14",
    organization="MITRE",
    information_uri="https://cwe.mitre.org/data/published/cwe_v4.14.pdf",
    short_description="The MITRE Common Weakness Enumeration.",
)

MAESTRO = Component(
    key="maestro",
    name="CSA MAESTRO",
    version="2025",
    organization="Cloud Security Alliance",
    information_uri="https://cloudsecurityalliance.org/blog/2025/02/06/agentic-ai-threat-modeling-framework-maestro",
    short_description=(
        "CSA's MAESTRO threat-modelling framework for agentic AI (seven layers); "
        "Layer 6, Security & Compliance, governs agent identities."
    ),
)

COMPONENTS: dict[str, Component] = {c.key: c for c in (GUIDANCE, OWASP_NHI, OWASP_AGENTIC, CWE, MAESTRO)}

_NHI_BASE = "https://owasp.org/www-project-non-human-identities-top-10/2025/"
_NHI = {
    1: ("Improper Offboarding", "1-improper-offboarding"),
    2: ("Secret Leakage", "2-secret-leakage"),
    3: ("Vulnerable Third-Party NHI", "3-vulnerable-third-party-nhi"),
    4: ("Insecure Authentication", "4-insecure-authentication"),
    5: ("Overprivileged NHI", "5-overprivileged-nhi"),
    6: ("Insecure Cloud Deployment Configurations", "6-insecure-cloud-deployment-configurations"),
    7: ("Long-Lived Secrets", "7-long-lived-secrets"),
    8: ("Environment Isolation", "8-environment-isolation"),
    9: ("NHI Reuse", "9-nhi-reuse"),
    10: ("Human Use of NHI", "10-human-use-of-nhi"),
}
_ASI = {
    1: "Agent Goal Hijack",
    2: "Tool Misuse & Exploitation",
    3: "Identity & Privilege Abuse",
    4: "Agentic Supply Chain Vulnerabilities",
    5: "Unexpected Code Execution",
    6: "Memory & Context Poisoning",
    7: "Insecure Inter-Agent Communication",
    8: "Cascading Failures",
    9: "Human-Agent Trust Exploitation",
    10: "Rogue Agents",
}
_CWE = {
    250: "Execution with Unnecessary Privileges",
    262: "Not Using Password Aging",
    263: "Password Aging with Long Expiration",
    269: "Improper Privilege Management",
    272: "Least Privilege Violation",
    282: "Improper Ownership Management",
    284: "Improper Access Control",
    285: "Improper Authorization",
    306: "Missing Authentication for Critical Function",
    312: "Cleartext Storage of Sensitive Information",
    324: "Use of a Key Past its Expiration Date",
    522: "Insufficiently Protected Credentials",
    526: "Cleartext Storage of Sensitive Information in an Environment Variable",
    540: "Inclusion of Sensitive Information in Source Code",
    613: "Insufficient Session Expiration",
    732: "Incorrect Permission Assignment for Critical Resource",
    770: "Allocation of Resources Without Limits or Throttling",
    798: "Use of Hard-coded Credentials",
    862: "Missing Authorization",
    1188: "Initialization of a Resource with an Insecure Default",
    1390: "Weak Authentication",
}


def _build() -> dict[str, Taxon]:
    taxa: dict[str, Taxon] = {
        "NHI-03": Taxon(
            "NHI-03",
            "Dynamic registration needs expiry, ownership and revocation "
            "(corresponds to OWASP NHI7:2025 and NHI1:2025)",
            "guidance",
            GUIDANCE.information_uri,
            "NHI-03",
        ),
        "A1": Taxon(
            "A1",
            "Agent tool access governed at runtime, not trusted after onboarding "
            "(corresponds to OWASP ASI03:2026 and ASI02:2026)",
            "guidance",
            GUIDANCE.information_uri,
            "A1",
        ),
        # Cited by the same guidance beside NHI-03 and A1. MAESTRO has no
        # "govern" ID (that word is NIST AI RMF's); agent-identity governance
        # is its vertical Layer 6, Security & Compliance.
        "MAESTRO-L6": Taxon(
            "MAESTRO-L6",
            "Security & Compliance: governance of agent identities "
            "(corresponds to OWASP NHI1:2025, NHI7:2025 and ASI03:2026)",
            "maestro",
            MAESTRO.information_uri,
            "maestro/L6",
        ),
    }
    for n, (title, slug) in _NHI.items():
        tid = f"NHI{n}:2025"
        taxa[tid] = Taxon(tid, title, "owasp-nhi", _NHI_BASE + slug + "/", f"owasp-nhi/{tid}")
    for n, title in _ASI.items():
        tid = f"ASI{n:02d}:2026"
        taxa[tid] = Taxon(tid, title, "owasp-agentic", OWASP_AGENTIC.information_uri, f"owasp-asi/{tid}")
    for n, title in _CWE.items():
        tid = f"CWE-{n}"
        uri = f"https://cwe.mitre.org/data/definitions/{n}.html"
        taxa[tid] = Taxon(tid, title, "cwe", uri, f"external/cwe/cwe-{n}")
    return taxa


TAXA: dict[str, Taxon] = _build()


def taxon(taxon_id: str) -> Taxon:
    """The taxon for an ID such as `NHI7:2025`, `ASI03:2026`, `CWE-798`, `NHI-03`."""
    try:
        return TAXA[taxon_id]
    except KeyError:
        raise KeyError(f"unknown taxon {taxon_id!r}; known: see nhiguard.taxonomy.TAXA") from None
