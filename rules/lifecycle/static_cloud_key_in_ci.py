"""NHG402: GitHub Actions authenticating to a cloud with long-lived keys."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import YAML
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid
from nhiguard.tree.node import Node

# (action, input that carries a long-lived credential, what to use instead)
_ACTIONS = (
    ("aws-actions/configure-aws-credentials", "aws-access-key-id",
     "role-to-assume, with the id-token write permission"),
    ("google-github-actions/auth", "credentials_json",
     "workload_identity_provider and service_account"),
    ("azure/login", "creds", "client-id, tenant-id and subscription-id"),
)
_ENV_KEY = "AWS_ACCESS_KEY_ID"
# A value CI stores for the long run, or a literal access key ID. Outputs of an
# earlier step (`steps.x.outputs...`) are what an OIDC exchange hands out.
_STORED = re.compile(r"\$\{\{\s*(?:secrets|vars)\.|\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")


_HANDED_OVER = re.compile(r"\$\{\{\s*(?:steps|needs)\.")


def _stored(node: Node | None) -> bool:
    return node is not None and bool(_STORED.search(node.text() or ""))


def _steps(root: Node) -> Iterator[Node]:
    """Steps of every job of a workflow, and of a composite action."""
    jobs = root.get("jobs")
    if jobs is not None and jobs.is_mapping:
        for _, job in jobs.entries:
            steps = job.get("steps") if job.is_mapping else None
            if steps is not None and steps.is_sequence:
                yield from (s for s in steps.items if s.is_mapping)
    runs = root.get("runs")
    steps = runs.get("steps") if runs is not None and runs.is_mapping else None
    if steps is not None and steps.is_sequence:
        yield from (s for s in steps.items if s.is_mapping)


def _envs(root: Node) -> Iterator[Node]:
    """Every `env:` mapping: workflow, job and step level."""
    for holder in [root, *(job for _, job in (root.get("jobs") or Node.mapping(1)).entries),
                   *_steps(root)]:
        env = holder.get("env") if holder.is_mapping else None
        if env is not None and env.is_mapping:
            yield env


class StaticCloudKeyInCi(Rule):
    """
    ## What it does
    Finds GitHub Actions workflows (and composite actions) that authenticate
    to a cloud with long-lived keys kept in CI: `aws-actions/configure-aws-credentials`
    given `aws-access-key-id`, `AWS_ACCESS_KEY_ID` set from a secret in a
    workflow, job or step `env`, `google-github-actions/auth` given
    `credentials_json` (a service account key), and `azure/login` given
    `creds` (a client secret). Values handed out by an earlier step (an OIDC
    exchange's outputs) and dummy keys for local emulators are not reported.

    ## Why is this bad?
    The key works from anywhere, for as long as nobody revokes it: every
    fork, log line, compromised action or departed maintainer that saw it
    keeps the cloud account. GitHub's OIDC token lets the job prove which
    repository, branch and workflow it is, and the cloud hands back a
    credential that expires within the hour (OWASP NHI7 Long-Lived Secrets,
    NHI6 Insecure Cloud Deployment Configurations).

    ## Example
    ```yaml
    - uses: aws-actions/configure-aws-credentials@v4
      with:
        aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
        aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
        aws-region: eu-west-1
    ```

    ## Use instead
    Federate the workflow's OIDC identity:
    ```yaml
    permissions:
      id-token: write
      contents: read
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: eu-west-1
      - uses: google-github-actions/auth@v2
        with:
          workload_identity_provider: projects/123/locations/global/workloadIdentityPools/gh/providers/gh
          service_account: deploy@my-project.iam.gserviceaccount.com
      - uses: azure/login@v2
        with:
          client-id: ${{ vars.AZURE_CLIENT_ID }}
          tenant-id: ${{ vars.AZURE_TENANT_ID }}
          subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}
    ```
    Then delete the old keys.
    """

    id = "NHG402"
    name = "StaticCloudKeyInCi"
    kind = "kind/static-cloud-key-in-ci"
    severity = "medium"
    precision = "high"
    summary = "CI authenticates to a cloud with long-lived keys where OIDC federation fits."
    taxa = ("NHI-03", "MAESTRO-L6", "NHI7:2025", "NHI6:2025", "CWE-324", "CWE-798")
    keywords = ("configure-aws-credentials", _ENV_KEY, "google-github-actions/auth", "azure/login")
    file_kinds = frozenset({YAML})
    scans_tests = False

    VALID = [
        Valid("permissions:\n  id-token: write\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
              "    steps:\n    - uses: aws-actions/configure-aws-credentials@v4\n      with:\n"
              "        role-to-assume: arn:aws:iam::123456789012:role/deploy\n"
              "        aws-region: eu-west-1\n", path=".github/workflows/deploy.yml"),
        Valid("jobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n"
              "      AWS_ACCESS_KEY_ID: test\n      AWS_SECRET_ACCESS_KEY: test\n"
              "    steps:\n    - run: pytest\n", path=".github/workflows/test.yml"),
        Valid("jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
              "    - uses: google-github-actions/auth@v2\n      with:\n"
              "        workload_identity_provider: ${{ vars.WIF_PROVIDER }}\n"
              "        service_account: ${{ vars.SA }}\n", path=".github/workflows/gcp.yml"),
    ]
    INVALID = [
        Invalid("jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
                "    - uses: aws-actions/configure-aws-credentials@v4\n      with:\n"
                "        aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n"
                "        aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n"
                "        aws-region: eu-west-1\n", path=".github/workflows/deploy.yml", line=7),
        Invalid("env:\n  AWS_ACCESS_KEY_ID: ${{ secrets.AWS_KEY }}\njobs:\n  sync:\n"
                "    runs-on: ubuntu-latest\n    steps:\n    - run: aws s3 sync out s3://site\n",
                path=".github/workflows/sync.yml", line=2),
        Invalid("jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
                "    - uses: azure/login@v2\n      with:\n"
                "        creds: ${{ secrets.AZURE_CREDENTIALS }}\n",
                path=".github/workflows/azure.yml", line=7),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        tree = doc.tree
        if tree is None:
            return
        for root in tree.documents:
            if not root.is_mapping or ("jobs" not in root and "runs" not in root):
                continue
            for step in _steps(root):
                uses = (step.get("uses") or Node.scalar(None, 1)).text() or ""
                with_ = step.get("with")
                for action, key, instead in _ACTIONS:
                    if not uses.lower().startswith(action + "@") or with_ is None \
                            or not with_.is_mapping:
                        continue
                    node = with_.get(key)
                    # Only an earlier step's (or job's) outputs can be short-lived here.
                    if node is not None and not _HANDED_OVER.search(node.text() or ""):
                        assert node is not None
                        yield self.report(doc, node.line, node.column,
                                          f"{action} is given a long-lived {key}; "
                                          f"federate the workflow's OIDC token instead: {instead}.")
            for env in _envs(root):
                node = env.get(_ENV_KEY)
                if _stored(node):
                    assert node is not None
                    yield self.report(doc, node.line, node.column,
                                      f"{_ENV_KEY} is set from a long-lived key in CI; use "
                                      "aws-actions/configure-aws-credentials with "
                                      "role-to-assume and the id-token write permission.")
