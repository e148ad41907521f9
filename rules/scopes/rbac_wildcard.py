"""NHG304: Kubernetes RBAC wildcards and cluster-admin bound to a ServiceAccount."""

from __future__ import annotations

from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import JSON, YAML
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid
from nhiguard.tree.node import Node

from ._scopes import has_lone_star, may_spell

_ROLE_KINDS = frozenset({"Role", "ClusterRole"})
_BINDING_KINDS = frozenset({"RoleBinding", "ClusterRoleBinding"})
_FIELDS = ("verbs", "resources", "apiGroups")


def _wildcards(rule: Node) -> list[tuple[str, Node]]:
    """(field, node) of each `*` in a rule's verbs, resources and apiGroups."""
    found = []
    for name in _FIELDS:
        value = rule.get(name)
        for item in value.items if value is not None and value.is_sequence else []:
            if item.text() == "*":
                found.append((name, item))
    return found


def _may_grant_all(text: str) -> bool:
    """Can a manifest hold what this rule reports: a `*` scalar or a `cluster-admin`
    binding? An escape could spell either: parse."""
    return has_lone_star(text) or "cluster-admin" in text or may_spell(text)


class RbacWildcard(Rule):
    """
    ## What it does
    Finds Kubernetes RBAC that grants everything: a `Role`/`ClusterRole`
    rule with `*` among its `verbs`, `resources` or `apiGroups` (one finding
    per rule, on its first `*`), and a `RoleBinding`/`ClusterRoleBinding` of
    the `cluster-admin` role to a `ServiceAccount` (one per subject).
    `nonResourceURLs` globs and named roles are not reported.

    ## Why is this bad?
    A ServiceAccount token is mounted into every pod that uses it; with a
    wildcard or `cluster-admin`, anyone who runs code in such a pod (an
    agent following an injected prompt included) controls the cluster
    (OWASP NHI5 Overprivileged NHI, ASI03 Identity & Privilege Abuse).

    ## Example
    ```yaml
    kind: ClusterRole
    rules:
    - apiGroups: [""]
      resources: ["*"]
      verbs: ["*"]
    ```

    ## Use instead
    ```yaml
    kind: Role
    rules:
    - apiGroups: [""]
      resources: ["configmaps"]
      verbs: ["get", "list"]
    ```
    """

    id = "NHG304"
    name = "RbacWildcard"
    kind = "kind/wildcard-scope"
    severity = "high"
    precision = "high"
    summary = "Kubernetes RBAC rule with `*`, or cluster-admin bound to a ServiceAccount."
    taxa = ("A1", "MAESTRO-L6", "NHI5:2025", "ASI03:2026", "CWE-250", "CWE-269")
    # Every RBAC object names its API group; a bare kind is a fallback for trimmed manifests.
    keywords = ("rbac.authorization", "ClusterRole", "RoleBinding", "kind: Role", '"Role"')
    file_kinds = frozenset({YAML, JSON})
    scans_tests = False

    VALID = [
        Valid("kind: Role\nrules:\n- apiGroups: ['']\n  resources: [configmaps]\n"
              "  verbs: [get, list]\n", path="role.yaml"),
        Valid("kind: ClusterRole\nrules:\n- nonResourceURLs: ['/metrics', '/healthz/*']\n"
              "  verbs: [get]\n", path="metrics.yaml"),
        Valid("kind: ClusterRoleBinding\nroleRef:\n  kind: ClusterRole\n  name: cluster-admin\n"
              "subjects:\n- kind: Group\n  name: platform-admins\n", path="admins.yaml"),
    ]
    INVALID = [
        Invalid("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
                "metadata:\n  name: agent\nrules:\n- apiGroups: ['']\n  resources: ['*']\n"
                "  verbs: ['*']\n", path="role.yaml", line=8),
        Invalid("kind: ClusterRoleBinding\nroleRef:\n  kind: ClusterRole\n  name: cluster-admin\n"
                "subjects:\n- kind: ServiceAccount\n  name: agent\n  namespace: tools\n",
                path="binding.yaml", line=6),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        if not _may_grant_all(doc.text):
            return  # neither a wildcard nor cluster-admin: spare the parse
        tree = doc.tree
        if tree is None:
            return
        for root in tree.documents:
            for _, node in root.walk():
                if not node.is_mapping:
                    continue
                kind = node.get("kind")
                kind_name = kind.text() if kind is not None else None
                if kind_name in _ROLE_KINDS:
                    yield from self._role(doc, node)
                elif kind_name in _BINDING_KINDS:
                    yield from self._binding(doc, node)

    def _role(self, doc: Document, role: Node) -> Iterator[Finding]:
        rules = role.get("rules")
        for rule in rules.items if rules is not None and rules.is_sequence else []:
            found = _wildcards(rule) if rule.is_mapping else []
            if found:
                fields = ", ".join(sorted({name for name, _ in found}))
                at = found[0][1]
                yield self.report(doc, at.pos_line, at.pos_column,
                                  f"RBAC rule grants `*` in {fields}: list the verbs and "
                                  "resources the workload needs.")

    def _binding(self, doc: Document, binding: Node) -> Iterator[Finding]:
        ref = binding.get("roleRef")
        name = ref.get("name") if ref is not None and ref.is_mapping else None
        if name is None or name.text() != "cluster-admin":
            return
        subjects = binding.get("subjects")
        for subject in subjects.items if subjects is not None and subjects.is_sequence else []:
            kind = subject.get("kind") if subject.is_mapping else None
            if kind is not None and kind.text() == "ServiceAccount":
                yield self.report(doc, subject.line, subject.column,
                                  "`cluster-admin` is bound to a ServiceAccount: every pod using "
                                  "it controls the whole cluster.")
