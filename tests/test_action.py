"""The GitHub Action's scan step, run by real bash in a real git repository
with the environment GitHub would give it (the step script is read from
action.yml, not copied)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from helpers import ROOT, git, write_tree

PAT = "ghp_" + ("Kd2Hs7Jf4Gp0YaQw8Zr3" * 2)[:36]


def _scan_step() -> dict:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    return next(s for s in action["runs"]["steps"] if s.get("id") == "scan")


def _run_step(repo: Path, tmp: Path, base: str = "", head: str = "") -> tuple[dict[str, str], str]:
    step = _scan_step()
    inputs = {"paths": ".", "fail-on": "low", "sarif-file": str(tmp / "out.sarif"), "args": "",
              "changed-lines-only": "true"}
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp),
           "GITHUB_OUTPUT": str(tmp / "github_output")}
    for name, template in step["env"].items():
        key = template.strip("${} ").split(".")
        if key[0] == "inputs":
            env[name] = inputs[key[1]]
        elif template.endswith("base.sha }}"):
            env[name] = base
        elif template.endswith("head.sha }}"):
            env[name] = head
    (tmp / "github_output").write_text("")
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env={**env}, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr  # the step records the code, the last step fails
    outputs = dict(line.split("=", 1) for line in (tmp / "github_output").read_text().splitlines())
    return outputs, proc.stdout


def test_push_scans_the_tree_and_reports_findings(tmp_path):
    repo = write_tree(tmp_path / "repo", {"a.py": f'T = "{PAT}"\n'})
    git(repo, "init", "-q")
    outputs, stdout = _run_step(repo, tmp_path)
    assert outputs["exit-code"] == "1"
    assert stdout.startswith("::error file=a.py,line=1")
    assert Path(outputs["sarif-file"]).exists() and PAT not in stdout


def test_pull_request_reports_only_added_lines(tmp_path):
    repo = write_tree(tmp_path / "repo", {"old.py": f'T = "{PAT}"\n', "new.py": "x = 1\n"})
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    write_tree(repo, {"new.py": "x = 1\nY = 2\n"})
    git(repo, "commit", "-qam", "change")
    head = git(repo, "rev-parse", "HEAD").strip()
    outputs, stdout = _run_step(repo, tmp_path, base, head)
    assert outputs["exit-code"] == "0", stdout  # the old secret is not this PR's doing

    write_tree(repo, {"new.py": f'x = 1\nY = 2\nZ = "{PAT}"\n'})
    git(repo, "commit", "-qam", "leak")
    head = git(repo, "rev-parse", "HEAD").strip()
    outputs, stdout = _run_step(repo, tmp_path, base, head)
    assert outputs["exit-code"] == "1"
    assert "file=new.py,line=3" in stdout and "old.py" not in stdout


def test_inputs_reach_the_script_through_the_environment_only():
    step = _scan_step()
    assert "${{" not in step["run"]
