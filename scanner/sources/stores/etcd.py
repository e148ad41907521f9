"""etcd v3 through its HTTP/JSON gateway (`POST /v3/kv/range`, keys and
values base64), with the standard library alone.

`etcd://HOST:PORT/PREFIX` reads every key that starts with PREFIX (the URI
path, leading `/` included; no path: every key), one page of
`page_size` keys per request, each page continuing after the last key of the
one before and pinned to the revision of the first, so the scan sees one
consistent snapshot and memory holds one page at a time.

TLS: `--store-ca` (server CA), `--store-cert`/`--store-key` (client
certificate); any of them switches to https. Authentication: `ETCD_USERNAME`
and `ETCD_PASSWORD` from the environment, exchanged for a token at
`/v3/auth/authenticate`; never from the command line.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote, urlsplit

from ..files import Artifact
from . import Store, StoreError, StoreOptions, StoreUsageError, value_artifact


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def prefix_end(prefix: bytes) -> bytes:
    """The first key after every key that starts with `prefix` (etcd's
    `--prefix` rule); b"\\0" (to the end) for the empty prefix."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return b"\0"
    return trimmed[:-1] + bytes([trimmed[-1] + 1])


@dataclass
class EtcdStore(Store):
    host: str = "127.0.0.1"
    port: int = 2379
    prefix: bytes = b""
    _token: str | None = field(default=None, repr=False)

    @classmethod
    def from_uri(cls, uri: str, options: StoreOptions) -> EtcdStore:
        parts = urlsplit(uri)
        try:
            port = parts.port or 2379
        except ValueError as exc:
            raise StoreUsageError(f"{uri}: bad port") from exc
        if not parts.hostname:
            raise StoreUsageError(f"{uri}: no host (etcd://HOST:PORT/PREFIX)")
        if parts.username or parts.password:
            raise StoreUsageError(f"{uri}: credentials do not belong in the URI; set ETCD_USERNAME "
                                  "and ETCD_PASSWORD")
        return cls(uri=uri, options=options, host=parts.hostname, port=port,
                   prefix=parts.path.encode("utf-8"))

    # -- HTTP ------------------------------------------------------------------------
    @property
    def _tls(self) -> bool:
        o = self.options
        return bool(o.ca or o.cert or o.key)

    @cached_property
    def _context(self) -> ssl.SSLContext | None:
        if not self._tls:
            return None
        o = self.options
        try:
            ctx = ssl.create_default_context(cafile=o.ca)
            if o.cert:
                ctx.load_cert_chain(o.cert, o.key)
        except (OSError, ssl.SSLError) as exc:
            raise StoreUsageError(f"{self.uri}: cannot load TLS files: {exc}") from exc
        return ctx

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        scheme = "https" if self._tls else "http"
        headers = {"Content-Type": "application/json"}
        if self._token:
            headers["Authorization"] = self._token
        request = urllib.request.Request(f"{scheme}://{self.host}:{self.port}{path}",
                                         data=json.dumps(body).encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.options.timeout,
                                        context=self._context) as response:
                reply: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise StoreError(f"{self.uri}: {_gateway_error(exc)}") from exc
        except urllib.error.URLError as exc:
            reason = exc.reason.strerror if isinstance(exc.reason, OSError) else exc.reason
            raise StoreError(f"{self.uri}: cannot connect: {reason or exc}") from exc
        except TimeoutError as exc:
            raise StoreError(f"{self.uri}: timed out after {self.options.timeout:g} s") from exc
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.uri}: bad reply: {exc}") from exc
        if "error" in reply and "kvs" not in reply:  # gRPC errors inside a 200 (old gateways)
            raise StoreError(f"{self.uri}: {reply.get('error') or reply.get('message')}")
        return reply

    def _authenticate(self) -> None:
        user, password = os.environ.get("ETCD_USERNAME"), os.environ.get("ETCD_PASSWORD")
        if not user:
            return
        reply = self._post("/v3/auth/authenticate", {"name": user, "password": password or ""})
        self._token = reply.get("token")

    # -- keys ------------------------------------------------------------------------
    def key_uri(self, key: bytes) -> str:
        """The key's URI; bytes that are not URI-safe (or not UTF-8) are %-escaped."""
        path = quote(key if key.startswith(b"/") else b"/" + key, safe="/:@!$&'()*+,;=-._~")
        return f"etcd://{self.host}:{self.port}{path}"

    def pages(self) -> Iterator[list[dict[str, Any]]]:
        """The key-value records under the prefix, one page at a time."""
        self._authenticate()
        start, end = self.prefix or b"\0", prefix_end(self.prefix)
        revision = 0
        while True:
            body: dict[str, Any] = {"key": _b64(start), "range_end": _b64(end),
                                    "limit": self.options.page_size}
            if revision:
                body["revision"] = revision
            reply = self._post("/v3/kv/range", body)
            revision = revision or int(reply.get("header", {}).get("revision", 0))
            kvs = reply.get("kvs", [])
            if kvs:
                yield kvs
            if not reply.get("more") or not kvs:
                return
            start = base64.b64decode(kvs[-1]["key"]) + b"\0"

    def artifacts(self) -> Iterator[Artifact]:
        for page in self.pages():
            for kv in page:
                key = base64.b64decode(kv["key"])
                value = base64.b64decode(kv.get("value", ""))
                uri = self.key_uri(key)
                if self.too_large(uri, len(value)):
                    continue
                yield value_artifact(uri, key.decode("utf-8", "replace"), value)


def _gateway_error(exc: urllib.error.HTTPError) -> str:
    """The gateway's own words for a refused request (`permission denied`,
    `authentication failed, invalid user ID or password`), else the HTTP status."""
    try:
        detail = json.loads(exc.read() or b"{}")
    except (OSError, ValueError):
        detail = {}
    message = detail.get("error") or detail.get("message")
    return f"HTTP {exc.code}: {message}" if message else f"HTTP {exc.code} {exc.reason}"
