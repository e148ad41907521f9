"""Provider keys hidden in base64: a token inside an encoded config blob
(`?config=ewogICJnaXRodWJQ...`), a Basic auth header, a Secret's `data`.

Decoding every base64-looking run would cost more than the rest of the scan,
so only runs that hold the encoded form of a provider's prefix are decoded.
A prefix encodes three ways, one per byte alignment; the characters each
encoding fixes whatever surrounds the prefix are a literal one pass finds.
The decoded text goes through the same provider search as the file; a key
found there is reported at the run, and the whole run is what reports mask,
since it decodes to the key.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from nhiguard.patterns import PatternSet

# Every alignment of a 4-byte prefix fixes four characters or more. Shorter
# literals would occur by chance in text; on a 22,000-file corpus these let 3%
# more files through to the provider search.
MIN_LITERAL = 4
# Longer runs are images, fonts and archives, not configuration.
MAX_RUN = 8192
MIN_RUN = 24
# A base64 run, standard or URL-safe (its `=` padding is added after).
_RUN = re.compile(r"[A-Za-z0-9+/_-]+")
_URL_SAFE = str.maketrans("+/", "-_")
_STANDARD = str.maketrans("-_", "+/")


def encoded_forms(prefix: str) -> set[str]:
    """The base64 literals that any encoding of `prefix` contains, standard and
    URL-safe, at each of the three byte alignments."""
    raw = prefix.encode()
    forms: set[str] = set()
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + raw + b"\0\0").decode()
        first = -(-8 * pad // 6)  # the first character with no bit of the padding
        last = 8 * (pad + len(raw)) // 6  # the first character with a bit after the prefix
        fixed = encoded[first:last]
        if len(fixed) >= MIN_LITERAL:
            forms.update((fixed, fixed.translate(_URL_SAFE)))
    return forms


def encoded_keywords(prefixes: Iterable[str]) -> set[str]:
    return {form for prefix in prefixes for form in encoded_forms(prefix)}


@dataclass(frozen=True)
class EncodedRun:
    start: int
    end: int
    decoded: str


class EncodedPrefixes:
    """Finds the base64 runs of a text that decode to something holding one of
    the given prefixes."""

    def __init__(self, prefixes: Iterable[str]) -> None:
        self._prefixes = tuple(sorted(set(prefixes)))
        self._literals = PatternSet([(form, re.escape(form))
                                     for form in sorted(encoded_keywords(self._prefixes))])

    def runs(self, text: str) -> Iterator[EncodedRun]:
        present = self._literals.present(text)
        if not present:
            return
        seen: set[int] = set()
        for literal in present:
            at = text.find(literal)
            while at >= 0:
                span = _run_around(text, at)
                if span is None:  # longer than any configuration blob
                    at = text.find(literal, at + MAX_RUN)
                    continue
                start, end = span
                if start not in seen and end - start >= MIN_RUN:
                    seen.add(start)
                    decoded = next((d for d in _decodings(text[start:end])
                                    if any(p in d for p in self._prefixes)), None)
                    if decoded is not None:
                        yield EncodedRun(start, end, decoded)
                at = text.find(literal, max(end, at + 1))


def _run_around(text: str, at: int) -> tuple[int, int] | None:
    """The whole base64 run (with its `=` padding) holding offset `at`, or None
    when it is longer than `MAX_RUN`. A run that short lies within `MAX_RUN`
    characters of `at`, so only that window is read: a megabyte-long data URI
    costs no more than a short blob."""
    for m in _RUN.finditer(text, max(0, at - MAX_RUN), min(len(text), at + MAX_RUN + 1)):
        if m.start() <= at < m.end():
            start, end = m.span()
            while end < len(text) and text[end] == "=" and (end - start) % 4:
                end += 1
            return (start, end) if end - start <= MAX_RUN else None
    return None


def _decodings(run: str) -> Iterator[str]:
    """The run decoded as text, starting at each of its first four characters
    (a run may begin with letters that are not part of the encoding); only
    decodings that are mostly text."""
    alphabet = run.translate(_STANDARD).rstrip("=")
    for skip in range(4):
        body = alphabet[skip:]
        if len(body) % 4 == 1:  # a dangling character encodes no byte
            body = body[:-1]
        try:
            raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        decoded = raw.decode("utf-8", errors="replace")
        if decoded.count("\ufffd") * 20 <= len(decoded):
            yield decoded
