"""Sources: where artifacts come from. v0.1 reads paths: files and folders.

Inside a git work tree the file list comes from git (so .gitignore is
honoured, as users expect); elsewhere the folder is walked. A symbolic link
is never followed out of the scanned root, and a link loop is reported, not
chased. A link to a file inside the tree is scanned once, under the real
file's path; every real file is listed once however many links or hard links
lead to it. A file named on the command line is always read, whatever its
name, or gets a notice saying why not. Reading happens later, in the
workers, so listing stays cheap.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..filekinds import is_binary_name
from ..finding import Notification

DEFAULT_EXCLUDES = (".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache")
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Artifact:
    """One thing to scan: a URI for reports, and where its bytes are."""

    uri: str
    path: str | None = None
    data: bytes | None = None
    size: int = 0
    # Store values have no file name to judge by: the source names the kind.
    kind: str | None = None
    # The value sits in a store meant for secrets (Secrets Manager, a
    # SecureString, a Kubernetes Secret): rules that report a credential only
    # for being written down stay silent there.
    secret_store: bool = False
    # URI prefix of the folder the user asked to scan: whether a file is test
    # code is judged on the part of its URI below it (`nhiguard.testpaths`).
    root: str = ""
    # The git object the bytes were read from: in a history one path has many
    # versions, and this tells their results apart.
    blob: str | None = None

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        with open(self.path, "rb") as fh:
            return fh.read()


@dataclass
class Listing:
    artifacts: list[Artifact] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    # (device, inode) of every listed file, so each is scanned once.
    inodes: set[tuple[int, int]] = field(default_factory=set, repr=False)


class SourceError(ValueError):
    """A path given on the command line does not exist (exit code 2)."""


def find_srcroot(start: Path) -> Path:
    """The root that report URIs are relative to: the git work tree holding
    `start`; outside git, the current folder when `start` is inside it (paths
    then read as the user typed them), else `start` itself."""
    probe = start if start.is_dir() else start.parent
    cwd = Path.cwd().resolve()
    fallback = cwd if (probe.resolve() == cwd or cwd in probe.resolve().parents) else probe.resolve()
    try:
        out = subprocess.run(
            ["git", "-C", str(probe), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, timeout=30, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return fallback
    if out.returncode == 0 and out.stdout.strip():
        return Path(out.stdout.strip()).resolve()
    return fallback


def glob_regex(glob: str) -> str:
    """A `.gitignore`-style glob as a regular expression over a `/` path:
    `*` and `?` stay within one segment, `**/` is any number of folders
    (none too), a trailing `/**` everything inside, a leading `/` only
    anchors (every glob is read from the scanned root)."""
    g = glob.lstrip("/")
    out: list[str] = []
    i = 0
    while i < len(g):
        if g.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif g.startswith("/**", i) and i + 3 == len(g):
            out.append("(?:/.*)?")
            i += 3
        elif g.startswith("**", i):
            out.append(".*")
            i += 2
        elif g[i] == "*":
            out.append("[^/]*")
            i += 1
        elif g[i] == "?":
            out.append("[^/]")
            i += 1
        elif g[i] == "[" and "]" in g[i + 2:]:
            end = g.index("]", i + 2)
            body = g[i + 1:end]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(g[i]))
            i += 1
    return "(?s:" + "".join(out) + r")\Z"


class ExcludeMatcher:
    """--exclude globs compiled once, read as `.gitignore` reads its patterns
    (`glob_regex`): a glob matches a path or any folder above it, and a glob
    without `/` matches any single path segment, at any depth."""

    def __init__(self, globs: Iterable[str]) -> None:
        cleaned = [g.rstrip("/") for g in globs if g.strip("/")]
        self._prefix = re.compile("|".join(glob_regex(g) for g in cleaned)) if cleaned else None
        segment = [g for g in cleaned if "/" not in g]
        self._segment = re.compile("|".join(glob_regex(g) for g in segment)) if segment else None
        self._folders: dict[str, bool] = {}

    def matches(self, uri: str) -> bool:
        folder, _, name = uri.rpartition("/")
        if folder and self.folder_matches(folder):
            return True
        return self._matches_itself(uri, name)

    def folder_matches(self, folder: str) -> bool:
        """`matches` for a folder, remembered: the files of one folder share it."""
        known = self._folders.get(folder)
        if known is None:
            parent, _, name = folder.rpartition("/")
            known = (bool(parent) and self.folder_matches(parent)) or self._matches_itself(folder, name)
            self._folders[folder] = known
        return known

    def _matches_itself(self, path: str, name: str) -> bool:
        """Does a glob match `path` or its last segment `name` (not a folder above)?"""
        return ((self._segment is not None and self._segment.match(name) is not None)
                or (self._prefix is not None and self._prefix.match(path) is not None))


def _git_files(folder: Path) -> list[str] | None:
    """Files under `folder` git would track (tracked + untracked, not ignored)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(folder), "ls-files", "-z", "--cached", "--others",
             "--exclude-standard", "--deduplicate"],
            capture_output=True, timeout=300, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return [p for p in out.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def _walk(folder: str) -> Iterator[str]:
    """Paths below `folder`, relative to it, of everything but folders (links to
    folders too: they are not entered, and `_add` reports the ones that loop or
    leave the tree). `.git` is not entered. Unreadable folders are passed over,
    as `os.walk` does."""
    todo = [("", folder)]
    while todo:
        rel, path = todo.pop()
        try:
            with os.scandir(path) as entries:
                found = [(e.name, e.path, e.is_dir(follow_symlinks=False)) for e in entries]
        except OSError:
            continue
        for name, entry_path, is_dir in found:
            child = f"{rel}{os.sep}{name}" if rel else name
            if not is_dir:
                yield child
            elif name != ".git":
                todo.append((child, entry_path))


class PathSource:
    def __init__(self, srcroot: Path, excludes: Iterable[str] = (),
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.srcroot = srcroot.resolve()
        self.excludes = tuple(DEFAULT_EXCLUDES) + tuple(excludes)
        self._excluded = ExcludeMatcher(self.excludes)
        self.max_bytes = max_bytes

    def uri_for(self, path: str) -> str:
        root = str(self.srcroot)
        if path.startswith(root + os.sep):
            return path[len(root) + 1:].replace(os.sep, "/")
        return Path(path).as_uri()

    def root_uri(self, folder: str) -> str:
        """The URI prefix of files below `folder` ("" for the source root)."""
        if os.path.abspath(folder) == str(self.srcroot):
            return ""
        return self.uri_for(os.path.join(os.path.abspath(folder), "x"))[:-1]

    def list(self, paths: Iterable[str]) -> Listing:
        listing = Listing()
        seen: set[str] = set()
        for arg in paths:
            p = Path(arg)
            if not p.exists() and not p.is_symlink():
                raise SourceError(f"no such file or folder: {arg}")
            absolute = os.path.abspath(p)
            if p.is_dir() and not p.is_symlink():
                names = _git_files(Path(absolute))
                if names is None:
                    names = list(_walk(absolute))
                root = absolute
                root_uri = self.root_uri(root)
                for name in names:
                    self._add(os.path.join(absolute, name), root, listing, seen, root_uri=root_uri)
            else:
                folder = os.path.dirname(absolute)
                self._add(absolute, folder, listing, seen, named=True,
                          root_uri=self.root_uri(folder))
        listing.artifacts.sort(key=lambda a: a.uri)
        listing.notifications.sort(key=Notification.sort_key)
        return listing

    def _add(self, path: str, root: str, listing: Listing, seen: set[str],
             named: bool = False, root_uri: str = "") -> None:
        """List one file. `named`: the user named it on the command line, so
        its name never decides that it is skipped, and any skip is noticed."""
        # Hot for large trees: one lstat per file and plain strings, no pathlib.
        uri = self.uri_for(path)
        if uri in seen:
            return
        note = listing.notifications.append
        if self._excluded.matches(uri):
            if named:
                note(Notification(uri, "skipped: matches an exclude pattern", "note", kind="excluded"))
            return
        seen.add(uri)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return  # tracked by git but deleted in the work tree
        except OSError as exc:
            note(Notification(uri, f"could not read: {exc.strerror or exc}", "warning", kind="unreadable"))
            return
        if stat.S_ISLNK(st.st_mode):
            target = self._link_target(path, root, uri, note)
            if target is None:
                return
            path = target
            try:
                st = os.stat(path)
            except OSError as exc:
                note(Notification(uri, f"could not read: {exc.strerror or exc}", "warning",
                                  kind="unreadable"))
                return
            if stat.S_ISREG(st.st_mode):
                # Report it where it lives, so it is found once, as the real file.
                real_uri = self.uri_for(path)
                if not real_uri.startswith("file:"):
                    if self._excluded.matches(real_uri):
                        return
                    uri = real_uri
        if not stat.S_ISREG(st.st_mode):
            # Folders behind links are scanned through their real path; a FIFO
            # or device would block or never end.
            if named or not stat.S_ISDIR(st.st_mode):
                note(Notification(uri, "skipped: not a regular file", "note", kind="not-a-file"))
            return
        if not named and is_binary_name(uri):
            return
        if (st.st_dev, st.st_ino) in listing.inodes:
            return  # a link or hard link to a file listed already
        if st.st_size > self.max_bytes:
            note(Notification(uri, f"skipped: {st.st_size} bytes is over the {self.max_bytes}-byte "
                              "size cap", "note", kind="too-large"))
            return
        listing.inodes.add((st.st_dev, st.st_ino))
        listing.artifacts.append(Artifact(uri=uri, path=path, size=st.st_size, root=root_uri))

    @staticmethod
    def _link_target(path: str, root: str, uri: str,
                     note: Callable[[Notification], None]) -> str | None:
        """The real path of a link that stays inside the scanned tree, else None
        (and a note saying why it was skipped)."""
        try:
            target = os.path.realpath(path, strict=True)
        except OSError as exc:
            loop = exc.errno == errno.ELOOP
            what = "a symbolic link loop" if loop else "a broken symbolic link"
            note(Notification(uri, f"skipped {what}", "note", kind="symlink"))
            return None
        inside = os.path.realpath(root)
        if not (target == inside or target.startswith(inside + os.sep)):
            note(Notification(uri, "skipped a symbolic link that points out of the scanned tree",
                              "note", kind="symlink"))
            return None
        return target
