"""Kubernetes exports: `kubectl get ... -o yaml|json` output from a file or
standard input, each ConfigMap/Secret key and each other object an artifact."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from helpers import ROOT, nhiguard, sarif_places, sarif_problems

EXPORT = ROOT / "tests/fixtures/stores/kubectl-get-agents.yaml"
CM = "kubernetes:///namespaces/agents/configmaps/agent-config"
SECRET = "kubernetes:///namespaces/agents/secrets/billing-agent-oauth"
EXPECTED = {
    ("NHG101", f"{CM}/OPENAI_API_KEY"),
    ("NHG104", f"{CM}/application.properties"),  # a `key=value` line inside a properties file
    ("NHG207", f"{SECRET}/registration.json"),  # a registration that never expires, even in a Secret
    ("NHG208", f"{SECRET}/registration.json"),
}


def _scan(target: str, tmp_path: Path, stdin: str | None = None):
    out = tmp_path / "k8s.sarif"
    run = nhiguard("scan", target, "--format", "sarif", "--output", str(out), "--format", "json",
                   cwd=ROOT, stdin=stdin)
    return run, json.loads(out.read_text()) if out.exists() else None, out


def test_kubectl_list_export_each_key_and_object_is_an_artifact(tmp_path):
    run, log, out = _scan(f"kubernetes:{EXPORT.relative_to(ROOT)}", tmp_path)
    assert run.code == 1, run.stderr
    # Exactly these: the Secret's own client_secret sits where secrets belong,
    # and managedFields/last-applied-configuration (copies of the data) add nothing.
    assert sarif_places(log) == EXPECTED
    assert "EfhCXQq32L7PlDVFJHGOsB14" not in out.read_text()
    assert sarif_problems(out, tmp_path) == []


def test_standard_input_reads_the_same_export(tmp_path):
    run, log, _ = _scan("-", tmp_path, stdin=EXPORT.read_text())
    assert run.code == 1, run.stderr
    assert sarif_places(log) == EXPECTED


def test_a_single_json_object_with_bad_base64_gets_a_notification(tmp_path):
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
              "metadata": {"name": "reg", "namespace": "agents", "managedFields": []},
              "data": {"broken": "not base64!",
                       "client.json": base64.b64encode(json.dumps({
                           "client_id": "c1", "client_secret": "EfhCXQq32L7PlDVFJHGOsB14",
                           "client_id_issued_at": 1767225600,
                           "client_secret_expires_at": 0}).encode()).decode()}}
    run, log, _ = _scan("kubernetes:-", tmp_path, stdin=json.dumps(secret, indent=4))
    assert run.code == 1, run.stderr
    assert ("NHG207", "kubernetes:///namespaces/agents/secrets/reg/client.json") in sarif_places(log)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("not base64" in n["message"]["text"] and n["locations"][0]["physicalLocation"]
               ["artifactLocation"]["uri"].endswith("/secrets/reg/broken") for n in notes)


def test_input_that_is_not_kubectl_output_fails_naming_it(tmp_path):
    run, _, _ = _scan("-", tmp_path, stdin="items: [unclosed\n")
    assert run.code == 3 and "-: not kubectl JSON or YAML output" in run.stderr
    run, _, _ = _scan("kubernetes:missing.yaml", tmp_path)
    assert run.code == 2 and "kubernetes:missing.yaml: no such file" in run.stderr


def test_one_report_covers_a_store_and_a_folder(tmp_path):
    run = nhiguard("scan", f"kubernetes:{EXPORT.relative_to(ROOT)}", "examples/clients",
                   "--format", "json", cwd=ROOT)
    assert run.code == 1, run.stderr
    uris = {f["uri"] for f in run.json()["findings"]}
    assert f"{CM}/OPENAI_API_KEY" in uris and "examples/clients/agent-client.json" in uris


def test_store_uris_do_not_mix_with_git_modes(tmp_path):
    run = nhiguard("scan", "--staged", f"kubernetes:{EXPORT.relative_to(ROOT)}", cwd=ROOT)
    assert run.code == 2 and "cannot be combined" in run.stderr
