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

from collections.abc import Iterator
from dataclasses import dataclass

from nhiguard.pyast import call_name, child_nodes, dotted_name, keyword, literal_value

from ._payload import UNKNOWN
from ._python import PyFile, Scope, cst, value_of

FASTMCP_PROXIES = frozenset({
    "OAuthProxy", "OIDCProxy", "GitHubProvider", "GoogleProvider", "AzureProvider",
    "Auth0Provider", "WorkOSProvider", "DiscordProvider", "AWSCognitoProvider", "OCIProvider",
})


@dataclass
class DcrOptions:
    """One `ClientRegistrationOptions(...)` call."""

    call: cst.Call
    scope: Scope
    line: int
    column: int
    enabled: object  # True, False or UNKNOWN
    expiry: object  # seconds, None (absent/None) or UNKNOWN


def registration_options(py: PyFile) -> Iterator[DcrOptions]:
    for scope, call in py.calls():
        name = call_name(call) or ""
        if name.rsplit(".", 1)[-1] != "ClientRegistrationOptions":
            continue
        if any(arg.star for arg in call.args):
            continue
        line, column = py.pos(call)
        enabled_node = keyword(call, "enabled")
        enabled = False if enabled_node is None else value_of(enabled_node, scope, line)
        expiry_node = keyword(call, "client_secret_expiry_seconds")
        expiry = None if expiry_node is None else value_of(expiry_node, scope, line)
        yield DcrOptions(call, scope, line, column, enabled, expiry)


def options_for(py: PyFile, node: cst.BaseExpression | None, scope: Scope,
                line: int) -> DcrOptions | None:
    """The `ClientRegistrationOptions` a `client_registration_options=` value is,
    inline or through a name assigned in the same scope."""
    if isinstance(node, cst.Name):
        found = scope.lookup(node.value, line)
        if found is None:
            return None
        node = found[2]
    if not isinstance(node, cst.Call):
        return None
    return next((o for o in registration_options(py) if o.call is node), None)


def revocation_enabled(node: cst.BaseExpression | None, scope: Scope, line: int) -> object:
    """True/False/UNKNOWN for a `revocation_options=` value."""
    if node is None:
        return False
    if isinstance(node, cst.Name):
        if node.value == "None":
            return False
        found = scope.lookup(node.value, line)
        if found is None:
            return UNKNOWN
        scope, line, node = found[0], found[1], found[2]
    if isinstance(node, cst.Call) and (call_name(node) or "").endswith("RevocationOptions"):
        enabled = keyword(node, "enabled")
        return False if enabled is None else value_of(enabled, scope, line)
    return UNKNOWN


def fastmcp_proxies(py: PyFile) -> Iterator[tuple[Scope, cst.Call, str]]:
    """Calls that build a FastMCP OAuth proxy (always-on DCR): the known
    proxy classes imported from fastmcp, and local subclasses of them."""
    local = {c.name.value for base in ("OAuthProxy", "OIDCProxy")
             for c in subclasses_of(py.module, base)}
    for scope, call in py.calls():
        name = call_name(call) or ""
        qualified = py.qualified(call) or ""
        last = name.rsplit(".", 1)[-1]
        if last in local or (last in FASTMCP_PROXIES and qualified.startswith("fastmcp.")):
            yield scope, call, last


def has_registration_gate(py: PyFile) -> bool:
    """A provider's `register_client` that can refuse (raises RegistrationError)."""
    for node in _walk(py.module):
        if isinstance(node, cst.FunctionDef) and node.name.value == "register_client" \
                and "RegistrationError" in names_in(node.body):
            return True
    return False


def authlib_registration_endpoints(py: PyFile) -> list[cst.ClassDef]:
    if "authlib" not in " ".join(py.imports.values()):
        return []
    return list(subclasses_of(py.module, "ClientRegistrationEndpoint"))


def authlib_has_configuration_endpoint(py: PyFile) -> bool:
    return "ClientConfigurationEndpoint" in names_in(py.module)


def method(cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    return methods(cls).get(name)


def writes_zero_expiry(fn: cst.FunctionDef) -> bool:
    """An override that still writes `client_secret_expires_at` as 0."""
    for node in _walk(fn.body):
        if isinstance(node, cst.DictElement | cst.Arg | cst.Assign):
            text = cst.Module([]).code_for_node(node).replace(" ", "")
            if "client_secret_expires_at" in text and text.rstrip(",").endswith(("=0", ":0")):
                return True
    return False


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(child_nodes(n))


# -- classes ---------------------------------------------------------------------------
def subclasses_of(module: cst.Module, base: str) -> Iterator[cst.ClassDef]:
    """Classes in the file with a base whose last name is `base`."""
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.ClassDef):
            names = [dotted_name(a.value) or "" for a in node.bases]
            if any(n.rsplit(".", 1)[-1] == base for n in names):
                yield node
        stack.extend(child_nodes(node))


def methods(cls: cst.ClassDef) -> dict[str, cst.FunctionDef]:
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    return {s.name.value: s for s in body if isinstance(s, cst.FunctionDef)}


def ignores_request(fn: cst.FunctionDef) -> bool:
    """True when a check method (`authenticate_token(self, request)`) never
    reads its request and returns something truthy: it lets everyone in."""
    params = [p.name.value for p in fn.params.params]
    if len(params) < 2:
        return False
    request = params[1]
    returns: list[cst.Return] = []
    stack: list[cst.CSTNode] = [fn.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name) and node.value == request:
            return False
        if isinstance(node, cst.Return):
            returns.append(node)
        if isinstance(node, cst.Raise):
            return False
        stack.extend(child_nodes(node))
    values = [literal_value(r.value) if r.value is not None else None for r in returns]
    return bool(returns) and all(v not in (None, False, 0, "") for v in values)


def names_in(node: cst.CSTNode) -> set[str]:
    """Every identifier and attribute name in a subtree."""
    out: set[str] = set()
    stack: list[cst.CSTNode] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, cst.Name):
            out.add(n.value)
        stack.extend(child_nodes(n))
    return out
