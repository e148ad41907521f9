"""NHG103: secrets pasted into MCP and agent client configs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

from nhiguard.document import Document
from nhiguard.filekinds import JSON, TOML, YAML
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid
from nhiguard.tree.node import Node

from ._config import agent_config_label, assignments, locate
from ._values import (
    fake_key,
    is_auth_header,
    is_secret_name,
    looks_secret,
    secret_part,
)

# Where clients keep their servers: Claude/Cursor/Gemini/Windsurf/Roo `mcpServers`,
# VS Code `servers` (and `mcp.servers` in settings.json), Codex `mcp_servers`,
# Zed `context_servers`.
_CONTAINERS = ("mcpServers", "servers", "mcp_servers", "context_servers")
_URL_KEYS = ("url", "serverUrl", "httpUrl", "uri", "endpoint")

Candidate = tuple[str, str, Node, str | None]  # key, value, node, server name


class McpConfigInlineSecret(Rule):
    """
    ## What it does
    Finds literal secrets in MCP and agent client configs: `mcp.json`,
    `.mcp.json`, `.cursor/mcp.json`, `.vscode/mcp.json`, `.gemini/settings.json`,
    `.roo/mcp.json`, `claude_desktop_config.json`, `.claude/settings.json`
    (and `settings.local.json`), Windsurf `mcp_config.json`, Codex
    `.codex/config.toml` and similar. It reads every server's `env`,
    `headers` (including `Authorization: Bearer <token>`), `args` such as
    `--api-key <value>` or `-e KEY=value`, and secret query parameters of
    server URLs. A value counts when its key names a credential and the
    value looks random; `${VAR}`, `${env:VAR}` and `${input:id}` references
    do not count.

    A value in a known provider format (`ghp_...`, `sk-ant-...`) is reported
    by NHG101 (or NHG105), and an OAuth client secret by NHG102: when those
    rules run, not again here.

    ## Why is this bad?
    These files are committed so that a whole team shares the same tools, and
    they end up in dotfile repositories and support bundles. A token pasted
    into one gives every reader the agent's access to the tool behind it,
    with no owner, no expiry and no way to tell which agent used it.

    ## Example
    ```json
    {"mcpServers": {"search": {"command": "npx", "args": ["-y", "search-mcp"],
      "env": {"SEARCH_API_KEY": "********"}}}}
    ```

    ## Use instead
    ```json
    {"mcpServers": {"search": {"command": "npx", "args": ["-y", "search-mcp"],
      "env": {"SEARCH_API_KEY": "${SEARCH_API_KEY}"}}}}
    ```
    Rotate the exposed token. Reference the environment (`${VAR}` in Claude
    Code and Cursor, `${input:id}` prompts with `"password": true` in VS Code),
    or use the server's OAuth flow so the client gets short-lived tokens.
    """

    id = "NHG103"
    name = "McpConfigInlineSecret"
    kind = "kind/long-lived-secret"
    severity = "high"
    precision = "high"
    summary = "Literal secret in an MCP or agent client config."
    taxa = ("A1", "MAESTRO-L6", "NHI2:2025", "NHI7:2025", "ASI03:2026", "CWE-798", "CWE-522")
    literal_secret = True
    keywords = ("servers", "env", "headers")
    file_kinds = frozenset({JSON, TOML, YAML})
    superseded_by = ("NHG101", "NHG105", "NHG102", "NHG207")

    VALID = [
        Valid('{"mcpServers": {"docs": {"url": "https://mcp.example.com/mcp",\n'
              '  "headers": {"X-API-Key": "${DOCS_API_KEY}"}}}}\n', path=".mcp.json"),
        Valid('{"servers": {"db": {"command": "db-mcp", "env": {"PW": "${input:db-password}"}}},\n'
              ' "inputs": [{"id": "db-password", "type": "promptString", "password": true}]}\n',
              path=".vscode/mcp.json"),
        Valid('{"mcpServers": {"s": {"env": {"API_TOKEN": "<paste-your-token>", '
              '"LOG_LEVEL": "debug", "MAX_TOKENS": "4096"}}}}\n', path=".cursor/mcp.json"),
        Valid('{"mcpServers": {"s": {"headers": {"Authorization": "Bearer ${env:TOKEN}"}}}}\n',
              path=".gemini/settings.json"),
        Valid(f'{{"mcpServers": {{"s": {{"env": {{"API_KEY": "{fake_key("", 32)}"}}}}}}}}\n',
              path="config/settings.json"),
    ]
    INVALID = [
        Invalid(f'{{\n  "mcpServers": {{\n    "search": {{\n      "command": "npx",\n'
                f'      "env": {{"SEARCH_API_KEY": "{fake_key("", 32)}"}}\n    }}\n  }}\n}}\n',
                path=".cursor/mcp.json", line=5),
        Invalid(f'{{"mcpServers": {{"crm": {{"httpUrl": "https://crm.example.com/mcp",\n'
                f'  "headers": {{"Authorization": "Bearer {fake_key("", 40)}"}}}}}}}}\n',
                path=".gemini/settings.json", line=2),
        Invalid(f'{{"servers": {{"t": {{"type": "stdio", "command": "docker",\n'
                f'  "args": ["run", "-e", "TRACKER_TOKEN={fake_key("", 28)}", "tracker-mcp"]}}}}}}\n',
                path=".vscode/mcp.json", line=2),
        Invalid(f'{{"env": {{"ACME_API_KEY": "{fake_key("", 36)}"}}}}\n', path=".claude/settings.json"),
        Invalid(f'[mcp_servers.wiki]\ncommand = "wiki-mcp"\nargs = ["--api-key", "{fake_key("", 30)}"]\n',
                path=".codex/config.toml", line=3),
        Invalid(f'{{"mcpServers": {{"hooks": {{"serverUrl": '
                f'"https://hooks.example.com/sse?token={fake_key("", 32)}"}}}}}}\n',
                path="claude_desktop_config.json"),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        label = agent_config_label(doc.uri)
        if label is None or doc.tree is None:
            return
        seen: set[tuple[int, int]] = set()
        for root in doc.tree.documents:
            for key, value, node, server in _candidates(root):
                value = secret_part(value) if is_auth_header(key) else value
                if not looks_secret(value):
                    continue
                line, column = locate(doc, node.pos_line, value, node.pos_column)
                if (line, column) in seen:
                    continue
                seen.add((line, column))
                where = f" of MCP server `{server}`" if server else ""
                yield self.report(doc, line, column, f"Literal secret in `{key}`{where} ({label}).",
                                  end_column=column + len(value), secret=value)


def _candidates(root: Node) -> Iterator[Candidate]:
    """Secret-named values anywhere in the config, each with its server's name."""
    for path, key, value, node in assignments(root):
        server = _server_name(path)
        if key in _URL_KEYS:
            yield from _url_secrets(value, node, server)
        elif value.lstrip().startswith("{"):
            yield from _json_secrets(value, node, server)
        elif _wanted(key):
            yield key, value, node, server
    for path, node in root.walk():
        if path and path[-1] == "args" and node.is_sequence:
            yield from _flag_secrets(node, _server_name(path))


def _wanted(key: str) -> bool:
    return is_secret_name(key) or is_auth_header(key)


def _server_name(path: tuple[str | int, ...]) -> str | None:
    for i, part in enumerate(path[:-1]):
        if part in _CONTAINERS:
            return str(path[i + 1])
    return None


def _url_secrets(url: str, node: Node, server: str | None) -> Iterator[Candidate]:
    """`https://host/sse?api_key=...`: a secret in a query parameter."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return
    for name, value in parse_qsl(query):
        if _wanted(name):
            yield name, value, node, server


def _json_secrets(text: str, node: Node, server: str | None) -> Iterator[Candidate]:
    """An env value holding JSON headers, e.g. `OPENAPI_MCP_HEADERS`."""
    try:
        data = json.loads(text)
    except ValueError:
        return
    if isinstance(data, dict):
        for name, value in data.items():
            if isinstance(value, str) and _wanted(str(name)):
                yield str(name), value, node, server


def _flag_secrets(args: Node, server: str | None) -> Iterator[Candidate]:
    """`["--api-key", "<v>"]` and `["--api-key=<v>"]` in a server's arguments."""
    items = args.items
    for i, item in enumerate(items):
        text = item.text() if item.is_scalar else None
        if not text or not text.startswith("-"):
            continue
        flag, sep, inline = text.lstrip("-").partition("=")
        if not _wanted(flag):
            continue
        if sep:
            yield flag, inline, item, server
        elif i + 1 < len(items) and items[i + 1].is_scalar:
            value = items[i + 1].text() or ""
            if not value.startswith("-"):
                yield flag, value, items[i + 1], server
