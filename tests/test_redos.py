"""Every regex in the package stays fast on adversarial input.

One crafted file must not block a repository's pull requests: each pattern
(found generically, see `regex_inventory`) is checked by a ReDoS analyser and
then run on the worst inputs we can build, long runs of each character class
after each of the pattern's own literal words, ending in a character that
makes the match fail. The bound is on growth, not on time: quadrupling the
input may not multiply the work by more than a quadratic factor would (a
cubic or exponential pattern multiplies it by 64 or by millions), and a
per-call alarm stops a pattern that would hang.
"""

from __future__ import annotations

import re
import signal
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from regex_inventory import all_patterns

PATTERNS = all_patterns()
FILLERS = ("a", "A", "0", " ", "\t", "\n", "-", "_", ".", "/", "=", ":", "\\", '"', "a ", "\\n", "é")
SMALL, LARGE = 500, 2000
# 4x the input: linear work grows 4x, quadratic 16x, cubic 64x. Timing noise
# on a busy machine stays far below the gap; only work above the floor counts.
MAX_GROWTH = 40.0
FLOOR_SECONDS = 0.05
ALARM_SECONDS = 10


def _ids(pattern: tuple[str, int]) -> str:
    return pattern[0][:60]


def test_the_inventory_finds_the_patterns_of_every_layer() -> None:
    sources = {p for p, _ in PATTERNS}
    assert len(PATTERNS) > 150
    assert any("clientMetadata" in p for p in sources)  # a rule's module-level pattern
    assert any(p.startswith("(ghp_") for p in sources)  # a provider row's pattern
    assert any("(?<=[a-z0-9])(?=[A-Z])" in p for p in sources)  # a shared function's pattern


# Possessive quantifiers never backtrack, and the analyser cannot read them;
# the worst-input test below still runs those patterns.
ANALYSABLE = [p for p in PATTERNS if not re.search(r"(?<!\\)[*+?}]\+", p[0])]


@pytest.mark.parametrize("pattern", ANALYSABLE, ids=_ids)
def test_the_redos_analyser_finds_no_super_quadratic_backtracking(pattern: tuple[str, int]) -> None:
    with warnings.catch_warnings():  # it reads patterns with the deprecated sre_parse
        warnings.simplefilter("ignore", DeprecationWarning)
        from regexploit.ast.sre import SreOpParser
        from regexploit.redos import find

    parsed = SreOpParser().parse_sre(pattern[0], pattern[1])
    worst = [r for r in find(parsed) if r.starriness > 2]
    assert not worst, f"{pattern[0]!r}: {worst[0]}"


@contextmanager
def _alarm(seconds: int) -> Iterator[None]:
    def expired(*_: object) -> None:
        raise TimeoutError(f"a single match ran over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _literal_words(pattern: str) -> list[str]:
    return re.findall(r"(?<![\\\[])[A-Za-z_][A-Za-z0-9_-]{2,}", pattern)[:3]


def _work(rx: re.Pattern[str], text: str) -> float:
    """Seconds for an anchored match and a full match (how the package runs
    most patterns: on one value or from a known offset); a search from every
    position is run under the alarm only, as it is quadratic by nature for a
    pattern that starts with a run and then needs a character that never comes."""
    best = float("inf")
    for _ in range(2):  # the best of two keeps a scheduler pause out of the ratio
        start = time.perf_counter()
        with _alarm(ALARM_SECONDS):
            rx.match(text)
            rx.fullmatch(text)
        best = min(best, time.perf_counter() - start)
    with _alarm(ALARM_SECONDS):
        rx.search(text)
    return best


@pytest.mark.parametrize("pattern", PATTERNS, ids=_ids)
def test_worst_inputs_take_at_most_quadratic_work(pattern: tuple[str, int]) -> None:
    rx = re.compile(*pattern)
    for word in ("", *_literal_words(pattern[0])):
        for fill in FILLERS:
            small = _work(rx, word + fill * (SMALL // len(fill)) + "!")
            large = _work(rx, word + fill * (LARGE // len(fill)) + "!")
            if large > FLOOR_SECONDS:
                assert large / max(small, 1e-6) < MAX_GROWTH, (
                    f"{pattern[0]!r} after {word!r} on runs of {fill!r}: "
                    f"{large / max(small, 1e-6):.0f}x the work for 4x the input")


def test_the_phrase_heuristic_no_longer_hangs_on_a_long_word() -> None:
    """The reported file: `CLIENT_SECRET=` then 5,000 letters and a `!`."""
    from nhiguard.rules.secrets._values import is_phrase, looks_secret

    value = "a" * 5000 + "!"
    with _alarm(ALARM_SECONDS):
        assert not is_phrase(value)
        assert not looks_secret(value)
    assert is_phrase("ThisDevToken2") and is_phrase("my-dev-key-2024") and is_phrase("abcdefDef")
    assert not is_phrase("ThisDevTokenX") and not is_phrase("aB")
