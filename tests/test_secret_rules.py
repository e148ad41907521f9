"""The secret rules (NHG1xx) on realistic files of every format they read.

Each fixture under tests/fixtures/secrets/ is a file as it would sit in a
repository; EXPECTED lists exactly which rule fires on which line. Files
expected to yield nothing are near-misses: references, placeholders, hashes,
documented example keys. Every secret in the fixtures is made up
(`nhiguard.rules.secrets._values.fake_key`).
"""

from __future__ import annotations

import base64
import binascii
import json

import pytest
from helpers import ROOT, nhiguard
from nhiguard.engine import Prefilter, scan_artifact
from nhiguard.finding import Finding
from nhiguard.registry import all_rule_classes
from nhiguard.rule import Rule
from nhiguard.rules.secrets import _values
from nhiguard.rules.secrets._providers import PROVIDERS, find_provider_keys
from nhiguard.sources import Artifact

FIXTURES = ROOT / "tests" / "fixtures" / "secrets"
SECRET_RULES = [r for r in all_rule_classes() if r.id.startswith("NHG1")]

EXPECTED: dict[str, list[tuple[str, int]]] = {
    # Python service: literal provider key, OAuth secrets in every Python shape, SA key.
    "python_service/agent_service.py": [
        ("NHG101", 9), ("NHG102", 16), ("NHG102", 20), ("NHG102", 21), ("NHG102", 26),
        ("NHG101", 29), ("NHG105", 35), ("NHG102", 40),
    ],
    "python_service/settings_ok.py": [],
    ".env": [("NHG101", 2), ("NHG101", 3), ("NHG104", 4), ("NHG102", 5)],
    ".env.example": [],
    "compose/docker-compose.yml": [("NHG101", 6), ("NHG104", 7), ("NHG104", 13)],
    "k8s/configmap.yaml": [("NHG104", 10), ("NHG101", 11), ("NHG104", 14)],
    # The base64 `data` value that decodes to an OpenAI key is that key (NHG101).
    "k8s/secret.yaml": [("NHG104", 9), ("NHG101", 10), ("NHG104", 12)],
    "k8s/deployment.yaml": [],
    "k8s/deployment-literal.yaml": [("NHG104", 13)],
    "kube/kubeconfig.yaml": [("NHG104", 12), ("NHG104", 15)],
    "helm/values.yaml": [("NHG104", 8), ("NHG101", 11), ("NHG102", 14), ("NHG104", 16)],
    "helm/templates/secret.yaml": [],
    "terraform/prod.tfvars": [("NHG104", 3), ("NHG104", 4), ("NHG101", 5), ("NHG102", 6)],
    "terraform/main.tf": [("NHG101", 3), ("NHG104", 9)],
    "config/settings.ini": [("NHG104", 3), ("NHG102", 12)],
    "config/settings.toml": [("NHG104", 6), ("NHG102", 14)],
    "config/appsettings.json": [("NHG101", 7), ("NHG104", 9)],
    # `aws ssm get-parameters-by-path` output: a secret kept as a String; a provider key is NHG101's.
    "aws/ssm-parameters.json": [("NHG106", 6), ("NHG101", 33)],
    "mcp/cursor/.cursor/mcp.json": [("NHG101", 6), ("NHG103", 11)],
    "mcp/vscode/.vscode/mcp.json": [("NHG103", 15)],
    "mcp/gemini/.gemini/settings.json": [("NHG101", 6), ("NHG103", 10)],
    "mcp/roo/.roo/mcp.json": [("NHG103", 7)],
    "mcp/claude-desktop/claude_desktop_config.json": [("NHG103", 9), ("NHG101", 14)],
    "mcp/claude-code/.claude/settings.json": [("NHG103", 5)],
    "mcp/claude-code/.claude/settings.local.json": [],
    "mcp/claude-code/.mcp.json": [("NHG103", 5)],
    # A 24-character Jira token is an Atlassian API token of the format before `ATATT3`.
    "mcp/windsurf/mcp_config.json": [("NHG101", 5), ("NHG101", 10)],
    "mcp/generic/mcp.json": [],
    "web/auth.ts": [("NHG102", 7), ("NHG101", 11), ("NHG102", 13)],
    "web/config.js": [],
    "near_misses/README.md": [],
    "near_misses/package-lock.json": [],
    "near_misses/github-workflow.yml": [],
    "near_misses/external-secret.yaml": [],
    "near_misses/tokenizer_config.json": [],
    "near_misses/fixtures.json": [],
}
# `.env` files live in dotenv/ so that a glob for `.env` never picks them up by accident.
EXPECTED = {("dotenv/" + k if k.startswith(".env") else k): v for k, v in EXPECTED.items()}


def _scan(rel: str, rules: list[type[Rule]] | None = None) -> list[Finding]:
    data = (FIXTURES / rel).read_bytes()
    result = scan_artifact(Artifact(uri=rel, data=data),
                           Prefilter([cls() for cls in rules or SECRET_RULES]))
    errors = [n.message for n in result.notifications if n.kind == "rule-error"]
    assert not errors, errors
    return result.findings


def _fixture_files() -> list[str]:
    return sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*") if p.is_file())


def test_every_fixture_has_expectations():
    assert _fixture_files() == sorted(EXPECTED)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_fixture_findings(rel):
    found = [(f.rule_id, f.line) for f in _scan(rel)]
    assert found == EXPECTED[rel]


def test_every_secret_rule_fires_somewhere():
    fired = {rule for expected in EXPECTED.values() for rule, _ in expected}
    assert fired == {r.id for r in SECRET_RULES}


def test_one_finding_per_secret():
    """Precedence: NHG101/105 > NHG102 > NHG103 > NHG104, never two at one place."""
    for rel in EXPECTED:
        places = [(f.line, f.column) for f in _scan(rel)]
        assert len(places) == len(set(places)), rel


@pytest.mark.parametrize("rule", SECRET_RULES, ids=[r.id for r in SECRET_RULES])
def test_examples_of_other_rules_do_not_double_report(rule):
    """Each INVALID example is reported by its own rule only."""
    others = [r for r in SECRET_RULES if r is not rule]
    for example in rule.INVALID:
        result = scan_artifact(Artifact(uri=example.path, data=example.code.encode()),
                               Prefilter([cls() for cls in SECRET_RULES]))
        own = {(f.line, f.column) for f in result.findings if f.rule_id == rule.id}
        foreign = {(f.line, f.column) for f in result.findings if f.rule_id in
                   {o.id for o in others}}
        assert not own & foreign, (rule.id, example.path)


# -- redaction: no planted secret in any output ---------------------------------------------

def _planted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every secret the rules hand to `report()` over all fixtures, plus the
    decoded text of base64 ones and the lines of PEM keys."""
    captured: list[str] = []
    original = Rule.report

    def spy(self, doc, line, column=1, message="", **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("secret"):
            captured.append(kwargs["secret"])
        return original(self, doc, line, column, message, **kwargs)

    monkeypatch.setattr(Rule, "report", spy)
    for rel in EXPECTED:
        _scan(rel)
    monkeypatch.undo()
    values: set[str] = set()
    for secret in captured:
        values.add(secret)
        values.add(secret[4:])  # the part the redaction hides
        # PEM keys: each line of the body (the BEGIN/END armour is public)
        values.update(part for part in secret.split("\\n") if len(part) >= 16 and "-----" not in part)
        try:
            decoded = base64.b64decode(secret, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        values.add(decoded)
    return sorted(v for v in values if len(v) >= 8)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_planted_secret_in_any_output(fmt, monkeypatch):
    planted = _planted(monkeypatch)
    total = sum(len(v) for v in EXPECTED.values())
    assert len(planted) >= total
    # The repository's own .nhiguard.toml excludes the fixtures from self-scans.
    run = nhiguard("scan", str(FIXTURES.relative_to(ROOT)), "--select", "NHG1", "--format", fmt,
                   "--no-progress", "--jobs", "2", "--config", str(ROOT / "tests/data/empty.toml"),
                   cwd=ROOT)
    assert run.code == 1, run.stderr
    output = run.stdout + run.stderr
    leaked = [p for p in planted if p in output]
    assert not leaked, f"{len(leaked)} secret value(s) leaked into {fmt} output"
    if fmt == "sarif":
        results = run.json()["runs"][0]["results"]
        assert len(results) == total
        assert all(r["ruleId"].startswith("NHG1") for r in results)
    elif fmt == "json":
        assert len(run.json()["findings"]) == total
    elif fmt == "github":  # GitHub shows at most 50 annotations; the rest are summarised
        assert output.count("::error ") == min(total, 50)
    else:
        assert output.count("NHG1") >= total


# -- the shared value heuristics ------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "${OPENAI_API_KEY}", "${VAR:-fallback}", "${env:TOKEN}", "${input:db-password}",
    "${{ secrets.API_TOKEN }}", "{{ .Values.auth.token }}", "$(API_TOKEN)", "%(password)s",
    "vault:secret/data/agent#token", "ssm:/agents/prod/token",
    "arn:aws:secretsmanager:eu-west-1:111122223333:secret:agent-AbCdEf",
    "projects/agents-prod/secrets/client-secret/versions/latest", "op://vault/item/field",
    "ENC[AES256_GCM,data:Zm9vYmFy,iv:abc,tag:def,type:str]", "$API_TOKEN",
    "<your-key>", "your-api-key-here", "changeme", "xxxxxxxxxxxxxxxxxxxx", "sk-...REPLACE_ME",
    "dummy-token-for-tests-only", "example-client-secret-value", "fake_secret_1234567890",
    "REDACTED", "", "**********", "aaaaaaaaaaaaaaaaaaaaaaaa", "1234567890abcdef1234567890abcdef",
    "abcdefghijklmnopqrstuvwxyz", "3f2b8c1e-5a4d-4e6f-9b7a-0c1d2e3f4a5b",
    "sha512-5P4qO9nGJzB5PI0LFlhj4Dzg3m4odt0qsJTfyEtZyOlkgpILwEioOhVVJOrS1iVH494S4Ee5OCjjg6Bf5WOj3w==",
    "$2b$12$KIXQJQk8pQbGd9t6l1Q0hO8b5m6Gq2m3X8n1r7Yw0cQe9sT4uV2aW",
    "/var/run/secrets/kubernetes.io/serviceaccount/token", "https://idp.example.com/oauth2/token",
    "my-service.agents.svc.cluster.local", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "please-change-this-in-production", "ThisIsMyDevelopmentSecret2024", "postgrespassword1",
    # Truncated documentation values and password hashes (yescrypt, sha-crypt).
    "GOCSPX-abc123...", "eyJjaGFsbGVuZ2UiOi...", "MEUCIE-7sqILygPqGbrRZ4j2nqeqUU...",
    "Xk29dLqP0wZr8...Tq4M", "$y$jCT$ZiF3ZV39/maUl9Lzt2Hk80$Ih6bI4OXU52OnWWqt3T1BAmVn8eH.4qlcP.8/NOjGN5",
    "$6$rounds=5000$Zk8sPq2L$Yq1Wn3Rt5Uv7Xz9Ab2Cd4Ef6Gh8Ij0Kl",
])
def test_not_a_secret(value):
    assert not _values.looks_secret(value)


@pytest.mark.parametrize("value", [
    _values.fake_key("", 16, seed="a"), _values.fake_key("", 32, seed="b"),
    _values.fake_key("", 40, _values.HEXDIGITS, seed="c"),
    _values.fake_key("", 64, _values.ALNUM + "_-", seed="d"),
    _values.fake_key("", 44, _values.ALNUM + "+/", seed="e"),
])
def test_random_value_is_a_secret(value):
    assert _values.looks_secret(value)


@pytest.mark.parametrize(("key", "secret_name", "oauth"), [
    ("OPENAI_API_KEY", True, False), ("openaiApiKey", True, False), ("x-api-key", True, False),
    ("GITHUB_TOKEN", True, False), ("DB_PASSWORD", True, False), ("webhookSecret", True, False),
    ("AWS_SECRET_ACCESS_KEY", True, False), ("privateKey", True, False),
    ("client_secret", True, True), ("clientSecret", True, True), ("CLIENT-SECRET", True, True),
    ("upstream_client_secret", True, True), ("client_secret_key", True, True),
    ("registration_access_token", True, True), ("initialAccessToken", True, True),
    ("max_tokens", False, False), ("token_url", False, False), ("secret_name", False, False),
    ("eos_token", False, False), ("password_hash", False, False), ("client_id", False, False),
    ("clientSecretExpiresAt", False, False), ("primary_key", False, False),
])
def test_key_names(key, secret_name, oauth):
    assert _values.is_secret_name(key) is secret_name
    assert _values.is_oauth_secret_name(key) is oauth


@pytest.mark.parametrize("provider", [p for p in PROVIDERS if p.prefix],
                         ids=lambda p: p.name)
def test_placeholder_with_provider_prefix_is_silent(provider):
    for body in ("...REPLACE_ME", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                 "your-key-here", "EXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE"):
        assert not list(find_provider_keys(f'key = "{provider.prefix}{body}"\n'))


def test_sarif_rules_carry_help_and_taxonomy():
    for rule in SECRET_RULES:
        assert rule.full_description()
        assert len(("security", rule.kind, *rule.taxa)) <= 10
    sarif = nhiguard("scan", str((FIXTURES / "dotenv").relative_to(ROOT)), "--select", "NHG1",
                     "--format", "sarif", "--no-progress", cwd=ROOT).json()
    ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {r.id for r in SECRET_RULES} <= ids
    assert json.dumps(sarif).count("NHG10") >= 4


@pytest.mark.parametrize("prose", ["# Clé de l'équipe …\n", "# \u017fecret store\n", ""])
def test_client_secrets_are_found_in_text_outside_ascii(prose):
    # Lower-cased search where it keeps offsets, the case-insensitive one where not.
    secret = _values.fake_key("", 40, seed="non-ascii")
    code = f'{prose}CLIENT_SECRET = "{secret}"\nclient_id = "agent"\n'
    rule = next(cls() for cls in all_rule_classes() if cls.id == "NHG102")
    result = scan_artifact(Artifact(uri="settings.py", data=code.encode()), Prefilter([rule]))
    assert [(f.rule_id, f.line) for f in result.findings] == [("NHG102", 2 if prose else 1)]
