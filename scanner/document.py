"""`Document`: one artifact with lazy, cached views for rules to read.

A rule asks for the cheapest view that answers its question: `text` and
`lines` cost a decode, `tree` a config parse, `python` an `ast` parse and
`js` a masked copy of JS/TS source. Each view is built once, on first use,
and shared by every rule that reads the file; a parse error becomes a
notification, never an exception.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from .filekinds import JAVASCRIPT, PYTHON, TREE_KINDS, TYPESCRIPT
from .finding import Level, Notification
from .tree.node import Tree, TreeError

if TYPE_CHECKING:
    from .jsview import JsView
    from .pyview import PythonView


T = TypeVar("T")
# The cached views `close` drops.
_VIEWS = ("lines", "_line_starts", "tree", "python", "js")


class Document:
    def __init__(self, uri: str, text: str, kind: str) -> None:
        self.uri = uri
        self.text = text
        self.kind = kind
        self.notifications: list[Notification] = []
        self._derived: dict[str, Any] = {}

    # -- notifications -------------------------------------------------------------
    def notify(self, message: str, *, level: Level = "warning", line: int | None = None,
               kind: str = "scan") -> None:
        self.notifications.append(Notification(self.uri, message, level, line, kind))

    def derived(self, key: str, build: Callable[[Document], T]) -> T:
        """A value computed from this document once, shared by every rule that
        asks for it under the same key (e.g. one rule family's findings model)."""
        if key not in self._derived:
            self._derived[key] = build(self)
        value: T = self._derived[key]
        return value

    def close(self) -> None:
        """Drop the views. A parsed view points back at its document (and its
        scopes at the view), so without this the cycle collector, not
        reference counting, would have to find every parsed tree."""
        for name in _VIEWS:
            view = self.__dict__.pop(name, None)
            if hasattr(view, "__dict__"):
                vars(view).clear()
        self._derived.clear()

    # -- text views --------------------------------------------------------------------
    @cached_property
    def lines(self) -> list[str]:
        """The file's lines without line endings; `lines[0]` is line 1.

        Lines break at `\n` only (a trailing `\r` is dropped), as in the tree
        parsers and `position`; `str.splitlines` also breaks at form feeds
        and Unicode separators, which would shift line numbers.
        """
        lines = self.text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return [line[:-1] if line.endswith("\r") else line for line in lines]

    def line(self, number: int) -> str:
        """Line `number` (1-based), or "" past the end."""
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        text = self.text
        i = text.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        return starts

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of a character offset into `text`, both 1-based."""
        idx = bisect.bisect_right(self._line_starts, offset) - 1
        return idx + 1, offset - self._line_starts[idx] + 1

    def column(self, line: int, utf8_offset: int) -> int:
        """The 1-based character column of a UTF-8 byte offset into a line
        (Python's `ast` counts columns in bytes)."""
        text = self.line(line)
        if text.isascii():
            return utf8_offset + 1
        return len(text.encode("utf-8")[:utf8_offset].decode("utf-8", "ignore")) + 1

    # -- structured views ------------------------------------------------------------
    @cached_property
    def tree(self) -> Tree | None:
        """The key/value tree for YAML, JSON, TOML, INI, .env and HCL; None otherwise
        or when the file does not parse (a notification says why)."""
        if self.kind not in TREE_KINDS:
            return None
        from .tree import parse_tree

        try:
            return parse_tree(self.text, self.kind)
        except TreeError as exc:
            if "{{" in self.text or "{%" in self.text:
                # Helm charts and Jinja files are templates, not YAML/JSON: expected,
                # so only a note. Line-based rules still read them.
                self.notify(f"a template, not plain {self.kind.upper()}: read line by line only",
                            level="note", line=exc.line, kind="template")
                return None
            where = f" (line {exc.line})" if exc.line else ""
            self.notify(f"could not parse as {self.kind.upper()}{where}: {exc}",
                        line=exc.line, kind="parse-error")
            return None

    @cached_property
    def python(self) -> PythonView | None:
        """The parsed Python file; None for other kinds or when it does not
        parse (a notification says where, with CPython's own line and message)."""
        if self.kind != PYTHON:
            return None
        import ast
        import warnings

        from .pyview import PythonView

        try:
            with warnings.catch_warnings():
                # Invalid escape sequences and the like warn at parse time: the
                # file's business, not the scan's.
                warnings.simplefilter("ignore")
                module = ast.parse(self.text)
        except SyntaxError as exc:
            line = exc.lineno or 1
            self.notify(f"could not parse as Python (line {line}): {exc.msg}", line=line,
                        kind="parse-error")
            return None
        except (RecursionError, MemoryError, ValueError) as exc:
            self.notify(f"could not parse as Python: {type(exc).__name__}", kind="parse-error")
            return None
        return PythonView(self, module)

    @cached_property
    def js(self) -> JsView | None:
        """JavaScript/TypeScript source with comments, strings and regex
        literals masked (offsets kept); None for other kinds."""
        if self.kind not in (JAVASCRIPT, TYPESCRIPT):
            return None
        from .jsview import JsView

        return JsView(self.text)
