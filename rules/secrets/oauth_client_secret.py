"""NHG102: OAuth client secrets, registration and initial access tokens written as literals."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from nhiguard.document import Document
from nhiguard.filekinds import ALL_KINDS, MARKDOWN, PYTHON
from nhiguard.finding import Finding
from nhiguard.patterns import lowered_in_place
from nhiguard.pyast import (
    call_name,
    dict_entries,
    dotted_name,
    keyword,
    positional,
    string_value,
    subscript_key,
    walk,
)
from nhiguard.rule import Invalid, Rule, Valid

from ._config import assignments, in_kubernetes_secret, is_template_file, locate, xml_entries
from ._gate import may_hold_secret, strict_json, strict_json_verdict
from ._values import fake_key, is_oauth_secret_name, looks_secret

if TYPE_CHECKING:
    from nhiguard.pyview import PythonView

# Calls that read a setting and take a default: os.getenv("X", "default"),
# python-decouple's config("X", default=...), environs' env.str("X", "default").
_ENV_GETTERS = ("os.getenv", "getenv", "os.environ.get", "environ.get", "os.environ.setdefault",
                "environ.setdefault", "env", "env.str", "config")
_WRAPPERS = ("SecretStr", "SecretBytes", "Field", "str")
_KEY = (r"[A-Za-z0-9_.-]*(?:client[_.-]?secret|client[_.-]?credential|consumer[_.-]?secret"
        r"|registration[_.-]?access[_.-]?token|initial[_.-]?access[_.-]?token)[A-Za-z0-9_]*")
# key = "v", key: 'v', "key": "v", key => "v", .clientSecret("v"), --client-secret v, KEY=v
_LINE = re.compile(
    rf"""(?<![A-Za-z0-9_])\\?["'`]?({_KEY})\\?["'`]?\s*(?:\]\s*)?"""
    rf"""(?:(?::=|=>|[:=(,]|\s)\s*\\?["'`]([^"'`\s\\]+)\\?["'`]|=[ \t]*([^\s"'`#;,)&]+))""",
    re.I,
)
# Client-secret names, one pattern per literal start for lower-cased text: `re` finds
# a literal fast, but tries an alternation at every character. Text where lower-casing
# would not do gets them as one case-insensitive pattern.
_KEY_WORDS_LOWER = tuple(re.compile(p) for p in (
    r"client[_.-]?(?:secret|credential)", r"consumer[_.-]?secret",
    r"registration[_.-]?access[_.-]?token", r"initial[_.-]?access[_.-]?token"))
_KEY_WORD = re.compile("|".join(p.pattern for p in _KEY_WORDS_LOWER), re.I)
_QUOTED = re.compile(r"""["'`]([^"'`\s\\]{16,})["'`]""")
_JS_DEFAULT = re.compile(
    rf"""process\.env\.({_KEY})\s*(?:\|\||\?\?)\s*["'`]([^"'`\s\\]+)["'`]""", re.I)


def label(key: str) -> str:
    flat = key.lower().replace("_", "").replace("-", "").replace(".", "")
    if flat.endswith("registrationaccesstoken"):
        return "Registration access token"
    if flat.endswith("initialaccesstoken"):
        return "Initial access token"
    return "OAuth client secret"


class OAuthClientSecretLiteral(Rule):
    """
    ## What it does
    Finds OAuth client secrets, RFC 7592 registration access tokens and
    RFC 7591 initial access tokens written as literal values: keyword
    arguments (`client_secret="..."`), assignments (`CLIENT_SECRET = "..."`),
    dict literals, `os.getenv("CLIENT_SECRET", "...")` defaults and
    `os.environ["CLIENT_SECRET"] = "..."` in Python; `client_secret` keys in
    YAML, JSON, TOML, INI and .env files; and `clientSecret: "..."`-style
    lines in JavaScript, TypeScript, shell, Terraform and other text. Only
    random-looking values are reported: references such as `${CLIENT_SECRET}`
    and placeholders such as `<client-secret>` are not.

    A value in a known provider format (an Azure `Q~` secret, a Google
    `GOCSPX-` secret) is reported by NHG101 instead.

    ## Why is this bad?
    The client secret is the whole identity of a confidential OAuth client:
    whoever holds it can request tokens as the agent, with every scope the
    client was granted. Secrets minted by dynamic client registration often
    never expire (`client_secret_expires_at: 0`), and a leaked registration
    access token lets anyone rewrite or delete the client registration.

    ## Example
    ```python
    oauth = OAuthProxy(client_id="agent-gateway", client_secret="********")  # a literal
    ```

    ## Use instead
    ```python
    oauth = OAuthProxy(client_id="agent-gateway", client_secret=os.environ["OAUTH_CLIENT_SECRET"])
    ```
    Rotate the secret at the authorization server, load it from a secret
    manager at run time, and prefer `private_key_jwt` client authentication
    or workload identity federation, which need no shared secret at all.
    """

    id = "NHG102"
    name = "OauthClientSecretLiteral"
    kind = "kind/long-lived-secret"
    severity = "high"
    precision = "high"
    summary = "OAuth client secret, registration or initial access token written as a literal."
    taxa = ("NHI-03", "MAESTRO-L6", "NHI2:2025", "NHI7:2025", "ASI03:2026", "CWE-798", "CWE-522")
    literal_secret = True
    keywords = tuple(
        a + sep + b
        for a, b in (("client", "secret"), ("client", "credential"), ("consumer", "secret"),
                     ("registration", "access"), ("initial", "access"))
        for sep in ("_", "-", ".", "")
    )
    file_kinds = ALL_KINDS - {MARKDOWN}
    # A key in a provider's format is reported under the provider's name; a
    # stored registration whose secret never expires is the stronger finding.
    superseded_by = ("NHG101", "NHG105", "NHG207")

    VALID = [
        Valid('oauth = OAuthProxy(client_id="agent", client_secret=os.environ["CLIENT_SECRET"])\n'),
        Valid('CLIENT_SECRET = os.getenv("CLIENT_SECRET", "")\nSECRET = settings.client_secret\n'),
        Valid('client_secret: "${OAUTH_CLIENT_SECRET}"\nclient_id: agent-gateway\n',
              path="config.yaml"),
        Valid('{"client_id": "s6BhdRkqt3", "client_secret": "<your-client-secret>"}\n',
              path="client.json"),
        Valid('const cfg = { clientSecret: process.env.CLIENT_SECRET, clientSecretExpiresAt: 0 };\n',
              path="auth.ts"),
        Valid("client_secret = 7Fjfp0ZBr1KtDRbnfVdmIw\n", path="oauth.ini"),
        Valid('registration_access_token = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\n'),
    ]
    INVALID = [
        Invalid(f'oauth = OAuthProxy(client_id="agent", client_secret="{fake_key("", 40)}")\n',
                line=1),
        Invalid(f'KeycloakOpenID(server_url=u, realm_name="r", client_secret_key="{fake_key("k", 31)}")\n'),
        Invalid(f'CLIENT_SECRET = os.getenv("CLIENT_SECRET", "{fake_key("", 32)}")\n'),
        Invalid(f'os.environ["REGISTRATION_ACCESS_TOKEN"] = "{fake_key("", 43)}"\n'),
        Invalid(f'payload = {{"grant_type": "client_credentials",\n'
                f'           "client_secret": "{fake_key("", 48)}"}}\n', line=2),
        Invalid(f"oauth:\n  upstream_client_secret: {fake_key('', 36)}\n", path="values.yaml", line=2),
        Invalid(f"export const auth = {{ clientSecret: '{fake_key('', 40)}' }};\n", path="auth.ts"),
        Invalid(f'[oauth]\nclient_secret = "{fake_key("", 32)}"\n', path="settings.toml", line=2),
        Invalid(f'class Settings(BaseSettings):\n    client_secret: SecretStr = Field(\n'
                f'        default="{fake_key("", 40, seed="pydantic")}")\n', line=3),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        if is_template_file(doc.uri):
            return
        # Outside Python (gated by `_worth_parsing`), every value read is a literal
        # of the text: with none that looks secret, skip the tree parse and the lines.
        # Strict JSON is read whole: only a value under a client-secret name counts.
        if doc.kind != PYTHON:
            verdict = strict_json_verdict(strict_json(doc), is_oauth_secret_name, containers=False)
            if not (may_hold_secret(doc.text) if verdict is None else verdict):
                return
        seen: set[tuple[int, int]] = set()
        for key, value, line in self._candidates(doc):
            if not is_oauth_secret_name(key) or not looks_secret(value):
                continue
            line, column = locate(doc, line, value)
            if (line, column) in seen:
                continue
            seen.add((line, column))
            yield self.report(doc, line, column, f"{label(key)} `{key}` written as a literal.",
                              end_column=column + len(value), secret=value)

    def _candidates(self, doc: Document) -> Iterator[tuple[str, str, int]]:
        if doc.tree is not None:
            for root in doc.tree.documents:
                for path, key, value, node in assignments(root):
                    if not in_kubernetes_secret(root, path):
                        yield key, value, node.pos_line
            return
        if doc.kind == PYTHON and not _worth_parsing(doc.text):
            return
        py = doc.python if doc.kind == PYTHON else None
        if py is not None:
            for key, node in _python_literals(py):
                value = string_value(node)
                if value is not None:
                    yield key, value, py.line(node)
            return
        yield from xml_entries(doc.text)
        for number, text in enumerate(doc.lines, 1):
            for m in _LINE.finditer(text):
                yield m.group(1), m.group(2) or m.group(3), number
            for m in _JS_DEFAULT.finditer(text):
                yield m.group(1), m.group(2), number


def _worth_parsing(text: str) -> bool:
    """Does a secret-looking string literal follow a client-secret name
    closely? If not, nothing can be reported and the costly parse is skipped."""
    low = lowered_in_place(text)
    keys = (_KEY_WORD.finditer(text) if low is None
            else (key for pattern in _KEY_WORDS_LOWER for key in pattern.finditer(low)))
    for key in keys:
        for literal in _QUOTED.finditer(text, key.end(), key.end() + 300):
            if looks_secret(literal.group(1)):
                return True
    return False


def _python_literals(py: PythonView) -> Iterator[tuple[str, ast.expr]]:
    """(name, value expression) for every string a Python module binds to a name."""
    for node in walk(py.module):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg is not None:
                    yield kw.arg, kw.value
            if call_name(node) in _ENV_GETTERS:
                name = string_value(positional(node, 0))
                default = positional(node, 1) or keyword(node, "default")
                if name is not None and default is not None:
                    yield name, default
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                name = _target_name(target)
                if name:
                    yield name, _unwrap(node.value)
        elif isinstance(node, ast.AnnAssign):
            name = _target_name(node.target)
            if name and node.value is not None:
                yield name, _unwrap(node.value)
        elif isinstance(node, ast.Dict):
            yield from dict_entries(node)
        elif isinstance(node, ast.arguments):
            yield from _parameter_defaults(node)


def _parameter_defaults(args: ast.arguments) -> Iterator[tuple[str, ast.expr]]:
    """`def f(client_secret="v")`: defaults belong to the last parameters."""
    positional_params = args.posonlyargs + args.args
    for param, default in zip(positional_params[len(positional_params) - len(args.defaults):],
                              args.defaults, strict=True):
        yield param.arg, default
    for param, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if kw_default is not None:
            yield param.arg, kw_default


def _unwrap(value: ast.expr) -> ast.expr:
    """`SecretStr("v")`, pydantic `Field("v")` / `Field(default="v")` -> the literal."""
    if isinstance(value, ast.Call) and (call_name(value) or "").rsplit(".", 1)[-1] in _WRAPPERS:
        inner = keyword(value, "default") or positional(value, 0)
        if inner is not None:
            return inner
    return value


def _target_name(target: ast.expr) -> str | None:
    """`CLIENT_SECRET`, `self.client_secret` -> its last name; `x["client_secret"]` -> the key."""
    if isinstance(target, ast.Subscript):
        return subscript_key(target)
    name = dotted_name(target)
    return name.rsplit(".", 1)[-1] if name else None
