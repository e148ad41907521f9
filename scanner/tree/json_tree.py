"""JSON (and JSONC) -> `Node` tree, with the position of every key and value.

Python's json module keeps no positions, so this is a small parser of its
own: one compiled regex reads the next token (skipping blanks and comments),
and a loop with an explicit stack builds the tree. There is no recursion, so
deep nesting becomes a TreeError, never a RecursionError.

It accepts everything `json.loads` accepts (NaN and Infinity included) and
rejects what it rejects, except that it also tolerates `//` and `/* */`
comments and trailing commas: editors write them in .vscode/*.json,
tsconfig.json and friends (JSONC). Duplicate keys are all kept.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right

from .node import Budget, Node, Scalar, Tree, TreeError

# Blanks and comments; possessive so a failed match never backtracks through them.
_SKIP = r"(?:[ \t\n\r]++|//[^\n]*+|/\*.*?\*/)*+"
_STRING = r'"[^"\\\x00-\x1f]*+(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*+)*+"'
_NUMBER = r"-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?+(?:[eE][-+]?+[0-9]++)?+"
_LITERAL = r"true|false|null|NaN|Infinity|-Infinity"
# One token per match, with what usually precedes it, so that most values cost
# a single match: group 1 a leading comma, group 2 a leading key (its colon
# matched too), then the token itself: 3 punctuation, 4 a string, 5 a number,
# 6 a literal.
_TOKEN = re.compile(
    rf"{_SKIP}(?:(,){_SKIP})?(?:({_STRING}){_SKIP}:{_SKIP})?"
    rf"(?:([{{}}\[\],:])|({_STRING})|({_NUMBER})|({_LITERAL}))",
    re.S,
)
_SKIP_RE = re.compile(_SKIP, re.S)
_STRING_PREFIX = re.compile(_STRING[:-1])  # a string's valid part, to say where it breaks
_NEWLINE = re.compile(r"\n")

_ESCAPE = re.compile(r"\\(?:u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|u([0-9a-f]{4})|(.))", re.I)
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
                   "t": "\t"}
_LITERALS: dict[str, Scalar] = {"true": True, "false": False, "null": None, "NaN": math.nan,
                                "Infinity": math.inf, "-Infinity": -math.inf}

# What the parser expects next.
_VALUE, _ITEM, _KEY, _COLON, _NEXT = range(5)
_PUNCTUATION, _STRING_TOKEN, _NUMBER_TOKEN = 3, 4, 5


def parse_json(text: str) -> Tree:
    """One JSON document as a `Node` tree."""
    budget = Budget(text)
    line_starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
    match = _TOKEN.match
    pos = 1 if text.startswith("\ufeff") else 0  # tolerate a byte-order mark
    stack: list[Node] = []
    root: Node | None = None
    key, key_line, key_column = "", 0, 0
    state = _VALUE
    while True:
        m = match(text, pos)
        if m is None:
            raise _lexical_error(text, pos, state, stack)
        pos = m.end()
        if m.start(1) >= 0:  # a leading comma
            if state != _NEXT:
                raise _unexpected(state, stack, "','", _line(text, m.start(1)))
            state = _KEY if stack[-1].kind == "mapping" else _ITEM
        if m.start(2) >= 0:  # a leading `"key":`
            if state == _NEXT:
                raise _unexpected(state, stack, "a string", _line(text, m.start(2)))
            if state != _KEY:  # the string was a value, so the colon is out of place
                raise _unexpected(_NEXT, stack, "':'", _line(text, m.start(2)))
            key = _decode(m.group(2))
            key_line = bisect_right(line_starts, m.start(2))
            key_column = m.start(2) - line_starts[key_line - 1] + 1
            state = _VALUE
        group = m.lastindex or 0  # always a token group: the pattern requires one
        start = m.start(group)

        if group == _PUNCTUATION:
            char = text[start]
            if char == ":" and state == _COLON:
                state = _VALUE
                continue
            if char == "," and state == _NEXT:  # a comma not followed by a token
                state = _KEY if stack[-1].kind == "mapping" else _ITEM
                continue
            if char in "{[" and state in (_VALUE, _ITEM):
                line = bisect_right(line_starts, start)
                node = Node("mapping" if char == "{" else "sequence", line,
                            start - line_starts[line - 1] + 1)
                budget.take(line)
                budget.check_depth(len(stack) + 1, line)
                if stack:
                    _attach(node, state, stack[-1], key, key_line, key_column)
                else:
                    root = node
                stack.append(node)
                state = _KEY if char == "{" else _ITEM
                continue
            closer = "}" if stack and stack[-1].kind == "mapping" else "]"
            if char != closer or state not in (_NEXT, _KEY if char == "}" else _ITEM):
                raise _unexpected(state, stack, repr(char), _line(text, start))
            stack.pop()
            state = _NEXT
            if not stack:
                break
            continue

        token = m.group(group)
        line = bisect_right(line_starts, start)
        column = start - line_starts[line - 1] + 1
        if state == _KEY and group == _STRING_TOKEN:  # a key without its ':' (an error follows)
            key = _decode(token)
            key_line, key_column = line, column
            state = _COLON
            continue
        if state not in (_VALUE, _ITEM):
            found = {_STRING_TOKEN: "a string", _NUMBER_TOKEN: "a number"}.get(group, repr(token))
            raise _unexpected(state, stack, found, line)
        if group == _STRING_TOKEN:
            value: Scalar = _decode(token)
        elif group == _NUMBER_TOKEN:
            value = _number(token, line)
        else:
            value = _LITERALS[token]
        node = Node("scalar", line, column, value)
        budget.take(line)
        if not stack:
            root = node
            break
        _attach(node, state, stack[-1], key, key_line, key_column)
        state = _NEXT

    end = _SKIP_RE.match(text, pos).end()  # type: ignore[union-attr]
    if end < len(text):
        raise _lexical_error(text, end, _NEXT, [])
    assert root is not None
    return Tree([root], "json")


def _attach(node: Node, state: int, parent: Node, key: str, key_line: int,
            key_column: int) -> None:
    """Hang `node` under its container; a mapping value points at its key."""
    if state == _ITEM:
        parent.items.append(node)
        return
    node.value_line, node.value_column = node.line, node.column
    node.line, node.column = key_line, key_column
    parent.entries.append((key, node))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _decode(token: str) -> str:
    """The text of a string token (its escapes were validated by the token regex)."""
    body = token[1:-1]
    return _ESCAPE.sub(_unescape, body) if "\\" in body else body


def _unescape(m: re.Match[str]) -> str:
    high, low, code, char = m.groups()
    if high:  # a surrogate pair is one character
        return chr(0x10000 + ((int(high, 16) - 0xD800) << 10) + int(low, 16) - 0xDC00)
    if code:
        return chr(int(code, 16))  # a lone surrogate stays, as json.loads keeps it
    return _SIMPLE_ESCAPES[char]


def _number(token: str, line: int) -> int | float:
    if "." in token or "e" in token or "E" in token:
        return float(token)
    try:
        return int(token)
    except ValueError:  # longer than Python's int conversion limit, as json.loads
        raise TreeError("integer too long", line) from None


# -- errors ------------------------------------------------------------------------

def _expected(state: int, stack: list[Node]) -> str:
    closer = "'}'" if stack and stack[-1].kind == "mapping" else "']'"
    if state == _VALUE:
        return "a value"
    if state == _ITEM:
        return "a value or ']'"
    if state == _KEY:
        return "a string key or '}'"
    if state == _COLON:
        return "':'"
    return f"',' or {closer}" if stack else "end of input"


def _unexpected(state: int, stack: list[Node], found: str, line: int) -> TreeError:
    """`found` names the token, never quotes its text: it could be a secret."""
    return TreeError(f"expected {_expected(state, stack)}, found {found}", line)


def _lexical_error(text: str, pos: int, state: int, stack: list[Node]) -> TreeError:
    """Why no token could be read at `pos`: an end, a bad string, a stray character."""
    at = _SKIP_RE.match(text, pos).end()  # type: ignore[union-attr]
    line = _line(text, at)
    if at >= len(text):
        return _unexpected(state, stack, "end of input", line)
    if text.startswith("/*", at):
        return TreeError("unterminated /* comment", line)
    if text[at] == '"':
        bad = _STRING_PREFIX.match(text, at).end()  # type: ignore[union-attr]
        if bad >= len(text) or text[bad] in "\n\r":
            return TreeError("unterminated string", line)
        if text[bad] == "\\":
            return TreeError(f"invalid escape {text[bad:bad + 2]!r} in string", line)
        return TreeError(f"control character {text[bad]!r} in string", line)
    return _unexpected(state, stack, repr(text[at]), line)
