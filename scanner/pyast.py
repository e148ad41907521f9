"""Small helpers for reading Python syntax trees (the standard `ast` module).

Rules ask questions like "what is this call called?", "what literal string
is passed as `client_secret=`?". Answers come from the syntax tree alone:
scanned code is never imported or executed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Final

# What a reader answers when a value is not a literal it can read. Ellipsis,
# because `None` is a real Python value a file can hold.
UNKNOWN: Final = ...


def dotted_name(node: ast.AST | None) -> str | None:
    """`a.b.c` for Name/Attribute chains, None for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def call_name(call: ast.Call) -> str | None:
    """The dotted name of what is called, e.g. `httpx.post`, `OAuthProxy`."""
    return dotted_name(call.func)


def last_name(call: ast.Call) -> str | None:
    """The final component of the called name: `post` for `httpx.post`."""
    name = call_name(call)
    return name.rsplit(".", 1)[-1] if name else None


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    """The value passed as keyword `name=` to a call, or None."""
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def positional(call: ast.Call, index: int) -> ast.expr | None:
    args = [a for a in call.args if not isinstance(a, ast.Starred)]
    return args[index] if index < len(args) else None


def has_star_args(call: ast.Call) -> bool:
    """`f(*args)` or `f(**kwargs)`: arguments the tree alone cannot list."""
    return any(isinstance(a, ast.Starred) for a in call.args) or any(
        kw.arg is None for kw in call.keywords)


def is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def string_value(node: ast.AST | None) -> str | None:
    """The value of a plain string literal (also implicitly concatenated);
    None for f-strings, bytes, names, calls and everything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def literal_value(node: ast.AST | None) -> object:
    """Strings, numbers, True/False/None, and lists/tuples/dicts of those;
    `UNKNOWN` for anything that is not a literal."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str | int | float) or value is None:
            return value  # bool is an int
        return UNKNOWN  # bytes, complex, `...`
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = literal_value(node.operand)
        return -inner if isinstance(inner, int | float) and not isinstance(inner, bool) else UNKNOWN
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [literal_value(e) for e in node.elts if not isinstance(e, ast.Starred)]
    if isinstance(node, ast.Dict):
        out: dict[object, object] = {}
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            key = literal_value(key_node) if key_node is not None else None
            if isinstance(key, str | int):
                out[key] = literal_value(value_node)
        return out
    return UNKNOWN


def dict_entries(node: ast.AST | None) -> Iterator[tuple[str, ast.expr]]:
    """(key, value node) for each string-keyed entry of a dict literal or a
    `dict(key=value)` call."""
    if isinstance(node, ast.Dict):
        for key_node, value in zip(node.keys, node.values, strict=True):
            key = string_value(key_node)
            if key is not None:
                yield key, value
    elif isinstance(node, ast.Call) and call_name(node) == "dict":
        for kw in node.keywords:
            if kw.arg is not None:
                yield kw.arg, kw.value


def subscript_key(node: ast.Subscript) -> str | None:
    """`"k"` for `d["k"]`; None for any other index."""
    return string_value(node.slice)


# Fields that never hold code: markers (`Load`, `Add`, `Eq`, ...) and plain
# names, numbers and flags. Skipping them saves visiting a node for nearly
# every name and operator, and lets leaves (`Name`, `Constant`) end at once.
_NON_CODE_FIELDS = frozenset({
    "ctx", "op", "ops", "type_ignores", "id", "attr", "name", "arg", "asname", "module",
    "level", "kind", "conversion", "is_async", "type_comment", "simple", "tag"})
# Per node class (a fixed set), its fields that may hold nodes, last first.
_CODE_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: ()}


def _code_fields(cls: type) -> tuple[str, ...]:
    fields = _CODE_FIELDS.get(cls)
    if fields is None:
        names: tuple[str, ...] = getattr(cls, "_fields", ())
        fields = _CODE_FIELDS[cls] = tuple(
            f for f in reversed(names) if f not in _NON_CODE_FIELDS)
    return fields


def children_reversed(node: ast.AST) -> list[ast.AST]:
    """The node's children, last first (ready to push on a stack), without
    operator and context markers. `ast.iter_child_nodes` is a generator and
    yields the markers too, which makes a full walk about twice as slow."""
    out: list[ast.AST] = []
    for name in _code_fields(type(node)):
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            out.append(value)
        elif isinstance(value, list) and value:
            out.extend(v for v in reversed(value) if isinstance(v, ast.AST))
    return out


# Nodes with no code below them.
_LEAVES = (ast.Name, ast.Constant)


def inner_children_reversed(node: ast.AST) -> list[ast.AST]:
    """`children_reversed` without the leaves (`Name`, `Constant`): for walks
    that look only at inner nodes (calls, assignments), which saves visiting
    about half of a module's nodes."""
    out: list[ast.AST] = []
    for name in _code_fields(type(node)):
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            if not isinstance(value, _LEAVES):
                out.append(value)
        elif isinstance(value, list) and value:
            out.extend(v for v in reversed(value)
                       if isinstance(v, ast.AST) and not isinstance(v, _LEAVES))
    return out


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below and including `node`, depth first in field order
    (source order for statements; `ast.walk` is breadth first)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(children_reversed(n))


def iter_nodes(root: ast.AST, *types: type[ast.AST]) -> Iterator[ast.AST]:
    """Every node of the given types, depth first (no visitor boilerplate)."""
    for node in walk(root):
        if isinstance(node, types):
            yield node


def names_in(node: ast.AST) -> set[str]:
    """Every identifier in a subtree: names, attribute names, imported names,
    defined names and keyword-argument names."""
    out: set[str] = set()
    for n in walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.Attribute):
            out.add(n.attr)
        elif isinstance(n, ast.alias):
            out.update(n.name.split("."))
            if n.asname:
                out.add(n.asname)
        elif isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(n.name)
        elif isinstance(n, ast.arg | ast.keyword):
            out.add(n.arg or "")
        elif isinstance(n, ast.ImportFrom) and n.module:
            out.update(n.module.split("."))
    return out
