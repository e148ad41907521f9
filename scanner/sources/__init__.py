"""Sources: where artifacts come from.

- `files`: paths given on the command line (files and folders).
- `gitsource`, `githistory`, `diffmap`: what git holds (staged, a diff, history).
- `stores`: live config stores (etcd, AWS Parameter Store and Secrets
  Manager, Kubernetes exports), one module each.

Every source hands the engine `Artifact`s (a URI for reports, and bytes or a
path) plus notifications for what it could not read. Files and git list
theirs up front in a `Listing`; a store streams them (`Store.artifacts()`),
because a store can be larger than memory.
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
