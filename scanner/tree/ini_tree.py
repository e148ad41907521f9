"""INI -> `Node` tree: a root mapping of keys and `[section]` mappings.

A small line parser rather than `configparser`: it keeps line and column,
keeps keys as written (no lower-casing), never interpolates `%(x)s`, and
does not fail on duplicate keys. Keys before the first section go in the
root mapping; a repeated section adds to the first one. Values are stripped
strings; an indented line continues the previous value, and a key with no
`=` or `:` gets the empty string.
"""

from __future__ import annotations

import re

from .node import Budget, Node, Tree, TreeError

_SECTION = re.compile(r"\[([^\]]*)\][ \t]*(?:[;#].*)?")
_DELIMITER = re.compile(r"[=:]")


def parse_ini(text: str) -> Tree:
    """An INI file as a `Node` tree."""
    budget = Budget(text)
    root = Node.mapping(1, 1)
    sections: dict[str, Node] = {}
    current = root
    last: Node | None = None  # the value an indented line would continue
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw[:-1] if raw.endswith("\r") else raw
        body = line.lstrip()
        indent = len(line) - len(body)
        if not body:
            last = None
            continue
        if body[0] in ";#":
            continue
        if indent and last is not None:
            last.value = f"{last.value}\n{body.rstrip()}" if last.value else body.rstrip()
            continue
        if body[0] == "[":
            m = _SECTION.fullmatch(body.rstrip())
            if m is None:
                raise TreeError("section header without a closing ']'", number)
            name = m.group(1).strip()
            current = sections.get(name) or _new_section(root, sections, name, number,
                                                          indent + 1, budget)
            last = None
            continue
        delimiter = _DELIMITER.search(body)
        if delimiter is None:  # a bare key, as in my.cnf's `skip-networking`
            key, value, value_column = body.rstrip(), "", indent + len(body.rstrip()) + 1
        else:
            key, rest = body[: delimiter.start()].rstrip(), body[delimiter.end():]
            value = rest.strip()
            value_column = indent + delimiter.end() + len(rest) - len(rest.lstrip()) + 1
        if not key:
            raise TreeError("entry without a key", number)
        budget.take(number)
        last = Node.scalar(value, number, indent + 1)
        last.value_line, last.value_column = number, value_column
        current.entries.append((key, last))
    return Tree([root], "ini")


def _new_section(root: Node, sections: dict[str, Node], name: str, number: int, column: int,
                 budget: Budget) -> Node:
    budget.take(number)
    section = Node.mapping(number, column)
    section.value_line, section.value_column = number, column
    root.entries.append((name, section))
    sections[name] = section
    return section
