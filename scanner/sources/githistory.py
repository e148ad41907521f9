"""`--history [REV-RANGE]`: every distinct blob of a range of commits, once.

`git log --raw` names the blobs each commit brings in (merges too, through
their combined diff, so a conflict resolution is not missed); a blob already
seen, under any path, in any commit or branch, is not read again. The
workers read the contents themselves, each through its own `git cat-file
--batch`, one blob at a time, so memory stays flat however long the history
is and nothing is copied between processes.

Commits are walked oldest first (topological order), so a blob is reported
with the commit that introduced it. A finding that stays the same across
later versions of a file (same path, rule and fingerprint) is reported once,
for the oldest version.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import replace

from ..engine import DEFAULT_FILE_TIMEOUT, INLINE_MAX_FILES, FileResult, ScanResult, WorkerPool, iter_results
from ..finding import Finding, Notification
from ..policy import Policy
from ..rule import Rule
from .files import DEFAULT_MAX_BYTES, Artifact
from .gitsource import (
    BlobFilter,
    Change,
    GitBlob,
    GitError,
    Repo,
    blob_sizes,
    close_blob_readers,
    git_env,
    parse_raw,
    stream_tokens,
)

# Options a range may hold besides revisions: which refs to walk.
REF_OPTIONS = frozenset({"--all", "--branches", "--tags", "--remotes"})

class HistorySource:
    def __init__(self, repo: Repo, excludes: Sequence[str] = (),
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.repo = repo
        self.filter = BlobFilter(excludes, max_bytes)
        self.notifications: list[Notification] = []

    def revisions(self, spec: str) -> list[str]:
        """The words of a range (`HEAD`, `v1.0..main`, `main ^old`, `--all`),
        each endpoint checked, so a typo is a clear error and not git's."""
        words = spec.split() or ["HEAD"]
        for word in words:
            if word.startswith("-"):
                if word not in REF_OPTIONS:
                    raise GitError(f"bad revision range: {word!r} (options allowed: "
                                   f"{', '.join(sorted(REF_OPTIONS))})")
                continue
            for side in word.lstrip("^").replace("...", "..").split(".."):
                if side:
                    self._check(side)
        return words

    def _check(self, rev: str) -> None:
        try:
            self.repo.commit(rev)
        except GitError as exc:
            if os.path.exists(rev):
                raise GitError(f"{exc} (to scan the history of a path, put the path before "
                               "--history, or give --history=HEAD)") from exc
            raise

    def changes(self, spec: str, paths: Sequence[str] = ()) -> list[Change]:
        """The distinct blobs the range brings in, each with the path and
        oldest commit where it first appears."""
        revs = self.revisions(spec)
        args = ["log", "--raw", "-z", "--no-abbrev", "--no-renames", "--cc", "--topo-order",
                "--reverse", "--no-ext-diff", "--no-textconv", "--no-color", "--format=commit %H",
                *revs, "--", *self.repo.pathspecs(paths)]
        proc = subprocess.Popen(self.repo.command(*args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=git_env())
        assert proc.stdout is not None and proc.stderr is not None
        seen: set[str] = set()
        out: list[Change] = []
        for change in parse_raw(stream_tokens(proc.stdout)):
            if change.blob in seen or not self.filter.wanted(change):
                continue
            seen.add(change.blob)
            out.append(change)
        error = proc.stderr.read().decode("utf-8", "replace").strip()
        if proc.wait() != 0:
            raise GitError(f"git log failed: {error.splitlines()[-1] if error else proc.returncode}")
        return out

    def artifacts(self, changes: Sequence[Change]) -> list[tuple[Artifact, Change]]:
        """An artifact per blob, in the order of `changes` (so the versions of
        a path come oldest first). Only sizes are asked for here: each worker
        reads the contents of the blobs it scans, so they are read once, in
        parallel, and never copied between processes. A blob over the size
        cap is left out with a note."""
        sizes = blob_sizes(self.repo, [c.blob for c in changes])
        root = str(self.repo.root)
        out: list[tuple[Artifact, Change]] = []
        for change in changes:
            size = sizes.get(change.blob)
            if size is None:
                raise GitError(f"git cat-file: cannot read blob {change.blob}")
            if size > self.filter.max_bytes:
                self.notifications.append(Notification(
                    change.path, f"skipped: {size} bytes is over the {self.filter.max_bytes}-byte "
                    "size cap", "note", kind="too-large"))
                continue
            out.append((GitBlob(uri=change.path, size=size, blob=change.blob, repo=root), change))
        return out


def scan_history(
    source: HistorySource,
    changes: Sequence[Change],
    rule_classes: Sequence[type[Rule]],
    policy: Policy,
    jobs: int,
    on_progress: Callable[[int], None] | None = None,
    pool: WorkerPool | None = None,
    file_timeout: float = DEFAULT_FILE_TIMEOUT,
) -> ScanResult:
    """Scan the blobs `source.changes` listed, once each; findings carry their commit.

    Every blob goes to the workers at once, every version of a path too (a
    file's many versions are where a history's time goes), and results are
    told apart by blob. They are then read in history order, so a finding
    that every later version repeats is reported for the oldest.
    """
    if pool is None and jobs > 1 and len(changes) > INLINE_MAX_FILES:
        with WorkerPool(rule_classes, policy, jobs, file_timeout) as own:
            return scan_history(source, changes, rule_classes, policy, jobs, on_progress, own,
                                file_timeout)
    blobs = source.artifacts(changes)
    results: dict[str | None, FileResult] = {}
    try:
        for r in iter_results([artifact for artifact, _ in blobs], rule_classes, policy, jobs,
                              pool, file_timeout):
            results[r.blob] = r
            if on_progress:
                on_progress(1)
    finally:
        close_blob_readers()  # those this process opened, when it scanned inline
    findings: list[Finding] = []
    notifications: dict[tuple[str, str, str, int], Notification] = {}
    reported: set[tuple[str, str, str]] = set()
    scanned = 0
    for artifact, change in blobs:
        result = results[artifact.blob]
        scanned += result.scanned
        for f in sorted(result.findings, key=Finding.sort_key):
            key = (f.uri, f.rule_id, f.fingerprint)
            if key not in reported:
                reported.add(key)
                findings.append(replace(f, commit=change.commit))
        for n in sorted(result.notifications, key=Notification.sort_key):
            notifications.setdefault((n.uri, n.kind, n.message, n.line or 0), n)
    for n in source.notifications:
        notifications.setdefault((n.uri, n.kind, n.message, n.line or 0), n)
    findings.sort(key=Finding.sort_key)
    return ScanResult(findings, sorted(notifications.values(), key=Notification.sort_key),
                      len(changes), scanned)
