"""Registration servers in Python: MCP SDK options, FastMCP proxies, authlib.

Shared by the server-side rules (NHG203, NHG204, NHG206, NHG208) so each
library's shapes are read in one place:

- MCP Python SDK: `ClientRegistrationOptions(enabled, client_secret_expiry_seconds,
  valid_scopes, default_scopes)` inside `AuthSettings(client_registration_options=...,
  revocation_options=RevocationOptions(enabled=...))`; expiry None issues secrets
  that never expire, and `/register` takes no initial access token.
- FastMCP: `OAuthProxy`/`OIDCProxy` and the providers built on them always
  enable DCR with no expiry; revocation only with `upstream_revocation_endpoint`.
- authlib: `ClientRegistrationEndpoint` subclasses; `generate_client_info`
  writes `client_secret_expires_at = 0`, `authenticate_token` is the gate,
  `generate_client_registration_info` returns the RFC 7592 management fields.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from nhiguard.pyast import UNKNOWN, dotted_name, is_none, literal_value, names_in, string_value, walk
from nhiguard.pyvalues import value_of
from nhiguard.pyview import PythonView, Scope

# Providers that call `OAuthProxy.__init__` themselves and pass it no
# `upstream_revocation_endpoint` (nor take one): they never serve `/revoke`.
FASTMCP_UNREVOKABLE = frozenset({
    "GitHubProvider", "GoogleProvider", "AzureProvider", "WorkOSProvider", "DiscordProvider",
    "ClerkProvider", "HuggingFaceProvider",
})
# `OIDCProxy` and its providers take the revocation endpoint from the
# upstream's discovery document: whether `/revoke` exists is decided at run time.
FASTMCP_OIDC = frozenset({"OIDCProxy", "Auth0Provider", "AWSCognitoProvider", "OCIProvider"})
FASTMCP_PROXIES = FASTMCP_UNREVOKABLE | FASTMCP_OIDC | {"OAuthProxy"}
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class DcrOptions:
    """One `ClientRegistrationOptions(...)` call."""

    call: ast.Call
    scope: Scope
    line: int
    column: int
    enabled: object  # True, False or UNKNOWN
    expiry: object  # seconds, None (absent/None) or UNKNOWN


def registration_options(py: PythonView) -> Iterator[DcrOptions]:
    for scope, call in py.calls():
        if py.called(call) != "ClientRegistrationOptions" or py.in_expected_failure(call):
            continue
        args = py.arguments(scope, call)
        if not args.complete:
            continue
        line, column = py.pos(call)
        enabled = args.get("enabled")
        expiry = args.get("client_secret_expiry_seconds")
        yield DcrOptions(
            call, scope, line, column,
            False if enabled is None else value_of(enabled.value, enabled.scope, enabled.line),
            None if expiry is None else value_of(expiry.value, expiry.scope, expiry.line))


def options_for(py: PythonView, node: ast.expr | None, scope: Scope,
                line: int) -> DcrOptions | None:
    """The `ClientRegistrationOptions` a `client_registration_options=` value is,
    inline or through a name assigned in the same scope."""
    if isinstance(node, ast.Name):
        found = scope.lookup(node.id, line)
        if found is None:
            return None
        node = found[2]
    if not isinstance(node, ast.Call):
        return None
    return next((o for o in registration_options(py) if o.call is node), None)


def revocation_enabled(py: PythonView, node: ast.expr | None, scope: Scope,
                       line: int) -> object:
    """True/False/UNKNOWN for a `revocation_options=` value."""
    if node is None or is_none(node):
        return False
    if isinstance(node, ast.Name):
        found = scope.lookup(node.id, line)
        if found is None:
            return UNKNOWN
        scope, line, node = found[0], found[1], found[2]
    if isinstance(node, ast.Call) and py.called(node).endswith("RevocationOptions"):
        args = py.arguments(scope, node)
        enabled = args.get("enabled")
        if enabled is None:
            return False if args.complete else UNKNOWN
        return value_of(enabled.value, enabled.scope, enabled.line)
    return UNKNOWN


def may_build_proxy(text: str) -> bool:
    """Can `fastmcp_proxies` find anything in this text? A proxy call names a
    known class imported from fastmcp, or a subclass of one the file names."""
    return "OAuthProxy" in text or "OIDCProxy" in text or (
        "fastmcp" in text and any(name in text for name in FASTMCP_PROXIES))


# FastMCP 2.x builds its server auth from the environment when no code does:
# FASTMCP_SERVER_AUTH names the provider class by its import path (`KEY=value`,
# `KEY: value`, Dockerfile `ENV KEY value`, Kubernetes `name:`/`value:`).
_FASTMCP_ENV_AUTH = re.compile(
    r"""\bFASTMCP_SERVER_AUTH["']?[ \t]*(?:[=:][ \t]*|\n[ \t]*value:[ \t]*)?["']?"""
    r"""fastmcp\.server\.auth\.(?:\w+\.)*(\w+)""")


def fastmcp_env_proxies(text: str) -> Iterator[tuple[int, str]]:
    """(offset, class) of each FastMCP proxy chosen by `FASTMCP_SERVER_AUTH`
    in a .env, compose, shell or settings file."""
    for m in _FASTMCP_ENV_AUTH.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if m.group(1) in FASTMCP_PROXIES and not text[line_start:m.start()].lstrip().startswith("#"):
            yield m.start(), m.group(1)


def fastmcp_proxies(py: PythonView) -> Iterator[tuple[Scope, ast.Call, str]]:
    """Calls that build a FastMCP OAuth proxy (always-on DCR): the known
    proxy classes imported from fastmcp, and local subclasses of them."""
    local = {c.name for c in py.subclasses_of("OAuthProxy", "OIDCProxy")}
    for scope, call in py.calls():
        qualified = py.qualified(call) or ""
        last = qualified.rsplit(".", 1)[-1]
        if (last in local or (last in FASTMCP_PROXIES and qualified.startswith("fastmcp."))) \
                and not py.in_expected_failure(call):
            yield scope, call, last


def fastmcp_env_unrevokable(text: str) -> Iterator[tuple[int, str]]:
    """The `FASTMCP_SERVER_AUTH` choices of a provider that serves no `/revoke`."""
    return ((offset, name) for offset, name in fastmcp_env_proxies(text) if name in FASTMCP_UNREVOKABLE)


_REVOCATION_ARG = "upstream_revocation_endpoint"


def proxy_without_revocation(py: PythonView, scope: Scope, call: ast.Call, name: str) -> bool:
    """Does this FastMCP proxy call build a proxy that serves no `/revoke`?

    A local subclass is followed to the FastMCP class it derives from; a class
    on the way that names `upstream_revocation_endpoint` passes one on (or may),
    and an `__init__` without `**kwargs` decides what the call can add.
    """
    local = {c.name: c for c in py.subclasses_of("OAuthProxy", "OIDCProxy")}
    call_reaches_proxy = True  # do the call's own keywords reach OAuthProxy.__init__?
    seen: set[str] = set()
    while name in local and name not in seen:
        seen.add(name)
        cls = local[name]
        if _REVOCATION_ARG in names_in(cls) or any(
                string_value(n) == _REVOCATION_ARG for n in walk(cls)):
            return False
        init = method(cls, "__init__")
        if init is not None and init.args.kwarg is None:
            call_reaches_proxy = False
        parents = [py.qualify(dotted_name(b) or "").rsplit(".", 1)[-1] for b in cls.bases]
        name = next((p for p in parents if p in local or p in FASTMCP_PROXIES), "")
    if name in FASTMCP_UNREVOKABLE:
        return True
    if name != "OAuthProxy":
        return False  # OIDC discovery decides, or not a FastMCP proxy at all
    if not call_reaches_proxy:
        return True
    args = py.arguments(scope, call)
    return args.complete and args.get(_REVOCATION_ARG) is None


def has_registration_gate(py: PythonView) -> bool:
    """A provider's `register_client` that can refuse (raises RegistrationError)."""
    return any(fn.name == "register_client"
               and any("RegistrationError" in names_in(stmt) for stmt in fn.body)
               for fn in py.functions)


def authlib_registration_endpoints(py: PythonView) -> list[ast.ClassDef]:
    if "authlib" not in " ".join(py.imports.values()):
        return []
    return py.subclasses_of("ClientRegistrationEndpoint")


def authlib_has_configuration_endpoint(py: PythonView) -> bool:
    # The text test first: it spares a walk of every file that never names it.
    return "ClientConfigurationEndpoint" in py.doc.text and \
        "ClientConfigurationEndpoint" in names_in(py.module)


def method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    return methods(cls).get(name)


def writes_zero_expiry(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """An override that still writes `client_secret_expires_at` as 0: as a dict
    entry, a keyword argument or an assignment."""
    for node in walk(fn):
        pairs: list[tuple[ast.AST | None, ast.expr]]
        if isinstance(node, ast.Dict):
            pairs = list(zip(node.keys, node.values, strict=True))
        elif isinstance(node, ast.keyword):
            pairs = [(node, node.value)]
        elif isinstance(node, ast.Assign):
            pairs = [(target, node.value) for target in node.targets]
        else:
            continue
        if any(_names_expiry(key) and _is_zero(value) for key, value in pairs):
            return True
    return False


def _names_expiry(node: ast.AST | None) -> bool:
    if isinstance(node, ast.keyword):
        return "client_secret_expires_at" in (node.arg or "")
    if node is None:
        return False
    return any("client_secret_expires_at" in (string_value(n) or "") for n in walk(node)) or \
        "client_secret_expires_at" in " ".join(names_in(node))


def _is_zero(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value == 0


# -- classes ---------------------------------------------------------------------------
def methods(cls: ast.ClassDef) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {s.name: s for s in cls.body if isinstance(s, _FUNCTIONS)}


def ignores_request(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True when a check method (`authenticate_token(self, request)`) never
    reads its request and returns something truthy: it lets everyone in."""
    params = [p.arg for p in fn.args.args]
    if len(params) < 2:
        return False
    request = params[1]
    returns: list[ast.Return] = []
    for stmt in fn.body:
        for node in walk(stmt):
            if isinstance(node, ast.Name | ast.Attribute) and request in (
                    getattr(node, "id", None), getattr(node, "attr", None)):
                return False
            if isinstance(node, ast.Return):
                returns.append(node)
            if isinstance(node, ast.Raise):
                return False
    values = [literal_value(r.value) if r.value is not None else None for r in returns]
    return bool(returns) and all(v not in (None, False, 0, "") for v in values)
