"""Output conventions users rely on: severity shown, a line for findings
below --fail-on, the JSON schema, colour switches, case-insensitive
--fail-on, rule names in --select/--ignore, line numbers on notices, and
singular/plural in summaries."""

from __future__ import annotations

import json

import jsonschema
from helpers import ROOT, nhiguard, write_tree
from nhiguard import cli

PAT = "ghp_" + ("Kd2Hs7Jf4Gp0YaQw8Zr3" * 2)[:36]
ESC = "\x1b["


def _tree(tmp_path):
    return write_tree(tmp_path / "t", {
        "a.py": f'T = "{PAT}"\n',
        "quiet.py": f'T = "{PAT}"  # nhiguard: ignore[NHG101] test fixture\n',
        # A candidate secret makes the Python view parse it, which fails on line 1.
        "broken.py": 'def f(:\n    CLIENT_SECRET = "Zq8vX2mN4bR7tY1wK5pL9sD3fG6hJ0cA"\n',
    })


def test_json_output_validates_against_the_documented_schema(tmp_path):
    tree = _tree(tmp_path)
    schema = json.loads((ROOT / "docs/report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    baseline = tmp_path / "b.json"
    assert nhiguard("baseline", str(baseline), cwd=tree).code == 0
    write_tree(tree, {"b.py": f'U = "{PAT}"\n'})
    for args in ([], ["--include-suppressed"], ["--include-suppressed", "--baseline", str(baseline)]):
        run = nhiguard("scan", "--format", "json", *args, cwd=tree)
        data = run.json()
        jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
        assert data["schema_version"] == "1.0"
        assert data["notifications"] and data["findings"]
    assert {f["baseline_state"] for f in data["findings"]} == {"new", "unchanged", None}
    assert {f["severity"] for f in data["findings"]} == {"high"}


def test_severity_is_shown_and_findings_below_fail_on_are_counted(tmp_path):
    tree = _tree(tmp_path)
    run = nhiguard("scan", "a.py", "--fail-on", "CRITICAL", cwd=tree)
    assert run.code == 0
    assert "a.py:1:6: NHG101 [ProviderApiKey, high] " in run.stdout
    assert "1 finding in 1 file (NHG101: 1)" in run.stdout
    assert "1 finding below --fail-on critical: reported, not failing the run" in run.stdout
    assert nhiguard("scan", "a.py", "--fail-on", "High", cwd=tree).code == 1
    failing = nhiguard("scan", "a.py", cwd=tree)
    assert "below --fail-on" not in failing.stdout
    write_tree(tree, {".nhiguard.toml": 'fail-on = "NONE"\n'})
    assert nhiguard("scan", "a.py", cwd=tree).code == 0
    rules = nhiguard("rules", cwd=tree)
    assert any(line.split()[:3] == ["NHG101", "ProviderApiKey", "high"] for line in rules.stdout.splitlines())
    assert {line.split()[2] for line in rules.stdout.splitlines()} <= {"critical", "high", "medium", "low"}


def test_plural_summaries(tmp_path):
    tree = _tree(tmp_path)
    run = nhiguard("scan", cwd=tree)
    assert "2 findings in 3 files (NHG101: 1, NHG102: 1); 1 suppressed; 1 notice (listed" in run.stdout
    one = nhiguard("scan", "a.py", cwd=tree)
    assert "1 finding in 1 file (NHG101: 1)\n" in one.stdout


class _Terminal:
    def isatty(self) -> bool:
        return True


def test_colour_switches(tmp_path, monkeypatch):
    tree = _tree(tmp_path)
    assert ESC in nhiguard("scan", "a.py", "--color", "always", cwd=tree).stdout
    assert ESC not in nhiguard("scan", "a.py", "--color", "never", cwd=tree).stdout
    assert ESC not in nhiguard("scan", "a.py", cwd=tree).stdout  # auto, and not a terminal
    # auto on a terminal: colour unless NO_COLOR or TERM=dumb; never into a file.
    monkeypatch.setattr(cli.sys, "stdout", _Terminal())
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert cli._colour("auto", to_stdout=True) is True
    assert cli._colour("auto", to_stdout=False) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli._colour("auto", to_stdout=True) is False
    assert cli._colour("always", to_stdout=True) is True
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert cli._colour("auto", to_stdout=True) is False


def test_select_and_ignore_take_rule_names(tmp_path):
    tree = _tree(tmp_path)
    assert nhiguard("scan", "a.py", "--select", "ProviderApiKey", cwd=tree).code == 1
    assert nhiguard("scan", "a.py", "--ignore", "providerapikey", cwd=tree).code == 0
    assert nhiguard("scan", "a.py", "--select", "NoSuchRule", cwd=tree).code == 2


def test_github_notices_keep_line_numbers(tmp_path):
    tree = _tree(tmp_path)
    run = nhiguard("scan", "broken.py", "--format", "github", cwd=tree)
    [notice] = [line for line in run.stdout.splitlines() if line.startswith("::warning")]
    assert notice.startswith("::warning file=broken.py,line=1::could not parse as Python")
