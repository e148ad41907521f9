"""Inline suppressions: on the line or the line above, with a justification."""

from __future__ import annotations

from helpers import nhiguard, write_tree

PAT = "ghp_" + "Rt5Ym8Kp3Hd6Bs1Gf0Ja2UeWq4Xv9Lw2Nc7Z"


def _scan(tmp_path, text, name="a.py"):
    write_tree(tmp_path, {name: text})
    return nhiguard("scan", ".", "--format", "json", "--include-suppressed", cwd=tmp_path)


def test_ignore_on_the_line_or_the_line_above(tmp_path):
    run = _scan(tmp_path, f'A = "{PAT}"  # nhiguard: ignore[NHG101] fixture for a test\n'
                          f"# nhiguard: ignore[NHG102, NHG101]\nB = \"{PAT}\"\n")
    assert run.code == 0  # suppressed findings do not fail the run
    findings = run.json()["findings"]
    assert [(f["line"], f["suppression"]) for f in findings] == [(1, "fixture for a test"), (3, "")]


def test_ignore_for_another_rule_does_not_suppress(tmp_path):
    run = _scan(tmp_path, f'A = "{PAT}"  # nhiguard: ignore[NHG201]\n')
    assert run.code == 1
    assert run.json()["findings"][0]["suppression"] is None


def test_bare_ignore_suppresses_nothing_and_is_reported(tmp_path):
    run = _scan(tmp_path, f'A = "{PAT}"  # nhiguard: ignore\n')
    assert run.code == 1
    data = run.json()
    assert data["findings"][0]["suppression"] is None
    assert [(n["kind"], n["line"]) for n in data["notifications"]] == [("bare-ignore", 1)]


def test_quoted_directives_in_docs_are_not_directives(tmp_path):
    run = _scan(tmp_path, "A bare `nhiguard: ignore` names no rule.\n", name="README.md")
    assert run.json()["notifications"] == []


def test_suppressed_findings_are_hidden_unless_asked(tmp_path):
    write_tree(tmp_path, {"a.py": f'A = "{PAT}"  # nhiguard: ignore[NHG101]\n'})
    run = nhiguard("scan", ".", "--format", "json", cwd=tmp_path)
    assert run.code == 0 and run.json()["findings"] == []
    assert run.json()["summary"]["suppressed"] == 1
