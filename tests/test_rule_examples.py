"""Every rule's own VALID and INVALID examples are tests (docs/architecture.md, "Rule")."""

from __future__ import annotations

import pytest
from nhiguard.engine import Prefilter, scan_artifact
from nhiguard.registry import all_rule_classes
from nhiguard.rule import Example, Rule, contract_problems
from nhiguard.sources import Artifact

RULES = all_rule_classes()


def _findings(rule_cls: type[Rule], example: Example):
    artifact = Artifact(uri=example.path, data=example.code.encode())
    result = scan_artifact(artifact, Prefilter([rule_cls()]))
    errors = [n for n in result.notifications if n.kind == "rule-error"]
    assert not errors, errors
    return [f for f in result.findings if f.rule_id == rule_cls.id]


def _cases(attr: str):
    for rule in RULES:
        for i, example in enumerate(getattr(rule, attr)):
            yield pytest.param(rule, example, id=f"{rule.id}-{attr.lower()}-{i}")


def test_there_are_rules():
    assert len(RULES) >= 1


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_keeps_the_contract(rule):
    assert contract_problems(rule) == []


@pytest.mark.parametrize(("rule", "example"), list(_cases("VALID")))
def test_valid_example_is_silent(rule, example):
    found = _findings(rule, example)
    assert found == [], f"{rule.id} fired on a VALID example: {[(f.line, f.message) for f in found]}"


@pytest.mark.parametrize(("rule", "example"), list(_cases("INVALID")))
def test_invalid_example_is_reported(rule, example):
    found = _findings(rule, example)
    assert len(found) == example.count, [(f.line, f.message) for f in found]
    if example.line is not None:
        assert found[0].line == example.line


def test_rule_ids_and_names_are_unique():
    assert len({r.id for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)
