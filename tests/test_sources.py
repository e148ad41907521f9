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
    # Globs read as .gitignore reads them: * stays in one folder, ** crosses folders.
    ("docs/deep/guide.md", ["docs/*.md"], False),
    ("docs/deep/guide.md", ["docs/**/*.md"], True),
    ("docs/guide.md", ["docs/**/*.md"], True),
    ("tests/a.py", ["**/tests/**"], True),
    ("src/pkg/tests/unit/a.py", ["**/tests/**"], True),
    ("tests.py", ["**/tests/**"], False),
    ("src/contests/a.py", ["**/tests/**"], False),
    ("tests/a.py", ["/tests"], True),
    ("src/tests/a.py", ["/tests"], False),
    ("src/tests/a.py", ["tests"], True),
    ("a/x1.py", ["x[0-9].py"], True),
    ("a/xa.py", ["x[!0-9].py"], True),
    ("a/x1.py", ["x[!0-9].py"], False),
    ("a.py", [], False),
    ("vendor/lib/x.py", ["vendor/"], True),
])
def test_exclude_globs(uri, globs, expected):
    assert ExcludeMatcher(globs).matches(uri) is expected
