"""TOML -> `Node` tree.

Values come from `tomllib`, so they are exactly right (dates and times become
ISO strings). `tomllib` keeps no positions, so a light line scan assigns them:
it follows `[table]` and `[[array.table]]` headers and `key =` lines (dotted
and quoted keys too) and skips the inside of multi-line strings and arrays.
Whatever sits inside an inline table or array takes the position of its key.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from typing import Any

from .node import MAX_DEPTH, Budget, Node, Scalar, Tree, TreeError

Path = tuple[str | int, ...]
# (key line, key column, value line, value column), all 1-based.
Position = tuple[int, int, int, int]

_KEY_PART = re.compile(r"""[ \t]*(?:([A-Za-z0-9_-]+)|("(?:[^"\\\n]|\\.)*")|'([^'\n]*)')[ \t]*""")
_ERROR_WHERE = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")


def parse_toml(text: str) -> Tree:
    """A TOML document as a `Node` tree."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _ERROR_WHERE.search(message)
        line = None
        if where:
            message = message[: where.start()]
            line = int(where.group(1)) if where.group(1) else text.count("\n") + 1
        raise TreeError(message or "invalid TOML", line) from exc
    except ValueError as exc:  # e.g. an integer longer than Python converts
        raise TreeError(str(exc).splitlines()[0] if str(exc) else "invalid TOML") from exc
    except RecursionError as exc:  # tomllib recurses into nested arrays
        raise TreeError(f"nesting deeper than {MAX_DEPTH}") from exc
    root = _build(data, (), _scan_positions(text), Budget(text), 0, 1, 1)
    return Tree([root], "toml")


def _build(value: Any, path: Path, positions: dict[Path, Position], budget: Budget,
           depth: int, line: int, column: int) -> Node:
    """Our node for one tomllib value sitting at (line, column)."""
    budget.take(line)
    budget.check_depth(depth, line)
    if isinstance(value, dict):
        node = Node.mapping(line, column)
        for key, child in value.items():
            child_path = path + (key,)
            kl, kc, vl, vc = positions.get(child_path, (line, column, line, column))
            child_node = _build(child, child_path, positions, budget, depth + 1, vl, vc)
            child_node.line, child_node.column = kl, kc
            child_node.value_line, child_node.value_column = vl, vc
            node.entries.append((key, child_node))
        return node
    if isinstance(value, list):
        node = Node.sequence(line, column)
        for index, item in enumerate(value):
            _, _, vl, vc = positions.get(path + (index,), (line, column, line, column))
            node.items.append(_build(item, path + (index,), positions, budget, depth + 1, vl, vc))
        return node
    return Node.scalar(_scalar(value), line, column)


def _scalar(value: Any) -> Scalar:
    if isinstance(value, datetime.date | datetime.time):  # datetime is a date
        return value.isoformat()
    return value  # type: ignore[no-any-return]


# -- positions -----------------------------------------------------------------------

def _scan_positions(text: str) -> dict[Path, Position]:
    """Where each key path is defined, from a scan of the (already valid) text."""
    positions: dict[Path, Position] = {}
    aot_index: dict[Path, int] = {}  # current element of each array of tables
    table: Path = ()
    in_string: str | None = None  # open multi-line string delimiter
    depth = 0  # open brackets of a multi-line array or inline table

    def resolve(names: list[str]) -> Path:
        path: Path = ()
        for name in names:
            path += (name,)
            if path in aot_index:
                path += (aot_index[path],)
        return path

    for number, line in enumerate(text.split("\n"), 1):
        if in_string or depth:
            in_string, depth = _skip_value(line, 0, in_string, depth)
            continue
        body = line.lstrip(" \t")
        indent = len(line) - len(body)
        if not body or body[0] == "#":
            continue
        if body[0] == "[":
            is_array = body.startswith("[[")
            parsed = _parse_key(line, indent + (2 if is_array else 1))
            if parsed is None:
                continue
            names, columns, _ = parsed
            if is_array:
                path = resolve(names[:-1]) + (names[-1],)
                aot_index[path] = aot_index.get(path, -1) + 1
                positions.setdefault(path, (number, columns[-1], number, indent + 1))
                path += (aot_index[path],)
            else:
                path = resolve(names)
            # A header wins over an earlier `[a.b]` that only implied this table.
            positions[path] = (number, columns[-1], number, indent + 1)
            _note_parents(positions, path, columns, number)
            table = path
            continue
        parsed = _parse_key(line, indent)
        if parsed is None or parsed[2] >= len(line) or line[parsed[2]] != "=":
            continue
        names, columns, end = parsed
        value_at = end + 1
        while value_at < len(line) and line[value_at] in " \t":
            value_at += 1
        for i in range(len(names) - 1):  # dotted keys define their parent tables too
            positions.setdefault(table + tuple(names[: i + 1]),
                                 (number, columns[i], number, columns[i]))
        positions[table + tuple(names)] = (number, columns[-1], number, value_at + 1)
        in_string, depth = _skip_value(line, value_at, None, 0)
    return positions


def _note_parents(positions: dict[Path, Position], path: Path, columns: list[int],
                  number: int) -> None:
    """A header `[a.b.c]` also introduces `a` and `a.b` when nothing did before."""
    name_at = [i for i, part in enumerate(path) if isinstance(part, str)]  # skip array indexes
    for rank, i in enumerate(name_at[:-1]):
        if rank < len(columns):
            positions.setdefault(path[: i + 1], (number, columns[rank], number, columns[rank]))


def _parse_key(line: str, at: int) -> tuple[list[str], list[int], int] | None:
    """Parse `a."b c".'d'` at `at`: the names, their 1-based columns, and where it ends."""
    names: list[str] = []
    columns: list[int] = []
    while True:
        m = _KEY_PART.match(line, at)
        if m is None:
            return None
        bare, basic, literal = m.groups()
        if bare is not None:
            name, start = bare, m.start(1)
        elif basic is not None:
            name, start = _basic_string(basic), m.start(2)
        else:
            name, start = literal, m.start(3) - 1  # point at the opening quote
        names.append(name)
        columns.append(start + 1)
        at = m.end()
        if at < len(line) and line[at] == ".":
            at += 1
            continue
        return names, columns, at


def _basic_string(quoted: str) -> str:
    """A double-quoted TOML key, escapes and all (tomllib knows them best)."""
    if "\\" not in quoted:
        return quoted[1:-1]
    try:
        return str(tomllib.loads(f"k = {quoted}")["k"])
    except tomllib.TOMLDecodeError:
        return quoted[1:-1]


def _skip_value(line: str, at: int, in_string: str | None, depth: int) -> tuple[str | None, int]:
    """Read a value's text on one line: is a multi-line string or bracket still open?"""
    i, n = at, len(line)
    while i < n:
        if in_string:
            close = _find_close(line, i, in_string)
            if close < 0:
                return in_string, depth
            i, in_string = close, None
            continue
        char = line[i]
        if char == "#":
            break
        if line.startswith(('"""', "'''"), i):
            in_string = line[i:i + 3]
            i += 3
            continue
        if char == '"':
            i += 1
            while i < n and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
        elif char == "'":
            end = line.find("'", i + 1)
            i = n if end < 0 else end
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return in_string, depth


def _find_close(line: str, i: int, delimiter: str) -> int:
    """Index just past the closing `\"\"\"`/`'''` on this line, or -1."""
    n = len(line)
    while i < n:
        if delimiter == '"""' and line[i] == "\\":
            i += 2
            continue
        if line.startswith(delimiter, i):
            i += 3
            for _ in range(2):  # `"""a""""` closes after the 4th quote: the text is `a"`
                if i < n and line[i] == delimiter[0]:
                    i += 1
            return i
        i += 1
    return -1
