"""The README's pre-commit snippet and install commands, pasted as they are
into a fresh repository and a fresh virtual environment. The one change is
the repository URL, pointed at this clone's git directory, so nhiguard comes
from the local history at the commit the snippets pin (the Action's workflow
is run in tests/test_action.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from helpers import ROOT, git, write_tree
from snippets import PROJECT_URL, local_repository_url, readme_block, require_commit_in_history

PAT = "ghp_" + "Tq7Wm2Xc9Rb4Ne6Ys1Pk8Lh3Fd5Gj0Zv2Ua9"
BIN = Path(sys.executable).parent


def _precommit_snippet() -> str:
    return readme_block("### pre-commit", "yaml")


def _pinned() -> tuple[str, str]:
    """(commit, version) the pre-commit snippet pins: `rev: SHA  # frozen: vX.Y.Z`."""
    pin = re.search(r"^ +rev: ([0-9a-f]{40})  # frozen: v(\d+\.\d+\.\d+)$", _precommit_snippet(), re.M)
    assert pin, "the pre-commit snippet pins a full commit SHA with `# frozen: vX.Y.Z`"
    return pin[1], pin[2]


def _install_commands() -> list[str]:
    return [line[2:] for line in readme_block("## Install", "console").splitlines() if line.startswith("$ ")]


def test_every_snippet_pins_one_commit_of_this_history_with_its_version():
    sha, version = _pinned()
    workflow = readme_block("### GitHub Action", "yaml")
    assert re.findall(r"uses: nhiguard/nhiguard@(\S+) # v(\S+)", workflow) == [(sha, version)]
    remote = [c for c in _install_commands() if PROJECT_URL in c]
    assert len(remote) == 3 and all(f"{PROJECT_URL}@{sha}" in c for c in remote), remote
    require_commit_in_history(sha)
    pyproject = tomllib.loads(git(ROOT, "show", f"{sha}:pyproject.toml"))
    assert pyproject["project"]["version"] == version
    hooks = {h["id"] for h in yaml.safe_load(git(ROOT, "show", f"{sha}:.pre-commit-hooks.yaml"))}
    (repo,) = yaml.safe_load(_precommit_snippet())["repos"]
    assert {h["id"] for h in repo["hooks"]} <= hooks
    assert "nhiguard" in hooks  # the one the snippet's comment offers instead
    git(ROOT, "cat-file", "-e", f"{sha}:action.yml")


def _commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "commit", "-m", message], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=900, check=False)


def test_precommit_snippet_stops_a_commit_that_adds_a_secret(tmp_path):
    sha, _ = _pinned()
    require_commit_in_history(sha)
    config = _precommit_snippet().replace(PROJECT_URL, local_repository_url())
    repo = write_tree(tmp_path / "repo", {".pre-commit-config.yaml": config, "app.py": "import os\n"})
    env = {**os.environ, "PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1",
           "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    git(repo, "init", "-q")
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env,
                               capture_output=True, text=True, timeout=60, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    git(repo, "add", "-A")
    clean = _commit(repo, env, "clean")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "nhiguard (staged changes only)" in clean.stdout + clean.stderr

    write_tree(repo, {"app.py": f'import os\nTOKEN = "{PAT}"\n'})
    git(repo, "add", "-A")
    blocked = _commit(repo, env, "leak")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode == 1, output
    assert "app.py:2:10: NHG101" in output
    assert PAT not in output
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"  # the leak was not committed


def _assert_works(nhiguard: Path, target: Path) -> None:
    found = subprocess.run([str(nhiguard), "scan", "--no-progress", "."], cwd=target, capture_output=True,
                           text=True, timeout=300, check=False)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "leak.py:1:6: NHG101" in found.stdout and PAT not in found.stdout + found.stderr
    clean = subprocess.run([str(nhiguard), "scan", "--no-progress", "ok.py"], cwd=target, capture_output=True,
                           text=True, timeout=300, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_install_commands_each_give_a_working_nhiguard(tmp_path):
    """pipx into its own environment; then, in one fresh virtual environment
    as a user who activated it, each pip line in turn."""
    sha, _ = _pinned()
    require_commit_in_history(sha)
    commands = _install_commands()
    assert [c.split()[:2] for c in commands] == [["pipx", "install"]] + [["pip", "install"]] * 3
    target = write_tree(tmp_path / "target", {"leak.py": f'T = "{PAT}"\n', "ok.py": "import os\n"})
    git(target, "init", "-q")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    checkout = tmp_path / "checkout"  # for `pip install .`: a clone of this repository
    subprocess.run(["git", "clone", "-q", str(ROOT), str(checkout)], check=True, timeout=300)
    pipx = {"PATH": f"{BIN}:/usr/bin:/bin", "PIPX_HOME": str(tmp_path / "pipx"),
            "PIPX_BIN_DIR": str(tmp_path / "pipx-bin"), "PIPX_MAN_DIR": str(tmp_path / "pipx-man")}
    activated = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "VIRTUAL_ENV": str(venv)}
    for command in commands:
        pasted = command.replace(PROJECT_URL, local_repository_url())
        by_pipx = command.startswith("pipx ")
        env = {**os.environ, **(pipx if by_pipx else activated)}
        proc = subprocess.run(["bash", "-c", pasted], cwd=checkout, env=env, capture_output=True, text=True,
                              timeout=900, check=False)
        assert proc.returncode == 0, f"{pasted}\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        _assert_works(tmp_path / "pipx-bin/nhiguard" if by_pipx else venv / "bin/nhiguard", target)
    extras = subprocess.run([str(venv / "bin/python"), "-c", "import boto3, detect_secrets"], check=False)
    assert extras.returncode == 0, "the extras line installs the aws and detect-secrets extras"
