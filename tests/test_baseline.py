"""Baselines: `nhiguard baseline FILE` then `nhiguard scan --baseline FILE`,
as real processes. Accepted findings stay accepted when lines are inserted
above them or their file moves; new ones are reported and fail the run."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import nhiguard, sarif_problems, write_tree

PAT = "ghp_" + ("Kd2Hs7Jf4Gp0YaQw8Zr3" * 2)[:36]
OTHER = "ghp_" + ("Qm8Xc2Vb5Nl1Rt7Wy4Pz" * 2)[:36]


def _results(stdout: str) -> list[dict]:
    return json.loads(stdout)["runs"][0]["results"]


def _state(results: list[dict]) -> list[tuple[str, int, str]]:
    return sorted((r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                   r["locations"][0]["physicalLocation"]["region"]["startLine"], r["baselineState"])
                  for r in results)


def _baselined(tmp_path: Path) -> Path:
    repo = write_tree(tmp_path / "repo", {"app/agent.py": f'TOKEN = "{PAT}"\n'})
    made = nhiguard("baseline", "../nhiguard-baseline.json", ".", cwd=repo)
    assert made.code == 0, made.stderr
    assert "wrote 1 finding to" in made.stderr
    return repo


def test_the_baseline_holds_keys_not_lines_or_secrets(tmp_path):
    _baselined(tmp_path)
    text = (tmp_path / "nhiguard-baseline.json").read_text()
    data = json.loads(text)
    assert data["version"] == 1
    [entry] = data["findings"]
    assert entry["rule"] == "NHG101" and entry["count"] == 1 and entry["paths"] == ["app/agent.py"]
    assert PAT not in text and PAT[4:20] not in text and "line" not in json.dumps(entry)


def test_inserted_lines_and_a_moved_file_stay_accepted(tmp_path):
    repo = _baselined(tmp_path)
    baseline = str(tmp_path / "nhiguard-baseline.json")
    assert nhiguard("scan", "--baseline", baseline, cwd=repo).code == 0

    (repo / "app/agent.py").write_text(f'"""Agent."""\nimport os\n\n\nTOKEN = "{PAT}"\n')
    (repo / "app/agent.py").rename(repo / "lib_agent.py")
    run = nhiguard("scan", "--baseline", baseline, "--format", "sarif", cwd=repo)
    assert run.code == 0, run.stdout
    assert _results(run.stdout) == []  # GitHub ignores suppressions: left out by default
    shown = nhiguard("scan", "--baseline", baseline, "--format", "sarif", "--include-suppressed", cwd=repo)
    [result] = _results(shown.stdout)
    assert _state([result]) == [("lib_agent.py", 5, "unchanged")]
    assert result["suppressions"][0]["kind"] == "external"


def test_new_findings_are_reported_and_fail(tmp_path):
    repo = _baselined(tmp_path)
    baseline = str(tmp_path / "nhiguard-baseline.json")
    write_tree(repo, {"app/agent.py": f'TOKEN = "{PAT}"\nSECOND = "{OTHER}"\n',
                      "again.py": f'TOKEN = "{PAT}"\n'})  # the same line again counts as new
    run = nhiguard("scan", "--baseline", baseline, "--format", "sarif", "--include-suppressed", cwd=repo)
    assert run.code == 1
    assert _state(_results(run.stdout)) == [("again.py", 1, "new"), ("app/agent.py", 1, "unchanged"),
                                             ("app/agent.py", 2, "new")]
    (tmp_path / "states.sarif").write_text(run.stdout)
    assert sarif_problems(tmp_path / "states.sarif", tmp_path) == []
    text = nhiguard("scan", "--baseline", baseline, cwd=repo)
    assert text.code == 1 and "1 in the baseline" in text.stdout
    assert "app/agent.py:1" not in text.stdout and "app/agent.py:2" in text.stdout


def test_fixed_findings_are_counted_as_absent(tmp_path):
    repo = _baselined(tmp_path)
    (repo / "app/agent.py").write_text("TOKEN = None\n")
    run = nhiguard("scan", "--baseline", str(tmp_path / "nhiguard-baseline.json"), cwd=repo)
    assert run.code == 0
    assert "1 baselined finding no longer occurs" in run.stderr


def test_a_bad_baseline_is_a_usage_error(tmp_path):
    repo = write_tree(tmp_path / "repo", {"a.py": "x = 1\n", "bad.json": '{"version": 1}',
                                          "odd.json": '{"version": 1, "findings": [{"rule": 1}]}'})
    for name in ("missing.json", "a.py", "bad.json", "odd.json"):
        run = nhiguard("scan", "--baseline", name, cwd=repo)
        assert run.code == 2, (name, run.stderr)
        assert run.stderr.startswith("nhiguard: ") and "Traceback" not in run.stderr
