"""Where secrets sit: which files the secret rules treat specially, and the
(key, value) entries of a config tree, whatever the format writes them as.

- `is_lock_file`, `is_template_file`, `agent_config_label`: files.
- `assignments(node)`: every (key, value) a config tree holds, in the shapes
  configs write them (`key: value`, `- KEY=value`, `{name: KEY, value: v}`,
  and `key=value` lines inside a multi-line value such as a ConfigMap file).
- `kubernetes_kind`, `in_kubernetes_secret`: Kubernetes manifests.
- `xml_entries(text)`: (name, value) pairs of XML elements and attributes.
- `locate(doc, line, secret)`: where a value really sits, for the finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nhiguard.document import Document
    from nhiguard.tree.node import Node

# -- files -----------------------------------------------------------------------------------

_LOCK_FILES = frozenset({
    "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock",
    "pipfile.lock", "composer.lock", "cargo.lock", "gemfile.lock", "go.sum", "uv.lock",
    "bun.lock", "pdm.lock", "conda-lock.yml",
})
_TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".tmpl", ".dist", ".tpl")
_TEMPLATE_MARKERS = (".example.", ".sample.", ".template.", "_example.", "-example.", "_sample.",
                     "-sample.")


def file_name(uri: str) -> str:
    path = uri.split("?", 1)[0]
    last = path.rsplit("/", 1)[-1]
    # The last segment is the name unless it is empty or `.` (PurePosixPath
    # drops those), and building a path object for every file costs.
    return (last if last not in ("", ".") else PurePosixPath(path).name).lower()


def is_lock_file(uri: str) -> bool:
    """Dependency lock files: hashes and URLs, never hand-written secrets."""
    name = file_name(uri)
    return name in _LOCK_FILES or name.endswith(".lock")


def is_template_file(uri: str) -> bool:
    """`.env.example`, `config.sample.yaml`, `values.template.yaml`: files
    meant to hold placeholders. Generic (key-named) rules skip them; a value
    in a known provider format is still reported by NHG101."""
    name = file_name(uri)
    return name.endswith(_TEMPLATE_SUFFIXES) or any(m in name for m in _TEMPLATE_MARKERS)


_AGENT_CONFIGS: tuple[tuple[str, str], ...] = (
    ("claude_desktop_config.json", "Claude Desktop config"),
    (".claude/settings.json", "Claude Code settings"),
    (".claude/settings.local.json", "Claude Code local settings"),
    (".mcp.json", "project MCP config (.mcp.json)"),
    (".cursor/mcp.json", "Cursor MCP config"),
    (".vscode/mcp.json", "VS Code MCP config"),
    (".vscode/settings.json", "VS Code settings"),
    (".gemini/settings.json", "Gemini CLI settings"),
    (".roo/mcp.json", "Roo Code MCP config"),
    ("mcp_config.json", "Windsurf MCP config"),
    ("cline_mcp_settings.json", "Cline MCP settings"),
    ("mcp_settings.json", "MCP settings"),
    (".kiro/settings/mcp.json", "Kiro MCP config"),
    (".amazonq/mcp.json", "Amazon Q MCP config"),
    (".codex/config.toml", "Codex config"),
    (".zed/settings.json", "Zed settings"),
    (".continue/config.yaml", "Continue config"),
    (".continue/config.json", "Continue config"),
    ("mcp.json", "MCP config"),
)


def agent_config_label(uri: str) -> str | None:
    """What MCP or agent client config a file is (`Cursor MCP config`), or None.
    NHG103 reads these files; NHG104 reads them too and yields to NHG103."""
    path = "/" + uri.split("?", 1)[0].replace("\\", "/").lower()
    for suffix, label in _AGENT_CONFIGS:
        if path.endswith("/" + suffix):
            return label
    if "/.continue/mcpservers/" in path:
        return "Continue MCP config"
    return None


# -- config trees ------------------------------------------------------------------------------

ENV_ITEM = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)=(.*)", re.S)
_EMBEDDED = re.compile(
    r"""^[ \t]*(?:export[ \t]+)?["']?([A-Za-z_][\w.-]*)["']?[ \t]*[:=][ \t]*"""
    r"""(?:"([^"\n]*)"|'([^'\n]*)'|([^\s"'#,;]+))[ \t,;]*(?:#.*)?$""",
    re.M,
)


def assignments(root: Node) -> Iterator[tuple[tuple[str | int, ...], str, str, Node]]:
    """(path, key, value, node) for every literal string a config tree assigns to a key.

    Covers `key: value` pairs, `- KEY=value` items (compose `environment`),
    `{name: KEY, value: v}` items (Kubernetes `env`), and `key = value` lines
    inside a multi-line value (a properties or .env file held in a ConfigMap).
    Values with a YAML tag (`!Ref`, `!vault`) are references, not literals.
    """
    api = _is_api_description(root)
    for path, node in root.walk():
        if node.is_mapping:
            if _in_example(path, api):
                continue
            name = node.get("name") or node.get("key")
            value = node.get("value")
            named = False
            if name is not None and value is not None and _plain(name) and _plain(value):
                named = True
                yield path, str(name.value), str(value.value), value
            for key, child in node.entries:
                if _plain(child) and not (named and child is value) \
                        and not _in_example(path + (key,), api):
                    yield from _pair(path + (key,), key, str(child.value), child)
        elif node.is_sequence and not _in_example(path, api):
            for i, item in enumerate(node.items):
                if _plain(item):
                    m = ENV_ITEM.fullmatch(str(item.value))
                    if m:
                        yield path + (i,), m.group(1), m.group(2), item


_EXAMPLE_KEYS = frozenset({"example", "examples", "x-example", "x-examples"})
# Keys under which an `example` documents a schema rather than configures anything.
_SCHEMA_KEYS = frozenset({"properties", "schema", "schemas", "components", "parameters",
                          "responses", "requestBody", "definitions", "paths"})


def _is_api_description(root: Node) -> bool:
    """An OpenAPI, Swagger, AsyncAPI or JSON Schema document."""
    return root.is_mapping and any(root.get(k) is not None
                                   for k in ("openapi", "swagger", "asyncapi", "$schema"))


def _in_example(path: tuple[str | int, ...], api: bool) -> bool:
    """Is `path` an API description's `example` value? Those document the
    shape of a response (a session token, a WebAuthn signature), made up or
    truncated; nothing configures them."""
    for i, key in enumerate(path):
        if isinstance(key, str) and key in _EXAMPLE_KEYS:
            return api or any(isinstance(k, str) and k in _SCHEMA_KEYS for k in path[:i])
    return False


def kubernetes_kind(root: Node) -> str | None:
    """`Secret`, `ConfigMap`, ... for a Kubernetes manifest document, else None."""
    if not root.is_mapping or root.get("apiVersion") is None:
        return None
    kind = root.get("kind")
    return kind.text() if kind is not None else None


def in_kubernetes_secret(root: Node, path: tuple[str | int, ...]) -> bool:
    """Is `path` inside the `data`/`stringData` of a Kubernetes Secret manifest?
    NHG104 judges those (decoding base64) and no other rule does."""
    return bool(path) and path[0] in ("data", "stringData") and kubernetes_kind(root) == "Secret"


def _plain(node: Node) -> bool:
    return node.is_scalar and node.tag is None and isinstance(node.value, str)


def _pair(path: tuple[str | int, ...], key: str, value: str,
          node: Node) -> Iterator[tuple[tuple[str | int, ...], str, str, Node]]:
    for inner_key, inner in value_parts(value):
        if inner_key is None:
            yield path, key, inner, node
        else:
            yield path + (inner_key,), inner_key, inner, node


def value_parts(value: str) -> Iterator[tuple[str | None, str]]:
    """What is judged of one string value: the value itself (key None), or for a
    multi-line value each `key = value` line in it (a properties or .env file)."""
    if value.endswith("\n") and "\n" not in value.rstrip("\n"):
        value = value.rstrip("\n")  # a one-line block scalar (`key: |`) ends with a newline
    if "\n" in value and "PRIVATE KEY" not in value:
        for m in _EMBEDDED.finditer(value):
            yield m.group(1), m.group(2) if m.group(2) is not None else m.group(3) or m.group(4) or ""
        return
    yield None, value


# -- XML ---------------------------------------------------------------------------------------

# `<ClientSecret>v</ClientSecret>`, the value perhaps on a line of its own between the tags.
_XML_ELEMENT = re.compile(r"<([A-Za-z_][\w.:-]{0,80})(?:\s[^<>]{0,400})?>\s*([^<>\s]+)\s*</\1>")
# `<add key="ClientSecret" value="v"/>`, `<property name="x" value="v"/>`.
_XML_ATTRIBUTES = re.compile(
    r"""<[\w.:-]+\s+(?:key|name)\s*=\s*["']([^"'<>]{1,120})["']\s+value\s*=\s*["']([^"'<>]*)["']""")


def xml_entries(text: str) -> Iterator[tuple[str, str, int]]:
    """(name, value, line of the value) for every XML element holding a single
    word and every `key`/`name` + `value` attribute pair in `text`."""
    if "</" not in text and "/>" not in text:
        return
    for rx in (_XML_ELEMENT, _XML_ATTRIBUTES):
        for m in rx.finditer(text):
            yield m.group(1), m.group(2), text.count("\n", 0, m.start(2)) + 1


def locate(doc: Document, line: int, secret: str, column: int = 1) -> tuple[int, int]:
    """(line, column) where `secret` (or its first line) appears, searching from
    `line` onwards; a value of a YAML block scalar sits below its key."""
    probe = secret.strip().replace("\\n", "\n").splitlines()[0] if secret.strip() else ""
    if not probe:
        return line, column
    for number in range(line, min(line + 500, len(doc.lines)) + 1):
        at = doc.line(number).find(probe)
        if at >= 0:
            return number, at + 1
    return line, column
