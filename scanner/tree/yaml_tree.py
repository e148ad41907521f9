"""YAML -> `Node` tree, loaded safely.

We *compose* (build PyYAML's node graph) rather than construct Python
objects: composing runs no constructor, keeps every position, and tolerates
tags we do not know, such as CloudFormation's `!Ref`, `!GetAtt` and `!Sub`,
which end up in `Node.tag`. Scalar types are then resolved here from the
standard tag PyYAML's resolver picked.

Aliases share composed nodes, so a "billion laughs" file composes cheaply
but would explode when expanded; a `Budget` stops the expansion early. An
expanded alias is a copy that keeps the positions of its anchored original.
"""

from __future__ import annotations

import math

import yaml

from .node import MAX_DEPTH, Budget, Node, Scalar, Tree, TreeError

# The C loader is much faster; both are safe loaders.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STD = "tag:yaml.org,2002:"
# Tags that only say what the plain type is; any other tag is worth keeping,
# e.g. `!Ref`, or `!!python/object/apply:...` from a file meant for an unsafe loader.
_STANDARD_TAGS = frozenset(_STD + name for name in (
    "str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary", "merge",
    "omap", "pairs", "set", "value"))
_TRUE = frozenset({"true", "yes", "on", "y"})
_FALSE = frozenset({"false", "no", "off", "n"})


def parse_yaml(text: str) -> Tree:
    """Every document of a YAML stream as a `Node` tree."""
    budget = Budget(text)
    documents: list[Node] = []
    try:
        for root in yaml.compose_all(text, Loader=_LOADER):
            if root is not None:
                documents.append(_convert(root, budget, 0, set()))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        raise TreeError(_one_line(message), mark.line + 1 if mark else None) from exc
    except yaml.YAMLError as exc:
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        raise TreeError(_one_line(str(exc)), line) from exc
    except UnicodeEncodeError as exc:  # a lone surrogate cannot reach libyaml
        raise TreeError("text holds an unencodable character", _line_at(text, exc.start)) from exc
    except RecursionError as exc:  # the pure-Python composer recurses
        raise TreeError(f"nesting deeper than {MAX_DEPTH}") from exc
    return Tree(documents, "yaml")


def _convert(ynode: yaml.Node, budget: Budget, depth: int, on_path: set[int]) -> Node:
    """Copy a composed node into our tree; aliases are expanded within budget."""
    line, column = ynode.start_mark.line + 1, ynode.start_mark.column + 1
    budget.take(line)
    budget.check_depth(depth, line)
    tag = _custom_tag(ynode.tag)
    if isinstance(ynode, yaml.ScalarNode):
        return Node.scalar(_scalar(ynode.tag, ynode.value), line, column, tag)
    if id(ynode) in on_path:  # `&a [*a]` composes into a cycle
        raise TreeError("recursive alias", line)
    on_path.add(id(ynode))
    if isinstance(ynode, yaml.SequenceNode):
        node = Node.sequence(line, column)
        for item in ynode.value:
            node.items.append(_convert(item, budget, depth + 1, on_path))
    else:
        node = Node.mapping(line, column)
        for key_node, value_node in ynode.value:
            key = _key_text(key_node, budget, depth + 1, on_path)
            value = _convert(value_node, budget, depth + 1, on_path)
            value.value_line, value.value_column = value.line, value.column
            value.line, value.column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            node.entries.append((key, value))
    node.tag = tag
    on_path.discard(id(ynode))
    return node


def _key_text(key_node: yaml.Node, budget: Budget, depth: int, on_path: set[int]) -> str:
    """A key as written (`on`, not True); a rare complex key is rendered flow-style."""
    if isinstance(key_node, yaml.ScalarNode):
        return str(key_node.value)
    return _render(_convert(key_node, budget, depth, on_path))


def _render(node: Node) -> str:
    if node.is_mapping:
        return "{" + ", ".join(f"{k}: {_render(v)}" for k, v in node.entries) + "}"
    if node.is_sequence:
        return "[" + ", ".join(_render(item) for item in node.items) + "]"
    return node.text() or ""


def _custom_tag(tag: str | None) -> str | None:
    """Keep only non-standard tags (`!Ref`); standard ones are implied by the type."""
    return None if tag is None or tag in _STANDARD_TAGS else tag


def _scalar(tag: str, raw: str) -> Scalar:
    """The Python value of a scalar, from its resolved tag (YAML 1.1, as PyYAML)."""
    if tag not in _STANDARD_TAGS:
        return raw
    kind = tag[len(_STD):]
    if kind == "null":
        return None
    if kind == "bool":
        low = raw.lower()
        return True if low in _TRUE else False if low in _FALSE else raw
    try:
        if kind == "int":
            return _to_int(raw)
        if kind == "float":
            return _to_float(raw)
    except ValueError:  # e.g. `!!int abc`, or more digits than Python converts
        return raw
    return raw  # str, and timestamps/binary kept as written


def _to_int(raw: str) -> int:
    text = raw.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if ":" in text:  # YAML 1.1 base 60: 1:30 == 90
        value = 0
        for part in text.split(":"):
            value = value * 60 + int(part)
        return sign * value
    if text.startswith(("0b", "0x", "0o")):
        return sign * int(text, 0)
    if len(text) > 1 and text.startswith("0"):
        return sign * int(text, 8)  # YAML 1.1 octal
    return sign * int(text)


def _to_float(raw: str) -> float:
    text = raw.replace("_", "").lower()
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("+-")
    if text == ".inf":
        return sign * math.inf
    if text == ".nan":
        return math.nan
    if ":" in text:
        value = 0.0
        for part in text.split(":"):
            value = value * 60 + float(part)
        return sign * value
    return sign * float(text)


def _one_line(message: str) -> str:
    """PyYAML messages end with an 'in <unicode string>' line; keep the first."""
    first = message.strip().splitlines()
    return first[0].strip() if first else "invalid YAML"


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
