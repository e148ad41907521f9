"""Is a path test code or recorded test data?

Structural rules (how registration is set up, not a literal key) report code
a project ships; a test that builds an open registration server on purpose,
or a recorded server response, is not a finding a maintainer would act on.
The engine asks `is_test_path` once per file, from its URI alone, before it
reads the file, and skips those rules there unless tests are included.

A path is judged below the folder the user asked to scan (`root`), so
scanning a fixtures folder by name still reports what is in it.
"""

from __future__ import annotations

import re

# Folders whose content is test code or data recorded for tests.
TEST_FOLDERS = frozenset({
    "test", "tests", "testing", "__tests__", "__test__", "spec", "specs", "__mocks__",
    "e2e", "testdata", "test_data", "test-data", "fixtures", "__fixtures__", "__snapshots__",
    ".snapshots", "cassettes", "golden", "goldens", "testfixtures",
})

# File names of test code, recorded data and test configuration.
_TEST_FILE = re.compile(
    r"""^(?:
        test_.*\.py | .*_test\.py | .*_tests\.py | conftest\.py | tests?\.py
      | .*_test\.go
      | .*\.(?:test|spec)\.[cm]?[jt]sx? | .*\.(?:test|spec)\.snap | .*\.snap
      | .*_spec\.rb | .*Test\.java | .*Tests?\.cs | .*Test\.kt
      | .*\.golden(?:\.[a-z0-9]+)? | .*\.cassette\.ya?ml
    )$""",
    re.VERBOSE,
)


def is_test_path(uri: str, root: str = "") -> bool:
    """True when `uri`, read below the URI prefix `root` of the scanned folder,
    sits in a test or recorded-data folder or is named as a test file."""
    rel = uri[len(root):] if root and uri.startswith(root) else uri
    parts = rel.split("/")
    if any(part.lower() in TEST_FOLDERS for part in parts[:-1]):
        return True
    return bool(_TEST_FILE.match(parts[-1]))
