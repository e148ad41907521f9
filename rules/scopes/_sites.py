"""Where scope values are written in Python, JS/TS and config trees.

Each reader yields (line, column, text) for every string literal given as a
scope or list of scopes, so a rule reports one finding per grant, anchored on
the string that makes it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from nhiguard.document import Document
from nhiguard.pyast import string_value

Site = tuple[int, int, str]
_JS_STRING = re.compile(r"""(["'`])((?:\\.|(?!\1)[^\\\n])*)\1""")


def _strings(node: ast.expr) -> Iterator[ast.expr]:
    """String literals of a value: the value itself, a list/tuple/set of them,
    or `" ".join([...])`."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        for elt in node.elts:
            yield from _strings(elt)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "join" and node.args:
        yield from _strings(node.args[0])
    elif string_value(node) is not None:
        yield node


def python_sites(doc: Document, is_key: Callable[[str], bool]) -> Iterator[Site]:
    """Strings passed as `key=`, assigned to a name `key`, or under a dict key `key`."""
    py = doc.python
    if py is None:
        return
    seen: set[int] = set()
    for name, value in py.named_values:
        if not is_key(name):
            continue
        for s in _strings(value):
            if id(s) in seen:
                continue
            seen.add(id(s))
            line, column = py.pos(s)
            yield line, column, string_value(s) or ""


@lru_cache(maxsize=8)
def _key_end(key_pattern: str) -> re.Pattern[str]:
    """The key pattern without its leading `\\w*`, then what follows a key."""
    tail = key_pattern.removeprefix(r"\w*")
    return re.compile(rf"""{tail}["']?\s*[:=]""")


def js_sites(doc: Document, key_pattern: str) -> Iterator[Site]:
    """Strings given as `key: ...` or `key = ...` in JS/TS code (not comments)."""
    text = doc.text
    pattern = re.compile(rf"""(["']?)\b({key_pattern})\1\s*[:=]\s*""")
    # The key pattern's `\w*` is tried at every word; its end (`scopes:`) is found
    # far faster, and a file without one has no candidate.
    if not _key_end(key_pattern).search(text):
        return
    candidates = [m for m in pattern.finditer(text) if text[m.end():m.end() + 1] in ("[", '"', "'", "`")]
    if not candidates:
        return  # no key given a list or a string: spare masking the file
    js = doc.js
    if js is None:
        return
    masked = js.masked
    for m in candidates:
        if masked[m.start()] == " ":
            continue  # inside a comment or a string
        start = m.end()
        if start >= len(text):
            continue
        if text[start] == "[":
            close = js.match_close(start)
            end = close if close > 0 else start
        elif text[start] in "\"'`":
            lit = _JS_STRING.match(text, start)
            end = lit.end() if lit else start
            if text[end:end + 80].lstrip(" \t")[:1] in ("|", "&"):
                continue  # a TypeScript union type (`scope: 'all' | 'client'`), not a value
        else:
            continue
        for lit in _JS_STRING.finditer(text, start, end + 1):
            if "${" in lit.group(2):
                continue
            line, column = doc.position(lit.start())
            yield line, column, lit.group(2)


def tree_sites(doc: Document, is_key: Callable[[str], bool]) -> Iterator[Site]:
    """Scalars (or sequences of them) under a key `key` in a config tree."""
    tree = doc.tree
    if tree is None:
        return
    for _, key, node in tree.pairs():
        if not is_key(key):
            continue
        # Slack manifests group scopes by token type: `scopes: {bot: [...], user: [...]}`.
        groups = [v for _, v in node.entries] if node.is_mapping else [node]
        items = [i for g in groups for i in (g.items if g.is_sequence else [g])]
        for item in items:
            if item.is_scalar and isinstance(item.value, str):
                yield item.pos_line, item.pos_column, item.value
