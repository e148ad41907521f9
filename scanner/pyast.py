"""Small helpers for rules that read Python through libcst.

Rules ask questions like "what is this call called?", "what literal string
is passed as `client_secret=`?". Answers come from the syntax tree alone:
scanned code is never imported or executed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for Name/Attribute chains, None for anything else."""
    import libcst as cst

    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def call_name(call: cst.Call) -> str | None:
    """The dotted name of what is called, e.g. `httpx.post`, `OAuthProxy`."""
    return dotted_name(call.func)


def last_name(call: cst.Call) -> str | None:
    """The final component of the called name: `post` for `httpx.post`."""
    name = call_name(call)
    return name.rsplit(".", 1)[-1] if name else None


def keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    """The value passed as keyword `name=` to a call, or None."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def positional(call: cst.Call, index: int) -> cst.BaseExpression | None:
    args = [a for a in call.args if a.keyword is None and not a.star]
    return args[index].value if index < len(args) else None


def string_value(node: cst.BaseExpression | None) -> str | None:
    """The value of a plain string literal (also implicitly concatenated);
    None for f-strings, names, calls and everything else."""
    import libcst as cst

    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        return left + right if left is not None and right is not None else None
    return None


def literal_value(node: cst.BaseExpression | None) -> object:
    """Strings, numbers, True/False/None, and lists/tuples/dicts of those;
    `...` (Ellipsis) for anything that is not a literal."""
    import libcst as cst

    s = string_value(node)
    if s is not None:
        return s
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if isinstance(node, cst.Float):
        return float(node.value.replace("_", ""))
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = literal_value(node.expression)
        return -inner if isinstance(inner, int | float) and not isinstance(inner, bool) else ...
    if isinstance(node, cst.List | cst.Tuple | cst.Set):
        return [literal_value(e.value) for e in node.elements if not isinstance(e, cst.StarredElement)]
    if isinstance(node, cst.Dict):
        out: dict[object, object] = {}
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                key = literal_value(el.key)
                if isinstance(key, str | int):
                    out[key] = literal_value(el.value)
        return out
    return ...


def dict_entries(node: cst.BaseExpression | None) -> Iterator[tuple[str, cst.BaseExpression]]:
    """(key, value node) for each string-keyed entry of a dict literal or a
    `dict(key=value)` call."""
    import libcst as cst

    if isinstance(node, cst.Dict):
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                key = string_value(el.key)
                if key is not None:
                    yield key, el.value
    elif isinstance(node, cst.Call) and call_name(node) == "dict":
        for arg in node.args:
            if arg.keyword is not None:
                yield arg.keyword.value, arg.value


def child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The node's children, read from its dataclass fields: libcst's `children`
    property runs a visitor per call and makes a full walk about twice as slow.

    The order is the fields' declaration order, not always source order (an
    `IfExp`'s test comes before its body); use `children` where order matters.
    """
    import libcst as cst

    out: list[cst.CSTNode] = []
    for name in _field_names(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            out.append(value)
        elif isinstance(value, list | tuple):
            out.extend(v for v in value if isinstance(v, cst.CSTNode))
    return out


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def iter_nodes(module: cst.CSTNode, *types: type[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Every node of the given types, depth first (no visitor boilerplate).

    Order follows libcst's fields, which is source order except where a field
    such as `decorators` is declared after the body; rules must not rely on it.
    """
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, types):
            yield node
        stack.extend(reversed(child_nodes(node)))
