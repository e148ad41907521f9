"""`PythonView`: one model of a Python file, built once and shared by every rule.

The file is parsed with the standard `ast` module (parsing never runs the
code). On first use one walk over the tree records what rules ask about:
imports and their aliases, each scope (module, class, function) with what it
assigns and the calls made in it, and every class. A name is resolved only
to an assignment in the same function (or an enclosing one), which is all a
reviewer would follow by eye; what cannot be resolved is `UNKNOWN`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from .pyast import (
    dict_entries,
    dotted_name,
    inner_children_reversed,
    is_none,
    positional,
    string_value,
    subscript_key,
)

if TYPE_CHECKING:
    from .document import Document

_MAX_DEPTH = 5
# Folders that hold installed or source-layout packages.
_PACKAGE_HOMES = frozenset({"src", "lib", "site-packages", "dist-packages"})
# Context managers under which code is expected to raise.
EXPECTED_FAILURE_CALLS = frozenset({"raises", "assertRaises", "assertRaisesRegex", "assertRaisesRegexp"})
_SCOPE_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(eq=False)
class Scope:
    """A module, function or class body, and what is assigned in it."""

    node: ast.AST
    parent: Scope | None
    view: PythonView
    # name -> [(line, value)] in source order.
    assigned: dict[str, list[tuple[int, ast.expr]]] = field(default_factory=dict)
    # name -> [(line, key or None, value)]: `d["k"] = v`, `d.update(...)`, `d.setdefault(...)`.
    mutations: dict[str, list[tuple[int, str | None, ast.expr]]] = field(default_factory=dict)
    # name -> [(line, attribute, value)]: `opts.enabled = True`.
    attributes: dict[str, list[tuple[int, str, ast.expr]]] = field(default_factory=dict)
    calls: list[ast.Call] = field(default_factory=list)
    # A call assigned to a plain name (`opts = Options()`) -> that name.
    bound: dict[ast.Call, str] = field(default_factory=dict)

    def lookup(self, name: str, line: int) -> tuple[Scope, int, ast.expr] | None:
        """The assignment to `name` in effect at `line`, here or in an outer scope."""
        scope: Scope | None = self
        while scope is not None:
            found = scope.assigned.get(name, [])
            before = [a for a in found if a[0] <= line] if scope is self else found
            if before:
                return scope, before[-1][0], before[-1][1]
            scope = scope.parent
        return None

    def qualified(self, call: ast.Call) -> str | None:
        return self.view.qualified(call)

    def binding(self, name: str, line: int) -> Binding | None:
        """What `name` holds at `line`: its assignment, and the changes made
        to it since (`d["k"] = v`, `d.update(...)`) in the scope it lives in;
        all of them when that is an outer scope, whose code may run first."""
        found = self.lookup(name, line)
        if found is None:
            return None
        owner, at, value = found
        changes = [m for m in owner.mutations.get(name, [])
                   if at <= m[0] <= line or owner is not self]
        return Binding(owner, at, value, changes)


@dataclass
class Binding:
    scope: Scope
    line: int
    value: ast.expr
    mutations: list[tuple[int, str | None, ast.expr]]


@dataclass
class Argument:
    """A value passed to a call, with where to resolve names in it."""

    value: ast.expr
    scope: Scope
    line: int


@dataclass
class Arguments:
    """The keyword arguments a call receives, including those spread from a
    dict (`f(**kw)`) and attributes set on its result right after
    (`opts = Options(); opts.enabled = True`). `complete` is False when some
    could not be read (`f(*args)`, `f(**unknown())`)."""

    named: dict[str, Argument]
    complete: bool

    def get(self, name: str) -> Argument | None:
        return self.named.get(name)

    def given(self, name: str) -> bool:
        """Passed, with a value other than a literal None."""
        arg = self.named.get(name)
        return arg is not None and not is_none(arg.value)


@dataclass
class _Index:
    imports: dict[str, str]
    scopes: list[Scope]
    with_blocks: list[ast.With | ast.AsyncWith]
    named_values: list[tuple[str, ast.expr]]


class PythonView:
    """A parsed Python file: its `ast` module and, built on first use, its
    imports, scopes and classes."""

    def __init__(self, doc: Document, module: ast.Module) -> None:
        self.doc = doc
        self.module = module

    # -- positions -------------------------------------------------------------------------
    def pos(self, node: ast.AST) -> tuple[int, int]:
        """(line, column) where a node starts, column 1-based in characters."""
        line: int = getattr(node, "lineno", 1)
        return line, self.doc.column(line, getattr(node, "col_offset", 0))

    def span(self, node: ast.AST) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column), 1-based character columns."""
        line, column = self.pos(node)
        end_line: int = getattr(node, "end_lineno", None) or line
        end_offset: int | None = getattr(node, "end_col_offset", None)
        end_column = column if end_offset is None else self.doc.column(end_line, end_offset)
        return line, column, end_line, end_column

    def line(self, node: ast.AST) -> int:
        return getattr(node, "lineno", 1)

    # -- the model -------------------------------------------------------------------------
    @cached_property
    def imports(self) -> dict[str, str]:
        """Local name -> dotted origin, from every import in the file (later wins)."""
        return self._index.imports

    @cached_property
    def scopes(self) -> list[Scope]:
        return self._index.scopes

    @cached_property
    def classes(self) -> list[ast.ClassDef]:
        return [s.node for s in self.scopes if isinstance(s.node, ast.ClassDef)]

    @cached_property
    def functions(self) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        """Every function and method in the file, nested ones too."""
        return [s.node for s in self.scopes
                if isinstance(s.node, ast.FunctionDef | ast.AsyncFunctionDef)]

    @property
    def named_values(self) -> list[tuple[str, ast.expr]]:
        """(name, value) for every keyword argument, assignment (by the target's
        last name: `scopes` for `self.scopes = ...`, "" for a tuple or subscript)
        and dict entry with a string key, in the whole file."""
        return self._index.named_values

    def calls(self) -> Iterator[tuple[Scope, ast.Call]]:
        for scope in self.scopes:
            for call in scope.calls:
                yield scope, call

    # -- expected failures -----------------------------------------------------------------
    @cached_property
    def _expected_failures(self) -> list[tuple[int, int]]:
        """Line spans of `with` blocks that expect an exception
        (`pytest.raises`, `self.assertRaises…`): code there is built to fail."""
        if "raises" not in self.doc.text.lower():
            return []  # spare the look on almost every file
        spans = []
        for node in self._index.with_blocks:
            if any(isinstance(item.context_expr, ast.Call)
                   and _last_name(item.context_expr.func) in EXPECTED_FAILURE_CALLS
                   for item in node.items):
                spans.append((node.lineno, node.end_lineno or node.lineno))
        return spans

    def in_expected_failure(self, node: ast.AST) -> bool:
        """Is `node` inside a block that expects an exception? A registration
        written there is a test of its rejection, not a configuration."""
        line = self.line(node)
        return any(start <= line <= end for start, end in self._expected_failures)

    def inside_package_of(self, qualified: str) -> bool:
        """Is this file part of the package `qualified` comes from? A library's
        own calls are its plumbing; its users' calls configure it. True when the
        path holds the package and its subpackage as folders (`fastmcp/client/`
        for `fastmcp.client.auth.OAuth`), or the package folder sits where
        packages live (`src/fastmcp/`, `site-packages/fastmcp/`, a distribution
        folder such as `fastmcp_slim/fastmcp/`). A project folder that merely
        shares the library's name (`examples/fastmcp/agent.py`) is not it."""
        parts = qualified.split(".")
        if len(parts) < 3:
            return False
        top = parts[0]
        if f"/{top}/{parts[1]}/" in "/" + self.doc.uri:
            return True
        folders = self.doc.uri.split("/")[:-1]
        return any(folder == top and i > 0 and (folders[i - 1] in _PACKAGE_HOMES
                                                or folders[i - 1].startswith((f"{top}_", f"{top}-")))
                   for i, folder in enumerate(folders))

    def qualify(self, name: str) -> str:
        """A dotted name with its first part replaced by where it was imported
        from: `a.OAuthProxy` after `import fastmcp.server.auth as a` is
        `fastmcp.server.auth.OAuthProxy`."""
        head, _, rest = name.partition(".")
        origin = self.imports.get(head)
        if origin is None:
            return name
        return f"{origin}.{rest}" if rest else origin

    def qualified(self, call: ast.Call) -> str | None:
        """The called name, qualified through the file's imports."""
        name = dotted_name(call.func)
        return self.qualify(name) if name is not None else None

    def called(self, call: ast.Call) -> str:
        """The last part of the qualified called name: `OAuthProxy` for
        `P(...)` after `from fastmcp... import OAuthProxy as P`."""
        return (self.qualified(call) or "").rsplit(".", 1)[-1]

    def subclasses_of(self, *bases: str) -> list[ast.ClassDef]:
        """Classes in the file deriving from a class whose last name is one of
        `bases`, through import aliases and through other classes of the file."""
        names = set(bases)
        found: list[ast.ClassDef] = []
        changed = True
        while changed:
            changed = False
            for cls in self.classes:
                if cls in found:
                    continue
                parents = (self.qualify(dotted_name(b) or "").rsplit(".", 1)[-1] for b in cls.bases)
                if any(p in names for p in parents):
                    found.append(cls)
                    names.add(cls.name)
                    changed = True
        return [c for c in self.classes if c in found]

    def arguments(self, scope: Scope, call: ast.Call) -> Arguments:
        """The keyword arguments of `call`, resolved as far as the file allows."""
        line = self.line(call)
        out = Arguments({}, not any(isinstance(a, ast.Starred) for a in call.args))
        for kw in call.keywords:
            if kw.arg is not None:
                out.named[kw.arg] = Argument(kw.value, scope, line)
                continue
            spread = _dict_of(kw.value, scope, line)
            if spread is None:
                out.complete = False
            else:
                entries, complete = spread
                out.named.update(entries)
                out.complete = out.complete and complete
        name = scope.bound.get(call)
        if name is not None:
            for at, attr, value in _attributes_after(scope, name, line):
                out.named[attr] = Argument(value, scope, at)
        return out

    @cached_property
    def _index(self) -> _Index:
        """One walk over the whole tree: each scope's body in source order,
        nested functions and classes as scopes of their own."""
        found_imports: list[ast.Import | ast.ImportFrom] = []
        scopes: list[Scope] = []
        with_blocks: list[ast.With | ast.AsyncWith] = []
        named: list[tuple[str, ast.expr]] = []
        todo: list[tuple[ast.AST, Scope | None]] = [(self.module, None)]
        while todo:
            root, parent = todo.pop()
            scope = Scope(root, parent, self)
            scopes.append(scope)
            stack = inner_children_reversed(root)  # names and constants hold nothing here
            while stack:
                node = stack.pop()
                # `ast` makes no subclasses: exact types, cheaper than isinstance.
                if type(node) in _SCOPE_TYPES:
                    todo.append((node, scope))
                    continue
                if type(node) is ast.Call:
                    scope.calls.append(node)
                    _mutation_call(scope, node)
                elif type(node) is ast.keyword:
                    if node.arg:
                        named.append((node.arg, node.value))
                elif type(node) is ast.Assign:
                    self._assign(scope, node)
                    named.extend((_last_name(t), node.value) for t in node.targets)
                elif type(node) is ast.AnnAssign:
                    _annotated_assign(scope, node)
                    if node.value is not None:
                        named.append((_last_name(node.target), node.value))
                elif type(node) is ast.Dict:
                    named.extend(dict_entries(node))
                elif type(node) is ast.Import or type(node) is ast.ImportFrom:
                    found_imports.append(node)
                    continue
                elif type(node) is ast.With or type(node) is ast.AsyncWith:
                    with_blocks.append(node)
                stack.extend(inner_children_reversed(node))
        # Source order, so that a later import or assignment wins.
        scopes.sort(key=lambda s: (getattr(s.node, "lineno", 0), getattr(s.node, "col_offset", 0)))
        for s in scopes:
            for assigned in s.assigned.values():
                assigned.sort(key=lambda a: a[0])
        imports: dict[str, str] = {}
        for node in sorted(found_imports, key=lambda n: (n.lineno, n.col_offset)):
            _add_imports(imports, node)
        return _Index(imports, scopes, with_blocks, named)

    def _assign(self, scope: Scope, node: ast.Assign) -> None:
        line = node.lineno
        for target in node.targets:
            if isinstance(target, ast.Name):
                scope.assigned.setdefault(target.id, []).append((line, node.value))
                if isinstance(node.value, ast.Call):
                    scope.bound[node.value] = target.id
            elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                key = subscript_key(target)
                if key is not None:
                    scope.mutations.setdefault(target.value.id, []).append((line, key, node.value))
            elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                scope.attributes.setdefault(target.value.id, []).append(
                    (line, target.attr, node.value))


def _last_name(target: ast.expr) -> str:
    return (dotted_name(target) or "").rsplit(".", 1)[-1]


def _annotated_assign(scope: Scope, node: ast.AnnAssign) -> None:
    if node.value is not None and isinstance(node.target, ast.Name):
        scope.assigned.setdefault(node.target.id, []).append((node.lineno, node.value))


def _mutation_call(scope: Scope, call: ast.Call) -> None:
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return
    name, method, line = func.value.id, func.attr, call.lineno
    if method == "update":
        for arg in call.args:
            scope.mutations.setdefault(name, []).append((line, None, arg))
        for kw in call.keywords:
            scope.mutations.setdefault(name, []).append((line, kw.arg, kw.value))
    elif method == "setdefault":
        key, value = string_value(positional(call, 0)), positional(call, 1)
        if key is not None and value is not None:
            scope.mutations.setdefault(name, []).append((line, key, value))


def _add_imports(out: dict[str, str], node: ast.Import | ast.ImportFrom) -> None:
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                continue
            out[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
        return
    for alias in node.names:
        if alias.asname:
            out[alias.asname] = alias.name
        else:
            head = alias.name.split(".")[0]
            out.setdefault(head, head)


def _dict_of(node: ast.expr, scope: Scope, line: int,
             depth: int = 0) -> tuple[dict[str, Argument], bool] | None:
    """The entries of a dict spread into a call (`**kw`): a dict literal or
    `dict(...)`, inline or through names, with later `kw["k"] = v`."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(node, ast.Name):
        bound = scope.binding(node.id, line)
        spread = None if bound is None else _dict_of(bound.value, bound.scope, bound.line, depth + 1)
        if spread is None or bound is None:
            return None
        for m_line, key, m_value in bound.mutations:
            if key is None:
                return None  # `kw.update(other)`: not followed
            spread[0][key] = Argument(m_value, bound.scope, m_line)
        return spread
    is_dict_call = isinstance(node, ast.Call) and dotted_name(node.func) == "dict"
    if not (isinstance(node, ast.Dict) or is_dict_call):
        return None
    entries = {key: Argument(value, scope, line) for key, value in dict_entries(node)}
    if isinstance(node, ast.Dict):
        complete = all(string_value(k) is not None for k in node.keys)
    else:
        assert isinstance(node, ast.Call)
        complete = not node.args and all(kw.arg is not None for kw in node.keywords)
    return entries, complete


def _attributes_after(scope: Scope, name: str, line: int) -> Iterator[tuple[int, str, ast.expr]]:
    """`name.attr = value` in the same scope after `line`, up to the next
    assignment to `name`."""
    until = min((at for at, _ in scope.assigned.get(name, []) if at > line), default=None)
    for at, attr, value in scope.attributes.get(name, []):
        if at > line and (until is None or at < until):
            yield at, attr, value
