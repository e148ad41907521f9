"""Sources: where artifacts come from.

- `files`: paths given on the command line (files and folders).
- `gitsource`, `githistory`, `diffmap`: what git holds (staged, a diff, history).

Every source hands the engine a `Listing` of `Artifact`s plus notifications
for what it could not read.
"""

from __future__ import annotations

from .files import (
    DEFAULT_EXCLUDES,
    DEFAULT_MAX_BYTES,
    Artifact,
    ExcludeMatcher,
    Listing,
    PathSource,
    SourceError,
    find_srcroot,
)

__all__ = [
    "DEFAULT_EXCLUDES",
    "DEFAULT_MAX_BYTES",
    "Artifact",
    "ExcludeMatcher",
    "Listing",
    "PathSource",
    "SourceError",
    "find_srcroot",
]
