"""AWS Parameter Store and Secrets Manager stores, through boto3's real
clients against moto's standalone server on a loopback port."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from helpers import free_port, nhiguard, sarif_places, sarif_problems
from nhiguard.sources.stores import StoreOptions
from nhiguard.sources.stores.aws import SsmStore

OPENAI_KEY = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" + "T3BlbkFJ" + "Qr7sTu0vWx3yZa6bCd9eFg2hIj5kLm8n"
CLIENT_SECRET = "9fK2mQ7xLp4" + "Zr8Vt3Wn6Ys1B"
REGION = "eu-west-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"moto's server did not start on {url}")
            time.sleep(0.2)
    yield url
    proc.kill()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def aws(moto_url) -> dict[str, str]:
    """Parameters and secrets loaded through boto3; returns the scan's environment."""
    env = {**CREDENTIALS, "AWS_ENDPOINT_URL": moto_url}
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name=REGION)
    ssm = session.client("ssm", endpoint_url=moto_url)
    # More than one page of GetParametersByPath (10 at most per page).
    for i in range(23):
        ssm.put_parameter(Name=f"/agents/fleet/agent-{i:02d}/model", Value="gpt-4o", Type="String")
    ssm.put_parameter(Name="/agents/fleet/agent-17/client_secret", Value=CLIENT_SECRET, Type="String")
    ssm.put_parameter(Name="/agents/billing/openai_api_key", Value=OPENAI_KEY, Type="SecureString")
    ssm.put_parameter(Name="/agents/billing/region", Value="eu-west-1", Type="String")
    sm = session.client("secretsmanager", endpoint_url=moto_url)
    sm.create_secret(Name="agents/billing/registration", SecretString=json.dumps({
        "client_id": "c-billing", "client_secret": CLIENT_SECRET,
        "client_id_issued_at": 1767225600, "client_secret_expires_at": 0,
        "redirect_uris": ["https://billing.example.com/cb"]}, indent=2))
    sm.create_secret(Name="agents/billing/openai_api_key", SecretString=OPENAI_KEY)
    sm.create_secret(Name="other/token", SecretString=OPENAI_KEY)
    sm.create_secret(Name="agents/billing/pending")  # no value yet: cannot be read
    return env


def _scan(uri: str, tmp_path: Path, env: dict[str, str]):
    out = tmp_path / "aws.sarif"
    run = nhiguard("scan", uri, "--format", "sarif", "--output", str(out), "--format", "text",
                   cwd=tmp_path, env=env)
    log = json.loads(out.read_text()) if out.exists() else None
    return run, log, out


def test_every_parameter_is_read_across_pages(aws, monkeypatch):
    for name, value in aws.items():
        monkeypatch.setenv(name, value)
    store = SsmStore(uri=f"ssm://{REGION}/agents/", region=REGION, path="/agents/",
                     options=StoreOptions(timeout=10))
    uris = [a.uri for a in store.artifacts()]
    assert len(uris) == len(set(uris)) == 26
    assert f"ssm://{REGION}/agents/fleet/agent-22/model" in uris


def test_a_secret_kept_as_a_plain_string_parameter_is_reported(aws, tmp_path):
    run, log, out = _scan(f"ssm://{REGION}/agents/", tmp_path, aws)
    assert run.code == 1, run.stderr
    where = sarif_places(log)
    assert ("NHG106", f"ssm://{REGION}/agents/fleet/agent-17/client_secret") in where
    # A SecureString holds its secret where it belongs; a public String is fine.
    assert not any(uri.endswith(("/openai_api_key", "/region", "/model")) for _, uri in where)
    assert CLIENT_SECRET not in out.read_text() + run.stdout
    assert sarif_problems(out, tmp_path) == []


def test_secrets_manager_reports_registrations_not_secrets_for_being_secrets(aws, tmp_path):
    run, log, out = _scan(f"secretsmanager://{REGION}/agents/", tmp_path, aws)
    assert run.code == 1, run.stderr
    where = sarif_places(log)
    assert ("NHG207", f"secretsmanager://{REGION}/agents/billing/registration") in where
    assert {rule for rule, _ in where}.isdisjoint({"NHG101", "NHG102", "NHG103", "NHG104", "NHG105"})
    assert not any("other/" in uri for _, uri in where)
    assert OPENAI_KEY not in out.read_text() and CLIENT_SECRET not in out.read_text()
    # The secret that cannot be read is named; the others were scanned.
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    unreadable = [n for n in notes if n["locations"][0]["physicalLocation"]["artifactLocation"]
                  ["uri"] == f"secretsmanager://{REGION}/agents/billing/pending"]
    assert len(unreadable) == 1 and "could not read" in unreadable[0]["message"]["text"]
    assert sarif_problems(out, tmp_path) == []


def test_no_credentials_or_no_endpoint_fail_the_scan_naming_the_store(aws, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    run = nhiguard("scan", f"ssm://{REGION}/agents/", "--store-timeout", "2", cwd=tmp_path,
                   env={**CREDENTIALS, "AWS_ENDPOINT_URL": dead})
    assert run.code == 3 and f"ssm://{REGION}/agents/" in run.stderr, run.stderr
    run = nhiguard("scan", f"secretsmanager://{REGION}/agents/", cwd=tmp_path,
                   env={"AWS_ENDPOINT_URL": aws["AWS_ENDPOINT_URL"], "AWS_EC2_METADATA_DISABLED": "true",
                        "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"})
    assert run.code == 3 and "credentials" in run.stderr.lower(), run.stderr


def test_a_store_uri_without_a_region_is_a_usage_error(tmp_path):
    run = nhiguard("scan", "ssm:///agents/", cwd=tmp_path)
    assert run.code == 2 and "region" in run.stderr
