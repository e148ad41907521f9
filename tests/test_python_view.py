"""The shared Python model (`Document.python`) seen through the rules that read it.

Import aliases, subclasses through aliased bases, keyword arguments spread
from a dict and attributes set after construction are resolved once, in the
shared model, so every rule sees them. Each case has a hit and a near miss
that must stay silent.
"""

from __future__ import annotations

import pytest
from nhiguard.document import Document
from nhiguard.engine import scan
from nhiguard.registry import select_rules
from nhiguard.rules.secrets._values import fake_key
from nhiguard.sources import Artifact

_OPTIONS = "from mcp.server.auth.settings import ClientRegistrationOptions\n"
_PROXY_ARGS = 'upstream_client_id="tools", base_url="https://tools.example.com"'


def _findings(code: str, select: str = "NHG2") -> set[tuple[str, int]]:
    result = scan([Artifact(uri="server.py", data=code.encode())], select_rules([select]))
    assert result.notifications == []
    return {(f.rule_id, f.line) for f in result.findings}


CASES = {
    # `from x import Provider as P`
    "aliased provider": (
        "from fastmcp.server.auth.providers.github import GitHubProvider as GH\n"
        f"auth = GH({_PROXY_ARGS})\n",
        {("NHG204", 2), ("NHG206", 2), ("NHG208", 2)}),
    "aliased provider of another library": (
        "from myapp.auth import GitHubProvider as GH\n"
        f"auth = GH({_PROXY_ARGS})\n",
        set()),
    # `import fastmcp.server.auth as a`
    "aliased module": (
        "import fastmcp.server.auth as fa\n"
        f"auth = fa.OAuthProxy({_PROXY_ARGS})\n",
        {("NHG204", 2), ("NHG206", 2), ("NHG208", 2)}),
    "aliased module of another library": (
        "import myapp.auth as fa\n"
        f"auth = fa.OAuthProxy({_PROXY_ARGS})\n",
        set()),
    # `class Mine(Base)` through an aliased base, and a subclass of that.
    "subclass of an aliased proxy": (
        "from fastmcp.server.auth import OAuthProxy as Base\n"
        "class TeamProxy(Base):\n"
        "    pass\n"
        "class AuditedProxy(TeamProxy):\n"
        "    pass\n"
        f"auth = AuditedProxy({_PROXY_ARGS})\n",
        {("NHG204", 6), ("NHG206", 6), ("NHG208", 6)}),
    "subclass of an unrelated Base": (
        "from myapp.auth import Base\n"
        "class TeamProxy(Base):\n"
        "    pass\n"
        f"auth = TeamProxy({_PROXY_ARGS})\n",
        set()),
    # An aliased options class.
    "aliased registration options": (
        "from mcp.server.auth.settings import ClientRegistrationOptions as CRO\n"
        "opts = CRO(enabled=True)\n",
        {("NHG203", 2), ("NHG206", 2)}),
    # `kw = dict(...)` / `{...}`; `Options(**kw)`
    "options from a keyword dict": (
        f"{_OPTIONS}kw = dict(enabled=True)\nopts = ClientRegistrationOptions(**kw)\n",
        {("NHG203", 3), ("NHG206", 3)}),
    "options from a keyword dict with an expiry": (
        f'{_OPTIONS}kw = {{"enabled": True, "client_secret_expiry_seconds": 3600}}\n'
        "opts = ClientRegistrationOptions(**kw)\n",
        {("NHG206", 3)}),
    "options from a keyword dict set later": (
        f'{_OPTIONS}kw = {{}}\nkw["enabled"] = True\nopts = ClientRegistrationOptions(**kw)\n',
        {("NHG203", 4), ("NHG206", 4)}),
    "options from an unreadable keyword dict": (
        f"{_OPTIONS}kw = load_settings()\nopts = ClientRegistrationOptions(**kw)\n",
        set()),
    # `opts = Options(); opts.enabled = True`
    "options enabled after construction": (
        f"{_OPTIONS}opts = ClientRegistrationOptions()\nopts.enabled = True\n",
        {("NHG203", 2), ("NHG206", 2)}),
    "options given an expiry after construction": (
        f"{_OPTIONS}opts = ClientRegistrationOptions(enabled=True)\n"
        "opts.client_secret_expiry_seconds = 3600\n",
        {("NHG206", 2)}),
    "options disabled after construction": (
        f"{_OPTIONS}opts = ClientRegistrationOptions(enabled=True)\nopts.enabled = False\n",
        set()),
    "attribute set on a rebound name": (
        f"{_OPTIONS}opts = ClientRegistrationOptions()\nopts = Other()\nopts.enabled = True\n",
        set()),
    # AuthSettings(**settings): revocation read through the dict.
    "settings dict without revocation": (
        "from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions\n"
        "settings = dict(issuer_url=URL,\n"
        "                client_registration_options=ClientRegistrationOptions(\n"
        "                    enabled=True, client_secret_expiry_seconds=3600))\n"
        "auth = AuthSettings(**settings)\n",
        {("NHG206", 3), ("NHG208", 5)}),
    "settings dict with revocation": (
        "from mcp.server.auth.settings import (\n"
        "    AuthSettings, ClientRegistrationOptions, RevocationOptions)\n"
        "settings = dict(issuer_url=URL,\n"
        "                client_registration_options=ClientRegistrationOptions(\n"
        "                    enabled=True, client_secret_expiry_seconds=3600),\n"
        "                revocation_options=RevocationOptions(enabled=True))\n"
        "auth = AuthSettings(**settings)\n",
        {("NHG206", 4)}),
    # FastMCP's OAuth client registers unless given a client ID, also through **kw.
    "client options spread from a dict": (
        "from fastmcp.client.auth import OAuth\n"
        'opts = {"scopes": ["read"], "client_name": "notes-agent"}\n'
        'oauth = OAuth(mcp_url="https://tools.example.com/mcp", **opts)\n',
        {("NHG201", 3), ("NHG202", 3)}),
    "client ID spread from a dict": (
        "from fastmcp.client.auth import OAuth\n"
        'opts = {"client_id": "notes-agent"}\n'
        'oauth = OAuth(mcp_url="https://tools.example.com/mcp", **opts)\n',
        set()),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_resolution_through_rules(name):
    code, expected = CASES[name]
    assert _findings(code) == expected


def test_columns_count_characters_not_bytes():
    code = ('label = "Zugangsschlüssel für Agenten"; auth = GitHubProvider(base_url=u)\n'
            "from fastmcp.server.auth.providers.github import GitHubProvider\n")
    result = scan([Artifact(uri="server.py", data=code.encode())], select_rules(["NHG204"]))
    [finding] = result.findings
    assert (finding.line, finding.column) == (1, code.index("GitHubProvider") + 1)


def test_model_is_built_once_per_document():
    doc = Document("server.py", "from a import B as C\nx = C()\n", "python")
    view = doc.python
    assert view is not None and doc.python is view
    assert view.scopes is view.scopes
    assert view.imports == {"C": "a.B"}
    [(scope, call)] = list(view.calls())
    assert view.called(call) == "B"


def test_syntax_error_is_a_notification_with_the_exact_line():
    doc = Document("broken.py", 'x = 1\nif x:\n    y = (\nz = 2\n', "python")
    assert doc.python is None
    [note] = doc.notifications
    assert note.kind == "parse-error" and note.line == 3 and "line 3" in note.message


@pytest.mark.parametrize("text", ["x = 1\x00\n", "(" * 5000 + ")" * 5000 + "\n"])
def test_unparsable_input_is_a_notification(text):
    doc = Document("odd.py", text, "python")
    assert doc.python is None
    assert [n.kind for n in doc.notifications] == ["parse-error"]


def test_every_rule_reads_one_parse_of_a_file(monkeypatch):
    import ast

    parses: list[str] = []
    real_parse = ast.parse

    def counting_parse(source, *args, **kwargs):
        parses.append("parse")
        return real_parse(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting_parse)
    code = (f"{_OPTIONS}from fastmcp.server.auth import OAuthProxy\n"
            "opts = ClientRegistrationOptions(enabled=True)\n"
            f'proxy = OAuthProxy(upstream_client_secret="{fake_key("", 32)}")\n')
    result = scan([Artifact(uri="server.py", data=code.encode())],
                  select_rules(["NHG1", "NHG2"]))
    # NHG102, NHG203, NHG204, NHG206 and NHG208 all read the file...
    assert {"NHG102", "NHG203", "NHG204", "NHG206", "NHG208"} <= {f.rule_id for f in result.findings}
    # ...from a single parse.
    assert parses == ["parse"]


def test_js_view_is_built_once_and_masks_comments():
    text = "// clientSecretExpirySeconds: 0\nconst o = { clientSecretExpirySeconds: 0 };\n"
    doc = Document("server.ts", text, "typescript")
    js = doc.js
    assert js is not None and doc.js is js
    found = [(doc.position(at), value) for at, value in js.property_values("clientSecretExpirySeconds")]
    assert found == [((2, 13), 0)]
    assert Document("a.py", "x = 1\n", "python").js is None


def test_settings_given_registration_options_after_construction():
    code = ("from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions\n"
            "settings = AuthSettings(issuer_url=URL)\n"
            "settings.client_registration_options = ClientRegistrationOptions(\n"
            "    enabled=True, client_secret_expiry_seconds=3600)\n")
    assert _findings(code) == {("NHG206", 3), ("NHG208", 2)}


_REGISTER = ("httpx.post(meta['registration_endpoint'], json={\n"
             "        'client_name': 'report-agent', 'redirect_uris': ['http://localhost:8765/cb']})\n")


@pytest.mark.parametrize(("guard", "expected"), [
    ("with pytest.raises(httpx.HTTPStatusError):", set()),
    ("with self.assertRaises(ValueError), open('x'):", set()),
    ("with self.assertRaisesRegex(ValueError, 'no'):", set()),
    # Near misses: a block that is not an expected failure still registers.
    ("with httpx.Client() as client:", {"NHG201", "NHG202"}),
    ("with raising_allowed():", {"NHG201", "NHG202"}),
])
def test_a_registration_under_an_expected_failure_is_not_configuration(guard, expected):
    code = f"import httpx, pytest\ndef check(self):\n    {guard}\n        {_REGISTER}"
    assert _findings(code) == {(rule, 4) for rule in expected}  # the call is on line 4
    # After the block, the same call is configuration again.
    after = code + "    " + _REGISTER
    assert {rule for rule, line in _findings(after) if line == 6} == {"NHG201", "NHG202"}
