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


def nhiguard(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
             stdin: str | None = None) -> Run:
    """Run `nhiguard ARGS` as users do: a real process, real exit code.
    `env` adds variables (store credentials); `stdin` is piped in."""
    proc = subprocess.run(
        [sys.executable, "-m", "nhiguard", *args],
        capture_output=True, text=True, cwd=cwd, timeout=300, check=False, input=stdin,
        env={"PATH": "/usr/bin:/bin", "CI": "true", "HOME": str(cwd or ROOT), **(env or {})},
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


SARIF_SCHEMA = ROOT / "tests/data/sarif-schema-2.1.0.json"
MULTITOOL = ROOT / "tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"


def sarif_problems(path: Path, workdir: Path) -> list[str]:
    """Everything the SARIF 2.1.0 schema and Microsoft's multitool (GitHub
    and SARIF rules) object to in the log at `path`; empty when it passes."""
    import jsonschema

    log = json.loads(path.read_text())
    problems = [e.message for e in jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text()))
                .iter_errors(log)]
    assert MULTITOOL.exists(), "run `make test` so the SARIF multitool is installed"
    report = workdir / f"{path.stem}-validation.sarif"
    proc = subprocess.run([str(MULTITOOL), "validate", "--rule-kind", "Gh;Sarif", "--output",
                           str(report), str(path)],
                          capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode != 0:
        return [*problems, proc.stdout + proc.stderr]
    results = json.loads(report.read_text())["runs"][0].get("results", [])
    # A result with no level is a warning (SARIF's default).
    return problems + [f"{r['ruleId']}: {r['message']}" for r in results
                       if r.get("level", "warning") in ("error", "warning")]


def free_port() -> int:
    """A TCP port nothing listens on now, on loopback (for test servers)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sarif_places(log: dict) -> set[tuple[str, str]]:
    """(ruleId, location URI) of every result in a SARIF log."""
    return {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
            for r in log["runs"][0]["results"]}


def fixture_files(root: Path) -> set[str]:
    """Every file below a fixture folder, as the URI a scan of it gives."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def findings_by_file(result) -> dict[str, list[tuple[str, int]]]:
    """Each file's findings as (rule, line), in report order; [] for a file without any."""
    from collections import defaultdict

    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for f in result.findings:
        found[f.uri].append((f.rule_id, f.line))
    return found


def scan_fixture_tree(root: Path, selectors: list[str], policy=None):
    """Scan every file below `root` (URIs relative to it) with the rules `selectors` pick."""
    from nhiguard.engine import scan
    from nhiguard.registry import select_rules
    from nhiguard.sources import Artifact

    artifacts = [Artifact(uri=uri, data=(root / uri).read_bytes()) for uri in sorted(fixture_files(root))]
    return scan(artifacts, select_rules(selectors), policy)
