"""Reading JavaScript and TypeScript for the NHG2xx rules, by text and structure.

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
from dataclasses import dataclass
from functools import cached_property, lru_cache

from ._payload import UNKNOWN, Registration, endpoint_verdict, is_request

_PAIRS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
# After these, a `/` starts a regex literal rather than a division.
_REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {""}
# A file with more metadata objects than this is generated data, not registration code.
_MAX_KEYS = 1000
# How far after an object's definition its variable's uses are looked for.
_USE_WINDOW = 50_000
_BRACKETS = re.compile(r"[\[\](){}]")
_FUNCTION_BODY = re.compile(r"(?:=>|\))\s*$")
_INTERESTING = re.compile(r"[/'\"`]")
_HTTP_CALLEES = re.compile(r"(?:^|\.)(?:fetch|post|request|got|ky|\$fetch|ofetch|axios)$")


class JsText:
    """A JS/TS source with a masked twin of the same length."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.masked = mask(text)
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

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
            if m.group(4):
                obj.fields[key] = js_value(raw[m.end():].strip())
            elif re.fullmatch(r"[A-Za-z_$][\w$]*", raw):
                obj.fields[key] = UNKNOWN  # shorthand `{ contacts }`
            # a method `get x() {...}` adds no data field
        return obj

    def resolve_object(self, name: str, before: int) -> JsObject | None:
        """The object literal last assigned to identifier `name` before an offset."""
        if not re.fullmatch(r"[A-Za-z_$][\w$]*", name):
            return None
        pattern = re.compile(rf"\b{re.escape(name)}\s*(?::\s*[\w.<>\[\]| ]+)?=\s*\{{")
        found = [m for m in pattern.finditer(self.masked) if m.start() < before]
        return self.object_at(found[-1].end() - 1) if found else None

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


@lru_cache(maxsize=8)
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


# -- registrations -----------------------------------------------------------------------
_REDIRECT_KEY = re.compile(r"""(?:(["'])redirect_uris\1|\bredirect_uris\b)\s*:""")
_GRANT_KEY = re.compile(r"""(?:(["'])grant_types\1|\bgrant_types\b)\s*:""")
# Each run of white space is read by one `\s*` only, and a type annotation is
# words separated by spaces, never ending in one: adjacent `\s*` and a class
# holding a space shared every blank, so a long run of them took cubic time.
_METADATA_BEFORE = re.compile(
    r"(?:\bclientMetadata\s*(?:\(\s*\)\s*)?(?::\s*[\w.<>\[\]|]+(?: +[\w.<>\[\]|]+)*\s*)?"
    r"(?:[:=]|\{\s*return)"
    r"|:\s*OAuthClientMetadata\s*=)\s*$")
_ASSIGNED_TO = re.compile(r"\b([A-Za-z_$][\w$]*)\s*(?::\s*([\w.<>\[\]| ]+))?=\s*$")
_CIMD = re.compile(r"\bclientMetadataUrl\b\s*(?:[:=]|\(\s*\))")


def registrations(text: str) -> Iterator[Registration]:
    """Client registrations in a JS/TS file: object literals of client
    metadata sent to a registration endpoint or handed to the MCP SDK."""
    js = JsText(text)
    cimd = bool(_CIMD.search(js.masked))
    seen: set[int] = set()
    keys = [m.start() for pattern in (_REDIRECT_KEY, _GRANT_KEY) for m in pattern.finditer(text)]
    for at in keys[:_MAX_KEYS]:
        if js.masked[at] != text[at]:
            continue  # inside a comment or a string
        brace = js.enclosing_open(at)
        if brace < 0 or js.masked[brace] != "{" or brace in seen:
            continue
        seen.add(brace)
        obj = js.object_at(brace)
        if obj is None or not is_request(obj.fields):
            continue
        verdict = _context(js, brace, cimd)
        if verdict is None:
            continue
        source, url = verdict
        line, column = js.position(brace)
        yield Registration(line, column, source, obj.fields, obj.complete, url)


def _context(js: JsText, brace: int, cimd: bool) -> tuple[str, str | None] | None:
    """Why the object at `brace` is a registration request: (source, url)."""
    before = js.masked[max(0, brace - 200):brace]
    if _METADATA_BEFORE.search(before):
        return None if cimd else ("MCP clientMetadata", None)
    sent = _sent_to(js, brace)
    if sent is not None:
        return sent
    m = _ASSIGNED_TO.search(before)
    if m is None:
        return None
    name, annotation = m.group(1), m.group(2) or ""
    if name == "clientMetadata" or "OAuthClientMetadata" in annotation:
        return None if cimd else ("MCP clientMetadata", None)
    uses = re.compile(rf"(?<![\w$.]){re.escape(name)}\b")
    for use in uses.finditer(js.masked, brace, brace + _USE_WINDOW):
        around = js.masked[max(0, use.start() - 40):use.start()]
        if re.search(r"\bclientMetadata\s*:\s*$", around):
            return None if cimd else ("MCP clientMetadata", None)
        sent = _sent_to(js, use.start())
        if sent is not None:
            return sent
    return None


def _sent_to(js: JsText, at: int) -> tuple[str, str | None] | None:
    """If the expression at `at` is the body of an HTTP POST to a
    registration endpoint (or of `registerClient`), (source, url)."""
    pos = at
    for _ in range(4):
        open_at = js.enclosing_open(pos)
        if open_at < 0:
            return None
        if js.masked[open_at] == "{" and _FUNCTION_BODY.search(js.masked, max(0, open_at - 80), open_at):
            return None  # a function body: the object is built there, not sent
        if js.masked[open_at] == "(":
            callee = js.callee(open_at)
            if callee.endswith("registerClient"):
                return "MCP registerClient", None
            if _HTTP_CALLEES.search(callee):
                url = js.first_arg(open_at)
                fragments = re.findall(r"""(["'`])(.*?)\1""", url)
                names = re.findall(r"[A-Za-z_$][\w$]*", re.sub(r"""(["'`]).*?\1""", " ", url))
                verdict = endpoint_verdict([f[1] for f in fragments], names)
                if verdict is False:
                    return None
                literal = fragments[0][1] if len(fragments) == 1 and "${" not in url else None
                return f"HTTP POST via {callee}", literal
        pos = open_at
    return None


# -- server-side helpers -------------------------------------------------------------------
def property_values(text: str, name: str) -> Iterator[tuple[int, object]]:
    """(offset, value) of every `name: value` property in code (not comments)."""
    js = JsText(text)
    for m in re.finditer(rf"\b{re.escape(name)}\s*:", js.masked):
        start = m.end()
        end = start
        depth = 0
        while end < len(text):
            c = js.masked[end]
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


def code_occurrences(text: str, pattern: str) -> Iterator[int]:
    """Offsets where a regex matches in code, not in comments or strings."""
    masked = mask(text)
    for m in re.finditer(pattern, masked):
        yield m.start()
