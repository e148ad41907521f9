"""The NHG3xx scope and privilege rules on realistic fixtures.

`tests/fixtures/scopes/` holds one folder per ecosystem (OAuth clients in
Python, TypeScript and config files, MCP authorization servers, AWS policies
and CloudFormation, GCP bindings, Terraform, Kubernetes RBAC, GitHub Actions
workflows, agent tool settings). Every file is listed in EXPECTED with the
exact (rule, line) findings it must produce; files with an empty set are near
misses that must stay silent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import findings_by_file, fixture_files, scan_fixture_tree
from nhiguard.policy import Policy, PolicyError
from nhiguard.registry import select_rules

FIXTURES = Path(__file__).parent / "fixtures" / "scopes"

EXPECTED: dict[str, set[tuple[str, int]]] = {
    # OAuth clients: provider-wide scopes requested, and near misses.
    "oauth/google_agent.py": {("NHG301", 5)},
    "oauth/google_agent_narrow.py": set(),
    "oauth/graph_daemon.py": set(),
    "oauth/graph_delegated.py": {("NHG301", 6)},
    "oauth/github-agent.ts": {("NHG301", 7)},
    "oauth/salesforce.env": {("NHG301", 2)},
    "oauth/slack-app.yaml": {("NHG301", 7)},
    "oauth/register_agent.json": {("NHG301", 4)},
    "oauth/search.yaml": set(),
    # MCP authorization servers.
    "servers/mcp_server.py": {("NHG302", 6)},
    "servers/mcp_server_scoped.py": set(),
    "servers/fastmcp_proxy.py": {("NHG302", 9)},
    # Cloud IAM.
    "aws/agent-policy.json": {("NHG303", 13)},
    "aws/scoped-policy.json": set(),
    "aws/cloudformation.yaml": {("NHG303", 12), ("NHG303", 18)},
    "aws/remediation.json": set(),
    "gcp/project-iam.yaml": {("NHG303", 5)},
    "terraform/iam.tf": {("NHG303", 4), ("NHG303", 22), ("NHG303", 28), ("NHG303", 35)},
    # Kubernetes RBAC.
    "kubernetes/rbac.yaml": {("NHG304", 11), ("NHG304", 24)},
    "kubernetes/rbac-scoped.yaml": set(),
    # GitHub Actions.
    "workflows/.github/workflows/release.yml": {("NHG305", 5), ("NHG305", 15)},
    "workflows/.github/workflows/ci.yml": set(),
    # Agent tool settings.
    "agents/mcp.json": {("NHG306", 5), ("NHG306", 13)},
    "agents/.claude/settings.json": {("NHG306", 5), ("NHG306", 6)},
    "agents/.gemini/settings.json": {("NHG306", 5)},
    "agents/agent_sdk.py": {("NHG306", 3)},
}


def _scan(policy: Policy | None = None):
    return scan_fixture_tree(FIXTURES, ["NHG3"], policy)


@pytest.fixture(scope="module")
def fixture_results():
    result = _scan()
    return result, findings_by_file(result)


def test_every_fixture_is_listed():
    assert fixture_files(FIXTURES) == set(EXPECTED)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_fixture_findings(fixture_results, path):
    _, found = fixture_results
    assert set(found.get(path, [])) == EXPECTED[path]


def test_one_finding_per_grant_except_where_a_line_makes_two(fixture_results):
    _, found = fixture_results
    # The TypeScript client asks for `repo` and `admin:org` on one line: two grants.
    assert sorted(found["oauth/github-agent.ts"]) == [("NHG301", 7), ("NHG301", 7)]
    for path, hits in found.items():
        if path != "oauth/github-agent.ts":
            assert len(hits) == len(set(hits)), path


def test_fixtures_scan_without_errors(fixture_results):
    result, _ = fixture_results
    assert result.notifications == []


def test_every_scope_rule_fires_on_some_fixture(fixture_results):
    _, found = fixture_results
    fired = {rule for hits in found.values() for rule, _ in hits}
    assert fired == {r.id for r in select_rules(["NHG3"])}


def test_messages_name_the_scope_and_the_grant(fixture_results):
    result, _ = fixture_results
    by_key = {(f.uri, f.line): f.message for f in result.findings}
    assert "cloud-platform" in by_key[("oauth/google_agent.py", 5)]
    assert "`ec2:*`, `iam:*`" in by_key[("aws/agent-policy.json", 13)]
    assert "roles/editor" in by_key[("gcp/project-iam.yaml", 5)]
    assert "mcp__slack__*" in by_key[("agents/.claude/settings.json", 6)]


def test_policy_extends_and_trims_the_scope_list():
    policy = Policy.from_mapping({
        "broad-scopes": ["read:user"],
        "allowed-scopes": ["https://www.googleapis.com/auth/cloud-platform"],
    })
    found = findings_by_file(_scan(policy))
    assert "oauth/google_agent.py" not in found
    # `read:user` now counts on the TypeScript client's two lines.
    assert ("NHG301", 11) in found["oauth/github-agent.ts"]
    assert sorted(found["oauth/github-agent.ts"]).count(("NHG301", 7)) == 3


def test_forbidden_scopes_are_reported_outside_oauth_files_too():
    policy = Policy.from_mapping({"forbidden-scopes": ["all"]})
    found = findings_by_file(_scan(policy))
    assert found["oauth/search.yaml"] == [("NHG301", 3)]


def test_broad_scopes_must_be_a_list_of_strings():
    with pytest.raises(PolicyError):
        Policy.from_mapping({"broad-scopes": "repo"})
