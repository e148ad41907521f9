"""Client registrations in JavaScript and TypeScript, for NHG201 and NHG202.

Reads the file's shared `JsView` (masked source, bracket pairs, object
literals) and looks at what surrounds each object literal of client
metadata: the call it is passed to, the variable it is assigned to, the
property it is the value of.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.jsview import JsView

from ._payload import Registration, endpoint_verdict, is_request

# A file with more metadata objects than this is generated data, not registration code.
_MAX_KEYS = 1000
# How far after an object's definition its variable's uses are looked for.
_USE_WINDOW = 50_000
_FUNCTION_BODY = re.compile(r"(?:=>|\))\s*$")
_HTTP_CALLEES = re.compile(r"(?:^|\.)(?:fetch|post|request|got|ky|\$fetch|ofetch|axios)$")

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


def registrations(doc: Document) -> Iterator[Registration]:
    """Client registrations in a JS/TS file: object literals of client
    metadata sent to a registration endpoint or handed to the MCP SDK."""
    js = doc.js
    if js is None:
        return
    text = js.text
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
        line, column = doc.position(brace)
        yield Registration(line, column, source, obj.fields, obj.complete, url)


def _context(js: JsView, brace: int, cimd: bool) -> tuple[str, str | None] | None:
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


def _sent_to(js: JsView, at: int) -> tuple[str, str | None] | None:
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
