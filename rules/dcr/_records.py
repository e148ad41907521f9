"""Stored registration responses and client records in JSON/YAML/TOML files.

A record is a mapping with a `client_id` and at least one field only
registration responses and stored clients carry (`client_id_issued_at`,
`client_secret_expires_at`, RFC 7592 management fields, or the metadata
`token_endpoint_auth_method`/`grant_types`). A plain `client_id` +
`client_secret` pair (a Google `client_secret.json`, an app setting) is left
to the secret rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from nhiguard.document import Document
from nhiguard.policy import Policy
from nhiguard.tree.node import Node

from ._payload import days, is_real_secret, seconds

EVIDENCE = ("client_id_issued_at", "client_secret_expires_at", "registration_client_uri",
            "registration_access_token", "token_endpoint_auth_method", "grant_types")


@dataclass
class Record:
    node: Node
    client_id: Node

    def value(self, key: str) -> object:
        child = self.node.get(key)
        if child is None:
            return None
        return child.value if child.is_scalar else child

    def has(self, key: str) -> bool:
        return key in self.node


# Keys of an authorization request a server shows its login or consent page
# (Ory Hydra's `GET .../auth/requests/login|consent|logout`): the `client` in it
# is a copy of a client the server holds, neither sent nor stored here.
_AUTH_REQUEST_KEYS = ("challenge", "requested_scope", "request_url", "login_challenge")


def payload_mappings(doc: Document) -> Iterator[Node]:
    """Every mapping in a config file's tree, except inside OpenAPI/Swagger
    documents, which describe registration fields rather than send them, and
    the `client` copied into a login or consent request snapshot."""
    tree = doc.tree
    if tree is None:
        return
    for root in tree.documents:
        if root.is_mapping and ("openapi" in root or "swagger" in root):
            continue
        copies: set[int] = set()
        for _, node in root.walk():
            if not node.is_mapping or id(node) in copies:
                continue
            client = node.get("client")
            if client is not None and any(k in node for k in _AUTH_REQUEST_KEYS):
                copies.add(id(client))
            yield node


def records(doc: Document) -> Iterator[Record]:
    for node in payload_mappings(doc):
        client_id = node.get("client_id")
        if client_id is None or not client_id.is_scalar:
            continue
        if any(k in node for k in EVIDENCE):
            yield Record(node, client_id)


def is_cimd(record: Record) -> bool:
    """A Client ID Metadata Document: the client ID is its own HTTPS URL."""
    return str(record.client_id.value or "").startswith("https://")


def secret_expiry_problem(rec: Record, policy: Policy) -> str | None:
    """Why the record's client secret lives too long, or None if it does not."""
    if not rec.has("client_secret_expires_at"):
        return "has no `client_secret_expires_at`, so it never expires"
    secs = seconds(rec.value("client_secret_expires_at"))
    if secs is None:
        return None
    if secs <= 0:
        return "never expires (`client_secret_expires_at` is 0)"
    issued_at = seconds(rec.value("client_id_issued_at"))
    if issued_at is not None and secs - issued_at > policy.max_secret_lifetime_seconds:
        return (f"lives {days(secs - issued_at)}, longer than the policy's "
                f"{policy.max_secret_lifetime_days} days")
    return None


def long_lived_stored_secrets(doc: Document, policy: Policy) -> Iterator[tuple[Record, Node, str]]:
    """(record, client_secret node, problem) for each stored record whose literal
    secret lives too long: what NHG207 reports."""
    for rec in records(doc):
        secret_node = rec.node.get("client_secret")
        if secret_node is None or not is_real_secret(secret_node.value):
            continue
        problem = secret_expiry_problem(rec, policy)
        if problem is not None:
            yield rec, secret_node, problem


def stored_registration_tokens(doc: Document) -> Iterator[tuple[Node, Node]]:
    """(mapping, token node) for each literal RFC 7592 registration access
    token stored beside its `registration_client_uri`: the pair is a working
    handle to read, change or delete the client."""
    for node in payload_mappings(doc):
        token = node.get("registration_access_token")
        if token is not None and token.is_scalar and "registration_client_uri" in node \
                and is_real_secret(token.value):
            yield node, token
