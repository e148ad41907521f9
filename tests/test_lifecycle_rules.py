"""The NHG4xx credential lifecycle rules on realistic fixtures.

`tests/fixtures/lifecycle/` holds Terraform (AzureAD, Google, AWS, `.tf.json`),
CloudFormation YAML and JSON, Kubernetes manifests, GitHub workflows and OAuth
client code. Every file is listed in EXPECTED with the exact (rule, line)
findings it must produce; files with an empty set are near misses that must
stay silent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import findings_by_file, fixture_files, scan_fixture_tree
from nhiguard.policy import Policy
from nhiguard.registry import select_rules
from nhiguard.rules.lifecycle._iac import go_duration_seconds, is_cfn_template, seconds_until
from nhiguard.tree import parse_tree

FIXTURES = Path(__file__).parent / "fixtures" / "lifecycle"

EXPECTED: dict[str, set[tuple[str, int]]] = {
    # Terraform: no end date, two years, a fixed far date, a non-sensitive output.
    "terraform/azuread.tf": {("NHG401", 6), ("NHG401", 13), ("NHG401", 18), ("NHG401", 22)},
    "terraform/azuread_rotated.tf": set(),
    "terraform/google.tf": {("NHG401", 5), ("NHG401", 15)},
    "terraform/google_wif.tf": set(),
    # `count` index in references; an inactive key, a sensitive output and a
    # SecureString copy are fine, a String parameter and a local_file are not.
    "terraform/aws.tf": {("NHG401", 5), ("NHG401", 16), ("NHG401", 31), ("NHG401", 42)},
    "terraform/aws.tf.json": {("NHG401", 3)},
    "terraform/broken.tf": set(),
    # CloudFormation: an active key and the output that exports its secret.
    "cloudformation/access-key.yaml": {("NHG401", 6), ("NHG401", 18)},
    "cloudformation/access-key.json": {("NHG401", 5), ("NHG401", 10)},
    "cloudformation/role.yaml": set(),
    # Kubernetes: a legacy token Secret; a projected token and a federation config are fine.
    "kubernetes/sa-token.yaml": {("NHG401", 12)},
    "kubernetes/projected-token.yaml": set(),
    "kubernetes/external-account.json": set(),
    # GitHub Actions: stored keys for AWS (action and env), Google, Azure; OIDC forms are fine.
    "workflows/deploy-static.yml": {("NHG402", 6), ("NHG402", 15), ("NHG402", 23),
                                    ("NHG402", 29), ("NHG402", 35)},
    "workflows/deploy-oidc.yml": set(),
    "workflows/action.yml": {("NHG402", 8)},
    # Client code persisting a registration.
    "clients/file_storage.py": {("NHG403", 20), ("NHG403", 25), ("NHG403", 30)},
    "clients/memory_storage.py": set(),
    "clients/keyring_storage.py": set(),
    "clients/provider.ts": {("NHG403", 6), ("NHG403", 12)},
    "clients/provider-memory.ts": set(),
}


def _scan(root: Path, policy: Policy | None = None):
    return scan_fixture_tree(root, ["NHG4"], policy)


@pytest.fixture(scope="module")
def fixture_results():
    result = _scan(FIXTURES)
    return result, {uri: set(hits) for uri, hits in findings_by_file(result).items()}


def test_every_fixture_is_listed():
    assert fixture_files(FIXTURES) == set(EXPECTED)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_fixture_findings(fixture_results, path):
    _, found = fixture_results
    assert found.get(path, set()) == EXPECTED[path]


def test_every_lifecycle_rule_fires_on_some_fixture(fixture_results):
    _, found = fixture_results
    fired = {rule for hits in found.values() for rule, _ in hits}
    assert fired == {r.id for r in select_rules(["NHG4"])}


def test_malformed_terraform_is_a_parse_error_notice(fixture_results):
    result, _ = fixture_results
    notes = [(n.uri, n.kind, n.line) for n in result.notifications]
    assert notes == [("terraform/broken.tf", "parse-error", 3)]


def test_messages_say_what_is_wrong(fixture_results):
    result, _ = fixture_results
    by_key = {(f.uri, f.line): f.message for f in result.findings}
    assert "sets no `end_date`" in by_key[("terraform/azuread.tf", 6)]
    assert "730 days" in by_key[("terraform/azuread.tf", 13)]
    assert "not marked sensitive" in by_key[("terraform/aws.tf", 16)]
    assert "credentials_json" in by_key[("workflows/deploy-static.yml", 23)]
    assert "workload_identity_provider" in by_key[("workflows/deploy-static.yml", 23)]
    assert "role-to-assume" in by_key[("workflows/deploy-static.yml", 15)]


def test_policy_lifetime_moves_the_line(tmp_path):
    tf = ('resource "azuread_application_password" "a" {\n'
          '  application_id    = azuread_application.a.id\n'
          '  end_date_relative = "4320h"\n}\n')
    (tmp_path / "main.tf").write_text(tf)
    assert [f.line for f in _scan(tmp_path).findings] == [3]  # 180 days > 90
    assert _scan(tmp_path, Policy(max_secret_lifetime_days=365)).findings == []


def test_durations_and_dates():
    assert go_duration_seconds("2160h") == 90 * 86400
    assert go_duration_seconds("1h30m") == 5400
    assert go_duration_seconds("90d") is None  # Go durations have no days
    assert go_duration_seconds("") is None
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert seconds_until("2026-01-02T00:00:00Z", now) == 86400
    assert seconds_until("not a date", now) is None


def test_cloudformation_templates_are_recognised():
    yaml_template = parse_tree("Resources:\n  K:\n    Type: AWS::IAM::AccessKey\n"
                               "    Properties: {UserName: !Ref U}\n", "yaml").documents[0]
    json_template = parse_tree('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}',
                               "json").documents[0]
    compose = parse_tree("services:\n  app:\n    image: x\n", "yaml").documents[0]
    helm = parse_tree("Resources:\n  limits: {cpu: 1}\n", "yaml").documents[0]
    assert is_cfn_template(yaml_template) and is_cfn_template(json_template)
    assert not is_cfn_template(compose) and not is_cfn_template(helm)
