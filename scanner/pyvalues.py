"""Reading values out of Python expressions: literals, payload dicts, URLs.

Each reader starts from an expression and the scope it appears in (see
`pyview.Scope`), follows names to their assignments and folds the simple
arithmetic people write for durations (`60 * 60 * 24`, `timedelta(days=1)`).
Anything else is `UNKNOWN` rather than guessed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .pyast import UNKNOWN, call_name, keyword, literal_value, positional, string_value, subscript_key
from .pyview import Scope

_MAX_DEPTH = 5
_TIMEDELTA_UNITS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def value_of(node: ast.expr, scope: Scope, line: int, depth: int = 0) -> object:
    """A literal value, following a name to its assignment and folding
    `60 * 60 * 24`; UNKNOWN for anything else."""
    if isinstance(node, ast.Name):
        found = scope.lookup(node.id, line)
        if found is None or depth >= _MAX_DEPTH:
            return UNKNOWN
        return value_of(found[2], found[0], found[1], depth + 1)
    if isinstance(node, ast.BinOp):
        left = value_of(node.left, scope, line, depth + 1)
        right = value_of(node.right, scope, line, depth + 1)
        if isinstance(left, int | float) and isinstance(right, int | float):
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
        return UNKNOWN
    if isinstance(node, ast.Call) and scope.qualified(node) in ("timedelta", "datetime.timedelta"):
        if node.args:
            return UNKNOWN
        total = 0.0
        for kw in node.keywords:
            v = value_of(kw.value, scope, line, depth + 1)
            if kw.arg not in _TIMEDELTA_UNITS or not isinstance(v, int | float):
                return UNKNOWN
            total += v * _TIMEDELTA_UNITS[kw.arg]
        return int(total)
    return literal_value(node)


@dataclass
class Payload:
    fields: dict[str, object]
    complete: bool = True
    # Built by `OAuthClientMetadata(...)`, which is reported where it is built.
    from_metadata_model: bool = False


def payload_of(node: ast.expr | None, scope: Scope, line: int, depth: int = 0) -> Payload | None:
    """The fields a dict-like expression holds, or None if it is no dict-like
    thing we can read. Follows names, `json.dumps(...)`, `dict(...)`,
    `{**base, ...}`, `.model_dump()` and later `d["k"] = v`."""
    if node is None or depth > _MAX_DEPTH:
        return None
    if isinstance(node, ast.Dict):
        out = Payload({})
        for key_node, value in zip(node.keys, node.values, strict=True):
            if key_node is None:  # `**other`
                _merge(out, payload_of(value, scope, line, depth + 1))
                continue
            key = string_value(key_node)
            if key is None:
                out.complete = False
            else:
                out.fields[key] = value_of(value, scope, line)
        return out
    if isinstance(node, ast.Name):
        bound = scope.binding(node.id, line)
        if bound is None:
            return None
        resolved = payload_of(bound.value, bound.scope, bound.line, depth + 1)
        if resolved is not None:
            for m_line, key, m_value in bound.mutations:
                if key is None:
                    _merge(resolved, payload_of(m_value, bound.scope, m_line, depth + 1))
                else:
                    resolved.fields[key] = value_of(m_value, bound.scope, m_line)
        return resolved
    if isinstance(node, ast.Call):
        return _call_payload(node, scope, line, depth)
    return None


def _call_payload(node: ast.Call, scope: Scope, line: int, depth: int) -> Payload | None:
    last = scope.view.called(node)
    if last == "dumps":
        return payload_of(positional(node, 0), scope, line, depth + 1)
    if isinstance(node.func, ast.Attribute) and node.func.attr in (
            "model_dump", "model_dump_json", "dict", "to_dict", "encode"):
        return payload_of(node.func.value, scope, line, depth + 1)
    if last == "model_validate" or last == "parse_obj":
        return payload_of(positional(node, 0), scope, line, depth + 1)
    if last in ("dict", "OAuthClientMetadata"):
        out = Payload({}, from_metadata_model=last == "OAuthClientMetadata")
        for arg in node.args:
            _merge(out, payload_of(arg, scope, line, depth + 1))
        for kw in node.keywords:
            if kw.arg is not None:
                out.fields[kw.arg] = value_of(kw.value, scope, line)
            else:
                _merge(out, payload_of(kw.value, scope, line, depth + 1))
        return out
    return None


def _merge(into: Payload, other: Payload | None) -> None:
    if other is None:
        into.complete = False
        return
    into.fields.update(other.fields)
    into.complete = into.complete and other.complete
    into.from_metadata_model = into.from_metadata_model or other.from_metadata_model


# -- URLs ----------------------------------------------------------------------------
def url_parts(node: ast.expr | None, scope: Scope, line: int,
              depth: int = 0) -> tuple[list[str], list[str]]:
    """(literal fragments, identifier names) of a URL expression."""
    fragments: list[str] = []
    names: list[str] = []
    if node is None or depth > _MAX_DEPTH:
        return fragments, names

    def add(sub: ast.expr) -> None:
        more = url_parts(sub, scope, line, depth + 1)
        fragments.extend(more[0])
        names.extend(more[1])

    text = string_value(node)
    if text is not None:
        return [text], names
    if isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                add(part.value)
            else:
                add(part)
    elif isinstance(node, ast.BinOp):
        add(node.left)
        add(node.right)
    elif isinstance(node, ast.Name):
        names.append(node.id)
        found = scope.lookup(node.id, line)
        if found is not None:
            more = url_parts(found[2], found[0], found[1], depth + 1)
            fragments.extend(more[0])
            names.extend(more[1])
    elif isinstance(node, ast.Attribute):
        names.append(node.attr)
        add(node.value)
    elif isinstance(node, ast.Subscript):
        key = subscript_key(node)
        if key is not None:
            names.append(key)
        add(node.value)
    elif isinstance(node, ast.Call):
        names.append(call_name(node) or "")
        if isinstance(node.func, ast.Attribute):
            add(node.func.value)
        for arg in node.args:
            add(arg.value if isinstance(arg, ast.Starred) else arg)
        for kw in node.keywords:
            add(kw.value)
    return fragments, names


def literal_url(node: ast.expr | None, scope: Scope, line: int) -> str | None:
    """The URL when it is a plain string, directly or through one name."""
    text = string_value(node)
    if text is None and isinstance(node, ast.Name):
        found = scope.lookup(node.id, line)
        text = string_value(found[2]) if found else None
    return text


def http_post(call: ast.Call) -> tuple[ast.expr | None, ast.expr | None] | None:
    """(url, body) of `x.post(url, json=...)` / `x.request("POST", url, ...)`."""
    func = call.func
    method = func.attr if isinstance(func, ast.Attribute) else (
        func.id if isinstance(func, ast.Name) else "")
    if method == "post":
        url = positional(call, 0) or keyword(call, "url")
        body_pos = 1
    elif method == "request":
        verb = string_value(positional(call, 0) or keyword(call, "method"))
        if verb is None or verb.upper() != "POST":
            return None
        url = positional(call, 1) or keyword(call, "url")
        body_pos = 2
    else:
        return None
    for name in ("json", "data", "content"):
        body = keyword(call, name)
        if body is not None:
            return url, body
    return url, positional(call, body_pos)
