"""Shared judgement for the secret rules: is this key secret-named, is this value a secret?

Every NHG1xx rule asks the same questions of a key and its value, so they are
answered once, here:

- `is_secret_name(key)` / `is_oauth_secret_name(key)` / `is_auth_header(key)`:
  what the key says.
- `looks_secret(value)`: a literal that looks random, not a reference to the
  environment or a secret manager, not a placeholder, a hash, a path or a URL.
- `fake_key(...)`: made-up keys for the rules' examples and the tests.

Where values sit (files, config trees) is `_config`'s business.

Precedence, so one secret is reported once: a value in a known provider format
belongs to NHG101/NHG105 (`_providers`); otherwise a value under an OAuth
client-credential key belongs to NHG102; otherwise a value in an MCP or agent
client config belongs to NHG103; anything else in a config store to NHG104.
Each rule declares the rules that supersede it (`Rule.superseded_by`), and the
engine keeps one finding per span among the rules that ran.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from functools import lru_cache

# -- key names -------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEP = re.compile(r"[^A-Za-z0-9]+")
# A key is secret-named when its last word, or last two words, say so.
_SECRET_LAST = _words(
    "token secret password passwd passphrase pwd pass apikey credential credentials "
    "secretkey accesskey privatekey authtoken accesstoken"
)
SECRET_KEY_PAIRS = _words(
    "api access secret private signing auth master account subscription app service "
    "encryption hmac webhook tls ssl ssh rsa jwt"
)
# Words that make a secret-sounding key mean something else: tokenizer
# vocabulary, pagination cursors, CSRF nonces, hashes of passwords.
_NOT_SECRET_WORDS = _words(
    "csrf xsrf page next continuation sync cancellation eos bos pad unk sep cls mask special "
    "hashed hash encrypted enc min max num type name id ids file path url uri ref arn env "
    "header endpoint ttl expiry expires length count limit format prefix field policy"
)
_OAUTH_SECRET_ENDINGS = (
    "clientsecret", "clientsecretkey", "clientsecretvalue", "clientcredential",
    "registrationaccesstoken", "initialaccesstoken", "consumersecret",
)


@lru_cache(maxsize=8192)
def key_words(key: str) -> tuple[str, ...]:
    """`OPENAI_API_KEY`, `openaiApiKey`, `x-openai-api-key` -> ('openai', 'api', 'key')."""
    return tuple(w.lower() for w in _SEP.split(_CAMEL.sub("_", key)) if w)


def minimal_keywords(words: set[str] | list[str]) -> tuple[str, ...]:
    """Prefilter keywords without the ones another already covers (`secret`
    covers `client_secret`): fewer keywords, same files let through."""
    low = {w.lower() for w in words if w}
    return tuple(sorted(w for w in low if not any(o != w and o in w for o in low)))


def is_secret_name(key: str) -> bool:
    """True for keys that name a credential: `*_API_KEY`, `*_TOKEN`, `*SECRET`,
    `*PASSWORD`, `x-api-key`, `privateKey`; not `max_tokens`, `token_url`,
    `secret_name`, `eos_token`, `password_hash`."""
    words = key_words(key)
    if not words or _NOT_SECRET_WORDS.intersection(words):
        return False
    last = words[-1]
    if last in _SECRET_LAST:
        return True
    return last == "key" and len(words) > 1 and words[-2] in SECRET_KEY_PAIRS


_CONTAINER_WORDS = frozenset({"secret", "secrets", "credential", "credentials", "creds"})
# Names whose values are public even inside a secret: who, where, which.
_PUBLIC_WORDS = _words(
    "user username login email host hostname server port database db dbname namespace region "
    "zone project tenant account domain issuer audience scope scopes crt cert certificate ca "
    "bundle kind mode version enabled dockerconfigjson dockercfg"
)


def is_public_name(key: str) -> bool:
    """`username`, `host`, `tls.crt`, `client_id`: not secret even in a Secret manifest."""
    words = set(key_words(key))
    return bool(words & _PUBLIC_WORDS or words & _NOT_SECRET_WORDS)


def is_container_name(key: str) -> bool:
    """`secrets`, `credentials`, `dbCredentials`: a key whose values are secrets
    whatever their own names."""
    words = key_words(key)
    return bool(words) and words[-1] in _CONTAINER_WORDS


def is_secret_by_container(path: tuple[str | int, ...]) -> bool:
    """A value under a `secrets:` or `credentials:` mapping, whatever its own
    name (`secrets: {OPENAI: ...}`), unless that name is plainly public."""
    keys = [p for p in path if isinstance(p, str)]
    if len(keys) < 2 or is_public_name(keys[-1]):
        return False
    return any(is_container_name(key) for key in keys[:-1])


def is_oauth_secret_name(key: str) -> bool:
    """Keys of OAuth client credentials: client_secret, clientSecret,
    CLIENT-SECRET, upstream_client_secret, registration_access_token, ..."""
    flat = "".join(key_words(key))
    return flat.endswith(_OAUTH_SECRET_ENDINGS)


def is_auth_header(key: str) -> bool:
    """`Authorization`, `Proxy-Authorization`: their value is `<scheme> <credential>`."""
    return key.lower() in ("authorization", "proxy-authorization")


# -- values --------------------------------------------------------------------------------

# The parts of `_REFERENCE` that match anywhere inside a value.
_INNER_REFERENCE = re.compile(
    r"\$\{|\$\(|\{\{|\{%|%\(|#\{|<%|@Microsoft\.KeyVault\(|ENC\[|\$ANSIBLE_VAULT"
    r"|projects/[^/\s]+/secrets/|secretKeyRef|valueFrom",
    re.I,
)
_REFERENCE = re.compile(
    _INNER_REFERENCE.pattern
    + r"|^\$[A-Za-z_][A-Za-z0-9_]*$|^\$\w+:|^%[A-Za-z_]+%$"
    r"|^(?:vault|ssm|secretsmanager|awssm|sm|gcpsm|akv|keyvault|azurekv|op|ref\+\w+|env|file|"
    r"secret|secrets|keyring|k8s|kubernetes|doppler|infisical|bws|conjur):"
    r"|^arn:aws[\w-]*:",
    re.I,
)
_PLACEHOLDER_WORDS = (
    "example", "sample", "placeholder", "changeme", "change_me", "change-me", "changethis",
    "replace", "your", "dummy", "fake", "test", "redacted", "masked", "xxxx", "****", "...",
    "abc123",
    "…", "•", "todo", "fixme", "tbd", "insert", "mock", "demo", "lorem", "foobar", "qwerty",
    "secret", "passw", "token", "apikey", "api_key", "api-key", "admin", "insecure", "default",
    "here", "none", "null", "undefined", "localhost", "local_", "local-",
)
# Four in a row is rare in a random string (about 1 in 2,000 for 40 hex digits).
_SEQUENCES = ("0123", "1234", "2345", "3456", "4567", "5678", "6789", "9876", "8765", "abcd",
              "bcde", "cdef", "wxyz", "qwer", "asdf")
_RUN = re.compile(r"(.)\1{4,}")
# A key of a fixed format is long and random by construction: four in a row
# occur by chance in 1-2% of real 64-hex-digit or digit-grouped keys, so only
# six (about 1 in 100,000) mark one as typed by a person.
KEY_SEQUENCES = ("012345", "123456", "234567", "345678", "456789", "987654", "876543",
                 "abcdef", "qwerty", "asdfgh")
KEY_RUN = re.compile(r"(.)\1{5,}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_HEX = re.compile(r"[0-9a-fA-F]+")
_PREFIXED_HEX = re.compile(r"(?:[A-Za-z][A-Za-z0-9]{0,9}[_-])?([0-9a-fA-F]+)")
# Password hashes, digests and lock-file integrity strings: derived, not secret.
_HASHED = re.compile(
    r"^(?:\$(?:2[abxy]?|argon2\w*|[135679]|y|gy|sha1|md5|pbkdf2[\w-]*|scrypt)\$|(?:pbkdf2_\w+|bcrypt|argon2\w*|"
    r"sha\d+|md5|scrypt)[$:]|(?:sha1|sha256|sha384|sha512)-|\{S?SHA\w*\})",
    re.I,
)
# Words joined by separators, or camelCase words with a short number at the end.
# After the first word each word starts upper-case, so a text splits into words
# one way only: `(?:[A-Z]?[a-z]{2,})+` accepts the same texts but tries every
# split of a long lower-case run, which takes exponential time before a `!`.
# Words are short: 21 random letters, `_`, 13 more is a key, not a phrase.
_PHRASE = re.compile(r"[A-Za-z]{1,14}(?:[-_.](?:[A-Za-z]{1,14}|[0-9]{1,4}))+"
                     r"|[A-Z]?[a-z]{2,}(?:[A-Z][a-z]{2,})*[0-9]{0,4}")
_HOSTNAME = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?")
_PATHLIKE = re.compile(r"^(?:/|\./|\.\./|~/|[A-Za-z]:\\|\\\\)|^[\w.-]+\.(?:json|ya?ml|pem|key|crt|p12|txt)$")
_PEM = re.compile(
    r"-----BEGIN ([A-Z ]*)PRIVATE KEY(?: BLOCK)?-----(.*?)-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----",
    re.S,
)
# A PEM body is long enough to hold any word by chance: only elisions count.
_PEM_PLACEHOLDER = re.compile(r"\.\.\.|…|[xX*]{4}|(.)\1{7}")
_SECRET_CHARS = re.compile(r"[A-Za-z0-9+/=_\-.~!@#$%^&*:,;?|]+")
_AUTH_SCHEME = re.compile(r"^(?:Bearer|Basic|Token|Bot|Digest|ApiKey|Key)\s+(\S+)$", re.I)
# Example values printed in RFCs and vendor docs that code copies verbatim.
KNOWN_EXAMPLES = frozenset({
    "7Fjfp0ZBr1KtDRbnfVdmIw",  # RFC 6749
    "cf136dc3c1fc93f31185e5885805d",  # RFC 7591
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # AWS docs
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",  # AWS docs
})

MIN_LENGTH = 16
# A value with this many distinct characters or fewer may be a placeholder
# (`aaaa-bbbb-aaaa-bbbb...`); a long base64 value has up to 64.
MAX_PLACEHOLDER_DISTINCT = 12


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def is_reference(value: str) -> bool:
    """An environment, template or secret-manager reference rather than a literal:
    `${VAR}`, `${env:X}`, `${{ secrets.X }}`, `{{ .Values.x }}`, `$(VAR)`,
    `%(x)s`, `vault:...`, `arn:aws:secretsmanager:...`, `op://...`, SOPS `ENC[...]`."""
    return bool(_REFERENCE.search(value.strip()))


def is_placeholder(value: str, words: tuple[str, ...] = _PLACEHOLDER_WORDS,
                   sequences: tuple[str, ...] = _SEQUENCES, run: re.Pattern[str] = _RUN) -> bool:
    """Text a person typed in place of a secret: `<your-key>`, `changeme`,
    `xxxx`, `sk-...REPLACE_ME`, `GOCSPX-abc123...`, `**********`, repeated or
    sequential characters (`sequences`, `run`: a key format passes stricter ones)."""
    low = value.lower()
    if value in KNOWN_EXAMPLES or "<" in value or ">" in value:
        return True
    if any(word in low for word in words) or any(s in low for s in sequences):
        return True
    # Few distinct characters; capped, as a long base64 value has at most 64.
    return bool(run.search(value)) or len(set(value)) <= max(3, min(len(value) // 8,
                                                                    MAX_PLACEHOLDER_DISTINCT))


def is_random(body: str, min_entropy: float | None = None) -> bool:
    """Does `body` look machine-generated? Entropy scaled to its length and alphabet."""
    n = len(body)
    if n == 0:
        return False
    if min_entropy is None:
        hexed = _PREFIXED_HEX.fullmatch(body)  # `abc_` + hex digits is judged as hex
        if hexed:
            body, n = hexed.group(1), len(hexed.group(1))
        # Roughly the 1st percentile of truly random strings of this length.
        min_entropy = min(3.1, 1.7 + 0.06 * n) if hexed else min(4.0, 2.4 + 0.06 * n)
    return entropy(body) >= min_entropy


def is_phrase(value: str) -> bool:
    """Words rather than randomness: `my-dev-key-2024`, `ThisIsMyToken2`."""
    return bool(_PHRASE.fullmatch(value))


def private_key_body(value: str) -> str | None:
    """The base64 body of a PEM private key (newlines or `\\n` escapes removed)."""
    m = _PEM.search(value.replace("\\n", "\n"))
    if m is None:
        return None
    return re.sub(r"\s+|^[A-Za-z-]+:.*$", "", m.group(2), flags=re.M)


def secret_part(value: str) -> str:
    """The credential inside a header value: `Bearer abc` -> `abc`; else the value."""
    value = value.strip()
    m = _AUTH_SCHEME.match(value)
    return m.group(1) if m else value


def looks_secret(value: str, min_length: int = MIN_LENGTH) -> bool:
    """Is this literal a real-looking secret? Random, long enough, and none of:
    a reference, a placeholder, a UUID, a hash, a path, a URL, a host name, a
    phrase of words. A PEM private key counts when its body is real."""
    value = value.strip()
    if not value or is_reference(value):
        return False
    if "PRIVATE KEY" in value:
        body = private_key_body(value)
        return (body is not None and len(body) >= 64 and not _PEM_PLACEHOLDER.search(body)
                and is_random(body))
    if len(value) < min_length or not _SECRET_CHARS.fullmatch(value):
        return False
    if "://" in value or _PATHLIKE.search(value) or _HOSTNAME.fullmatch(value):
        return False
    if _UUID.search(value) or _HASHED.search(value) or is_phrase(value):
        return False
    if is_placeholder(value):
        return False
    return mixes_classes(value) and is_random(value)


_DIGIT = re.compile("[0-9]")


def mixes_classes(text: str) -> bool:
    """Two of lower case, upper case and digits, as a secret mixes them. For ASCII
    text (which every secret-shaped value is): changing case tells which letters
    it has faster than a search for each class."""
    has_upper, has_lower = text.lower() != text, text.upper() != text
    if has_upper and has_lower:
        return True
    return (has_upper or has_lower) and _DIGIT.search(text) is not None


def spoiling_spans(text: str) -> list[tuple[int, int]]:
    """Spans of `text` that no secret-looking value can contain: any value
    holding one is a reference, a placeholder, a UUID or a URL by the tests of
    `looks_secret`, however much text surrounds it. (Tests that look at a
    whole value, such as a phrase or entropy, are not spans.) Lets a caller
    that tries many overlapping pieces of one text skip those holding a span."""
    low = text.lower()
    spans: list[tuple[int, int]] = []
    for word in (*_PLACEHOLDER_WORDS, *_SEQUENCES, "://", "<", ">"):
        at = low.find(word)
        while at >= 0:
            spans.append((at, at + len(word)))
            at = low.find(word, at + 1)
    for m in _RUN.finditer(text):  # every five-character window of a longer run
        spans.extend((at, at + 5) for at in range(m.start(), m.end() - 4))
    for rx in (_UUID, _INNER_REFERENCE):
        spans.extend(m.span() for m in rx.finditer(text))
    return spans


def decode_base64(value: str) -> str | None:
    """A Kubernetes `data:` value decoded to text, or None if it is not base64 text."""
    try:
        raw = base64.b64decode("".join(value.split()), validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None


# -- examples --------------------------------------------------------------------------------

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
HEXDIGITS = "0123456789abcdef"


def fake_key(prefix: str, length: int, alphabet: str = ALNUM, suffix: str = "",
             seed: str = "") -> str:
    """A made-up, random-looking key for rule examples and tests: `prefix`,
    `length` characters of `alphabet`, `suffix`; another `seed` gives another
    key. Deterministic, and never a real credential (nothing issued it)."""
    import hashlib

    out: list[str] = []
    counter = 0
    while len(out) < length:
        digest = hashlib.sha256(f"nhiguard:{prefix}:{seed}:{length}:{counter}".encode()).digest()
        out.extend(alphabet[b % len(alphabet)] for b in digest)
        counter += 1
    return prefix + "".join(out[:length]) + suffix
