"""NHG104: secrets copied into long-lived config stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from nhiguard.document import Document
from nhiguard.filekinds import CONFIG_KINDS, ENV, HCL, INI, JSON, TOML, YAML
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid
from nhiguard.tree.node import Node

from ._config import (
    assignments,
    file_name,
    in_kubernetes_secret,
    is_lock_file,
    is_template_file,
    kubernetes_kind,
    locate,
)
from ._gate import config_may_hold_secret, may_hold_secret, strict_json
from ._providers import find_provider_keys
from ._values import (
    SECRET_KEY_PAIRS,
    decode_base64,
    fake_key,
    is_auth_header,
    is_public_name,
    is_secret_by_container,
    is_secret_name,
    looks_secret,
    minimal_keywords,
    secret_part,
)

_ENCRYPTED_KINDS = ("SealedSecret", "EncryptedSecret")
_KIND_LABELS = {ENV: ".env file", TOML: "TOML settings", INI: "INI settings", JSON: "JSON config",
                HCL: "Terraform file"}


def _name_keywords() -> tuple[str, ...]:
    keyed = {f"{w}{sep}key" for w in SECRET_KEY_PAIRS for sep in ("_", "-", "")}
    return minimal_keywords(keyed | {"secret", "token", "passw", "pwd", "passphrase", "credential",
                                     "_pass", "-pass", "authorization", "creds", "key-data"})


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


class SecretInConfigStore(Rule):
    """
    ## What it does
    Finds literal secrets in files that configure deployments and stay
    around for years: Kubernetes ConfigMaps and Secret manifests (base64
    `data` is decoded and judged), Helm `values.yaml`, docker-compose
    `environment` (map and list forms), GitHub Actions `env`, committed
    `.env` files, INI and TOML settings, JSON configs and Terraform
    `.tfvars`/`.tf` files. A value counts when its key names a credential
    (`*_API_KEY`, `*_TOKEN`, `*_SECRET`, `*PASSWORD`, `Authorization`, or a
    key under `secrets:`/`credentials:`), and the value is random-looking:
    references such as `${VAR}`, `{{ .Values.x }}`, `secretKeyRef`, vault or
    SSM paths, placeholders, hashes and UUIDs are not.

    Precedence: a value in a known provider format is reported by NHG101, an
    OAuth client secret by NHG102, a secret in an MCP or agent client
    config by NHG103, and a secret in a plain SSM parameter by NHG106; when
    those rules run, this rule reports what is left on other spans. Template
    files such as `.env.example` are skipped.

    ## Why is this bad?
    A ConfigMap is not encrypted and is readable by anyone who can read the
    namespace; a Secret manifest in git is only base64. Values files, compose
    files and `.env` files are copied into every environment, image and
    backup, so the credential outlives the agent it was made for and can no
    longer be rotated without hunting down every copy.

    ## Example
    ```yaml
    kind: ConfigMap
    data:
      SEARCH_API_KEY: "********"
    ```

    ## Use instead
    ```yaml
    env:
      - name: SEARCH_API_KEY
        valueFrom:
          secretKeyRef: {name: search-api, key: api-key}
    ```
    Rotate the credential, keep it in a secret manager (External Secrets,
    Vault, SOPS-encrypted files) and reference it; commit `.env.example`
    with placeholders instead of `.env`.
    """

    id = "NHG104"
    name = "SecretInConfigStore"
    kind = "kind/long-lived-secret"
    severity = "high"
    precision = "medium"
    summary = "Literal secret copied into a long-lived config store."
    taxa = ("NHI2:2025", "NHI6:2025", "NHI7:2025", "CWE-312", "CWE-798")
    literal_secret = True
    keywords = _name_keywords()
    file_kinds = CONFIG_KINDS
    superseded_by = ("NHG101", "NHG105", "NHG102", "NHG207", "NHG103", "NHG106")

    VALID = [
        Valid("env:\n  - name: API_KEY\n    valueFrom:\n      secretKeyRef: {name: s, key: k}\n",
              path="deploy.yaml"),
        Valid("apiVersion: v1\nkind: ConfigMap\ndata:\n  LOG_LEVEL: debug\n  TOKEN_TTL: '300'\n"
              "  TOKEN_URL: https://auth.example.com/oauth/token\n", path="cm.yaml"),
        Valid("services:\n  app:\n    environment:\n      - DB_PASSWORD=${DB_PASSWORD}\n"
              "      - API_TOKEN=${{ secrets.API_TOKEN }}\n      - SECRET_KEY=changeme\n",
              path="docker-compose.yml"),
        Valid("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata:\n"
              "  username: YWRtaW4=\n  password: cGFzc3dvcmQ=\n", path="secret.yaml"),
        Valid(f"API_KEY={fake_key('', 32)}\n", path=".env.example"),
        Valid('auth:\n  password: "vault:secret/data/agent#password"\n  token: "**********"\n'
              '  sessionSecret: 6f1c2a4e-9b3d-4c5e-8f7a-1b2c3d4e5f60\n', path="values.yaml"),
        Valid('db_password_hash = "$2b$12$KIXQJQk8pQbGd9t6l1Q0hO8b5m6Gq2m3X8n1r7Yw0cQe9sT4uV2aW"\n',
              path="terraform.tfvars"),
    ]
    INVALID = [
        Invalid(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: agent}}\ndata:\n"
                f"  SEARCH_API_KEY: \"{fake_key('', 32)}\"\n", path="cm.yaml", line=5),
        Invalid(f"services:\n  agent:\n    environment:\n      - TRACKER_TOKEN={fake_key('', 40)}\n",
                path="docker-compose.yml", line=4),
        Invalid(f"apiVersion: v1\nkind: Secret\nmetadata: {{name: agent}}\ndata:\n"
                f"  api-token: {_b64(fake_key('', 40))}\n", path="secret.yaml", line=5),
        Invalid(f"WEBHOOK_SECRET={fake_key('', 32)}\n", path=".env"),
        Invalid(f'vendor_api_key = "{fake_key("", 36)}"\n', path="prod.tfvars"),
        Invalid(f"[database]\nhost = db.internal\npassword = {fake_key('', 24)}\n", path="app.ini",
                line=3),
        Invalid(f"agent:\n  secrets:\n    search: {fake_key('', 32)}\n", path="values.yaml", line=3),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        uri = doc.uri
        if is_lock_file(uri) or is_template_file(uri):
            return
        if doc.kind == HCL:
            yield from self._hcl(doc)
            return
        # Most config files name a secret only to reference it (`secretKeyRef`,
        # `${{ secrets.X }}`): when no literal can be reported, skip the parse.
        structured = doc.kind in (YAML, JSON)
        if not (config_may_hold_secret(doc.text, strict_json(doc)) if structured
                else may_hold_secret(doc.text)):
            return
        if doc.tree is None:
            return
        seen: set[tuple[int, int]] = set()
        for root in doc.tree.documents:
            for finding in self._document(doc, root):
                if (finding.line, finding.column) not in seen:
                    seen.add((finding.line, finding.column))
                    yield finding

    def _document(self, doc: Document, root: Node) -> Iterator[Finding]:
        kind = kubernetes_kind(root)
        if kind in _ENCRYPTED_KINDS:
            return
        where = _where(doc, root, kind)
        for path, key, value, node in assignments(root):
            if key.lower() == "default" and len(path) > 1 and isinstance(path[-2], str):
                key = path[-2]  # CloudFormation parameter or JSON-schema property default
            if in_kubernetes_secret(root, path):
                yield from self._secret_manifest(doc, path, key, value, node, where)
                continue
            if key.lower().endswith("key-data"):  # kubeconfig `client-key-data`: a base64 PEM key
                decoded = decode_base64(value)
                if decoded and "PRIVATE KEY" in decoded and looks_secret(decoded):
                    yield self._finding(doc, node, key, value, where)
                continue
            if not (_wanted(key) or is_secret_by_container(path)):
                continue
            value = secret_part(value) if is_auth_header(key) else value
            if looks_secret(value):
                yield self._finding(doc, node, key, value, where)

    def _secret_manifest(self, doc: Document, path: tuple[str | int, ...], key: str, value: str,
                         node: Node, where: str) -> Iterator[Finding]:
        """`data` is base64: decode and judge; `stringData` is judged as it is."""
        if is_public_name(key):
            return
        if path[0] == "stringData":
            if looks_secret(value):
                yield self._finding(doc, node, key, value, where)
            return
        decoded = decode_base64(value)
        if decoded is None:
            return
        providers = [k.provider.name for k in find_provider_keys(decoded)]
        if providers or looks_secret(decoded):
            what = f"Literal {providers[0]}" if providers else "Literal secret"
            line, column = locate(doc, node.pos_line, value, node.pos_column)
            yield self.report(doc, line, column, f"{what} in `{key}` ({where}, base64-encoded).",
                              end_column=column + len(value), secret=value)

    def _finding(self, doc: Document, node: Node, key: str, value: str, where: str) -> Finding:
        line, column = locate(doc, node.pos_line, value, node.pos_column)
        return self.report(doc, line, column, f"Literal secret in `{key}` ({where}).",
                           end_column=column + len(value), secret=value)

    def _hcl(self, doc: Document) -> Iterator[Finding]:
        """Terraform: literal strings under credential names, anywhere in the
        tree (`.tfvars` pairs, resource arguments, `variable "x" { default }`).
        References and `${...}` templates are expressions, not literals."""
        if not may_hold_secret(doc.text) or doc.tree is None:
            return
        for root in doc.tree.documents:
            for path, key, node in root.pairs():
                if not node.is_scalar or node.tag is not None or not isinstance(node.value, str):
                    continue
                if key == "default" and path[:1] == ("variable",) and len(path) == 3:
                    key = str(path[1])
                value = node.value
                if _wanted(key) and looks_secret(value):
                    line, column = locate(doc, node.pos_line, value, node.pos_column)
                    yield self.report(doc, line, column,
                                      f"Literal secret in `{key}` (Terraform file).",
                                      end_column=column + len(value), secret=value)


def _wanted(key: str) -> bool:
    return is_secret_name(key) or is_auth_header(key)


def _where(doc: Document, root: Node, kind: str | None) -> str:
    """Where the value sits, for the message: `Kubernetes ConfigMap agent`, `Helm values`."""
    if kind == "Config":
        return "kubeconfig"
    if kind:
        meta = root.get("metadata")
        name = meta.get("name") if meta is not None and meta.is_mapping else None
        return f"Kubernetes {kind}" + (f" `{name.text()}`" if name is not None and name.text() else "")
    name = file_name(doc.uri)
    if "compose" in name and doc.kind not in (JSON, TOML, INI, ENV):
        return "docker-compose file"
    if name.startswith("values") and doc.kind not in (JSON, TOML, INI, ENV):
        return "Helm values"
    if "/.github/workflows/" in "/" + PurePosixPath(doc.uri).as_posix():
        return "GitHub Actions workflow"
    return _KIND_LABELS.get(doc.kind, "YAML config")
