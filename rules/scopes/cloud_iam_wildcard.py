"""NHG303: a cloud IAM grant of every action, or of a basic/admin role."""

from __future__ import annotations

from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import HCL, JSON, YAML
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid

from ._iam import aws_grants, gcp_grants, terraform_grants
from ._scopes import has_lone_star, may_spell


def _may_grant_all(text: str) -> bool:
    """Can a config tree hold what this rule reports: an Allow statement on resource
    `*`, the AdministratorAccess policy, or a basic role bound to a service
    account? (`Action` is common: GitHub workflows say `actions/checkout`.) An
    escape could spell any of them: parse."""
    if may_spell(text) or "AdministratorAccess" in text:
        return True
    if has_lone_star(text) and "allow" in text.lower():  # resource `*`
        return True
    return ("roles/owner" in text or "roles/editor" in text) and "serviceAccount:" in text


class CloudIamWildcard(Rule):
    """
    ## What it does
    Finds cloud IAM grants that hand a workload everything: AWS policy
    statements with `Effect: Allow`, an `Action` of `*` or `service:*` and
    `Resource: "*"` (policy JSON, YAML, CloudFormation, policy JSON embedded
    as a string, Terraform `aws_iam_policy_document` statements and inline
    `jsonencode`/heredoc policies), the `AdministratorAccess` managed policy
    attached anywhere, and GCP `roles/owner` / `roles/editor` bound to a
    `serviceAccount:` member.

    `Deny` statements, actions or resources limited to a bucket or prefix
    (`arn:aws:s3:::reports/*`) and basic roles given to people are not
    reported. Terraform is read line by line: a statement is the text
    between its braces.

    ## Why is this bad?
    Automation and agents that hold `*` on `*` can do anything a leaked key
    or an injected prompt asks for, including granting themselves more
    (OWASP NHI5 Overprivileged NHI, ASI03 Identity & Privilege Abuse).

    ## Example
    ```json
    {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    ```

    ## Use instead
    ```json
    {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],
                    "Resource": "arn:aws:s3:::reports/*"}]}
    ```
    """

    id = "NHG303"
    name = "CloudIamWildcard"
    kind = "kind/wildcard-scope"
    severity = "high"
    precision = "high"
    summary = "Cloud IAM grants every action on every resource, or a basic/admin role, to a workload."
    taxa = ("A1", "MAESTRO-L6", "NHI5:2025", "ASI03:2026", "CWE-250", "CWE-269", "CWE-732")
    keywords = ("Action", "AdministratorAccess", "roles/owner", "roles/editor")
    file_kinds = frozenset({JSON, YAML, HCL})
    scans_tests = False

    VALID = [
        Valid('{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],\n'
              '  "Resource": "arn:aws:s3:::reports/*"}]}\n', path="policy.json"),
        Valid('{"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",\n'
              '  "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}\n',
              path="deny.json"),
        Valid('{"Statement": [{"Effect": "Allow", "Action": "s3:*",\n'
              '  "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]}]}\n',
              path="bucket.json"),
        Valid("bindings:\n- role: roles/editor\n  members:\n  - user:alice@example.com\n",
              path="iam.yaml"),
        Valid('data "aws_iam_policy_document" "read" {\n  statement {\n'
              '    actions   = ["s3:GetObject"]\n    resources = ["*"]\n  }\n}\n', path="iam.tf"),
    ]
    INVALID = [
        Invalid('{"Version": "2012-10-17",\n "Statement": [{"Effect": "Allow",\n'
                '   "Action": "*", "Resource": "*"}]}\n', path="policy.json", line=3),
        Invalid("Resources:\n  AgentRole:\n    Type: AWS::IAM::Role\n    Properties:\n"
                "      ManagedPolicyArns:\n"
                "        - arn:aws:iam::aws:policy/AdministratorAccess\n",
                path="template.yaml", line=6),
        Invalid("bindings:\n- role: roles/owner\n  members:\n"
                "  - serviceAccount:agent@proj.iam.gserviceaccount.com\n", path="iam.yaml", line=4),
        Invalid('data "aws_iam_policy_document" "agent" {\n  statement {\n'
                '    actions   = ["iam:*"]\n    resources = ["*"]\n  }\n}\n', path="iam.tf", line=3),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        if doc.kind == HCL:
            for offset, text in terraform_grants(doc.text):
                line, column = doc.position(offset)
                yield self.report(doc, line, column, text)
            return
        if not _may_grant_all(doc.text):
            return  # spare the parse: nothing here can be a wildcard grant
        tree = doc.tree
        if tree is None:
            return
        seen: set[tuple[int, int]] = set()
        for root in tree.documents:
            for grant in [*aws_grants(root), *gcp_grants(root)]:
                if (grant.line, grant.column) not in seen:
                    seen.add((grant.line, grant.column))
                    yield self.report(doc, grant.line, grant.column, grant.message)
