"""Output formats: text, JSON, SARIF and GitHub annotations."""

from __future__ import annotations

from .base import Report


def render(fmt: str, report: Report) -> str:
    """The report in one of `text`, `json`, `sarif`, `github`."""
    if fmt == "sarif":
        from . import sarif as module
    elif fmt == "json":
        from . import json as module  # type: ignore[no-redef]
    elif fmt == "github":
        from . import github as module  # type: ignore[no-redef]
    else:
        from . import text as module  # type: ignore[no-redef]
    return module.render(report)
