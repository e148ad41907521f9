"""Git sources: what is staged, what a change between two revisions brings in,
and every blob in a range of history.

Everything is read from git objects through plain `git` processes, never from
the work tree and never written back: `git diff --raw` (or `git log --raw`)
names the blobs, one long-lived `git cat-file --batch` streams their bytes.
The cost follows the change, not the repository: nothing here lists the whole
tree.

- `--staged`: the index blobs of the files with staged changes (added, copied,
  modified, renamed, type-changed; deleted files are skipped). Unstaged edits
  in the work tree are not scanned.
- `--diff BASE` (= `BASE..HEAD`), `--diff BASE..HEAD`, `--diff BASE...HEAD`
  (from the merge base): the changed files as they are at HEAD.

For both, whole files are analysed and only findings on added or changed
lines are reported (`diffmap.keep_changed`): a secret that was already in the
file before the change is not what the change introduces.

- `--history [REV-RANGE]` (default `HEAD`, i.e. every commit reachable from
  HEAD): each distinct blob is scanned once, whatever the number of commits,
  paths or branches it appears in. It is reported with the path and the
  oldest commit (in topological order) that introduced it. A finding that
  stays the same across later versions of the file is reported once, for the
  version that introduced it.
"""

from __future__ import annotations

import multiprocessing.util
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..filekinds import is_binary_name
from ..finding import Notification
from .diffmap import LineSet, added_lines
from .files import DEFAULT_EXCLUDES, DEFAULT_MAX_BYTES, Artifact, ExcludeMatcher, Listing, SourceError

NULL_SHA = re.compile(r"^0+$")
_SKIPPED_MODES = ("120000", "160000")  # symbolic links and submodules hold no file content


class GitError(SourceError):
    """Not a repository, a bad revision, or git itself failed (exit code 2)."""


def git_env() -> dict[str, str]:
    # No optional locks (never touch the index), no prompts, plain messages.
    return {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


class Repo:
    """A git work tree, driven through `git` subprocesses."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def discover(cls, start: Path) -> Repo:
        probe = start if start.is_dir() else start.parent
        try:
            out = subprocess.run(["git", "-C", str(probe), "rev-parse", "--show-toplevel"],
                                 capture_output=True, env=git_env(), timeout=60, check=False)
        except FileNotFoundError as exc:
            raise GitError("git is not installed") from exc
        if out.returncode != 0 or not out.stdout.strip():
            raise GitError(f"not a git work tree: {start}")
        return cls(Path(_decode(out.stdout.strip())).resolve())

    def command(self, *args: str) -> list[str]:
        return ["git", "-C", str(self.root), "--literal-pathspecs", "-c", "core.quotePath=false", *args]

    def run(self, *args: str) -> bytes:
        out = subprocess.run(self.command(*args), capture_output=True, env=git_env(), check=False)
        if out.returncode != 0:
            message = _decode(out.stderr).strip().splitlines()
            raise GitError(f"git {args[0]} failed: {message[-1] if message else out.returncode}")
        return out.stdout

    def commit(self, rev: str) -> str:
        """The full commit id `rev` names, or GitError."""
        if not rev or rev.startswith("-"):
            raise GitError(f"bad revision: {rev!r}")
        if NULL_SHA.match(rev):
            raise GitError(f"bad revision: {rev} is the null commit (a new branch's push "
                           "event has no BASE); pass the commit to compare with")
        out = subprocess.run(self.command("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"),
                             capture_output=True, env=git_env(), check=False)
        if out.returncode != 0:
            raise GitError(f"bad revision: {rev!r} names no commit in {self.root}")
        return _decode(out.stdout.strip())

    def has_head(self) -> bool:
        out = subprocess.run(self.command("rev-parse", "--verify", "--quiet", "HEAD"),
                             capture_output=True, env=git_env(), check=False)
        return out.returncode == 0

    def pathspecs(self, paths: Sequence[str]) -> list[str]:
        """Command-line paths as repository-relative pathspecs (none: everything)."""
        specs = []
        for p in paths:
            rel = os.path.relpath(os.path.abspath(p), self.root)
            if rel == ".." or rel.startswith(".." + os.sep):
                raise GitError(f"{p} is outside the repository {self.root}")
            specs.append(Path(rel).as_posix())
        return [] if "." in specs else specs


class BlobReader:
    """One `git cat-file --batch` process: blob ids in, bytes out, streamed.

    `blobs_read` counts the blobs asked for, so tests can check that each
    distinct blob is read once. A blob over the size cap is drained from the
    pipe and not kept.
    """

    def __init__(self, repo: Repo, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.blobs_read = 0
        self._proc = subprocess.Popen(repo.command("cat-file", "--batch"), stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=git_env())

    def read(self, blob: str) -> tuple[int, bytes | None]:
        """(size, content); content is None when the blob is over the cap."""
        stdin, stdout = self._pipes()
        self.blobs_read += 1
        stdin.write(blob.encode("ascii") + b"\n")
        stdin.flush()
        header = stdout.readline().split()
        if len(header) != 3:
            raise GitError(f"git cat-file: cannot read blob {blob}")
        size = int(header[2])
        if size > self.max_bytes:
            self._drain(stdout, size + 1)
            return size, None
        data = stdout.read(size + 1)
        if len(data) != size + 1:
            raise GitError(f"git cat-file: blob {blob} was cut short")
        return size, data[:size]

    @staticmethod
    def _drain(stdout: IO[bytes], count: int) -> None:
        while count > 0:
            chunk = stdout.read(min(count, 1 << 20))
            if not chunk:
                raise GitError("git cat-file: a blob was cut short")
            count -= len(chunk)

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        return self._proc.stdin, self._proc.stdout

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._proc.wait()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def blob_sizes(repo: Repo, blobs: Sequence[str]) -> dict[str, int]:
    """The size of each blob, from one `git cat-file --batch-check` (no
    content is read); a blob git does not have is left out."""
    if not blobs:
        return {}
    out = subprocess.run(repo.command("cat-file", "--batch-check"), capture_output=True,
                         input="".join(f"{b}\n" for b in blobs).encode("ascii"), env=git_env(),
                         check=False)
    if out.returncode != 0:
        raise GitError(f"git cat-file failed: {_decode(out.stderr).strip() or out.returncode}")
    sizes = {}
    for line in out.stdout.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] == b"blob":
            sizes[_decode(fields[0])] = int(fields[2])
    return sizes


@dataclass(frozen=True, slots=True)
class GitBlob(Artifact):
    """A blob of the repository at `repo`, read when it is scanned, by the
    process that scans it (one `git cat-file --batch` per process): contents
    never pass through the process that lists them."""

    repo: str = ""

    def read(self) -> bytes:
        assert self.blob is not None
        return read_blob(self.repo, self.blob)


# Per repository, this process's reader (a forked worker starts its own: a
# pipe shared with the parent would mix their answers).
_readers: dict[str, tuple[int, BlobReader]] = {}
_readers_lock = threading.Lock()


def read_blob(root: str, blob: str) -> bytes:
    """The bytes of `blob` in the repository at `root`, through this process's
    long-lived reader; OSError if it cannot be read."""
    with _readers_lock:
        entry = _readers.get(root)
        if entry is None or entry[0] != os.getpid():
            reader = BlobReader(Repo(Path(root)), max_bytes=sys.maxsize)
            _readers[root] = entry = (os.getpid(), reader)
            # A pool worker ends without running atexit hooks; this runs.
            multiprocessing.util.Finalize(reader, reader.close, exitpriority=10)
        try:
            _, data = entry[1].read(blob)
        except BaseException as exc:  # a git error, or the file's time budget mid-read
            del _readers[root]  # the pipe's state is unknown: a fresh reader next time
            entry[1].close()
            if isinstance(exc, GitError):
                raise OSError(str(exc)) from exc
            raise
    assert data is not None
    return data


def close_blob_readers() -> None:
    """End this process's readers (a scan that read blobs inline calls this)."""
    with _readers_lock:
        for pid, reader in _readers.values():
            if pid == os.getpid():
                reader.close()
        _readers.clear()


@dataclass(frozen=True)
class Change:
    """One file of a change: its path on the new side and its new blob."""

    path: str
    blob: str
    mode: str
    old_blob: str = ""
    commit: str | None = None


def parse_raw(tokens: Iterable[bytes]) -> Iterator[Change]:
    """Changes from the NUL-separated tokens of `git diff --raw -z` or
    `git log --raw -z --format="commit %H"` (combined `::` records of merges
    too). Deleted files come with a null blob; renames and copies name the new
    path."""
    stream = iter(tokens)
    commit: str | None = None
    for item in stream:
        token = item.lstrip(b"\n")
        if token.startswith(b"commit "):
            commit = _decode(token[7:].strip())
        elif token.startswith(b":"):
            parents = len(token) - len(token.lstrip(b":"))
            fields = token[parents:].split(b" ")
            mode, old, blob = fields[parents], fields[parents + 1], fields[2 * parents + 1]
            path = next(stream, b"")
            if fields[-1][:1] in (b"R", b"C"):
                path = next(stream, b"")  # the second path is the new one
            yield Change(_decode(path), _decode(blob), _decode(mode), _decode(old), commit)


def stream_tokens(stream: IO[bytes], chunk: int = 1 << 16) -> Iterator[bytes]:
    """NUL-separated tokens of a pipe, read as they come."""
    rest = b""
    while data := stream.read(chunk):
        parts = (rest + data).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


@dataclass
class GitListing(Listing):
    """A listing plus what a diff-like scan may report: changed lines per path."""

    changed: dict[str, LineSet] = field(default_factory=dict)
    note: str | None = None


class BlobFilter:
    """Which blobs to read (as a path scan chooses files), and reading them."""

    def __init__(self, excludes: Sequence[str], max_bytes: int) -> None:
        self.excludes = tuple(DEFAULT_EXCLUDES) + tuple(excludes)
        self._excluded = ExcludeMatcher(self.excludes)
        self.max_bytes = max_bytes

    def wanted(self, change: Change) -> bool:
        return (not NULL_SHA.match(change.blob) and change.mode not in _SKIPPED_MODES
                and not self._excluded.matches(change.path) and not is_binary_name(change.path))

    def artifact(self, reader: BlobReader, change: Change, listing: Listing) -> Artifact | None:
        size, data = reader.read(change.blob)
        if data is None:
            listing.notifications.append(Notification(
                change.path, f"skipped: {size} bytes is over the {self.max_bytes}-byte size cap",
                "note", kind="too-large"))
            return None
        return Artifact(uri=change.path, data=data, size=size, blob=change.blob)


class ChangeSource:
    """The files a change touches, read from git, with their added lines."""

    def __init__(self, repo: Repo, excludes: Sequence[str] = (),
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.repo = repo
        self.filter = BlobFilter(excludes, max_bytes)
        self.blobs_read = 0

    def staged(self, paths: Sequence[str] = ()) -> GitListing:
        """What `git commit` would record now, against HEAD (or nothing, before
        the first commit)."""
        against = ["HEAD"] if self.repo.has_head() else []
        return self._list(["--cached", *against], paths)

    def diff(self, spec: str, paths: Sequence[str] = ()) -> GitListing:
        """`BASE`, `BASE..HEAD` or `BASE...HEAD`; an empty side means HEAD."""
        base, head = parse_range(spec)
        base_id, head_id = self.repo.commit(base), self.repo.commit(head)
        if "..." in spec:
            base_id = _decode(self.repo.run("merge-base", base_id, head_id).strip())
        if base_id == head_id:
            return GitListing(note=f"BASE and HEAD are the same commit ({head_id[:12]}); nothing to scan")
        return self._list([base_id, head_id], paths)

    def _list(self, revs: list[str], paths: Sequence[str]) -> GitListing:
        specs = ["--", *self.repo.pathspecs(paths)]
        common = ["--no-ext-diff", "--no-textconv", "--no-color", "--find-renames",
                  "--diff-filter=ACMRT", "--ignore-submodules"]
        raw = self.repo.run("diff", "--raw", "-z", "--no-abbrev", *common, *revs, *specs)
        changes = [c for c in parse_raw(raw.split(b"\0")) if self.filter.wanted(c)]
        listing = GitListing()
        if not changes:
            return listing
        patch = self.repo.run("diff", "-U0", "--src-prefix=a/", "--dst-prefix=b/", *common, *revs, *specs)
        listing.changed = added_lines(patch)
        with BlobReader(self.repo, self.filter.max_bytes) as reader:
            for change in changes:
                if change.blob == change.old_blob:
                    continue  # a pure rename or a mode change adds no line
                # A file git takes for binary has no hunk; it is still read, so
                # the scan says why it was skipped, as a path scan does.
                artifact = self.filter.artifact(reader, change, listing)
                if artifact is not None:
                    listing.artifacts.append(artifact)
            self.blobs_read += reader.blobs_read
        listing.artifacts.sort(key=lambda a: a.uri)
        listing.notifications.sort(key=Notification.sort_key)
        return listing


def parse_range(spec: str) -> tuple[str, str]:
    """`A` → (A, HEAD); `A..B` and `A...B` → (A, B); an empty side is HEAD."""
    for sep in ("...", ".."):
        if sep in spec:
            base, head = spec.split(sep, 1)
            return base or "HEAD", head or "HEAD"
    return spec, "HEAD"
