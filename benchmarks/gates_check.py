"""Do the rules' text gates change a finding on real code? Scan with them as shipped and forced open.

    .venv/bin/python benchmarks/gates_check.py --real            # the real-code corpus (corpus.py)
    .venv/bin/python benchmarks/gates_check.py PATH [PATH ...]   # any trees
    .venv/bin/python benchmarks/gates_check.py CLONE --history   # every blob of a history

A text gate lets a rule skip a parse when the text cannot hold what the rule
reports; it may say "parse" when in doubt, never "nothing here" when the parse
would find something. `tests/test_scan_costs.py` and `tests/test_gates.py`
check each gate on the shapes it reasons about; this checks them on code no
one here wrote. Each tree is scanned twice in child processes, with test code
included (`--include-tests`, so the structural rules read everything): once
as shipped, once with every gate in `GATES` replaced by one that always says
"parse". The findings must be the same; the differences are printed (rule,
file, line and message only: a finding's snippet is never shown) and the exit
code is 1 if there are any.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import corpus

# (module, function) of every text gate: each must only ever narrow the work.
GATES = (
    ("nhiguard.rules.scopes.oauth_broad_scope", "_may_name_scopes"),
    ("nhiguard.rules.scopes.oauth_broad_scope", "_may_hold_wildcard"),
    ("nhiguard.rules.scopes.tool_allow_all", "_may_approve_all"),
    ("nhiguard.rules.scopes.rbac_wildcard", "_may_grant_all"),
    ("nhiguard.rules.scopes.cloud_iam_wildcard", "_may_grant_all"),
    ("nhiguard.rules.secrets.config_store_secret", "config_may_hold_secret"),
    ("nhiguard.rules.secrets.config_store_secret", "may_hold_secret"),
    ("nhiguard.rules.secrets.oauth_client_secret", "may_hold_secret"),
    ("nhiguard.rules.secrets.oauth_client_secret", "strict_json_verdict"),
    ("nhiguard.rules.secrets.oauth_client_secret", "_worth_parsing"),
    ("nhiguard.rules.dcr._clients", "_may_register"),
    ("nhiguard.rules.dcr._servers", "may_build_proxy"),
)

Finding = tuple[str, str, int, int, str]


def _always_parse(*_: object, **__: object) -> bool:
    return True


def _child(open_gates: bool, report: str, scan_args: list[str]) -> int:
    """Run one scan in this process, the gates forced open or not."""
    if open_gates:
        for module_name, name in GATES:
            module = importlib.import_module(module_name)
            if not callable(getattr(module, name, None)):
                print(f"gates_check: {module_name}.{name} is gone; update GATES", file=sys.stderr)
                return 3
            setattr(module, name, _always_parse)
    from nhiguard.cli import main as cli_main

    try:
        cli_main(["scan", *scan_args, "--include-tests", "--no-progress", "--format", "json",
                  "--output", report], standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 3
    return 0


def _scan(open_gates: bool, scan_args: list[str]) -> list[Finding]:
    with tempfile.TemporaryDirectory(prefix="nhiguard-gates-") as scratch:
        report = str(Path(scratch) / "report.json")
        cmd = [sys.executable, __file__, "--child", "open" if open_gates else "shut", report, "--",
               *scan_args]
        code = subprocess.run(cmd, check=False).returncode
        if code not in (0, 1):
            raise SystemExit(f"gates_check: the scan failed with exit code {code}")
        data = json.loads(Path(report).read_text(encoding="utf-8"))
    return sorted((f["rule_id"], f["uri"], f["line"], f["column"], f["message"])
                  for f in data["findings"])


def check(scan_args: list[str]) -> bool:
    """Scan as shipped and with the gates open; print what differs; True if nothing does."""
    shipped, opened = _scan(False, scan_args), _scan(True, scan_args)
    lost = sorted(set(opened) - set(shipped))
    gained = sorted(set(shipped) - set(opened))
    print(f"{' '.join(scan_args)}: {len(shipped)} findings as shipped, {len(opened)} with the gates open")
    for rule, uri, line, column, message in lost:
        print(f"  missed by a gate: {rule} {uri}:{line}:{column} {message}")
    for rule, uri, line, column, message in gained:
        print(f"  only with the gates: {rule} {uri}:{line}:{column} {message}")
    return not lost and not gained


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--child"]:
        return _child(args[1] == "open", args[2], args[4:])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("trees", nargs="*", type=Path, help="trees (or a clone, with --history) to scan")
    p.add_argument("--real", action="store_true", help="the real-code corpus (fetched once)")
    p.add_argument("--quick", action="store_true", help="with --real: the small subset")
    p.add_argument("--history", action="store_true", help="scan every blob of each clone's history")
    parsed = p.parse_args(args)
    trees = list(parsed.trees)
    if parsed.real:
        trees.append(corpus.ensure_corpus(parsed.quick)[0])
    if not trees:
        p.error("give a tree, or --real")
    same = True
    for tree in trees:
        same = check([str(tree), *(["--history"] if parsed.history else [])]) and same
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
