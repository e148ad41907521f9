"""Listing files: exclude globs, links, and what is skipped before reading."""

from __future__ import annotations

import pytest
from nhiguard.sources import ExcludeMatcher


@pytest.mark.parametrize(("uri", "globs", "expected"), [
    ("tests/fixtures/a.py", ["tests/fixtures"], True),
    ("tests/fixtures/a.py", ["tests/*"], True),
    ("src/tests/a.py", ["tests/*"], False),
    ("src/node_modules/x/y.js", ["node_modules"], True),
    ("src/a.min.js", ["*.min.js"], True),
    ("src/a.js", ["*.min.js"], False),
    ("docs/guide.md", ["docs/*.md"], True),
    ("docs/deep/guide.md", ["docs/*.md"], True),  # fnmatch's * crosses /, as in gitleaks paths
    ("a.py", [], False),
    ("vendor/lib/x.py", ["vendor/"], True),
])
def test_exclude_globs(uri, globs, expected):
    assert ExcludeMatcher(globs).matches(uri) is expected
