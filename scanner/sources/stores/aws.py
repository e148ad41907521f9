"""AWS Systems Manager Parameter Store (`ssm://REGION/PATH`) and Secrets
Manager (`secretsmanager://REGION/PREFIX`), through boto3 (the `aws` extra)
and the standard AWS credential chain: environment, shared config and
credentials files, SSO, container and instance roles. `AWS_ENDPOINT_URL`
(read by boto3 itself) points them at another endpoint.

- Parameter Store: every parameter under PATH, recursively, decrypted, one
  page at a time. Each becomes the JSON record `aws ssm get-parameter`
  prints (`Name`, `Type`, `Value`, `DataType`, `ARN`), so rule NHG106 can
  tell a secret kept as a plain `String` from a `SecureString`. A
  SecureString's value sits where secrets belong: the literal-secret rules
  stay silent on it, the registration and scope rules still read it.
- Secrets Manager: every secret whose name starts with PREFIX. Values are
  secrets by design, so they are checked only by the rules that judge what a
  stored secret is (a registration that never expires, a wildcard scope),
  never reported merely for being secrets. A secret that cannot be read
  (access denied, KMS, deleted) is a notification; the others are scanned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from ...filekinds import JSON
from ..files import Artifact
from . import Store, StoreError, StoreOptions, StoreUsageError, value_artifact

SSM_PAGE = 10  # GetParametersByPath returns at most 10 per page


def _boto3() -> Any:
    try:
        import boto3
    except ImportError as exc:
        raise StoreUsageError("AWS stores need boto3: pip install 'nhiguard[aws]'") from exc
    return boto3


def _client(service: str, region: str, options: StoreOptions) -> Any:
    from botocore.config import Config

    config = Config(connect_timeout=options.timeout, read_timeout=options.timeout,
                    retries={"max_attempts": 2, "mode": "standard"})
    return _boto3().session.Session().client(service, region_name=region, config=config)


def _why(exc: Exception) -> str:
    """An AWS failure in a line: the service's error code and message, or the
    client's own reason (no credentials, cannot connect)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
    return str(exc) or type(exc).__name__


def _aws_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _parse(uri: str, scheme: str) -> tuple[str, str]:
    parts = urlsplit(uri)
    if not parts.netloc:
        raise StoreUsageError(f"{uri}: no region ({scheme}://REGION/PATH)")
    return parts.netloc, parts.path


@dataclass
class SsmStore(Store):
    region: str = ""
    path: str = "/"

    def _uri(self, name: str) -> str:
        return f"ssm://{self.region}{quote(name if name.startswith('/') else '/' + name, safe='/')}"

    def artifacts(self) -> Iterator[Artifact]:
        client = _client("ssm", self.region, self.options)
        path = self.path.rstrip("/") or "/"
        pages = client.get_paginator("get_parameters_by_path").paginate(
            Path=path, Recursive=True, WithDecryption=True,
            PaginationConfig={"PageSize": SSM_PAGE})
        try:
            for page in pages:
                for p in page.get("Parameters", []):
                    yield self._artifact(p)
        except _aws_errors() as exc:
            raise StoreError(f"{self.uri}: {_why(exc)}") from exc

    def _artifact(self, p: dict[str, Any]) -> Artifact:
        name, kind = str(p.get("Name", "")), str(p.get("Type", ""))
        record = {"Name": name, "Type": kind, "Value": p.get("Value", ""),
                  "DataType": p.get("DataType", "text"), "ARN": p.get("ARN", "")}
        data = (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        return Artifact(uri=self._uri(name), data=data, size=len(data), kind=JSON,
                        secret_store=kind == "SecureString")


@dataclass
class SecretsManagerStore(Store):
    region: str = ""
    prefix: str = ""

    def _uri(self, name: str) -> str:
        return f"secretsmanager://{self.region}/{quote(name.lstrip('/'), safe='/')}"

    def artifacts(self) -> Iterator[Artifact]:
        client = _client("secretsmanager", self.region, self.options)
        kwargs: dict[str, Any] = {"PaginationConfig": {"PageSize": 100}}
        if self.prefix:
            kwargs["Filters"] = [{"Key": "name", "Values": [self.prefix]}]
        errors = _aws_errors()
        listed = read = 0
        try:
            for page in client.get_paginator("list_secrets").paginate(**kwargs):
                for entry in page.get("SecretList", []):
                    name = str(entry.get("Name", ""))
                    if not name.startswith(self.prefix):  # the filter also matches inside names
                        continue
                    listed += 1
                    artifact = self._read(client, entry, errors)
                    if artifact is not None:
                        read += 1
                        yield artifact
        except errors as exc:
            raise StoreError(f"{self.uri}: {_why(exc)}") from exc
        if listed and not read:
            raise StoreError(f"{self.uri}: none of the {listed} secrets could be read")

    def _read(self, client: Any, entry: dict[str, Any],
              errors: tuple[type[Exception], ...]) -> Artifact | None:
        name = str(entry["Name"])
        uri = self._uri(name)
        try:
            value = client.get_secret_value(SecretId=entry.get("ARN") or name)
        except errors as exc:
            self.note(uri, f"could not read: {_why(exc)}", kind="unreadable")
            return None
        raw = value.get("SecretString")
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(value.get("SecretBinary") or b"")
        if self.too_large(uri, len(data)):
            return None
        return value_artifact(uri, name, data, secret_store=True)


def open_aws_store(uri: str, options: StoreOptions) -> Store:
    scheme = uri.split(":", 1)[0].lower()
    region, path = _parse(uri, scheme)
    _boto3()  # fail now, as a usage error, when the extra is missing
    if scheme == "ssm":
        return SsmStore(uri=uri, options=options, region=region, path=path or "/")
    return SecretsManagerStore(uri=uri, options=options, region=region, prefix=path.lstrip("/"))
