"""Reading Python for the NHG2xx rules: scopes, imports, payloads, HTTP calls.

Everything comes from the libcst tree; scanned code is never imported. A
name is resolved only to an assignment in the same function (or the module),
which is all a reviewer would follow by eye, and what cannot be resolved is
`UNKNOWN` rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from nhiguard.pyast import (
    call_name,
    child_nodes,
    dotted_name,
    keyword,
    literal_value,
    positional,
    string_value,
)

from ._payload import UNKNOWN

if TYPE_CHECKING:
    import libcst as cst
    from nhiguard.document import PythonView
else:

    class _LazyLibcst:
        """libcst, imported on first use. nhiguard imports every rule module at
        start-up and libcst costs about 0.2 s, so a run that parses no Python
        (most pre-commit runs) should not pay for it."""

        _module: ModuleType | None = None

        def __getattr__(self, name: str) -> Any:
            if _LazyLibcst._module is None:
                import libcst

                _LazyLibcst._module = libcst
            value = getattr(_LazyLibcst._module, name)
            # Keep it on the instance: later lookups then skip `__getattr__`,
            # which the tree walks below would otherwise call for every node.
            setattr(self, name, value)
            return value

    cst = _LazyLibcst()

_MAX_DEPTH = 5


@dataclass
class Scope:
    """A module, function or class body, and what is assigned in it."""

    node: cst.CSTNode
    parent: Scope | None
    # name -> [(line, value)] in source order.
    assigned: dict[str, list[tuple[int, cst.BaseExpression]]] = field(default_factory=dict)
    # name -> [(line, key or None, value)]: `d["k"] = v`, `d.update(...)`, `d.setdefault(...)`.
    mutations: dict[str, list[tuple[int, str | None, cst.BaseExpression]]] = field(
        default_factory=dict)
    calls: list[cst.Call] = field(default_factory=list)

    def lookup(self, name: str, line: int) -> tuple[Scope, int, cst.BaseExpression] | None:
        """The assignment to `name` in effect at `line`, here or in an outer scope."""
        scope: Scope | None = self
        while scope is not None:
            found = scope.assigned.get(name, [])
            before = [a for a in found if a[0] <= line] if scope is self else found
            if before:
                return scope, before[-1][0], before[-1][1]
            scope = scope.parent
        return None


class PyFile:
    """A parsed Python file with its scopes and imports."""

    def __init__(self, view: PythonView) -> None:
        self.view = view
        self.module = view.module
        self.imports = _imports(self.module)
        self.scopes: list[Scope] = []
        self._build(self.module, None)

    def line(self, node: cst.CSTNode) -> int:
        return self.view.span(node)[0]

    def pos(self, node: cst.CSTNode) -> tuple[int, int]:
        line, col, _, _ = self.view.span(node)
        return line, col

    def qualified(self, call: cst.Call) -> str | None:
        """The called name with its first part replaced by where it was imported
        from: `OAuth(...)` after `from fastmcp.client.auth import OAuth` is
        `fastmcp.client.auth.OAuth`."""
        name = call_name(call)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        origin = self.imports.get(head)
        if origin is None:
            return name
        return f"{origin}.{rest}" if rest else origin

    def calls(self) -> Iterator[tuple[Scope, cst.Call]]:
        for scope in self.scopes:
            for call in scope.calls:
                yield scope, call

    def _build(self, root: cst.CSTNode, parent: Scope | None) -> None:
        scope = Scope(root, parent)
        self.scopes.append(scope)
        stack: list[cst.CSTNode] = list(reversed(root.children))
        while stack:
            node = stack.pop()
            if isinstance(node, cst.FunctionDef | cst.ClassDef):
                self._build(node, scope)
                continue
            if isinstance(node, cst.Assign):
                self._assign(scope, node)
            elif isinstance(node, cst.AnnAssign) and node.value is not None:
                if isinstance(node.target, cst.Name):
                    scope.assigned.setdefault(node.target.value, []).append(
                        (self.line(node), node.value))
            elif isinstance(node, cst.Call):
                scope.calls.append(node)
                self._mutation_call(scope, node)
            stack.extend(reversed(node.children))

    def _assign(self, scope: Scope, node: cst.Assign) -> None:
        line = self.line(node)
        for target in node.targets:
            t = target.target
            if isinstance(t, cst.Name):
                scope.assigned.setdefault(t.value, []).append((line, node.value))
            elif isinstance(t, cst.Subscript) and isinstance(t.value, cst.Name):
                key = _subscript_key(t)
                if key is not None:
                    scope.mutations.setdefault(t.value.value, []).append((line, key, node.value))

    def _mutation_call(self, scope: Scope, call: cst.Call) -> None:
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return
        name, method, line = func.value.value, func.attr.value, self.line(call)
        if method == "update":
            for arg in call.args:
                key = arg.keyword.value if arg.keyword else None
                scope.mutations.setdefault(name, []).append((line, key, arg.value))
        elif method == "setdefault":
            key, value = string_value(positional(call, 0)), positional(call, 1)
            if key is not None and value is not None:
                scope.mutations.setdefault(name, []).append((line, key, value))


def _imports(module: cst.Module) -> dict[str, str]:
    """Local name -> dotted origin, from every import in the file."""
    out: dict[str, str] = {}
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
            base = dotted_name(node.module) if node.module is not None else ""
            for alias in node.names:
                name = dotted_name(alias.name) or ""
                local = alias.asname.name if alias.asname else None
                local_name = local.value if isinstance(local, cst.Name) else name
                out[local_name] = f"{base}.{name}" if base else name
        elif isinstance(node, cst.Import):
            for alias in node.names:
                name = dotted_name(alias.name) or ""
                local = alias.asname.name if alias.asname else None
                if isinstance(local, cst.Name):
                    out[local.value] = name
                else:
                    out.setdefault(name.split(".")[0], name.split(".")[0])
        else:
            # Statements keep their order in either listing (bodies are lists;
            # `test`/`body`/`orelse` and the like are declared in source order),
            # so the later-wins order of imports is the same as with `children`.
            stack.extend(child_nodes(node))
    return out


def _subscript_key(node: cst.Subscript) -> str | None:
    if len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    return string_value(index.value) if isinstance(index, cst.Index) else None


# -- values and payloads ------------------------------------------------------------
def value_of(node: cst.BaseExpression, scope: Scope, line: int, depth: int = 0) -> object:
    """A literal value, following a name to its assignment and folding
    `60 * 60 * 24`; UNKNOWN for anything else."""
    if isinstance(node, cst.Name) and node.value not in ("True", "False", "None"):
        found = scope.lookup(node.value, line)
        if found is None or depth >= _MAX_DEPTH:
            return UNKNOWN
        return value_of(found[2], found[0], found[1], depth + 1)
    if isinstance(node, cst.BinaryOperation):
        left = value_of(node.left, scope, line, depth + 1)
        right = value_of(node.right, scope, line, depth + 1)
        if isinstance(left, int | float) and isinstance(right, int | float):
            if isinstance(node.operator, cst.Multiply):
                return left * right
            if isinstance(node.operator, cst.Add):
                return left + right
            if isinstance(node.operator, cst.Subtract):
                return left - right
        return UNKNOWN
    if isinstance(node, cst.Call) and call_name(node) in ("timedelta", "datetime.timedelta"):
        total = 0.0
        units = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}
        for arg in node.args:
            v = value_of(arg.value, scope, line, depth + 1)
            if arg.keyword is None or arg.keyword.value not in units or not isinstance(v, int | float):
                return UNKNOWN
            total += v * units[arg.keyword.value]
        return int(total)
    return literal_value(node)


@dataclass
class Payload:
    fields: dict[str, object]
    complete: bool = True
    # Built by `OAuthClientMetadata(...)`, which is reported where it is built.
    from_metadata_model: bool = False


def payload_of(node: cst.BaseExpression | None, scope: Scope, line: int,
               depth: int = 0) -> Payload | None:
    """The client metadata a payload expression holds, or None if it is no
    dict-like thing we can read. Follows names, `json.dumps(...)`,
    `dict(...)`, `{**base, ...}`, `.model_dump()` and later `d["k"] = v`."""
    if node is None or depth > _MAX_DEPTH:
        return None
    if isinstance(node, cst.Dict):
        out = Payload({})
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                key = string_value(el.key)
                if key is None:
                    out.complete = False
                else:
                    out.fields[key] = value_of(el.value, scope, line)
            else:
                _merge(out, payload_of(el.value, scope, line, depth + 1))
        return out
    if isinstance(node, cst.Name):
        found = scope.lookup(node.value, line)
        if found is None:
            return None
        owner, at, value = found
        resolved = payload_of(value, owner, at, depth + 1)
        if resolved is not None:
            for m_line, key, m_value in owner.mutations.get(node.value, []):
                if at <= m_line <= line or owner is not scope:
                    if key is None:
                        _merge(resolved, payload_of(m_value, owner, m_line, depth + 1))
                    else:
                        resolved.fields[key] = value_of(m_value, owner, m_line)
        return resolved
    if isinstance(node, cst.Call):
        return _call_payload(node, scope, line, depth)
    return None


def _call_payload(node: cst.Call, scope: Scope, line: int, depth: int) -> Payload | None:
    name = call_name(node) or ""
    last = name.rsplit(".", 1)[-1]
    if last == "dumps":
        return payload_of(positional(node, 0), scope, line, depth + 1)
    if isinstance(node.func, cst.Attribute) and node.func.attr.value in (
            "model_dump", "model_dump_json", "dict", "to_dict", "encode"):
        return payload_of(node.func.value, scope, line, depth + 1)
    if last == "model_validate" or last == "parse_obj":
        return payload_of(positional(node, 0), scope, line, depth + 1)
    if last in ("dict", "OAuthClientMetadata"):
        out = Payload({}, from_metadata_model=last == "OAuthClientMetadata")
        for arg in node.args:
            if arg.keyword is not None:
                out.fields[arg.keyword.value] = value_of(arg.value, scope, line)
            else:
                _merge(out, payload_of(arg.value, scope, line, depth + 1))
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
def url_parts(node: cst.BaseExpression | None, scope: Scope, line: int,
              depth: int = 0) -> tuple[list[str], list[str]]:
    """(literal fragments, identifier names) of a URL expression."""
    fragments: list[str] = []
    names: list[str] = []
    if node is None or depth > _MAX_DEPTH:
        return fragments, names
    text = string_value(node)
    if text is not None:
        return [text], names
    if isinstance(node, cst.FormattedString):
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                fragments.append(part.value)
            elif isinstance(part, cst.FormattedStringExpression):
                _add(fragments, names, url_parts(part.expression, scope, line, depth + 1))
    elif isinstance(node, cst.BinaryOperation):
        _add(fragments, names, url_parts(node.left, scope, line, depth + 1))
        _add(fragments, names, url_parts(node.right, scope, line, depth + 1))
    elif isinstance(node, cst.Name):
        names.append(node.value)
        found = scope.lookup(node.value, line)
        if found is not None:
            _add(fragments, names, url_parts(found[2], found[0], found[1], depth + 1))
    elif isinstance(node, cst.Attribute):
        names.append(node.attr.value)
        _add(fragments, names, url_parts(node.value, scope, line, depth + 1))
    elif isinstance(node, cst.Subscript):
        key = _subscript_key(node)
        if key is not None:
            names.append(key)
        _add(fragments, names, url_parts(node.value, scope, line, depth + 1))
    elif isinstance(node, cst.Call):
        names.append(call_name(node) or "")
        if isinstance(node.func, cst.Attribute):
            _add(fragments, names, url_parts(node.func.value, scope, line, depth + 1))
        for arg in node.args:
            _add(fragments, names, url_parts(arg.value, scope, line, depth + 1))
    return fragments, names


def _add(fragments: list[str], names: list[str], more: tuple[list[str], list[str]]) -> None:
    fragments.extend(more[0])
    names.extend(more[1])


def literal_url(node: cst.BaseExpression | None, scope: Scope, line: int) -> str | None:
    """The URL when it is a plain string, directly or through one name."""
    text = string_value(node)
    if text is None and isinstance(node, cst.Name):
        found = scope.lookup(node.value, line)
        text = string_value(found[2]) if found else None
    return text


def http_post(call: cst.Call) -> tuple[cst.BaseExpression | None, cst.BaseExpression | None] | None:
    """(url, body) of `x.post(url, json=...)` / `x.request("POST", url, ...)`."""
    func = call.func
    method = func.attr.value if isinstance(func, cst.Attribute) else (
        func.value if isinstance(func, cst.Name) else "")
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
