"""Shared test helpers: run the real CLI in a subprocess, build small trees.

Import as `from helpers import nhiguard, write_tree` (pytest puts tests/ on sys.path)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def nhiguard(*args: str, cwd: Path | None = None) -> Run:
    """Run `nhiguard ARGS` as users do: a real process, real exit code."""
    proc = subprocess.run(
        [sys.executable, "-m", "nhiguard", *args],
        capture_output=True, text=True, cwd=cwd, timeout=300, check=False,
        env={"PATH": "/usr/bin:/bin", "CI": "true", "HOME": str(cwd or ROOT)},
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        capture_output=True, text=True, check=True,
    ).stdout
