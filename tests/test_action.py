"""The GitHub Action, run locally: its step scripts (read from action.yml,
not copied) by real bash, in real git clones shaped as actions/checkout makes
them, with the environment a push or pull_request event gives. zizmor audits
action.yml and the README's workflow."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from importlib.metadata import distribution
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, git, write_tree
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from snippets import export_commit, readme_block, require_commit_in_history

PAT = "ghp_" + ("Kd2Hs7Jf4Gp0YaQw8Zr3" * 2)[:36]
BIN = Path(sys.executable).parent


def _steps(action: Path = ROOT) -> list[dict]:
    return yaml.safe_load((action / "action.yml").read_text())["runs"]["steps"]


def _step(step_id: str, action: Path = ROOT) -> dict:
    return next(s for s in _steps(action) if s.get("id") == step_id)


@dataclass
class Run:
    code: int
    outputs: dict[str, str]
    stdout: str
    summary: str
    sarif: dict | None


def _run_scan(repo: Path, tmp: Path, pr: dict[str, str] | None = None, action: Path = ROOT,
              **inputs: str) -> Run:
    """The scan step as GitHub runs it: `pr` holds the pull request's base and
    head commits and repositories (absent on a push); `action` is the folder
    of the action.yml whose step runs."""
    step = _step("scan", action)
    values = {"paths": ".", "fail-on": "low", "sarif-file": str(tmp / "out.sarif"), "args": "",
              "upload-sarif": "true", "changed-lines-only": "true", **inputs}
    event = {"steps.install.outputs.nhiguard": str(BIN / "nhiguard"), "github.action_path": str(action),
             **{f"github.event.pull_request.{k}": v for k, v in (pr or {}).items()}}
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp), "GITHUB_OUTPUT": str(tmp / "output"),
           "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"), "GIT_CONFIG_NOSYSTEM": "1"}
    for name, template in step["env"].items():
        key = template.strip("${} ")
        env[name] = values[key.split(".", 1)[1]] if key.startswith("inputs.") else event.get(key, "")
    for name in ("output", "summary.md"):
        (tmp / name).write_text("")
    (tmp / "out.sarif").unlink(missing_ok=True)
    proc = subprocess.run(["bash", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    outputs = dict(line.split("=", 1) for line in (tmp / "output").read_text().splitlines())
    sarif_path = tmp / "out.sarif"
    sarif = json.loads(sarif_path.read_text()) if sarif_path.exists() else None
    return Run(proc.returncode, outputs, proc.stdout, (tmp / "summary.md").read_text(), sarif)


def _places(sarif: dict) -> set[tuple[str, int]]:
    return {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in sarif["runs"][0]["results"]}


@pytest.fixture
def origin(tmp_path: Path) -> dict[str, str]:
    """A repository with a pull request as GitHub stores it: the base branch
    moved on after the branch point, refs/pull/1/head and GitHub's merge
    commit refs/pull/1/merge (first parent: the base branch)."""
    repo = write_tree(tmp_path / "origin", {"old.py": f'T = "{PAT}"\n', "new.py": "x = 1\n"})
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "feature")
    write_tree(repo, {"new.py": f'x = 1\nY = 2\nZ = "{PAT}"\n'})
    git(repo, "commit", "-qam", "leak")
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "main")
    write_tree(repo, {"other.py": f'U = "{PAT}"\n'})  # on the base branch: not the PR's doing
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base moves on")
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "merge", "-q", "--no-ff", "-m", "merge", head)
    merge = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "reset", "-q", "--hard", base)
    git(repo, "update-ref", "refs/pull/1/head", head)
    git(repo, "update-ref", "refs/pull/1/merge", merge)
    return {"url": f"file://{repo}", "base.sha": base, "head.sha": head, "merge": merge,
            "base.repo.full_name": "acme/app", "head.repo.full_name": "acme/app"}


def _checkout(origin: dict[str, str], dest: Path, ref: str, depth: int | None) -> Path:
    """What actions/checkout does: init, fetch one ref (at depth 1 by
    default, or everything with fetch-depth 0), check out its commit."""
    dest.mkdir()
    git(dest, "init", "-q")
    git(dest, "remote", "add", "origin", origin["url"])
    if depth is None:
        git(dest, "fetch", "-q", "--no-tags", "origin", "+refs/heads/*:refs/remotes/origin/*",
            f"+{ref}:refs/remotes/pull/1")
    else:
        git(dest, "fetch", "-q", "--no-tags", f"--depth={depth}", "origin", f"+{ref}:refs/remotes/pull/1")
    git(dest, "checkout", "-q", "--detach", "refs/remotes/pull/1")
    return dest


def _pr(origin: dict[str, str], **changes: str) -> dict[str, str]:
    return {k: v for k, v in {**origin, **changes}.items() if k not in ("url", "merge")}


def _assert_reports_only_the_pr_line(run: Run) -> None:
    assert run.code == 0, run.stdout
    assert run.outputs["exit-code"] == "1", run.stdout
    assert run.outputs["upload"] == "true"
    assert run.stdout.startswith("::error file=new.py,line=3,"), run.stdout
    assert "old.py" not in run.stdout and "other.py" not in run.stdout
    assert run.sarif is not None and _places(run.sarif) == {("new.py", 3)}
    assert "## nhiguard: 1 finding" in run.summary and "`new.py:3`" in run.summary
    assert PAT not in run.stdout + run.summary + json.dumps(run.sarif)


def test_push_scans_the_tree_and_reports_findings(tmp_path):
    repo = write_tree(tmp_path / "repo", {"a.py": f'T = "{PAT}"\n'})
    git(repo, "init", "-q")
    run = _run_scan(repo, tmp_path)
    assert run.outputs["exit-code"] == "1"
    assert run.stdout.startswith("::error file=a.py,line=1")
    assert run.sarif is not None and _places(run.sarif) == {("a.py", 1)}
    assert PAT not in run.stdout


def test_pull_request_on_the_default_shallow_checkout_of_the_merge_commit(tmp_path, origin):
    clone = _checkout(origin, tmp_path / "clone", "refs/pull/1/merge", depth=1)
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    _assert_reports_only_the_pr_line(_run_scan(clone, tmp_path, _pr(origin)))


def test_pull_request_on_a_full_checkout(tmp_path, origin):
    clone = _checkout(origin, tmp_path / "clone", "refs/pull/1/merge", depth=None)
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "false"
    _assert_reports_only_the_pr_line(_run_scan(clone, tmp_path, _pr(origin)))


def test_pull_request_on_a_shallow_checkout_of_the_head_deepens_to_the_merge_base(tmp_path, origin):
    clone = _checkout(origin, tmp_path / "clone", "refs/pull/1/head", depth=1)
    _assert_reports_only_the_pr_line(_run_scan(clone, tmp_path, _pr(origin)))


def test_a_pull_request_it_cannot_diff_says_what_to_do(tmp_path, origin):
    clone = _checkout(origin, tmp_path / "clone", "refs/pull/1/head", depth=1)
    git(clone, "remote", "set-url", "origin", f"file://{tmp_path / 'gone'}")
    run = _run_scan(clone, tmp_path, _pr(origin))
    assert run.code == 0 and run.outputs["exit-code"] == "2"
    assert "::error title=nhiguard::cannot fetch the base commit" in run.stdout
    assert "fetch-depth: 0" in run.stdout and "changed-lines-only: false" in run.stdout
    assert "could not scan this pull request" in run.summary


def test_fork_pull_request_skips_the_upload_and_still_reports(tmp_path, origin):
    clone = _checkout(origin, tmp_path / "clone", "refs/pull/1/merge", depth=1)
    run = _run_scan(clone, tmp_path, _pr(origin, **{"head.repo.full_name": "someone/app"}))
    assert run.outputs["upload"] == "false"
    assert "::notice title=nhiguard::pull request from a fork (someone/app)" in run.stdout
    assert run.outputs["exit-code"] == "1" and "## nhiguard: 1 finding" in run.summary
    upload = next(s for s in _steps() if "upload-sarif" in s.get("uses", ""))
    assert "steps.scan.outputs.upload == 'true'" in upload["if"]
    assert upload["continue-on-error"] is True  # a refused upload does not decide the job
    assert "always()" not in upload["if"]  # never after a failed install or scan
    assert _steps()[-1]["if"] == "${{ steps.scan.outputs.exit-code != '0' }}"


def test_paths_with_spaces_and_quoted_args(tmp_path):
    repo = write_tree(tmp_path / "repo", {"my agents/a.py": f'T = "{PAT}"\n', "b.py": f'T = "{PAT}"\n',
                                          "skip me/c.py": f'T = "{PAT}"\n'})
    git(repo, "init", "-q")
    run = _run_scan(repo, tmp_path, paths="my agents")
    assert _places(run.sarif or {}) == {("my agents/a.py", 1)}
    run = _run_scan(repo, tmp_path, paths="my agents\nb.py\n")
    assert _places(run.sarif or {}) == {("my agents/a.py", 1), ("b.py", 1)}
    run = _run_scan(repo, tmp_path, args="--exclude 'skip me/*' --fail-on NONE")
    assert _places(run.sarif or {}) == {("my agents/a.py", 1), ("b.py", 1)}
    run = _run_scan(repo, tmp_path, args="$(touch pwned)")  # split, never expanded
    assert not (repo / "pwned").exists() and run.outputs["exit-code"] == "2"
    run = _run_scan(repo, tmp_path, args="--exclude 'unbalanced")
    assert run.outputs["exit-code"] == "2" and "cannot split the args input" in run.stdout


def test_inputs_reach_the_scripts_through_the_environment_only():
    for step in _steps():
        assert "${{" not in step.get("run", "")


def _install(tmp_path: Path, python: str, path: str = "/usr/bin:/bin") -> subprocess.CompletedProcess[str]:
    env = {"PATH": path, "GITHUB_OUTPUT": str(tmp_path / "output"), "NHIGUARD_PYTHON": python,
           "NHIGUARD_VENV": str(tmp_path / "venv"), "NHIGUARD_SOURCE": str(ROOT)}
    (tmp_path / "output").write_text("")
    return subprocess.run(["bash", "-c", _step("install")["run"]], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def test_install_failure_stops_with_a_clear_message(tmp_path):
    proc = _install(tmp_path, str(tmp_path / "no-python"))
    assert proc.returncode == 1
    assert proc.stdout.startswith("::error title=nhiguard install failed::no Python interpreter")
    assert (tmp_path / "output").read_text() == ""  # no nhiguard path: the scan step has nothing to run


def test_install_uses_its_own_python_and_the_hash_checked_lock():
    python = _step("python")
    assert python["with"]["update-environment"] is False
    install = (ROOT / "action/install.sh").read_text()
    assert "--require-hashes" in install and "--only-binary=:all:" in install
    lock = (ROOT / "action/requirements.lock").read_text()
    requirements = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", lock, re.MULTILINE)
    assert {name for name, _ in requirements} >= {"click", "pyyaml", "sarif-om", "setuptools", "wheel"}
    blocks = re.split(r"\n(?=[A-Za-z])", lock.split("\n\n")[-1].strip())
    for block in (b for b in blocks if not b.startswith("#")):
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), block
    cache = next(s for s in _steps() if "actions/cache" in s.get("uses", ""))
    assert "steps.lock.outputs.hash" in cache["with"]["key"]


RUNNERS = [("linux", "x86_64"), ("linux", "aarch64"), ("darwin", "x86_64"), ("darwin", "arm64")]


def _lock() -> dict[str, tuple[str, list[str]]]:
    """action/requirements.lock as {name: (version, [sha256, ...])}."""
    text = (ROOT / "action/requirements.lock").read_text()
    pins: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z])", text):
        pin = re.match(r"([A-Za-z0-9_.-]+)==(\S+) \\", block)
        if pin:
            pins[canonicalize_name(pin[1])] = (pin[2], re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return pins


def test_lock_pins_every_runtime_dependency_for_every_supported_runner():
    pins = _lock()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for spec in map(Requirement, project["dependencies"]):
        for platform, machine in RUNNERS:
            env = {"sys_platform": platform, "platform_machine": machine, "python_version": "3.12"}
            if spec.marker is None or spec.marker.evaluate(env):
                name = canonicalize_name(spec.name)
                assert name in pins, f"{spec.name} ({platform} {machine}) is not in the Action's lock"
                assert spec.specifier.contains(pins[name][0]), (spec, pins[name][0])
    # A compiled package needs a wheel per runner; the installed copy says whether it is compiled.
    for name, (version, hashes) in pins.items():
        wheel = distribution(name).read_text("WHEEL") or ""
        compiled = "Root-Is-Purelib: false" in wheel
        assert len(hashes) == (len(RUNNERS) if compiled else 1), (name, version, len(hashes))


def test_install_on_a_python_the_lock_does_not_cover_stops_before_pip(tmp_path):
    assert sys.version_info[:2] != (3, 12), "needs an interpreter the lock does not cover"
    proc = _install(tmp_path, sys.executable)
    assert proc.returncode == 1
    version = "{}.{}".format(*sys.version_info[:2])
    assert proc.stdout.startswith("::error title=nhiguard install failed::action/requirements.lock pins "
                                  f"wheels for CPython 3.12 (as action.yml sets it up), not {version}")
    assert not (tmp_path / "venv").exists() and (tmp_path / "output").read_text() == ""


def test_install_on_a_runner_the_lock_does_not_cover_says_what_is_supported(tmp_path):
    # Git Bash on a Windows runner answers uname like this.
    shim = write_tree(tmp_path / "bin", {"uname": '#!/bin/sh\n[ "$1" = -s ] && echo MINGW64_NT-10.0-20348'
                                                   ' || echo x86_64\n'})
    (shim / "uname").chmod(0o755)
    proc = _install(tmp_path, sys.executable, path=f"{shim}:/usr/bin:/bin")
    assert proc.returncode == 1
    assert "runs on Linux (x86_64, aarch64) and macOS (x86_64, arm64) runners, not on " \
           "MINGW64_NT-10.0-20348 x86_64" in proc.stdout
    assert not (tmp_path / "venv").exists()


def test_every_uses_is_pinned_to_a_commit_with_its_version():
    text = (ROOT / "action.yml").read_text() + _readme_workflow()
    uses = re.findall(r"uses: (\S+)(.*)", text)
    assert len(uses) >= 4
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), comment


def _readme_workflow() -> str:
    return readme_block("### GitHub Action", "yaml")


def test_readme_workflow_runs_the_action_at_the_commit_it_pins(tmp_path, origin):
    """The workflow as a user saves it: its `uses:` of this action names a
    commit of this history holding an action.yml at the named path, its
    `with:` keys are inputs there, the permissions are complete, and that
    commit's scan step, given those inputs, reports a pull request right."""
    workflow = yaml.safe_load(_readme_workflow())
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write", "actions": "read"}
    (ours,) = [s for s in job["steps"] if s["uses"].split("@")[0].startswith("nhiguard/nhiguard")]
    ref, sha = ours["uses"].split("@")
    subpath = ref.split("/", 2)[2] if ref.count("/") > 1 else ""
    require_commit_in_history(sha)
    action = export_commit(sha, tmp_path / "action") / subpath
    inputs = yaml.safe_load((action / "action.yml").read_text())["inputs"]
    given = {key: str(value) for key, value in ours.get("with", {}).items()}
    assert set(given) <= set(inputs), set(given) - set(inputs)
    assert given["fail-on"] == "high"  # the PR's literal GitHub token is high: the job fails on it
    checkout = next(s for s in job["steps"] if s["uses"].startswith("actions/checkout@"))
    assert "fetch-depth" not in checkout.get("with", {})  # the default shallow checkout
    clone = _checkout(origin, tmp_path / "clone", "refs/pull/1/merge", depth=1)
    _assert_reports_only_the_pr_line(_run_scan(clone, tmp_path, _pr(origin), action=action, **given))


@pytest.mark.parametrize("persona", ["--persona=regular", "--pedantic"])
def test_zizmor_finds_nothing(tmp_path, persona):
    workflows = tmp_path / ".github/workflows"
    workflows.mkdir(parents=True)
    (workflows / "nhiguard.yml").write_text(_readme_workflow())
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    zizmor = shutil.which("zizmor", path=str(BIN))
    assert zizmor is not None, "zizmor is in the test extra"
    for target in (tmp_path / "action.yml", workflows / "nhiguard.yml"):
        proc = subprocess.run([zizmor, "--offline", "--no-progress", persona, str(target)],
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "No findings" in proc.stdout
