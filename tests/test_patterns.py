"""Both pattern engines give the same answers (Hyperscan only narrows the work)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from nhiguard.patterns import (
    KeywordSet,
    PatternSet,
    _hyperscan,
    engine_name,
    folds_into_ascii,
    lowered_in_place,
)

PATTERNS = [
    ("github", r"\b(ghp_[0-9A-Za-z]{36})\b"),
    ("aws", r"\b((?:AKIA|ASIA)[A-Z2-7]{16})\b"),
    ("lookbehind", r"(?<=key=)([a-f0-9]{8})"),
    ("caseless-word", r"(?i)\bsecret\w*"),
]
ALPHABET = st.sampled_from(list("ghp_AKIASIA0123456789abcdefXYZkey=secret \n\té-\"'"))
TEXT = st.lists(st.one_of(ALPHABET, st.sampled_from(
    ["ghp_" + "a1" * 18, "AKIA" + "Q7W3E5R2T4Y6U2I3", "key=deadbeef", "SECRETS", "é"])),
    max_size=60).map("".join)


FAST, PLAIN = PatternSet(PATTERNS), PatternSet(PATTERNS, use_hyperscan=False)
WORDS = ["ghp_", "AKIA", "secret", "key="]
KW_FAST, KW_PLAIN = KeywordSet(WORDS), KeywordSet(WORDS, use_hyperscan=False)


def _matches(ps: PatternSet, text: str) -> list[tuple[str, int, int]]:
    return sorted((name, m.start(), m.end()) for name, m in ps.finditer(text))


def test_hyperscan_is_in_use_where_installed():
    assert engine_name().startswith("hyperscan") == (_hyperscan() is not None)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_pattern_engines_agree(text):
    assert _matches(FAST, text) == _matches(PLAIN, text)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_keyword_engines_agree(text):
    data = text.encode()
    assert KW_FAST.present(data) == KW_PLAIN.present(data)
    assert KW_FAST.present(data) == {w.lower() for w in WORDS if w.lower().encode() in data.lower()}


def test_patterns_match_with_ascii_semantics():
    ps = PatternSet([("w", r"x\w+")], use_hyperscan=False)
    assert [m.group() for _, m in ps.finditer("xéa xab")] == ["xab"]
    assert re.ASCII & ps.regexes[0].flags


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_present_agrees_with_finditer(text):
    expected = {name for name, _ in PLAIN.finditer(text)}
    assert FAST.present(text) == PLAIN.present(text) == expected


def test_lowered_in_place_keeps_offsets_or_says_none():
    assert lowered_in_place("Client_Secret = 'clé …'") == "client_secret = 'clé …'"
    for folding in ("\u017f", "\u212a", "\u0130", "\u0131"):  # ſ, Kelvin sign, İ, ı
        assert folds_into_ascii(f"A{folding}")
        assert lowered_in_place(f"A{folding}") is None
