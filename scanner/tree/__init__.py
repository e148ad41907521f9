"""Parsers that turn every config format into one `Node` tree."""

from __future__ import annotations

from collections.abc import Callable

from .dotenv_tree import parse_dotenv
from .ini_tree import parse_ini
from .json_tree import parse_json
from .node import Node, Tree, TreeError, gc_paused
from .toml_tree import parse_toml
from .yaml_tree import parse_yaml

# One parser per format name (the file kinds of `filekinds`). A new format,
# HCL next, joins by adding its parser here.
PARSERS: dict[str, Callable[[str], Tree]] = {
    "yaml": parse_yaml,
    "json": parse_json,
    "toml": parse_toml,
    "ini": parse_ini,
    "env": parse_dotenv,
}
TREE_FORMATS = frozenset(PARSERS)


def parse_tree(text: str, fmt: str) -> Tree:
    """Parse `text` as format `fmt`; TreeError (with a line) when it is malformed."""
    try:
        parser = PARSERS[fmt]
    except KeyError:
        raise ValueError(f"unknown tree format {fmt!r}; expected one of "
                         f"{', '.join(sorted(PARSERS))}") from None
    with gc_paused():
        return parser(text)


__all__ = [
    "PARSERS", "TREE_FORMATS", "Node", "Tree", "TreeError", "parse_dotenv", "parse_ini",
    "parse_json", "parse_toml", "parse_tree", "parse_yaml",
]
