"""Client-side registrations in every file kind, for NHG201 and NHG202.

`registrations(doc)` returns each RFC 7591 registration request in a file:
Python HTTP POSTs and MCP/FastMCP/python-keycloak calls (`doc.python`), JS/TS
`fetch`/axios bodies and MCP `clientMetadata` (text, see `_js`), JSON/YAML
payload files (config tree) and `curl` commands in shell scripts. Both rules
read the same list, computed once per file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import JAVASCRIPT, JSON, PYTHON, SHELL, TYPESCRIPT, YAML
from nhiguard.pyast import keyword, positional
from nhiguard.pyvalues import http_post, literal_url, payload_of, url_parts, value_of
from nhiguard.pyview import Argument, Arguments
from nhiguard.tree.node import Node

from . import _js
from ._payload import UNKNOWN, Registration, endpoint_verdict, is_request
from ._records import payload_mappings


def registrations(doc: Document) -> list[Registration]:
    return doc.derived("dcr.registrations",
                       lambda d: [r for r in _find(d) if not _preregistered(r.fields)])


# Client authentication by a key or certificate the authorization server
# already knows: such a machine client is provisioned, not registered on the fly.
_KEY_BOUND_AUTH = ("private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth")


def _preregistered(fields: dict[str, object]) -> bool:
    """A `client_credentials`-only client that authenticates with a private
    key JWT or mutual TLS: metadata for a token request, not a registration."""
    return (fields.get("grant_types") == ["client_credentials"]
            and fields.get("token_endpoint_auth_method") in _KEY_BOUND_AUTH)


def _find(doc: Document) -> Iterator[Registration]:
    if doc.kind == PYTHON:
        yield from _python(doc)
    elif doc.kind in (JAVASCRIPT, TYPESCRIPT):
        yield from _js.registrations(doc)
    elif doc.kind in (JSON, YAML):
        yield from _tree(doc)
    elif doc.kind == SHELL:
        yield from _curl(doc.text)


# -- Python --------------------------------------------------------------------------------
_FASTMCP_OAUTH = ("fastmcp.client.auth.OAuth", "fastmcp.client.auth.oauth.OAuth",
                  "fastmcp.client.OAuth")
_FASTMCP_CLIENT = ("fastmcp.Client", "fastmcp.client.Client")
_FIXED_CLIENT = ("OAuthClientInformationFull", "OAuthClientInformation")


def _may_register(text: str) -> bool:
    """Can the text hold one of the registrations `_python` reads? Each shape
    needs words that are then written in the file (payload keys, the imported
    class, the library), so a file without them is not parsed for this."""
    return (("redirect_uris" in text or "grant_types" in text)
            and ("post" in text or "request" in text)) \
        or "OAuthClientMetadata" in text \
        or ("fastmcp" in text and ("OAuth" in text or "oauth" in text)) \
        or ("keycloak" in text and "register_client" in text)


def _python(doc: Document) -> Iterator[Registration]:
    py = doc.python if _may_register(doc.text) else None
    if py is None:
        return
    cimd = any(py.arguments(scope, call).given("client_metadata_url")
               for scope, call in py.calls() if call.keywords)
    keycloak = any("keycloak" in origin for origin in py.imports.values())
    # Functions that also build fixed client information (a known client ID):
    # their metadata describes that client, nothing is registered.
    fixed = {id(scope) for scope, call in py.calls()
             if py.called(call) in _FIXED_CLIENT and py.arguments(scope, call).given("client_id")}
    for scope, call in py.calls():
        if py.in_expected_failure(call):
            continue
        line, column = py.pos(call)
        name = py.qualified(call) or ""
        if "." in name and py.inside_package_of(name):
            continue  # the SDK building a client for its caller, who is the one to report
        last = name.rsplit(".", 1)[-1]
        post = http_post(call)
        if post is not None:
            url, body = post
            payload = payload_of(body, scope, line)
            if payload is None or payload.from_metadata_model or not is_request(payload.fields):
                continue
            if endpoint_verdict(*url_parts(url, scope, line)) is False:
                continue
            yield Registration(line, column, "HTTP POST", payload.fields, payload.complete,
                               literal_url(url, scope, line))
        elif last == "OAuthClientMetadata" and not cimd and id(scope) not in fixed:
            payload = payload_of(call, scope, line)
            if payload is not None:
                yield Registration(line, column, "MCP OAuthClientMetadata", payload.fields,
                                   payload.complete)
        elif name in _FASTMCP_OAUTH:
            reg = _fastmcp_oauth(py.arguments(scope, call), line, column)
            if reg is not None:
                yield reg
        elif name in _FASTMCP_CLIENT and _is_oauth(py.arguments(scope, call).get("auth")):
            yield Registration(line, column, 'FastMCP Client(auth="oauth")',
                               {"client_name": "FastMCP Client", "redirect_uris": UNKNOWN})
        elif last == "register_client" and keycloak and len(call.args) + len(call.keywords) >= 2:
            body = keyword(call, "payload") or positional(call, 1)
            payload = payload_of(body, scope, line)
            if payload is not None and _keycloak_client(payload.fields):
                yield Registration(line, column, "python-keycloak register_client",
                                   payload.fields, payload.complete)


def _is_oauth(arg: Argument | None) -> bool:
    return arg is not None and value_of(arg.value, arg.scope, arg.line) == "oauth"


def _fastmcp_oauth(args: Arguments, line: int, column: int) -> Registration | None:
    """fastmcp's `OAuth(...)` registers unless it is given a client ID or a
    Client ID Metadata Document URL."""
    if not args.complete or args.given("client_id") or args.given("client_metadata_url"):
        return None
    fields: dict[str, object] = {"client_name": "FastMCP Client", "redirect_uris": UNKNOWN}
    complete = True
    extra = args.get("additional_client_metadata")
    if extra is not None and args.given("additional_client_metadata"):
        payload = payload_of(extra.value, extra.scope, extra.line)
        if payload is None:
            complete = False
        else:
            fields.update(payload.fields)
            complete = payload.complete
    return Registration(line, column, "FastMCP OAuth", fields, complete)


def _keycloak_client(fields: dict[str, object]) -> bool:
    """A Keycloak client representation (camelCase) or RFC 7591 metadata."""
    attributes = fields.get("attributes")
    if isinstance(attributes, dict):
        for key, value in attributes.items():
            fields.setdefault(str(key), value)
    if fields.get("publicClient") is True:
        fields.setdefault("token_endpoint_auth_method", "none")
    if "redirectUris" in fields:
        fields.setdefault("redirect_uris", fields["redirectUris"])
    return "redirect_uris" in fields or "clientId" in fields


# -- JSON and YAML payload files ---------------------------------------------------------
def _plain(node: Node) -> object:
    if node.is_scalar:
        return node.value
    if node.is_sequence:
        return [_plain(n) for n in node.items]
    return {k: _plain(v) for k, v in node.entries}


def _tree(doc: Document) -> Iterator[Registration]:
    for node in payload_mappings(doc):
        keys = [k for k, _ in node.entries]
        if not is_request(keys):
            continue
        if any(v.is_mapping for k, v in node.entries if k in ("redirect_uris", "grant_types")):
            continue  # a JSON Schema describing the fields
        fields = {k: _plain(v) for k, v in node.entries}
        yield Registration(node.line, node.column, "registration payload", fields)


# -- curl in shell scripts -----------------------------------------------------------------
_CURL = re.compile(r"(?<![\w-])curl\s")
_DATA_FLAGS = ("-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json")
_JSON_KEY = re.compile(r'"(\w+)"\s*:\s*(\[\s*\]|""|null|0\b)?')


def _words(text: str, start: int) -> list[str]:
    """The words of one shell command from `start`: quotes joined and removed,
    backslash-newlines followed, ends at a newline, `;`, `|` or `&`."""
    words: list[str] = []
    cur: list[str] | None = None
    i = start
    while i < len(text):
        c = text[i]
        if c == "\\" and text[i + 1:i + 2] == "\n":
            i += 2
            continue
        if c in "'\"":
            end = text.find("'", i + 1) if c == "'" else _dq_end(text, i)
            end = len(text) if end < 0 else end
            piece = text[i + 1:end]
            if c == '"':
                piece = re.sub(r'\\(["\\$`])', r"\1", piece)
            cur = (cur or []) + [piece]
            i = end + 1
            continue
        if c in "\n;|&" or c.isspace():
            if cur is not None:
                words.append("".join(cur))
                cur = None
            if c in "\n;|&":
                break
            i += 1
            continue
        cur = (cur or []) + [c]
        i += 1
    if cur is not None:
        words.append("".join(cur))
    return words


def _dq_end(text: str, i: int) -> int:
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == '"':
            return j
        j += 1
    return -1


def _curl(text: str) -> Iterator[Registration]:
    for m in _CURL.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if text[line_start:m.start()].lstrip().startswith("#"):
            continue
        words = _words(text, m.end())
        method, data, url = "", None, None
        i = 0
        while i < len(words):
            w = words[i]
            nxt = words[i + 1] if i + 1 < len(words) else ""
            if w in ("-X", "--request"):
                method, i = nxt.upper(), i + 2
                continue
            if w in _DATA_FLAGS:
                data, i = nxt, i + 2
                continue
            if w.startswith(tuple(f + "=" for f in _DATA_FLAGS if f.startswith("--"))):
                data = w.split("=", 1)[1]
            elif w == "--url":
                url, i = nxt, i + 2
                continue
            elif url is None and re.match(r"(?:https?://|\$\{?\w+\}?/|\$\{?\w+\}?$)", w):
                url = w
            i += 1
        if data is None or data.startswith("@") or method not in ("", "POST") or url is None:
            continue
        names = re.findall(r"\$\{?(\w+)", url)
        if endpoint_verdict([url], names) is False:
            continue
        fields = _json_fields(data)
        if fields is None or not is_request(fields):
            continue
        line = text.count("\n", 0, m.start()) + 1
        literal = url if "$" not in url else None
        yield Registration(line, m.start() - line_start + 1, "curl POST", fields, True, literal)


def _json_fields(data: str) -> dict[str, object] | None:
    try:
        value = json.loads(data)
    except ValueError:
        value = None
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    if value is not None:
        return None
    # Not JSON as written (shell variables spliced in): read the keys.
    fields: dict[str, object] = {}
    for m in _JSON_KEY.finditer(data):
        empty = m.group(2)
        fields.setdefault(m.group(1), UNKNOWN if empty is None else json.loads(empty))
    return fields or None
