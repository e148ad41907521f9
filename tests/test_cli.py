"""The command line as users drive it: formats, outputs, selection, exit codes."""

from __future__ import annotations

import json

from helpers import git, nhiguard, write_tree

PAT = "ghp_" + "Lk7Qw2Er9Ty4Ui1Op6As3Df8Gh5Jk0Zx2CvB"
AWS = "AKIA" + "Q7W3E5R2T4Y6U2I3"


def test_exit_0_when_clean(tmp_path):
    write_tree(tmp_path, {"a.py": 'import os\nkey = os.environ["K"]\n'})
    run = nhiguard("scan", ".", cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert "0 findings" in run.stdout


def test_exit_1_on_findings_and_text_shows_location(tmp_path):
    write_tree(tmp_path, {"svc/a.py": f'key = "{PAT}"\n'})
    run = nhiguard("scan", ".", cwd=tmp_path)
    assert run.code == 1
    assert "svc/a.py:1:8: NHG101" in run.stdout
    assert PAT not in run.stdout + run.stderr


def test_exit_2_on_usage_and_config_errors(tmp_path):
    write_tree(tmp_path, {"a.py": "x = 1\n"})
    assert nhiguard("scan", "missing-folder", cwd=tmp_path).code == 2
    assert nhiguard("scan", ".", "--select", "NHG999", cwd=tmp_path).code == 2
    assert nhiguard("scan", ".", "--format", "xml", cwd=tmp_path).code == 2
    assert nhiguard("scan", ".", "--format", "json", "--format", "sarif", cwd=tmp_path).code == 2
    write_tree(tmp_path, {".nhiguard.toml": "selectt = ['NHG1']\n"})
    run = nhiguard("scan", ".", cwd=tmp_path)
    assert run.code == 2 and "unknown setting" in run.stderr
    write_tree(tmp_path, {".nhiguard.toml": "[policy]\nmax-secret-lifetime-days = 'long'\n"})
    assert nhiguard("scan", ".", cwd=tmp_path).code == 2
    write_tree(tmp_path, {".nhiguard.toml": "not toml = = =\n"})
    assert nhiguard("scan", ".", cwd=tmp_path).code == 2
    assert nhiguard("rules", "NHG999", cwd=tmp_path).code == 2


def test_exit_2_when_an_output_cannot_be_written(tmp_path):
    # An output path error is the user's to fix (2), not a failed scan (3).
    write_tree(tmp_path, {"a.py": "x = 1\n"})
    run = nhiguard("scan", ".", "--format", "json", "--output", str(tmp_path / "no/such/dir/x.json"),
                   cwd=tmp_path)
    assert run.code == 2 and "cannot write" in run.stderr


def test_fail_on_threshold(tmp_path):
    write_tree(tmp_path, {"a.py": f'key = "{PAT}"\n'})  # NHG101 is high severity (error)
    assert nhiguard("scan", ".", "--fail-on", "critical", cwd=tmp_path).code == 0
    assert nhiguard("scan", ".", "--fail-on", "high", cwd=tmp_path).code == 1
    assert nhiguard("scan", ".", "--fail-on", "error", cwd=tmp_path).code == 1
    assert nhiguard("scan", ".", "--fail-on", "none", cwd=tmp_path).code == 0
    write_tree(tmp_path, {"pyproject.toml": "[tool.nhiguard]\nfail-on = 'critical'\n"})
    assert nhiguard("scan", ".", cwd=tmp_path).code == 0


def test_select_and_ignore(tmp_path):
    write_tree(tmp_path, {"a.py": f'key = "{PAT}"\n'})
    assert nhiguard("scan", ".", "--ignore", "NHG101", cwd=tmp_path).code == 0
    assert nhiguard("scan", ".", "--select", "NHG1", cwd=tmp_path).code == 1
    write_tree(tmp_path, {".nhiguard.toml": "ignore = ['NHG101']\n"})
    assert nhiguard("scan", ".", cwd=tmp_path).code == 0


def test_several_formats_in_one_run(tmp_path):
    write_tree(tmp_path, {"a.py": f'key = "{PAT}"\n'})
    out = tmp_path.parent / f"{tmp_path.name}.sarif"
    run = nhiguard("scan", ".", "--format", "sarif", "--output", str(out), "--format", "json",
                   cwd=tmp_path)
    assert run.code == 1
    # Each --format pairs with the --output at its position; json went to stdout.
    assert json.loads(out.read_text())["version"] == "2.1.0"
    assert run.json()["findings"][0]["rule_id"] == "NHG101"


def test_github_annotations(tmp_path):
    write_tree(tmp_path, {"a b.py": f'key = "{PAT}"\n'})
    run = nhiguard("scan", ".", "--format", "github", cwd=tmp_path)
    assert run.stdout.startswith("::error file=a b.py,line=1,endLine=1,col=8,title=NHG101 ProviderApiKey::")


def test_exclude_and_gitignore(tmp_path):
    write_tree(tmp_path, {
        "keep.py": f'k = "{PAT}"\n',
        "ignored/x.py": f'k = "{PAT}"\n',
        "fixtures/y.py": f'k = "{PAT}"\n',
        ".gitignore": "ignored/\n",
    })
    git(tmp_path, "init", "-q")
    run = nhiguard("scan", ".", "--format", "json", "--exclude", "fixtures", cwd=tmp_path)
    assert [f["uri"] for f in run.json()["findings"]] == ["keep.py"]


def test_outside_git_the_folder_is_walked(tmp_path):
    write_tree(tmp_path, {"deep/er/k.env": f"AWS_ACCESS_KEY_ID={AWS}\n"})
    run = nhiguard("scan", str(tmp_path / "deep"), "--format", "json", cwd=tmp_path)
    assert [(f["uri"], f["line"]) for f in run.json()["findings"]] == [("deep/er/k.env", 1)]


def test_output_is_identical_for_any_job_count(tmp_path):
    files = {f"pkg{i % 7}/m{i}.py": (f'K{i} = "{PAT}"\n' if i % 5 == 0 else f"x = {i}\n")
             for i in range(200)}
    write_tree(tmp_path, files)
    one = nhiguard("scan", ".", "--format", "sarif", "--jobs", "1", cwd=tmp_path)
    two = nhiguard("scan", ".", "--format", "sarif", "--jobs", "2", cwd=tmp_path)
    assert one.code == two.code == 1
    assert one.stdout == two.stdout
    assert len(json.loads(one.stdout)["runs"][0]["results"]) == 40


def test_rules_listing_and_explanation(tmp_path):
    listing = nhiguard("rules", cwd=tmp_path)
    assert listing.code == 0 and "NHG101" in listing.stdout
    explain = nhiguard("rules", "nhg101", cwd=tmp_path)
    assert explain.code == 0
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in explain.stdout
    assert "CWE-798" in explain.stdout


def test_version_names_the_pattern_engine(tmp_path):
    run = nhiguard("--version", cwd=tmp_path)
    assert run.code == 0 and "pattern engine:" in run.stdout


def test_github_format_writes_a_job_summary(tmp_path):
    import subprocess
    import sys

    write_tree(tmp_path, {"a.py": f'key = "{PAT}"\n'})
    summary = tmp_path.parent / f"{tmp_path.name}-summary.md"
    proc = subprocess.run([sys.executable, "-m", "nhiguard", "scan", ".", "--format", "github"],
                          cwd=tmp_path, capture_output=True, text=True, check=False,
                          env={"PATH": "/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 1
    text = summary.read_text()
    assert "## nhiguard: 1 finding" in text and "`a.py:1`" in text and PAT not in text


def test_rules_shows_the_policy_a_rule_reads(tmp_path):
    defaults = nhiguard("rules", "NHG201", cwd=tmp_path)
    assert "max-secret-lifetime-days = 90" in defaults.stdout
    write_tree(tmp_path, {".nhiguard.toml": "[policy]\nmax-secret-lifetime-days = 7\n"
                                            "owner-fields = ['x-owner']\n"})
    configured = nhiguard("rules", "NHG201", cwd=tmp_path)
    assert "max-secret-lifetime-days = 7" in configured.stdout and ".nhiguard.toml" in configured.stdout
    owner = nhiguard("rules", "NHG202", cwd=tmp_path)
    assert "owner-fields = contacts, software_statement, x-owner" in owner.stdout
