"""detect-secrets users come along: its allowlist pragmas and audited
.secrets.baseline are honoured, and nhiguard's provider-key detectors run
inside the real `detect-secrets scan` as a plugin."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from detect_secrets.filters.allowlist import is_line_allowlisted
from detect_secrets.util.code_snippet import get_code_snippet
from helpers import git, nhiguard, write_tree
from nhiguard.detectsecrets import allowlisted

GROQ = "gsk_" + ("Hd1Jf5Gp0Ty8Ua3Zt8Qm3Lx7Vb2Nc9Rw4Ks6" * 2)[:52]
PAT = "ghp_" + ("Kd2Hs7Jf4Gp0YaQw8Zr3" * 2)[:36]
DETECT_SECRETS = str(Path(sys.executable).parent / "detect-secrets")


def _detect_secrets(*args: str, cwd: Path) -> dict:
    proc = subprocess.run([DETECT_SECRETS, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          check=True)
    return json.loads(proc.stdout)


def _plugin_path() -> str:
    return subprocess.run([sys.executable, "-m", "nhiguard.detect_secrets_plugin"], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_the_plugin_runs_in_detect_secrets_scan(tmp_path):
    write_tree(tmp_path, {"app.py": f'GROQ_API_KEY = "{GROQ}"\nname = "not a key"\n'})
    baseline = _detect_secrets("scan", "--plugin", _plugin_path(), "app.py", cwd=tmp_path)
    ours = [r for r in baseline["results"]["app.py"] if r["type"] == "AI or agent provider key (nhiguard)"]
    assert [(r["line_number"], r["hashed_secret"]) for r in ours] == [
        (1, hashlib.sha1(GROQ.encode()).hexdigest())]
    plugin = {"name": "NhiguardProviderKeyDetector", "path": f"file://{_plugin_path()}"}
    assert plugin in baseline["plugins_used"]


def test_secrets_audited_false_in_a_secrets_baseline_stay_quiet(tmp_path):
    repo = write_tree(tmp_path / "repo", {"svc/app.py": f'GROQ_API_KEY = "{GROQ}"\nTOKEN = "{PAT}"\n'})
    git(repo, "init", "-q")
    baseline = _detect_secrets("scan", "--plugin", _plugin_path(), "svc/app.py", cwd=repo)
    # What `detect-secrets audit` records when a reviewer answers "not a secret".
    groq_hash = hashlib.sha1(GROQ.encode()).hexdigest()
    for result in baseline["results"]["svc/app.py"]:
        if result["hashed_secret"] == groq_hash:
            result["is_secret"] = False
    (repo / ".secrets.baseline").write_text(json.dumps(baseline))
    run = nhiguard("scan", "svc", "--format", "json", "--include-suppressed", cwd=repo)
    assert run.code == 1
    found = {f["line"]: f["suppression"] for f in run.json()["findings"]}
    assert found == {1: "audited as not a secret in .secrets.baseline", 2: None}
    assert nhiguard("scan", "app.py", cwd=repo / "svc").code == 1  # found upward from a subfolder too
    (repo / ".secrets.baseline").write_text("{not json")
    broken = nhiguard("scan", "svc", "--format", "json", cwd=repo)
    assert broken.code == 1 and len(broken.json()["findings"]) == 2
    assert "nhiguard: warning: " in broken.stderr and "not honoured" in broken.stderr


LINES = [
    (f'KEY = "{GROQ}"  # pragma: allowlist secret', ""),
    (f'KEY = "{GROQ}"  // pragma: allowlist secret', ""),
    (f'KEY = "{GROQ}"  /* pragma: allowlist secret */', ""),
    (f'KEY = "{GROQ}"  -- pragma: allowlist secret', ""),
    (f'KEY = "{GROQ}"  <!-- pragma: allowlist secret -->', ""),
    (f'KEY = "{GROQ}"', "# pragma: allowlist nextline secret"),
    (f'KEY = "{GROQ}"', "# pragma: allowlist secret"),  # not the nextline form
    (f'KEY = "{GROQ}"  # allowlist secret', ""),
    (f'KEY = "{GROQ}  pragma: allowlist secret"', ""),  # not in a comment
]


@pytest.mark.parametrize(("line", "previous"), LINES)
def test_the_allowlist_pragma_matches_detect_secrets(line, previous):
    lines = [previous, line]
    context = get_code_snippet(lines, 2)
    assert allowlisted(line, previous) == is_line_allowlisted("app.py", line, context)


def test_the_pragma_silences_nhiguard_unless_configured_off(tmp_path):
    repo = write_tree(tmp_path, {"app.py": f'GROQ_API_KEY = "{GROQ}"  # pragma: allowlist secret\n'
                                           f'# pragma: allowlist nextline secret\nTOKEN = "{PAT}"\n'})
    run = nhiguard("scan", "--format", "json", "--include-suppressed", cwd=repo)
    assert run.code == 0
    assert {f["line"]: f["suppression"] for f in run.json()["findings"]} == {
        1: "pragma: allowlist secret", 3: "pragma: allowlist secret"}
    write_tree(repo, {".nhiguard.toml": "[policy]\nallowlist-pragmas = []\n"})
    assert nhiguard("scan", cwd=repo).code == 1
