"""One key/value tree for every config format.

YAML, JSON, TOML, INI and .env files all become the same `Node` tree, so a
config rule is written once and reads every format. Each node knows the line
and column it came from, which is all a finding needs.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

Scalar = str | int | float | bool | None
NodeKind = Literal["mapping", "sequence", "scalar"]


@dataclass(eq=False)
class Node:
    """A mapping, a sequence or a scalar, with its position in the file.

    `line`/`column` are 1-based and point at the key when the node is a
    mapping value (that is where a reader looks), else at the value itself.
    `tag` keeps a YAML tag such as CloudFormation's `!Ref`, so a rule can tell
    a reference from a literal.
    """

    kind: NodeKind
    line: int
    column: int = 1
    value: Scalar = None
    tag: str | None = None
    # Mapping entries keep their order; keys are strings (INI/.env/TOML/JSON
    # keys always are; YAML keys are stringified).
    entries: list[tuple[str, Node]] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)
    # Position of the value itself, when it differs from the key's.
    value_line: int | None = None
    value_column: int | None = None

    # -- construction helpers -------------------------------------------------
    @classmethod
    def mapping(cls, line: int, column: int = 1) -> Node:
        return cls("mapping", line, column)

    @classmethod
    def sequence(cls, line: int, column: int = 1) -> Node:
        return cls("sequence", line, column)

    @classmethod
    def scalar(cls, value: Scalar, line: int, column: int = 1, tag: str | None = None) -> Node:
        return cls("scalar", line, column, value=value, tag=tag)

    # -- reading ----------------------------------------------------------------
    @property
    def is_mapping(self) -> bool:
        return self.kind == "mapping"

    @property
    def is_sequence(self) -> bool:
        return self.kind == "sequence"

    @property
    def is_scalar(self) -> bool:
        return self.kind == "scalar"

    def get(self, key: str, default: Node | None = None) -> Node | None:
        """The value under `key` in a mapping (first match), or `default`."""
        for k, v in self.entries:
            if k == key:
                return v
        return default

    def get_ci(self, key: str) -> Node | None:
        """Like `get`, ignoring case: config keys are spelt every which way."""
        wanted = key.lower()
        for k, v in self.entries:
            if k.lower() == wanted:
                return v
        return None

    def __contains__(self, key: str) -> bool:
        return any(k == key for k, _ in self.entries)

    def children(self) -> Iterator[Node]:
        if self.kind == "mapping":
            for _, v in self.entries:
                yield v
        elif self.kind == "sequence":
            yield from self.items

    def text(self) -> str | None:
        """The scalar as a string (numbers and booleans too), else None."""
        if self.kind != "scalar" or self.value is None:
            return None
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return str(self.value)

    def walk(
        self, path: tuple[str | int, ...] = ()
    ) -> Iterator[tuple[tuple[str | int, ...], Node]]:
        """Every node below (and including) this one, depth first, with its path."""
        stack: list[tuple[tuple[str | int, ...], Node]] = [(path, self)]
        while stack:
            p, node = stack.pop()
            yield p, node
            if node.kind == "mapping":
                stack.extend((p + (k,), v) for k, v in reversed(node.entries))
            elif node.kind == "sequence":
                stack.extend((p + (i,), v) for i, v in reversed(list(enumerate(node.items))))

    def pairs(self) -> Iterator[tuple[tuple[str | int, ...], str, Node]]:
        """Every (path, key, value) of every mapping in the tree, depth first."""
        for path, node in self.walk():
            if node.kind == "mapping":
                for k, v in node.entries:
                    yield path + (k,), k, v

    @property
    def pos_line(self) -> int:
        """Line of the value itself (falls back to the key's line)."""
        return self.value_line or self.line

    @property
    def pos_column(self) -> int:
        return self.value_column or self.column


@dataclass
class Tree:
    """All documents of one file (YAML can hold several)."""

    documents: list[Node]
    format: str

    def walk(self) -> Iterator[tuple[tuple[str | int, ...], Node]]:
        for doc in self.documents:
            yield from doc.walk()

    def pairs(self) -> Iterator[tuple[tuple[str | int, ...], str, Node]]:
        for doc in self.documents:
            yield from doc.pairs()


class TreeError(ValueError):
    """A config file could not be parsed; carries the 1-based line if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


# -- limits shared by every parser ----------------------------------------------
MAX_DEPTH = 200
MAX_NODES = 200_000


class Budget:
    """Counts nodes so hostile input fails fast instead of eating memory.

    A file may hold `MAX_NODES` nodes plus one per two characters of text. No
    honest file comes near that, since every node needs a character or two of
    its own; only YAML aliases can multiply nodes past it (a "billion laughs"
    bomb). Depth is capped too, so a deeply nested file cannot exhaust the stack.
    """

    def __init__(self, text: str, max_depth: int = MAX_DEPTH) -> None:
        self.left = MAX_NODES + len(text) // 2
        self.max_depth = max_depth

    def take(self, line: int | None) -> None:
        """Account for one more node; raise TreeError when the budget is spent."""
        self.left -= 1
        if self.left < 0:
            raise TreeError("too many nodes (possible alias bomb)", line)

    def check_depth(self, depth: int, line: int | None) -> None:
        if depth > self.max_depth:
            raise TreeError(f"nesting deeper than {self.max_depth}", line)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector while a tree is built.

    A parse allocates hundreds of thousands of small acyclic objects, and the
    collector would rescan the growing heap again and again (about half the
    time of a large JSON parse). The previous state is restored afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
