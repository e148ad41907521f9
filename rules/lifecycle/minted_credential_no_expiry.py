"""NHG401: infrastructure that mints a credential with no or too long expiry."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import HCL, JSON, YAML
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid
from nhiguard.tree.node import Node

from ._iac import (
    Resource,
    cfn_outputs,
    cfn_resources,
    go_duration_seconds,
    is_true,
    kubernetes_kind,
    literal,
    seconds_until,
    source_text,
    terraform_outputs,
    terraform_resources,
)

# Azure AD passwords expire, but only after two years unless told otherwise.
_AZURE_PASSWORDS = frozenset({"azuread_application_password", "azuread_service_principal_password"})
# Keys that never expire on their own.
_STATIC_KEYS = {
    "google_service_account_key": "a Google service account key",
    "aws_iam_access_key": "an AWS IAM access key",
}
# A reference to the attribute that holds the minted secret, with an optional
# `[0]` / `["k"]` index (`count` and `for_each` resources).
_SECRET_REFERENCE = re.compile(
    r"\b(?:azuread_(?:application|service_principal)_password\.[\w-]+(?:\[[^\]]*\])?\.value"
    r"|google_service_account_key\.[\w-]+(?:\[[^\]]*\])?\.private_key"
    r"|aws_iam_access_key\.[\w-]+(?:\[[^\]]*\])?\.(?:secret|ses_smtp_password_v4))\b")
# Where a copied secret is kept in clear: resource type -> the arguments that hold it.
_PLAIN_STORES = {
    "aws_ssm_parameter": ("value", "insecure_value"),  # unless type = "SecureString"
    "local_file": ("content",),  # local_sensitive_file is the protected twin
    "kubernetes_config_map": ("data",),
    "kubernetes_config_map_v1": ("data",),
}
_CFN_ACCESS_KEY = "AWS::IAM::AccessKey"
_SA_TOKEN_TYPE = "kubernetes.io/service-account-token"

_TF = '''resource "azuread_application_password" "agent" {
  application_id = azuread_application.agent.id
  end_date_relative = "{}"
}
'''


class MintedCredentialNoExpiry(Rule):
    """
    ## What it does
    Finds infrastructure as code that mints a credential which never expires
    or lives longer than the policy's `max-secret-lifetime-days` (default 90):
    Terraform `azuread_application_password` / `azuread_service_principal_password`
    with no `end_date`/`end_date_relative` (Microsoft's default is two years)
    or one beyond the policy, `google_service_account_key` and
    `aws_iam_access_key` (keys with no expiry at all; a Google key uploaded
    with `public_key_data` or replaced through `keepers` by a `time_rotating`
    is left alone), CloudFormation
    `AWS::IAM::AccessKey`, and Kubernetes Secrets of type
    `kubernetes.io/service-account-token` (a token that never expires). It
    reports again, as worse, where the minted secret is exported in an
    `output` not marked `sensitive` or a CloudFormation `Outputs` entry, where
    it lands in state files, CI logs and stack descriptions, or copied into a
    store that keeps it in clear (an SSM `String` parameter, a `local_file`,
    a ConfigMap). Passwords whose
    lifetime is an expression (`time_rotating`) are taken as rotated.

    ## Why is this bad?
    A key minted once and kept forever is the credential attackers look for:
    it outlives the person who created it, the pipeline that used it and the
    incident that leaked it. Agents and CI jobs can prove who they are with
    short-lived, workload-bound credentials instead (OWASP NHI7 Long-Lived
    Secrets, NHI6 Insecure Cloud Deployment Configurations).

    ## Example
    ```hcl
    resource "google_service_account_key" "agent" {
      service_account_id = google_service_account.agent.name
    }
    output "agent_key" { value = google_service_account_key.agent.private_key }
    ```

    ## Use instead
    Use workload identity (GKE/AKS/EKS workload identity, IAM roles, OIDC
    federation, projected service-account tokens with `expirationSeconds`).
    Where a secret is unavoidable, bound and rotate it:
    ```hcl
    resource "time_rotating" "agent" { rotation_days = 60 }
    resource "azuread_application_password" "agent" {
      application_id     = azuread_application.agent.id
      end_date_relative  = "2160h"
      rotate_when_changed = { rotation = time_rotating.agent.id }
    }
    ```
    """

    id = "NHG401"
    name = "MintedCredentialNoExpiry"
    kind = "kind/long-lived-secret"
    severity = "high"
    precision = "high"
    summary = "Infrastructure mints a credential that never expires or outlives the policy."
    taxa = ("NHI-03", "MAESTRO-L6", "NHI7:2025", "NHI6:2025", "CWE-324", "CWE-798")
    keywords = ("azuread_application_password", "azuread_service_principal_password",
                "google_service_account_key", "aws_iam_access_key", _CFN_ACCESS_KEY,
                _SA_TOKEN_TYPE)
    file_kinds = frozenset({HCL, JSON, YAML})
    policy_settings = ("max_secret_lifetime_days",)
    scans_tests = False

    VALID = [
        Valid(_TF.replace("{}", "2160h"), path="main.tf"),
        Valid('resource "time_rotating" "r" { rotation_days = 30 }\n'
              'resource "azuread_application_password" "agent" {\n'
              '  application_id = azuread_application.agent.id\n'
              '  end_date       = time_rotating.r.rotation_rfc3339\n}\n', path="main.tf"),
        # A data source reads an existing key; it mints nothing.
        Valid('data "google_service_account_key" "k" { name = "projects/p/keys/1" }\n',
              path="main.tf"),
        Valid("apiVersion: v1\nkind: Pod\nmetadata: {name: agent}\nspec:\n  volumes:\n"
              "  - name: token\n    projected:\n      sources:\n      - serviceAccountToken:\n"
              "          path: token\n          expirationSeconds: 3600\n", path="pod.yaml"),
        Valid("Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n"
              "      AssumeRolePolicyDocument: {}\n", path="template.yaml"),
    ]
    INVALID = [
        Invalid(_TF.replace("{}", "17520h"), path="main.tf", line=3),
        Invalid('resource "azuread_service_principal_password" "agent" {\n'
                '  service_principal_id = azuread_service_principal.agent.id\n}\n',
                path="main.tf", line=1),
        Invalid('resource "aws_iam_access_key" "ci" {\n  user = aws_iam_user.ci.name\n}\n'
                'output "ci_secret" {\n  value = aws_iam_access_key.ci.secret\n}\n',
                path="main.tf", count=2, line=1),
        Invalid("Resources:\n  CiKey:\n    Type: AWS::IAM::AccessKey\n    Properties:\n"
                "      UserName: !Ref CiUser\n", path="template.yaml", line=3),
        Invalid("apiVersion: v1\nkind: Secret\nmetadata:\n  name: agent-token\n  annotations:\n"
                "    kubernetes.io/service-account.name: agent\n"
                "type: kubernetes.io/service-account-token\n", path="token.yaml", line=7),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        tree = doc.tree
        if tree is None:
            return
        for root in tree.documents:
            yield from self._terraform(doc, root)
            yield from self._copies(doc, root)
            yield from self._cloudformation(doc, root)
            if kubernetes_kind(root) == "Secret" and literal(root.get("type")) == _SA_TOKEN_TYPE:
                node = root.get("type")
                assert node is not None
                yield self.report(doc, node.line, node.column,
                                  "Kubernetes Secret of type service-account-token holds a token "
                                  "that never expires; use a projected token with "
                                  "`expirationSeconds`.")

    # -- Terraform ----------------------------------------------------------------------------
    def _terraform(self, doc: Document, root: Node) -> Iterator[Finding]:
        for res in terraform_resources(root, _AZURE_PASSWORDS | frozenset(_STATIC_KEYS)):
            problem = self._problem(res)
            if problem is not None:
                node, message = problem
                yield self.report(doc, node.line, node.column, message)
        # An output names the resource type in its reference, so it is judged on
        # its own: outputs usually sit in outputs.tf, away from the resource.
        for name, body in terraform_outputs(root):
            value = body.get("value")
            if value is None or is_true(body.get("sensitive")):
                continue
            m = _SECRET_REFERENCE.search(source_text(value))
            if m:
                yield self.report(doc, value.line, value.column,
                                  f"Output `{name}` exports `{m.group(0)}` and is not marked "
                                  "sensitive: it is printed in plan/apply logs and kept in "
                                  "clear in state.")

    def _copies(self, doc: Document, root: Node) -> Iterator[Finding]:
        """Minted secrets copied where they are kept in clear."""
        for res in terraform_resources(root, frozenset(_PLAIN_STORES)):
            if res.type == "aws_ssm_parameter" and literal(res.body.get("type")) == "SecureString":
                continue
            for key in _PLAIN_STORES[res.type]:
                value = res.body.get(key)
                m = _SECRET_REFERENCE.search(source_text(value)) if value is not None else None
                if value is not None and m:
                    yield self.report(doc, value.line, value.column,
                                      f"`{res.type}.{res.name}` copies `{m.group(0)}` into a "
                                      "store that keeps it in clear.")

    def _problem(self, res: Resource) -> tuple[Node, str] | None:
        what = f"`{res.type}.{res.name}`"
        if res.type in _STATIC_KEYS:
            if (literal(res.body.get("status")) or "").lower() == "inactive":
                return None
            if res.body.get("public_key_data") is not None:
                return None  # an uploaded public key: nothing is minted, its certificate expires
            keepers = res.body.get("keepers")
            if keepers is not None and "time_rotating." in source_text(keepers):
                return None  # replaced on every rotation
            return res.anchor, (f"{what} mints {_STATIC_KEYS[res.type]}, which never expires; "
                                "use workload identity federation instead.")
        limit = self.policy.max_secret_lifetime_seconds
        days = self.policy.max_secret_lifetime_days
        relative, absolute = res.body.get("end_date_relative"), res.body.get("end_date")
        if relative is None and absolute is None:
            return res.anchor, (f"{what} sets no `end_date`: the password lives two years "
                                f"(policy: {days} days).")
        for node, seconds in ((relative, go_duration_seconds(literal(relative) or "")),
                              (absolute, seconds_until(literal(absolute) or ""))):
            if node is not None and seconds is not None and seconds > limit:
                return node, (f"{what} lives {seconds / 86400:.0f} days, beyond the policy's "
                              f"{days}.")
        return None

    # -- CloudFormation -----------------------------------------------------------------------
    def _cloudformation(self, doc: Document, root: Node) -> Iterator[Finding]:
        keys: list[str] = []
        for res in cfn_resources(root, frozenset({_CFN_ACCESS_KEY})):
            if (literal(res.body.get("Status")) or "").lower() == "inactive":
                continue
            keys.append(res.name)
            yield self.report(doc, res.anchor.pos_line, res.anchor.pos_column,
                              f"CloudFormation `{res.name}` mints an IAM access key, which never "
                              "expires; use an IAM role instead.")
        if not keys:
            return
        for name, body in cfn_outputs(root):
            value = body.get("Value")
            if value is None:
                continue
            text = source_text(value)
            if any(f"{key}.SecretAccessKey" in text or
                   (key in text.split() and "SecretAccessKey" in text.split()) for key in keys):
                yield self.report(doc, value.line, value.column,
                                  f"Output `{name}` exports an IAM secret access key: it is "
                                  "shown in clear in the stack's description.")
