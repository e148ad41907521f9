"""The config-tree parsers: values, positions, errors and hostile input."""

from __future__ import annotations

import json
import math
import os
import re
import time
import tomllib
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nhiguard.tree import PARSERS, TREE_FORMATS, Node, Tree, TreeError, parse_tree, yaml_tree
from nhiguard.tree.node import MAX_DEPTH

# More examples for a deeper local run: NHIGUARD_FUZZ_EXAMPLES=5000 pytest tests/test_tree.py
FUZZ = settings(max_examples=int(os.environ.get("NHIGUARD_FUZZ_EXAMPLES", "300")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def plain(node: Node) -> Any:
    """The tree as plain Python data (later duplicate keys win, as in json.loads)."""
    if node.is_mapping:
        return {k: plain(v) for k, v in node.entries}
    if node.is_sequence:
        return [plain(item) for item in node.items]
    return node.value


def only(tree: Tree) -> Node:
    assert len(tree.documents) == 1
    return tree.documents[0]


def at(node: Node | None) -> tuple[int, int, int, int]:
    """(key line, key column, value line, value column) of a mapping value."""
    assert node is not None
    return node.line, node.column, node.pos_line, node.pos_column


def error(text: str, fmt: str) -> TreeError:
    with pytest.raises(TreeError) as info:
        parse_tree(text, fmt)
    message = str(info.value)
    assert message and "\n" not in message and "Traceback" not in message
    return info.value


# -- dispatch ------------------------------------------------------------------------

def test_formats_and_dispatch() -> None:
    assert TREE_FORMATS == frozenset({"yaml", "json", "toml", "ini", "env", "hcl"}) == set(PARSERS)
    for fmt in TREE_FORMATS - {"json"}:  # an empty JSON file is not JSON
        assert parse_tree("", fmt).format == fmt
    with pytest.raises(ValueError, match="unknown tree format 'xml'"):
        parse_tree("<a/>", "xml")


# -- YAML ------------------------------------------------------------------------------

def test_yaml_values_and_positions() -> None:
    text = (
        "server:\n"
        "  host: example.org\n"
        "  port: 8443\n"
        "  ratio: 0.5\n"
        "  debug: yes\n"
        "  owner: ~\n"
        "  quoted: \"123\"\n"
        "on:\n"
        "  - push\n"
        "  - {branches: [main]}\n"
        "secret:   \n"
        "  s3cr3t-value\n"
    )
    doc = only(parse_tree(text, "yaml"))
    assert plain(doc) == {
        "server": {"host": "example.org", "port": 8443, "ratio": 0.5, "debug": True,
                   "owner": None, "quoted": "123"},
        "on": ["push", {"branches": ["main"]}],  # the key stays `on`, not True
        "secret": "s3cr3t-value",
    }
    server = doc.get("server")
    assert server is not None
    assert at(server) == (1, 1, 2, 3)
    assert at(server.get("host")) == (2, 3, 2, 9)
    assert at(server.get("quoted")) == (7, 3, 7, 11)
    on = doc.get("on")
    assert on is not None and on.is_sequence
    assert (on.items[1].line, on.items[1].column) == (10, 5)
    assert at(on.items[1].get("branches")) == (10, 6, 10, 16)
    assert at(doc.get("secret")) == (11, 1, 12, 3)  # the value sits on the next line
    assert all(n.tag is None for _, n in doc.walk())


def test_yaml_scalar_types() -> None:
    text = ("a: 0x1F\nb: 0o17\nc: 017\nd: 1_000\ne: 1:30\nf: -.inf\ng: .NaN\nh: 1e3\n"
            "i: 2001-12-14\nj: !!str 12\nk: !!int nope\nl: Off\nm: null\nn: ''\n")
    values = plain(only(parse_tree(text, "yaml")))
    assert values["a"] == 31 and values["c"] == 15 and values["d"] == 1000 and values["e"] == 90
    assert values["b"] == "0o17"  # not an int in YAML 1.1
    assert values["f"] == -math.inf and math.isnan(values["g"])
    assert values["h"] == "1e3"  # YAML 1.1 floats need a dot
    assert values["i"] == "2001-12-14" and values["j"] == "12" and values["k"] == "nope"
    assert values["l"] is False and values["m"] is None and values["n"] == ""


def test_yaml_cloudformation_tags_are_kept() -> None:
    text = (
        "Resources:\n"
        "  Key:\n"
        "    Type: AWS::IAM::AccessKey\n"
        "    Properties:\n"
        "      UserName: !Ref DeployUser\n"
        "      Arn: !GetAtt [Role, Arn]\n"
        "      Dotted: !GetAtt Role.Arn\n"
        "      Name: !Sub '${AWS::StackName}-key'\n"
        "      Joined: !Join\n"
        "        - ''\n"
        "        - [a, !Ref B]\n"
    )
    doc = only(parse_tree(text, "yaml"))
    props = doc.get("Resources").get("Key").get("Properties")  # type: ignore[union-attr]
    assert props is not None
    user = props.get("UserName")
    assert user is not None and (user.tag, user.value) == ("!Ref", "DeployUser")
    arn = props.get("Arn")
    assert arn is not None and arn.tag == "!GetAtt" and plain(arn) == ["Role", "Arn"]
    assert props.get("Dotted").tag == "!GetAtt"  # type: ignore[union-attr]
    name = props.get("Name")
    assert name is not None and (name.tag, name.value) == ("!Sub", "${AWS::StackName}-key")
    assert at(name) == (8, 7, 8, 13)
    joined = props.get("Joined")
    assert joined is not None and joined.tag == "!Join"
    assert joined.items[1].items[1].tag == "!Ref"
    assert doc.get("Resources").get("Key").get("Type").tag is None  # type: ignore[union-attr]


def test_yaml_unsafe_tags_are_kept_not_run() -> None:
    text = "a: !!python/object/apply:os.system ['echo hi']\nb: !!binary aGk=\n"
    doc = only(parse_tree(text, "yaml"))
    a = doc.get("a")
    assert a is not None and a.tag == "tag:yaml.org,2002:python/object/apply:os.system"
    assert plain(a) == ["echo hi"]
    assert doc.get("b").tag is None and doc.get("b").value == "aGk="  # type: ignore[union-attr]


def test_yaml_multiple_documents() -> None:
    text = "a: 1\n---\n- x\n- y\n---\n--- plain\n"
    tree = parse_tree(text, "yaml")
    assert [plain(d) for d in tree.documents] == [{"a": 1}, ["x", "y"], None, "plain"]
    assert tree.documents[1].line == 3
    assert [k for _, k, _ in tree.pairs()] == ["a"]
    assert parse_tree("", "yaml").documents == []
    assert parse_tree("# only a comment\n", "yaml").documents == []


def test_yaml_aliases_and_merge_keys() -> None:
    text = "base: &base\n  user: ci\n  token: abc\njob:\n  <<: *base\n  user: deploy\n"
    doc = only(parse_tree(text, "yaml"))
    assert plain(doc) == {"base": {"user": "ci", "token": "abc"},
                          "job": {"<<": {"user": "ci", "token": "abc"}, "user": "deploy"}}
    merged = doc.get("job").get("<<")  # type: ignore[union-attr]
    # The key is where the alias is used; the value is where the anchor defined it.
    assert merged is not None and at(merged) == (5, 3, 1, 7)
    # Expanded aliases are copies, so the result is a tree, not a graph.
    assert merged is not doc.get("base")


def _alias_bomb(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnop"
    for prev, name in zip(names, names[1:levels], strict=False):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_yaml_alias_bomb_fails_fast() -> None:
    started = time.perf_counter()
    exc = error(_alias_bomb(), "yaml")
    assert "too many nodes" in str(exc) and "alias bomb" in str(exc)
    assert time.perf_counter() - started < 5


def test_yaml_recursive_alias() -> None:
    assert "recursive alias" in str(error("a: &x\n  b: *x\n", "yaml"))


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 900, 100_000])
def test_yaml_deep_nesting(depth: int) -> None:
    started = time.perf_counter()
    error("[" * depth + "]" * depth, "yaml")
    error("- " * depth + "x\n", "yaml")
    assert time.perf_counter() - started < 5


def test_yaml_nesting_up_to_the_limit_is_fine() -> None:
    text = "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)
    node = only(parse_tree(text, "yaml"))
    while node.is_sequence:
        node = node.items[0]
    assert node.value == 1


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: 1\nb: c: d\n", 2, "mapping values"),
        ("a:\n  - 1\n  - [2\nb: 3\n", 4, ""),
        ("a: \"unterminated\n", 2, ""),
        ("a: *nope\n", 1, "alias"),
        ("a: 1\n\tb: 2\n", 2, ""),
        ("a: \x00\n", 1, "character"),
    ],
)
def test_yaml_errors_have_lines(text: str, line: int, words: str) -> None:
    exc = error(text, "yaml")
    assert exc.line == line
    assert words in str(exc)


def test_yaml_pure_python_loader_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a: !Ref X\nb: [1, 2.5, true]\n"
    fast = parse_tree(text, "yaml")
    monkeypatch.setattr(yaml_tree, "_LOADER", yaml.SafeLoader)
    slow = parse_tree(text, "yaml")
    assert plain(only(fast)) == plain(only(slow))
    assert [(p, n.line, n.column, n.pos_line, n.pos_column, n.tag) for p, n in fast.walk()] == \
        [(p, n.line, n.column, n.pos_line, n.pos_column, n.tag) for p, n in slow.walk()]
    error("[" * 5000 + "]" * 5000, "yaml")  # RecursionError in PyYAML becomes TreeError
    assert "alias bomb" in str(error(_alias_bomb(), "yaml"))


# -- JSON ------------------------------------------------------------------------------

def test_json_values_and_positions() -> None:
    text = (
        '{\n'
        '  "client_id": "abc",\n'
        '  "ttl": 3600, "ratio": -1.5e2,\n'
        '  "scopes": ["read",\n'
        '             "write"],\n'
        '  "owner": null, "on": true,\n'
        '  "nested": {"k\\u00e9y": "v\\n\\ud83d\\ude00"}\n'
        '}\n'
    )
    doc = only(parse_tree(text, "json"))
    assert plain(doc) == json.loads(text)
    assert (doc.line, doc.column) == (1, 1)
    assert at(doc.get("client_id")) == (2, 3, 2, 16)
    assert at(doc.get("ttl")) == (3, 3, 3, 10)
    assert at(doc.get("ratio")) == (3, 16, 3, 25)
    scopes = doc.get("scopes")
    assert scopes is not None and at(scopes) == (4, 3, 4, 13)
    assert [(i.line, i.column) for i in scopes.items] == [(4, 14), (5, 14)]
    assert isinstance(doc.get("ttl").value, int)  # type: ignore[union-attr]
    assert doc.get("on").value is True  # type: ignore[union-attr]
    nested = doc.get("nested")
    assert nested is not None and nested.get("k\u00e9y").value == "v\n\U0001F600"  # type: ignore[union-attr]
    assert at(nested.get("k\u00e9y")) == (7, 14, 7, 26)


def test_json_scalar_document_and_specials() -> None:
    assert only(parse_tree(' "x" ', "json")).value == "x"
    assert only(parse_tree("\n\n  42", "json")).line == 3
    assert math.isnan(only(parse_tree("NaN", "json")).value)  # type: ignore[arg-type]
    assert only(parse_tree("[-Infinity]", "json")).items[0].value == -math.inf
    assert only(parse_tree('"\\ud800"', "json")).value == json.loads('"\\ud800"')
    assert only(parse_tree("\ufeff{}", "json")).is_mapping  # a byte-order mark is tolerated


def test_jsonc_comments_and_trailing_commas() -> None:
    text = (
        "// .vscode/mcp.json\n"
        "{\n"
        "  /* servers the agent may start */\n"
        '  "servers": {\n'
        '    "github": {"command": "npx", "args": ["-y", "server",], // trailing\n'
        '      "env": {"TOKEN": "ghp_x"},},\n'
        "  },\n"
        "}\n"
    )
    doc = only(parse_tree(text, "json"))
    assert plain(doc) == {"servers": {"github": {"command": "npx", "args": ["-y", "server"],
                                                 "env": {"TOKEN": "ghp_x"}}}}
    token = doc.get("servers").get("github").get("env").get("TOKEN")  # type: ignore[union-attr]
    assert at(token) == (6, 15, 6, 24)


def test_json_duplicate_keys_are_all_kept() -> None:
    doc = only(parse_tree('{"a": 1, "a": 2}', "json"))
    assert [(k, v.value) for k, v in doc.entries] == [("a", 1), ("a", 2)]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{"a": 1\n "b": 2}', 2, "expected ',' or '}'"),
        ('{"a" 1}', 1, "expected ':'"),
        ("[1, 2,,]", 1, "expected a value"),
        ('{\n\n"a": tru}', 3, ""),
        ('{"a": "line\nbreak"}', 1, "unterminated string"),
        ('["ok",\n "bad \\x escape"]', 2, "invalid escape"),
        ('{"a": 1}\n{"b": 2}', 2, "expected end of input"),
        ("[1, 2", 1, "end of input"),
        ("", 1, "end of input"),
        ("/* never closed\n[1]", 1, "unterminated"),
        ("[01]", 1, ""),
        ("[1.]", 1, ""),
        ("{'a': 1}", 1, ""),
        ("{,}", 1, ""),
        ("[,1]", 1, ""),
        ('{"a"}', 1, ""),
        ("[" + "1" * 5000 + "]", 1, "integer too long"),
    ],
)
def test_json_errors_have_lines(text: str, line: int, words: str) -> None:
    exc = error(text, "json")
    assert exc.line == line
    assert words in str(exc)


def test_json_error_never_quotes_a_value() -> None:
    exc = error('{"token": "sk-live-1234567890" "next": 1}', "json")
    assert "sk-live" not in str(exc)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_json_deep_nesting(depth: int) -> None:
    started = time.perf_counter()
    assert "nesting deeper than" in str(error("[" * depth + "]" * depth, "json"))
    assert "nesting deeper than" in str(error('{"a":' * depth + "1" + "}" * depth, "json"))
    assert time.perf_counter() - started < 5


def test_json_nesting_up_to_the_limit_is_fine() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert only(parse_tree(text, "json")).is_sequence


_json_strings = st.text() | st.text(
    alphabet='"\\/\b\f\n\r\t\x00\x1f\x7f\u00e9\u2028\U0001F600\ud800\udc00', max_size=8)
_json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _json_strings
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_json_strings, inner, max_size=5),
    max_leaves=30,
)


@FUZZ
@given(value=_json_values, indent=st.sampled_from([None, 0, 2, "\t"]),
       ensure_ascii=st.booleans())
def test_json_agrees_with_json_loads(value: Any, indent: Any, ensure_ascii: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)
    # repr tells 1 from 1.0 and True, keeps lone surrogates, and shows NaN as nan.
    assert repr(plain(only(parse_tree(text, "json")))) == repr(json.loads(text))


_JSON_CHARS = '{}[],:" \n\\/*0123456789.eE+-truefalsnNIiyu\u00e9\x01'
# Near misses that strict JSON refuses (or barely accepts).
_JSON_TRAPS = ["0", "01", "-", "1.", ".5", "1e", "e5", "+1", "\\x", "\\u12", "\\ud800", "\x01",
               "\x1f", "tru", "nul", "NaN", "-Infinity", "infinity", "'", "//", "/*", "*/", "\t", "\u00a0",
               "\ufeff", "\r", ",", ":", "]", "}", '"', "\\"]


@st.composite
def _almost_json(draw: st.DrawFn) -> str:
    """Valid JSON with a few characters inserted, deleted or replaced."""
    text = json.dumps(draw(_json_values), indent=draw(st.sampled_from([None, 1])))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        char = draw(st.sampled_from(_JSON_TRAPS) | st.sampled_from(_JSON_CHARS))
        edit = draw(st.sampled_from(["insert", "delete", "replace"]))
        tail = text[at + 1:] if edit != "insert" else text[at:]
        text = text[:at] + ("" if edit == "delete" else char) + tail
    return text


def _jsonc_only(text: str) -> bool:
    """Could strict JSON refuse this for JSONC reasons: comments, trailing commas, a BOM?"""
    return "/" in text or text.startswith("\ufeff") or re.search(r",\s*[\]}]", text) is not None


@FUZZ
@given(text=_almost_json() | st.text(alphabet=_JSON_CHARS, max_size=30))
def test_json_accepts_and_rejects_like_json_loads(text: str) -> None:
    try:
        expected = repr(json.loads(text))
    except ValueError:
        expected = None
    try:
        got: str | None = repr(plain(only(parse_tree(text, "json"))))
    except TreeError:
        got = None
    if expected is not None:
        assert got == expected
    elif got is not None:
        assert _jsonc_only(text)


# -- TOML ------------------------------------------------------------------------------

TOML_TEXT = '''\
# deployment
title = "nhiguard"
created = 1979-05-27T07:32:00Z
day = 1979-05-27

[server]
host = "example.org"   # inline comment
"quoted key" = 1
site."a.b".c = true
notes = """
fake = "not a key"
[not.a.table]
"""
ports = [
  8001,
  8002,
]
auth = { client_id = "x", scopes = ["read", "write"] }

[[clients]]
name = "agent-a"
secret = 'literal\\value'

[clients.meta]
owner = "team-a"

[[clients]]
name = "agent-b"
'''


def test_toml_values_match_tomllib() -> None:
    doc = only(parse_tree(TOML_TEXT, "toml"))
    expected = tomllib.loads(TOML_TEXT)
    expected["created"] = expected["created"].isoformat()
    expected["day"] = expected["day"].isoformat()
    assert plain(doc) == expected
    assert doc.get("created").value == "1979-05-27T07:32:00+00:00"  # type: ignore[union-attr]


def test_toml_positions() -> None:
    doc = only(parse_tree(TOML_TEXT, "toml"))
    assert at(doc.get("title")) == (2, 1, 2, 9)
    server = doc.get("server")
    assert server is not None and at(server) == (6, 2, 6, 1)
    assert at(server.get("host")) == (7, 1, 7, 8)
    assert at(server.get("quoted key")) == (8, 1, 8, 16)
    site = server.get("site")
    assert site is not None and site.line == 9
    c = site.get("a.b").get("c")  # type: ignore[union-attr]
    assert at(c) == (9, 12, 9, 16)
    assert at(server.get("notes")) == (10, 1, 10, 9)
    assert at(server.get("ports")) == (14, 1, 14, 9)  # the multi-line string was skipped
    auth = server.get("auth")
    assert auth is not None and at(auth) == (18, 1, 18, 8)
    assert auth.get("client_id").line == 18  # type: ignore[union-attr]  # inline: key's line
    clients = doc.get("clients")
    assert clients is not None and clients.is_sequence and clients.line == 20
    first, second = clients.items
    assert (first.line, second.line) == (20, 27)
    assert at(first.get("secret")) == (22, 1, 22, 10)
    assert first.get("secret").value == "literal\\value"  # type: ignore[union-attr]
    assert at(first.get("meta").get("owner")) == (25, 1, 25, 9)  # type: ignore[union-attr]
    assert at(second.get("name")) == (28, 1, 28, 8)


@pytest.mark.parametrize(
    ("text", "line"),
    [("a = 1\nb = \n", 2), ("a = 1\na = 2\n", 2), ("[t]\nx = [1,\n", 3), ("key\n", 1),
     ("n = " + "9" * 5000 + "\n", None)],
)
def test_toml_errors_have_lines(text: str, line: int | None) -> None:
    exc = error(text, "toml")
    assert exc.line == line
    assert "at line" not in str(exc)


def test_toml_deep_nesting() -> None:
    for depth in (MAX_DEPTH + 5, 5000):
        assert "nesting deeper than" in str(error("a = " + "[" * depth + "]" * depth, "toml"))


_BARE = re.compile(r"[A-Za-z0-9_-]+")
_toml_keys = st.text(alphabet="abcxyz_-09 .\"'\u00e9", min_size=1, max_size=6)
_toml_strings = st.text(alphabet="ab =#[]{}\"'\\\n\t\u00e9", max_size=12)
_toml_scalars = st.integers(-10**6, 10**6) | st.booleans() | _toml_strings | st.floats(
    allow_nan=False, allow_infinity=False, width=32)


def _toml_key(key: str) -> str:
    return key if _BARE.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any, multiline: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if multiline and "\n" in value and not re.search(r'["\\]|^\n', value):
            return f'"""{value}"""'
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        sep = ",\n  " if multiline else ", "
        return "[" + sep.join(_toml_value(v, multiline) for v in value) + "]"
    return repr(value)


def _toml_document(data: dict[str, Any], multiline: bool) -> str:
    """TOML text for nested tables, arrays of tables and scalars (no dotted keys)."""
    out: list[str] = []

    def table(path: list[str], body: dict[str, Any], array: bool) -> None:
        if path:
            name = ".".join(_toml_key(p) for p in path)
            out.append(f"[[{name}]]" if array else f"[{name}]")
        for key, value in body.items():
            if not isinstance(value, dict) and not _is_table_array(value):
                out.append(f"{_toml_key(key)} = {_toml_value(value, multiline)}")
        for key, value in body.items():
            if isinstance(value, dict):
                table(path + [key], value, False)
            elif _is_table_array(value):
                for item in value:
                    table(path + [key], item, True)

    table([], data, False)
    return "\n".join(out) + "\n"


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


_toml_tables = st.recursive(
    st.dictionaries(_toml_keys, _toml_scalars | st.lists(_toml_scalars, max_size=3), max_size=4),
    lambda inner: st.dictionaries(
        _toml_keys, inner | st.lists(inner, min_size=1, max_size=3), max_size=4),
    max_leaves=12,
)


@FUZZ
@given(data=_toml_tables, multiline=st.booleans())
def test_toml_positions_follow_the_text(data: dict[str, Any], multiline: bool) -> None:
    text = _toml_document(data, multiline)
    expected = tomllib.loads(text)
    doc = only(parse_tree(text, "toml"))
    assert plain(doc) == expected
    lines = text.split("\n")
    for path, key, node in doc.pairs():
        source = lines[node.line - 1]
        written = _toml_key(key)
        assert source[node.column - 1:].startswith(written), (path, source)
        if node.is_scalar:
            assert source[node.pos_column - 1:].startswith(_toml_value(node.value, multiline)
                                                           .split("\n")[0]), (path, source)


# -- INI -------------------------------------------------------------------------------

INI_TEXT = """\
; global settings
root_key = top
[database]
host = db.local
Password : hunter2 ; not a comment
path = %(home)s/data
empty =
skip-networking
  # a comment line inside
[  spaced name  ]
multi = first
    second
    third
[database]
port = 5432
"""


def test_ini_values_and_positions() -> None:
    doc = only(parse_tree(INI_TEXT, "ini"))
    assert plain(doc) == {
        "root_key": "top",
        "database": {"host": "db.local", "Password": "hunter2 ; not a comment",
                     "path": "%(home)s/data", "empty": "", "skip-networking": "",
                     "port": "5432"},
        "spaced name": {"multi": "first\nsecond\nthird"},
    }
    assert at(doc.get("root_key")) == (2, 1, 2, 12)
    database = doc.get("database")
    assert database is not None and (database.line, database.column) == (3, 1)
    assert at(database.get("host")) == (4, 1, 4, 8)
    assert at(database.get("Password")) == (5, 1, 5, 12)
    assert at(database.get("empty")) == (7, 1, 7, 8)
    assert at(database.get("port")) == (15, 1, 15, 8)  # the repeated section is merged
    assert at(doc.get("spaced name").get("multi")) == (11, 1, 11, 9)  # type: ignore[union-attr]
    assert all(isinstance(n.value, str) for _, _, n in doc.pairs() if n.is_scalar)


def test_ini_crlf_and_indented_keys() -> None:
    doc = only(parse_tree("[a]\r\n  key = v\r\nother=w\r\n", "ini"))
    assert plain(doc) == {"a": {"key": "v", "other": "w"}}
    assert at(doc.get("a").get("key")) == (2, 3, 2, 9)  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "line"), [("a = 1\n[broken\nb = 2\n", 2), ("[s]\n= v\n", 2)])
def test_ini_errors_have_lines(text: str, line: int) -> None:
    assert error(text, "ini").line == line


# -- .env ------------------------------------------------------------------------------

ENV_TEXT = """\
# service credentials
API_KEY=sk-123
export AWS_SECRET_ACCESS_KEY = "wJal\\"rX\\nUt"   # trailing comment
SINGLE='lit\\n $HOME'
UNQUOTED=value with spaces # comment
HASH=abc#def
EMPTY=
COMMENT_ONLY= # nothing
not a valid line
1BAD=x
PEM="-----BEGIN KEY-----
abc
-----END KEY-----"
AFTER=1
"""


def test_dotenv_values_and_positions() -> None:
    doc = only(parse_tree(ENV_TEXT, "env"))
    assert plain(doc) == {
        "API_KEY": "sk-123",
        "AWS_SECRET_ACCESS_KEY": 'wJal"rX\nUt',
        "SINGLE": "lit\\n $HOME",
        "UNQUOTED": "value with spaces",
        "HASH": "abc#def",
        "EMPTY": "",
        "COMMENT_ONLY": "",
        "PEM": "-----BEGIN KEY-----\nabc\n-----END KEY-----",
        "AFTER": "1",
    }
    assert at(doc.get("API_KEY")) == (2, 1, 2, 9)
    assert at(doc.get("AWS_SECRET_ACCESS_KEY")) == (3, 8, 3, 32)
    assert at(doc.get("SINGLE")) == (4, 1, 4, 8)
    assert at(doc.get("EMPTY")) == (7, 1, 7, 7)
    assert at(doc.get("PEM")) == (11, 1, 11, 5)
    assert at(doc.get("AFTER")) == (14, 1, 14, 7)


def test_dotenv_skips_malformed_lines() -> None:
    text = 'A="never closed\nB=2\nC=\'also open\nD=4\n=5\nE\nF=6'
    doc = only(parse_tree(text, "env"))
    assert plain(doc) == {"B": "2", "D": "4", "F": "6"}
    assert [(k, v.line) for k, v in doc.entries] == [("B", 2), ("D", 4), ("F", 7)]


def test_dotenv_open_quote_runs_to_the_next_quote() -> None:
    # As in python-dotenv and docker compose: a quote spans lines until it closes.
    doc = only(parse_tree('A="open\nB=2\nC="\nD=4\n', "env"))
    assert plain(doc) == {"A": "open\nB=2\nC=", "D": "4"}


def test_dotenv_duplicates_and_crlf() -> None:
    doc = only(parse_tree('A=1\r\nA="two\r\nlines"\r\nB=x \r\n', "env"))
    assert [(k, v.value, v.line) for k, v in doc.entries] == [
        ("A", "1", 1), ("A", "two\nlines", 2), ("B", "x", 4)]


# -- HCL -------------------------------------------------------------------------------

_TF = """\
# an agent's key
resource "aws_iam_access_key" "ci" {
  user    = aws_iam_user.ci.name
  status  = "Active"
  tags    = { owner = "platform", "cost-centre" = 42 }
  subnets = [1, 2.5, true, null, "a\\tb"]
  name    = "ci-${var.env}"
  policy  = <<-EOT
    {"Version": "2012-10-17"}
  EOT
  lifecycle {
    create_before_destroy = true
  }
}
variable "token" {
  default = "caf\u00e9"
}
"""


def test_hcl_has_terraform_json_shape() -> None:
    doc = only(parse_tree(_TF, "hcl"))
    assert plain(doc) == {
        "resource": {"aws_iam_access_key": {"ci": {
            "user": "aws_iam_user.ci.name", "status": "Active",
            "tags": {"owner": "platform", "cost-centre": 42},
            "subnets": [1, 2.5, True, None, "a\tb"],
            "name": '"ci-${var.env}"',
            "policy": '{"Version": "2012-10-17"}\n',
            "lifecycle": {"create_before_destroy": True},
        }}},
        "variable": {"token": {"default": "caf\u00e9"}},
    }


def test_hcl_expressions_are_tagged_literals_are_not() -> None:
    body = only(parse_tree(_TF, "hcl")).get("resource").get("aws_iam_access_key").get("ci")
    assert body.get("user").tag == "expr" and body.get("name").tag == "expr"
    assert body.get("status").tag is None and body.get("policy").tag is None


def test_hcl_positions() -> None:
    doc = only(parse_tree(_TF, "hcl"))
    resource = doc.get("resource")
    assert (resource.line, resource.column) == (2, 1)
    ci = resource.get("aws_iam_access_key")
    assert (ci.line, ci.column) == (2, 10)  # the type label
    body = ci.get("ci")
    assert at(body.get("status")) == (4, 3, 4, 13)
    assert at(body.get("tags").get("cost-centre")) == (5, 35, 5, 51)
    assert at(body.get("lifecycle").get("create_before_destroy")) == (12, 5, 12, 29)
    assert at(doc.get("variable").get("token").get("default")) == (16, 3, 16, 13)


def test_hcl_columns_count_characters() -> None:
    doc = only(parse_tree('a = "\u00e9\u00e9"\nb = { c = "\u00e9", d = 2 }\n', "hcl"))
    assert at(doc.get("b").get("d")) == (2, 16, 2, 20)  # bytes would say 17


def test_hcl_repeated_blocks_are_all_kept() -> None:
    doc = only(parse_tree('resource "a" "x" {}\nresource "a" "y" {\n  n = 1\n}\n', "hcl"))
    assert [(k, v.line) for k, v in doc.entries] == [("resource", 1), ("resource", 2)]


@pytest.mark.parametrize(("text", "line"), [
    ('resource "a" "b" {\n  x = 1\n', 3),
    ("a = {\n", 2),
    ("a = 1\nb = = 2\n", 2),
    ('a = "unterminated\n', 2),
])
def test_hcl_errors_have_lines(text: str, line: int) -> None:
    assert error(text, "hcl").line == line


def test_hcl_deep_nesting() -> None:
    assert "nesting" in str(error("a = " + "[" * 100_000 + "]" * 100_000, "hcl"))
    depth = MAX_DEPTH - 2
    doc = only(parse_tree("a = " + "[" * depth + "]" * depth, "hcl"))
    assert doc.get("a").is_sequence


# -- every parser, any input ---------------------------------------------------------

_ANY_TEXT = st.text(max_size=200) | st.text(alphabet="{}[]:,=\"'#;\\-!&* \n\tabkey01", max_size=80)


@FUZZ
@given(text=_ANY_TEXT, fmt=st.sampled_from(sorted(TREE_FORMATS)))
def test_any_text_gives_a_tree_or_tree_error(text: str, fmt: str) -> None:
    try:
        tree = parse_tree(text, fmt)
    except TreeError as exc:
        assert "\n" not in str(exc)
        # YAML also breaks lines at \r, \x85, \u2028...: count as splitlines does.
        assert exc.line is None or 1 <= exc.line <= len(text.splitlines()) + 1
        return
    assert isinstance(tree, Tree) and tree.format == fmt
    for _, node in tree.walk():
        assert node.line >= 1 and node.column >= 1
        assert isinstance(node.value, str | int | float | bool | type(None))


@pytest.mark.parametrize("fmt", sorted(TREE_FORMATS))
def test_lone_surrogates(fmt: str) -> None:
    text = 'a = "\ud800"\n' if fmt != "json" else '{"a": "\ud800"}'
    try:
        parse_tree(text, fmt)
    except TreeError as exc:
        assert exc.line == 1
