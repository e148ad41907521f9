"""Identity providers' registration settings: Auth0, Keycloak, Ory Hydra, allauth.

Config files (Terraform included) are read through the config tree;
environment variables in compose files, shell and Dockerfiles, and Django
settings are read by small, anchored regular expressions. Each function
yields `Hit`s: where the setting is and what is wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nhiguard.document import Document
from nhiguard.filekinds import DOCKERFILE, ENV, SHELL, TEXT, YAML
from nhiguard.tree.node import Node

from ._payload import seconds

KEYCLOAK_POLICY = "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy"


@dataclass(frozen=True)
class Hit:
    line: int
    column: int
    message: str


def _truthy(node: Node | None) -> bool:
    return node is not None and (node.text() or "").strip().lower() == "true"


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _in_comment(text: str, offset: int) -> bool:
    start = text.rfind("\n", 0, offset) + 1
    return text[start:offset].lstrip().startswith(("#", "//", "*", "/*"))


# -- Auth0 ---------------------------------------------------------------------------------
_AUTH0_MSG = ("Auth0 tenant flag `enable_dynamic_client_registration` is on: anyone can "
              "create applications in the tenant without a token.")
# node-auth0 and the Management API body, keys quoted or not (`flags: { enable_...: true }`).
_AUTH0_CODE = re.compile(r"""(?<![\w$])["']?enable_dynamic_client_registration["']?\s*:\s*(?:True|true)\b""")


def auth0_tree(doc: Document) -> Iterator[Hit]:
    """auth0-deploy-cli tenant.yaml / tenant.json and Terraform's `auth0_tenant`
    resource: `flags.enable_dynamic_client_registration`."""
    tree = doc.tree
    if tree is None:
        return
    for path, key, node in tree.pairs():
        parents = [p for p in path[:-1] if isinstance(p, str)]  # `flags` may be a list in .tf.json
        if key == "enable_dynamic_client_registration" and parents[-1:] == ["flags"] \
                and _truthy(node):
            yield Hit(node.line, node.column, _AUTH0_MSG)


def auth0_code(text: str) -> Iterator[Hit]:
    """auth0-python / node-auth0: `tenants.update({"flags": {...: True}})`."""
    for m in _AUTH0_CODE.finditer(text):
        if "flags" in text[max(0, m.start() - 300):m.start()] and not _in_comment(text, m.start()):
            yield Hit(*_position(text, m.start()), _AUTH0_MSG)


# -- Keycloak realm exports ------------------------------------------------------------------
def _config(component: Node, key: str) -> tuple[Node, list[str]] | None:
    """A Keycloak component config entry: its node and its values (always lists)."""
    config = component.get("config")
    value = config.get(key) if config is not None and config.is_mapping else None
    if value is None:
        return None
    items = value.items if value.is_sequence else [value]
    return value, [(n.text() or "").strip() for n in items]


def _field(node: Node, key: str) -> str | None:
    value = node.get(key)
    return value.text() if value is not None else None


def wide_host(host: str) -> bool:
    return host in ("*", "0.0.0.0", "0.0.0.0/0", "::/0") or bool(re.fullmatch(r"\*\.[^.]+", host))


def keycloak(doc: Document) -> Iterator[Hit]:
    """Anonymous client-registration policies removed or loosened in a realm export."""
    tree = doc.tree
    if tree is None:
        return
    for _, key, node in tree.pairs():
        if key != KEYCLOAK_POLICY or not node.is_sequence or not node.items:
            continue  # with no policies at all, Keycloak adds its defaults on import
        anonymous = [c for c in node.items if c.is_mapping and _field(c, "subType") == "anonymous"]
        providers = {_field(c, "providerId") for c in anonymous}
        limits = [name for p, name in (("max-clients", "Max Clients"), ("scope", "Full Scope Disabled"))
                  if p not in providers]
        limit_note = ("; no " + " or ".join(limits) + " policy limits them" if limits else "")
        trusted = [c for c in anonymous if _field(c, "providerId") == "trusted-hosts"]
        if not trusted:
            yield Hit(node.line, node.column,
                      "Keycloak realm has no anonymous Trusted Hosts client-registration policy: "
                      f"anyone can register clients without an initial access token{limit_note}.")
            continue
        for comp in trusted:
            must_match = _config(comp, "host-sending-registration-request-must-match")
            host_entry = _config(comp, "trusted-hosts")
            hosts = host_entry[1] if host_entry else []
            if must_match and must_match[1] and must_match[1][0].lower() == "false":
                yield Hit(must_match[0].line, must_match[0].column,
                          "Keycloak anonymous Trusted Hosts policy does not check the sending host "
                          "(`host-sending-registration-request-must-match: false`): anyone can "
                          f"register clients without an initial access token{limit_note}.")
            elif host_entry and any(wide_host(h) for h in hosts):
                yield Hit(host_entry[0].line, host_entry[0].column,
                          "Keycloak anonymous Trusted Hosts policy trusts every host "
                          f"({', '.join(h for h in hosts if wide_host(h))}): anonymous "
                          f"registration is open{limit_note}.")
            elif host_entry and hosts and len(limits) == 2:
                yield Hit(host_entry[0].line, host_entry[0].column,
                          "Keycloak anonymous client registration from trusted hosts has neither "
                          "a Max Clients nor a Full Scope Disabled policy: registered clients are "
                          "unlimited in number and get full scope.")


# -- Ory Hydra -----------------------------------------------------------------------------
HYDRA_MSG = ("Ory Hydra dynamic client registration is enabled: `/oauth2/register` takes no "
             "initial access token, so anyone can register a client.")
_HYDRA_ENV = re.compile(
    r"""\b(?:hydra_)?oidc_dynamic_client_registration_enabled\b["']?(?:\s*[=:]\s*|[ \t]+)["']?true\b"""
    r"""|\bname:\s*["']?(?:HYDRA_)?OIDC_DYNAMIC_CLIENT_REGISTRATION_ENABLED["']?\s*\n\s*value:\s*["']?true\b""",
    re.I)


def hydra(doc: Document) -> Iterator[Hit]:
    """`oidc.dynamic_client_registration.enabled: true` in hydra.yml (or Helm
    values), and `OIDC_DYNAMIC_CLIENT_REGISTRATION_ENABLED=true` anywhere."""
    seen: set[int] = set()
    if doc.tree is not None:
        for path, node in doc.tree.walk():
            if path[-3:] == ("oidc", "dynamic_client_registration", "enabled") and _truthy(node):
                seen.add(node.line)
                yield Hit(node.line, node.column, HYDRA_MSG)
    for m in _HYDRA_ENV.finditer(doc.text):
        line, column = _position(doc.text, m.start())
        if line not in seen and not _in_comment(doc.text, m.start()):
            yield Hit(line, column, HYDRA_MSG)


# -- django-allauth ------------------------------------------------------------------------
_ALLAUTH_OFF = re.compile(r"^[ \t]*IDP_OIDC_DCR_REQUIRES_INITIAL_ACCESS_TOKEN\s*(?::\s*bool\s*)?=\s*False\b",
                          re.M)
_ALLAUTH_DISABLED = re.compile(r"^[ \t]*IDP_OIDC_DCR_ENABLED\s*(?::\s*bool\s*)?=\s*False\b", re.M)


def allauth(text: str) -> Iterator[Hit]:
    if _ALLAUTH_DISABLED.search(text):
        return
    for m in _ALLAUTH_OFF.finditer(text):
        offset = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        yield Hit(*_position(text, offset),
                  "django-allauth dynamic client registration does not require an initial "
                  "access token (`IDP_OIDC_DCR_REQUIRES_INITIAL_ACCESS_TOKEN = False`): anyone "
                  "can register a client.")


# -- Janssen / Gluu ------------------------------------------------------------------------
def janssen(doc: Document) -> Iterator[tuple[Node, float]]:
    """(node, seconds) of each Janssen/Gluu auth-server `dynamicRegistrationExpirationTime`
    whose registration is not switched off (`dynamicRegistrationEnabled: false`).
    Janssen reads 0 and -1 as "registered clients never expire"."""
    tree = doc.tree
    if tree is None:
        return
    for root in tree.documents:
        for _, config in root.walk():
            expiry = config.get("dynamicRegistrationExpirationTime") if config.is_mapping else None
            if expiry is None or not expiry.is_scalar:
                continue
            secs = seconds(expiry.value)
            enabled = config.get("dynamicRegistrationEnabled")
            if secs is not None and (enabled is None or (enabled.text() or "").strip().lower() != "false"):
                yield expiry, secs


# -- Apereo CAS ----------------------------------------------------------------------------
# `cas.authn.oidc.registration.<key>` as a property, a dotted YAML key, an
# environment variable (`CAS_AUTHN_OIDC_REGISTRATION_...`) or a nested YAML path.
_CAS_PREFIX = r"\bcas[._]authn[._]oidc[._]registration[._]"
_CAS_VALUE = r"""["']?(?:[ \t]*[=:][ \t]*|[ \t]+)["']?([\w.-]+)"""
_CAS_EXPIRY = re.compile(_CAS_PREFIX + r"client[-_]?secret[-_]?expiration" + _CAS_VALUE, re.I)
_CAS_MODE = re.compile(_CAS_PREFIX + r"dynamic[-_]?client[-_]?registration[-_]?mode" + _CAS_VALUE, re.I)
_ISO_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", re.I)


def cas_file(doc: Document) -> bool:
    """Where CAS settings live: `cas.properties`, `application.yml`, the
    environment, and `-D`/`--` arguments in scripts and Dockerfiles."""
    if doc.kind == TEXT:
        return doc.uri.lower().endswith(".properties")
    return doc.kind in (YAML, ENV, SHELL, DOCKERFILE)


def cas_duration(value: str) -> float | None:
    """Seconds in a CAS duration: ISO-8601 (`P14D`, `PT1H`) or plain seconds."""
    if value.isdigit():
        return float(value)
    m = _ISO_DURATION.fullmatch(value)
    if m is None or value.upper() in ("P", "PT"):
        return None
    d, h, mins, s = (int(g or 0) for g in m.groups())
    return float(((d * 24 + h) * 60 + mins) * 60 + s)


def _cas_settings(doc: Document, pattern: re.Pattern[str], key: str) -> Iterator[tuple[int, int, str]]:
    """(line, column, value) of one CAS registration setting, flat or nested."""
    seen: set[int] = set()
    for m in pattern.finditer(doc.text):
        if not _in_comment(doc.text, m.start()):
            line, column = _position(doc.text, m.start())
            seen.add(line)
            yield line, column, m.group(1)
    if doc.tree is None:
        return
    for path, node in doc.tree.walk():
        if path[-3:] == ("oidc", "registration", key) and "cas" in path and node.is_scalar \
                and node.line not in seen:
            yield node.line, node.column, (node.text() or "").strip()


def cas_secret_expiry(doc: Document) -> Iterator[tuple[int, int, float]]:
    """(line, column, seconds) of each `client-secret-expiration` set in the
    file: CAS adds it to the registration time, and 0 means never."""
    for line, column, value in _cas_settings(doc, _CAS_EXPIRY, "client-secret-expiration"):
        secs = cas_duration(value)
        if secs is not None:
            yield line, column, secs


def cas_open_mode(doc: Document) -> Iterator[Hit]:
    for line, column, value in _cas_settings(doc, _CAS_MODE, "dynamic-client-registration-mode"):
        if value.upper() == "OPEN":
            yield Hit(line, column,
                      "Apereo CAS dynamic client registration runs in OPEN mode: anyone can "
                      "register a client without authenticating (the default is PROTECTED).")
