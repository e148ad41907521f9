"""NHG306: an agent or MCP tool allowlist that approves every tool."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nhiguard.document import Document
from nhiguard.filekinds import JSON, PYTHON, TOML, YAML
from nhiguard.finding import Finding
from nhiguard.rule import Invalid, Rule, Valid

from ._scopes import has_lone_star, may_spell
from ._sites import python_sites, tree_sites

# Keys that approve tools without asking; `tools` only inside an MCP/agent section.
_APPROVE_KEYS = frozenset({"alwaysallow", "autoapprove", "auto_approve", "allowed_tools",
                           "allowedtools", "auto_approve_tools", "trusted_tools"})
_WHOLE_SERVER = re.compile(r"mcp__[\w.-]+?(?:__\*)?")
_AGENT_SECTION = re.compile(r"mcp|server|agent", re.I)


# A key that is exactly `trust` (in lower-cased text; what comes before is checked
# at each match, so the pattern starts with its literal, which `re` finds fast).
_TRUST_KEY = re.compile(r"""trust["']?\s*[:=]""")
_KEY_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def _may_approve_all(text: str) -> bool:
    """Can a config file hold what this rule reports: a `*` scalar, a whole-server
    `mcp__` permission or a `trust` key? An escape could spell any of them: parse."""
    if may_spell(text) or has_lone_star(text):
        return True
    low = text.lower()
    return "mcp__" in low or any(m.start() == 0 or low[m.start() - 1] not in _KEY_CHARACTERS
                                 for m in _TRUST_KEY.finditer(low))


def _approve_key(key: str) -> bool:
    return key.lower() in _APPROVE_KEYS


class ToolAllowAll(Rule):
    """
    ## What it does
    Finds agent and MCP client settings that approve every tool without a
    person in the loop: `"*"` in `alwaysAllow`, `autoApprove`,
    `allowed_tools`/`allowedTools` (and `tools` inside an `mcpServers`/agent
    section), Claude Code `permissions.allow` entries that approve a whole
    MCP server (`mcp__server` or `mcp__server__*`), and Gemini CLI servers
    marked `trust: true` (which skips every confirmation). Explicit tool
    lists are not reported.

    ## Why is this bad?
    Tools are what an agent acts with; approving all of them, including
    tools the server adds later, lets a prompt injection call any of them
    with the user's credentials (OWASP ASI02 Tool Misuse & Exploitation,
    ASI03 Identity & Privilege Abuse, NHI5 Overprivileged NHI).

    ## Example
    ```json
    {"mcpServers": {"github": {"command": "github-mcp", "alwaysAllow": ["*"]}}}
    ```

    ## Use instead
    ```json
    {"mcpServers": {"github": {"command": "github-mcp",
                               "alwaysAllow": ["get_issue", "list_pull_requests"]}}}
    ```
    """

    id = "NHG306"
    name = "ToolAllowAll"
    kind = "kind/wildcard-scope"
    severity = "medium"
    precision = "high"
    summary = "Agent or MCP client approves every tool (`*`, a whole server, or a trusted server)."
    taxa = ("A1", "MAESTRO-L6", "NHI5:2025", "ASI02:2026", "ASI03:2026", "CWE-250", "CWE-269")
    keywords = ("alwaysAllow", "autoApprove", "auto_approve", "allowed_tools", "allowedTools",
                "trusted_tools", "mcp__", "trust", "tools")
    # In Python only the approving names are read (`_APPROVE_KEYS`), not `tools` or `trust`.
    kind_keywords = {PYTHON: ("alwaysAllow", "autoApprove", "auto_approve", "allowed_tools",
                              "allowedTools", "trusted_tools")}
    file_kinds = frozenset({JSON, YAML, TOML, PYTHON})
    scans_tests = False

    VALID = [
        Valid('{"mcpServers": {"gh": {"command": "gh-mcp",\n'
              '  "alwaysAllow": ["get_issue", "list_pull_requests"]}}}\n', path="mcp.json"),
        Valid('{"permissions": {"allow": ["mcp__github__get_issue", "Bash(npm run test:*)"]}}\n',
              path=".claude/settings.json"),
        Valid('{"mcpServers": {"local": {"command": "srv", "trust": false}}}\n',
              path=".gemini/settings.json"),
        Valid("options = ClaudeAgentOptions(allowed_tools=['Read', 'mcp__notes__search'])\n"),
        Valid("files:\n  include: ['*']\ntags: ['*']\n", path="build.yaml"),
    ]
    INVALID = [
        Invalid('{"mcpServers": {"gh": {"command": "gh-mcp",\n'
                '  "autoApprove": ["*"]}}}\n', path="mcp.json", line=2),
        Invalid('{"permissions": {"allow": [\n  "mcp__github",\n  "mcp__slack__*"]}}\n',
                path=".claude/settings.json", count=2, line=2),
        Invalid('{"mcpServers": {\n  "remote": {"httpUrl": "https://mcp.example.com",\n'
                '    "trust": true}}}\n', path=".gemini/settings.json", line=3),
        Invalid("options = ClaudeAgentOptions(allowed_tools=['*'])\n"),
    ]

    def check(self, doc: Document) -> Iterator[Finding]:
        if doc.kind == PYTHON:
            for line, column, value in python_sites(doc, _approve_key):
                if value == "*":
                    yield self.report(doc, line, column, "`*` approves every tool, present and future.")
            return
        if not _may_approve_all(doc.text):
            return  # no `*`, whole-server permission or `trust`: spare the parse
        for line, column, value in tree_sites(doc, _approve_key):
            if value == "*":
                yield self.report(doc, line, column, "`*` approves every tool, present and future.")
        tree = doc.tree
        if tree is None:
            return
        for path, key, node in tree.pairs():
            inside_agent = any(isinstance(p, str) and _AGENT_SECTION.search(p) for p in path[:-1])
            if key == "tools" and inside_agent:
                items = node.items if node.is_sequence else [node]
                for item in items:
                    if item.text() == "*":
                        yield self.report(doc, item.pos_line, item.pos_column,
                                          "`*` approves every tool of this server.")
            elif key == "allow" and len(path) >= 2 and path[-2] == "permissions" and node.is_sequence:
                for item in node.items:
                    text = item.text() or ""
                    if _WHOLE_SERVER.fullmatch(text) and "__" not in text[5:].rstrip("*").rstrip("_"):
                        yield self.report(doc, item.pos_line, item.pos_column,
                                          f"`{text}` approves every tool of the MCP server, "
                                          "including tools it adds later.")
            elif key == "trust" and node.value is True and inside_agent:
                yield self.report(doc, node.pos_line, node.pos_column,
                                  "`trust: true` skips every tool confirmation for this MCP server.")
