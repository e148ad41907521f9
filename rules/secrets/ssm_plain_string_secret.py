"""NHG106: a secret kept in an AWS Systems Manager parameter of type `String`."""

from __future__ import annotations

from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import JSON, YAML
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid
from nhiguard.tree.node import Node

from ._config import locate
from ._values import fake_key, is_oauth_secret_name, is_secret_name, looks_secret
from .provider_keys import find_provider_keys

# Parameter types that are stored and shown in clear; SecureString is KMS-encrypted.
PLAIN_TYPES = frozenset({"String", "StringList"})


def _leaf(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1]


def _text(node: Node | None) -> str | None:
    if node is None or not node.is_scalar or node.tag is not None or not isinstance(node.value, str):
        return None
    return node.value


def plain_parameters(root: Node) -> Iterator[tuple[str, str, Node]]:
    """(name, value, value node) of each Parameter Store record typed `String`
    or `StringList`: a mapping with `Type` and `Value` as the API returns it
    (`get-parameter(s)`, `get-parameters-by-path`) and as a CloudFormation
    `AWS::SSM::Parameter` declares it."""
    for _, node in root.walk():
        if not node.is_mapping:
            continue
        kind, value_node = _text(node.get("Type")), node.get("Value")
        value = _text(value_node)
        if kind in PLAIN_TYPES and value is not None and value_node is not None:
            yield _text(node.get("Name")) or "", value, value_node


def _secret_like(name: str, value: str) -> bool:
    """A random literal under a name that says secret. A key in a provider's
    format is NHG101's or NHG105's to report, so one secret gets one finding."""
    leaf = _leaf(name)
    return ((is_secret_name(leaf) or is_oauth_secret_name(leaf)) and looks_secret(value)
            and not any(True for _ in find_provider_keys(value)))


def ssm_secrets(root: Node) -> Iterator[tuple[str, str, Node]]:
    """(name, value, value node) of each plain parameter that holds a secret:
    what this rule reports, and what NHG104 therefore leaves alone."""
    return ((n, v, node) for n, v, node in plain_parameters(root) if _secret_like(n, v))


class SsmPlainStringSecret(Rule):
    """
    ## What it does
    Finds AWS Systems Manager Parameter Store parameters of type `String` or
    `StringList` whose value is a random-looking secret and whose name says it
    is a credential (`/agents/billing/client_secret`, `.../search_api_token`).
    A key in a known provider format is reported by NHG101 or NHG105 wherever
    it is (but not in a SecureString), so each secret gets one finding. It reads
    parameter records wherever they appear: what `nhiguard scan ssm://REGION/PATH`
    reads from a live Parameter Store (each parameter becomes a JSON record
    `{"Name", "Type", "Value", "DataType", "ARN"}`, exactly as
    `aws ssm get-parameter` prints it), saved exports of `aws ssm
    get-parameters-by-path`, and CloudFormation `AWS::SSM::Parameter`
    resources. References (`{{resolve:secretsmanager:...}}`, `${...}`) and
    placeholders are not secrets.

    ## Why is this bad?
    A `String` parameter is stored and returned in clear: anyone allowed
    `ssm:GetParameter*` on its path reads it, no KMS key policy stands in the
    way, the console shows it unmasked, and it is copied into templates,
    exports and logs. The credential lives
    as long as the parameter, with no rotation (OWASP NHI2 Secret Leakage,
    NHI7 Long-Lived Secrets).

    ## Example
    ```json
    {"Name": "/agents/billing/client_secret", "Type": "String",
     "Value": "k3Vd...7Q", "DataType": "text"}
    ```

    ## Use instead
    Store it as a `SecureString` (encrypted with a KMS key whose policy names
    who may decrypt), or in Secrets Manager with rotation, and reference it:
    ```json
    {"Name": "/agents/billing/client_secret", "Type": "SecureString",
     "Value": "AQICAHh...", "DataType": "text"}
    ```
    Rotate the exposed credential: it was readable in clear.
    """

    id = "NHG106"
    name = "SsmPlainStringSecret"
    kind = "kind/long-lived-secret"
    severity = "high"
    precision = "high"
    summary = "Secret stored in an SSM parameter of type String, in clear, not as a SecureString."
    taxa = ("NHI2:2025", "NHI7:2025", "NHI6:2025", "CWE-312", "CWE-522")
    # Every Parameter Store record carries DataType and an ssm ARN; templates name the type.
    keywords = ("DataType", "arn:aws:ssm:", "AWS::SSM::Parameter")
    file_kinds = frozenset({JSON, YAML})

    VALID = [
        Valid('{"Parameters": [{"Name": "/agents/billing/client_secret", "Type": "SecureString",\n'
              '  "Value": "9fK2mQ7xLp4Zr8Vt3Wn6Ys1B", "DataType": "text"}]}\n', path="params.json"),
        Valid('{"Parameter": {"Name": "/agents/billing/region", "Type": "String",\n'
              '  "Value": "eu-west-1", "DataType": "text"}}\n', path="param.json"),
        Valid("Resources:\n  Token:\n    Type: AWS::SSM::Parameter\n    Properties:\n"
              "      Name: /agents/billing/api_token\n      Type: String\n"
              "      Value: '{{resolve:secretsmanager:billing/api:SecretString:token}}'\n",
              path="template.yaml"),
        # A provider key: NHG101 reports it.
        Valid('{"Parameter": {"Name": "/agents/llm/openai_api_key", "Type": "String", "Value":\n'
              f'  "{fake_key("sk-ant-api03-", 93, suffix="AA")}", "DataType": "text"}}}}\n',
              path="param.json"),
    ]
    INVALID = [
        Invalid('{"Parameters": [\n  {"Name": "/agents/billing/client_secret", "Type": "String",\n'
                '   "Value": "9fK2mQ7xLp4Zr8Vt3Wn6Ys1B", "DataType": "text"}\n]}\n',
                path="params.json", line=3),
        Invalid("Resources:\n  SearchToken:\n    Type: AWS::SSM::Parameter\n    Properties:\n"
                "      Name: /agents/search/api_token\n      Type: StringList\n"
                f"      Value: {fake_key('', 36, seed='ssm')}\n",
                path="template.yaml", line=7),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        tree = doc.tree
        if tree is None:
            return
        for root in tree.documents:
            for name, value, node in ssm_secrets(root):
                line, column = locate(doc, node.pos_line, value, node.pos_column)
                what = f"`{name}`" if name else "a parameter"
                yield self.report(doc, line, column,
                                  f"SSM parameter {what} holds a secret as a plain String; "
                                  "store it as a SecureString.", secret=value)
