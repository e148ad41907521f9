"""Inline suppressions: on the line or the line above, with a justification."""

from __future__ import annotations

from datetime import date

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


def _notes(run) -> list[tuple[str, int]]:
    return [(n["kind"], n["line"]) for n in run.json()["notifications"]]


def test_an_id_prefix_covers_the_family(tmp_path):
    run = _scan(tmp_path, f'A = "{PAT}"  # nhiguard: ignore[NHG1] test fixture\n')
    assert run.code == 0
    assert run.json()["findings"][0]["suppression"] == "test fixture"
    other = _scan(tmp_path, f'A = "{PAT}"  # nhiguard: ignore[NHG2]\n')
    assert other.code == 1


def test_an_ignore_expires(tmp_path):
    text = (f'A = "{PAT}"  # nhiguard: ignore[NHG101] until=2020-01-31 rotate by then\n\n'
            f'B = "{PAT}"  # nhiguard: ignore[NHG101] until=2999-12-31 rotate by then\n\n'
            f'C = "{PAT}"  # nhiguard: ignore[NHG101] until=someday\n')
    run = _scan(tmp_path, text)
    assert run.code == 1
    findings = run.json()["findings"]
    assert [(f["line"], f["suppression"]) for f in findings] == [(1, None), (3, "rotate by then"), (5, None)]
    assert _notes(run) == [("expired-ignore", 1), ("bad-ignore", 5)]
    assert "expired on 2020-01-31" in run.json()["notifications"][0]["message"]


def test_the_expiry_is_compared_with_today(tmp_path):
    from nhiguard.document import Document
    from nhiguard.finding import Finding
    from nhiguard.suppress import apply_suppressions

    doc = Document("a.py", "A = 1  # nhiguard: ignore[NHG101] until=2026-06-30\n", "python")
    finding = Finding("NHG101", "a.py", 1, 1, 1, 5, "m", "A = 1", "error")
    before = apply_suppressions(doc, [finding], today=date(2026, 6, 30))
    assert before[0].suppressed and doc.notifications == []
    after = apply_suppressions(doc, [finding], today=date(2026, 7, 1))
    assert not after[0].suppressed and [n.kind for n in doc.notifications] == ["expired-ignore"]


def test_unused_and_unknown_ignores_are_reported(tmp_path):
    text = ("X = 1  # nhiguard: ignore[NHG101] the key was rotated long ago\n\n"
            "Y = 2  # nhiguard: ignore[NHG999]\n\n"
            f'Z = "{PAT}"  # nhiguard: ignore[NHG101]\n')
    run = _scan(tmp_path, text)
    assert _notes(run) == [("unused-ignore", 1), ("unknown-ignore", 3)]
    assert run.code == 0  # notifications never change the exit code
    # A rule that did not run cannot tell whether its ignore is stale.
    narrowed = nhiguard("scan", ".", "--format", "json", "--select", "NHG2", cwd=tmp_path)
    assert _notes(narrowed) == [("unknown-ignore", 3)]
