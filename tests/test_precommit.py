"""The pre-commit hook, installed and run by the real pre-commit from this repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers import ROOT, git, write_tree

PAT = "ghp_" + "Vb4NcR8tYw3KpD6sJf1Ue5Ao0Ii7hGq2LmZ9"


def _try_repo(repo: Path, home: Path, *args: str, hook: str = "nhiguard") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, *args],
        cwd=repo, capture_output=True, text=True, timeout=600, env=env, check=False,
    )


def test_hook_blocks_a_secret_and_passes_clean_files(tmp_path):
    repo, home = tmp_path / "repo", tmp_path / "pre-commit-home"
    write_tree(repo, {"leak.py": f'TOKEN = "{PAT}"\n', "clean.py": "import os\nT = os.environ['T']\n"})
    git(repo, "init", "-q")
    git(repo, "add", "-A")

    blocked = _try_repo(repo, home, "--files", "leak.py", "clean.py")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "leak.py:1:10: NHG101" in blocked.stdout
    assert PAT not in blocked.stdout + blocked.stderr

    passed = _try_repo(repo, home, "--files", "clean.py")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def test_staged_hook_judges_only_what_the_commit_adds(tmp_path):
    repo, home = tmp_path / "repo", tmp_path / "pre-commit-home"
    write_tree(repo, {"old.py": f'TOKEN = "{PAT}"\n'})
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "before the hook")
    write_tree(repo, {"old.py": f'TOKEN = "{PAT}"\nX = 1\n', "new.py": "import os\n"})
    git(repo, "add", "-A")
    clean = _try_repo(repo, home, hook="nhiguard-staged")
    assert clean.returncode == 0, clean.stdout + clean.stderr

    write_tree(repo, {"new.py": f'import os\nLEAK = "{PAT}"\n'})
    git(repo, "add", "-A")
    blocked = _try_repo(repo, home, hook="nhiguard-staged")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "new.py:2" in blocked.stdout and "old.py" not in blocked.stdout
