"""Find every rule class under `nhiguard.rules` and select among them."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from .rule import Rule


class SelectionError(ValueError):
    """--select/--ignore named something that is no rule (exit code 2)."""


@cache
def all_rule_classes() -> tuple[type[Rule], ...]:
    """Every concrete rule, sorted by ID. Rule modules import nothing heavy at
    module level, so this stays cheap enough for a pre-commit run."""
    import nhiguard.rules as package

    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
    found: dict[str, type[Rule]] = {}
    stack: list[type[Rule]] = list(Rule.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        rid = cls.__dict__.get("id")
        if not rid:
            continue  # an abstract helper base
        if rid in found and found[rid] is not cls:
            raise RuntimeError(f"rule ID {rid} is used by {found[rid].__name__} and {cls.__name__}")
        found[rid] = cls
    return tuple(found[k] for k in sorted(found))


def _matches(rule: type[Rule], selector: str) -> bool:
    # A selector is an ID or an ID prefix, as in ruff (NHG1 picks the
    # family), or a rule's name, as `nhiguard rules NAME` accepts.
    return rule.id.startswith(selector.upper()) or rule.name.upper() == selector.upper()


def select_rules(select: list[str] | None = None, ignore: list[str] | None = None) -> list[type[Rule]]:
    """The rules picked by --select (default: all) minus --ignore."""
    rules = all_rule_classes()
    for selector in [*(select or []), *(ignore or [])]:
        if not any(_matches(r, selector) for r in rules):
            raise SelectionError(f"no rule matches {selector!r} (see `nhiguard rules`)")
    chosen = [r for r in rules if not select or any(_matches(r, s) for s in select)]
    return [r for r in chosen if not any(_matches(r, s) for s in ignore or [])]


def find_rule(rule_id: str) -> type[Rule] | None:
    wanted = rule_id.upper()
    return next((r for r in all_rule_classes() if r.id == wanted or r.name.upper() == wanted), None)
