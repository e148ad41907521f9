"""The code stays ruff-clean and mypy-clean (the style the README promises)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import ROOT

BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_ruff_is_clean():
    proc = _run(str(BIN / "ruff"), "check", "scanner", "rules", "tests", "benchmarks")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_is_clean():
    proc = _run(str(BIN / "mypy"), "scanner", "rules")
    assert proc.returncode == 0, proc.stdout + proc.stderr
