"""What makes a scan cheaper must never change what it finds.

Kind-specific keyword gates (`Rule.kind_keywords`) keep a rule, and so a
parse, off files that cannot hold what it reads: each case compares the
findings with the gates as declared and with every rule gated by its general
keywords alone. The parsed views of a document are freed by reference
counting when it is done, and the cycle collector is paused per file and left
as it was found.
"""

from __future__ import annotations

import gc
import re
import weakref

import pytest
from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from nhiguard.document import Document
from nhiguard.engine import Prefilter, collector_paused, scan_artifact
from nhiguard.filekinds import JSON, PYTHON, kind_of
from nhiguard.policy import Policy
from nhiguard.registry import all_rule_classes
from nhiguard.rule import Rule, contract_problems
from nhiguard.rules.scopes import cloud_iam_wildcard, oauth_broad_scope, rbac_wildcard, tool_allow_all
from nhiguard.rules.scopes._scopes import has_lone_star
from nhiguard.rules.scopes.oauth_broad_scope import OauthBroadScope
from nhiguard.sources import Artifact

GATED = [r for r in all_rule_classes() if r.kind_keywords]


def _findings(uri: str, data: bytes, rules: list[Rule]) -> list[tuple[str, int, int, str]]:
    result = scan_artifact(Artifact(uri=uri, data=data), Prefilter(rules))
    assert not [n for n in result.notifications if n.kind == "rule-error"]
    return [(f.rule_id, f.line, f.column, f.message) for f in result.findings]


def _gated_and_open(uri: str, data: bytes, rule: Rule, monkeypatch: pytest.MonkeyPatch,
                    module: object, *gates: str) -> tuple[list, list]:
    """A rule's findings as shipped, and with the text gates of its module forced open."""
    gated = _findings(uri, data, [rule])
    for gate in gates:
        monkeypatch.setattr(module, gate, lambda *args: True)
    return gated, _findings(uri, data, [rule])


def _both_ways(uri: str, data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    gated = _findings(uri, data, [cls() for cls in GATED])
    with monkeypatch.context() as m:
        for cls in GATED:
            m.setattr(cls, "kind_keywords", {})
        ungated = _findings(uri, data, [cls() for cls in GATED])
    return gated, ungated


def test_some_rule_declares_kind_keywords():
    assert GATED


def test_tool_allow_all_python_gate_covers_every_name_it_reads():
    # The Python branch reads only `_APPROVE_KEYS` (compared lower-cased): each must
    # hold a keyword of the gate, or a file naming only it would never be read.
    words = [w.lower() for w in tool_allow_all.ToolAllowAll.kind_keywords[PYTHON]]
    for key in tool_allow_all._APPROVE_KEYS:
        assert any(w in key for w in words), key


CASES = {
    "kwarg.py": "options = ClaudeAgentOptions(allowed_tools=['*'])\n",
    "upper.py": "ALLOWED_TOOLS = ['*']\n",
    "camel.py": "cfg = {'alwaysAllow': ['*'], 'tools': ['*']}\n",
    "attribute.py": "settings.auto_approve_tools = '*'\n",
    "trusted.py": "agent = Agent(trusted_tools=('*',))\n",
    "tools-only.py": "tools = ['*']\nserver = {'mcpServers': {'x': {'tools': ['*'], 'trust': True}}}\n",
    "tools.json": '{"mcpServers": {"x": {"tools": ["*"], "trust": true}}}\n',
    "tools.yaml": "mcpServers:\n  x:\n    tools: ['*']\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_kind_gates_never_change_findings(name, monkeypatch):
    gated, ungated = _both_ways(name, CASES[name].encode(), monkeypatch)
    assert gated == ungated


def test_the_cases_find_something():
    found = [name for name, text in CASES.items()
             if _findings(name, text.encode(), [cls() for cls in GATED])]
    assert len(found) >= 6, found


def test_kind_gates_never_change_findings_on_fixtures_examples_and_rule_examples(monkeypatch):
    files = [(str(p), p.read_bytes()) for p in (ROOT / "tests" / "fixtures").rglob("*") if p.is_file()]
    files += [(str(p), p.read_bytes()) for p in (ROOT / "examples").rglob("*") if p.is_file()]
    files += [(ex.path, ex.code.encode()) for cls in all_rule_classes()
              for ex in [*cls.VALID, *cls.INVALID]]
    kinds = {kind for cls in GATED for kind in cls.kind_keywords}
    files = [(uri, data) for uri, data in files if kind_of(uri) in kinds]
    assert files
    for uri, data in files:
        gated, ungated = _both_ways(uri, data, monkeypatch)
        assert gated == ungated, uri


def test_a_python_file_naming_only_tools_is_not_parsed_for_the_tool_rule():
    rule = tool_allow_all.ToolAllowAll()
    prefilter = Prefilter([rule])
    data = b"tools = await session.list_tools()\ntrust = 1\n"
    assert prefilter.candidates(data, PYTHON)[0] == []
    assert prefilter.candidates(data, JSON)[0] == [rule]  # config trees read `tools` and `trust`
    assert prefilter.candidates(b"ALLOWEDTOOLS = x\n", PYTHON)[0] == [rule]


def test_kind_keywords_for_a_kind_the_rule_does_not_read_break_the_contract():
    class Odd(tool_allow_all.ToolAllowAll):
        kind_keywords = {"markdown": ("x",), PYTHON: ()}

    problems = contract_problems(Odd)
    assert any("does not read" in p for p in problems)
    assert any("is empty" in p for p in problems)


def test_a_closed_document_is_freed_without_the_cycle_collector():
    with collector_paused():
        doc = Document("server.py", "from a import B\nx = B(scope='all')\n", PYTHON)
        view = doc.python
        assert view is not None and view.scopes and doc.lines
        ref = weakref.ref(view)
        doc.close()
        del view, doc
        assert ref() is None  # freed by reference counting alone


def test_the_collector_is_paused_per_file_and_restored():
    assert gc.isenabled()
    scan_artifact(Artifact(uri="a.py", data=b"scopes = ['*']\n"), Prefilter([]))
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a caller that turned it off keeps it off
    finally:
        gc.enable()


SCOPE_CASES = {
    "wildcard.py": "cfg = {'scope': '*'}\n",
    "escaped.py": "scope = '\\x2a'\n",
    "named.py": "SCOPES = ['\\N{ASTERISK}', 'read']\n",
    "plain.py": "SCOPES = ['all', 'repo']\ncancel_scope = None\n",
    "oauth.py": "client_id = 'x'\nSCOPES = ['all', 'repo']\n",
    "listed.py": "request(scope='files:all')\n",
    "spaced.py": "cfg = {'scope': 'read *'}\ntotal = a * b\n",
    "commas.py": 'scopes = "read,*"  # it\'s wide\n',
    "triple.py": 'SCOPES = """\nread\n*\n"""\n',
    "continued.py": 'scope = "read \\\n*"\n',
    "quote-in-string.py": 'note = "it\'s"; scope = \'*\'\n',
    "octal.py": "scope = '\\052'\n",
    "star-args.py": "def f(*args, **kw):\n    return g(*args, scope=kw)\nx = 'a' * 3\n",
    "camel.py": "client_id = 'x'\nconfig = dict(oauthScopes=['*'])\n",
    "not-a-scope-name.py": "client_id = 'x'\ntelescope = '*'\nscopes_seen = ['*']\n",
    "prose.py": '"""Token scope: the scope of all repos."""\n# widen the scope to all\nclient_id = "x"\n',
    "split-keyword.py": "client_id = 'x'\ntoken = fetch(URL,\n    scope\n    = 'repo')\n",
    "annotated.py": "client_id = 'x'\nSCOPES: list[str] = ['admin:org']\n",
    "attribute.py": "client_id = 'x'\nself.default_scopes = ('*',)\n",
    "spaced-key.py": "client_id = 'x'\ncfg = {'scope'  :  'repo'}\n",
    "oauth.yaml": "oauth:\n  client_id: agent\n  scopes:\n    - repo\n",
    "quoted.json": '{"client_id": "agent", "scope" : "*"}\n',
    "prose.yaml": "description: token scope is all repos\nclient_id: agent\n",
    "export.env": "CLIENT_ID=agent\nexport GITHUB_SCOPES=repo\n",
    "prefixed.py": "client_id = 'x'\nscope = R'repo'\n",
    "continued-line.py": "client_id = 'x'\nSCOPES = \\\n    ('repo',)\n",
    "joined.py": "client_id = 'x'\nfetch(scope=' '.join(['read', 'admin:org']))\n",
    "set.py": "client_id = 'x'\nscopes = {\n    'delete_repo'}\n",
    "names-only.py": "token = get()\nif scope == '*':\n    scope: str = other\nf(scope=scope)\n",
}


@pytest.mark.parametrize("name", sorted(SCOPE_CASES))
@pytest.mark.parametrize("listed", [(), ("files:all",)])
def test_the_broad_scope_parse_gate_never_changes_findings(name, listed, monkeypatch):
    rule = OauthBroadScope(Policy(broad_scopes=listed))
    gated, ungated = _gated_and_open(name, SCOPE_CASES[name].encode(), rule, monkeypatch,
                                     oauth_broad_scope, "_may_hold_wildcard", "_may_name_scopes")
    assert ungated == gated
    if name not in ("plain.py", "star-args.py", "not-a-scope-name.py", "prose.py", "prose.yaml",
                                 "names-only.py") \
            and (name != "listed.py" or listed):
        assert gated, name  # the cases exercise real findings


def test_the_broad_scope_gate_spares_the_parse_outside_oauth_code(monkeypatch):
    import ast

    parses: list[str] = []
    real_parse = ast.parse
    monkeypatch.setattr(ast, "parse", lambda *a, **k: parses.append("parse") or real_parse(*a, **k))
    for name, text in (("plain.py", "SCOPES = ['all', 'repo']\ncancel_scope = None\n"),
                       ("oauth.py", "client_id = 'x'\nSCOPES = ['all', 'repo']\n")):
        result = scan_artifact(Artifact(uri=name, data=text.encode()), Prefilter([OauthBroadScope()]))
        assert result.scanned
    assert parses == ["parse"]  # the OAuth file only


TOOL_CASES = {
    "mcp.json": '{"mcpServers": {"fs": {"command": "npx", "alwaysAllow": ["*"]}}}\n',
    "settings.json": '{"permissions": {"allow": ["mcp__github"]}}\n',
    "gemini.json": '{"mcpServers": {"fs": {"command": "npx", "trust": true}}}\n',
    "escaped.json": '{"mcpServers": {"fs": {"command": "npx", "alwaysAllow": ["\\u002a"]}}}\n',
    "explicit.yaml": "agent:\n  tools: [read_file, list_dir]\n",
    "trusted-name.json": '{"name": "@acme/trusted-model", "mcpServers": {"x": {"tools": ["a*"]}}}\n',
    "spaced-trust.yaml": "mcpServers:\n  fs:\n    command: npx\n    trust : true\n",
    "single-quoted.yaml": "mcpServers:\n  x:\n    alwaysAllow: [ '*' ]\n",
    "block.yaml": "mcpServers:\n  x:\n    autoApprove: >-\n      *\n",
    "newline-escapes.json": '{"note": "a\\nb \\"q\\"", "mcpServers": {"x": {"tools": ["a*"]}}}\n',
    "hex-escape.yaml": 'mcpServers:\n  x:\n    alwaysAllow: ["\\x2a"]\n',
}


RBAC_CASES = {
    "role.yaml": "kind: ClusterRole\nrules:\n- apiGroups: ['*']\n  resources: ['*']\n  verbs: ['*']\n",
    "binding.yaml": ("kind: ClusterRoleBinding\nroleRef:\n  kind: ClusterRole\n  name: cluster-admin\n"
                     "subjects:\n- kind: ServiceAccount\n  name: agent\n"),
    "escaped.json": ('{"kind": "Role", "rules": [{"apiGroups": [""], "resources": ["pods"],'
                     ' "verbs": ["\\u002a"]}]}\n'),
    "narrow.yaml": "kind: Role\nrules:\n- apiGroups: ['']\n  resources: [configmaps]\n  verbs: [get]\n",
    "block-star.yaml": ("kind: Role\nrules:\n- apiGroups: ['']\n  resources: [pods]\n"
                        "  verbs:\n  - |-\n    *\n"),
}


IAM_CASES = {
    "policy.json": '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}\n',
    "lower.yaml": "Statement:\n- Effect: allow\n  Action: ['s3:*']\n  Resource: '*'\n",
    "escaped.json": '{"Statement": [{"Effect": "Allow", "Action": "\\u002a", "Resource": "*"}]}\n',
    "admin.yaml": "ManagedPolicyArns:\n  - arn:aws:iam::aws:policy/AdministratorAccess\n",
    "embedded.yaml": 'Policy: \'{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}\'\n',
    "gcp.yaml": ("bindings:\n- role: roles/editor\n  members:\n"
                 "  - serviceAccount:a@p.iam.gserviceaccount.com\n"),
    "workflow.yaml": "jobs:\n  build:\n    steps:\n    - uses: actions/checkout@v4\n",
    "narrow.json": '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}\n',
    "quoted-json.yaml": 'Policy: "{\\"Statement\\": [{\\"Effect\\": \\"Allow\\", \\"Action\\": \\"*\\",'
                        ' \\"Resource\\": \\"*\\"}]}"\n',
    "prose.json": '{"Description": "Allow s3:* on arn:aws:s3:::b/* only\\n"}\n',
}


# Each config-file gate: (rule module, rule, gate, cases, the cases with no finding).
CONFIG_GATES = {
    "tool": (tool_allow_all, tool_allow_all.ToolAllowAll, "_may_approve_all", TOOL_CASES,
             {"explicit.yaml", "trusted-name.json", "newline-escapes.json"}),
    "rbac": (rbac_wildcard, rbac_wildcard.RbacWildcard, "_may_grant_all", RBAC_CASES, {"narrow.yaml"}),
    "iam": (cloud_iam_wildcard, cloud_iam_wildcard.CloudIamWildcard, "_may_grant_all", IAM_CASES,
            {"workflow.yaml", "narrow.json", "prose.json"}),
}


@pytest.mark.parametrize(("gate", "name"), [(gate, name) for gate, (*_, cases, _) in CONFIG_GATES.items()
                                           for name in sorted(cases)])
def test_the_config_gates_never_change_findings(gate, name, monkeypatch):
    module, rule, function, cases, silent = CONFIG_GATES[gate]
    gated, ungated = _gated_and_open(name, cases[name].encode(), rule(), monkeypatch, module, function)
    assert ungated == gated
    assert bool(gated) == (name not in silent)


# What `has_lone_star` finds, as the pattern it replaces (which `re` tried at every character).
_LONE_STAR = re.compile(r"""\\?["']\s*\*\s*\\?["']|^[ \t]*\*[ \t]*$""", re.M)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=list("*\"' \n\t\r\\a:-["), max_size=14))
def test_has_lone_star_finds_what_its_pattern_finds(text):
    assert has_lone_star(text) == bool(_LONE_STAR.search(text))


def test_the_real_code_gate_check_forces_every_gate_open():
    # `make bench-gates` proves the gates on real code only for those it lists.
    import importlib
    import pkgutil
    import sys

    import nhiguard.rules

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import gates_check
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    listed = {(module, name) for module, name in gates_check.GATES}
    for module, name in listed:
        assert callable(getattr(importlib.import_module(module), name, None)), (module, name)
    gate = re.compile(r"_?may_\w+|_worth_parsing")
    inner = {"may_spell"}  # asked inside the gates listed, not by a rule itself
    for info in pkgutil.walk_packages(nhiguard.rules.__path__, "nhiguard.rules."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if gate.fullmatch(name) and callable(value) and value.__module__ == info.name \
                    and name not in inner:
                users = {m for m, n in listed if n == name}
                assert users, f"{info.name}.{name} is a gate `make bench-gates` does not force open"


def test_a_json_document_is_loaded_once_for_every_secret_rule(monkeypatch):
    # NHG102 and NHG104 both read strict JSON whole; the document keeps what was read.
    import json

    from nhiguard.rules.secrets import _gate

    loads: list[str] = []
    real = json.loads
    monkeypatch.setattr(_gate.json, "loads", lambda text, **kw: loads.append(text) or real(text, **kw))
    rules = [cls() for cls in all_rule_classes() if cls.id in ("NHG102", "NHG104")]
    data = b'{"client_secret": "x", "api_token": "y"}\n'
    assert len(Prefilter(rules).candidates(data, JSON)[0]) == 2  # both rules read it
    scan_artifact(Artifact(uri="client.json", data=data), Prefilter(rules))
    assert len(loads) == 1
