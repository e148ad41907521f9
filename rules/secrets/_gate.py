"""Cheap text gates: can a secret rule report anything in this file at all?

Parsing a config tree costs far more than reading the text, and most files
that pass a rule's keywords (`secretKeyRef`, `${{ secrets.X }}`, `token_url`)
hold no literal that looks like a secret. These gates answer "nothing can be
reported here" from the raw text, so the parse is skipped, and they are
conservative: whenever the text leaves any doubt, they say "parse".

The argument, which the tests check against the real parse:

- Every value a rule judges is a literal read out of the file. Unless the
  text holds a backslash (an escape, which could produce characters the raw
  text does not show), a value that `looks_secret` is made of
  `_SECRET_CHARS` only, so it sits in the raw text as a run of those
  characters, or as a piece of one cut where an assignment, a list or a
  comment cuts (`KEY=value`, `a=b;c=d`, `x:v`, `?a=b&c=d`, `k=v#note`).
  `may_hold_secret` tries every such piece.
- NHG104 also reads the file's structure. A value on a plain `key: value`
  line (or `- KEY=value` item) whose key is not secret-named is judged under
  that key wherever the line sits: as a mapping entry, in a flow collection,
  or as a `key: value` line embedded in a multi-line string (a plain value
  that reads as `k=v` is judged under `k` too). The exceptions are handled
  first, and the file is parsed: a Kubernetes Secret or kubeconfig (values
  are decoded and judged whatever their key), a PEM key, a `secrets:` or
  `credentials:` container holding more than one plain scalar (its values
  count whatever their key), a complex `? key`, and text that is not ASCII
  or has lone `\r` line breaks (case folding and YAML's other line breaks
  are not worth the care).
- Strict JSON is read by the `json` module instead, once per document
  (`strict_json`, `strict_json_verdict`, for NHG102 and NHG104): the data
  says which strings a rule judges (values under the keys it reads, below a
  container, in a `name`/`value` item), so a key or a word of prose is never
  taken for a value, and escapes are decoded.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Callable

from nhiguard.document import Document
from nhiguard.filekinds import JSON
from nhiguard.tree.node import MAX_DEPTH

from ._config import ENV_ITEM, value_parts
from ._values import MAX_PLACEHOLDER_DISTINCT as _MAX_PLACEHOLDER_DISTINCT
from ._values import (
    MIN_LENGTH,
    is_auth_header,
    is_container_name,
    is_secret_name,
    key_words,
    looks_secret,
    mixes_classes,
    secret_part,
    spoiling_spans,
)

# A run of the characters `looks_secret` accepts (its `_SECRET_CHARS`), long enough.
_RUN = re.compile(r"[A-Za-z0-9+/=_\-.~!@#$%^&*:,;?|]{" + str(MIN_LENGTH) + ",}")
# Where a value can start or end inside a run: `KEY=v`, `k: v` without a space
# in INI, `v1,v2`, `a=1;b=2`, `x=1&token=v`, `k=v#note` (an embedded line).
_CUT = re.compile(r"[=:,;&#]")

# A YAML or JSON line that holds one key and at most one scalar and nothing
# else: `  - key: value`, `"key": "value",`, `key: value  # note`, `key:`, and
# `"key": ""` (an empty string: nothing to judge, on this line or below it).
_PLAIN_ENTRY = re.compile(
    r"""[ \t]*(?:-[ \t]+)*(?:(["'])([^"'\n:\\]+)\1|([A-Za-z0-9_][\w./-]*))[ \t]*:"""
    r"""(?:[ \t]+(?:(["']?)([^\s"'#{}\[\],&*!|>][^\s"'#{}\[\],]*)\4|""|''))?[ \t]*,?[ \t]*(?:#.*)?"""
)
# A compose-style list item `- KEY=value`.
_PLAIN_ITEM = re.compile(
    r"""[ \t]*-[ \t]+(["']?)([A-Za-z_][A-Za-z0-9_.-]*)=[^\s"'#{}\[\],]*\1[ \t]*(?:#.*)?"""
)
# How a line of a multi-line value is read as `key=value` (`_config._EMBEDDED`).
_EMBEDDED_KEY = re.compile(r"([A-Za-z_][\w.-]*)[:=]")
# In lower-cased text: a key ending in secret(s)/credential(s)/creds (NHG104
# judges every value under such a mapping) whose value is not one plain scalar
# on the same line.
_CONTAINER = re.compile(
    r"""(?:secrets?|credentials?|creds)[^a-z0-9\n]*:(?![ \t]+(["']?)"""
    r"""[^\s"'#{}\[\],&*!|>][^\s"'#{}\[\],]*\1[ \t]*,?[ \t]*(?:#[^\n]*)?(?:\r?\n|$))"""
)
_CONTAINER_WORDS = ("secret", "credential", "creds")
_KUBERNETES_SECRET = re.compile(r"\bSecret\b")
# A complex key (`? key`) or a line starting with a colon: the key is not on
# the value's line: on the first line, or after a newline (a literal start, which
# `re` finds fast; a pattern starting `(?:^|\n)` is tried at every character).
_DETACHED_KEY_FIRST = re.compile(r"[ \t]*[?:](?:[ \t\r\n]|\Z)")
_DETACHED_KEY = re.compile(r"\n[ \t]*[?:](?:[ \t\r\n]|\Z)")
# What `read_strict_json` gives for text that is not strict JSON.
NOT_STRICT_JSON = object()
# Keys NHG104 reads another key for: a `default:` is judged under its parent,
# a `value:` under its sibling `name:`.
_INDIRECT_KEYS = frozenset({"default", "value"})


def may_hold_secret(text: str) -> bool:
    """False only when no value any rule could read from `text` looks secret."""
    return _first_secret_like(text, structured=False)


def config_may_hold_secret(text: str, json_data: object = NOT_STRICT_JSON) -> bool:
    """NHG104's gate for YAML and JSON: False only when no value that looks
    secret can be judged under a secret-named key (see the module notes).
    `json_data`: the file's strict JSON (`strict_json`), whose strings are read whole."""
    verdict = strict_json_verdict(json_data)
    if verdict is not None:
        return verdict
    # Outside ASCII, case folding and YAML's extra line breaks (U+2028, NEL)
    # would need more care than they are worth: parse. A lone `\r` also
    # breaks a YAML line where these line checks see none.
    if not text.isascii() or text.count("\r") != text.count("\r\n"):
        return True
    lower = text.lower()
    if "private key" in lower or "key-data" in lower \
            or _DETACHED_KEY_FIRST.match(text) or _DETACHED_KEY.search(text) \
            or ("Secret" in text and _KUBERNETES_SECRET.search(text)):
        return True
    for word in _CONTAINER_WORDS:  # `str.find` first: the regex alone is slow
        at = lower.find(word)
        while at >= 0:
            if _CONTAINER.match(lower, at):
                return True
            at = lower.find(word, at + 1)
    return _first_secret_like(text, structured=True)


def _pairs(pairs: list[tuple[str, object]]) -> list[tuple[str, object]]:
    return pairs  # every entry, duplicate keys too (a dict would keep the last)


def read_strict_json(text: str) -> object:
    """The text read by the `json` module (C speed, no positions; objects as lists
    of (key, value) entries), or `NOT_STRICT_JSON` (comments, trailing commas)."""
    try:
        return json.loads(text, object_pairs_hook=_pairs)
    except (ValueError, RecursionError):
        return NOT_STRICT_JSON


def strict_json(doc: Document) -> object:
    """`read_strict_json` of a JSON document, read once for every secret rule that
    asks; `NOT_STRICT_JSON` for other kinds."""
    if doc.kind != JSON:
        return NOT_STRICT_JSON
    return doc.derived("secrets.strict_json", lambda d: read_strict_json(d.text))


def strict_json_verdict(data: object, judged: Callable[[str], bool] | None = None,
                        containers: bool = True) -> bool | None:
    """For strict JSON data (`strict_json`): can a rule judge a string that looks
    secret? None when there is none (not JSON, or not strict: comments, trailing
    commas), and the line checks decide.

    The data answers what the text checks can only guess at. A rule judges an
    object's string value, or a part of one (`value_parts`: the lines of a
    multi-line value), under a key it reads (`judged`; NHG104's by default), or
    with `containers` below a container key (`secrets`, `credentials`); the
    value of a `{"name": KEY, "value": v}` item; an array item read as
    `KEY=value` (`ENV_ITEM`); an auth header without its scheme; whatever a
    Kubernetes manifest or a `*-key-data` key holds (then: parse). A key is never
    judged, and prose (a description, a remediation text) holds spaces: the
    line checks cannot tell a JSON key or a word of prose from a value, nor
    prose that says "private key" or "Secret" from a key or a manifest, and
    said "parse" for most long JSON documents. Escapes are decoded, so they hide
    nothing.
    """
    if data is NOT_STRICT_JSON:
        return None
    reads = judged or _judged_key
    # (key of the entry holding it or None in an array, the value, below a container?, depth)
    stack: list[tuple[str | None, object, bool, int]] = [(None, data, False, 0)]
    while stack:
        key, item, contained, depth = stack.pop()
        if isinstance(item, str):
            if _judged_and_secret(key, item, contained, reads, containers):
                return True
        elif isinstance(item, list):
            if depth >= MAX_DEPTH:
                return None  # too deep for the tree parser: the rules read the lines instead
            inside = containers and (contained or (key is not None and is_container_name(key)))
            entries = [entry for entry in item if isinstance(entry, tuple)]
            if entries:  # an object's (key, value) entries
                keys = {k for k, _ in entries}
                if "apiVersion" in keys and "kind" in keys:
                    return True  # a Kubernetes manifest: its Secret data is judged whatever the key
                if any(k.lower().endswith("key-data") for k in keys):
                    return True  # a kubeconfig key: base64 of a PEM key
                names = [v for k, v in entries if k in ("name", "key") and isinstance(v, str)]
                values = [v for k, v in entries if k == "value" and isinstance(v, str)]
                if any(reads(n) for n in names) and any(_looks_secret(v) for v in values):
                    return True  # `{"name": "API_TOKEN", "value": ...}`, as Kubernetes `env` says it
                stack.extend((k, v, inside, depth + 1) for k, v in entries)
            else:
                stack.extend((None, v, inside, depth + 1) for v in item)
    return False


def _judged_and_secret(key: str | None, value: str, contained: bool,
                       judged: Callable[[str], bool], containers: bool) -> bool:
    """Could a rule judge this string (an object's value under `key`, or an array
    item when `key` is None), and does what it would judge look secret?"""
    if key is None:
        item = ENV_ITEM.fullmatch(value)
        return item is not None and (contained or judged(item.group(1))) \
            and _looks_secret(item.group(2))
    return any((contained or judged(key if inner is None else inner)
                or (containers and inner is not None and is_container_name(key))) and _looks_secret(part)
               for inner, part in value_parts(value))


def _judged_key(key: str) -> bool:
    return not _plain_key(key) or is_container_name(key)


def _looks_secret(value: str) -> bool:
    return looks_secret(value) or looks_secret(secret_part(value))


def _first_secret_like(text: str, structured: bool) -> bool:
    if "\\" in text or "PRIVATE KEY" in text:
        return True
    line_end = -1  # the end of the line last looked at (a run never spans lines)
    harmless = False
    for run in _RUN.finditer(text):
        piece = run.group()
        if not mixes_classes(piece):
            continue  # the cheapest test first: most runs are one case (names, paths)
        if structured and run.start() > line_end:
            start = text.rfind("\n", 0, run.start()) + 1
            line_end = text.find("\n", run.end())
            line_end = len(text) if line_end < 0 else line_end
            harmless = _harmless_line(text[start:line_end].rstrip("\r"))
        if not harmless and _any_secret_piece(piece):
            return True
    return False


# Pieces of one run, and their characters, tried before the gate gives up and
# says "parse": a long run with many cuts (a source map) would otherwise cost
# seconds, and parsing it costs milliseconds. (A 2 KB `mappings` line reached the
# piece budget only after asking about 1.9 million characters: 0.6 s.)
_PIECE_BUDGET = 2000
_CHARACTER_BUDGET = 100_000


def _any_secret_piece(run: str) -> bool:
    if not mixes_classes(run):  # a piece has no more character classes than its run
        return False
    cuts = [m.start() for m in _CUT.finditer(run)]
    starts, ends = [0, *(c + 1 for c in cuts)], [*cuts, len(run)]
    # Trying every piece of a long run is quadratic, so pieces that cannot look
    # secret are skipped without asking:
    # - a piece holding a spoiling span (a placeholder word, a URL), and so
    #   every longer piece from the same start: each start stops at the first
    #   span after it;
    # - a piece with too few distinct characters for its length (a placeholder
    #   by `is_placeholder`: at most max(3, min(length // 8, 12))). From a start
    #   whose rest of the run holds 12 distinct characters or fewer, every piece
    #   of 8 times that many characters or more is one.
    # Past `_PIECE_BUDGET` pieces or `_CHARACTER_BUDGET` characters the answer is "parse".
    spans = sorted(spoiling_spans(run))
    begins = [begin for begin, _ in spans]
    first_end = [len(run) + 1] * (len(spans) + 1)  # the nearest span end, from span i on
    for i in range(len(spans) - 1, -1, -1):
        first_end[i] = min(spans[i][1], first_end[i + 1])
    distinct_after = [0] * (len(run) + 1)  # distinct characters of run[i:]
    chars: set[str] = set()
    for i in range(len(run) - 1, -1, -1):
        chars.add(run[i])
        distinct_after[i] = len(chars)
    budget, characters = _PIECE_BUDGET, _CHARACTER_BUDGET
    for start in starts:
        limit = first_end[bisect_left(begins, start)]
        if distinct_after[start] <= _MAX_PLACEHOLDER_DISTINCT:
            limit = min(limit, start + 8 * distinct_after[start])
        for end in ends:
            if end >= limit:
                break
            if end - start < MIN_LENGTH:
                continue
            budget -= 1
            characters -= end - start
            if budget < 0 or characters < 0:
                return True
            piece = run[start:end]
            if len(set(piece)) > max(3, min(len(piece) // 8, _MAX_PLACEHOLDER_DISTINCT)) \
                    and looks_secret(piece):
                return True
    return False


def _harmless_line(line: str) -> bool:
    """One plain entry whose key is not secret-named: whatever reads this line
    judges its value under that key."""
    item = _PLAIN_ITEM.fullmatch(line)
    if item is not None:
        return _plain_key(item.group(2))
    m = _PLAIN_ENTRY.fullmatch(line)
    if m is None:
        return False
    value = m.group(5)
    if value is None:  # `key:` alone: its value, if any, is on lines of its own
        return True
    key = m.group(2) or m.group(3)
    if _judged_key(key):
        return False
    # A plain value can go on below a blank line and so become multi-line; its
    # first line is then read as `k=v` (`k:v`) under the key `k`.
    embedded = _EMBEDDED_KEY.match(value)
    return embedded is None or not _secret_key(embedded.group(1))


def _plain_key(key: str) -> bool:
    # A bare `key` could end a multi-line flow scalar (`[api\n key: v]` is the
    # key `api key`), and only for it would the word before matter.
    return not _secret_key(key) and key.lower() not in _INDIRECT_KEYS \
        and key_words(key) != ("key",)


def _secret_key(key: str) -> bool:
    return is_secret_name(key) or is_auth_header(key)
