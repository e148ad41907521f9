"""The real-code corpus: pinned source releases, fetched once into a cache outside the repository.

    python benchmarks/corpus.py              # fetch and unpack everything, print the folders
    python benchmarks/corpus.py --quick      # only the small subset `run.py --quick` uses

Generated trees hide what real code costs (long lines, big vendored files,
minified JavaScript, deep YAML), so the benchmark also scans source
distributions of real projects at exact versions: Python sdists fetched with
`pip download --no-deps --no-binary NAME NAME==VER` and npm packages with
`npm pack NAME@VER`, both the registries' ordinary clients. The archives and
their unpacked trees live in the cache (see `cache_dir`), reused across runs
and never inside the repository. Nothing fetched is ever executed or imported
by this script: archives are unpacked with tarfile's "data" filter, which
refuses links and paths that leave the target folder. (pip itself may build
an sdist's metadata in an isolated environment while downloading it.)

The history repository is built the same way: successive released sdists of
`mcp`, oldest first, each committed over the last into a scratch git
repository in the cache, with a fixed author and date per commit, so the
same versions give the same history on any machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

CORPUS_VERSION = 1  # bump when the list or the layout changes: a new folder is built


@dataclass(frozen=True)
class Release:
    """One pinned release of one project, from PyPI (`pypi`) or npm (`npm`)."""

    name: str
    version: str
    registry: str = "pypi"

    @property
    def slug(self) -> str:
        """A folder name: `@scope/name` becomes `scope-name`."""
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}"


# The nine projects users measured (22k files, 256 MB), plus the MCP TypeScript SDK for JS.
CORPUS: tuple[Release, ...] = (
    Release("fastmcp", "4.2.3"),
    Release("mcp", "2.3.0"),
    Release("authlib", "1.9.10"),
    Release("django-allauth", "65.22.1"),
    Release("openai-agents", "0.24.0"),
    Release("checkov", "3.3.30"),
    Release("ansible-core", "2.19.14"),
    Release("langchain-core", "1.8.4"),
    Release("prowler", "5.46.0"),
    Release("@modelcontextprotocol/sdk", "1.32.2", "npm"),
)
QUICK_CORPUS = ("mcp", "authlib", "@modelcontextprotocol/sdk")

# Released `mcp` sdists committed oldest first to make a repository with real history.
HISTORY_PROJECT = "mcp"
HISTORY_VERSIONS: tuple[str, ...] = (
    "1.0.0", "1.2.0", "1.4.0", "1.6.0", "1.8.0", "1.10.0", "1.12.0", "1.14.0", "1.16.0",
    "1.18.0", "1.20.0", "1.22.0", "1.24.0", "1.25.0", "1.26.0", "1.27.0", "1.28.0", "1.29.0",
    "1.30.0", "2.0.0", "2.0.1", "2.1.0", "2.2.0", "2.3.0",
)
QUICK_HISTORY_VERSIONS = ("1.0.0", "1.10.0", "1.20.0", "1.30.0", "2.3.0")
DOWNLOAD_THREADS = 4  # pip and npm mostly wait on the network


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def cache_dir() -> Path:
    """NHIGUARD_BENCH_CACHE, else $XDG_CACHE_HOME/nhiguard-bench, else ~/.cache/nhiguard-bench."""
    explicit = os.environ.get("NHIGUARD_BENCH_CACHE")
    if explicit:
        return Path(explicit).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return (Path(base).expanduser() / "nhiguard-bench").resolve()


def _fetch(release: Release, cache: Path, pip_python: str) -> Path | None:
    """The release's archive in the cache, downloaded on first use; None if it cannot be had."""
    folder = cache / "archives" / release.slug
    found = sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        if release.registry == "npm":
            cmd = ["npm", "pack", f"{release.name}@{release.version}", "--pack-destination", tmp,
                   "--silent", "--ignore-scripts"]
        else:
            # --no-binary for this project only: with `:all:`, pip also builds the sdist's
            # build requirements from source (Cython, compiled with gcc, for some), minutes
            # of work for nothing the benchmark reads.
            cmd = [pip_python, "-m", "pip", "download", "-q", "--disable-pip-version-check",
                   "--no-deps", "--no-binary", release.name, "-d", tmp,
                   f"{release.name}=={release.version}"]
        log(f"downloading {release.name} {release.version}")
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=tmp)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log(f"could not download {release.name} {release.version}: {exc}")
            return None
        got = [p for p in Path(tmp).iterdir() if p.is_file()]
        if done.returncode != 0 or len(got) != 1:
            tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            log(f"could not download {release.name} {release.version}: {tail}")
            return None
        target = folder / got[0].name
        shutil.move(str(got[0]), target)
        return target


def _unpack(archive: Path, into: Path) -> None:
    """Unpack an sdist or npm tarball into `into`, without its single top-level folder."""
    with tempfile.TemporaryDirectory(dir=into.parent) as tmp:
        if archive.suffix == ".zip":
            with zipfile.ZipFile(archive) as zf:
                for member in zf.infolist():
                    target = Path(tmp, member.filename).resolve()
                    if not target.is_relative_to(Path(tmp).resolve()):
                        raise ValueError(f"{archive.name}: {member.filename} leaves the folder")
                zf.extractall(tmp)
        else:
            with tarfile.open(archive) as tf:
                tf.extractall(tmp, filter="data")
        entries = list(Path(tmp).iterdir())
        top = entries[0] if len(entries) == 1 and entries[0].is_dir() else Path(tmp)
        if into.exists():
            shutil.rmtree(into)
        shutil.move(str(top), into)


def _unpacked(release: Release, archive: Path, root: Path) -> Path | None:
    """`root/<slug>`, unpacked from the archive unless already there (a stamp marks it done)."""
    tree, stamp = root / release.slug, root / f".{release.slug}.done"
    if tree.is_dir() and stamp.is_file():
        return tree
    try:
        _unpack(archive, tree)
    except (OSError, ValueError, tarfile.TarError, zipfile.BadZipFile) as exc:
        log(f"could not unpack {archive.name}: {exc}")
        return None
    stamp.write_text(archive.name + "\n", encoding="utf-8")
    return tree


def fetch_all(releases: list[Release], cache: Path, pip_python: str) -> dict[Release, Path]:
    """Download the archives in parallel; the ones that could not be had are left out."""
    with ThreadPoolExecutor(DOWNLOAD_THREADS) as pool:
        archives = list(pool.map(lambda r: _fetch(r, cache, pip_python), releases))
    return {r: a for r, a in zip(releases, archives, strict=True) if a is not None}


def ensure_corpus(quick: bool, cache: Path | None = None,
                  pip_python: str = sys.executable) -> tuple[Path, list[tuple[Release, Path]]]:
    """The corpus root (one folder per project) and the projects in it, fetched as needed.

    The quick and full corpora are separate roots, so a whole-corpus scan never
    picks up a project the other list holds.
    """
    cache = cache or cache_dir()
    releases = [r for r in CORPUS if not quick or r.name in QUICK_CORPUS]
    root = cache / f"corpus-v{CORPUS_VERSION}{'-quick' if quick else ''}"
    root.mkdir(parents=True, exist_ok=True)
    archives = fetch_all(releases, cache, pip_python)
    projects: list[tuple[Release, Path]] = []
    for release in releases:
        if release not in archives:
            continue
        tree = _unpacked(release, archives[release], root)
        if tree is not None:
            projects.append((release, tree))
    return root, projects


def _git(repo: Path, *args: str, date: str | None = None) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    cmd = ["git", "-c", f"core.hooksPath={os.devnull}", "-c", "commit.gpgsign=false",
           "-c", "core.autocrlf=false", *args]
    return subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def ensure_history_repo(quick: bool, cache: Path | None = None,
                        pip_python: str = sys.executable) -> tuple[Path, int] | None:
    """A git repository whose commits are successive `mcp` releases; (path, commits).

    Built once per version list; None when not one release could be fetched.
    """
    cache = cache or cache_dir()
    versions = QUICK_HISTORY_VERSIONS if quick else HISTORY_VERSIONS
    releases = [Release(HISTORY_PROJECT, v) for v in versions]
    repo = cache / f"history-v{CORPUS_VERSION}-{HISTORY_PROJECT}-{len(versions)}"
    stamp = cache / f".{repo.name}.done"
    if repo.is_dir() and stamp.is_file():
        return repo, int(stamp.read_text(encoding="utf-8").split()[0])
    archives = fetch_all(releases, cache, pip_python)
    if not archives:
        return None
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    commits = 0
    for n, release in enumerate(releases):
        if release not in archives:
            continue
        # Replace the whole work tree with this release, so deletions are committed too.
        for entry in repo.iterdir():
            if entry.name != ".git":
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        scratch = repo.parent / f".{repo.name}.unpack"
        if scratch.exists():
            shutil.rmtree(scratch)
        try:
            _unpack(archives[release], scratch)
        except (OSError, ValueError, tarfile.TarError, zipfile.BadZipFile) as exc:
            log(f"could not unpack {release.slug}: {exc}")
            continue
        for entry in scratch.iterdir():
            shutil.move(str(entry), repo / entry.name)
        scratch.rmdir()
        _git(repo, "add", "-A", "-f")
        date = f"{1_700_000_000 + n * 86_400} +0000"  # one fixed day per release
        _git(repo, "commit", "-q", "--allow-empty", "-m", f"{release.name} {release.version}",
             date=date)
        commits += 1
    stamp.write_text(f"{commits} commits\n", encoding="utf-8")
    return repo, commits


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help="only the small subset")
    p.add_argument("--no-history", action="store_true", help="skip the history repository")
    args = p.parse_args(argv)
    root, projects = ensure_corpus(args.quick)
    print(f"corpus: {root} ({len(projects)} projects)")
    for release, tree in projects:
        print(f"  {release.name} {release.version}: {tree}")
    if not args.no_history:
        built = ensure_history_repo(args.quick)
        print("history: could not be built" if built is None
              else f"history: {built[0]} ({built[1]} commits)")
    return 0 if projects else 3


if __name__ == "__main__":
    sys.exit(main())
