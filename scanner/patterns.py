"""Multi-pattern matching: which of many patterns occur in a text, in one pass.

Two engines give identical answers: Hyperscan (when its wheel is installed)
scans for all patterns at once, and plain `re` is the portable fallback. The
engine in use is chosen at run time and shown by `nhiguard --version`.

Hyperscan only ever answers "which patterns occur"; positions and groups
always come from Python's `re`, so results never depend on the engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Any


@cache
def _hyperscan() -> Any:
    try:
        import hyperscan
    except ImportError:
        return None
    return hyperscan


def engine_name() -> str:
    hs = _hyperscan()
    return f"hyperscan {getattr(hs, '__version__', '')}".strip() if hs else "re"


# The only characters `re.I` equates with an ASCII letter (`ſ` and `s`, the Kelvin
# sign and `k`, dotted and dotless `i`), or whose lower case is longer.
_ASCII_FOLDS = ("\u0130", "\u0131", "\u017f", "\u212a")


def lowered_in_place(text: str) -> str | None:
    """`text` lower-cased, when that keeps every offset and a lower-case pattern
    (without `re.I`) finds in it exactly what the pattern with `re.I` finds in
    `text`; None when the text holds a character that would make them differ.

    A case-insensitive search in `re` tests every character; on lower-cased text
    a pattern with a literal start is found at the speed of a substring search.
    Text outside ASCII (translations, docs, a single `…`) takes the fast way too
    unless it holds one of the few characters `re.I` folds into ASCII.
    """
    return None if folds_into_ascii(text) else text.lower()


def folds_into_ascii(text: str) -> bool:
    """Does the text hold a character `re.I` equates with an ASCII letter (or
    whose lower case is longer)? Then `lowered_in_place` gives None."""
    return not text.isascii() and any(c in text for c in _ASCII_FOLDS)


class KeywordSet:
    """Which of a set of case-insensitive keywords occur in some bytes."""

    def __init__(self, keywords: Iterable[str], use_hyperscan: bool = True) -> None:
        self.keywords = sorted({k.lower() for k in keywords if k})
        self._encoded = [k.encode() for k in self.keywords]
        self._db: Any = None
        hs = _hyperscan() if use_hyperscan else None
        if hs and self.keywords:
            db = hs.Database()
            db.compile(
                expressions=[re.escape(k).encode() for k in self.keywords],
                ids=list(range(len(self._encoded))),
                elements=len(self._encoded),
                flags=[hs.HS_FLAG_CASELESS | hs.HS_FLAG_SINGLEMATCH] * len(self._encoded),
            )
            self._db = db

    def present(self, data: bytes) -> set[str]:
        if not self.keywords or not data:
            return set()
        if self._db is not None:
            hits: set[int] = set()

            def on_match(idx: int, _from: int, _to: int, _flags: int, _ctx: object) -> None:
                hits.add(idx)

            self._db.scan(data, match_event_handler=on_match)
            return {self.keywords[i] for i in hits}
        lowered = data.lower()
        return {kw for kw, enc in zip(self.keywords, self._encoded, strict=True) if enc in lowered}


class PatternSet:
    """Named regular expressions run over text; `finditer` yields (name, match).

    Patterns match with ASCII semantics (`re.ASCII`).

    With Hyperscan, one pass finds which patterns occur at all and only those
    are run with `re`; patterns Hyperscan cannot compile always run with `re`.
    """

    def __init__(self, patterns: Sequence[tuple[str, str]], flags: int = 0,
                 use_hyperscan: bool = True) -> None:
        self.names = [name for name, _ in patterns]
        # ASCII semantics for \w, \d, \b in both engines: key formats are
        # ASCII, and Hyperscan's Unicode mode rejects \b.
        self.regexes = [re.compile(rx, flags | re.ASCII) for _, rx in patterns]
        self._db: Any = None
        self._always: list[int] = list(range(len(patterns)))
        hs = _hyperscan() if use_hyperscan else None
        if hs and patterns:
            self._compile_hyperscan(hs, patterns, flags)

    def _compile_hyperscan(self, hs: Any, patterns: Sequence[tuple[str, str]], flags: int) -> None:
        hs_flags = hs.HS_FLAG_SINGLEMATCH | hs.HS_FLAG_UTF8 | hs.HS_FLAG_ALLOWEMPTY
        if flags & re.IGNORECASE:
            hs_flags |= hs.HS_FLAG_CASELESS
        ids = list(range(len(patterns)))
        always: list[int] = []
        db = hs.Database()
        try:
            self._compile(db, patterns, ids, hs_flags)
        except Exception:  # hyperscan.error: some pattern uses what it lacks (lookaround, backrefs)
            # Only now pay for probing one by one, to find which patterns run with `re` alone.
            always = [i for i in ids if not self._compiles(hs, patterns, i, hs_flags)]
            ids = [i for i in ids if i not in always]
            db = hs.Database()
            if ids:
                self._compile(db, patterns, ids, hs_flags)
        self._db = db if ids else None
        self._always = always

    @staticmethod
    def _compile(db: Any, patterns: Sequence[tuple[str, str]], ids: list[int], hs_flags: int) -> None:
        db.compile(expressions=[patterns[i][1].encode() for i in ids], ids=ids,
                   elements=len(ids), flags=[hs_flags] * len(ids))

    def _compiles(self, hs: Any, patterns: Sequence[tuple[str, str]], i: int, hs_flags: int) -> bool:
        try:
            self._compile(hs.Database(), patterns, [i], hs_flags)
        except Exception:
            return False
        return True

    def present(self, text: str) -> set[str]:
        """Names of the patterns that match somewhere in `text` (no positions)."""
        if self._db is None:
            return {self.names[i] for i in self._always if self.regexes[i].search(text)}
        always = set(self._always)
        return {self.names[i] for i in self._candidates(text)
                if i not in always or self.regexes[i].search(text)}

    def _candidates(self, text: str) -> list[int]:
        if self._db is None:
            return self._always
        hits: set[int] = set(self._always)

        def on_match(idx: int, _from: int, _to: int, _flags: int, _ctx: object) -> None:
            hits.add(idx)

        self._db.scan(text.encode("utf-8", "surrogatepass"), match_event_handler=on_match)
        return sorted(hits)

    def finditer(self, text: str) -> Iterator[tuple[str, re.Match[str]]]:
        for i in self._candidates(text):
            for m in self.regexes[i].finditer(text):
                yield self.names[i], m
