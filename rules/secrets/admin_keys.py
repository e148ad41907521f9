"""NHG105: organisation-admin and service-account keys written as literals."""

from __future__ import annotations

from nhiguard.rule import Invalid, Valid

from ._providers import ProviderKeyRule, rule_keywords
from ._values import ALNUM, fake_key, minimal_keywords


def _service_account_json(private_key: str) -> str:
    return (
        "{\n"
        '  "type": "service_account",\n'
        '  "project_id": "agent-platform-prod",\n'
        f'  "private_key_id": "{fake_key("", 40, "0123456789abcdef")}",\n'
        f'  "private_key": "{private_key}",\n'
        '  "client_email": "agent-runner@agent-platform-prod.iam.gserviceaccount.com"\n'
        "}\n"
    )


def _openai_org_key(prefix: str, half: int = 74) -> str:
    """An OpenAI organisation key: two halves around the `T3BlbkFJ` marker."""
    return fake_key(prefix, half, seed="a") + "T3BlbkFJ" + fake_key("", half, seed="b")


_PEM_BODY = "\\n".join(fake_key(f"line{i}", 64, ALNUM + "+/") for i in range(8))
_PEM = f"-----BEGIN PRIVATE KEY-----\\n{_PEM_BODY}\\n-----END PRIVATE KEY-----\\n"


class ProviderAdminKey(ProviderKeyRule):
    """
    ## What it does
    Finds keys that administer a whole provider organisation or act as a
    cloud service account, written as literals: OpenAI admin (`sk-admin-`)
    and service-account (`sk-svcacct-`) keys, Anthropic admin keys
    (`sk-ant-admin01-`), and the `private_key` of a Google Cloud service
    account key file (reported on the `private_key` line).

    ## Why is this bad?
    These keys are not scoped to one agent or project: they create and revoke
    other keys, invite users, read billing, or act as a cloud identity with
    every role granted to it. They never expire on their own, so whoever
    copies one from the repository holds that power until someone notices.

    ## Example
    ```json
    {"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE..."}
    ```

    ## Use instead
    Revoke the key now. Give agents project-scoped keys loaded at run time,
    keep admin keys in a secret manager for the few people who need them, and
    replace service-account key files with workload identity federation
    (GitHub OIDC, GKE Workload Identity), which mints short-lived tokens.
    """

    id = "NHG105"
    name = "ProviderAdminKey"
    kind = "kind/long-lived-secret"
    severity = "critical"
    precision = "high"
    summary = "Organisation-admin or service-account key written as a literal."
    taxa = ("NHI2:2025", "NHI5:2025", "NHI7:2025", "ASI03:2026", "CWE-798", "CWE-250")
    keywords = minimal_keywords(rule_keywords(critical=True))
    critical_keys = True

    VALID = [
        Valid('admin = OpenAI(api_key=os.environ["OPENAI_ADMIN_KEY"])\n'),
        Valid(_service_account_json("-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n"),
              path="sa.json"),
        Valid('{"type": "authorized_user", "client_id": "x.apps.googleusercontent.com"}\n',
              path="adc.json"),
        Valid("ANTHROPIC_ADMIN_KEY=sk-ant-admin01-your-admin-key-here\n", path=".env"),
        Valid(f'key = "{fake_key("sk-proj-", 120)}"  # a project key is NHG101\n'),
        # Near misses: the wrong length is no key of these formats.
        Valid(f'ADMIN_KEY = "{fake_key("sk-admin-", 120)}"\n'),
        Valid(f"ANTHROPIC_ADMIN_KEY={fake_key('sk-ant-admin01-', 92, suffix='AA')}\n", path=".env"),
    ]
    INVALID = [
        Invalid(_service_account_json(_PEM), path="gcp-sa.json", line=5),
        Invalid(f'ADMIN_KEY = "{_openai_org_key("sk-admin-", 58)}"\n', line=1),
        Invalid(f"ANTHROPIC_ADMIN_KEY={fake_key('sk-ant-admin01-', 93, suffix='AA')}\n", path=".env"),
        Invalid(f"openai:\n  serviceAccountKey: {_openai_org_key('sk-svcacct-')}\n", path="values.yaml",
                line=2),
        Invalid(f"creds = {{'type': 'service_account', 'private_key': '{_PEM}'}}\n"),
    ]

    def message(self, provider: str) -> str:
        return f"{provider} written as a literal; it holds organisation-wide or cloud-identity power."
