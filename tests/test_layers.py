"""Who may import whom, read from the source with `ast` (nothing is imported).

- A rule module never imports another rule module, and reaches other rule
  code only through its own family's private (`_name`) helper modules:
  precedence between rules is declared (`Rule.superseded_by`), not coded.
- The engine (scanner/) knows rules only through the registry.
- Rules never read files or write output: no sources, reporters or CLI.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

PACKAGES = {"scanner": "nhiguard", "rules": "nhiguard.rules"}
# What a rule must not reach: reading files, walking trees, formatting output.
RULE_FORBIDDEN = ("nhiguard.cli", "nhiguard.sources", "nhiguard.gitsource", "nhiguard.githistory",
                  "nhiguard.reporters", "nhiguard.engine")


def _module_name(path: Path) -> str:
    folder, *parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGES[folder], *parts])


def _modules(folder: str) -> dict[str, Path]:
    return {_module_name(p): p for p in sorted((ROOT / folder).rglob("*.py"))}


ALL = {**_modules("scanner"), **_modules("rules")}


def imports(path: Path) -> set[str]:
    """Every module the file imports, anywhere in it, with relative names resolved.
    `from pkg import name` counts as importing `pkg.name` when that is a module."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names
                         if f"{module}.{alias.name}" in ALL)
    return found


def is_rule_module(module: str) -> bool:
    """A module of `nhiguard.rules` that is no package and no private helper."""
    last = module.rpartition(".")[2]
    return module.startswith("nhiguard.rules.") and ALL[module].name != "__init__.py" \
        and not last.startswith("_")


def _family(module: str) -> str:
    return ".".join(module.split(".")[:3])


RULE_CODE = sorted(m for m in ALL if m.startswith("nhiguard.rules."))


def test_the_import_reader_resolves_relative_imports():
    helper = ALL["nhiguard.rules.dcr.dcr_open_registration"]
    assert "nhiguard.rules.dcr._idp" in imports(helper)
    assert "nhiguard.rule" in imports(helper)


@pytest.mark.parametrize("module", RULE_CODE)
def test_rule_code_imports_no_other_rule_and_no_other_family(module):
    for imported in imports(ALL[module]):
        if not imported.startswith("nhiguard.rules.") or imported not in ALL:
            continue
        assert not is_rule_module(imported), f"{module} imports the rule module {imported}"
        assert _family(imported) == _family(module), f"{module} imports {imported} of another family"


@pytest.mark.parametrize("module", RULE_CODE)
def test_rule_code_reads_no_files_and_writes_no_output(module):
    bad = {i for i in imports(ALL[module]) if i.startswith(RULE_FORBIDDEN)}
    assert not bad, f"{module} imports {sorted(bad)}"


@pytest.mark.parametrize("module", sorted(m for m in ALL if not m.startswith("nhiguard.rules")))
def test_the_engine_knows_rules_only_through_the_registry(module):
    if module == "nhiguard.registry":
        return
    bad = {i for i in imports(ALL[module]) if i == "nhiguard.rules" or i.startswith("nhiguard.rules.")}
    assert not bad, f"{module} imports {sorted(bad)}"


def test_tree_kinds_are_the_parser_table_and_cost_nothing_at_start_up():
    code = ("import sys\nfrom nhiguard.filekinds import ALL_KINDS, CONFIG_KINDS, TREE_KINDS\n"
            "from nhiguard.tree import PARSERS\n"
            "assert TREE_KINDS == set(PARSERS) and TREE_KINDS <= ALL_KINDS and TREE_KINDS <= CONFIG_KINDS\n"
            "assert 'hcl' in TREE_KINDS\n"
            "assert not any(m.endswith('_tree') and m.startswith('nhiguard.tree.') for m in sys.modules)\n"
            "assert 'yaml' not in sys.modules and 'tree_sitter' not in sys.modules\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
