"""Keycloak registration opened outside a realm export.

Realm exports are read in `_idp`. Here: the same changes made by hand or by a
pipeline, through `kcadm.sh` and admin-API `curl` calls in shell scripts,
Dockerfiles and CI steps, and through Terraform's
`keycloak_realm_client_registration_policy` resource:

- the anonymous Trusted Hosts client-registration policy deleted
  (`kcadm.sh delete components/$ID`, `curl -X DELETE .../components/$ID`);
- the policy loosened (`host-sending-registration-request-must-match` false,
  trusted hosts `*`);
- initial access tokens created with expiration 0 (Keycloak's default: never
  expires) and a count above one: a reusable registration credential.

Commands are read as text: continuation lines are joined and a line is split
at `&&`, `||` and `;`, so `RUN a && kcadm.sh ...` and YAML `run:` blocks read
like scripts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.tree.node import Node

from ._idp import Hit, wide_host

TRUSTED_HOSTS = re.compile(r"trusted[ _-]hosts", re.I)
_OPTION_LINE = re.compile(r"[ \t]*--?[A-Za-z]")
_KCADM = re.compile(r"\bkcadm(?:\.sh)?[ \t]+(create|update|delete|get)[ \t]+([^\s'\"]+)")
# The admin path below the realm: `/admin/realms/<realm>/...`, or a URL built
# on a variable (`"$API/components/$ID"`) in a file that names the admin API.
_CURL = re.compile(r"\b(?:curl|wget|http|https)\b[^\n]*?"
                   r"(?:/admin/realms/[^/\s'\"]+/|/(?=(?:components|clients-initial-access)\b))"
                   r"([^\s'\"?]+)")
_CURL_VERB = re.compile(r"(?:-X|--request)[ \t]*['\"]?([A-Z]+)|\b(?:http|https)[ \t]+([A-Z]+)\b")
_TARGET = re.compile(r"^(?:realms/[^/\s]+/)?(components|clients-initial-access)(?:/(\S*))?$")
_VARIABLE = re.compile(r"^\$\{?(\w+)\}?$")
_MUST_MATCH_OFF = re.compile(
    r"host-sending-registration-request-must-match\W{0,6}(?:=|:)\W{0,6}false\b", re.I)
_HOSTS = re.compile(r"trusted-hosts\W{0,6}(?:=|:)\s*\\?\[?([^\]\n]*)", re.I)
_NUMBER = r"\W{0,4}(?:=|:)\s*\\?[\"']?(\d+)"
_EXPIRATION = re.compile(r"\bexpiration" + _NUMBER)
_COUNT = re.compile(r"\bcount" + _NUMBER)

_DELETED = ("deletes Keycloak's anonymous Trusted Hosts client-registration policy: anyone can "
            "register clients without an initial access token.")


def _commands(text: str) -> Iterator[tuple[int, str]]:
    """(offset, command) of each shell command in the text, comments skipped.

    Quotes keep a multi-line `-d '{...}'` body in its command; a line that
    starts with an option (`-H ...`) continues the one before, as in a YAML
    folded `run: >-` step.
    """
    joined = re.sub(r"\\\r?\n", lambda m: " " * len(m.group(0)), text)  # offsets stay true
    bounds: list[int] = [0]
    quote_at = -1  # where the open quote started, -1 when none is open
    i = 0
    while i < len(joined):
        ch = joined[i]
        if quote_at >= 0:
            if ch == joined[quote_at]:
                quote_at = -1
            elif ch == "\n" and joined[quote_at + 1:quote_at + 2] != "{":
                quote_at = -1  # only a JSON body spans lines; an apostrophe in prose does not
                continue
        elif ch in "'\"" and joined[i - 1:i] != "\\":
            quote_at = i
        elif ch == "#" and joined[i - 1:i] in ("", " ", "\t", "\n"):
            i = joined.find("\n", i) % (len(joined) + 1)  # a comment runs to the end of its line
            continue
        elif ch == "\n":
            if not _OPTION_LINE.match(joined, i + 1):
                bounds += [i, i + 1]
        elif joined.startswith(("&&", "||"), i) or (ch == ";" and joined[i + 1:i + 2] in (" ", "\t")):
            bounds += [i, i + (1 if ch == ";" else 2)]
        i += 1
    bounds.append(len(joined))
    for start, end in zip(bounds[::2], bounds[1::2], strict=True):
        chunk = joined[start:end]
        stripped = chunk.lstrip()
        if stripped and not stripped.startswith("#"):
            yield start + len(chunk) - len(stripped), stripped


def _verb(command: str) -> tuple[str, str] | None:
    """(verb, admin path below the realm) of a kcadm or admin-API call."""
    kcadm = _KCADM.search(command)
    if kcadm:
        verb = {"create": "POST", "update": "PUT", "delete": "DELETE", "get": "GET"}[kcadm.group(1)]
        return verb, kcadm.group(2).strip("/")
    curl = _CURL.search(command)
    if not curl:
        return None
    given = _CURL_VERB.search(command)
    verb = (given.group(1) or given.group(2)) if given else (
        "POST" if re.search(r"\s(?:-d|--data\S*|--json)\b", command) else "GET")
    return verb, curl.group(1).strip("/")


def _names_trusted_hosts(command: str, ident: str, text: str) -> bool:
    """Is the deleted component the Trusted Hosts policy? The command (its ID,
    a `$(...)` lookup, a variable named for it) or the line that assigns the
    variable holding the ID says so."""
    if TRUSTED_HOSTS.search(command):
        return True
    var = _VARIABLE.match(ident)
    if var is None:
        return False
    assignments = re.finditer(rf"(?m)^.*\b{re.escape(var.group(1))}=(?:\\\n|[^\n])*", text)
    return any(TRUSTED_HOSTS.search(m.group(0)) for m in assignments)


_AUTHENTICATED = re.compile(r"subType\W{0,4}(?:=|:)\W{0,4}authenticated", re.I)


def _loosened(command: str) -> str | None:
    if _AUTHENTICATED.search(command):
        return None  # the authenticated policies' requests carry a token already
    if _MUST_MATCH_OFF.search(command):
        return ("turns off the sending-host check of Keycloak's anonymous Trusted Hosts policy "
                "(`host-sending-registration-request-must-match` false): anyone can register "
                "clients without an initial access token.")
    hosts = _HOSTS.search(command)
    if hosts:
        wide = [h for h in re.split(r"[\s,\"'\\]+", hosts.group(1)) if wide_host(h)]
        if wide:
            return (f"makes Keycloak's anonymous Trusted Hosts policy trust every host "
                    f"({', '.join(wide)}): anonymous registration is open.")
    return None


def _initial_access(command: str) -> str | None:
    expiration = _EXPIRATION.search(command)
    count = _COUNT.search(command)
    seconds = int(expiration.group(1)) if expiration else 0  # Keycloak's default: 0, never
    uses = int(count.group(1)) if count else 1  # Keycloak's default count
    if seconds == 0 and uses > 1:
        return (f"creates a Keycloak initial access token that never expires (expiration 0) "
                f"and registers up to {uses} clients: whoever holds it keeps registering.")
    return None


def admin_calls(doc: Document) -> Iterator[Hit]:
    """kcadm.sh and admin-API calls that open anonymous registration or mint
    reusable, never-expiring initial access tokens."""
    text = doc.text
    for offset, command in _commands(text):
        call = _verb(command)
        if call is None:
            continue
        verb, path = call
        target = _TARGET.match(path)
        if target is None or verb == "GET":
            continue
        tool = "`kcadm.sh`" if _KCADM.search(command) else "An admin-API call"
        message: str | None = None
        if target.group(1) == "clients-initial-access":
            message = _initial_access(command) if verb == "POST" else None
        elif verb == "DELETE":
            ident = target.group(2) or ""
            if ident and _names_trusted_hosts(command, ident, text):
                message = _DELETED
        else:
            message = _loosened(command)
        if message is not None:
            line, column = doc.position(offset)
            yield Hit(line, column, f"{tool} {message}")


def terraform(doc: Document) -> Iterator[Hit]:
    """`keycloak_realm_client_registration_policy` resources that loosen the
    anonymous Trusted Hosts policy (config values are comma-separated)."""
    tree = doc.tree
    if tree is None:
        return
    for path, node in tree.walk():
        if len(path) != 3 or path[:2] != ("resource", "keycloak_realm_client_registration_policy") \
                or not node.is_mapping:
            continue
        if _text(node.get("provider_id")) != "trusted-hosts" or \
                _text(node.get("sub_type")) != "anonymous":
            continue
        config = node.get("config")
        if config is None or not config.is_mapping:
            continue
        must_match = config.get("host-sending-registration-request-must-match")
        hosts = config.get("trusted-hosts")
        wide = [h.strip() for h in _text(hosts).split(",") if wide_host(h.strip())]
        if must_match is not None and _text(must_match).lower() == "false":
            yield Hit(must_match.line, must_match.column,
                      f"Terraform policy `{path[2]}` turns off the sending-host check of Keycloak's "
                      "anonymous Trusted Hosts policy: anyone can register clients without an "
                      "initial access token.")
        elif hosts is not None and wide:
            yield Hit(hosts.line, hosts.column,
                      f"Terraform policy `{path[2]}` makes Keycloak's anonymous Trusted Hosts policy "
                      f"trust every host ({', '.join(wide)}): anonymous registration is open.")


def _text(node: Node | None) -> str:
    return (node.text() or "").strip() if node is not None and node.is_scalar else ""
