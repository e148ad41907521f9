"""Every regular expression in the package, found generically.

Two sources, so a pattern cannot hide: compiled `re.Pattern` objects reachable
from any module's globals (also inside lists, tuples, dicts, class attributes
and dataclass instances such as the provider table), and string literals
passed to `re.*` functions anywhere in the source (patterns built inside
functions). Provider rows' context and hint strings are regexes too.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import pkgutil
import re
from pathlib import Path

import nhiguard
import nhiguard.rules

ROOT = Path(__file__).resolve().parent.parent
_RE_FUNCS = {"compile", "search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split"}
# Dataclass fields that hold regex source (the provider table's rows).
_REGEX_FIELDS = {"regex", "context", "key_hint", "anchor", "pattern"}


def _modules() -> list[object]:
    mods = []
    for pkg in (nhiguard, nhiguard.rules):
        mods.append(pkg)
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if not info.name.endswith("__main__"):  # importing it would run the CLI
                mods.append(importlib.import_module(info.name))
    return mods


def _walk(value: object, found: dict[tuple[str, int], str], seen: set[int], depth: int) -> None:
    if depth > 4 or id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, re.Pattern):
        if isinstance(value.pattern, str):
            found[(value.pattern, value.flags & ~re.UNICODE)] = "object"
        return
    if isinstance(value, dict):
        for v in value.values():
            _walk(v, found, seen, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            _walk(v, found, seen, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if f.name in _REGEX_FIELDS and isinstance(v, str) and v:
                found[(v, 0)] = "field"
            else:
                _walk(v, found, seen, depth + 1)
        pattern = getattr(value, "pattern", None)
        if isinstance(pattern, str) and pattern:
            found[(pattern, 0)] = "field"
    elif isinstance(value, type) and value.__module__.startswith("nhiguard"):
        for v in vars(value).values():
            _walk(v, found, seen, depth + 1)


def _literal_patterns(path: Path) -> dict[tuple[str, int], str]:
    found: dict[tuple[str, int], str] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                and node.func.attr in _RE_FUNCS and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found[(node.args[0].value, 0)] = f"{path.name}:{node.lineno}"
    return found


def all_patterns() -> list[tuple[str, int]]:
    """(pattern, flags) of every regex in scanner/ and rules/, deduplicated."""
    found: dict[tuple[str, int], str] = {}
    seen: set[int] = set()
    for mod in _modules():
        for v in vars(mod).values():
            _walk(v, found, seen, 0)
    for folder in ("scanner", "rules"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            found.update(_literal_patterns(path))
    out = []
    for pattern, flags in found:
        try:
            re.compile(pattern, flags)
        except re.error:  # an f-string fragment or a plain string, not a regex
            continue
        out.append((pattern, flags))
    return sorted(out)
