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
from nhiguard.jsview import JsObject, JsView

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
        if brace < 0 or js.masked[brace] != "{" or brace in seen or js.in_expected_failure(brace):
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
        return None if cimd or not _registers_dynamically(js, brace) else ("MCP clientMetadata", None)
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


def _registers_dynamically(js: JsView, at: int) -> bool:
    """Can the MCP client provider class around `at` register itself? The SDK
    registers only when `clientInformation()` returns nothing and the provider
    can `saveClientInformation`; a fixed client (pre-registered) never does.
    Outside a class, or in a subclass, it cannot be told: assume it can."""
    found = js.enclosing_class(at)
    if found is None:
        return True
    _, open_brace, close = found
    saves = js.member_body(open_brace, close, "saveClientInformation") is not None
    extends = re.search(r"\bextends\b[^{]*$", js.masked[max(0, open_brace - 300):open_brace])
    if not saves and not extends:
        return False
    info = js.member_body(open_brace, close, "clientInformation")
    return info is None or not _returns_fixed_client(js, *info)


def _returns_fixed_client(js: JsView, open_brace: int, close: int) -> bool:
    """Does every `return` in a method body give an object literal with a
    `client_id` (written there, or assigned to the name or `this.` field returned)?"""
    returns = list(re.finditer(r"\breturn\b\s*", js.masked[open_brace:close]))
    for m in returns:
        at = open_brace + m.end()
        name = re.match(r"(?:this\s*\.\s*)?([A-Za-z_$][\w$]*)\s*[;}\n]", js.masked[at:close + 1])
        if js.masked[at] == "{":
            obj = js.object_at(at)
        elif name and name.group(1) not in ("undefined", "null"):
            obj = js.resolve_object(name.group(1), len(js.masked))
        else:
            return False
        if obj is None or "client_id" not in obj.fields:
            return False
    return bool(returns)


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


# -- servers -----------------------------------------------------------------------------
# The MCP TypeScript SDK serves `/register` from `mcpAuthRouter` whenever the
# provider's `clientsStore` implements `registerClient`, and from every
# `clientRegistrationHandler` (which refuses a store without it at start-up).
# A store's `registerClient` that throws can refuse a registration: a gate.
_NEW = re.compile(r"new\s+([A-Za-z_$][\w$.]*)\s*(?:<[^()]*>)?\s*\(")
_PROXY_PROVIDER = "ProxyOAuthServerProvider"


def _constructed(js: JsView, span: tuple[int, int], before: int) -> tuple[str, int] | None:
    """(class, offset of its `(`) of the `new X(...)` an expression is: written
    there, or last assigned to the identifier written there (`this.x` too)."""
    start, end = span
    m = _NEW.match(js.masked, start, end)
    if m:
        return m.group(1).rsplit(".", 1)[-1], m.end() - 1
    name = re.sub(r"^this\s*\.\s*", "", js.text[start:end].strip())
    if not re.fullmatch(r"[A-Za-z_$][\w$]*", name):
        return None
    assigned = re.compile(rf"(?<![\w$]){re.escape(name)}\s*(?::[^=;()]+?)?=\s*(?={_NEW.pattern})")
    found = [m for m in assigned.finditer(js.masked) if m.start() < before] or \
        list(assigned.finditer(js.masked))
    if not found:
        return None
    new = _NEW.match(js.masked, found[-1].end())
    return (new.group(1).rsplit(".", 1)[-1], new.end() - 1) if new else None


def store_verdict(js: JsView, store: str) -> str | None:
    """For a clients store class defined in this file: "" when it cannot
    register or can refuse (its `registerClient` throws), else why it is open.
    None when the class is not in this file."""
    body = js.class_body(store)
    if body is None:
        return None
    register = js.member_body(*body, "registerClient")
    if register is None or re.search(r"\bthrow\b", js.masked[register[0]:register[1]]):
        return ""
    return f"its clients store `{store}` accepts every registration"


def provider_verdict(js: JsView, span: tuple[int, int], before: int) -> str | None:
    """Why the OAuth server provider written at `span` serves open registration,
    or None when it does not or this file cannot tell."""
    built = _constructed(js, span, before)
    if built is None:
        return None
    cls, paren = built
    if cls == _PROXY_PROVIDER:
        close = js.match_close(paren)
        if close > 0 and re.search(r"\bregistrationUrl\s*:", js.masked[paren:close]):
            return "its `ProxyOAuthServerProvider` forwards every registration to the upstream " \
                   "`registrationUrl`"
        return None  # a fixed upstream client: no `registerClient`, no `/register`
    body = js.class_body(cls)
    if body is None:
        return None
    return _class_store_verdict(js, body[0], body[1], "clientsStore")


def _class_store_verdict(js: JsView, open_brace: int, close: int, field: str,
                         depth: int = 0) -> str | None:
    """Why the clients store a provider class keeps in `field` (`clientsStore`,
    `_clientsStore`, `#clientsStore`, or behind a `get clientsStore()`) is open."""
    store = re.search(rf"(?<![\w$])[_#]?{field}\s*(?::[^=;{{}}]*)?=\s*(?=new\b)",
                      js.masked[open_brace:close])
    if store is not None:
        at = open_brace + store.end()
        built = _constructed(js, (at, close), at)
        return (store_verdict(js, built[0]) or None) if built else None
    getter = js.member_body(open_brace, close, field)
    if getter is None:
        return None
    code = js.masked[getter[0]:getter[1]]
    if re.search(r"\bregisterClient\s*[:(]", code):  # a store written in the getter
        return None if re.search(r"\bthrow\b", code) else \
            "its clients store accepts every registration"
    kept = re.search(r"\breturn\s+this\s*\.\s*([_#]?[A-Za-z_$][\w$]*)\s*[;}]", code)
    if kept is None or depth > 2:
        return None
    return _class_store_verdict(js, open_brace, close, kept.group(1).lstrip("_#"), depth + 1)


def auth_routers(js: JsView) -> Iterator[tuple[int, str]]:
    """(offset, why) of each `mcpAuthRouter({ provider, ... })` call that serves
    `/register` to anyone."""
    for at in js.code_occurrences(r"\bmcpAuthRouter\s*\("):
        if js.text[max(0, at - 20):at].rstrip().endswith("function") or js.in_expected_failure(at):
            continue
        options = js.argument_object(js.masked.index("(", at))
        span = options.spans.get("provider") if options else None
        why = provider_verdict(js, span, at) if span else None
        if why:
            yield at, why


_STORE_CLASS = re.compile(  # not `declare class` (a `.d.ts` declaration: no code)
    r"(?<!declare )\bclass\s+([A-Za-z_$][\w$]*)[^{;]*\bimplements\b"
    r"[^{;]*\bOAuthRegisteredClientsStore\b[^{;]*\{")


def open_stores(js: JsView) -> Iterator[tuple[int, str]]:
    """(offset, class) of each MCP clients store class (`implements
    OAuthRegisteredClientsStore`) whose `registerClient` never refuses: any
    `mcpAuthRouter` given it serves open registration. A file that mounts the
    router or handler itself is judged at that call instead."""
    if re.search(r"\b(?:mcpAuthRouter|clientRegistrationHandler)\s*\(", js.masked):
        return
    for m in _STORE_CLASS.finditer(js.masked):
        if js.in_expected_failure(m.start()) or store_verdict(js, m.group(1)) in (None, ""):
            continue
        yield m.start(), m.group(1)


def handler_store_closed(js: JsView, at: int) -> bool:
    """Does the `clientRegistrationHandler({ clientsStore })` at `at` get a store
    defined in this file that cannot register or can refuse?"""
    options = js.argument_object(js.masked.index("(", at))
    span = options.spans.get("clientsStore") if options else None
    built = _constructed(js, span, at) if span else None
    return built is not None and store_verdict(js, built[0]) == ""


# Cloudflare's workers-oauth-provider: `new OAuthProvider({ clientRegistrationEndpoint,
# ... })` (or its `OAuthAuthorizationServer`, same options) with
# `clientRegistrationCallback` and `clientRegistrationTTL`. Registration is served
# when the endpoint is set; the callback is the only way to refuse one; the TTL
# defaults to 90 days and `undefined` written out means never.
WORKERS_PACKAGE = "workers-oauth-provider"


def workers_oauth_providers(js: JsView) -> Iterator[tuple[int, JsObject]]:
    """(offset, options) of each complete `new OAuthProvider({...})` of
    workers-oauth-provider that serves a registration endpoint."""
    if WORKERS_PACKAGE not in js.text:
        return
    for at in js.code_occurrences(r"\bnew\s+OAuth(?:Provider|AuthorizationServer)\s*(?:<[^()]*>)?\s*\("):
        if js.in_expected_failure(at):
            continue
        options = js.argument_object(js.masked.index("(", at))
        if options is None or not options.complete:
            continue
        endpoint = options.fields.get("clientRegistrationEndpoint", False)
        if endpoint not in (None, False, ""):
            yield at, options
