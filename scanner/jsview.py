"""`JsView`: JavaScript and TypeScript read by text and structure, for every rule.

There is no JS parser in the engine, so this module does the least that is
reliable: it masks comments, strings and regex literals (keeping every
offset), which makes brackets balance; then it reads object literals entry
by entry and looks at what surrounds them: the call they are passed to, the
variable they are assigned to, the property they are the value of.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from .pyast import UNKNOWN

_PAIRS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
# After these, a `/` starts a regex literal rather than a division.
_REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {""}
_BRACKETS = re.compile(r"[\[\](){}]")
_INTERESTING = re.compile(r"[/'\"`]")
# Calls whose argument a test expects to throw or reject (Jest, Vitest, node:assert, chai).
_EXPECTED_FAILURE = re.compile(
    r"(?<![\w$])(?:(expect)|(?:assert\.|t\.)?(?:throws|rejects|assertThrows|assertRejects))\s*\(")
_EXPECTS_THROW = re.compile(
    r"\s*\.\s*(?:rejects\b|toThrow|to\s*\.\s*(?:throw|be\s*\.\s*rejected)|throws)")


class JsView:
    """A JS/TS source with a masked twin of the same length, built once per
    file (`Document.js`). Offsets index both; `Document.position` turns one
    into a line and column."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.masked = mask(text)

    # -- brackets ------------------------------------------------------------------------
    @cached_property
    def _brackets(self) -> tuple[list[int], dict[int, int], dict[int, int]]:
        """Every bracket's offset, and the matching pairs (one pass, O(n))."""
        positions: list[int] = []
        close_of: dict[int, int] = {}
        open_of: dict[int, int] = {}
        stack: list[int] = []
        for m in _BRACKETS.finditer(self.masked):
            at = m.start()
            positions.append(at)
            if m.group() in _PAIRS:
                stack.append(at)
            elif stack:
                opened = stack.pop()
                close_of[opened] = at
                open_of[at] = opened
        return positions, close_of, open_of

    def match_close(self, open_at: int) -> int:
        """Offset of the bracket closing the one at `open_at`, or -1."""
        return self._brackets[1].get(open_at, -1)

    def enclosing_open(self, at: int, limit: int = 8000) -> int:
        """Offset of the innermost bracket opened before `at` and not closed
        before it, or -1 (also when it is more than `limit` characters back:
        a registration call is never that long). Walks back one sibling at a time."""
        positions, _, open_of = self._brackets
        i = bisect.bisect_left(positions, at) - 1
        while i >= 0:
            p = positions[i]
            if p < at - limit:
                return -1
            if self.masked[p] in _PAIRS:
                return p
            opened = open_of.get(p)
            i = (bisect.bisect_left(positions, opened) if opened is not None else i) - 1
        return -1

    def top_level_parts(self, start: int, end: int) -> list[tuple[int, int]]:
        """(start, end) of the comma-separated parts between two offsets."""
        parts, depth, begin = [], 0, start
        m = self.masked
        for i in range(start, end):
            c = m[i]
            if c in _PAIRS:
                depth += 1
            elif c in _CLOSERS:
                depth -= 1
            elif c == "," and depth == 0:
                parts.append((begin, i))
                begin = i + 1
        if self.text[begin:end].strip():
            parts.append((begin, end))
        return parts

    def callee(self, open_paren: int) -> str:
        """The dotted name called with the `(` at `open_paren` ("" if none)."""
        m = re.search(r"([\w$.]+)\s*(?:<[^<>()]*>)?\s*$", self.masked[max(0, open_paren - 120):open_paren])
        return m.group(1) if m else ""

    # -- object literals ---------------------------------------------------------------------
    def object_at(self, open_brace: int) -> JsObject | None:
        close = self.match_close(open_brace)
        if close < 0:
            return None
        obj = JsObject(open_brace, close, {}, True)
        for s, e in self.top_level_parts(open_brace + 1, close):
            raw = self.text[s:e].strip()
            if raw.startswith("..."):
                spread = self.resolve_object(raw[3:].strip(), s)
                if spread is None:
                    obj.complete = False
                else:
                    obj.fields.update(spread.fields)
                    obj.complete = obj.complete and spread.complete
                continue
            m = re.match(r"""(?:(["'`])(\w+)\1|([A-Za-z_$][\w$]*))\s*(:)?""", raw)
            if not m:
                obj.complete = False  # computed key `[k]: v`
                continue
            key = m.group(2) or m.group(3)
            lead = len(self.text[s:e]) - len(self.text[s:e].lstrip())
            if m.group(4):
                obj.fields[key] = js_value(raw[m.end():].strip())
                value_at = s + lead + m.end()
                value_at += len(self.text[value_at:e]) - len(self.text[value_at:e].lstrip())
                obj.spans[key] = (value_at, e)
            elif re.fullmatch(r"[A-Za-z_$][\w$]*", raw):
                obj.fields[key] = UNKNOWN  # shorthand `{ contacts }`
                obj.spans[key] = (s + lead, e)
            # a method `get x() {...}` adds no data field
        return obj

    def resolve_object(self, name: str, before: int) -> JsObject | None:
        """The object literal last assigned to identifier `name` before an offset."""
        if not re.fullmatch(r"[A-Za-z_$][\w$]*", name):
            return None
        pattern = re.compile(rf"\b{re.escape(name)}\s*(?::\s*[\w.<>\[\]| ]+)?=\s*\{{")
        found = [m for m in pattern.finditer(self.masked) if m.start() < before]
        return self.object_at(found[-1].end() - 1) if found else None

    def property_values(self, name: str) -> Iterator[tuple[int, object]]:
        """(offset, value) of every `name: value` property in code (not comments).
        A key follows `{` or `,`: `flag ? name : 0` is a condition, not a property."""
        text, masked = self.text, self.masked
        for m in re.finditer(rf"\b{re.escape(name)}\s*:", masked):
            if masked[:m.start()].rstrip()[-1:] not in ("{", ","):
                continue
            start = m.end()
            end = start
            depth = 0
            while end < len(text):
                c = masked[end]
                if c in _PAIRS:
                    depth += 1
                elif c in _CLOSERS:
                    if depth == 0:
                        break
                    depth -= 1
                elif c in ",;\n" and depth == 0:
                    break
                end += 1
            yield m.start(), js_value(text[start:end])

    def code_occurrences(self, pattern: str) -> Iterator[int]:
        """Offsets where a regex matches in code, not in comments or strings."""
        for m in re.finditer(pattern, self.masked):
            yield m.start()

    def first_arg_span(self, open_paren: int) -> tuple[int, int] | None:
        """(start, end) of the first argument of the call opened at `open_paren`,
        without surrounding blanks."""
        close = self.match_close(open_paren)
        parts = self.top_level_parts(open_paren + 1, close if close > 0 else open_paren + 1)
        if not parts:
            return None
        start, end = parts[0]
        raw = self.text[start:end]
        start += len(raw) - len(raw.lstrip())
        return start, start + len(raw.strip())

    def argument_object(self, open_paren: int) -> JsObject | None:
        """The object literal passed first to a call: inline, or the one last
        assigned to the identifier passed."""
        span = self.first_arg_span(open_paren)
        if span is None:
            return None
        if self.masked[span[0]] == "{":
            return self.object_at(span[0])
        return self.resolve_object(self.text[span[0]:span[1]], open_paren)

    # -- classes and expected failures ------------------------------------------------------
    def class_body(self, name: str) -> tuple[int, int] | None:
        """(open, close) braces of `class name ... { }` defined in this file."""
        m = re.search(rf"\bclass\s+{re.escape(name)}\b[^{{;]*\{{", self.masked)
        if m is None:
            return None
        close = self.match_close(m.end() - 1)
        return (m.end() - 1, close) if close > 0 else None

    def enclosing_class(self, at: int) -> tuple[str, int, int] | None:
        """(name, open, close) of the class whose body holds offset `at`."""
        pos = at
        for _ in range(12):
            brace = self.enclosing_open(pos, limit=50_000)
            if brace < 0:
                return None
            m = re.search(r"\bclass\s+([A-Za-z_$][\w$]*)[^{};]*$", self.masked[max(0, brace - 300):brace])
            if self.masked[brace] == "{" and m:
                return m.group(1), brace, self.match_close(brace)
            pos = brace
        return None

    def member_body(self, open_brace: int, close: int, name: str) -> tuple[int, int] | None:
        """(open, close) of the body of method `name` declared directly in the
        class body between two braces (`name(...) {`, `get name() {`, `async name(`,
        `name = (...) => {`)."""
        member = re.compile(
            rf"(?<![\w$.])(?:(?:async|get|public|private|protected|static)\s+)*{re.escape(name)}"
            r"\s*(?:\(|=\s*(?:async\s*)?\()")
        for m in member.finditer(self.masked, open_brace + 1, close):
            if self.enclosing_open(m.start()) != open_brace:
                continue
            params_end = self.match_close(m.end() - 1)
            body = self._body_after(params_end, close) if params_end > 0 else -1
            arrow = self.masked.find("=>", params_end, close)
            if body < 0:
                return None  # a declaration (`.d.ts`, an abstract method): no body
            if 0 <= arrow < body and self.masked[arrow + 2:body].strip():
                return None  # an arrow returning an expression: no block body
            end = self.match_close(body)
            return (body, end) if end > 0 else None
        return None

    def _body_after(self, params_end: int, limit: int) -> int:
        """Offset of the `{` opening a body after a parameter list, past a
        return type such as `Promise<{ id: string }>` or `{ id: string }`; -1 if none."""
        depth, i = 0, params_end + 1
        while i < limit:
            c = self.masked[i]
            if c == "<":
                depth += 1
            elif c == ">" and self.masked[i - 1] != "=":
                depth -= 1
            elif c == "{":
                typed = self.masked[params_end:i].rstrip()[-1:] in (":", "|", "&", ",")
                if depth <= 0 and not typed:
                    return i
                i = max(i, self.match_close(i))  # an object type, not the body
            elif c == ";":
                return -1
            i += 1
        return -1

    @cached_property
    def _expected_failure_spans(self) -> list[tuple[int, int]]:
        """Argument spans of calls that expect a failure: `expect(...)` followed
        by `.toThrow`/`.rejects`/`.to.throw`, and `assert.throws(...)`/`rejects(...)`."""
        spans = []
        for m in _EXPECTED_FAILURE.finditer(self.masked):
            open_paren = m.end() - 1
            close = self.match_close(open_paren)
            if close < 0:
                continue
            if m.group(1) == "expect" and not _EXPECTS_THROW.match(self.masked, close + 1):
                continue
            spans.append((open_paren, close))
        return spans

    def in_expected_failure(self, at: int) -> bool:
        """Is offset `at` inside code a test expects to fail? A registration
        written there tests its rejection; it configures nothing."""
        return any(start < at < end for start, end in self._expected_failure_spans)

    def first_arg(self, open_paren: int) -> str:
        close = self.match_close(open_paren)
        parts = self.top_level_parts(open_paren + 1, close if close > 0 else open_paren + 1)
        return self.text[parts[0][0]:parts[0][1]].strip() if parts else ""


@dataclass
class JsObject:
    start: int
    end: int
    fields: dict[str, object]
    complete: bool
    # Where each field's value is written: (start, end) offsets in the source.
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)


def js_value(raw: str) -> object:
    """A JS literal's value: strings, numbers, booleans, null, simple arrays."""
    raw = raw.strip().rstrip(",").strip()
    if raw in ("null", "undefined"):
        return None
    if raw in ("true", "false"):
        return raw == "true"
    m = re.fullmatch(r"""(["'`])(.*)\1""", raw, re.S)
    if m and "${" not in m.group(2):
        return m.group(2)
    if re.fullmatch(r"-?\d[\d_]*(?:\.\d+)?", raw):
        return float(raw.replace("_", "")) if "." in raw else int(raw.replace("_", ""))
    if re.fullmatch(r"\d[\d_]*(?:\s*\*\s*\d[\d_]*)+", raw):
        product = 1
        for n in raw.split("*"):
            product *= int(n.strip().replace("_", ""))
        return product
    if re.fullmatch(r"\[\s*\]", raw):
        return []
    if raw.startswith("["):
        return [UNKNOWN]
    return UNKNOWN


def mask(text: str) -> str:
    """`text` with comments, strings, template literals and regex literals
    blanked (quotes kept, newlines kept), so brackets in them do not count."""
    out = list(text)
    i, n = 0, len(text)
    last = ""  # last significant code character
    while i < n:
        m = _INTERESTING.search(text, i)
        if m is None:
            break
        skipped = text[i:m.start()].rstrip()
        if skipped:
            last = skipped[-1]
        i = m.start()
        c = text[i]
        two = text[i:i + 2]
        if two == "//":
            j = text.find("\n", i)
            j = n if j < 0 else j
            _blank(out, i, j)
            i = j
        elif two == "/*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            _blank(out, i, j)
            i = j
        elif c in "'\"`":
            j = _string_end(text, i, c)
            _blank(out, i + 1, j - 1)
            i, last = j, c
        elif last in _REGEX_BEFORE:
            j = _regex_end(text, i)
            _blank(out, i + 1, j - 1)
            i, last = j, "/"
        else:
            i, last = i + 1, "/"
    return "".join(out)


def _blank(out: list[str], start: int, end: int) -> None:
    for k in range(start, min(end, len(out))):
        if out[k] != "\n":
            out[k] = " "


def _string_end(text: str, i: int, quote: str) -> int:
    j = i + 1
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == quote or (c == "\n" and quote != "`"):
            return j + 1
        j += 1
    return len(text)


def _regex_end(text: str, i: int) -> int:
    j, in_class = i + 1, False
    while j < len(text) and text[j] != "\n":
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            return j + 1
        j += 1
    return i + 1  # not a regex after all: a lone slash
