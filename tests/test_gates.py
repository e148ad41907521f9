"""The text gates that let NHG102 and NHG104 skip a parse never change a finding.

Each case runs the rules twice: as shipped, and with every gate forced open
(always "parse"). The findings must be the same. The cases are the shapes the
gates reason about: values whose key sits on another line, multi-line
values, containers, Kubernetes Secrets, escapes, aliases, flow collections.
"""

from __future__ import annotations

import base64

import pytest
from helpers import ROOT
from nhiguard.engine import Prefilter, scan_artifact
from nhiguard.registry import all_rule_classes
from nhiguard.rules.secrets import _gate, config_store_secret, oauth_client_secret
from nhiguard.rules.secrets._values import MIN_LENGTH, fake_key, looks_secret
from nhiguard.sources import Artifact

SECRET_RULES = [r for r in all_rule_classes() if r.id.startswith("NHG1")]
S = fake_key("", 32, seed="gate")  # random-looking, no provider format
PEM = ("-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(fake_key("", 64, seed=str(i)) for i in range(6))
       + "\n-----END RSA PRIVATE KEY-----\n")

LONG_JWT = ".".join(fake_key("", n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                             seed=str(n)) for n in (36, 420, 342))

CASES: dict[str, str] = {
    "plain.yaml": f"service:\n  api_token: {S}\n",
    "unwanted.yaml": f"service:\n  build_id: {S}\n",
    "json.json": f'{{"svc": {{"api_token": "{S}"}}}}\n',
    "json-next-line.json": f'{{"api_token":\n  "{S}"}}\n',
    "next-line.yaml": f"api_token:\n  {S}\n",
    "block.yaml": f"api_token: |\n  {S}\n",
    "folded.yaml": f"api_token: >-\n  {S}\n",
    "embedded.yaml": f"data:\n  app.properties: |\n    db.password={S}\n    mode: x\n",
    "embedded-colon.yaml": f"data:\n  app.conf: |\n    api_token: {S}\n",
    "plain-continued.yaml": f"note: api_token={S}\n\n  more\n",
    "plain-continued-colon.yaml": f"note: api_token:{S}\n\n  more\n",
    "quoted-continued.yaml": f'note: "head\n\n  api_token: {S}"\n',
    "container.yaml": f"agent:\n  secrets:\n    search: {S}\n",
    "container-flow.yaml": f"agent:\n  credentials: {{search: {S}}}\n",
    "container-json.json": f'{{"agent": {{"creds": {{"search": "{S}"}}}}}}\n',
    "container-scalar.yaml": f"existingSecret: agent-secret\nbuild_id: {S}\n",
    "container-continued.yaml": f"creds: a=b\n\n  search={S}\n",
    "container-camel.yaml": f"dbCredentials:\n  main: {S}\n",
    "container-trailing.yaml": f"my_secrets_:\n  main: {S}\n",
    "complex-key.yaml": f"? secrets\n:\n  search: {S}\n",
    "flow-key.yaml": f"items: [api\n  key: {S}]\n",
    "name-value.yaml": f"env:\n  - name: API_TOKEN\n    value: {S}\n",
    "name-value-far.yaml": f"env:\n  - value: {S}\n    other: x\n    name: SEARCH_API_KEY\n",
    "default.yaml": f"Parameters:\n  ApiToken:\n    Type: String\n    Default: {S}\n",
    "alias.yaml": f"base: &b {S}\nservice:\n  api_token: *b\n",
    "merge.yaml": f"base: &b\n  api_token: {S}\nservice:\n  <<: *b\n",
    "compose.yaml": f"services:\n  app:\n    environment:\n      - API_TOKEN={S}\n",
    "compose-unwanted.yaml": f"services:\n  app:\n    environment:\n      - BUILD_ID={S}\n",
    "auth.yaml": f"headers:\n  Authorization: Bearer {S}\n",
    "escaped.yaml": 'api_token: "' + "".join(f"\\x{ord(c):02x}" for c in S) + '"\n',
    "escaped.json": '{"api_token": "' + "".join(f"\\u{ord(c):04x}" for c in S) + '"}\n',
    "lone-cr.yaml": f"a: b # note\rapi_token: {S}\n",
    "crlf.yaml": f"service:\r\n  api_token: {S}\r\n",
    "unicode-key.yaml": f"secrets\u212a:\n  search: {S}\n",
    "comment.yaml": f"build_id: abc # api_token: {S}\n",
    "secret.yaml": ("apiVersion: v1\nkind: Secret\ndata:\n  search: "
                    f"{base64.b64encode(S.encode()).decode()}\n"),
    "secret-json.json": ('{"apiVersion": "v1", "kind": "Secret", "data": {"search": "'
                         f'{base64.b64encode(S.encode()).decode()}"}}}}\n'),
    "kubeconfig.yaml": ("users:\n- user:\n    client-key-data: "
                        f"{base64.b64encode(PEM.encode()).decode()}\n"),
    "pem.yaml": "tls:\n  key: |\n" + "".join(f"    {line}\n" for line in PEM.splitlines()),
    "oauth.yaml": f"oauth:\n  upstream_client_secret: {S}\n",
    "oauth-query.yaml": f"hook: https://x.example.com/cb?client_secret={S}&a=b\n",
    "oauth.env": f"OAUTH_CLIENT_SECRET={S}\n",
    "settings.ini": f"[database]\npassword = {S};note\n",
    "settings.toml": f'[secrets]\nsearch = "{S}"\n',
    "settings-dotted.toml": f'secrets.search = "{S}"\n',
    "app.env": f'API_TOKEN="{S}"\nCREDS="a=1\nsearch={S}"\n',
    "auth.ts": f"const auth = {{ clientSecret: '{S}' }};\n",
    "auth.sh": f"curl -d client_secret={S}&grant_type=x https://x.example.com\n",
    "auth-comment.sh": f"export CLIENT_SECRET={S}#note\n",
    "embedded-comment.yaml": f"data:\n  app.properties: |\n    api_token={S}#note\n",
    "embedded-comment.ini": f"[app]\nblob =\n  api_token={S}#x\n",
    # Longer than eight times its distinct characters: an RS256-signed JWT, a long key.
    "long-jwt.yaml": f"oauth:\n  client_secret: {LONG_JWT}\n",
    "long-jwt.env": f"API_TOKEN={LONG_JWT}\n",
    "long-key.json": f'{{"api_token": "{fake_key("", 700, seed="long")}"}}\n',
    # An empty string says nothing, whatever its key looks like.
    "empty-value.json": f'{{\n  "ResourceIdTemplate": "",\n  "{S}": "",\n  "api_token": "{S}"\n}}\n',
    "empty-quoted.yaml": f"name: ''\n{S}: \"\"\napi_token: {S}\n",
    "empty-then-block.yaml": f'api_token: ""\nother: |\n  api_token={S}\n',
    # Strict JSON is read whole by the `json` module: values, not keys or prose words.
    "prose.json": f'{{"Description": "Best Practices/Network Security", "api_token": "{S}"}}\n',
    "env-items.json": f'{{"environment": ["MODE=x", "API_TOKEN= {S}"]}}\n',
    "auth-header.json": f'{{"headers": {{"Authorization": "Bearer {S}"}}}}\n',
    "duplicate-key.json": f'{{"api_token": "{S}", "api_token": "x"}}\n',
    "name-value.json": f'{{"env": [{{"name": "SEARCH_API_KEY", "value": "{S}"}}]}}\n',
    "jsonc.json": f'{{\n  // a comment\n  "api_token": "{S}",\n}}\n',
    "nested.json": f'[[[{{"a": [{{"b": {{"svc_password": "{S}"}}}}]}}]]]\n',
    "escaped-lines.json": f'{{"note": "see \\"docs\\"", "app.properties": "mode=x\\napi_token={S}\\n"}}\n',
    "escaped-env.json": f'{{"env": ["A=1", "API_TOKEN=\\t{S}"]}}\n',
    "unicode-escape.json": '{"api_token": "' + "".join(f"\\u{ord(c):04x}" for c in S) + '"}\n',
    "non-ascii.json": f'{{"description": "clé de l\'équipe", "svc": {{"api_token": "{S}"}}}}\n',
    "folding.json": f'{{"desc": "\u212a", "secrets": {{"search": "{S}"}}}}\n',
    "folding-container.json": f'{{"\u017fecrets": {{"search": "{S}"}}}}\n',
    "plain-key.json": f'{{"build_id": "{S}", "items": ["{S}", "BUILD={S}"]}}\n',
    "indirect.json": f'{{"Parameters": {{"ApiToken": {{"Default": "{S}"}}}}}}\n',
    "embedded-plain.json": f'{{"app.properties": "mode=x\\nbuild_id={S}\\napi_token={S}"}}\n',
    # Strict JSON's manifests, kubeconfigs, containers and PEM keys are found in the data.
    "pem.json": '{"Description": "Rotate the private key", "tls": {"private_key": "'
                + PEM.replace("\n", "\\n") + '"}}\n',
    "secret-in-list.json": ('{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1",'
                            ' "kind": "Secret", "data": {"search": "'
                            f'{base64.b64encode(S.encode()).decode()}"}}}}]}}\n'),
    "kubeconfig.json": ('{"users": [{"user": {"client-key-data": "'
                        f'{base64.b64encode(PEM.encode()).decode()}"}}}}]}}\n'),
    "container-list.json": f'{{"agent": {{"secrets": ["MODE=x", "SEARCH={S}"]}}}}\n',
    "container-lines.json": f'{{"credentials": {{"blob": "mode=x\\nsearch={S}"}}}}\n',
    "client.json": f'{{"client_id": "agent", "client_secret": "{S}", "note": "a clientSecret"}}\n',
    "client-prose.json": '{"Description": "Rotate the client_secret and the client secret every year"}\n',
    "client-env.json": f'{{"env": [{{"name": "OAUTH_CLIENT_SECRET", "value": "{S}"}}]}}\n',
    "client-env-item.json": f'{{"environment": ["MODE=x", "CLIENT_SECRET={S}"]}}\n',
    "client-nested.json": f'{{"oauth": {{"google": {{"upstream_client_secret": "{S}"}}}}}}\n',
    # Deeper than the tree parser goes: the rules read the lines, and so must the gate.
    "deep.json": "[" * 201 + f'{{"note": "set client_secret={S} here"}}' + "]" * 201 + "\n",
    "escaped-key.json": f'{{"api\\u005ftoken": "{S}"}}\n',
}


def _findings(uri: str, data: bytes) -> list[tuple[str, int, int, str]]:
    result = scan_artifact(Artifact(uri=uri, data=data), Prefilter([cls() for cls in SECRET_RULES]))
    assert not [n for n in result.notifications if n.kind == "rule-error"]
    return [(f.rule_id, f.line, f.column, f.message) for f in result.findings]


def _both_ways(uri: str, data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    gated = _findings(uri, data)
    with monkeypatch.context() as m:
        m.setattr(config_store_secret, "config_may_hold_secret", lambda *_, **__: True)
        m.setattr(config_store_secret, "may_hold_secret", lambda text: True)
        m.setattr(oauth_client_secret, "may_hold_secret", lambda text: True)
        m.setattr(oauth_client_secret, "strict_json_verdict", lambda *_, **__: True)
        ungated = _findings(uri, data)
    return gated, ungated


@pytest.mark.parametrize("name", sorted(CASES))
def test_gates_never_change_findings(name, monkeypatch):
    gated, ungated = _both_ways(name, CASES[name].encode(), monkeypatch)
    assert gated == ungated


def test_the_gated_cases_are_not_all_silent():
    # The cases must exercise real findings, or the comparison above proves little.
    found = sum(bool(_findings(name, text.encode())) for name, text in CASES.items())
    assert found >= len(CASES) // 2


def test_gates_never_change_findings_on_the_fixtures_and_examples(monkeypatch):
    files = [p for p in (ROOT / "tests" / "fixtures").rglob("*") if p.is_file()]
    files += [p for p in (ROOT / "examples").rglob("*") if p.is_file()]
    assert files
    for path in files:
        gated, ungated = _both_ways(path.name if path.name.startswith(".") else str(path),
                                    path.read_bytes(), monkeypatch)
        assert gated == ungated, path


@pytest.mark.parametrize("text", [
    "image: ghcr.io/acme/api:2.4.0\nenv:\n  - name: X\n    valueFrom:\n      secretKeyRef: {name: s}\n",
    "jobs:\n  build:\n    steps:\n      - uses: actions/checkout@v4\n"
    "        env:\n          TOKEN: ${{ secrets.API_TOKEN }}\n",
    "existingSecret: agent-api\nbuild_id: 8f3Kx9Qm2Lp7Vt4Rw6Zn\n",
])
def test_reference_only_configs_skip_the_parse(text):
    assert not _gate.config_may_hold_secret(text)


def test_a_secret_under_a_secret_name_is_parsed():
    assert _gate.config_may_hold_secret(f"service:\n  api_token: {S}\n")
    assert _gate.may_hold_secret(f"API_TOKEN={S}\n")
    assert not _gate.may_hold_secret("API_TOKEN=${API_TOKEN}\nURL=https://example.com/a/b/c/d\n")


def _every_piece(run: str) -> bool:
    """`_any_secret_piece` without its shortcuts: every piece between cuts is asked."""
    cuts = [m.start() for m in _gate._CUT.finditer(run)]
    starts, ends = [0, *(c + 1 for c in cuts)], [*cuts, len(run)]
    return any(end - start >= MIN_LENGTH and looks_secret(run[start:end])
               for start in starts for end in ends)


# Long runs with many cuts, shaped like a source map's `mappings` (the case the
# shortcuts are for), with a secret placed in them, or spoiled by a placeholder
# word, a URL, a repeated character or a UUID, or stretched past its alphabet.
_VLQ = ";AAEA;;;;;;;;GAiBG;AAEH,OAAO,EAAE,MAAM,uBAAuB,CAAC;AAC/C,OAAO,EAAE,6BAA6B,EAAE"
RUNS = [
    _VLQ * 8,
    _VLQ * 3 + f"client_secret={S};" + _VLQ * 3,
    _VLQ + S + _VLQ,
    f"a={S[:10]}example{S[10:]},b=1",
    f"a={S[:12]}://{S[12:]}",
    f"k={S[:8]}aaaaa{S[8:]};k={S[:8]}aaaa{S[8:]}",
    f"id=12345678-9abc-def0-1234-56789abcdef0{S[:20]}",
    f"x={S}" * 30,
    ",".join(fake_key("", 6, seed=str(i)) for i in range(200)),
    "AbC1,xYz9;" * 60 + S[:17],
    "token=" + "Ab1" * 300,
]


@pytest.mark.parametrize("run", RUNS, ids=range(len(RUNS)))
def test_the_piece_shortcuts_decide_as_asking_every_piece(run):
    assert _gate._RUN.fullmatch(run), "each case must be one run of secret characters"
    assert _gate._any_secret_piece(run) == _every_piece(run)


def test_the_piece_shortcuts_see_secrets_in_long_runs():
    # Not all silent: the comparison above would pass for a gate that always says no.
    assert [_every_piece(r) for r in RUNS[:3]] == [False, True, True]


def test_a_long_run_of_many_pieces_is_parsed_not_searched(monkeypatch):
    # A source map's `mappings` line: long pieces from every cut, none secret. Past
    # the budget of characters asked about, the gate says "parse" (never "nothing
    # here"); asking about every piece would say no, after three times as many.
    mappings = _VLQ * 40
    asked: list[int] = []
    real = _gate.looks_secret
    monkeypatch.setattr(_gate, "looks_secret", lambda piece: asked.append(len(piece)) or real(piece))
    assert _gate._any_secret_piece(mappings) is True
    assert sum(asked) <= _gate._CHARACTER_BUDGET
    monkeypatch.setattr(_gate, "_CHARACTER_BUDGET", 10**9)
    monkeypatch.setattr(_gate, "_PIECE_BUDGET", 10**9)
    asked.clear()
    assert _gate._any_secret_piece(mappings) is False
    assert sum(asked) > 2 * 100_000  # what the budget spares


@pytest.mark.parametrize("text", [
    '{"Description": "Ensure Best Practices/Network Security", "ResourceIdTemplate": ""}\n',
    '{"Risk": "AWS::Cognito::UserPool Update-MgPolicyAuthorizationPolicy are public", "token_ttl": 300}\n',
    f'{{"{S}": "a key, not a value", "items": ["plain words only"]}}\n',
    '{"Description": "Rotate the private key; a Kubernetes Secret holds it", "kind": "note"}\n',
])
def test_strict_json_with_no_secret_looking_value_skips_the_parse(text):
    assert not _gate.config_may_hold_secret(text, _gate.read_strict_json(text))
