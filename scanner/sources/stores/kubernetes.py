"""Kubernetes objects as `kubectl get ... -o yaml|json` prints them, from a
file (`kubernetes:dump.yaml`) or standard input (`kubernetes:-`, or just
`-`): a `List` with `items`, or one object, or several YAML documents.

Each ConfigMap and Secret key becomes an artifact of its own (Secret `data`
base64-decoded, `stringData` as is), named
`kubernetes:///namespaces/NS/secrets/NAME/KEY`; a Secret's values sit in a
store meant for secrets, so only the rules that judge what a stored secret
is (a registration that never expires, a wildcard scope) read them. Every
other object (ServiceAccounts, Roles and bindings, workloads) is scanned
whole, as YAML, at `kubernetes:///namespaces/NS/KIND/NAME`. What the API
server adds and that only repeats the object (`metadata.managedFields`, the
`last-applied-configuration` annotation) is left out, so nothing is
reported twice.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import yaml

from ...filekinds import YAML
from ..files import Artifact
from . import Store, StoreError, StoreOptions, StoreUsageError, value_artifact

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def plural(kind: str) -> str:
    """`ConfigMap` -> `configmaps`, `NetworkPolicy` -> `networkpolicies`, `Ingress` -> `ingresses`."""
    low = kind.lower()
    if low.endswith("y") and not low.endswith(("ay", "ey", "oy")):
        return low[:-1] + "ies"
    return low + ("es" if low.endswith(("s", "x", "ch", "sh")) else "s")


def _segment(text: str) -> str:
    return quote(text, safe="")


@dataclass
class KubernetesExport(Store):
    path: str = "-"

    @classmethod
    def from_uri(cls, uri: str, options: StoreOptions) -> KubernetesExport:
        path = ("-" if uri == "-" else uri.split(":", 1)[1]) or "-"
        if path != "-" and not os.path.isfile(path):
            raise StoreUsageError(f"{uri}: no such file")
        return cls(uri=uri, options=options, path=path)

    def _read(self) -> bytes:
        try:
            if self.path == "-":
                data = sys.stdin.buffer.read(self.options.max_bytes + 1)
            else:
                with open(self.path, "rb") as fh:
                    data = fh.read(self.options.max_bytes + 1)
        except OSError as exc:
            raise StoreError(f"{self.uri}: cannot read: {exc.strerror or exc}") from exc
        if len(data) > self.options.max_bytes:
            raise StoreError(f"{self.uri}: over the {self.options.max_bytes}-byte size cap")
        return data

    def _documents(self, data: bytes) -> list[Any]:
        try:
            if data.lstrip()[:1] in (b"{", b"["):
                return [json.loads(data)]
            return [d for d in yaml.load_all(data, Loader=_Loader) if d is not None]
        except (ValueError, yaml.YAMLError) as exc:
            raise StoreError(f"{self.uri}: not kubectl JSON or YAML output: "
                             f"{str(exc).splitlines()[0]}") from exc

    def artifacts(self) -> Iterator[Artifact]:
        for doc in self._documents(self._read()):
            items = doc.get("items") if isinstance(doc, dict) and "items" in doc else [doc]
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and item.get("kind") and isinstance(item.get("metadata"), dict):
                    yield from self._item(item)
                else:
                    self.note(self.uri, "skipped an entry that is not a Kubernetes object", "note")

    def _item(self, item: dict[str, Any]) -> Iterator[Artifact]:
        kind, meta = str(item["kind"]), item["metadata"]
        namespace = meta.get("namespace")
        where = f"namespaces/{_segment(str(namespace))}/" if namespace else ""
        base = f"kubernetes:///{where}{plural(kind)}/{_segment(str(meta.get('name', '')))}"
        if kind in ("ConfigMap", "Secret"):
            yield from self._keys(base, item, secret=kind == "Secret")
            return
        meta = {k: v for k, v in meta.items() if k != "managedFields"}
        annotations = meta.get("annotations")
        if isinstance(annotations, dict) and LAST_APPLIED in annotations:
            meta["annotations"] = {k: v for k, v in annotations.items() if k != LAST_APPLIED}
        data = yaml.safe_dump({**item, "metadata": meta}, sort_keys=False,
                              allow_unicode=True).encode("utf-8")
        yield Artifact(uri=base, data=data, size=len(data), kind=YAML)

    def _keys(self, base: str, item: dict[str, Any], secret: bool) -> Iterator[Artifact]:
        # Which fields hold values, and whether each is base64-encoded.
        fields = {"data": True, "stringData": False} if secret else {"data": False, "binaryData": True}
        for field, encoded in fields.items():
            values = item.get(field)
            if not isinstance(values, dict):
                continue
            for key, value in values.items():
                uri = f"{base}/{_segment(str(key))}"
                if not isinstance(value, str):
                    continue
                raw = value.encode("utf-8")
                if encoded:
                    try:
                        raw = base64.b64decode(value, validate=True)
                    except (binascii.Error, ValueError):
                        self.note(uri, f"skipped: not base64, as `{field}` must be", kind="parse-error")
                        continue
                if not self.too_large(uri, len(raw)):
                    yield value_artifact(uri, str(key), raw, secret_store=secret)
