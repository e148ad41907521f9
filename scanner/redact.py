"""Redaction: the one place a secret's text is turned into something safe to show.

A report never holds a secret, by construction rather than by each rule's
care. A snippet is rendered only by `render_snippet`, which masks, on the
finding's line, every value that looks like a secret, whichever rule reported
the line and whatever that rule matched:

- the secret the rule itself reported (and any line of it, for a PEM key);
- every long token that mixes letters and digits or cases (provider keys,
  JWTs, high-entropy strings), unless it reads as words (`client_secret_basic`);
- every literal value of a secret-named key (`password: hunter2!`,
  `"client_secret":"…"`), quoted or, in config files, bare;
- PEM private key bodies, inline (`"-----BEGIN …\\n…"`) or one line of a block.

Masking happens on the whole line before the window around the finding's
column is cut, so no window can show a value whose mask lies outside it.
`scrub` applies the same masks to any other text (messages, notifications);
`Finding` and `Notification` run it on themselves when made.

Every pattern here is linear: single character-class runs, no nested
quantifiers, and a look-behind so a search never restarts inside a run.
"""

from __future__ import annotations

import re
from functools import lru_cache

MASK = "*" * 8
SNIPPET_MAX = 160
ELLIPSIS = "…"

# Long enough that a random token is a credential, short enough to catch the
# shortest fixed-format keys' bodies.
TOKEN_MIN = 16
# A token: base64/base64url/hex characters and the separators keys use; `=`
# only as trailing padding so `KEY=value` stays two parts.
_TOKEN = re.compile(r"(?<![A-Za-z0-9+/_~.\-])[A-Za-z0-9+/_~.\-]+={0,2}")
# Words joined by separators, or camelCase words, with a short number at the
# end: identifiers and phrases, not keys. Written so each character can be
# read only one way (an upper-case letter always starts a new word), which
# keeps `fullmatch` linear; `(?:[A-Z]?[a-z]{2,})+` would backtrack exponentially.
_WORDS = re.compile(
    r"[A-Za-z]+(?:[-_./](?:[A-Za-z]+|[0-9]{1,4}))+[-_./]?"
    r"|(?:[A-Z]?[a-z]{2,}|[A-Z]{2,})(?:[A-Z][a-z]{2,})*[0-9]{0,4}"
)
# No word runs to 21 letters of one case; camelCase names do, across words
# (`clientRegistrationHandler`), and stay names.
_LONG_WORD = re.compile(r"[a-z]{21}|[A-Z]{21}")
# Acronyms inside code names, read as one capitalised word (`OAuth` as `Oauth`)
# so `ProxyOAuthServerProvider` and `clientID` read as the names they are.
_ACRONYM = re.compile(r"OAuth|OIDC|HTTPS?|URL|URI|JSON|JWT|API|MCP|DCR|SDK|AWS|IAM|TLS|SSO|CLI|TTL"
                      r"|ID(?![a-z])")
_UPPER, _LOWER, _DIGIT = re.compile("[A-Z]"), re.compile("[a-z]"), re.compile("[0-9]")

# `key = `, `"key": `, `key: `, `key := `, `key => `, `--key=` (the value follows).
_ASSIGN = re.compile(r"""(?<![A-Za-z0-9_.\-])([A-Za-z_][A-Za-z0-9_.\-]*)["']?[ \t]*(?::=|=>|[:=])[ \t]*""")
_KEY_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_SECRET_KEY_WORD = re.compile(
    r"secret|token|passw|pwd|passphrase|apikey|privatekey|accesskey|signingkey|credential"
    r"|authorization|cookie|connectionstring|dsn$"
)
# Last words that make a secret-sounding key name something public.
_PUBLIC_LAST_WORDS = frozenset(str.split(
    "method methods url uri uris endpoint type types name names id ids path file at ttl count "
    "limit limits expiry expires seconds days format prefix header env ref arn hint length kind "
    "mode enabled required supported issuer scope scopes lifetime rotation policy location "
    "version store provider algorithm alg"
))
# The key of a line holding one setting: `KEY=`, `export KEY=`, `key:`, `- key:`.
_LINE_KEY = re.compile(r"[ \t]*(?:export[ \t]+|-[ \t]+)?[A-Za-z_]")
_BARE_VALUE = re.compile(r"""[^\s,;}\])"'`]+""")
_BARE_SKIP = re.compile(r"-?[0-9][0-9_.]*|true|false|null|none|nil|yes|no|~|\||>|[|>][-+]?", re.I)
_AUTH_SCHEME = re.compile(r"(?:Bearer|Basic|Token|Bot|Digest|ApiKey)[ \t]+", re.I)
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
# A whole value that only names where the secret lives: `${CLIENT_SECRET}`, `{{ .x }}`.
_REFERENCE = re.compile(r"\$\{[^{}]*\}|\{\{[^{}]*\}\}|\$[A-Za-z_][A-Za-z0-9_]*")
_QUOTE_PREFIX = re.compile(r"[rRbBfFuU]{1,2}(?=[\"'])")

# Kinds whose bare right-hand sides are code (`api_key=settings.key`), not literals.
_CODE_KINDS = frozenset({"python", "javascript", "typescript"})

Span = tuple[int, int]


def redact(secret: str, public_prefix: str = "") -> str:
    """A safe stand-in for a secret: its public prefix, if any, then a mask.

    Only a prefix the rule vouches for as public (a provider's fixed marker
    such as `ghp_` or `sk-proj-`) is shown, so a reader can tell which key
    it is; no character of the secret part itself is ever shown.
    """
    if public_prefix and secret.startswith(public_prefix) and len(public_prefix) < len(secret):
        return public_prefix + MASK
    return MASK


def _fragments(secret: str) -> list[str]:
    # A multi-line secret (a PEM key) shows up on a line only in part; JSON
    # writes its line breaks as `\n`.
    parts = [p.strip() for p in secret.replace("\\n", "\n").splitlines()]
    return [p for p in parts if len(p) >= 4] or ([secret] if secret else [])


def contains_secret(text: str, secrets: list[str] | tuple[str, ...]) -> bool:
    """True if any secret, or a long part of one, appears in `text`."""
    return any(frag in text for s in secrets for frag in _fragments(s) if len(frag) >= 8)


# -- what to mask on a line ------------------------------------------------------------


def is_wordy(token: str) -> bool:
    """An identifier or phrase (`client_secret_basic`, `ClientSecretExpiresAt`),
    not a random string; a 21-letter run is no word."""
    token = _ACRONYM.sub(lambda m: m.group()[0] + m.group()[1:].lower(), token)
    return bool(_WORDS.fullmatch(token)) and not _LONG_WORD.search(token)


def _random_token(token: str) -> bool:
    core = token.rstrip("=").strip("./-")
    if len(core) < TOKEN_MIN or is_wordy(core):
        return False
    classes = bool(_UPPER.search(core)) + bool(_LOWER.search(core)) + bool(_DIGIT.search(core))
    return classes >= 2


def _token_spans(line: str) -> list[Span]:
    return [m.span() for m in _TOKEN.finditer(line) if _random_token(m.group())]


def is_secret_key(key: str) -> bool:
    """Does this key name a credential, so that its literal value is masked?
    Broader than the rules' judgement: masking a harmless value costs little."""
    words = [w.lower() for w in _KEY_SPLIT.split(key) if w]
    if not words or words[-1] in _PUBLIC_LAST_WORDS:
        return False
    return bool(_SECRET_KEY_WORD.search("".join(words)))


def _quoted_end(line: str, start: int) -> int:
    """Index just past the closing quote of the string opening at `start`
    (the line's end if it does not close there)."""
    quote, i = line[start], start + 1
    while i < len(line):
        c = line[i]
        if c == "\\":
            i += 2
            continue
        if c == quote:
            return i + 1
        i += 1
    return len(line)


def _value_spans(line: str, code: bool) -> list[Span]:
    """Spans of the literal values of secret-named keys on `line`."""
    spans: list[Span] = []
    for m in _ASSIGN.finditer(line):
        if not is_secret_key(m.group(1)):
            continue
        start = m.end()
        prefix = _QUOTE_PREFIX.match(line, start)
        if prefix:
            start = prefix.end()
        if start < len(line) and line[start] in "\"'`":
            end = _quoted_end(line, start)
            inner = (start + 1, end - 1 if end - 1 > start and line[end - 1] == line[start] else end)
            if inner[1] > inner[0] and not _REFERENCE.fullmatch(line, *inner):
                spans.append(inner)
            continue
        if code:
            continue
        scheme = _AUTH_SCHEME.match(line, start)
        if scheme:
            start = scheme.end()
        bare = _BARE_VALUE.match(line, start)
        if bare and not _BARE_SKIP.fullmatch(bare.group()) and not bare.group().startswith("$"):
            end = bare.end()
            if _LINE_KEY.fullmatch(line, 0, m.start(1) + 1):
                # `PASSWORD=correct horse`, `password: a, b`: the line holds one
                # setting, so its value runs to the end (or to a ` #` comment).
                comment = line.find(" #", end)
                end = len(line.rstrip()) if comment < 0 else comment
            spans.append((bare.start(), end))
    return spans


def _pem_spans(line: str) -> list[Span]:
    """A PEM body written on one line (JSON `\\n` escapes, or a flow value)."""
    spans = []
    for m in _PEM_BEGIN.finditer(line):
        end = _PEM_END.search(line, m.end())
        if end is not None:
            stop = end.start()
        else:  # the body runs to the end of the string holding it, or of the line
            quote = line.rfind('"', 0, m.start())
            close = line.find('"', m.end()) if quote >= 0 else -1
            stop = close if close >= 0 else len(line)
        if stop > m.end():
            spans.append((m.end(), stop))
    return spans


def secret_spans(line: str, kind: str = "", secrets: tuple[str, ...] = ()) -> list[Span]:
    """Every span of `line` that holds, or may hold, a secret; unsorted, may overlap."""
    spans = _token_spans(line) + _value_spans(line, kind in _CODE_KINDS) + _pem_spans(line)
    for secret in secrets:
        for frag in _fragments(secret):
            i = line.find(frag)
            while i >= 0:
                spans.append((i, i + len(frag)))
                i = line.find(frag, i + len(frag))
    return spans


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _mask(line: str, spans: list[Span], secrets: tuple[str, ...], public_prefix: str,
          column: int) -> tuple[str, int]:
    """`line` with every span masked, and where `column` (0-based) lands in it."""
    out: list[str] = []
    pos = size = 0
    new_column = -1
    for start, end in _merge(spans):
        if new_column < 0 and column < start:
            new_column = size + column - pos
        out.append(line[pos:start])
        size += start - pos
        shown = line[start:end]
        own = bool(public_prefix) and any(shown.startswith(s) or s.startswith(shown) for s in secrets)
        if new_column < 0 and column < end:
            new_column = size
        out.append(redact(shown, public_prefix if own else ""))
        size += len(out[-1])
        pos = end
    if new_column < 0:
        new_column = size + column - pos
    out.append(line[pos:])
    return "".join(out), new_column


def _window(text: str, column: int) -> str:
    """At most SNIPPET_MAX characters of `text` around `column`, an ellipsis
    marking each cut."""
    if len(text) <= SNIPPET_MAX:
        return text
    start = min(max(0, column - SNIPPET_MAX // 3), len(text) - SNIPPET_MAX)
    piece = text[start:start + SNIPPET_MAX]
    if start > 0:
        piece = ELLIPSIS + piece[1:]
    if start + SNIPPET_MAX < len(text):
        piece = piece[:-1] + ELLIPSIS
    return piece


def render_snippet(line: str, column: int = 1, secrets: tuple[str, ...] | list[str] = (),
                   public_prefix: str = "", kind: str = "", pem_body: bool = False) -> str:
    """The one way a source line becomes a snippet: every secret-like value
    masked, then trimmed to a window around `column` (1-based). `pem_body` says
    the line lies inside a PEM private key block, so all of it is key.
    Empty when the line cannot be shown safely."""
    secrets = tuple(s for s in secrets if s)
    line = line.rstrip("\r\n")
    if pem_body:
        return MASK if line.strip() else ""
    masked, col = _mask(line, secret_spans(line, kind, secrets), secrets, public_prefix,
                        max(0, column - 1))
    stripped = masked.lstrip()
    col = max(0, col - (len(masked) - len(stripped)))
    snippet = _window(stripped.rstrip(), col)
    if contains_secret(snippet, secrets):
        return ""
    return snippet


def scrub(text: str, kind: str = "") -> str:
    """`text` (a message, a notification, a snippet) with every secret-like
    value masked; idempotent, and unchanged when nothing looks secret."""
    if not text:
        return text
    out = []
    for line in text.split("\n"):
        spans = [(a, b) for a, b in secret_spans(line, kind) if not _already_masked(line[a:b])]
        out.append(_mask(line, spans, (), "", 0)[0] if spans else line)
    return "\n".join(out)


def _already_masked(value: str) -> bool:
    """A value `redact` made: a short public prefix (`ghp_`) and the mask.
    Masking it again would only hide which kind of key it was."""
    return MASK in value and len(value.replace(MASK, "").strip("\"'")) <= 16


@lru_cache(maxsize=4)
def pem_body_lines(text: str) -> frozenset[int]:
    """Line numbers (1-based) strictly inside a multi-line PEM private key block."""
    lines: set[int] = set()
    if "PRIVATE KEY" not in text:
        return frozenset()
    for begin in _PEM_BEGIN.finditer(text):
        end = _PEM_END.search(text, begin.end())
        stop = end.start() if end is not None else len(text)
        first = text.count("\n", 0, begin.end()) + 1
        last = first + text.count("\n", begin.end(), stop)
        lines.update(range(first + 1, last + (end is None or text[stop - 1] != "\n")))
        if end is None:  # no later block ends either
            break
    return frozenset(lines)
