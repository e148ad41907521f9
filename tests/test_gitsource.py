"""Git sources against real git in temporary repositories: --staged, --diff
and --history, plus the pure pieces they rest on (hunk parsing, the line
filter, raw-record parsing)."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from helpers import ROOT, git, nhiguard, write_tree
from nhiguard.engine import Prefilter, scan_artifact
from nhiguard.finding import Finding
from nhiguard.policy import Policy
from nhiguard.registry import select_rules
from nhiguard.sources.diffmap import LineSet, added_lines, keep_changed, unquote_path
from nhiguard.sources.githistory import HistorySource, scan_history
from nhiguard.sources.gitsource import (
    BlobReader,
    GitBlob,
    Repo,
    close_blob_readers,
    parse_range,
    parse_raw,
)

# Split so this file holds no finding itself.
PATS = ["ghp_" + body for body in (
    "Zq4Xv9Lw2Nc7Rt5Ym8Kp3Hd6Bs1Gf0Ja2UeW", "Lk7Qw2Er9Ty4Ui1Op6As3Df8Gh5Jk0Zx2CvB",
    "Mn3Bv8Cx1Za6Sd4Fg7Hj2Kl5Qw9Er0Ty3UiO", "Pa5Ss8Dd2Ff6Gg1Hh4Jj7Kk0Ll3Zz9Xx2CcV",
    "Rt6Yu1Io4Pa9Sd2Fg5Hj8Kl3Zx7Cv0Bn4MqW",
)]
SCHEMA = json.loads((ROOT / "tests/data/sarif-schema-2.1.0.json").read_text())
MULTITOOL = ROOT / "tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"


def token(n: int) -> str:
    return f'TOKEN_{n} = "{PATS[n]}"\n'


def repo_with(tmp_path: Path, files: dict[str, str | bytes], message: str = "init") -> Path:
    write_tree(tmp_path, files)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", message)
    return tmp_path


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)
    return git(root, "rev-parse", "HEAD").strip()


def found(run) -> list[tuple[str, int]]:
    assert run.code in (0, 1), run.stderr
    return [(f["uri"], f["line"]) for f in run.json()["findings"]]


def scan(root: Path, *args: str):
    return nhiguard("scan", *args, "--format", "json", cwd=root)


# -- --staged ------------------------------------------------------------------------------

def test_staged_scans_the_index_not_the_work_tree(tmp_path):
    root = repo_with(tmp_path, {"app.py": "import os\n" + token(0)})
    write_tree(root, {"app.py": "import os\n" + token(0) + token(1), "new.py": "x = 1\n" + token(2)})
    git(root, "add", "app.py", "new.py")
    # Unstaged edits: another secret in a staged file, and a file never added.
    write_tree(root, {"new.py": "x = 1\n" + token(2) + token(3), "loose.py": token(4)})
    # The pre-existing TOKEN_0 (app.py:2) is not what the commit introduces.
    assert found(scan(root, "--staged")) == [("app.py", 3), ("new.py", 2)]


def test_staged_skips_deleted_files_and_works_before_the_first_commit(tmp_path):
    write_tree(tmp_path, {"a.py": token(0)})
    git(tmp_path, "init", "-q")
    assert found(scan(tmp_path, "--staged")) == []  # nothing staged yet
    git(tmp_path, "add", "a.py")
    assert found(scan(tmp_path, "--staged")) == [("a.py", 1)]
    git(tmp_path, "commit", "-qm", "one")
    git(tmp_path, "rm", "-q", "a.py")
    run = scan(tmp_path, "--staged")
    assert run.code == 0 and run.json()["summary"]["files_listed"] == 0


# -- --diff --------------------------------------------------------------------------------

@pytest.fixture
def changed_repo(tmp_path) -> tuple[Path, str]:
    root = repo_with(tmp_path, {
        "svc/app.py": "import os\n" + token(0),
        "gone.py": token(1),
        "old/name.py": "x = 1\n" + token(2),
        "kept/name.py": "y = 2\n" + token(3),
        "clean.md": "# notes\n",
    })
    base = git(root, "rev-parse", "HEAD").strip()
    write_tree(root, {"svc/app.py": "import os\n" + token(0) + "z = 3\n" + token(4)})
    git(root, "rm", "-q", "gone.py")
    (root / "new").mkdir()
    (root / "moved").mkdir()
    git(root, "mv", "old/name.py", "new/name.py")  # a pure rename adds nothing
    git(root, "mv", "kept/name.py", "moved/name.py")
    write_tree(root, {"moved/name.py": "y = 2\n" + token(3) + token(1)})
    commit_all(root, "change")
    return root, base


def test_diff_reports_only_added_lines_at_their_new_paths(changed_repo):
    root, base = changed_repo
    assert found(scan(root, "--diff", base)) == [("moved/name.py", 3), ("svc/app.py", 4)]
    assert found(scan(root, "--diff", f"{base}..HEAD")) == [("moved/name.py", 3), ("svc/app.py", 4)]


def test_diff_reads_head_from_git_not_the_work_tree(changed_repo):
    root, base = changed_repo
    write_tree(root, {"svc/app.py": "import os\n", "moved/name.py": "cleaned = True\n"})
    assert found(scan(root, "--diff", base)) == [("moved/name.py", 3), ("svc/app.py", 4)]


def test_diff_paths_limit_the_change_and_urls_stay_repository_relative(changed_repo):
    root, base = changed_repo
    assert found(scan(root, "svc", "--diff", base)) == [("svc/app.py", 4)]
    assert found(nhiguard("scan", ".", "--diff", base, "--format", "json", cwd=root / "svc")) == [
        ("svc/app.py", 4)]


def test_diff_base_equal_to_head_is_nothing_to_scan(changed_repo):
    root, _ = changed_repo
    for spec in ("HEAD", "HEAD..HEAD", git(root, "rev-parse", "HEAD").strip()):
        run = scan(root, "--diff", spec)
        assert run.code == 0 and run.json()["findings"] == []
        assert "nothing to scan" in run.stderr


def test_two_dot_and_three_dot_ranges(tmp_path):
    root = repo_with(tmp_path, {"shared.py": "a = 1\n" + token(0), "other.py": "b = 2\n"})
    git(root, "checkout", "-qb", "feature")
    write_tree(root, {"feature.py": token(1)})
    commit_all(root, "feature")
    git(root, "checkout", "-q", "main")
    write_tree(root, {"shared.py": "a = 1\n"})  # main removes the secret the branch still has
    commit_all(root, "main cleans up")
    # main..feature: against main's tree, the branch "adds" TOKEN_0 back.
    assert found(scan(root, "--diff", "main..feature")) == [("feature.py", 1), ("shared.py", 2)]
    # main...feature: against the merge base, the branch only adds feature.py.
    assert found(scan(root, "--diff", "main...feature")) == [("feature.py", 1)]


def test_diff_handles_odd_file_names(tmp_path):
    root = repo_with(tmp_path, {"readme.md": "x\n"})
    base = git(root, "rev-parse", "HEAD").strip()
    write_tree(root, {"with space/ünï côde.py": "x = 1\n" + token(0), 'q"uote\tab.env': token(1)})
    commit_all(root, "odd names")
    assert sorted(found(scan(root, "--diff", base))) == [('q"uote\tab.env', 1), ("with space/ünï côde.py", 2)]


def test_binary_blobs_become_notifications(tmp_path):
    root = repo_with(tmp_path, {"readme.md": "x\n"})
    base = git(root, "rev-parse", "HEAD").strip()
    write_tree(root, {"blob.txt": b"\x00\x01binary " + PATS[0].encode() + b"\x00"})
    commit_all(root, "binary")
    for args in (("--diff", base), ("--history",)):
        run = scan(root, *args)
        assert run.code == 0, run.stderr
        notes = run.json()["notifications"]
        assert [(n["uri"], n["kind"]) for n in notes] == [("blob.txt", "binary")]


# -- --history -----------------------------------------------------------------------------

@pytest.fixture
def history_repo(tmp_path) -> tuple[Path, dict[str, str]]:
    root = repo_with(tmp_path, {"app.py": "import os\n", "conf.env": "A=1\n"})
    commits = {"init": git(root, "rev-parse", "HEAD").strip()}
    write_tree(root, {"app.py": "import os\n" + token(0)})
    commits["leak"] = commit_all(root, "leak")
    write_tree(root, {"app.py": "import os\n"})  # back to the blob of init
    commits["remove"] = commit_all(root, "remove")
    write_tree(root, {"shared.py": token(1)})
    commits["main-shared"] = commit_all(root, "main shared")
    git(root, "checkout", "-qb", "side", commits["init"])
    write_tree(root, {"shared.py": token(1)})  # the same blob on another branch
    commits["side"] = commit_all(root, "side")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-edit", "side")
    write_tree(root, {"shared.py": "# header\n" + token(1)})  # a new blob, the same finding
    commits["edit"] = commit_all(root, "edit")
    return root, commits


def test_history_finds_a_removed_secret_once_with_the_commit_that_added_it(history_repo):
    root, commits = history_repo
    findings = scan(root, "--history").json()["findings"]
    assert [(f["uri"], f["line"]) for f in findings] == [("app.py", 2), ("shared.py", 1)]
    assert findings[0]["commit"] == commits["leak"]
    # Whichever branch topological order walks first introduced it.
    assert findings[1]["commit"] in (commits["main-shared"], commits["side"])
    assert found(scan(root, ".")) == [("shared.py", 2)]  # the work tree holds only this one


def test_history_range_and_text_output(history_repo):
    root, commits = history_repo
    run = nhiguard("scan", "--history", f"{commits['remove']}..{commits['main-shared']}", cwd=root)
    assert run.code == 1, run.stderr
    assert f"shared.py:1:12 (commit {commits['main-shared'][:12]})" in run.stdout
    assert "app.py" not in run.stdout
    assert found(scan(root, f"--history={commits['init']}")) == []
    assert found(scan(root, "--history", f"{commits['init']}..{commits['remove']}")) == [("app.py", 2)]


def test_history_reads_each_distinct_blob_once(history_repo, monkeypatch):
    root, _ = history_repo
    source = HistorySource(Repo(root))
    changes = source.changes("HEAD")
    blobs = source.artifacts(changes)
    every = git(root, "log", "--all", "--format=", "--raw", "--no-abbrev", "--no-renames").split()
    distinct = {word for word in every if len(word) == 40 and set(word) != {"0"}}
    assert sorted(a.blob or "" for a, _ in blobs) == sorted(distinct)
    # In history order, each artifact telling its blob (one path has many).
    assert [change.blob for change in changes] == [a.blob for a, _ in blobs]
    assert all(a.uri == c.path and a.blob == c.blob for a, c in blobs)
    asked: list[str] = []
    real_read = BlobReader.read
    monkeypatch.setattr(BlobReader, "read", lambda self, blob: asked.append(blob) or real_read(self, blob))
    scan_history(source, changes, select_rules(["NHG1"]), Policy(), jobs=1)
    assert sorted(asked) == sorted(distinct)


def test_a_history_blob_is_read_by_the_process_that_scans_it(history_repo):
    root, _ = history_repo
    source = HistorySource(Repo(root))
    blobs = source.artifacts(source.changes("HEAD"))
    leak = next(a for a, c in blobs if c.path == "app.py" and b"TOKEN" in a.read())
    assert isinstance(leak, GitBlob) and leak.data is None  # only the id travels
    assert leak.size == len(leak.read())
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        assert pool.submit(GitBlob.read, leak).result() == leak.read()
    close_blob_readers()
    # A blob the repository lacks is unreadable, not a crash of the scan.
    result = scan_artifact(replace(leak, blob="f" * 40), Prefilter([]))
    assert [n.kind for n in result.notifications] == ["unreadable"]
    close_blob_readers()


def test_history_blobs_over_the_size_cap_are_noted_not_read(history_repo):
    root, _ = history_repo
    source = HistorySource(Repo(root), max_bytes=12)
    blobs = source.artifacts(source.changes("HEAD"))
    assert all(a.size <= 12 for a, _ in blobs)
    assert {n.uri for n in source.notifications if n.kind == "too-large"} == {"app.py", "shared.py"}


def test_history_with_many_versions_of_a_file_is_the_same_on_every_job_count(tmp_path):
    # More versions of one path than the engine scans inline, so they go to
    # the workers together and their results must be told apart by blob.
    root = repo_with(tmp_path, {"app.py": "import os\n# version 0\n", "other.py": "x = 1\n"})
    commits = []
    for n in range(1, 90):
        secrets = token(0) if n >= 30 else ""  # added in version 30, kept after
        extra = token(1) if 50 <= n < 60 else ""  # added in 50, removed in 60
        write_tree(root, {"app.py": f"import os\n{secrets}{extra}# version {n}\n"})
        commits.append(commit_all(root, f"version {n}"))
    runs = [scan(root, "--history", "--jobs", jobs).json()["findings"] for jobs in ("1", "2")]
    assert runs[0] == runs[1]
    assert [(f["uri"], f["line"], f["commit"]) for f in runs[0]] == [
        ("app.py", 2, commits[29]), ("app.py", 3, commits[49])]


def test_history_sarif_carries_the_commit_and_stays_valid(history_repo, tmp_path_factory):
    root, commits = history_repo
    out = tmp_path_factory.mktemp("sarif") / "history.sarif"
    run = nhiguard("scan", "--history", "--format", "sarif", "--output", str(out), cwd=root)
    assert run.code == 1, run.stderr
    log = json.loads(out.read_text())
    assert list(jsonschema.Draft4Validator(SCHEMA).iter_errors(log)) == []
    results = log["runs"][0]["results"]
    app = next(r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
               == "app.py")
    assert app["properties"] == {"commit": commits["leak"]}
    if MULTITOOL.exists():
        report = out.with_suffix(".validation.sarif")
        proc = subprocess.run([str(MULTITOOL), "validate", "--rule-kind", "Gh;Sarif", "--output",
                               str(report), str(out)], capture_output=True, text=True, timeout=300,
                              check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        problems = [r for r in json.loads(report.read_text())["runs"][0].get("results", [])
                    if r.get("level", "warning") in ("error", "warning")]
        assert problems == [], [(r["ruleId"], r["message"]) for r in problems]


# -- errors --------------------------------------------------------------------------------

def test_errors_exit_2_with_a_clear_message(tmp_path_factory, history_repo):
    root, _ = history_repo
    for args, says in (
        (("--diff", "no-such-branch"), "bad revision"),
        (("--diff", "main..nope"), "bad revision"),
        (("--diff", "0000000000000000000000000000000000000000"), "null commit"),
        (("--history", "nope..main"), "bad revision"),
        (("--history", "HEAD --exec=x"), "bad revision range"),
        (("--staged", "--diff", "HEAD"), "cannot be combined"),
        (("--diff", "HEAD", "--history"), "cannot be combined"),
    ):
        run = nhiguard("scan", *args, cwd=root)
        assert run.code == 2 and says in run.stderr, (args, run.stderr)
    outside = tmp_path_factory.mktemp("plain")
    for args in (("--staged",), ("--diff", "HEAD"), ("--history",)):
        run = nhiguard("scan", *args, cwd=outside)
        assert run.code == 2 and "not a git work tree" in run.stderr


# -- the pure pieces -----------------------------------------------------------------------

def test_lineset_touches_ranges():
    lines = LineSet.of([(10, 12), (3, 3), (13, 14), (20, 19)])
    assert (lines.starts, lines.ends) == ([3, 10], [3, 14])
    assert len(lines) == 6
    assert [n for n in range(1, 17) if lines.touches(n, n)] == [3, 10, 11, 12, 13, 14]
    assert lines.touches(1, 3) and lines.touches(4, 10) and lines.touches(14, 30)
    assert not lines.touches(4, 9) and not lines.touches(15, 40)
    assert not LineSet.of([]).touches(1, 100)


def test_added_lines_skips_hunk_bodies_that_look_like_headers():
    patch = (
        b"diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n"
        b"@@ -2,0 +3,2 @@ def f():\n+++ b/evil.py\n+@@ -1 +1,9 @@\n"
        b"@@ -10 +11 @@\n-old\n+new\n\\ No newline at end of file\n"
        b"@@ -20,3 +20,0 @@\n-a\n-b\n-c\n"
        b"diff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
        b'diff --git "a/sp ace" "b/sp ace"\n--- a/x\n+++ "b/t\\tab \\303\\274"\n@@ -0,0 +1 @@\n+x\n'
        b"diff --git a/s p.py b/s p.py\n--- a/s p.py\t\n+++ b/s p.py\t\n@@ -1 +1 @@\n-a\n+b\n"
    )
    ranges = {path: list(zip(s.starts, s.ends, strict=True))
              for path, s in added_lines(patch).items()}
    assert ranges == {"a.py": [(3, 4), (11, 11)], "t\tab ü": [(1, 1)], "s p.py": [(1, 1)]}


def test_unquote_path():
    assert unquote_path(b"plain/path.py") == "plain/path.py"
    assert unquote_path(b'"a\\"b\\\\c\\n\\344\\275\\240"') == 'a"b\\c\n你'


def test_keep_changed_is_a_pure_line_filter():
    def finding(uri: str, line: int, end: int) -> Finding:
        return Finding("NHG101", uri, line, 1, end, 5, "m", "s", "error")

    changed = {"a.py": LineSet.of([(5, 6)])}
    kept = keep_changed([finding("a.py", 4, 4), finding("a.py", 5, 5), finding("a.py", 2, 8),
                         finding("a.py", 7, 7), finding("b.py", 5, 5)], changed)
    assert [(f.uri, f.line) for f in kept] == [("a.py", 5), ("a.py", 2)]


def test_parse_range():
    assert parse_range("main") == ("main", "HEAD")
    assert parse_range("a..b") == ("a", "b")
    assert parse_range("a...b") == ("a", "b")
    assert parse_range("..b") == ("HEAD", "b")
    assert parse_range("a..") == ("a", "HEAD")


def test_parse_raw_reads_plain_renamed_and_combined_records():
    z, a, b, c = "0" * 40, "a" * 40, "b" * 40, "c" * 40
    raw = (f"commit {c}\0\n:000000 100644 {z} {a} A\0new.py\0"
           f":100644 100644 {a} {b} R087\0old name.py\0new name.py\0"
           f"\0commit {a}\0\n::100644 100644 100644 {a} {b} {c} MM\0merged.py\0").encode()
    changes = [(ch.commit, ch.path, ch.old_blob, ch.blob) for ch in parse_raw(raw.split(b"\0"))]
    assert changes == [(c, "new.py", z, a), (c, "new name.py", a, b), (a, "merged.py", a, c)]


def test_blob_reader_drains_blobs_over_the_cap(tmp_path):
    root = repo_with(tmp_path, {"big.txt": "x" * 5000, "small.txt": "hello\n"})
    ids = {line.split("\t")[1]: line.split()[2] for line in git(root, "ls-tree", "HEAD").splitlines()}
    with BlobReader(Repo(root), max_bytes=1000) as reader:
        assert reader.read(ids["big.txt"]) == (5000, None)
        assert reader.read(ids["small.txt"]) == (6, b"hello\n")
        assert reader.blobs_read == 2
