"""Live config stores: every key under a prefix becomes an artifact named by
its store URI (`etcd://127.0.0.1:2379/agents/billing/client_secret`).

A store is one module with a class that follows `Store`: `artifacts()`
streams one `Artifact` per key, page by page, so memory stays bounded however
large the store is; `notifications` collects the keys that could not be read.
`StoreError` means reading stopped: before the first key the scan fails (exit
code 3), after it the keys read so far are still reported, with an error
notification naming the store. A store is never reported as clean when it
was not read.

Values are presented to the rules as documents:

- a JSON or YAML document (a stored client registration, an agent's config)
  is scanned as itself, so line and column point into the value;
- any other value becomes a one-line JSON document `{"<leaf key>": "<value>"}`
  so the key name gives the value its context: a literal under
  `.../client_secret` reads as `{"client_secret": "..."}`, exactly as it
  would in a config file, and the column still points at the value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ...filekinds import JSON, TEXT, YAML
from ...finding import Level, Notification
from ..files import DEFAULT_MAX_BYTES, Artifact, SourceError

SCHEMES = ("etcd", "ssm", "secretsmanager", "kubernetes")
# A line that opens a YAML mapping entry (`key: value` or `key:`).
_YAML_ENTRY = re.compile(rb"^[ \t]*[A-Za-z_][\w.-]*[ \t]*:(?:[ \t]|$)", re.M)


class StoreError(Exception):
    """A store could not be read (unreachable, refused, timed out); the
    message names the store."""


class StoreUsageError(SourceError):
    """A store URI or option is wrong, or a needed extra is missing (exit code 2)."""


@dataclass(frozen=True)
class StoreOptions:
    """How to reach a store. Credentials never come from here: each store
    reads them from its standard mechanism (environment, credential chain)."""

    ca: str | None = None
    cert: str | None = None
    key: str | None = None
    timeout: float = 10.0
    page_size: int = 500
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass
class Store:
    """The contract of a store, and what every store shares: the URI as the
    user gave it (named in every error), options, and the notes it gathers."""

    uri: str
    options: StoreOptions = field(default_factory=StoreOptions)
    notifications: list[Notification] = field(default_factory=list)

    def artifacts(self) -> Iterator[Artifact]:
        """One artifact per key, streamed; raises StoreError when reading stops."""
        raise NotImplementedError

    def note(self, uri: str, message: str, level: Level = "warning", kind: str = "store") -> None:
        self.notifications.append(Notification(uri, message, level, kind=kind))

    def too_large(self, uri: str, size: int) -> bool:
        if size <= self.options.max_bytes:
            return False
        self.note(uri, f"skipped: {size} bytes is over the {self.options.max_bytes}-byte size cap",
                  "note", kind="too-large")
        return True


def is_store_uri(arg: str) -> bool:
    """`etcd://...`, `ssm://...`, `secretsmanager://...`, `kubernetes:FILE`, or `-`."""
    return arg == "-" or arg.split(":", 1)[0].lower() in SCHEMES and ":" in arg


def open_store(arg: str, options: StoreOptions) -> Store:
    """The store a URI names; StoreUsageError when it names none."""
    scheme = "kubernetes" if arg == "-" else arg.split(":", 1)[0].lower()
    if scheme == "etcd":
        from .etcd import EtcdStore

        return EtcdStore.from_uri(arg, options)
    if scheme in ("ssm", "secretsmanager"):
        from .aws import open_aws_store

        return open_aws_store(arg, options)
    if scheme == "kubernetes":
        from .kubernetes import KubernetesExport

        return KubernetesExport.from_uri(arg, options)
    raise StoreUsageError(f"not a store URI: {arg}")


def leaf_name(key: str) -> str:
    """The last segment of a key path (`/agents/billing/client_secret` ->
    `client_secret`), or the whole key when it has none."""
    leaf = key.rstrip("/").rsplit("/", 1)[-1]
    return leaf or key


def sniff_kind(value: bytes) -> str | None:
    """`json` or `yaml` when the value is such a document, else None."""
    head = value.lstrip()[:1]
    if head in (b"{", b"["):
        try:
            json.loads(value)
        except ValueError:
            return None
        return JSON
    if b"\n" in value.strip() and _YAML_ENTRY.search(value):
        return YAML
    return None


def value_artifact(uri: str, key: str, value: bytes, *, secret_store: bool = False) -> Artifact:
    """One stored value as an artifact the rules can read (see the module doc)."""
    kind = sniff_kind(value)
    if kind is not None:
        return Artifact(uri=uri, data=value, size=len(value), kind=kind, secret_store=secret_store)
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        # Not text: scanned as is (the engine notes binaries and Latin-1).
        return Artifact(uri=uri, data=value, size=len(value), kind=TEXT, secret_store=secret_store)
    doc = (json.dumps({leaf_name(key): text}, ensure_ascii=False) + "\n").encode("utf-8")
    return Artifact(uri=uri, data=doc, size=len(doc), kind=JSON, secret_store=secret_store)
