"""HCL (Terraform `.tf`, `.tfvars`, `.hcl`) -> `Node` tree.

Parsed with tree-sitter's HCL grammar (C; measured about fifty times faster
than the pure-Python python-hcl2 on real Terraform, and it keeps positions).
The tree has the shape of Terraform's own JSON syntax, so a rule reads `.tf`
and `.tf.json` alike:

    resource "aws_iam_access_key" "ci" { user = "ci" }
    -> {"resource": {"aws_iam_access_key": {"ci": {"user": "ci"}}}}

Repeated blocks (two `resource` blocks, two `flags {}`) stay separate entries
under the same key. A literal string, number, bool or null becomes a plain
scalar; anything else (a reference, a function call, a string with `${...}`)
becomes a scalar holding its source text with tag `expr`, so a rule can tell a
reference from a literal the way it tells YAML's `!Ref` from a string.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from .node import Budget, Node, Scalar, Tree, TreeError

if TYPE_CHECKING:
    import tree_sitter

EXPR = "expr"  # tag of a value that is an expression, not a literal

_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))|\$\$\{|%%\{", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


@cache
def _language() -> tree_sitter.Language:
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Language(tree_sitter_hcl.language())


def parse_hcl(text: str) -> Tree:
    """One HCL file as a `Node` tree; TreeError with the line of the first syntax error."""
    import tree_sitter

    source = text.encode("utf-8", "surrogatepass")
    syntax = tree_sitter.Parser(_language()).parse(source)
    root = syntax.root_node
    if root.has_error:
        raise TreeError("syntax error", _first_error_line(root))
    return Tree([_Builder(source, Budget(text)).file(root)], "hcl")


def _first_error_line(root: tree_sitter.Node) -> int:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node.start_point.row + 1
        if node.has_error:
            stack.extend(reversed(node.children))
    return root.start_point.row + 1


class _Builder:
    def __init__(self, source: bytes, budget: Budget) -> None:
        self.source = source
        self.budget = budget

    # -- positions ------------------------------------------------------------------------
    def _pos(self, node: tree_sitter.Node) -> tuple[int, int]:
        row, byte_column = node.start_point
        if byte_column:
            # Columns count characters; tree-sitter counts bytes.
            start = node.start_byte - byte_column
            column = len(self.source[start:node.start_byte].decode("utf-8", "ignore"))
        else:
            column = 0
        return row + 1, column + 1

    def _text(self, node: tree_sitter.Node) -> str:
        return self.source[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def _new(self, kind: str, node: tree_sitter.Node, depth: int) -> Node:
        line, column = self._pos(node)
        self.budget.take(line)
        self.budget.check_depth(depth, line)
        return Node(kind, line, column)  # type: ignore[arg-type]

    @staticmethod
    def _attach(parent: Node, key: str, key_line: int, key_column: int, value: Node) -> None:
        # As in every tree: a mapping value points at its key, and keeps its own place.
        value.value_line, value.value_column = value.line, value.column
        value.line, value.column = key_line, key_column
        parent.entries.append((key, value))

    # -- bodies and blocks ----------------------------------------------------------------
    def file(self, root: tree_sitter.Node) -> Node:
        top = Node.mapping(1, 1)
        for child in root.named_children:
            if child.type == "body":
                self._body(child, top, 1)
        return top

    def _body(self, body: tree_sitter.Node, into: Node, depth: int) -> None:
        for item in body.named_children:
            if item.type == "attribute":
                name, value = item.named_children[0], item.named_children[-1]
                self._attach(into, self._text(name), *self._pos(name),
                             self._expression(value, depth + 1))
            elif item.type == "block":
                self._block(item, into, depth)

    def _block(self, block: tree_sitter.Node, into: Node, depth: int) -> None:
        parts = block.named_children
        head = parts[0]
        labels = [p for p in parts[1:] if p.type in ("string_lit", "identifier")]
        body = next((p for p in parts if p.type == "body"), None)
        # `resource "a" "b" { ... }` nests as resource -> a -> b -> body.
        keys = [(self._text(head), head)] + [(self._label(p), p) for p in labels]
        parent = into
        for index, (key, where) in enumerate(keys):
            child = self._new("mapping", where if index + 1 < len(keys) else block,
                              depth + index + 1)
            self._attach(parent, key, *self._pos(where), child)
            parent = child
        if body is not None:
            self._body(body, parent, depth + len(keys))

    def _label(self, node: tree_sitter.Node) -> str:
        if node.type == "identifier":
            return self._text(node)
        return "".join(_unescape(self._text(p)) for p in node.named_children
                       if p.type == "template_literal")

    # -- expressions ----------------------------------------------------------------------
    def _expression(self, node: tree_sitter.Node, depth: int) -> Node:
        # `expression` wraps one child unless it is a traversal (`a.b[0]`) or an operation.
        inner = node.named_children[0] if node.type == "expression" and \
            node.named_child_count == 1 else node
        if inner.type == "literal_value":
            return self._literal(inner.named_children[0], depth)
        if inner.type == "collection_value":
            return self._collection(inner.named_children[0], depth)
        if inner.type == "template_expr":
            template = inner.named_children[0]
            literal = self._plain_template(template)
            if literal is not None:
                return self._scalar(literal, inner, depth)
        return self._scalar(self._text(node), node, depth, EXPR)

    def _scalar(self, value: Scalar, node: tree_sitter.Node, depth: int,
                tag: str | None = None) -> Node:
        scalar = self._new("scalar", node, depth)
        scalar.value, scalar.tag = value, tag
        return scalar

    def _literal(self, node: tree_sitter.Node, depth: int) -> Node:
        raw = self._text(node)
        value: Scalar
        if node.type == "string_lit":
            value = "".join(_unescape(self._text(p)) for p in node.named_children
                            if p.type == "template_literal")
        elif node.type == "bool_lit":
            value = raw == "true"
        elif node.type == "null_lit":
            value = None
        elif node.type == "numeric_lit":
            value = _number(raw)
        else:
            return self._scalar(raw, node, depth, EXPR)
        return self._scalar(value, node, depth)

    def _plain_template(self, template: tree_sitter.Node) -> str | None:
        """The text of a quoted string or heredoc without `${...}`/`%{...}`, else None."""
        parts = [p for p in template.named_children
                 if p.type not in ("quoted_template_start", "quoted_template_end",
                                   "heredoc_start", "heredoc_identifier")]
        if any(p.type != "template_literal" for p in parts):
            return None
        if template.type == "heredoc_template":
            # The grammar drops each line's indentation; the lines between the
            # markers are the value, final newline included, as in Terraform.
            markers = [p for p in template.children if p.type == "heredoc_identifier"]
            start = self.source.find(b"\n", markers[0].end_byte) + 1
            end = self.source.rfind(b"\n", 0, markers[-1].start_byte) + 1
            raw = self.source[start:end].decode("utf-8", "replace") if 0 < start <= end else ""
            return _dedent(raw) if self._text(template).startswith("<<-") else raw
        return _unescape("".join(self._text(p) for p in parts))

    def _collection(self, node: tree_sitter.Node, depth: int) -> Node:
        if node.type == "tuple":
            seq = self._new("sequence", node, depth)
            seq.items = [self._expression(e, depth + 1) for e in node.named_children
                         if e.type == "expression"]
            return seq
        mapping = self._new("mapping", node, depth)
        for elem in node.named_children:
            if elem.type != "object_elem":
                continue
            key_node = elem.child_by_field_name("key")
            value_node = elem.child_by_field_name("val")
            if key_node is None or value_node is None:
                continue
            key = self._expression(key_node, depth + 1)
            self._attach(mapping, key.text() or "", key.line, key.column,
                         self._expression(value_node, depth + 1))
        return mapping


def _unescape(raw: str) -> str:
    if "\\" not in raw and "$${" not in raw and "%%{" not in raw:
        return raw

    def one(m: re.Match[str]) -> str:
        if m.group(1) or m.group(2):
            code = int(m.group(1) or m.group(2), 16)
            return chr(code) if code <= 0x10FFFF else m.group(0)
        if m.group(3) is not None:
            return _SIMPLE_ESCAPES.get(m.group(3), m.group(0))
        return m.group(0)[1:]  # `$${` -> `${`, `%%{` -> `%{`

    return _ESCAPE.sub(one, raw)


def _dedent(raw: str) -> str:
    """`<<-EOT` strips the smallest common indentation of its lines."""
    lines = raw.split("\n")
    indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines)


def _number(raw: str) -> int | float:
    try:
        return int(raw)
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            raise TreeError(f"bad number {raw!r}") from None
