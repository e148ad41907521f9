"""The demo tree (`make demo`) shows every rule, and only where it should."""

from __future__ import annotations

import re

from helpers import ROOT, nhiguard
from nhiguard.registry import all_rule_classes

EXPECTED = [
    ("examples/.claude/settings.json", 5, "NHG306"),
    ("examples/.cursor/mcp.json", 7, "NHG101"),
    ("examples/.env", 4, "NHG101"),
    ("examples/.gemini/settings.json", 6, "NHG103"),
    ("examples/.github/workflows/deploy.yml", 12, "NHG402"),
    ("examples/.github/workflows/release.yml", 5, "NHG305"),
    ("examples/agent-service/app/cloud_tools.py", 6, "NHG301"),
    ("examples/agent-service/app/llm.py", 11, "NHG101"),
    ("examples/agent-service/app/llm.py", 14, "NHG101"),
    ("examples/agent-service/app/mcp_server.py", 12, "NHG208"),
    ("examples/agent-service/app/mcp_server.py", 15, "NHG203"),
    ("examples/agent-service/app/mcp_server.py", 15, "NHG206"),
    ("examples/agent-service/app/register.py", 15, "NHG201"),
    ("examples/agent-service/app/register.py", 15, "NHG202"),
    ("examples/agent-service/app/settings.py", 7, "NHG102"),
    ("examples/auth/realm-export.json", 14, "NHG205"),
    ("examples/auth/tenant.tf", 6, "NHG205"),
    ("examples/clients/agent-client.json", 2, "NHG208"),
    ("examples/clients/agent-client.json", 3, "NHG207"),
    ("examples/clients/token_store.py", 22, "NHG403"),
    ("examples/deploy/cloudformation/agent-parameters.yaml", 15, "NHG106"),
    ("examples/deploy/docker-compose.yml", 6, "NHG101"),
    ("examples/deploy/docker-compose.yml", 8, "NHG104"),
    ("examples/deploy/helm/values.yaml", 8, "NHG102"),
    ("examples/deploy/iam/agent-policy.json", 13, "NHG303"),
    ("examples/deploy/k8s/configmap.yaml", 9, "NHG101"),
    ("examples/deploy/k8s/rbac.yaml", 10, "NHG304"),
    ("examples/deploy/terraform/agent-identity.tf", 6, "NHG401"),
    ("examples/gateway/notes_auth.py", 16, "NHG302"),
    ("examples/gateway/server.py", 8, "NHG204"),
    ("examples/gateway/server.py", 8, "NHG206"),
    ("examples/gateway/server.py", 8, "NHG208"),
    ("examples/scripts/rotate_keys.py", 6, "NHG105"),
    ("examples/web/register.ts", 8, "NHG201"),
    ("examples/web/register.ts", 8, "NHG202"),
]


def test_demo_finds_exactly_the_planted_problems():
    run = nhiguard("scan", "examples", "--format", "json", "--no-progress", cwd=ROOT)
    assert run.code == 1, run.stderr
    data = run.json()
    assert [(f["uri"], f["line"], f["rule_id"]) for f in data["findings"]] == EXPECTED
    assert data["notifications"] == []


def test_demo_shows_every_rule():
    assert {rid for _, _, rid in EXPECTED} == {r.id for r in all_rule_classes()}


def test_demo_output_holds_no_secret():
    # The planted secrets: long random tokens (client IDs, UUIDs and URLs are not secret).
    uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    secrets = set()
    for path in (ROOT / "examples").rglob("*"):
        if path.is_file() and path.suffix != ".md":
            for token in re.findall(r"[A-Za-z0-9_\-.~]{30,}", path.read_text()):
                if any(c.isdigit() for c in token) and not uuid.match(token) and "." not in token:
                    secrets.add(token)
    assert len(secrets) == 11
    for fmt in ("text", "json", "sarif", "github"):
        out = nhiguard("scan", "examples", "--format", fmt, "--no-progress", cwd=ROOT).stdout
        leaked = [s for s in secrets if s in out]
        assert leaked == [], (fmt, [s[:6] for s in leaked])
