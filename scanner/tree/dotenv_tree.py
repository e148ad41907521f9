""".env -> `Node` tree: one flat mapping of variables.

Follows what shells and docker/dotenv tools agree on: `KEY=value` and
`export KEY=value`; double quotes understand `\\n`, `\\t`, `\\"` and `\\\\`;
single quotes are literal; both may span lines (PEM keys do). An unquoted
value ends at a ` #` comment. A .env file is often half-broken, so a line
that is not an assignment is skipped, never an error.
"""

from __future__ import annotations

import re

from .node import Budget, Node, Tree

_ASSIGN = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=")
_QUOTED = {'"': re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"', re.S), "'": re.compile(r"'([^']*)'")}
_COMMENT = re.compile(r"[ \t]#")
_ESCAPE = re.compile(r"\\(.)", re.S)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def parse_dotenv(text: str) -> Tree:
    """A .env file as a `Node` tree; duplicate keys are all kept, in order."""
    budget = Budget(text)
    root = Node.mapping(1, 1)
    unclosed: set[str] = set()  # quote kinds known to have no closing quote left
    pos, number, size = 0, 1, len(text)
    while pos <= size:
        eol = text.find("\n", pos)
        if eol < 0:
            eol = size
        next_line, next_number = eol + 1, number + 1
        m = _ASSIGN.match(text, pos, eol)
        if m is not None:
            start = m.end()
            while start < eol and text[start] in " \t":
                start += 1
            quote = text[start] if start < eol else ""
            value: str | None
            if quote in _QUOTED:
                value, end = _quoted(text, start, quote, unclosed)
                if value is not None:  # skip the rest of the closing line
                    number_end = number + text.count("\n", start, end)
                    closing_eol = text.find("\n", end)
                    next_line = size + 1 if closing_eol < 0 else closing_eol + 1
                    next_number = number_end + 1
            else:
                raw = text[m.end():eol]
                comment = _COMMENT.search(raw)
                value = (raw[: comment.start()] if comment else raw).strip()
            if value is not None:
                budget.take(number)
                node = Node.scalar(value, number, m.start(1) - pos + 1)
                node.value_line, node.value_column = number, start - pos + 1
                root.entries.append((m.group(1), node))
        pos, number = next_line, next_number
    return Tree([root], "env")


def _quoted(text: str, start: int, quote: str, unclosed: set[str]) -> tuple[str | None, int]:
    """The value of a quoted string at `start` and where it ends; None if never closed."""
    # Once a quote kind failed to close, no later one can: each scan runs to the end.
    m = None if quote in unclosed else _QUOTED[quote].match(text, start)
    if m is None:
        unclosed.add(quote)
        return None, start
    inner = m.group(1).replace("\r\n", "\n")
    if quote == '"':
        inner = _ESCAPE.sub(lambda e: _ESCAPES.get(e.group(1), e.group(0)), inner)
    return inner, m.end()
