"""Reading infrastructure as code from the config tree: Terraform (`.tf` and
`.tf.json`), CloudFormation (YAML or JSON) and Kubernetes manifests.

Every reader takes one document root and yields nodes with positions; none
of them evaluates an expression, so a reference is only ever a reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from nhiguard.tree.node import Node


@dataclass(frozen=True)
class Resource:
    """One declared resource: its type, its name and its body (arguments)."""

    type: str
    name: str
    body: Node
    # Where a finding about the whole resource points: the type label or `Type:` line.
    anchor: Node


def literal(node: Node | None) -> str | None:
    """A plain string value (no `!Ref`, no Terraform expression), else None."""
    if node is None or not node.is_scalar or node.tag is not None:
        return None
    return node.value if isinstance(node.value, str) else None


def source_text(node: Node) -> str:
    """Every scalar below `node` joined, so a reference can be searched for in
    any spelling: `aws_iam_access_key.ci.secret`, `!GetAtt Key.SecretAccessKey`,
    `{"Fn::GetAtt": ["Key", "SecretAccessKey"]}`."""
    return " ".join(n.text() or "" for _, n in node.walk() if n.is_scalar)


# -- Terraform -------------------------------------------------------------------------------
def terraform_resources(root: Node, types: frozenset[str]) -> Iterator[Resource]:
    """`resource "TYPE" "NAME" { ... }` blocks (and `.tf.json` objects) of the given types."""
    if not root.is_mapping:
        return
    for key, block in root.entries:
        if key != "resource" or not block.is_mapping:
            continue
        for rtype, named in block.entries:
            if rtype not in types or not named.is_mapping:
                continue
            for name, body in named.entries:
                if body.is_mapping:
                    yield Resource(rtype, name, body, named)


def terraform_outputs(root: Node) -> Iterator[tuple[str, Node]]:
    """(name, body) of every `output "NAME" { value = ... }`."""
    if not root.is_mapping:
        return
    for key, block in root.entries:
        if key == "output" and block.is_mapping:
            for name, body in block.entries:
                if body.is_mapping:
                    yield name, body


def is_true(node: Node | None) -> bool:
    return node is not None and (node.text() or "").strip().lower() == "true"


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms|us|µs|ns)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def go_duration_seconds(text: str) -> float | None:
    """Seconds in a Go duration such as Terraform's `end_date_relative = "2160h"`."""
    text = text.strip()
    if not text or _DURATION_PART.sub("", text) != "":
        return None
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))


def seconds_until(timestamp: str, now: datetime | None = None) -> float | None:
    """Seconds from now until an RFC 3339 timestamp (`end_date = "2030-01-01T00:00:00Z"`)."""
    try:
        when = datetime.fromisoformat(timestamp.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - (now or datetime.now(UTC))).total_seconds()


# -- CloudFormation --------------------------------------------------------------------------
def is_cfn_template(root: Node) -> bool:
    """This root is a CloudFormation template: a `Resources` mapping whose
    entries declare `Type: AWS::...` (or the template version key)."""
    if not root.is_mapping:
        return False
    if "AWSTemplateFormatVersion" in root:
        return True
    resources = root.get("Resources")
    if resources is None or not resources.is_mapping:
        return False
    return any(body.is_mapping and (literal(body.get("Type")) or "").startswith(("AWS::", "Custom::"))
               for _, body in resources.entries)


def cfn_resources(root: Node, types: frozenset[str]) -> Iterator[Resource]:
    """Resources of the given `Type` in a CloudFormation template."""
    if not is_cfn_template(root):
        return
    resources = root.get("Resources")
    assert resources is not None
    for name, body in resources.entries:
        type_node = body.get("Type") if body.is_mapping else None
        rtype = literal(type_node)
        if type_node is not None and rtype in types:
            properties = body.get("Properties")
            yield Resource(rtype, name, properties if properties is not None and properties.is_mapping
                           else Node.mapping(body.line), type_node)


def cfn_outputs(root: Node) -> Iterator[tuple[str, Node]]:
    """(name, body) of every entry under `Outputs`."""
    outputs = root.get("Outputs") if root.is_mapping else None
    if outputs is not None and outputs.is_mapping:
        for name, body in outputs.entries:
            if body.is_mapping:
                yield name, body


# -- Kubernetes ------------------------------------------------------------------------------
def kubernetes_kind(root: Node) -> str | None:
    """`kind` of a Kubernetes object (it has `apiVersion` too), else None."""
    if not root.is_mapping or root.get("apiVersion") is None:
        return None
    return literal(root.get("kind"))
