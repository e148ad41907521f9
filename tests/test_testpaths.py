"""Test code and recorded test data: structural rules skip them by default,
literal-secret rules do not, and `--include-tests` / `include-tests` bring
them back. Paths are judged below the folder the user asked to scan."""

from __future__ import annotations

import pytest
from helpers import git, nhiguard, write_tree
from nhiguard.engine import Prefilter, scan_artifact
from nhiguard.policy import Policy
from nhiguard.registry import all_rule_classes, select_rules
from nhiguard.sources import Artifact
from nhiguard.testpaths import is_test_path

PAT = "ghp_" + "Lk7Qw2Er9Ty4Ui1Op6As3Df8Gh5Jk0Zx2CvB"
# An Auth0 tenant that turns dynamic registration on: NHG205 reports line 4.
OPEN_TENANT = ('resource "auth0_tenant" "main" {\n  friendly_name = "Acme"\n  flags {\n'
               '    enable_dynamic_client_registration = true\n  }\n}\n')
TREE = {
    "infra/tenant.tf": OPEN_TENANT,
    "tests/tenant.tf": OPEN_TENANT,
    "pkg/__snapshots__/tenant.tf": OPEN_TENANT,
    "tests/keys.py": f'key = "{PAT}"\n',
}


@pytest.mark.parametrize("uri", [
    "tests/server.py", "test/server.py", "src/pkg/testing/server.py", "web/__tests__/a.ts",
    "test_server.py", "pkg/server_test.py", "cmd/server_test.go", "src/auth.test.ts",
    "src/auth.spec.ts", "src/auth.spec.tsx", "conftest.py", "pkg/conftest.py",
    "web/__snapshots__/a.ts.snap", "pkg/.snapshots/login.json", "go/testdata/realm.json",
    "tests/fixtures/dcr/server.py", "rec/cassettes/register.yaml", "out/register.golden",
    "Tests/Server.py", "spec/models/client_spec.rb",
])
def test_test_paths(uri):
    assert is_test_path(uri)


@pytest.mark.parametrize("uri", [
    "server.py", "src/pkg/server.py", "src/contest/server.py", "src/latest/server.py",
    "attestation.py", "testimony.py", "src/protest_test_helpers/x.py", "src/testutils.py",
    "docs/testing.md", "src/attest.ts", "src/spectrum.ts", "cmd/server.go",
])
def test_shipped_paths(uri):
    assert not is_test_path(uri)


def test_a_path_is_judged_below_the_scanned_folder():
    assert is_test_path("tests/fixtures/dcr/server.py")
    assert not is_test_path("tests/fixtures/dcr/server.py", "tests/fixtures/dcr/")
    assert is_test_path("tests/fixtures/dcr/tests/server.py", "tests/fixtures/dcr/")
    assert is_test_path("tests/fixtures/dcr/test_server.py", "tests/fixtures/dcr/")


def _found(run) -> list[tuple[str, str]]:
    assert run.code in (0, 1), run.stderr
    return sorted((f["uri"], f["rule_id"]) for f in run.json()["findings"])


def test_structural_rules_skip_tests_and_recorded_data_by_default(tmp_path):
    write_tree(tmp_path, TREE)
    run = nhiguard("scan", ".", "--format", "json", cwd=tmp_path)
    assert _found(run) == [("infra/tenant.tf", "NHG205"), ("tests/keys.py", "NHG101")]


def test_include_tests_flag_and_setting_bring_them_back(tmp_path):
    write_tree(tmp_path, TREE)
    everything = [("infra/tenant.tf", "NHG205"), ("pkg/__snapshots__/tenant.tf", "NHG205"),
                  ("tests/keys.py", "NHG101"), ("tests/tenant.tf", "NHG205")]
    assert _found(nhiguard("scan", ".", "--format", "json", "--include-tests",
                           cwd=tmp_path)) == everything
    write_tree(tmp_path, {".nhiguard.toml": "include-tests = true\n"})
    assert _found(nhiguard("scan", ".", "--format", "json", cwd=tmp_path)) == everything


def test_include_tests_setting_must_be_a_boolean(tmp_path):
    write_tree(tmp_path, {".nhiguard.toml": 'include-tests = "yes"\n', "a.py": "x = 1\n"})
    run = nhiguard("scan", ".", cwd=tmp_path)
    assert run.code == 2
    assert "include-tests must be true or false" in run.stderr


@pytest.mark.parametrize("in_git", [False, True])
def test_a_test_folder_named_on_the_command_line_is_scanned(tmp_path, in_git):
    write_tree(tmp_path, TREE)
    if in_git:
        git(tmp_path, "init", "-q")
    run = nhiguard("scan", "tests", "--format", "json", cwd=tmp_path)
    assert _found(run) == [("tests/keys.py", "NHG101"), ("tests/tenant.tf", "NHG205")]
    # A test folder below the named one is still test code.
    run = nhiguard("scan", "pkg", "--format", "json", cwd=tmp_path)
    assert _found(run) == []


def test_a_named_test_file_is_judged_by_its_name(tmp_path):
    request = next(e for e in select_rules(["NHG201"])[0].INVALID if e.path.endswith(".py"))
    write_tree(tmp_path, {"tests/test_register.py": request.code, "tests/register.py": request.code})
    assert {uri for uri, _ in _found(nhiguard("scan", "tests/register.py", "--format", "json",
                                              cwd=tmp_path))} == {"tests/register.py"}
    assert _found(nhiguard("scan", "tests/test_register.py", "--format", "json",
                           cwd=tmp_path)) == []


def test_every_registration_rule_skips_tests_and_every_literal_rule_scans_them():
    for cls in all_rule_classes():
        if cls.id.startswith("NHG2"):
            assert cls.scans_tests is False, cls.id
        if cls.literal_secret:
            assert cls.scans_tests is True, cls.id


def test_engine_skip_reads_the_artifact_root_and_the_policy():
    rules = select_rules(["NHG205"])
    data = OPEN_TENANT.encode()
    default = Prefilter([cls() for cls in rules])
    included = Prefilter([cls(Policy(include_tests=True)) for cls in rules])
    assert scan_artifact(Artifact(uri="tests/t.tf", data=data), default).findings == []
    assert len(scan_artifact(Artifact(uri="tests/t.tf", data=data, root="tests/"),
                             default).findings) == 1
    assert len(scan_artifact(Artifact(uri="tests/t.tf", data=data), included).findings) == 1
