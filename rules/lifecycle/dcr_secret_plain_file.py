"""NHG403: client code that writes a DCR-minted client secret to a plain file."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import JAVASCRIPT, PYTHON, TYPESCRIPT
from nhiguard.finding import Finding
from nhiguard.pyast import dotted_name
from nhiguard.rule import Invalid, Rule, Valid

# The hook an OAuth client calls with a fresh registration (MCP SDKs:
# `TokenStorage.set_client_info`, `OAuthClientProvider.saveClientInformation`).
_PY_HOOK = re.compile(r"(?:set|save|store|write|persist)_client_info(?:rmation)?")
_JS_HOOK = re.compile(
    r"\bsaveClientInformation\s*(?:\(|[:=]\s*(?:async\s*)?(?:\([^()]*\)|\w+)\s*=>\s*\{)")
_JS_WRITE = re.compile(r"\b(?:(?:local|session)Storage\.setItem|writeFile(?:Sync)?|appendFile(?:Sync)?)"
                       r"\s*\(")
# A secret store or encryption in the file: the write is of ciphertext or a handle.
_PROTECTED = re.compile(r"keyring|keytar|keychain|safeStorage|\bkms\b|vault|hvac|secretmanager|"
                        r"secretsmanager|secret_manager|fernet|encrypt", re.I)
# Calls that write their payload to a file.
_PY_DUMPS = ("json.dump", "pickle.dump", "yaml.dump", "yaml.safe_dump", "toml.dump")
_PY_WRITES = ("write_text", "write_bytes")
# Serialising the whole registration keeps its secret.
_WHOLE = re.compile(r"model_dump|\.dict\(|\.json\(|__dict__|asdict|JSON\.stringify\(\s*\w+\s*\)")
_SECRET_FIELD = re.compile(r"client_secret|clientSecret|registration_access_token")


class DcrSecretPlainFile(Rule):
    """
    ## What it does
    Finds OAuth client code that stores a dynamically registered client in a
    plain file or browser storage: Python `set_client_info` /
    `save_client_information` implementations that write the registration
    with `open().write`, `json.dump` or `Path.write_text`, and JavaScript or
    TypeScript `saveClientInformation` implementations that call
    `fs.writeFile` or `localStorage.setItem`. A write counts when it carries
    the whole registration (which holds `client_secret` and
    `registration_access_token`) or names one of those fields; writing only
    the `client_id` does not. A file that uses a keyring, a KMS, Vault, a
    secret manager or encryption is left alone.

    ## Why is this bad?
    Dynamic registration hands the client a secret that usually never
    expires. Written to `~/.app/client.json` or `localStorage` it is readable
    by every process of the user, every browser script on the origin, every
    backup and every support bundle, and keeps working long after the agent
    is gone (OWASP NHI7 Long-Lived Secrets, NHI6).

    ## Example
    ```python
    class FileStorage(TokenStorage):
        async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
            self.path.write_text(client_info.model_dump_json())
    ```

    ## Use instead
    Keep it in the OS keyring or a secret manager, and prefer public clients
    (`token_endpoint_auth_method: none` with PKCE) that have no secret:
    ```python
    import keyring

    class KeyringStorage(TokenStorage):
        async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
            keyring.set_password("my-agent", "client", client_info.model_dump_json())
    ```
    """

    id = "NHG403"
    name = "DcrSecretPlainFile"
    kind = "kind/long-lived-secret"
    severity = "medium"
    precision = "medium"
    summary = "Client code writes a dynamically registered client secret to a plain file or local storage."
    taxa = ("NHI-03", "MAESTRO-L6", "NHI7:2025", "NHI6:2025", "CWE-324", "CWE-798")
    keywords = ("set_client_info", "save_client_info", "store_client_info", "write_client_info",
                "persist_client_info", "saveClientInformation")
    file_kinds = frozenset({PYTHON, JAVASCRIPT, TYPESCRIPT})
    scans_tests = False

    VALID = [
        Valid("import keyring\n\nclass Store:\n"
              "    async def set_client_info(self, client_info):\n"
              "        keyring.set_password('agent', 'client', client_info.model_dump_json())\n"),
        Valid("import json\n\nclass Store:\n"
              "    def set_client_info(self, client_info):\n"
              "        with open(self.path, 'w') as f:\n"
              "            json.dump({'client_id': client_info.client_id}, f)\n"),
        Valid("class Provider {\n  saveClientInformation(info) {\n"
              "    this.memory.set('client', info);\n  }\n}\n", path="provider.ts"),
    ]
    INVALID = [
        Invalid("class FileStorage:\n"
                "    async def set_client_info(self, client_info):\n"
                "        self.path.write_text(client_info.model_dump_json())\n", line=3),
        Invalid("import json\n\ndef save_client_information(info):\n"
                "    with open('client.json', 'w') as f:\n"
                "        json.dump(info, f)\n", line=5),
        Invalid("class Provider {\n  async saveClientInformation(info: OAuthClientInformation) {\n"
                "    localStorage.setItem('mcp-client', JSON.stringify(info));\n  }\n}\n",
                path="provider.ts", line=3),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        found = self._python(doc) if doc.kind == PYTHON else self._javascript(doc)
        first = next(found, None)
        # Asked only of a file with a finding: the case-insensitive search reads every
        # character, and most files with a registration hook write no plain file.
        if first is None or _PROTECTED.search(doc.text):
            return
        yield first
        yield from found

    # -- Python ------------------------------------------------------------------------------
    def _python(self, doc: Document) -> Iterator[Finding]:
        view = doc.python
        if view is None:
            return
        for function in view.functions:
            if not _PY_HOOK.fullmatch(function.name):
                continue
            params = {a.arg for a in function.args.args + function.args.kwonlyargs} - {"self", "cls"}
            opens_file = any(isinstance(n, ast.Call) and (dotted_name(n.func) or "").endswith("open")
                             for n in ast.walk(function))
            for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
                how = _python_write(call, opens_file)
                if how and _carries_secret(doc, function, call, params):
                    line, column = view.pos(call)
                    yield self.report(doc, line, column,
                                      f"`{function.name}` writes the registered client (and its "
                                      f"secret) to a plain file with `{how}`; keep it in the OS "
                                      "keyring or a secret manager.")

    # -- JavaScript / TypeScript -----------------------------------------------------------
    def _javascript(self, doc: Document) -> Iterator[Finding]:
        js = doc.js
        if js is None:
            return
        for m in _JS_HOOK.finditer(js.masked):
            if js.masked[m.start() - 1:m.start()] == ".":
                continue  # a call, not the implementation
            body_open = js.masked.find("{", m.end() - 1)
            if m.group(0).endswith("("):
                close = js.match_close(m.end() - 1)
                after = js.masked[close + 1:close + 200] if close >= 0 else ""
                # `(...) {` or `(...): Promise<void> {`: a definition; anything else is a call.
                if not re.match(r"\s*(?::[^{;]*)?\{", after):
                    continue
                body_open = close + 1 + after.index("{")
            body_close = js.match_close(body_open)
            if body_close < 0:
                continue
            for w in _JS_WRITE.finditer(js.masked, body_open, body_close):
                args_close = js.match_close(w.end() - 1)
                payload = js.text[w.end():args_close] if args_close > 0 else ""
                if _WHOLE.search(payload) or _SECRET_FIELD.search(payload) or \
                        "client_id" not in payload:
                    line, column = doc.position(w.start())
                    yield self.report(doc, line, column,
                                      "The client registration hook writes the registered client "
                                      "(and its secret) to plain storage; keep it in the OS "
                                      "keychain or a secret manager.")


def _python_write(call: ast.Call, opens_file: bool) -> str | None:
    """How a call writes to a file (`json.dump`, `write_text`, `write`), else None."""
    name = dotted_name(call.func) or ""
    if name in _PY_DUMPS:
        return name
    if isinstance(call.func, ast.Attribute):
        if call.func.attr in _PY_WRITES:
            return call.func.attr
        if call.func.attr == "write" and opens_file:
            return "open().write"
    return None


def _carries_secret(doc: Document, function: ast.AST, call: ast.Call, params: set[str]) -> bool:
    """The written payload is the whole registration or names its secret."""
    payload = [a for a in call.args if not (isinstance(a, ast.Name) and a.id in ("f", "fp", "fh"))]
    texts = [ast.get_source_segment(doc.text, a) or "" for a in payload]
    # One level of names assigned in the function: `data = info.model_dump()`.
    names = {n.id for a in payload for n in ast.walk(a) if isinstance(n, ast.Name)}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in names
                                                for t in node.targets):
            texts.append(ast.get_source_segment(doc.text, node.value) or "")
            names |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
    text = " ".join(texts)
    if _WHOLE.search(text) or _SECRET_FIELD.search(text):
        return True
    # The parameter itself, passed whole (`json.dump(info, f)`), not just `info.client_id`.
    bare = {a.id for a in payload if isinstance(a, ast.Name)}
    return bool(bare & params)
