"""`Document`: one artifact with lazy, cached views for rules to read.

A rule asks for the cheapest view that answers its question: `text` and
`lines` cost a decode, `tree` a config parse, `python` a libcst parse (by far
the dearest, so only rules that need it touch it). Each view is built once,
on first use, and a parse error becomes a notification, never an exception.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .filekinds import PYTHON, TREE_KINDS
from .finding import Level, Notification
from .tree.node import Tree, TreeError

if TYPE_CHECKING:
    import libcst as cst
    from libcst.metadata import CodeRange


class PythonView:
    """A libcst module of the file, with the source position of every node.

    Positions cost twice the parse (libcst regenerates the code to find
    them), so they are computed on first use: a rule that finds nothing in a
    file never pays for them.
    """

    def __init__(self, module: cst.Module) -> None:
        self.module = module

    @cached_property
    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        from libcst.metadata import MetadataWrapper, PositionProvider

        # The module is never mutated, so the wrapper's defensive deep copy
        # is skipped: nodes keep their identity and the copy's cost is saved.
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        positions: Any = wrapper.resolve(PositionProvider)
        return positions

    def span(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column), 1-based columns."""
        r = self.positions[node]
        return r.start.line, r.start.column + 1, r.end.line, r.end.column + 1


class Document:
    def __init__(self, uri: str, text: str, kind: str) -> None:
        self.uri = uri
        self.text = text
        self.kind = kind
        self.notifications: list[Notification] = []

    # -- notifications -------------------------------------------------------------
    def notify(self, message: str, *, level: Level = "warning", line: int | None = None,
               kind: str = "scan") -> None:
        self.notifications.append(Notification(self.uri, message, level, line, kind))

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

    # -- structured views ------------------------------------------------------------
    @cached_property
    def tree(self) -> Tree | None:
        """The key/value tree for YAML, JSON, TOML, INI and .env; None otherwise
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
        """The libcst view of a Python file; None when it does not parse."""
        if self.kind != PYTHON:
            return None
        import libcst as cst

        try:
            module = cst.parse_module(self.text)
        except cst.ParserSyntaxError as exc:
            line, message = _syntax_error(self.text, exc.raw_line, exc.message)
            self.notify(f"could not parse as Python (line {line}): {message}", line=line,
                        kind="parse-error")
            return None
        except (RecursionError, MemoryError, ValueError) as exc:
            self.notify(f"could not parse as Python: {type(exc).__name__}", kind="parse-error")
            return None
        return PythonView(module)


def _syntax_error(text: str, line: int, message: str) -> tuple[int, str]:
    """Where and why Python code does not parse. libcst's own error position
    can trail the real one; CPython's compiler (parse only, nothing runs) is
    exact, so its answer is preferred when it has one."""
    import ast

    try:
        ast.parse(text)
    except SyntaxError as exc:
        return exc.lineno or line, exc.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    return line, message
