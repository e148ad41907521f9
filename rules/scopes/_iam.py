"""Cloud IAM grants read from config trees and Terraform text.

AWS policy statements (JSON, YAML, CloudFormation, policy JSON embedded as a
string), the AdministratorAccess managed policy, GCP IAM bindings, and a
line-based reading of Terraform `statement` blocks and inline policies (no
HCL tree is used here: a block is the text between matching braces).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from nhiguard.tree.node import Node

ADMIN_POLICY = re.compile(r"arn:aws[\w-]*:iam::aws:policy/AdministratorAccess\b")
GCP_BROAD_ROLES = frozenset({"roles/owner", "roles/editor"})


@dataclass
class Grant:
    line: int
    column: int
    message: str


def _texts(node: Node | None) -> list[tuple[str, Node]]:
    if node is None:
        return []
    items = node.items if node.is_sequence else [node]
    return [(t, n) for n in items if (t := n.text()) is not None]


def wildcard_action(action: str) -> bool:
    """`*` or a whole service (`s3:*`, `iam:*`)."""
    return action == "*" or re.fullmatch(r"[\w-]+:\*", action) is not None


def aws_statement(node: Node) -> Grant | None:
    """An Allow statement whose actions include `*`/`service:*` on resource `*`."""
    effect = node.get_ci("Effect")
    if effect is None or (effect.text() or "").lower() != "allow":
        return None
    actions = [(a, n) for a, n in _texts(node.get_ci("Action")) if wildcard_action(a)]
    resources = [r for r, _ in _texts(node.get_ci("Resource"))]
    if not actions or "*" not in resources:
        return None
    names = ", ".join(f"`{a}`" for a, _ in actions)
    at = actions[0][1]
    return Grant(at.pos_line, at.pos_column,
                 f"IAM policy allows {names} on every resource (`*`): scope the actions and resources.")


def aws_grants(root: Node) -> Iterator[Grant]:
    """Every wildcard statement in a tree, including policies embedded as JSON strings."""
    for _, node in root.walk():
        if node.is_mapping:
            grant = aws_statement(node)
            if grant:
                yield grant
        elif node.is_scalar and isinstance(node.value, str):
            text = node.value
            if ADMIN_POLICY.fullmatch(text.strip()):
                yield Grant(node.pos_line, node.pos_column,
                            "The AdministratorAccess managed policy grants every action on every resource.")
            elif text.lstrip().startswith("{") and "Statement" in text:
                yield from _embedded(text, node)


def _embedded(text: str, node: Node) -> Iterator[Grant]:
    try:
        data = json.loads(text)
    except ValueError:
        return
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            effect = str(item.get("Effect", "")).lower()
            actions = item.get("Action", [])
            resources = item.get("Resource", [])
            actions = actions if isinstance(actions, list) else [actions]
            resources = resources if isinstance(resources, list) else [resources]
            wild = [a for a in actions if isinstance(a, str) and wildcard_action(a)]
            if effect == "allow" and wild and "*" in resources:
                yield Grant(node.pos_line, node.pos_column,
                            f"Embedded IAM policy allows {', '.join(f'`{a}`' for a in wild)} "
                            "on every resource (`*`).")
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def gcp_grants(root: Node) -> Iterator[Grant]:
    """`roles/owner`/`roles/editor` bound to a `serviceAccount:` member."""
    for _, node in root.walk():
        if not node.is_mapping:
            continue
        role = node.get_ci("role")
        if role is None or role.text() not in GCP_BROAD_ROLES:
            continue
        members = _texts(node.get_ci("members")) + _texts(node.get_ci("member"))
        for member, at in members:
            if member.startswith("serviceAccount:"):
                yield Grant(at.pos_line, at.pos_column,
                            f"`{role.text()}` granted to a service account: basic roles give "
                            "near-total control of the project.")


# -- Terraform, line based -----------------------------------------------------------------
_TF_ACTIONS = re.compile(r"""(?<![\w-])(?:"?Action"?|actions)\s*[=:]\s*(\[[^\]]*\]|"[^"]*")""")
_TF_RESOURCES = re.compile(r"""(?<![\w-])(?:"?Resource"?|resources)\s*[=:]\s*(\[[^\]]*\]|"[^"]*")""")
_TF_DENY = re.compile(r"""(?<![\w-])"?[Ee]ffect"?\s*[=:]\s*"Deny\"""")
_TF_ROLE = re.compile(r"""\brole\s*=\s*"(roles/(?:owner|editor))\"""")
_TF_MEMBER = re.compile(r"""\bmembers?\s*=\s*\[?[^\n]*"serviceAccount:""")
_QUOTED = re.compile(r'"([^"]*)"')


def _block(text: str, at: int) -> tuple[int, int]:
    """The innermost `{...}` around offset `at` (by counting braces)."""
    depth, start = 0, 0
    for i in range(at - 1, -1, -1):
        c = text[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                start = i
                break
            depth -= 1
    depth, end = 0, len(text)
    for i in range(at, len(text)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                end = i
                break
            depth -= 1
    return start, end


def terraform_grants(text: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of wildcard statements, admin attachments and GCP basic roles."""
    for m in _TF_ACTIONS.finditer(text):
        wild = [a for a in _QUOTED.findall(m.group(1)) if wildcard_action(a)]
        if not wild:
            continue
        start, end = _block(text, m.start())
        block = text[start:end]
        res = _TF_RESOURCES.search(block)
        if res is None or "*" not in _QUOTED.findall(res.group(1)) or _TF_DENY.search(block):
            continue
        yield m.start(1), (f"IAM policy allows {', '.join(f'`{a}`' for a in wild)} on every "
                           "resource (`*`): scope the actions and resources.")
    for m in ADMIN_POLICY.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        before = text[line_start:m.start()]
        if "#" in before or "//" in before or not before.endswith('"'):
            continue  # a comment or prose, not an attachment
        yield m.start(), "The AdministratorAccess managed policy grants every action on every resource."
    for m in _TF_ROLE.finditer(text):
        start, end = _block(text, m.start())
        if _TF_MEMBER.search(text[start:end]):
            yield m.start(1), (f"`{m.group(1)}` granted to a service account: basic roles give "
                               "near-total control of the project.")
