"""Parsers that turn every config format into one `Node` tree."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from .node import Node, Tree, TreeError, gc_paused

# One parser per file kind that has a tree view: kind -> (module, function).
# This table is the only list of those kinds: `filekinds.TREE_KINDS` is read
# from its keys. filekinds is imported at start-up, so a parser (and PyYAML)
# is imported only when a file of its kind is first parsed. A new format joins
# by adding its parser here.
PARSERS: dict[str, tuple[str, str]] = {
    "yaml": ("yaml_tree", "parse_yaml"),
    "json": ("json_tree", "parse_json"),
    "toml": ("toml_tree", "parse_toml"),
    "ini": ("ini_tree", "parse_ini"),
    "env": ("dotenv_tree", "parse_dotenv"),
    "hcl": ("hcl_tree", "parse_hcl"),
}
TREE_FORMATS = frozenset(PARSERS)


def parser(fmt: str) -> Callable[[str], Tree]:
    """The parse function of format `fmt` (imported on first use)."""
    try:
        module, function = PARSERS[fmt]
    except KeyError:
        raise ValueError(f"unknown tree format {fmt!r}; expected one of "
                         f"{', '.join(sorted(PARSERS))}") from None
    parse: Callable[[str], Tree] = getattr(import_module(f"{__name__}.{module}"), function)
    return parse


def parse_tree(text: str, fmt: str) -> Tree:
    """Parse `text` as format `fmt`; TreeError (with a line) when it is malformed."""
    parse = parser(fmt)
    with gc_paused():
        return parse(text)


def __getattr__(name: str) -> Any:
    # `from nhiguard.tree import parse_yaml` keeps working without importing
    # every parser up front.
    for fmt, (_, function) in PARSERS.items():
        if function == name:
            return parser(fmt)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PARSERS", "TREE_FORMATS", "Node", "Tree", "TreeError", "parse_dotenv", "parse_hcl", "parse_ini",
    "parse_json", "parse_toml", "parse_tree", "parse_yaml", "parser",
]
