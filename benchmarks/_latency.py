"""Latency measurements: a few short nhiguard runs, and the git change that --diff is timed on."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import _report
from _measure import Sample, Summary, measure
from _peers import Tool, kingfisher_command
from _report import Latency

DIFF_FILES = 50
TEXT_SUFFIXES = (".py", ".ts", ".tsx", ".yaml", ".yml", ".tf", ".md", ".sh")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def measure_latency(
    label: str, cmd: list[str], cwd: Path, runs: int, goal: float | None,
    env: dict[str, str] | None = None, ok_codes: frozenset[int] = frozenset({0, 1}),
) -> Latency | None:
    samples: list[Sample] = []
    for _ in range(runs):
        sample = measure(cmd, cwd, env=env)
        if sample.exit_code not in ok_codes:
            log(f"{label}: `{' '.join(cmd[:4])} ...` exited {sample.exit_code}; skipped")
            return None
        samples.append(sample)
    shown_cmd = " ".join(Path(cmd[0]).name if i == 0 else a for i, a in enumerate(cmd))
    if len(shown_cmd) > 90:
        shown_cmd = shown_cmd[:87] + "..."
    return Latency(label, shown_cmd, Summary.of(samples), goal)


def tracked_text_files(repo: Path) -> list[str]:
    """The repository's text files (git's index when there is one, else a walk)."""
    done = subprocess.run(
        ["git", "ls-files", "-z"], cwd=repo, capture_output=True, text=True, check=False
    )
    names: list[str] = []
    if done.returncode == 0 and done.stdout:
        names = done.stdout.split("\0")
    else:
        for dirpath, dirnames, filenames in os.walk(repo):
            if ".git" in dirnames:
                dirnames.remove(".git")
            names += [str(Path(dirpath, f).relative_to(repo)) for f in filenames]
    return sorted(n for n in names if n.endswith(TEXT_SUFFIXES))


def pick(names: list[str], count: int, seed: int) -> list[str]:
    return sorted(random.Random(seed).sample(names, min(count, len(names))))


def _git(repo: Path, *args: str) -> str:
    cmd = ["git", "-c", f"core.hooksPath={os.devnull}", "-c", "commit.gpgsign=false", *args]
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")
    return subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def _change_line(path: str, n: int) -> str:
    if path.endswith(".py"):
        return f"\n\ndef bench_change_{n}() -> int:\n    return {n}\n"
    if path.endswith((".ts", ".tsx")):
        return f"\nexport const benchChange{n} = {n};\n"
    if path.endswith(".md"):
        return f"\nBenchmark change {n}.\n"
    return f"\n# benchmark change {n}\n"


def peer_diff_command(peer: Tool, base: str, report: Path) -> list[str] | None:
    """A peer's way of scanning only the commits after `base`, for reference."""
    # Never point --report-path at /dev/null: gitleaks deletes its report file when
    # it fails, and that would remove the device node.
    if peer.name == "gitleaks":
        return [peer.exe, "git", ".", "--no-banner", "--log-level", "error", "--redact",
                f"--log-opts={base}..HEAD", "--report-format", "json", "--report-path", str(report)]
    if peer.name == "kingfisher":
        return kingfisher_command(peer.exe, report, "--since-commit", base, "--branch", "HEAD")
    return None


def diff_latency(
    exe: str, peers: list[Tool], repo: Path, runs: int, seed: int, scratch: Path
) -> list[Latency]:
    """Commit a 50-file change on a scratch branch, time `scan --diff BASE`, then restore."""
    start = _git(repo, "rev-parse", "--abbrev-ref", "HEAD")
    if start == "bench-diff":  # left over from an interrupted run
        _git(repo, "checkout", "-q", "-f", "main")
        start = "main"
    base = _git(repo, "rev-parse", "HEAD")
    picked = pick(tracked_text_files(repo), DIFF_FILES, seed)
    results: list[Latency] = []
    try:
        _git(repo, "checkout", "-q", "-B", "bench-diff", base)
        for n, name in enumerate(picked):
            with open(repo / name, "a", encoding="utf-8") as handle:
                handle.write(_change_line(name, n))
        _git(repo, "commit", "-q", "-am", f"change {DIFF_FILES} files")
        files = _git(repo, "ls-files").count("\n") + 1
        cmd = [exe, "scan", ".", "--diff", base, "--format", "json", "--no-progress"]
        label = f"diff: {DIFF_FILES} changed files in a repo of {files:,}"
        found = measure_latency(label, cmd, repo, runs, _report.DIFF_GOAL_S)
        results += [found] if found else []
        for peer in peers:
            peer_cmd = peer_diff_command(peer, base, scratch / f"{peer.name}-diff.json")
            if peer_cmd is None:
                continue
            found = measure_latency(f"diff, for reference: {peer.name} BASE..HEAD", peer_cmd,
                                    repo, runs, None, env=peer.env, ok_codes=peer.ok_codes)
            results += [found] if found else []
    finally:
        _git(repo, "checkout", "-q", "-f", start if start != "HEAD" else base)
        _git(repo, "branch", "-q", "-D", "bench-diff")
    return results
