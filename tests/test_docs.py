"""The rule docs and the README are generated from, or checked against, the rules."""

from __future__ import annotations

from helpers import ROOT
from nhiguard.docgen import rules_markdown
from nhiguard.registry import all_rule_classes


def test_rules_md_is_up_to_date():
    committed = (ROOT / "docs/rules.md").read_text()
    assert committed == rules_markdown(), "run: python -m nhiguard.docgen > docs/rules.md"


def test_every_help_uri_has_its_section():
    text = (ROOT / "docs/rules.md").read_text()
    for rule in all_rule_classes():
        assert rule.help_uri().endswith("docs/rules.md#" + rule.id.lower())
        assert f"\n## {rule.id}\n" in text


def test_readme_lists_every_rule_and_the_quick_start():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    for rule in all_rule_classes():
        assert f"| {rule.id} |" in readme or f"[{rule.id}]" in readme, rule.id
