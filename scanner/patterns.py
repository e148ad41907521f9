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


class KeywordSet:
    """Which of a set of case-insensitive keywords occur in some bytes."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords = sorted({k.lower() for k in keywords if k})
        self._encoded = [k.encode() for k in self.keywords]
        self._db: Any = None
        hs = _hyperscan()
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

    With Hyperscan, one pass finds which patterns occur at all and only those
    are run with `re`; patterns Hyperscan cannot compile always run with `re`.
    """

    def __init__(self, patterns: Sequence[tuple[str, str]], flags: int = 0) -> None:
        self.names = [name for name, _ in patterns]
        self.regexes = [re.compile(rx, flags) for _, rx in patterns]
        self._db: Any = None
        self._always: list[int] = list(range(len(patterns)))
        hs = _hyperscan()
        if hs and patterns:
            self._compile_hyperscan(hs, patterns, flags)

    def _compile_hyperscan(self, hs: Any, patterns: Sequence[tuple[str, str]], flags: int) -> None:
        hs_flags = hs.HS_FLAG_SINGLEMATCH | hs.HS_FLAG_UTF8 | hs.HS_FLAG_UCP | hs.HS_FLAG_ALLOWEMPTY
        if flags & re.IGNORECASE:
            hs_flags |= hs.HS_FLAG_CASELESS
        ok: list[int] = []
        always: list[int] = []
        for i, (_, rx) in enumerate(patterns):
            try:
                probe = hs.Database()
                probe.compile(expressions=[rx.encode()], ids=[i], elements=1, flags=[hs_flags])
                ok.append(i)
            except Exception:  # hyperscan.error: a feature it lacks (lookaround, backrefs)
                always.append(i)
        if ok:
            db = hs.Database()
            db.compile(
                expressions=[patterns[i][1].encode() for i in ok],
                ids=ok,
                elements=len(ok),
                flags=[hs_flags] * len(ok),
            )
            self._db = db
        self._always = always

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
