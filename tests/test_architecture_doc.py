"""docs/architecture.md is the design and the contracts: it must stay true to the code.

These checks catch the drift a reader would trip over first: a path that no
longer exists, a command-line option or exit code the CLI does not have, a
rule attribute or kind tag that the rule contract does not know.
"""

from __future__ import annotations

import re

from click.testing import CliRunner
from helpers import ROOT
from nhiguard import cli
from nhiguard.rule import KINDS, Rule

DOC = (ROOT / "docs/architecture.md").read_text()


def _section(title: str) -> str:
    m = re.search(rf"^#+ {re.escape(title)}\s*$(.*?)(?=^#+ |\Z)", DOC, re.M | re.S)
    assert m, f"docs/architecture.md has no section {title!r}"
    return m.group(1)


def test_every_path_it_names_exists():
    named = set(re.findall(r"`((?:scanner|rules|tests|benchmarks|docs)/[\w./-]*\.(?:py|md))", DOC))
    named |= {f"scanner/{m}" for m in re.findall(r"\(`scanner/([\w./-]+\.py)`", DOC)}
    assert named, "the document names no file"
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"


def test_every_scan_option_it_lists_exists():
    listed = set(re.findall(r"(--[a-z][a-z-]+)", _section("Command line").split("Configuration:")[0]))
    help_text = CliRunner().invoke(cli.main, ["scan", "--help"]).output
    missing = sorted(o for o in listed if o not in help_text)
    assert not missing, f"options in docs/architecture.md that `nhiguard scan` lacks: {missing}"


def test_exit_codes_match_the_cli():
    table = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", _section("Command line"), re.M))
    codes = {int(c) for c in table}
    in_cli = {v for k, v in vars(cli).items() if k.startswith("EXIT_") and isinstance(v, int)}
    assert codes == in_cli


def test_rule_attributes_and_kind_tags_match_the_contract():
    table = _section("Rule")
    for attribute in re.findall(r"^\| `(\w+)`", table, re.M):
        assert hasattr(Rule, attribute) or attribute in Rule.__annotations__, attribute
    for attribute in ("superseded_by", "literal_secret", "keywords", "file_kinds", "policy_settings"):
        assert f"`{attribute}`" in table, f"the Rule table does not mention {attribute}"
    kinds = set(re.findall(r"^\| `(kind/[\w-]+)`", _section("Kind tags"), re.M))
    assert kinds == set(KINDS)


def test_the_code_points_here_not_at_a_design_file_outside_the_repository():
    cited = [p for p in [*ROOT.glob("scanner/**/*.py"), *ROOT.glob("rules/**/*.py")]
             if "DESIGN.md" in p.read_text()]
    assert not cited, f"cite docs/architecture.md instead: {cited}"
