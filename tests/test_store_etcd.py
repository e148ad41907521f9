"""etcd stores, against a real etcd server on a loopback port (no mocks).

The server comes from Debian's `etcd-server` package (.ci/run installs it);
without it these tests fail, saying so, rather than skip.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import free_port, nhiguard, sarif_places, sarif_problems
from nhiguard.policy import Policy
from nhiguard.registry import all_rule_classes
from nhiguard.sources.stores import StoreError, StoreOptions
from nhiguard.sources.stores.etcd import EtcdStore, prefix_end
from nhiguard.sources.stores.scan import scan_stores

# Split so this file is no finding itself.
OPENAI_KEY = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" + "T3BlbkFJ" + "Qr7sTu0vWx3yZa6bCd9eFg2hIj5kLm8n"
CLIENT_SECRET = "9fK2mQ7xLp4" + "Zr8Vt3Wn6Ys1B"
REGISTRATION = json.dumps({
    "client_id": "c-billing", "client_secret": CLIENT_SECRET, "client_id_issued_at": 1767225600,
    "client_secret_expires_at": 0, "redirect_uris": ["https://billing.example.com/cb"],
}, indent=2)
AGENT_KEYS = {
    "/agents/billing/openai_api_key": OPENAI_KEY,
    "/agents/billing/client_secret": CLIENT_SECRET,
    "/agents/billing/registration.json": REGISTRATION,
    "/agents/billing/model": "gpt-4o-mini",
    "/agents/support/config": "model: gpt-4o\nmax_tokens: 800\nowner: support-team\n",
    "/other/openai_api_key": OPENAI_KEY,  # outside the scanned prefix
}


class Etcd:
    """One etcd member on loopback ports, data in a temporary folder."""

    def __init__(self, data: Path, tls: Path | None = None) -> None:
        """`tls`: a folder from `_make_pki`; the server then speaks https only
        and asks clients for a certificate signed by its CA."""
        binary = shutil.which("etcd") or "/usr/bin/etcd"
        if not Path(binary).exists():
            pytest.fail("etcd is not installed: `apt-get install -y etcd-server` (.ci/run does this)")
        self.port, peer = free_port(), free_port()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.context = None
        tls_args: list[str] = []
        if tls:
            tls_args = ["--cert-file", str(tls / "server.crt"), "--key-file", str(tls / "server.key"),
                        "--trusted-ca-file", str(tls / "ca.crt"), "--client-cert-auth"]
            self.context = ssl.create_default_context(cafile=str(tls / "ca.crt"))
            self.context.load_cert_chain(str(tls / "client.crt"), str(tls / "client.key"))
        self.proc = subprocess.Popen(
            [binary, "--name", "t", "--data-dir", str(data),
             "--listen-client-urls", self.url, "--advertise-client-urls", self.url, *tls_args,
             "--listen-peer-urls", f"http://127.0.0.1:{peer}",
             "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
             "--initial-cluster", f"t=http://127.0.0.1:{peer}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.call("/v3/maintenance/status", {})
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"etcd did not start on {self.url}")
                time.sleep(0.1)

    def call(self, path: str, body: dict, token: str | None = None) -> dict:
        headers = {"Authorization": token} if token else {}
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                         headers=headers)
        with urllib.request.urlopen(request, timeout=10, context=self.context) as response:
            return json.loads(response.read())

    def put(self, key: str, value: str, token: str | None = None) -> None:
        self.call("/v3/kv/put", {"key": base64.b64encode(key.encode()).decode(),
                                 "value": base64.b64encode(value.encode()).decode()}, token)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def etcd(tmp_path_factory) -> Iterator[Etcd]:
    server = Etcd(tmp_path_factory.mktemp("etcd") / "data")
    for key, value in AGENT_KEYS.items():
        server.put(key, value)
    yield server
    server.stop()


@pytest.fixture
def fresh_etcd(tmp_path) -> Iterator[Etcd]:
    server = Etcd(tmp_path / "data")
    yield server
    server.stop()


def _run(etcd: Etcd, prefix: str, tmp_path: Path, *extra: str, env: dict[str, str] | None = None):
    out = tmp_path / "store.sarif"
    run = nhiguard("scan", f"etcd://127.0.0.1:{etcd.port}{prefix}", "--format", "sarif",
                   "--output", str(out), "--format", "text", *extra, cwd=tmp_path, env=env)
    return run, (json.loads(out.read_text()) if out.exists() else None), out


def test_acceptance_agent_key_and_registration_found_with_store_uris(etcd, tmp_path):
    run, log, out = _run(etcd, "/agents/", tmp_path)
    assert run.code == 1, run.stderr
    results = log["runs"][0]["results"]
    where = sarif_places(log)
    base = f"etcd://127.0.0.1:{etcd.port}/agents/billing"
    assert ("NHG101", f"{base}/openai_api_key") in where
    assert ("NHG207", f"{base}/registration.json") in where
    # The leaf key name gives a plain value its context.
    assert ("NHG102", f"{base}/client_secret") in where
    for r in results:
        location = r["locations"][0]["physicalLocation"]["artifactLocation"]
        assert "uriBaseId" not in location  # an absolute store URI, not under %SRCROOT%
        assert location["uri"].startswith(f"etcd://127.0.0.1:{etcd.port}/agents/")
    text = out.read_text() + run.stdout + run.stderr
    assert OPENAI_KEY not in text and CLIENT_SECRET not in text
    assert sarif_problems(out, tmp_path) == []


def test_harmless_values_and_keys_outside_the_prefix_are_not_reported(etcd, tmp_path):
    run, log, _ = _run(etcd, "/agents/support/", tmp_path)
    assert run.code == 0, run.stdout + run.stderr
    assert log["runs"][0]["results"] == []
    run, log, _ = _run(etcd, "/other/", tmp_path)
    assert run.code == 1
    assert {r["ruleId"] for r in log["runs"][0]["results"]} == {"NHG101"}


def test_every_key_is_read_once_across_many_pages(fresh_etcd):
    keys = [f"/bulk/agent-{i:04d}/model" for i in range(230)]
    for key in keys:
        fresh_etcd.put(key, "gpt-4o")
    fresh_etcd.put("/bulk0", "next to the prefix, not under it")
    store = EtcdStore.from_uri(f"etcd://127.0.0.1:{fresh_etcd.port}/bulk/", StoreOptions(page_size=7))
    seen = [a.uri for a in store.artifacts()]
    assert seen == [f"etcd://127.0.0.1:{fresh_etcd.port}{k}" for k in keys]


def test_keys_that_are_not_utf8_or_not_uri_safe_get_escaped_uris(fresh_etcd):
    for key in (b"/odd/caf\xe9 client_secret", "/odd/%2F/ünïcode".encode()):
        fresh_etcd.call("/v3/kv/put", {"key": base64.b64encode(key).decode(),
                                       "value": base64.b64encode(CLIENT_SECRET.encode()).decode()})
    store = EtcdStore.from_uri(f"etcd://127.0.0.1:{fresh_etcd.port}/odd/", StoreOptions())
    base = f"etcd://127.0.0.1:{fresh_etcd.port}/odd/"
    assert [a.uri for a in store.artifacts()] == [
        base + "%252F/%C3%BCn%C3%AFcode", base + "caf%E9%20client_secret"]


def test_a_server_killed_mid_scan_keeps_what_was_read_and_says_where_it_stopped(fresh_etcd):
    for i in range(9):
        fresh_etcd.put(f"/agents/a{i}/openai_api_key", OPENAI_KEY)
    store = EtcdStore.from_uri(f"etcd://127.0.0.1:{fresh_etcd.port}/agents/",
                               StoreOptions(page_size=3, timeout=3))

    def kill_after_first_batch(_: int) -> None:
        fresh_etcd.stop()

    result = scan_stores([store], all_rule_classes(), Policy(), jobs=1,
                         on_progress=kill_after_first_batch, batch=3)
    assert len(result.findings) == 3
    stopped = [n for n in result.notifications if n.kind == "store-error"]
    assert len(stopped) == 1 and stopped[0].level == "error"
    assert "stopped after 3 keys" in stopped[0].message
    assert f"127.0.0.1:{fresh_etcd.port}" in stopped[0].message


def test_an_unreachable_store_fails_the_scan_naming_it(tmp_path):
    port = free_port()  # nothing listens here
    run = nhiguard("scan", f"etcd://127.0.0.1:{port}/agents/", "--store-timeout", "3", cwd=tmp_path)
    assert run.code == 3
    assert f"etcd://127.0.0.1:{port}/agents/" in run.stderr and "cannot connect" in run.stderr
    assert "no findings" not in run.stdout.lower()
    with pytest.raises(StoreError):
        list(EtcdStore.from_uri(f"etcd://127.0.0.1:{port}/", StoreOptions(timeout=3)).artifacts())


def test_a_server_that_never_answers_times_out_naming_the_store(tmp_path):
    with socket.socket() as silent:  # accepts connections (backlog), never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        run = nhiguard("scan", f"etcd://127.0.0.1:{port}/agents/", "--store-timeout", "1",
                       cwd=tmp_path)
    assert run.code == 3, run.stderr
    assert f"etcd://127.0.0.1:{port}/agents/: timed out after 1 s" in run.stderr


def test_credentials_come_from_the_environment_and_permissions_are_enforced(fresh_etcd, tmp_path):
    for key, value in AGENT_KEYS.items():
        fresh_etcd.put(key, value)
    fresh_etcd.call("/v3/auth/role/add", {"name": "root"})
    fresh_etcd.call("/v3/auth/user/add", {"name": "root", "password": "root-pw"})
    fresh_etcd.call("/v3/auth/user/grant", {"user": "root", "role": "root"})
    # A reader allowed /agents/billing/ only.
    fresh_etcd.call("/v3/auth/role/add", {"name": "billing"})
    fresh_etcd.call("/v3/auth/role/grant", {"name": "billing", "perm": {
        "permType": "READ", "key": base64.b64encode(b"/agents/billing/").decode(),
        "range_end": base64.b64encode(prefix_end(b"/agents/billing/")).decode()}})
    fresh_etcd.call("/v3/auth/user/add", {"name": "reader", "password": "reader-pw"})
    fresh_etcd.call("/v3/auth/user/grant", {"user": "reader", "role": "billing"})
    fresh_etcd.call("/v3/auth/enable", {})

    run, _, _ = _run(fresh_etcd, "/agents/", tmp_path)
    assert run.code == 3 and "etcd://" in run.stderr  # no credentials: refused, not "clean"
    run, _, _ = _run(fresh_etcd, "/agents/", tmp_path,
                     env={"ETCD_USERNAME": "reader", "ETCD_PASSWORD": "wrong"})
    assert run.code == 3 and "authentication failed" in run.stderr
    assert "wrong" not in run.stderr
    run, _, _ = _run(fresh_etcd, "/agents/", tmp_path,
                     env={"ETCD_USERNAME": "reader", "ETCD_PASSWORD": "reader-pw"})
    assert run.code == 3 and "permission denied" in run.stderr
    run, log, _ = _run(fresh_etcd, "/agents/billing/", tmp_path,
                       env={"ETCD_USERNAME": "reader", "ETCD_PASSWORD": "reader-pw"})
    assert run.code == 1, run.stderr
    assert {"NHG101", "NHG207"} <= {r["ruleId"] for r in log["runs"][0]["results"]}


def _make_pki(folder: Path) -> Path:
    """A throw-away CA, a server certificate for 127.0.0.1 and a client certificate."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
            "-keyout", "ca.key", "-out", "ca.crt")
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    for name, extra in (("server", ["-extfile", "san.cnf"]), ("client", [])):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout",
                f"{name}.key", "-out", f"{name}.csr")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-out", f"{name}.crt", *extra)
    return folder


def test_tls_with_a_client_certificate(tmp_path):
    pki = _make_pki(tmp_path)
    server = Etcd(tmp_path / "data", tls=pki)
    try:
        server.put("/agents/billing/openai_api_key", OPENAI_KEY)
        uri = f"etcd://127.0.0.1:{server.port}/agents/"
        ca, cert, key = (str(pki / n) for n in ("ca.crt", "client.crt", "client.key"))
        run = nhiguard("scan", uri, "--store-ca", ca, "--store-cert", cert, "--store-key", key,
                       "--format", "json", cwd=tmp_path)
        assert run.code == 1, run.stderr
        assert [f["rule_id"] for f in run.json()["findings"]] == ["NHG101"]
        # Without the client certificate the server refuses the handshake.
        run = nhiguard("scan", uri, "--store-ca", ca, "--store-timeout", "3", cwd=tmp_path)
        assert run.code == 3 and uri in run.stderr
    finally:
        server.stop()


def test_prefix_end_follows_etcds_prefix_rule():
    assert prefix_end(b"/agents/") == b"/agents0"
    assert prefix_end(b"a\xff") == b"b"
    assert prefix_end(b"") == b"\0"
