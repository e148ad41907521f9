"""The README's snippets as a user copies them, and the commit they pin.

Import as `from snippets import readme_block, ...` (pytest puts tests/ on sys.path)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers import ROOT, git

# The repository URL the snippets name; tests point it at the local clone.
PROJECT_URL = "https://github.com/nhiguard/nhiguard"


def readme_block(heading: str, lang: str) -> str:
    """The first ```lang block after the README line `heading`, verbatim."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(f"\n{heading}\n"):]
    return section.split(f"```{lang}\n", 1)[1].split("```", 1)[0]


def local_repository_url() -> str:
    """This clone's git directory as a URL git, pip and pre-commit all fetch from
    (with a host: a direct reference `name @ git+file:///...` is refused by pip)."""
    common = git(ROOT, "rev-parse", "--path-format=absolute", "--git-common-dir").strip()
    return f"file://localhost{common}"


def require_commit_in_history(sha: str) -> None:
    """Fail with what to do when the pinned commit is not in this clone's
    history: a shallow clone (CI's, say) lacks older commits."""
    have = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{sha}^{{commit}}"],
                          capture_output=True, check=False).returncode == 0
    if not have:
        shallow = git(ROOT, "rev-parse", "--is-shallow-repository").strip() == "true"
        why = ("this clone is shallow: run `git fetch --unshallow` (or clone without --depth)" if shallow
               else "pin a commit of this repository's history")
        raise AssertionError(f"the README pins {sha}, which this clone does not have; {why}")
    ancestor = subprocess.run(["git", "-C", str(ROOT), "merge-base", "--is-ancestor", sha, "HEAD"],
                              capture_output=True, check=False).returncode == 0
    assert ancestor, f"the README pins {sha}, which is not in the history of HEAD: users of main lack it"


def export_commit(sha: str, dest: Path) -> Path:
    """The tree of commit `sha` written out under `dest`, as a user fetching that rev gets it."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", sha],
                             capture_output=True, check=True).stdout
    dest.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, capture_output=True, check=True)
    return dest
